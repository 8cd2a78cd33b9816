/** soulrecall plugin `network`: start, stop and inspect the embedded local IC network (@soulrecall/devnet). */
export type { NetworkStartResult } from './commands/network/start.js';
export type { NetworkStopResult } from './commands/network/stop.js';
export type { NetworkStatusResult } from './commands/network/status.js';
