/**
 * The snapshot data interface: `read_canister_snapshot_metadata` / `read_canister_snapshot_data`
 * (download) and `upload_canister_snapshot_metadata` / `upload_canister_snapshot_data` (upload),
 * with the replica's limits, checks and wording (rs/execution_environment canister_manager.rs).
 */
import type { Principal } from '@dfinity/principal';
import { bytesEqual, sha256 } from '../bytes.js';
import type { WasmGlobalValue } from '../execution/types.js';
import { ErrorCodes, RejectError } from '../reject.js';
import type { LowWasmMemoryHookStatus, SnapshotMeta, SnapshotSection } from '../state/snapshot-files.js';
import { requireController, type ManagementContext } from './management-context.js';
import { addSnapshot, requireSnapshot, reserveSnapshotSlot, snapshotMeta, snapshotSize } from './snapshots.js';

const WASM_PAGE_BYTES = 65536n;
const MAX_SLICE_BYTES = 2_000_000n;
const MAX_MODULE_BYTES = 100n * 1024n * 1024n;
/** Wasm32 memory: every module runs as wasm32 here (memory64 is lowered). */
const MAX_WASM_MEMORY_BYTES = 4n * 1024n * 1024n * 1024n;
const MAX_STABLE_MEMORY_BYTES = 500n * 1024n * 1024n * 1024n;
const MAX_GLOBALS = 1000;
const MAX_CERTIFIED_DATA_BYTES = 32;
const CHUNK_BYTES = 1024 * 1024;
const MAX_CHUNKS = 100;

export type CandidGlobal = { i32: number } | { i64: bigint } | { f32: number } | { f64: number } | { v128: bigint };
type CandidTimer = [] | [{ inactive: null } | { active: bigint }];
type CandidHookStatus = [] | [Record<LowWasmMemoryHookStatus, null>];
type SliceKind = Record<SnapshotSection, { offset: bigint; size: bigint }>;

export interface UploadMetadataArgs {
  canister_id: Principal;
  replace_snapshot: [] | [Uint8Array];
  wasm_module_size: bigint;
  globals: CandidGlobal[];
  wasm_memory_size: bigint;
  stable_memory_size: bigint;
  certified_data: Uint8Array;
  global_timer: CandidTimer;
  on_low_wasm_memory_hook_status: CandidHookStatus;
}

export type ReadDataKind = Partial<SliceKind> & { wasm_chunk?: { hash: Uint8Array } };
export type UploadDataKind = Partial<Record<SnapshotSection, { offset: bigint }>> & { wasm_chunk?: null };

const only = <K extends string>(variant: Partial<Record<K, unknown>>): K => Object.keys(variant)[0] as K;

/** A replica formats chunk hashes as Rust's `{:02x?}` of a byte array: `[0a, 1b, …]`. */
const debugHex = (bytes: Uint8Array): string =>
  `[${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(', ')}]`;

const chunkStoreError = (message: string) =>
  new RejectError(ErrorCodes.CanisterContractViolation, `Error from Wasm chunk store: ${message}`);
const invalidSlice = (offset: bigint, size: bigint) =>
  new RejectError(
    ErrorCodes.InvalidManagementPayload,
    `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset}, size: ${size}`,
  );

function toCandidGlobal(global: WasmGlobalValue): CandidGlobal {
  switch (global.type) {
    case 'i32':
      return { i32: Number(global.value) };
    case 'i64':
      return { i64: BigInt(global.value) };
    case 'f32':
      return { f32: Number(global.value) };
    case 'f64':
      return { f64: Number(global.value) };
    case 'v128':
      return { v128: BigInt(global.value) };
  }
}

