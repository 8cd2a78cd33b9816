import { createHash } from 'node:crypto';
import type { Principal } from '@dfinity/principal';
import { CanisterClientError, isCanisterClientError } from '../errors.js';
import { forEachBounded } from '../management/chunked-upload.js';
import type { ManagementCanister } from '../management/management-canister.js';
import { SNAPSHOT_SECTIONS, type SnapshotMetadata, type SnapshotSection } from '../management/types.js';

/**
 * Snapshot download and upload over the management canister's snapshot data interface:
 * the snapshot is cut into slices (at most 2,000,000 bytes, the replica's limit per read,
 * which also keeps every upload under the 2 MiB ingress limit) moved with bounded concurrency.
 */

/** The replica's limit for one `read_canister_snapshot_data` slice. */
export const SNAPSHOT_SLICE_BYTES = 2_000_000;
export const DEFAULT_SNAPSHOT_CONCURRENCY = 4;

/** Everything a snapshot holds, in memory. */
export interface SnapshotContent {
  metadata: SnapshotMetadata;
  sections: Record<SnapshotSection, Uint8Array>;
  /** The chunk store, in the order of `metadata.wasmChunkStore`. */
  chunks: Array<{ hash: string; bytes: Uint8Array }>;
}

export interface TransferProgress {
  direction: 'download' | 'upload';
  bytesDone: number;
  bytesTotal: number;
  slicesDone: number;
  slicesTotal: number;
}

export interface TransferOptions {
  /** Slices in flight at once (default 4; 1 = sequential). */
  concurrency?: number;
  /** Slice size, at most SNAPSHOT_SLICE_BYTES (the default). */
  sliceBytes?: number;
  onProgress?: (progress: TransferProgress) => void;
}

/** One unit of transfer: a slice of a section, or a whole chunk-store chunk. */
export type SnapshotSlice =
  | { key: string; section: SnapshotSection; offset: number; size: number }
  | { key: string; chunkHash: string; size: number };

/** Where an interrupted upload stands: the snapshot it created and the slices it finished. */
export interface UploadCheckpoint {
  snapshotId: string;
  done: string[];
}

export interface UploadOptions extends TransferOptions {
  replaceSnapshotId?: string;
  /** Continue this earlier upload when its snapshot still exists with the same shape. */
  resume?: UploadCheckpoint;
  /** Called once the snapshot exists and after every finished slice: persist it to resume after a crash. */
  onCheckpoint?: (checkpoint: UploadCheckpoint) => void | Promise<void>;
}

export interface TransferStats {
  slices: number;
  /** Slices sent (upload) or fetched (download) by this call. */
  transferred: number;
  /** Upload only: slices not sent because an earlier attempt sent them or they are all zeros. */
  skipped: number;
  bytesTransferred: number;
  elapsedMs: number;
}

