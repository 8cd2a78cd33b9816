/**
 * Incremental persistence of a canister's Wasm state: after each message only the 64 KiB pages
 * of heap and stable memory that changed (and the small values: globals, certified data, timer)
 * are appended to `wasm-state.log` beside the full `wasm-state.bin`, and fsynced before the
 * message's reply is sent. A replica commits state before it certifies a reply; this is the
 * devnet's way of doing the same at the cost of a few pages per message, not the whole state.
 *
 * Record: u32 LE body length · u32 LE crc32(body) · body, where body is u32 LE header length ·
 * JSON header · the changed pages. A record cut short by a crash fails its length or checksum
 * and is ignored, with everything after it: it was never acknowledged.
 */
import { crc32 } from 'node:zlib';
import { sharedCopy, WASM_PAGE_BYTES } from './stable-memory.js';

/** A canister's Wasm state apart from its module: what a message can change. */
export interface CurrentState {
  heap: Uint8Array;
  stable: Uint8Array;
  globals: string[];
  certifiedData: Uint8Array;
  globalTimerNanos: bigint;
}

/** What the files on disk hold, kept in memory to find what a message changed. */
export interface PersistedImage extends CurrentState {
  /** Ties the log to its base file: a log of another base (left by a crash) is never replayed. */
  generation: string;
  moduleSha256: string;
  /** Bytes in the log since the base was written (a full rewrite follows past a limit). */
  logBytes: number;
}

export interface StateDelta {
  heapLength: number;
  stableLength: number;
  globals: string[];
  certifiedData: Uint8Array;
  globalTimerNanos: bigint;
  pages: Array<{ area: 'heap' | 'stable'; index: number; bytes: Uint8Array }>;
}

interface DeltaHeader {
  heapLength: number;
  stableLength: number;
  globals: string[];
  certifiedData: string;
  globalTimerNanos: string;
  pages: Array<['heap' | 'stable', number]>;
}

function changedPages(area: 'heap' | 'stable', before: Uint8Array, after: Uint8Array, out: StateDelta['pages']): void {
  const old = Buffer.from(before.buffer, before.byteOffset, before.byteLength);
  const now = Buffer.from(after.buffer, after.byteOffset, after.byteLength);
  for (let offset = 0, index = 0; offset < now.length; offset += WASM_PAGE_BYTES, index++) {
    const end = Math.min(offset + WASM_PAGE_BYTES, now.length);
    // A page beyond the old length is new; compare() of equal ranges is a memcmp.
    if (end > old.length || now.compare(old, offset, end, offset, end) !== 0)
      out.push({ area, index, bytes: new Uint8Array(now.subarray(offset, end)) });
  }
}

const sameGlobals = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i]);

/** What changed between the image and the current state; null when nothing did. */
export function diffState(image: PersistedImage, current: CurrentState): StateDelta | null {
  const pages: StateDelta['pages'] = [];
  changedPages('heap', image.heap, current.heap, pages);
  changedPages('stable', image.stable, current.stable, pages);
  const unchanged =
    pages.length === 0 &&
    image.heap.length === current.heap.length &&
    image.stable.length === current.stable.length &&
    sameGlobals(image.globals, current.globals) &&
    Buffer.from(image.certifiedData).equals(Buffer.from(current.certifiedData)) &&
    image.globalTimerNanos === current.globalTimerNanos;
  if (unchanged) return null;
  return {
    heapLength: current.heap.length,
    stableLength: current.stable.length,
    globals: [...current.globals],
    certifiedData: new Uint8Array(current.certifiedData),
    globalTimerNanos: current.globalTimerNanos,
    pages,
  };
}

function resized(bytes: Uint8Array, length: number, shared: boolean): Uint8Array {
  if (bytes.length === length) return bytes;
  if (shared) return sharedCopy(bytes, length);
  const copy = new Uint8Array(length);
  copy.set(bytes.subarray(0, Math.min(bytes.length, length)));
  return copy;
}

/** Applies a delta to a state (an image, or a state being rebuilt from disk). */
export function applyDelta<T extends CurrentState>(state: T, delta: StateDelta, shared = false): T {
  state.heap = resized(state.heap, delta.heapLength, shared);
  state.stable = resized(state.stable, delta.stableLength, shared);
  for (const page of delta.pages)
    (page.area === 'heap' ? state.heap : state.stable).set(page.bytes, page.index * WASM_PAGE_BYTES);
  state.globals = [...delta.globals];
  state.certifiedData = new Uint8Array(delta.certifiedData);
  state.globalTimerNanos = delta.globalTimerNanos;
  return state;
}

export function encodeDelta(delta: StateDelta): Buffer {
  const header: DeltaHeader = {
    heapLength: delta.heapLength,
    stableLength: delta.stableLength,
    globals: delta.globals,
    certifiedData: Buffer.from(delta.certifiedData).toString('hex'),
    globalTimerNanos: delta.globalTimerNanos.toString(),
    pages: delta.pages.map((page) => [page.area, page.index]),
  };
  const json = Buffer.from(JSON.stringify(header));
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(json.length);
  const body = Buffer.concat([headerLength, json, ...delta.pages.map((page) => page.bytes)]);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(body.length, 0);
  prefix.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([prefix, body]);
}

/** The deltas of a log, up to the first record that is incomplete or fails its checksum. */
export function decodeDeltas(log: Buffer): StateDelta[] {
  const deltas: StateDelta[] = [];
  let offset = 0;
  while (offset + 8 <= log.length) {
    const length = log.readUInt32LE(offset);
    const checksum = log.readUInt32LE(offset + 4);
    const body = log.subarray(offset + 8, offset + 8 + length);
    if (body.length !== length || crc32(body) !== checksum) break;
    const headerLength = body.readUInt32LE(0);
    const header = JSON.parse(body.subarray(4, 4 + headerLength).toString('utf8')) as DeltaHeader;
    let cursor = 4 + headerLength;
    const pages = header.pages.map(([area, index]) => {
      const size = Math.min(
        WASM_PAGE_BYTES,
        (area === 'heap' ? header.heapLength : header.stableLength) - index * WASM_PAGE_BYTES,
      );
      const bytes = new Uint8Array(body.subarray(cursor, cursor + size));
      cursor += size;
      return { area, index, bytes };
    });
    deltas.push({
      heapLength: header.heapLength,
      stableLength: header.stableLength,
      globals: header.globals,
      certifiedData: new Uint8Array(Buffer.from(header.certifiedData, 'hex')),
      globalTimerNanos: BigInt(header.globalTimerNanos),
      pages,
    });
    offset += 8 + length;
  }
  return deltas;
}

/** An image of what a base holds: its own copies, since later deltas are applied to it in place. */
export function imageOf(state: CurrentState, moduleSha256: string, generation: string): PersistedImage {
  return {
    generation,
    moduleSha256,
    heap: new Uint8Array(state.heap),
    stable: new Uint8Array(state.stable),
    globals: [...state.globals],
    certifiedData: new Uint8Array(state.certifiedData),
    globalTimerNanos: state.globalTimerNanos,
    logBytes: 0,
  };
}
