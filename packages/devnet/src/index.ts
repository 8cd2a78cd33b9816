import { startDevnetWithEngine, type Devnet, type DevnetOptions } from './devnet.js';
import { createExecutionEngine } from './execution/index.js';

export type { Devnet, DevnetOptions } from './devnet.js';
export { DEFAULT_FUNDED_CYCLES } from './devnet.js';
export { CYCLES_LEDGER_FEE, CYCLES_LEDGER_ID } from './system-canisters/cycles-ledger.js';
export { DevnetError, type DevnetErrorCode } from './errors.js';
export { managementIdlFactory } from './management/candid-types.js';
export * from './network-control.js';
export { FUND_PATH, NETWORK_INFO_PATH, type NetworkSelfDescription } from './http/server.js';

/** Starts a local Internet Computer network that serves @dfinity/agent over HTTP. */
export function startDevnet(options: DevnetOptions): Promise<Devnet> {
  return startDevnetWithEngine(options, createExecutionEngine);
}
