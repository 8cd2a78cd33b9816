import type { Principal } from '@dfinity/principal';
import { MAX_LOG_BYTES } from '../canister-logs.js';
import type { CanisterRunStatus, CustomSectionMetadata } from '../execution/types.js';

/**
 * Candid shape of `log_visibility`, `snapshot_visibility` and `status_visibility` (one variant in
 * ic.did), kept as is so it round-trips through canister_status.
 */
export type Visibility = { controllers: null } | { public: null } | { allowed_viewers: Principal[] };
export type LogVisibility = Visibility;

export interface EnvironmentVariable {
  name: string;
  value: string;
}

export interface CanisterSettings {
  computeAllocation: bigint;
  memoryAllocation: bigint;
  freezingThreshold: bigint;
  reservedCyclesLimit: bigint;
  logVisibility: LogVisibility;
  /** Bytes of log content the canister keeps; older records are dropped past it (canister-logs.ts). */
  logMemoryLimit: bigint;
  /** Who may list and read the canister's snapshots besides its controllers. */
  snapshotVisibility: Visibility;
  /** Who may read canister_status besides its controllers. */
  statusVisibility: Visibility;
  /** Cycles a call from another canister must attach to be accepted (0: no minimum). */
  minimumIncomingCanisterCallCycles: bigint;
  wasmMemoryLimit: bigint;
  wasmMemoryThreshold: bigint;
  environmentVariables: EnvironmentVariable[];
}

export interface CanisterLogRecord {
  idx: bigint;
  timestampNanos: bigint;
  content: Uint8Array;
}

export interface SnapshotInfo {
  id: Uint8Array;
  takenAtNanos: bigint;
  totalSize: bigint;
}

/** Everything the management canister knows about one canister (the Wasm state lives in the engine). */
export interface CanisterRecord {
  id: Principal;
  status: CanisterRunStatus;
  controllers: Principal[];
  settings: CanisterSettings;
  cycles: bigint;
  /** Canister version: bumped by every change of code, settings or state through the management canister. */
  version: bigint;
  moduleHash?: Uint8Array;
  metadata: CustomSectionMetadata[];
  /** Hashes of the chunks in the chunk store, in upload order (contents live in files). */
  chunkHashes: Uint8Array[];
  logs: CanisterLogRecord[];
  nextLogIdx: bigint;
  snapshots: SnapshotInfo[];
  nextSnapshotSeq: bigint;
}

export const DEFAULT_SETTINGS: CanisterSettings = {
  computeAllocation: 0n,
  memoryAllocation: 0n,
  freezingThreshold: 2_592_000n,
  reservedCyclesLimit: 5_000_000_000_000n,
  logVisibility: { controllers: null },
  logMemoryLimit: BigInt(MAX_LOG_BYTES),
  snapshotVisibility: { controllers: null },
  statusVisibility: { controllers: null },
  minimumIncomingCanisterCallCycles: 0n,
  wasmMemoryLimit: 3_221_225_472n,
  wasmMemoryThreshold: 0n,
  environmentVariables: [],
};

export const isController = (record: CanisterRecord, principal: Principal): boolean =>
  record.controllers.some((controller) => controller.compareTo(principal) === 'eq');

/** Whether a visibility setting lets `principal` see what it guards (controllers always may). */
export const isVisibleTo = (record: CanisterRecord, visibility: Visibility, principal: Principal): boolean =>
  'public' in visibility ||
  isController(record, principal) ||
  ('allowed_viewers' in visibility &&
    visibility.allowed_viewers.some((viewer) => viewer.compareTo(principal) === 'eq'));
