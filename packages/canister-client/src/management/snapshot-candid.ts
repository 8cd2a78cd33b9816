import { fromHex, fromOpt, toHex } from '../candid/service.js';
import type {
  LowWasmMemoryHookStatus,
  SnapshotDataRequest,
  SnapshotDataTarget,
  SnapshotGlobal,
  SnapshotMetadata,
  SnapshotMetadataUpload,
} from './types.js';

/**
 * Candid shapes of the snapshot data interface (ic.did `read_canister_snapshot_*`,
 * `upload_canister_snapshot_*`) and their conversion to this package's types.
 */

type Bytes = Uint8Array | number[];
type RawGlobal = { i32: number } | { i64: bigint } | { f32: number } | { f64: number } | { v128: bigint };
type RawTimer = [] | [{ inactive: null } | { active: bigint }];
type RawHookStatus = [] | [{ condition_not_satisfied: null } | { ready: null } | { executed: null }];

export interface RawSnapshotMetadata {
  source: { taken_from_canister?: unknown; metadata_upload?: unknown };
  taken_at_timestamp: bigint;
  wasm_module_size: bigint;
  globals: RawGlobal[];
  wasm_memory_size: bigint;
  stable_memory_size: bigint;
  wasm_chunk_store: Array<{ hash: Bytes }>;
  canister_version: bigint;
  certified_data: Bytes;
  global_timer: RawTimer;
  on_low_wasm_memory_hook_status: RawHookStatus;
}

function decodeGlobal(raw: RawGlobal): SnapshotGlobal {
  if ('i32' in raw) return { type: 'i32', value: raw.i32 };
  if ('i64' in raw) return { type: 'i64', value: raw.i64 };
  if ('f32' in raw) return { type: 'f32', value: raw.f32 };
  if ('f64' in raw) return { type: 'f64', value: raw.f64 };
  return { type: 'v128', value: raw.v128 };
}

function encodeGlobal(global: SnapshotGlobal): RawGlobal {
  return { [global.type]: global.value } as RawGlobal;
}

function decodeTimer(raw: RawTimer): SnapshotMetadata['globalTimer'] {
  const timer = fromOpt(raw);
  if (!timer) return null;
  return 'active' in timer ? timer.active : 'inactive';
}

function encodeTimer(timer: SnapshotMetadata['globalTimer']): RawTimer {
  if (timer === null) return [];
  return [timer === 'inactive' ? { inactive: null } : { active: timer }];
}

function decodeHookStatus(raw: RawHookStatus): LowWasmMemoryHookStatus | null {
  const status = fromOpt(raw);
  return status ? (Object.keys(status)[0] as LowWasmMemoryHookStatus) : null;
}

function encodeHookStatus(status: LowWasmMemoryHookStatus | null): RawHookStatus {
  return status === null ? [] : [{ [status]: null } as { ready: null }];
}

export function decodeSnapshotMetadata(raw: RawSnapshotMetadata): SnapshotMetadata {
  return {
    source: 'metadata_upload' in raw.source ? 'metadata_upload' : 'taken_from_canister',
    takenAtNanos: raw.taken_at_timestamp,
    wasmModuleSize: Number(raw.wasm_module_size),
    globals: raw.globals.map(decodeGlobal),
    wasmMemorySize: Number(raw.wasm_memory_size),
    stableMemorySize: Number(raw.stable_memory_size),
    wasmChunkStore: raw.wasm_chunk_store.map((chunk) => toHex(chunk.hash)),
    canisterVersion: raw.canister_version,
    certifiedData: Uint8Array.from(raw.certified_data),
    globalTimer: decodeTimer(raw.global_timer),
    onLowWasmMemoryHookStatus: decodeHookStatus(raw.on_low_wasm_memory_hook_status),
  };
}

/** The argument fields of `upload_canister_snapshot_metadata` other than canister_id and replace_snapshot. */
export function encodeMetadataUpload(metadata: SnapshotMetadataUpload): Record<string, unknown> {
  return {
    wasm_module_size: BigInt(metadata.wasmModuleSize),
    globals: metadata.globals.map(encodeGlobal),
    wasm_memory_size: BigInt(metadata.wasmMemorySize),
    stable_memory_size: BigInt(metadata.stableMemorySize),
    certified_data: metadata.certifiedData,
    global_timer: encodeTimer(metadata.globalTimer),
    on_low_wasm_memory_hook_status: encodeHookStatus(metadata.onLowWasmMemoryHookStatus),
  };
}

export function encodeDataRequest(request: SnapshotDataRequest): Record<string, unknown> {
  if ('chunkHash' in request) return { wasm_chunk: { hash: fromHex(request.chunkHash) } };
  return { [request.section]: { offset: BigInt(request.offset), size: BigInt(request.size) } };
}

export function encodeDataTarget(target: SnapshotDataTarget): Record<string, unknown> {
  if ('chunk' in target) return { wasm_chunk: null };
  return { [target.section]: { offset: BigInt(target.offset) } };
}
