export * from './errors.js';
export * from './data-dir.js';
export * from './base-command.js';
export * from './config/index.js';
export * from './output/table.js';
