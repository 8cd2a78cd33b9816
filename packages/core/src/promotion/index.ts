export * from './strategy.js';
export * from './journal.js';
export * from './result.js';
