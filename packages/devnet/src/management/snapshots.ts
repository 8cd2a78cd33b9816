import type { Principal } from '@dfinity/principal';
import { bytesEqual, sha256, toHex } from '../bytes.js';
import type { CustomSectionMetadata } from '../execution/types.js';
import { ErrorCodes, RejectError } from '../reject.js';
import type { CanisterRecord, SnapshotInfo } from '../state/canister-record.js';
import type { SnapshotMeta } from '../state/snapshot-files.js';
import { requireController, requireViewer, type ManagementContext } from './management-context.js';

/** A replica keeps at most this many snapshots per canister. */
const MAX_SNAPSHOTS_PER_CANISTER = 10;

export interface CandidSnapshot {
  id: Uint8Array;
  taken_at_timestamp: bigint;
  total_size: bigint;
}

const toCandid = (info: SnapshotInfo): CandidSnapshot => ({
  id: info.id,
  taken_at_timestamp: info.takenAtNanos,
  total_size: info.totalSize,
});

/** The canister's snapshot of that id, or the replica's reject: IC0406 when another canister owns it, else IC0305. */
export function findSnapshot(ctx: ManagementContext, record: CanisterRecord, snapshotId: Uint8Array): SnapshotInfo {
  const info = record.snapshots.find((snapshot) => bytesEqual(snapshot.id, snapshotId));
  if (info) return info;
  if (ctx.store.snapshotOwner(snapshotId)) {
    throw new RejectError(
      ErrorCodes.CanisterRejectedMessage,
      `The snapshot ${toHex(snapshotId)} does not belong to canister ${record.id.toText()}.`,
    );
  }
  throw new RejectError(
    ErrorCodes.CanisterSnapshotNotFound,
    `Could not find the snapshot ID ${toHex(snapshotId)} for canister ${record.id.toText()}.`,
  );
}

/**
 * Room for one more snapshot: the one it replaces must be the canister's, or the canister must
 * be below the limit. Returns the snapshot to replace.
 */
export function reserveSnapshotSlot(
  ctx: ManagementContext,
  record: CanisterRecord,
  replace: Uint8Array | undefined,
): SnapshotInfo | undefined {
  if (replace) return findSnapshot(ctx, record, replace);
  if (record.snapshots.length >= MAX_SNAPSHOTS_PER_CANISTER) {
    throw new RejectError(
      ErrorCodes.CanisterRejectedMessage,
      `Canister ${record.id.toText()} has reached the maximum number of snapshots allowed: ${MAX_SNAPSHOTS_PER_CANISTER}.`,
    );
  }
  return undefined;
}

/**
 * Lists a snapshot whose files are written, persists that, and only then deletes the one it
 * replaces: a crash in between leaves the old snapshot or both, never neither.
 */
export async function addSnapshot(
  ctx: ManagementContext,
  record: CanisterRecord,
  info: SnapshotInfo,
  replaced: SnapshotInfo | undefined,
): Promise<void> {
  record.snapshots = record.snapshots.filter((snapshot) => snapshot !== replaced);
  record.snapshots.push(info);
  ctx.store.changed();
  await ctx.store.flush([record.id]);
  if (replaced) ctx.store.snapshots.remove(record.id, replaced.id);
}

/** The stored metadata of a snapshot, converting a snapshot file of an earlier version first. */
export async function snapshotMeta(
  ctx: ManagementContext,
  record: CanisterRecord,
  info: SnapshotInfo,
): Promise<SnapshotMeta> {
  await convertLegacySnapshot(ctx, record.id, info);
  return ctx.store.snapshots.readMeta(record.id, info.id);
}

export async function takeSnapshot(
  ctx: ManagementContext,
  canisterId: Principal,
  replace: Uint8Array | undefined,
): Promise<CandidSnapshot> {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  const replaced = reserveSnapshotSlot(ctx, record, replace);
  if (!ctx.engine.hasCode(record.id.toUint8Array())) {
    // The replica's wording, colon included.
    throw new RejectError(
      ErrorCodes.CanisterRejectedMessage,
      `Failed to create snapshot for empty canister ${canisterId.toText()}:`,
    );
  }
  const wasm = await ctx.engine.exportState(record.id.toUint8Array());
  const chunks = record.chunkHashes.map((hash) => ({
    hash,
    data: ctx.store.readChunk(record.id, hash) ?? new Uint8Array(),
  }));
  const meta: SnapshotMeta = {
    source: 'taken_from_canister',
    takenAtNanos: ctx.timeNanos,
    canisterVersion: record.version,
    sizes: {
      wasm_module: BigInt(wasm.module.length),
      wasm_memory: BigInt(wasm.heap.length),
      stable_memory: BigInt(wasm.stableMemory.length),
    },
    globals: wasm.globals,
    certifiedData: wasm.certifiedData,
    globalTimerNanos: BigInt(wasm.globalTimerNanos ?? '0'),
    // The devnet has no low-memory hook, so its condition is never satisfied.
    onLowWasmMemoryHookStatus: 'condition_not_satisfied',
    chunkHashes: chunks.map((chunk) => chunk.hash),
    moduleHash: record.moduleHash,
  };
  const id = ctx.store.nextSnapshotId(record);
  ctx.store.snapshots.create(
    record.id,
    id,
    meta,
    { wasm_module: wasm.module, wasm_memory: wasm.heap, stable_memory: wasm.stableMemory },
    chunks,
  );
  const info: SnapshotInfo = {
    id,
    takenAtNanos: ctx.timeNanos,
    totalSize: snapshotSize(
      meta,
      chunks.reduce((sum, chunk) => sum + chunk.data.length, 0),
    ),
  };
  await addSnapshot(ctx, record, info, replaced);
  return toCandid(info);
}

