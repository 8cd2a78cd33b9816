import { createHash } from 'node:crypto';
import { CanisterClientError } from '../errors.js';
import type { ManagementCanister } from './management-canister.js';
import type { Principal } from '@dfinity/principal';

/** The IC's chunk size limit. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/**
 * Modules above this go through the chunk store: a single install_code message must stay under the 2 MiB ingress limit.
 */
export const CHUNKED_INSTALL_THRESHOLD = Math.floor(1.9 * 1024 * 1024);
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

export interface Chunk {
  bytes: Uint8Array;
  /** sha256, hex. */
  hash: string;
}

export interface ChunkUploadStats {
  chunks: number;
  /** Chunks sent by this upload. */
  uploaded: number;
  /** Chunks not sent: already in the chunk store, or repeated inside the module. */
  skipped: number;
  bytesUploaded: number;
}

export function splitIntoChunks(module: Uint8Array, chunkBytes = MAX_CHUNK_BYTES): Chunk[] {
  if (chunkBytes <= 0 || chunkBytes > MAX_CHUNK_BYTES) throw new RangeError(`chunk size must be 1..${MAX_CHUNK_BYTES}`);
  const chunks: Chunk[] = [];
  for (let offset = 0; offset < module.length; offset += chunkBytes) {
    const bytes = module.subarray(offset, offset + chunkBytes);
    chunks.push({ bytes, hash: createHash('sha256').update(bytes).digest('hex') });
  }
  return chunks;
}

/** Runs `task` over `items` with at most `concurrency` in flight; the first failure stops new work. */
export async function forEachBounded<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/**
 * Puts every chunk of a module in the canister's chunk store: chunks already stored (from an
 * interrupted earlier attempt) and repeats within the module are not sent again.
 */
export async function uploadChunks(
  management: ManagementCanister,
  canisterId: Principal,
  chunks: Chunk[],
  options: { concurrency?: number; onChunk?: (done: number, total: number) => void } = {},
): Promise<ChunkUploadStats> {
  const stored = new Set(await management.storedChunks(canisterId));
  const missing = new Map<string, Chunk>();
  for (const chunk of chunks) if (!stored.has(chunk.hash)) missing.set(chunk.hash, chunk);
  const stats: ChunkUploadStats = {
    chunks: chunks.length,
    uploaded: 0,
    skipped: chunks.length - missing.size,
    bytesUploaded: 0,
  };
  await forEachBounded([...missing.values()], options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY, async (chunk) => {
    const hash = Buffer.from(await management.uploadChunk(canisterId, chunk.bytes)).toString('hex');
    if (hash !== chunk.hash) {
      throw new CanisterClientError('UNEXPECTED_REPLY', `upload_chunk returned hash ${hash}, expected ${chunk.hash}`, {
        details: { canisterId: canisterId.toText() },
      });
    }
    stats.uploaded += 1;
    stats.bytesUploaded += chunk.bytes.length;
    options.onChunk?.(stats.uploaded, missing.size);
  });
  return stats;
}
