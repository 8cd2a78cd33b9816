import { startDevnetWithEngine, type Devnet, type DevnetOptions } from './devnet.js';
import { createExecutionEngine } from './execution/index.js';

export type { Devnet, DevnetOptions } from './devnet.js';
export { DevnetError } from './errors.js';
export { managementIdlFactory } from './management/candid-types.js';
export * from './network-control.js';
export { NETWORK_INFO_PATH, type NetworkSelfDescription } from './http/server.js';

/** Starts a local Internet Computer network that serves @dfinity/agent over HTTP. */
export function startDevnet(options: DevnetOptions): Promise<Devnet> {
  return startDevnetWithEngine(options, createExecutionEngine);
}
