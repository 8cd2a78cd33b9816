import { createHash } from 'node:crypto';
import { CanisterClientError } from '../errors.js';
import {
  SNAPSHOT_SECTIONS,
  type SnapshotGlobal,
  type SnapshotMetadata,
  type SnapshotSection,
} from '../management/types.js';
import type { SnapshotContent } from './transfer.js';

/**
 * The snapshot file: a downloaded snapshot that outlives its canister, self-describing so it
 * can be checked before anything is uploaded from it.
 *
 *   "SRSNAP01" · u32 LE header length · header (JSON) · sections back to back
 *
 * The header holds the caller's manifest (who, when, which canister…), the snapshot metadata
 * and, for every section (module, heap, stable memory, each chunk-store chunk), its length and
 * sha256. A file that is cut short, has bytes added or any byte changed is refused.
 */

const MAGIC = Buffer.from('SRSNAP01');
export const SNAPSHOT_ARCHIVE_FORMAT = 1;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type ArchiveManifest = { [key: string]: JsonValue };

interface ArchiveSection {
  name: SnapshotSection | 'chunk';
  /** Chunk-store chunks only: the chunk's hash (equal to its sha256). */
  hash?: string;
  length: number;
  sha256: string;
}

interface MetadataJson {
  source: SnapshotMetadata['source'];
  takenAtNanos: string;
  wasmModuleSize: number;
  globals: Array<{ type: SnapshotGlobal['type']; value: string }>;
  wasmMemorySize: number;
  stableMemorySize: number;
  wasmChunkStore: string[];
  canisterVersion: string;
  certifiedData: string;
  globalTimer: string | null;
  onLowWasmMemoryHookStatus: SnapshotMetadata['onLowWasmMemoryHookStatus'];
}

interface ArchiveHeader {
  format: number;
  manifest: ArchiveManifest;
  metadata: MetadataJson;
  sections: ArchiveSection[];
}

export interface DecodedSnapshotArchive {
  content: SnapshotContent;
  manifest: ArchiveManifest;
  /** sha256 of the whole file: its content address. */
  sha256: string;
  size: number;
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Floats are kept as their IEEE-754 bits so NaN payloads and -0 survive the JSON. */
function globalToJson(global: SnapshotGlobal): { type: SnapshotGlobal['type']; value: string } {
  if (global.type === 'f32' || global.type === 'f64') {
    const bytes = Buffer.alloc(global.type === 'f32' ? 4 : 8);
    if (global.type === 'f32') bytes.writeFloatLE(global.value);
    else bytes.writeDoubleLE(global.value);
    return { type: global.type, value: bytes.toString('hex') };
  }
  return { type: global.type, value: String(global.value) };
}

function globalFromJson(json: { type: SnapshotGlobal['type']; value: string }): SnapshotGlobal {
  switch (json.type) {
    case 'i32':
      return { type: 'i32', value: Number(json.value) };
    case 'f32':
      return { type: 'f32', value: Buffer.from(json.value, 'hex').readFloatLE() };
    case 'f64':
      return { type: 'f64', value: Buffer.from(json.value, 'hex').readDoubleLE() };
    case 'i64':
    case 'v128':
      return { type: json.type, value: BigInt(json.value) };
    default:
      throw new Error(`unknown global type ${String((json as { type: unknown }).type)}`);
  }
}

function metadataToJson(metadata: SnapshotMetadata): MetadataJson {
  return {
    source: metadata.source,
    takenAtNanos: metadata.takenAtNanos.toString(),
    wasmModuleSize: metadata.wasmModuleSize,
    globals: metadata.globals.map(globalToJson),
    wasmMemorySize: metadata.wasmMemorySize,
    stableMemorySize: metadata.stableMemorySize,
    wasmChunkStore: metadata.wasmChunkStore,
    canisterVersion: metadata.canisterVersion.toString(),
    certifiedData: Buffer.from(metadata.certifiedData).toString('hex'),
    globalTimer: metadata.globalTimer === null ? null : metadata.globalTimer.toString(),
    onLowWasmMemoryHookStatus: metadata.onLowWasmMemoryHookStatus,
  };
}

function metadataFromJson(json: MetadataJson): SnapshotMetadata {
  return {
    source: json.source,
    takenAtNanos: BigInt(json.takenAtNanos),
    wasmModuleSize: json.wasmModuleSize,
    globals: json.globals.map(globalFromJson),
    wasmMemorySize: json.wasmMemorySize,
    stableMemorySize: json.stableMemorySize,
    wasmChunkStore: json.wasmChunkStore,
    canisterVersion: BigInt(json.canisterVersion),
    certifiedData: new Uint8Array(Buffer.from(json.certifiedData, 'hex')),
    globalTimer:
      json.globalTimer === null ? null : json.globalTimer === 'inactive' ? 'inactive' : BigInt(json.globalTimer),
    onLowWasmMemoryHookStatus: json.onLowWasmMemoryHookStatus,
  };
}

/** Writes a snapshot and its manifest into one file's bytes; returns them with their sha256. */
export function encodeSnapshotArchive(
  content: SnapshotContent,
  manifest: ArchiveManifest,
): { bytes: Uint8Array; sha256: string } {
  const parts: Array<{ section: ArchiveSection; bytes: Uint8Array }> = [
    ...SNAPSHOT_SECTIONS.map((name) => ({
      section: { name, length: content.sections[name].length, sha256: sha256Hex(content.sections[name]) },
      bytes: content.sections[name],
    })),
    ...content.chunks.map((chunk) => ({
      section: { name: 'chunk' as const, hash: chunk.hash, length: chunk.bytes.length, sha256: sha256Hex(chunk.bytes) },
      bytes: chunk.bytes,
    })),
  ];
  const header: ArchiveHeader = {
    format: SNAPSHOT_ARCHIVE_FORMAT,
    manifest,
    metadata: metadataToJson(content.metadata),
    sections: parts.map((part) => part.section),
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const bytes = new Uint8Array(Buffer.concat([MAGIC, length, json, ...parts.map((part) => part.bytes)]));
  return { bytes, sha256: sha256Hex(bytes) };
}

function invalid(source: string, why: string, details: Record<string, unknown> = {}): CanisterClientError {
  return new CanisterClientError('SNAPSHOT_ARCHIVE_INVALID', `${source} ${why}`, {
    hint: 'Use the file exactly as it was downloaded (its name is its sha256); copy it again if it was cut short or changed on the way.',
    details: { source, ...details },
  });
}

function parseHeader(bytes: Uint8Array, source: string): { header: ArchiveHeader; bodyStart: number } {
  if (bytes.length < MAGIC.length + 4 || !Buffer.from(bytes.subarray(0, MAGIC.length)).equals(MAGIC))
    throw invalid(source, 'is not a soulrecall snapshot file.');
  const headerLength = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUInt32LE(MAGIC.length);
  const bodyStart = MAGIC.length + 4 + headerLength;
  if (bodyStart > bytes.length)
    throw invalid(source, `is truncated: it ends inside its header (${bytes.length} bytes).`, { size: bytes.length });
  let header: ArchiveHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length + 4, bodyStart)).toString('utf8')) as ArchiveHeader;
  } catch {
    throw invalid(source, 'has a damaged header.');
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    typeof header.format !== 'number' ||
    !Array.isArray(header.sections) ||
    typeof header.metadata !== 'object'
  ) {
    throw invalid(source, 'has a damaged header.');
  }
  if (header.format !== SNAPSHOT_ARCHIVE_FORMAT)
    throw invalid(
      source,
      `is in snapshot file format ${String(header.format)}; this soulrecall reads format ${SNAPSHOT_ARCHIVE_FORMAT}.`,
    );
  return { header, bodyStart };
}

