import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Principal } from '@dfinity/principal';
import { toHex } from '../bytes.js';
import type { WasmGlobalValue } from '../execution/types.js';
import { fsyncDirectory, writeFileAtomic } from './atomic-file.js';
import { decodeStateJson, encodeStateJson } from './json-codec.js';

/**
 * Snapshots on disk: `snapshots/<canister>/<snapshot-id-hex>/` holds `snapshot.json` (metadata)
 * and the module, Wasm memory and stable memory as binary files, plus `chunks/<sha256-hex>` (the
 * chunk store). Slices are read and written in place, so a snapshot of hundreds of MiB is never
 * read whole to serve one `read_canister_snapshot_data`. A snapshot directory appears complete or
 * not at all (written aside, then renamed). Earlier versions kept one `<snapshot-id-hex>.json`
 * per snapshot; `readLegacy` reads those so they can be converted.
 */

export type SnapshotSection = 'wasm_module' | 'wasm_memory' | 'stable_memory';

const SECTION_FILES: Record<SnapshotSection, string> = {
  wasm_module: 'wasm-module.bin',
  wasm_memory: 'wasm-memory.bin',
  stable_memory: 'stable-memory.bin',
};
const META_FILE = 'snapshot.json';
const CHUNKS_DIR = 'chunks';
const TEMP_SUFFIX = '.tmp';

export type SnapshotSource = 'taken_from_canister' | 'metadata_upload';
export type LowWasmMemoryHookStatus = 'condition_not_satisfied' | 'ready' | 'executed';

/** What `read_canister_snapshot_metadata` reports, and what a load needs besides the binary files. */
export interface SnapshotMeta {
  source: SnapshotSource;
  takenAtNanos: bigint;
  /** The canister's version when the snapshot was taken or uploaded. */
  canisterVersion: bigint;
  sizes: Record<SnapshotSection, bigint>;
  globals: WasmGlobalValue[];
  certifiedData: Uint8Array;
  /** Deadline in nanoseconds, 0 = inactive; absent when an upload gave no timer. */
  globalTimerNanos?: bigint;
  /** As uploaded; absent for an upload that gave none. */
  onLowWasmMemoryHookStatus?: LowWasmMemoryHookStatus;
  /** The chunk store, in insertion order. */
  chunkHashes: Uint8Array[];
  /** Taken snapshots: the canister's module hash then (of the gzip bytes for a gzipped install). */
  moduleHash?: Uint8Array;
}

/** A section's content, or its size for an all-zero section (a sparse file: nothing is allocated). */
export type SectionContent = Uint8Array | bigint;

export class SnapshotFiles {
  constructor(private readonly stateDir: string) {}

  canisterDir(canister: Principal): string {
    return path.join(this.stateDir, 'snapshots', canister.toText());
  }

  private dir(canister: Principal, snapshotId: Uint8Array): string {
    return path.join(this.canisterDir(canister), toHex(snapshotId));
  }

  private legacyFile(canister: Principal, snapshotId: Uint8Array): string {
    return `${this.dir(canister, snapshotId)}.json`;
  }

  private sectionFile(canister: Principal, snapshotId: Uint8Array, section: SnapshotSection): string {
    return path.join(this.dir(canister, snapshotId), SECTION_FILES[section]);
  }

  private chunkFile(canister: Principal, snapshotId: Uint8Array, hash: Uint8Array): string {
    return path.join(this.dir(canister, snapshotId), CHUNKS_DIR, toHex(hash));
  }

  exists(canister: Principal, snapshotId: Uint8Array): boolean {
    return fs.existsSync(path.join(this.dir(canister, snapshotId), META_FILE));
  }