export interface UploadResult extends TransferStats {
  snapshotId: string;
  /** True when an earlier upload's snapshot was continued. */
  resumed: boolean;
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function sliceSize(options: TransferOptions): number {
  const size = options.sliceBytes ?? SNAPSHOT_SLICE_BYTES;
  if (!Number.isInteger(size) || size <= 0 || size > SNAPSHOT_SLICE_BYTES)
    throw new RangeError(`slice size must be 1..${SNAPSHOT_SLICE_BYTES}`);
  return size;
}

const sectionSize = (metadata: SnapshotMetadata, section: SnapshotSection): number =>
  section === 'wasm_module'
    ? metadata.wasmModuleSize
    : section === 'wasm_memory'
      ? metadata.wasmMemorySize
      : metadata.stableMemorySize;

/** The slices of a snapshot of this shape, in a fixed order (so checkpoints stay meaningful). */
export function planSlices(metadata: SnapshotMetadata, sliceBytes = SNAPSHOT_SLICE_BYTES): SnapshotSlice[] {
  const slices: SnapshotSlice[] = [];
  for (const section of SNAPSHOT_SECTIONS) {
    const total = sectionSize(metadata, section);
    for (let offset = 0; offset < total; offset += sliceBytes) {
      slices.push({ key: `${section}@${offset}`, section, offset, size: Math.min(sliceBytes, total - offset) });
    }
  }
  for (const hash of metadata.wasmChunkStore) slices.push({ key: `chunk:${hash}`, chunkHash: hash, size: 0 });
  return slices;
}

function corrupt(message: string, details: Record<string, unknown>): CanisterClientError {
  return new CanisterClientError('SNAPSHOT_CORRUPT', message, {
    hint: 'The network returned data that does not match the snapshot; try again, and report it if it persists.',
    details,
  });
}

/**
 * Reads a whole snapshot out of a canister: metadata, then every slice of module, heap and
 * stable memory and every chunk-store chunk (each chunk's sha256 checked against its hash).
 */
export async function downloadSnapshot(
  management: ManagementCanister,
  canisterId: Principal,
  snapshotId: string,
  options: TransferOptions = {},
): Promise<SnapshotContent & { stats: TransferStats }> {
  const started = Date.now();
  const metadata = await management.readSnapshotMetadata(canisterId, snapshotId);
  const sections = {
    wasm_module: new Uint8Array(metadata.wasmModuleSize),
    wasm_memory: new Uint8Array(metadata.wasmMemorySize),
    stable_memory: new Uint8Array(metadata.stableMemorySize),
  } satisfies Record<SnapshotSection, Uint8Array>;
  const chunks = new Map<string, Uint8Array>();
  const slices = planSlices(metadata, sliceSize(options));
  const bytesTotal = SNAPSHOT_SECTIONS.reduce((sum, section) => sum + sections[section].length, 0);
  const stats: TransferStats = { slices: slices.length, transferred: 0, skipped: 0, bytesTransferred: 0, elapsedMs: 0 };
  const where = { canisterId: canisterId.toText(), snapshotId };
  await forEachBounded(slices, options.concurrency ?? DEFAULT_SNAPSHOT_CONCURRENCY, async (slice) => {
    if ('chunkHash' in slice) {
      const bytes = await management.readSnapshotData(canisterId, snapshotId, { chunkHash: slice.chunkHash });
      if (sha256Hex(bytes) !== slice.chunkHash)
        throw corrupt(`Chunk ${slice.chunkHash} of snapshot ${snapshotId} does not match its hash.`, {
          ...where,
          chunk: slice.chunkHash,
        });
      chunks.set(slice.chunkHash, bytes);
      stats.bytesTransferred += bytes.length;
    } else {
      const bytes = await management.readSnapshotData(canisterId, snapshotId, slice);
      if (bytes.length !== slice.size) {
        throw corrupt(
          `The network returned ${bytes.length} bytes of ${slice.section} at offset ${slice.offset} of snapshot ${snapshotId}, not ${slice.size}.`,
          { ...where, slice: slice.key },
        );
      }
      sections[slice.section].set(bytes, slice.offset);
      stats.bytesTransferred += bytes.length;
    }
    stats.transferred += 1;
    options.onProgress?.({
      direction: 'download',
      bytesDone: stats.bytesTransferred,
      bytesTotal,
      slicesDone: stats.transferred,
      slicesTotal: slices.length,
    });
  });
  stats.elapsedMs = Date.now() - started;
  return {
    metadata,
    sections,
    chunks: metadata.wasmChunkStore.map((hash) => ({ hash, bytes: chunks.get(hash)! })),
    stats,
  };
}

/** True when every byte is zero (an uploaded snapshot starts all-zero, so such slices need not be sent). */
function allZero(bytes: Uint8Array): boolean {
  const zeros = Buffer.alloc(Math.min(bytes.length, 1 << 16));
  for (let offset = 0; offset < bytes.length; offset += zeros.length) {
    const part = bytes.subarray(offset, offset + zeros.length);
    if (!Buffer.from(part.buffer, part.byteOffset, part.length).equals(zeros.subarray(0, part.length))) return false;
  }
  return true;
}

function sameShape(a: SnapshotMetadata, b: SnapshotContent['metadata']): boolean {
  return (
    a.wasmModuleSize === b.wasmModuleSize &&
    a.wasmMemorySize === b.wasmMemorySize &&
    a.stableMemorySize === b.stableMemorySize &&
    sameGlobals(a, b)
  );
}

function sameGlobals(a: SnapshotMetadata, b: SnapshotMetadata): boolean {
  return (
    a.globals.length === b.globals.length &&
    a.globals.every((global, i) => global.type === b.globals[i]!.type && Object.is(global.value, b.globals[i]!.value))
  );
}

/** The earlier upload's snapshot, if it is still there with the shape of `content`. */
async function resumable(
  management: ManagementCanister,
  canisterId: Principal,
  content: SnapshotContent,
  resume: UploadCheckpoint | undefined,
): Promise<UploadCheckpoint | undefined> {
  if (!resume) return undefined;
  try {
    const existing = await management.readSnapshotMetadata(canisterId, resume.snapshotId);
    return existing.source === 'metadata_upload' && sameShape(existing, content.metadata) ? resume : undefined;
  } catch (error) {
    if (isCanisterClientError(error, 'SNAPSHOT_NOT_FOUND')) return undefined;
    throw error;
  }
}

/**
 * Uploads a snapshot into a canister as a new snapshot (metadata, then every slice), ready for
 * `load_canister_snapshot`. Resumable: with `resume`, slices an earlier attempt finished are not
 * sent again. Slices of zeros are never sent. At the end the network's metadata of the new
 * snapshot is compared with what was meant to be uploaded.
 */
export async function uploadSnapshot(
  management: ManagementCanister,
  canisterId: Principal,
  content: SnapshotContent,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const started = Date.now();
  const { metadata } = content;
  for (const section of SNAPSHOT_SECTIONS) {
    if (content.sections[section].length !== sectionSize(metadata, section))
      throw new RangeError(
        `${section} holds ${content.sections[section].length} bytes, the metadata says ${sectionSize(metadata, section)}`,
      );
  }
  const chunkBytes = new Map(content.chunks.map((chunk) => [chunk.hash, chunk.bytes]));
  for (const hash of metadata.wasmChunkStore) {
    const bytes = chunkBytes.get(hash);
    if (!bytes || sha256Hex(bytes) !== hash)
      throw new RangeError(`chunk ${hash} is missing or does not match its hash`);
  }

  const continued = await resumable(management, canisterId, content, options.resume);
  const snapshotId =
    continued?.snapshotId ?? (await management.uploadSnapshotMetadata(canisterId, metadata, options.replaceSnapshotId));
  const done = new Set(continued?.done ?? []);
  await options.onCheckpoint?.({ snapshotId, done: [...done] });

  const slices = planSlices(metadata, sliceSize(options));
  const bytesTotal = SNAPSHOT_SECTIONS.reduce((sum, section) => sum + content.sections[section].length, 0);
  const stats: TransferStats = { slices: slices.length, transferred: 0, skipped: 0, bytesTransferred: 0, elapsedMs: 0 };
  const pending = slices.filter((slice) => {
    const skip =
      done.has(slice.key) ||
      ('section' in slice &&
        allZero(content.sections[slice.section].subarray(slice.offset, slice.offset + slice.size)));
    if (skip) stats.skipped += 1;
    return !skip;
  });
  await forEachBounded(pending, options.concurrency ?? DEFAULT_SNAPSHOT_CONCURRENCY, async (slice) => {
    const bytes =
      'chunkHash' in slice
        ? chunkBytes.get(slice.chunkHash)!
        : content.sections[slice.section].subarray(slice.offset, slice.offset + slice.size);
    await management.uploadSnapshotData(
      canisterId,
      snapshotId,
      'chunkHash' in slice ? { chunk: true } : { section: slice.section, offset: slice.offset },
      bytes,
    );
    done.add(slice.key);
    stats.transferred += 1;
    stats.bytesTransferred += bytes.length;
    await options.onCheckpoint?.({ snapshotId, done: [...done] });
    options.onProgress?.({
      direction: 'upload',
      bytesDone: stats.bytesTransferred,
      bytesTotal,
      slicesDone: stats.transferred + stats.skipped,
      slicesTotal: slices.length,
    });
  });

  const uploaded = await management.readSnapshotMetadata(canisterId, snapshotId);
  const chunksMatch =
    uploaded.wasmChunkStore.length === metadata.wasmChunkStore.length &&
    metadata.wasmChunkStore.every((hash) => uploaded.wasmChunkStore.includes(hash));
  const certifiedDataMatch = Buffer.from(uploaded.certifiedData).equals(Buffer.from(metadata.certifiedData));
  if (!sameShape(uploaded, metadata) || !chunksMatch || !certifiedDataMatch) {
    throw corrupt(
      `The snapshot ${snapshotId} uploaded into ${canisterId.toText()} does not have the shape that was uploaded.`,
      { canisterId: canisterId.toText(), snapshotId },
    );
  }
  stats.elapsedMs = Date.now() - started;
  return { snapshotId, resumed: continued !== undefined, ...stats };
}
