export * from './strategy.js';
export * from './journal.js';
