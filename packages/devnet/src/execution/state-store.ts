/**
 * On-disk Wasm state: `<stateDir>/<canister-id-hex>/wasm-state.bin`, written atomically
 * (temporary file + rename), and a cache of prepared modules in `<stateDir>/.prepared/`.
 *
 * File layout: 8-byte magic, u32 LE header length, JSON header, then module, heap and stable
 * memory bytes back to back (lengths in the header).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommittedWasmState } from './canister-runtime.js';
import { ExecutionError } from './errors.js';
import type { WasmGlobalType } from './types.js';

const MAGIC = Buffer.from('SRDVNWS1');
const STATE_FILE = 'wasm-state.bin';
const PREPARED_DIR = '.prepared';
/**
 * Bump when module preparation or its cache files change, so stale prepared modules are not
 * reused. p2: the JSON file holds `{globalExports, globalTypes}` (p1 held the export names only).
 */
const PREPARATION_VERSION = 'p2';

/** What the prepared-module cache keeps beside the bytes. */
export interface PreparedGlobals {
  globalExports: string[];
  globalTypes: WasmGlobalType[];
}

export interface StoredWasmState {
  module: Uint8Array;
  moduleSha256: string;
  heap: Uint8Array;
  stable: Uint8Array;
  globals: string[];
  certifiedData: Uint8Array;
  globalTimerNanos: bigint;
}

/** A copy of a canister's committed state to write while execution goes on (the heap and stable memory are shared buffers). */
export function storedCopy(module: { original: Uint8Array; sha256: string }, committed: CommittedWasmState): StoredWasmState {
  return {
    module: module.original,
    moduleSha256: module.sha256,
    heap: new Uint8Array(committed.heap),
    stable: new Uint8Array(committed.stable),
    globals: [...committed.globals],
    certifiedData: committed.certifiedData,
    globalTimerNanos: committed.globalTimerNanos,
  };
}

interface Header {
  moduleSha256: string;
  moduleLength: number;
  heapLength: number;
  stableLength: number;
  globals: string[];
  certifiedData: string;
  globalTimerNanos: string;
}

/** Temporary file, fsync, rename, fsync of the directory: after it returns, a crash keeps the new content. */
async function writeAtomically(file: string, chunks: Uint8Array[]): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.promises.open(temporary, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temporary, file);
  const directory = await fs.promises.open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export class WasmStateStore {
  constructor(readonly stateDir: string) {}

  private canisterDir(key: string): string {
    return path.join(this.stateDir, key);
  }

  /** Reads a canister's state synchronously (the engine's accessors are synchronous); undefined when none. */
  load(key: string): StoredWasmState | undefined {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path.join(this.canisterDir(key), STATE_FILE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new ExecutionError('STATE_CORRUPT', `The Wasm state of canister ${key} is not in a known format.`, `Remove ${this.canisterDir(key)} to forget it.`);
    }
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    let offset = MAGIC.length + 4;
    const header = JSON.parse(bytes.subarray(offset, offset + headerLength).toString('utf8')) as Header;
    offset += headerLength;
    const take = (length: number): Uint8Array => {
      const out = bytes.subarray(offset, offset + length);
      offset += length;
      return out;
    };
    return {
      moduleSha256: header.moduleSha256,
      module: take(header.moduleLength),
      heap: take(header.heapLength),
      stable: take(header.stableLength),
      globals: header.globals,
      certifiedData: Buffer.from(header.certifiedData, 'hex'),
      globalTimerNanos: BigInt(header.globalTimerNanos),
    };
  }

  async save(key: string, state: StoredWasmState): Promise<void> {
    const header: Header = {
      moduleSha256: state.moduleSha256,
      moduleLength: state.module.length,
      heapLength: state.heap.length,
      stableLength: state.stable.length,
      globals: state.globals,
      certifiedData: Buffer.from(state.certifiedData).toString('hex'),
      globalTimerNanos: state.globalTimerNanos.toString(),
    };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length);
    await writeAtomically(path.join(this.canisterDir(key), STATE_FILE), [MAGIC, length, json, state.module, state.heap, state.stable]);
  }

  /** A canister without code keeps no Wasm state on disk. */
  async clear(key: string): Promise<void> {
    await fs.promises.rm(path.join(this.canisterDir(key), STATE_FILE), { force: true });
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.canisterDir(key), { recursive: true, force: true });
  }

  loadPrepared(sha256: string): PreparedGlobals & { bytes: Uint8Array } | undefined {
    const base = path.join(this.stateDir, PREPARED_DIR, `${PREPARATION_VERSION}-${sha256}`);
    try {
      const { globalExports, globalTypes } = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as PreparedGlobals;
      return { bytes: fs.readFileSync(`${base}.wasm`), globalExports, globalTypes };
    } catch {
      return undefined;
    }
  }

  async savePrepared(sha256: string, bytes: Uint8Array, globals: PreparedGlobals): Promise<void> {
    const base = path.join(this.stateDir, PREPARED_DIR, `${PREPARATION_VERSION}-${sha256}`);
    await writeAtomically(`${base}.wasm`, [bytes]);
    await writeAtomically(`${base}.json`, [Buffer.from(JSON.stringify({ globalExports: globals.globalExports, globalTypes: globals.globalTypes }))]);
  }
}
