import type { PrincipalLike } from '../principal.js';

export type InstallMode = 'auto' | 'install' | 'reinstall' | 'upgrade';
export type CanisterRunStatus = 'running' | 'stopping' | 'stopped';
export type LogVisibility = 'controllers' | 'public' | { allowedViewers: PrincipalLike[] };

/** Settings to change; fields left out stay as they are. */
export interface CanisterSettingsInput {
  controllers?: PrincipalLike[];
  computeAllocation?: bigint;
  memoryAllocation?: bigint;
  freezingThreshold?: bigint;
  reservedCyclesLimit?: bigint;
  logVisibility?: LogVisibility;
  wasmMemoryLimit?: bigint;
  wasmMemoryThreshold?: bigint;
}

export interface CanisterSettings {
  controllers: string[];
  computeAllocation: bigint;
  memoryAllocation: bigint;
  freezingThreshold: bigint;
  reservedCyclesLimit?: bigint;
  logVisibility?: 'controllers' | 'public' | { allowedViewers: string[] };
  wasmMemoryLimit?: bigint;
  wasmMemoryThreshold?: bigint;
}

/** `canister_status`, decoded. */
export interface CanisterStatus {
  canisterId: string;
  status: CanisterRunStatus;
  /** sha256 of the installed module, hex; null when the canister is empty. */
  moduleHash: string | null;
  cycles: bigint;
  memorySize: bigint;
  settings: CanisterSettings;
  reservedCycles?: bigint;
  idleCyclesBurnedPerDay?: bigint;
  version?: bigint;
}

export interface SnapshotInfo {
  /** Snapshot id, hex. */
  id: string;
  takenAt: Date;
  takenAtNanos: bigint;
  totalSize: bigint;
}

export interface CanisterLogRecord {
  idx: bigint;
  timestampNanos: bigint;
  timestamp: Date;
  /** The record's bytes as UTF-8 (what debug_print wrote). */
  text: string;
  content: Uint8Array;
}