  /** Writes a whole snapshot durably: aside, every file fsynced, then renamed into place. */
  create(
    canister: Principal,
    snapshotId: Uint8Array,
    meta: SnapshotMeta,
    sections: Record<SnapshotSection, SectionContent>,
    chunks: { hash: Uint8Array; data: Uint8Array }[],
  ): void {
    const finalDir = this.dir(canister, snapshotId);
    const temp = `${finalDir}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    fs.mkdirSync(path.join(temp, CHUNKS_DIR), { recursive: true });
    try {
      for (const section of Object.keys(SECTION_FILES) as SnapshotSection[])
        writeSection(path.join(temp, SECTION_FILES[section]), sections[section]);
      for (const chunk of chunks) writeFileAtomic(path.join(temp, CHUNKS_DIR, toHex(chunk.hash)), chunk.data);
      writeFileAtomic(path.join(temp, META_FILE), encodeStateJson(meta));
      fsyncDirectory(temp);
      fs.rmSync(finalDir, { recursive: true, force: true });
      fs.renameSync(temp, finalDir);
      fsyncDirectory(path.dirname(finalDir));
    } catch (error) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }

  readMeta(canister: Principal, snapshotId: Uint8Array): SnapshotMeta {
    return decodeStateJson<SnapshotMeta>(fs.readFileSync(path.join(this.dir(canister, snapshotId), META_FILE), 'utf8'));
  }

  writeMeta(canister: Principal, snapshotId: Uint8Array, meta: SnapshotMeta): void {
    writeFileAtomic(path.join(this.dir(canister, snapshotId), META_FILE), encodeStateJson(meta));
  }

  /** `size` bytes at `offset` of a section, read from disk (the caller has checked the bounds). */
  readSlice(
    canister: Principal,
    snapshotId: Uint8Array,
    section: SnapshotSection,
    offset: number,
    size: number,
  ): Uint8Array {
    const out = new Uint8Array(size);
    const fd = fs.openSync(this.sectionFile(canister, snapshotId, section), 'r');
    try {
      let done = 0;
      while (done < size) {
        const read = fs.readSync(fd, out, done, size - done, offset + done);
        if (read === 0) break; // past the end of a file: zeros, as a sparse section reads
        done += read;
      }
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  /** Writes bytes into a section in place and fsyncs them (the caller has checked the bounds). */
  writeSlice(
    canister: Principal,
    snapshotId: Uint8Array,
    section: SnapshotSection,
    offset: number,
    data: Uint8Array,
  ): void {
    const fd = fs.openSync(this.sectionFile(canister, snapshotId, section), 'r+');
    try {
      let done = 0;
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, offset + done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A whole section, for loading the snapshot into the engine (which holds memories in full). */
  readSection(canister: Principal, snapshotId: Uint8Array, section: SnapshotSection): Uint8Array {
    return new Uint8Array(fs.readFileSync(this.sectionFile(canister, snapshotId, section)));
  }

  readChunk(canister: Principal, snapshotId: Uint8Array, hash: Uint8Array): Uint8Array | undefined {
    const file = this.chunkFile(canister, snapshotId, hash);
    return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : undefined;
  }

  writeChunk(canister: Principal, snapshotId: Uint8Array, hash: Uint8Array, data: Uint8Array): void {
    fs.mkdirSync(path.dirname(this.chunkFile(canister, snapshotId, hash)), { recursive: true });
    writeFileAtomic(this.chunkFile(canister, snapshotId, hash), data);
  }

  /** The content of a snapshot file of an earlier version, if there is one. */
  readLegacy<T>(canister: Principal, snapshotId: Uint8Array): T | undefined {
    const file = this.legacyFile(canister, snapshotId);
    return fs.existsSync(file) ? decodeStateJson<T>(fs.readFileSync(file, 'utf8')) : undefined;
  }

  removeLegacy(canister: Principal, snapshotId: Uint8Array): void {
    fs.rmSync(this.legacyFile(canister, snapshotId), { force: true });
  }

  remove(canister: Principal, snapshotId: Uint8Array): void {
    fs.rmSync(this.dir(canister, snapshotId), { recursive: true, force: true });
    this.removeLegacy(canister, snapshotId);
  }

  removeCanister(canister: Principal): void {
    fs.rmSync(this.canisterDir(canister), { recursive: true, force: true });
  }

  /**
   * Removes what no registry entry refers to: left by a crash between writing files and
   * persisting the registry (or the reverse for a deletion), which was then never acknowledged.
   */
  removeUnknown(known: Map<string, Set<string>>): void {
    const root = path.join(this.stateDir, 'snapshots');
    if (!fs.existsSync(root)) return;
    for (const canister of fs.readdirSync(root)) {
      const ids = known.get(canister);
      const dir = path.join(root, canister);
      if (!ids) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      for (const entry of fs.readdirSync(dir)) {
        const id = entry.endsWith('.json') ? entry.slice(0, -'.json'.length) : entry;
        if (!ids.has(id)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
      }
    }
  }
}

function writeSection(file: string, content: SectionContent): void {
  const fd = fs.openSync(file, 'w');
  try {
    if (typeof content === 'bigint') fs.ftruncateSync(fd, Number(content));
    else
      for (let done = 0; done < content.length;) done += fs.writeSync(fd, content, done, content.length - done, done);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
