/**
 * On-disk Wasm state: `<stateDir>/<canister-id-hex>/wasm-state.bin`, written atomically
 * (temporary file + rename), the changes since in `wasm-state.log` (see state-log.ts), and a
 * cache of prepared modules in `<stateDir>/.prepared/`.
 *
 * File layout: 8-byte magic, u32 LE header length, JSON header, then module, heap and stable
 * memory bytes back to back (lengths in the header). The log starts with 8-byte magic and the
 * generation of the base it belongs to.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unlessMissing } from '../files.js';
import type { CommittedWasmState } from './canister-runtime.js';
import { ExecutionError } from './errors.js';
import {
  applyDelta,
  decodeDeltas,
  diffState,
  encodeDelta,
  imageOf,
  type CurrentState,
  type PersistedImage,
} from './state-log.js';
import type { WasmGlobalType } from './types.js';

const MAGIC = Buffer.from('SRDVNWS1');
const STATE_FILE = 'wasm-state.bin';
const LOG_FILE = 'wasm-state.log';
const LOG_MAGIC = Buffer.from('SRDVNWL1');
const GENERATION_BYTES = 8;
const PREPARED_DIR = '.prepared';
/**
 * Bump when module preparation or its cache files change, so stale prepared modules are not
 * reused. p2: the JSON file holds `{globalExports, globalTypes}` (p1 held the export names only);
 * p3: the function table is exported too.
 */
const PREPARATION_VERSION = 'p3';

/** What the prepared-module cache keeps beside the bytes. */
export interface PreparedGlobals {
  globalExports: string[];
  globalTypes: WasmGlobalType[];
}

export interface StoredWasmState extends CurrentState {
  module: Uint8Array;
  moduleSha256: string;
}

/** A state as loaded: the base with its log replayed, and what the persistence needs to continue. */
export interface LoadedWasmState extends StoredWasmState {
  generation: string;
  logBytes: number;
}

export const newGeneration = (): string => randomBytes(GENERATION_BYTES).toString('hex');

/** Past this many bytes of log (or the state's own size, if larger), the next write is a full base. */
const LOG_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * A copy of a canister's committed state to write while execution goes on (the heap and stable memory are shared
 * buffers).
 */
export function storedCopy(
  module: { original: Uint8Array; sha256: string },
  committed: CommittedWasmState,
): StoredWasmState {
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
  /** Absent in files written before the state log existed. */
  generation?: string;
  moduleSha256: string;
  moduleLength: number;
  heapLength: number;
  stableLength: number;
  globals: string[];
  certifiedData: string;
  globalTimerNanos: string;
}

