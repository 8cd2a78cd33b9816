import type { Principal } from '@dfinity/principal';
import { bytesEqual, toHex } from '../bytes.js';
import type { CustomSectionMetadata, WasmStateExport } from '../execution/types.js';
import { ErrorCodes, RejectError } from '../reject.js';
import type { CanisterRecord } from '../state/canister-record.js';
import { requireController, type ManagementContext } from './management-context.js';

/** A replica keeps at most this many snapshots per canister. */
const MAX_SNAPSHOTS_PER_CANISTER = 10;

/** What a snapshot file holds: the engine's Wasm state plus what the management canister knows of the code. */
interface SnapshotContent {
  wasm: WasmStateExport;
  chunks: { hash: Uint8Array; data: Uint8Array }[];
  moduleHash?: Uint8Array;
  metadata: CustomSectionMetadata[];
}

export interface CandidSnapshot {
  id: Uint8Array;
  taken_at_timestamp: bigint;
  total_size: bigint;
}

const toCandid = (info: CanisterRecord['snapshots'][number]): CandidSnapshot => ({ id: info.id, taken_at_timestamp: info.takenAtNanos, total_size: info.totalSize });

function findSnapshot(record: CanisterRecord, snapshotId: Uint8Array) {
  const info = record.snapshots.find((snapshot) => bytesEqual(snapshot.id, snapshotId));
  if (!info) {
    throw new RejectError(ErrorCodes.CanisterSnapshotNotFound, `Could not find the snapshot ID ${toHex(snapshotId)} for canister ${record.id.toText()}.`);
  }
  return info;
}

export async function takeSnapshot(ctx: ManagementContext, canisterId: Principal, replace: Uint8Array | undefined): Promise<CandidSnapshot> {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  if (replace) findSnapshot(record, replace);
  else if (record.snapshots.length >= MAX_SNAPSHOTS_PER_CANISTER) {
    throw new RejectError(
      ErrorCodes.CanisterRejectedMessage,
      `Canister ${canisterId.toText()} has reached the maximum number of snapshots allowed: ${MAX_SNAPSHOTS_PER_CANISTER}.`,
    );
  }
  const wasm = await ctx.engine.exportState(record.id.toUint8Array());
  const chunks = record.chunkHashes.map((hash) => ({ hash, data: ctx.store.readChunk(record.id, hash) ?? new Uint8Array() }));
  const content: SnapshotContent = { wasm, chunks, moduleHash: record.moduleHash, metadata: record.metadata };
  const totalSize = BigInt(
    wasm.module.length + wasm.heap.length + wasm.stableMemory.length + wasm.certifiedData.length + chunks.reduce((sum, c) => sum + c.data.length, 0),
  );
  const id = ctx.store.nextSnapshotId(record);
  ctx.store.writeSnapshot(record.id, id, content);
  if (replace) {
    ctx.store.deleteSnapshot(record.id, replace);
    record.snapshots = record.snapshots.filter((snapshot) => !bytesEqual(snapshot.id, replace));
  }
  const info = { id, takenAtNanos: ctx.timeNanos, totalSize };
  record.snapshots.push(info);
  ctx.store.changed();
  return toCandid(info);
}

export async function loadSnapshot(ctx: ManagementContext, canisterId: Principal, snapshotId: Uint8Array): Promise<void> {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  findSnapshot(record, snapshotId);
  const content = ctx.store.readSnapshot<SnapshotContent>(record.id, snapshotId);
  await ctx.engine.importState(record.id.toUint8Array(), content.wasm);
  ctx.store.clearChunks(record.id);
  for (const chunk of content.chunks) ctx.store.writeChunk(record.id, chunk.hash, chunk.data);
  record.chunkHashes = content.chunks.map((chunk) => chunk.hash);
  record.moduleHash = content.moduleHash;
  record.metadata = content.metadata;
  record.version++;
  ctx.store.changed();
}

export function listSnapshots(ctx: ManagementContext, canisterId: Principal): CandidSnapshot[] {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  return record.snapshots.map(toCandid);
}

export function deleteSnapshot(ctx: ManagementContext, canisterId: Principal, snapshotId: Uint8Array): void {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  findSnapshot(record, snapshotId);
  ctx.store.deleteSnapshot(record.id, snapshotId);
  record.snapshots = record.snapshots.filter((snapshot) => !bytesEqual(snapshot.id, snapshotId));
  ctx.store.changed();
}
