/** The devnet's execution layer: canister Wasm with the ic0 System API, run off the main thread. */
export * from './types.js';
export { createExecutionEngine } from './engine.js';
export { ExecutionError, type ExecutionErrorCode } from './errors.js';
export { EOP_SECTION, hasEnhancedOrthogonalPersistence } from './module-rules.js';
