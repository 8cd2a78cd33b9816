export * from './types.js';
export * from './errors.js';
export * from './loader.js';
export * from './environments.js';