function fromCandidGlobal(global: CandidGlobal): WasmGlobalValue {
  const type = only<WasmGlobalValue['type']>(global);
  const value = (global as Record<string, number | bigint>)[type]!;
  if (type === 'v128' && (value as bigint) >= 1n << 128n) {
    throw new RejectError(
      ErrorCodes.InvalidManagementPayload,
      `Error decoding candid: v128 global ${value} does not fit in 128 bits.`,
    );
  }
  return { type, value: Object.is(value, -0) ? '-0' : String(value) };
}

export async function readSnapshotMetadata(ctx: ManagementContext, canisterId: Principal, snapshotId: Uint8Array) {
  const { record, info } = requireSnapshot(ctx, canisterId, snapshotId, 'view');
  const meta = await snapshotMeta(ctx, record, info);
  const timer = meta.globalTimerNanos;
  return {
    source: { [meta.source]: null },
    taken_at_timestamp: meta.takenAtNanos,
    wasm_module_size: meta.sizes.wasm_module,
    globals: meta.globals.map(toCandidGlobal),
    wasm_memory_size: meta.sizes.wasm_memory,
    stable_memory_size: meta.sizes.stable_memory,
    wasm_chunk_store: meta.chunkHashes.map((hash) => ({ hash })),
    canister_version: meta.canisterVersion,
    certified_data: meta.certifiedData,
    global_timer: timer === undefined ? [] : [timer === 0n ? { inactive: null } : { active: timer }],
    on_low_wasm_memory_hook_status: meta.onLowWasmMemoryHookStatus ? [{ [meta.onLowWasmMemoryHookStatus]: null }] : [],
  };
}

/** A slice of a section (read from disk, never the whole snapshot) or one chunk of the snapshot's chunk store. */
export async function readSnapshotData(
  ctx: ManagementContext,
  canisterId: Principal,
  snapshotId: Uint8Array,
  kind: ReadDataKind,
): Promise<{ chunk: Uint8Array }> {
  const { record, info } = requireSnapshot(ctx, canisterId, snapshotId, 'view');
  const meta = await snapshotMeta(ctx, record, info);
  if (kind.wasm_chunk) {
    const { hash } = kind.wasm_chunk;
    if (hash.length !== 32) throw chunkStoreError(`Bytes ${debugHex(hash)} are not a valid WasmChunkHash.`);
    const chunk = meta.chunkHashes.some((known) => bytesEqual(known, hash))
      ? ctx.store.snapshots.readChunk(record.id, info.id, hash)
      : undefined;
    if (!chunk) throw chunkStoreError(`WasmChunkHash ${debugHex(hash)} not found.`);
    return { chunk };
  }
  const section = only<SnapshotSection>(kind);
  const { offset, size } = (kind as SliceKind)[section];
  if (size > MAX_SLICE_BYTES)
    throw new RejectError(
      ErrorCodes.InvalidManagementPayload,
      `Requested slice too large: ${size} > ${MAX_SLICE_BYTES}`,
    );
  if (offset + size > meta.sizes[section]) throw invalidSlice(offset, size);
  return { chunk: ctx.store.snapshots.readSlice(record.id, info.id, section, Number(offset), Number(size)) };
}

/** The replica's ValidatedSnapshotMetadata checks, named as its MetadataValidationError variants. */
function metadataProblem(args: UploadMetadataArgs): string | undefined {
  if (args.wasm_module_size === 0n) return 'WasmModuleEmpty';
  if (args.wasm_module_size > MAX_MODULE_BYTES) return 'WasmModuleTooLarge';
  if (args.wasm_memory_size % WASM_PAGE_BYTES !== 0n) return 'WasmMemoryNotPageAligned';
  if (args.wasm_memory_size > MAX_WASM_MEMORY_BYTES) return 'WasmMemoryTooLarge';
  if (args.stable_memory_size % WASM_PAGE_BYTES !== 0n) return 'StableMemoryNotPageAligned';
  if (args.stable_memory_size > MAX_STABLE_MEMORY_BYTES) return 'StableMemoryTooLarge';
  if (args.globals.length > MAX_GLOBALS) return 'ExportedGlobalsTooLarge';
  if (args.certified_data.length > MAX_CERTIFIED_DATA_BYTES) return 'CertifiedDataTooLarge';
  return undefined;
}