/** What a snapshot counts for (snapshots_size, total_size): its sections, certified data and chunks. */
export function snapshotSize(meta: SnapshotMeta, chunkBytes: number): bigint {
  return (
    meta.sizes.wasm_module +
    meta.sizes.wasm_memory +
    meta.sizes.stable_memory +
    BigInt(meta.certifiedData.length + chunkBytes)
  );
}

/**
 * A snapshot of the canister, for a caller that may change it (`control`: a controller) or read
 * it (`view`: as the canister's snapshot visibility allows), checked in the replica's order.
 */
export function requireSnapshot(
  ctx: ManagementContext,
  canisterId: Principal,
  snapshotId: Uint8Array,
  access: 'control' | 'view',
): { record: CanisterRecord; info: SnapshotInfo } {
  const record = ctx.store.require(canisterId);
  if (access === 'control') requireController(ctx, record);
  else requireViewer(ctx, record, record.settings.snapshotVisibility);
  return { record, info: findSnapshot(ctx, record, snapshotId) };
}

/**
 * Replaces code, memories, globals, certified data and chunk store with the snapshot's. As on a
 * replica, the global timer is restored only from an uploaded snapshot that gave one.
 */
export async function loadSnapshot(
  ctx: ManagementContext,
  canisterId: Principal,
  snapshotId: Uint8Array,
): Promise<void> {
  const { record, info } = requireSnapshot(ctx, canisterId, snapshotId, 'control');
  const meta = await snapshotMeta(ctx, record, info);
  const files = ctx.store.snapshots;
  const module = files.readSection(record.id, info.id, 'wasm_module');
  const outcome = await ctx.engine.importState(record.id.toUint8Array(), {
    module,
    heap: files.readSection(record.id, info.id, 'wasm_memory'),
    stableMemory: files.readSection(record.id, info.id, 'stable_memory'),
    globals: meta.globals,
    certifiedData: meta.certifiedData,
    globalTimerNanos: meta.source === 'metadata_upload' ? meta.globalTimerNanos?.toString() : undefined,
  });
  if (outcome.kind === 'reject') throw RejectError.from(outcome);
  for (const hash of meta.chunkHashes)
    ctx.store.writeChunk(record.id, hash, files.readChunk(record.id, info.id, hash) ?? new Uint8Array());
  record.chunkHashes = [...meta.chunkHashes];
  record.moduleHash = module.length === 0 ? undefined : (meta.moduleHash ?? sha256(module));
  record.metadata = outcome.metadata;
  record.version++;
  ctx.store.changed();
  await ctx.store.flush([record.id]);
  ctx.store.collectChunks(record);
}

export function listSnapshots(ctx: ManagementContext, canisterId: Principal): CandidSnapshot[] {
  const record = ctx.store.require(canisterId);
  requireViewer(ctx, record, record.settings.snapshotVisibility);
  return record.snapshots.map(toCandid);
}

export async function deleteSnapshot(
  ctx: ManagementContext,
  canisterId: Principal,
  snapshotId: Uint8Array,
): Promise<void> {
  const { record, info } = requireSnapshot(ctx, canisterId, snapshotId, 'control');
  record.snapshots = record.snapshots.filter((snapshot) => snapshot !== info);
  ctx.store.changed();
  await ctx.store.flush([record.id]);
  ctx.store.snapshots.remove(record.id, info.id);
}

/** A snapshot as earlier versions stored it: one JSON file, the engine's export with untyped globals. */
interface LegacySnapshotContent {
  wasm: {
    module: Uint8Array;
    heap: Uint8Array;
    stableMemory: Uint8Array;
    globals: string[];
    certifiedData: Uint8Array;
    globalTimerNanos: string;
  };
  chunks: { hash: Uint8Array; data: Uint8Array }[];
  moduleHash?: Uint8Array;
  metadata: CustomSectionMetadata[];
}

/** Rewrites a snapshot file of an earlier version as a snapshot directory (once, on first use). */
async function convertLegacySnapshot(ctx: ManagementContext, canisterId: Principal, info: SnapshotInfo): Promise<void> {
  const files = ctx.store.snapshots;
  const legacy = files.readLegacy<LegacySnapshotContent>(canisterId, info.id);
  if (!legacy) return;
  if (!files.exists(canisterId, info.id)) {
    const { wasm } = legacy;
    const types = wasm.module.length > 0 ? await ctx.engine.mutableGlobalTypes(wasm.module).catch(() => []) : [];
    const meta: SnapshotMeta = {
      source: 'taken_from_canister',
      takenAtNanos: info.takenAtNanos,
      canisterVersion: 0n, // not recorded by earlier versions
      sizes: {
        wasm_module: BigInt(wasm.module.length),
        wasm_memory: BigInt(wasm.heap.length),
        stable_memory: BigInt(wasm.stableMemory.length),
      },
      globals: wasm.globals.map((value, i) => ({ type: types[i] ?? 'i64', value })),
      certifiedData: wasm.certifiedData,
      globalTimerNanos: BigInt(wasm.globalTimerNanos),
      onLowWasmMemoryHookStatus: 'condition_not_satisfied',
      chunkHashes: legacy.chunks.map((chunk) => chunk.hash),
      moduleHash: legacy.moduleHash,
    };
    files.create(
      canisterId,
      info.id,
      meta,
      { wasm_module: wasm.module, wasm_memory: wasm.heap, stable_memory: wasm.stableMemory },
      legacy.chunks,
    );
  }
  files.removeLegacy(canisterId, info.id);
}
