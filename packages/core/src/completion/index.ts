export * from './complete.js';
export * from './project-names.js';
export * from './shell-scripts.js';
