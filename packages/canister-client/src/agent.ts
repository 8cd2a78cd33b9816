/**
 * The parts of canister-client that load @dfinity/agent when imported, for code that makes its
 * own agents (benchmarks, tests). The main entry point loads the agent only on the first
 * `CanisterClient.connect`, so that commands which never talk to a network start fast.
 */
export { HttpAgentTransport } from './http-transport.js';
export { useWasmBlsInAgent } from './certificate-verification.js';
export { nobleEd25519Verify, useNativeEd25519InAgent } from './query-signatures.js';
