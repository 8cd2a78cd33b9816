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

/** A Wasm global's value as a snapshot carries it (ic.did `globals`). */
export type SnapshotGlobal = { type: 'i32' | 'f32' | 'f64'; value: number } | { type: 'i64' | 'v128'; value: bigint };

/** The three byte sections of a snapshot (besides the chunk store), named as in ic.did. */
export type SnapshotSection = 'wasm_module' | 'wasm_memory' | 'stable_memory';
export const SNAPSHOT_SECTIONS: readonly SnapshotSection[] = ['wasm_module', 'wasm_memory', 'stable_memory'];

export type LowWasmMemoryHookStatus = 'condition_not_satisfied' | 'ready' | 'executed';

/** `read_canister_snapshot_metadata`, decoded. Sizes in bytes. */
export interface SnapshotMetadata {
  /** Taken with take_canister_snapshot, or created by a metadata upload. */
  source: 'taken_from_canister' | 'metadata_upload';
  takenAtNanos: bigint;
  wasmModuleSize: number;
  /** The module's exported or mutable Wasm globals, in order. */
  globals: SnapshotGlobal[];
  wasmMemorySize: number;
  stableMemorySize: number;
  /** Hashes (hex) of the chunks in the snapshot's Wasm chunk store. */
  wasmChunkStore: string[];
  /** The canister's version when the snapshot was taken or uploaded. */
  canisterVersion: bigint;
  certifiedData: Uint8Array;
  /** `inactive`, the deadline in nanoseconds, or null when the snapshot does not say. */
  globalTimer: 'inactive' | bigint | null;
  onLowWasmMemoryHookStatus: LowWasmMemoryHookStatus | null;
}

/** What `upload_canister_snapshot_metadata` takes: the shape of the snapshot to be uploaded. */
export type SnapshotMetadataUpload = Pick<
  SnapshotMetadata,
  | 'wasmModuleSize'
  | 'globals'
  | 'wasmMemorySize'
  | 'stableMemorySize'
  | 'certifiedData'
  | 'globalTimer'
  | 'onLowWasmMemoryHookStatus'
>;

/** Which data `read_canister_snapshot_data` returns: a slice of a section, or a chunk-store chunk by hash (hex). */
export type SnapshotDataRequest = { section: SnapshotSection; offset: number; size: number } | { chunkHash: string };

/** Where `upload_canister_snapshot_data` writes: at an offset of a section, or into the chunk store. */
export type SnapshotDataTarget = { section: SnapshotSection; offset: number } | { chunk: true };