/** A new snapshot of source `metadata_upload`: all-zero sections of the given sizes (sparse files), no chunks. */
export async function uploadSnapshotMetadata(
  ctx: ManagementContext,
  args: UploadMetadataArgs,
): Promise<{ snapshot_id: Uint8Array }> {
  const record = ctx.store.require(args.canister_id);
  requireController(ctx, record);
  const problem = metadataProblem(args);
  if (problem)
    throw new RejectError(ErrorCodes.InvalidManagementPayload, `Snapshot Metadata contains invalid data: ${problem}`);
  const replaced = reserveSnapshotSlot(ctx, record, args.replace_snapshot[0]);
  const timer = args.global_timer[0];
  const hook = args.on_low_wasm_memory_hook_status[0];
  const meta: SnapshotMeta = {
    source: 'metadata_upload',
    takenAtNanos: ctx.timeNanos,
    canisterVersion: record.version,
    sizes: {
      wasm_module: args.wasm_module_size,
      wasm_memory: args.wasm_memory_size,
      stable_memory: args.stable_memory_size,
    },
    globals: args.globals.map(fromCandidGlobal),
    certifiedData: args.certified_data,
    globalTimerNanos: timer === undefined ? undefined : 'active' in timer ? timer.active : 0n,
    onLowWasmMemoryHookStatus: hook ? only<LowWasmMemoryHookStatus>(hook) : undefined,
    chunkHashes: [],
  };
  const id = ctx.store.nextSnapshotId(record);
  ctx.store.snapshots.create(record.id, id, meta, { ...meta.sizes }, []);
  await addSnapshot(ctx, record, { id, takenAtNanos: ctx.timeNanos, totalSize: snapshotSize(meta, 0) }, replaced);
  return { snapshot_id: id };
}

/** Writes into an uploaded snapshot, in place: a slice of a section, or a chunk into its chunk store. */
export async function uploadSnapshotData(
  ctx: ManagementContext,
  canisterId: Principal,
  snapshotId: Uint8Array,
  kind: UploadDataKind,
  chunk: Uint8Array,
): Promise<void> {
  const { record, info } = requireSnapshot(ctx, canisterId, snapshotId, 'control');
  const meta = await snapshotMeta(ctx, record, info);
  if (meta.source !== 'metadata_upload') {
    throw new RejectError(
      ErrorCodes.CanisterSnapshotImmutable,
      'Only canister snapshots created by metadata upload can be mutated.',
    );
  }
  if ('wasm_chunk' in kind) {
    const hash = sha256(chunk);
    if (meta.chunkHashes.some((known) => bytesEqual(known, hash))) return;
    if (chunk.length > CHUNK_BYTES)
      throw chunkStoreError(`Wasm chunk size ${chunk.length} exceeds the maximum chunk size of ${CHUNK_BYTES}.`);
    if (meta.chunkHashes.length >= MAX_CHUNKS) {
      throw chunkStoreError(
        `Wasm chunk store has already reached maximum capacity of ${MAX_CHUNKS * CHUNK_BYTES} bytes or the maximum number of entries, ${MAX_CHUNKS}.`,
      );
    }
    ctx.store.snapshots.writeChunk(record.id, info.id, hash, chunk);
    meta.chunkHashes.push(hash);
    ctx.store.snapshots.writeMeta(record.id, info.id, meta);
    info.totalSize += BigInt(chunk.length);
    ctx.store.changed();
    return;
  }
  const section = only<SnapshotSection>(kind);
  const { offset } = kind[section]!;
  if (offset + BigInt(chunk.length) > meta.sizes[section]) throw invalidSlice(offset, BigInt(chunk.length));
  ctx.store.snapshots.writeSlice(record.id, info.id, section, Number(offset), chunk);
}