/** All of `bytes` at the end of `fd` (a write may take fewer bytes than it was given). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
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

  /**
   * Reads a canister's state synchronously (the engine's accessors are synchronous): the base, then its log; undefined
   * when none.
   */
  load(key: string): LoadedWasmState | undefined {
    const bytes = unlessMissing(() => fs.readFileSync(path.join(this.canisterDir(key), STATE_FILE)));
    if (bytes === undefined) return undefined;
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new ExecutionError(
        'STATE_CORRUPT',
        `The Wasm state of canister ${key} is not in a known format.`,
        `Remove ${this.canisterDir(key)} to forget it.`,
      );
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
    const base: LoadedWasmState = {
      generation: header.generation ?? newGeneration(),
      // A base from before the log existed carries no generation: rewrite it before logging to it.
      logBytes: header.generation ? 0 : Number.POSITIVE_INFINITY,
      moduleSha256: header.moduleSha256,
      module: take(header.moduleLength),
      heap: new Uint8Array(take(header.heapLength)),
      stable: new Uint8Array(take(header.stableLength)),
      globals: header.globals,
      certifiedData: Buffer.from(header.certifiedData, 'hex'),
      globalTimerNanos: BigInt(header.globalTimerNanos),
    };
    const log = this.readLog(key, header.generation);
    if (log) {
      for (const delta of decodeDeltas(log.subarray(LOG_MAGIC.length + GENERATION_BYTES))) applyDelta(base, delta);
      base.logBytes = log.length;
    }
    return base;
  }

  /**
   * Only the module of a canister's persisted state (undefined when none): reads the header and
   * the module, not the memories, to tell what a canister exports without loading it.
   */
  peekModule(key: string): Uint8Array | undefined {
    const handle = unlessMissing(() => fs.openSync(path.join(this.canisterDir(key), STATE_FILE), 'r'));
    if (handle === undefined) return undefined;
    try {
      const prefix = Buffer.alloc(MAGIC.length + 4);
      fs.readSync(handle, prefix, 0, prefix.length, 0);
      if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
      const headerBytes = Buffer.alloc(prefix.readUInt32LE(MAGIC.length));
      fs.readSync(handle, headerBytes, 0, headerBytes.length, prefix.length);
      const header = JSON.parse(headerBytes.toString('utf8')) as Header;
      const module = Buffer.alloc(header.moduleLength);
      fs.readSync(handle, module, 0, module.length, prefix.length + headerBytes.length);
      return module.length > 0 ? module : undefined;
    } finally {
      fs.closeSync(handle);
    }
  }

  /**
   * The log of this base, if there is one (a log of another generation was left by a crash between writing a base and
   * removing the log).
   */
  private readLog(key: string, generation: string | undefined): Buffer | undefined {
    if (!generation) return undefined;
    const log = unlessMissing(() => fs.readFileSync(path.join(this.canisterDir(key), LOG_FILE)));
    if (log === undefined) return undefined;
    const magicOk = log.subarray(0, LOG_MAGIC.length).equals(LOG_MAGIC);
    return magicOk && log.subarray(LOG_MAGIC.length, LOG_MAGIC.length + GENERATION_BYTES).toString('hex') === generation
      ? log
      : undefined;
  }

  /**
   * Appends one encoded delta to the log of `generation` and syncs it: once this resolves, a
   * crash keeps it. Resolves to the log's size.
   *
   * Synchronous calls, on purpose: this runs after every update, before its reply, and the six
   * asynchronous calls it was (mkdir, open, stat, write, datasync, close) each waited a turn of the
   * thread pool, ≈ 1.7 ms together, where the same calls made directly take ≈ 0.4 ms, nearly all
   * of it the fdatasync that the reply has to wait for anyway (bench/devnet).
   */
  async appendDelta(key: string, generation: string, record: Uint8Array): Promise<number> {
    const file = path.join(this.canisterDir(key), LOG_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(file, 'a');
    try {
      let { size } = fs.fstatSync(fd);
      if (size === 0) {
        writeAll(fd, Buffer.concat([LOG_MAGIC, Buffer.from(generation, 'hex')]));
        size = LOG_MAGIC.length + GENERATION_BYTES;
      }
      writeAll(fd, record);
      fs.fdatasyncSync(fd);
      return size + record.length;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Writes a full base of `generation` (atomically), then drops the log of the previous one. */
  async save(key: string, state: StoredWasmState, generation: string): Promise<void> {
    const header: Header = {
      generation,
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
    await writeAtomically(path.join(this.canisterDir(key), STATE_FILE), [
      MAGIC,
      length,
      json,
      state.module,
      state.heap,
      state.stable,
    ]);
    // Stale now (and ignored, being of another generation, should this removal not happen).
    await fs.promises.rm(path.join(this.canisterDir(key), LOG_FILE), { force: true });
  }

  /**
   * What to write for a changed canister, decided while its state cannot change (inside the
   * engine's queue): the pages that changed since the files were written, appended to its log;
   * or, after a new module, a long log or at first, a full base. Returns the image of the files
   * once the write is done, and the write to run (none when nothing changed).
   */
  planWrite(
    key: string,
    module: { original: Uint8Array; sha256: string } | undefined,
    committed: CommittedWasmState | undefined,
    image: PersistedImage | undefined,
  ): { image: PersistedImage | undefined; write?: () => Promise<void> } {
    if (!module || !committed) return { image: undefined, write: () => this.clear(key) };
    const limit = Math.max(LOG_LIMIT_BYTES, committed.heap.length + committed.stable.length);
    if (!image || image.moduleSha256 !== module.sha256 || image.logBytes > limit) {
      const copy = storedCopy(module, committed);
      const generation = newGeneration();
      return { image: imageOf(copy, module.sha256, generation), write: () => this.save(key, copy, generation) };
    }
    const delta = diffState(image, committed);
    if (!delta) return { image };
    applyDelta(image, delta);
    const encoded = encodeDelta(delta);
    image.logBytes += encoded.length;
    const { generation } = image;
    return { image, write: async () => void (await this.appendDelta(key, generation, encoded)) };
  }

  /** A canister without code keeps no Wasm state on disk. */
  async clear(key: string): Promise<void> {
    await fs.promises.rm(path.join(this.canisterDir(key), STATE_FILE), { force: true });
    await fs.promises.rm(path.join(this.canisterDir(key), LOG_FILE), { force: true });
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.canisterDir(key), { recursive: true, force: true });
  }

  loadPrepared(sha256: string): (PreparedGlobals & { bytes: Uint8Array }) | undefined {
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
    await writeAtomically(`${base}.json`, [
      Buffer.from(JSON.stringify({ globalExports: globals.globalExports, globalTypes: globals.globalTypes })),
    ]);
  }
}
