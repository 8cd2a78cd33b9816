export * from './strategy.js';
export * from './journal.js';
export * from './journal-record.js';
export * from './result.js';
export * from './create-step.js';