/**
 * Reads and checks a snapshot file completely: magic, header, exact length, every section's
 * sha256 and its agreement with the metadata. Anything wrong is SNAPSHOT_ARCHIVE_INVALID.
 */
export function decodeSnapshotArchive(bytes: Uint8Array, source = 'the snapshot file'): DecodedSnapshotArchive {
  const { header, bodyStart } = parseHeader(bytes, source);
  const expected =
    bodyStart +
    header.sections.reduce(
      (sum, section) =>
        sum + (Number.isSafeInteger(section.length) && section.length >= 0 ? section.length : Number.NaN),
      0,
    );
  if (Number.isNaN(expected)) throw invalid(source, 'has a damaged header.');
  if (bytes.length < expected)
    throw invalid(source, `is truncated: it holds ${bytes.length} of its ${expected} bytes.`, {
      size: bytes.length,
      expected,
    });
  if (bytes.length > expected)
    throw invalid(source, `has ${bytes.length - expected} bytes more than its header describes: it is damaged.`, {
      size: bytes.length,
      expected,
    });

  let metadata: SnapshotMetadata;
  try {
    metadata = metadataFromJson(header.metadata);
  } catch {
    throw invalid(source, 'has a damaged header.');
  }
  const sections: Partial<Record<SnapshotSection, Uint8Array>> = {};
  const chunks: SnapshotContent['chunks'] = [];
  let offset = bodyStart;
  for (const section of header.sections) {
    const part = bytes.subarray(offset, offset + section.length);
    offset += section.length;
    if (sha256Hex(part) !== section.sha256) {
      throw invalid(
        source,
        `was changed or damaged: its ${section.name === 'chunk' ? `chunk ${section.hash}` : section.name} does not match the sha256 in its header.`,
        { section: section.name },
      );
    }
    if (section.name === 'chunk') {
      if (section.hash !== section.sha256)
        throw invalid(source, `was changed or damaged: chunk ${String(section.hash)} is not the chunk its hash names.`);
      chunks.push({ hash: section.hash, bytes: part });
    } else if ((SNAPSHOT_SECTIONS as readonly string[]).includes(section.name) && !sections[section.name]) {
      sections[section.name] = part;
    } else {
      throw invalid(source, 'has a damaged header.');
    }
  }
  const complete = SNAPSHOT_SECTIONS.every((name) => sections[name] !== undefined);
  const sizesAgree =
    complete &&
    sections.wasm_module!.length === metadata.wasmModuleSize &&
    sections.wasm_memory!.length === metadata.wasmMemorySize &&
    sections.stable_memory!.length === metadata.stableMemorySize;
  const chunksAgree =
    chunks.length === metadata.wasmChunkStore.length &&
    chunks.every((chunk) => metadata.wasmChunkStore.includes(chunk.hash));
  if (!sizesAgree || !chunksAgree)
    throw invalid(source, 'is damaged: its sections do not agree with its snapshot metadata.');
  return {
    content: { metadata, sections: sections as Record<SnapshotSection, Uint8Array>, chunks },
    manifest: typeof header.manifest === 'object' && header.manifest !== null ? header.manifest : {},
    sha256: sha256Hex(bytes),
    size: bytes.length,
  };
}
