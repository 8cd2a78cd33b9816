import fs from 'node:fs';
import path from 'node:path';
import type { Principal } from '@dfinity/principal';
import { bytesEqual, concatBytes, toHex } from '../bytes.js';
import { ErrorCodes, RejectError } from '../reject.js';
import { writeFileAtomic } from './atomic-file.js';
import { canisterIdAt, chooseCanisterRange, isSystemCanisterId, type CanisterRange } from './canister-ids.js';
import { DEFAULT_SETTINGS, type CanisterRecord } from './canister-record.js';
import { decodeStateJson, encodeStateJson } from './json-codec.js';
import { SnapshotFiles } from './snapshot-files.js';
import { CanisterLogFiles } from './log-files.js';
import { appendLogs, boundLogs, MAX_LOG_BYTES } from '../canister-logs.js';
import type { CanisterLogLine } from '../execution/types.js';

export { canisterIdAt } from './canister-ids.js';

const REGISTRY_FILE = 'canisters.json';
const FLUSH_DELAY_MS = 150;

interface StoredRegistry {
  /** Next index to try inside `canisterRange`. */
  nextCanisterIndex: bigint;
  /** Absent in state directories written before networks had their own range. */
  canisterRange?: CanisterRange;
  canisters: CanisterRecord[];
}

/**
 * The canister bookkeeping of the network and its files in the state directory: `canisters.json`
 * (records and the network's canister id range), `chunks/<canister>/<hash>` (chunk stores) and
 * `snapshots/` (see SnapshotFiles). Changes are flushed (debounced) after each mutation, on
 * `flush()` (which the management canister awaits before it replies) and on close.
 */
export class CanisterStore {
  readonly snapshots: SnapshotFiles;
  private readonly logFiles: CanisterLogFiles;
  private readonly canisters = new Map<string, CanisterRecord>();
  private readonly canisterRange: CanisterRange;
  private nextCanisterIndex: bigint;
  private flushTimer: NodeJS.Timeout | undefined;
  private backgroundFlush: Promise<void> | undefined;
  private flushAgain = false;
  private closed = false;
  /** canisters.json must be rewritten at the next flush. */
  private registryDirty = false;

  constructor(
    private readonly stateDir: string,
    private readonly afterFlush: (scope?: Principal[]) => Promise<void>,
  ) {
    this.snapshots = new SnapshotFiles(stateDir);
    this.logFiles = new CanisterLogFiles(stateDir);
    const file = path.join(stateDir, REGISTRY_FILE);
    const stored = fs.existsSync(file) ? decodeStateJson<StoredRegistry>(fs.readFileSync(file, 'utf8')) : undefined;
    for (const record of stored?.canisters ?? []) {
      // A state directory from before a setting existed reads it as its default.
      record.settings = { ...DEFAULT_SETTINGS, ...record.settings };
      this.loadLogs(record);
      this.canisters.set(record.id.toText(), record);
    }
    if (stored?.canisterRange) {
      this.canisterRange = stored.canisterRange;
      this.nextCanisterIndex = stored.nextCanisterIndex;
    } else {
      // A new state directory, or one whose canisters were numbered from 0: they stay, new ones come from a range of
      // its own.
      this.canisterRange = chooseCanisterRange();
      this.nextCanisterIndex = this.canisterRange.start;
      this.writeRegistry();
    }
    this.removeUnknownFiles();
  }

  get(id: Principal): CanisterRecord | undefined {
    return this.canisters.get(id.toText());
  }

  /** The record of an existing canister, or a reject like a replica's for an unknown one. */
  require(id: Principal): CanisterRecord {
    const record = this.get(id);
    if (!record) throw new RejectError(ErrorCodes.CanisterNotFound, `Canister ${id.toText()} not found.`);
    return record;
  }

  list(): CanisterRecord[] {
    return [...this.canisters.values()];
  }

  /** The next free id of the network's range (ids taken through `specified_id` and system ids are skipped). */
  allocateId(): Principal {
    const end = this.canisterRange.start + this.canisterRange.size;
    for (;;) {
      if (this.nextCanisterIndex >= end) {
        throw new RejectError(
          ErrorCodes.SubnetOversubscribed,
          'Could not create canister. Subnet has surpassed its canister ID allocation.',
        );
      }
      const id = canisterIdAt(this.nextCanisterIndex++);
      if (!this.canisters.has(id.toText()) && !isSystemCanisterId(id)) return id;
    }
  }

  add(record: CanisterRecord): void {
    this.canisters.set(record.id.toText(), record);
    this.changed();
  }

  /** Forgets a deleted canister; its files go with `removeFiles` once that is persisted. */
  remove(id: Principal): void {
    this.canisters.delete(id.toText());
    this.changed();
  }

  removeFiles(id: Principal): void {
    fs.rmSync(this.chunkDir(id), { recursive: true, force: true });
    this.snapshots.removeCanister(id);
    this.logFiles.remove(id);
  }

  // --- logs ----------------------------------------------------------------------------------

  /**
   * A canister's log from its file (or, in a state directory of an earlier version, from the registry, moved to a
   * file).
   */
  private loadLogs(record: CanisterRecord): void {
    const onDisk = this.logFiles.read(record.id);
    if (!onDisk) {
      if (record.logs.length > 0) this.logFiles.replace(record.id, record.logs);
      return;
    }
    record.logs = boundLogs(onDisk, record.settings.logMemoryLimit);
    const last = onDisk[onDisk.length - 1];
    if (last && last.idx >= record.nextLogIdx) record.nextLogIdx = last.idx + 1n;
  }

  /** Appends a message's log lines, durably (synced before the message's reply). */
  appendLogs(record: CanisterRecord, lines: CanisterLogLine[]): void {
    const added = appendLogs(record, lines);
    this.logFiles.append(record.id, added, record.logs, 6 * MAX_LOG_BYTES);
  }

  /** Empties a canister's log (reinstall, uninstall). */
  clearLogs(record: CanisterRecord): void {
    record.logs = [];
    this.logFiles.replace(record.id, []);
  }

  // --- chunk store -------------------------------------------------------------------------

  private chunkDir(id: Principal): string {
    return path.join(this.stateDir, 'chunks', id.toText());
  }

  writeChunk(id: Principal, hash: Uint8Array, chunk: Uint8Array): void {
    fs.mkdirSync(this.chunkDir(id), { recursive: true });
    writeFileAtomic(path.join(this.chunkDir(id), toHex(hash)), chunk);
  }

  readChunk(id: Principal, hash: Uint8Array): Uint8Array | undefined {
    const file = path.join(this.chunkDir(id), toHex(hash));
    return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : undefined;
  }

  /**
   * Removes chunk files the record no longer lists. Chunk files are content-addressed, so a change
   * of the chunk store writes the new files, persists the record, and only then drops the old ones.
   */
  collectChunks(record: CanisterRecord): void {
    const dir = this.chunkDir(record.id);
    if (!fs.existsSync(dir)) return;
    const listed = new Set(record.chunkHashes.map(toHex));
    for (const file of fs.readdirSync(dir)) if (!listed.has(file)) fs.rmSync(path.join(dir, file), { force: true });
  }

  // --- snapshots ---------------------------------------------------------------------------

  /** Snapshot ids like a replica's: the canister id followed by a big-endian sequence number. */
  nextSnapshotId(record: CanisterRecord): Uint8Array {
    const seq = new Uint8Array(8);
    new DataView(seq.buffer).setBigUint64(0, record.nextSnapshotSeq++);
    return concatBytes(record.id.toUint8Array(), seq);
  }

  /** The canister a snapshot id was issued for (its prefix), if it is one of this network's. */
  snapshotOwner(snapshotId: Uint8Array): CanisterRecord | undefined {
    if (snapshotId.length <= 8) return undefined;
    const owner = this.list().find((record) =>
      bytesEqual(record.id.toUint8Array(), snapshotId.subarray(0, snapshotId.length - 8)),
    );
    return owner?.snapshots.some((info) => bytesEqual(info.id, snapshotId)) ? owner : undefined;
  }

  // --- persistence -------------------------------------------------------------------------

  /** The registry (canisters.json) changed: it is rewritten at the next flush. */
  changed(): void {
    this.registryDirty = true;
    this.scheduleFlush();
  }

  /**
   * Schedules a flush without marking the registry changed: for an update call, whose Wasm state
   * the engine saves (afterFlush) while canisters.json stays as it is. A burst is written once,
   * and a busy canister at most once per write: the next background flush waits for the last.
   */
  scheduleFlush(): void {
    if (this.closed || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.backgroundFlush) {
        this.flushAgain = true;
        return;
      }
      this.backgroundFlush = this.flush()
        .catch((error: unknown) => console.error('devnet: could not write its state:', error))
        .finally(() => {
          this.backgroundFlush = undefined;
          if (this.flushAgain) {
            this.flushAgain = false;
            this.scheduleFlush();
          }
        });
    }, FLUSH_DELAY_MS);
    this.flushTimer.unref();
  }

  /**
   * Writes the registry if it changed and the engine's changed Wasm state, durably (fsync).
   * `scope`: only these canisters' Wasm state (what a management call changed).
   */
  async flush(scope?: Principal[]): Promise<void> {
    if (this.registryDirty) {
      this.registryDirty = false;
      this.writeRegistry();
    }
    await this.afterFlush(scope);
  }

  private writeRegistry(): void {
    // Logs live in their own files (appended per message), not in the registry.
    const stored: StoredRegistry = {
      nextCanisterIndex: this.nextCanisterIndex,
      canisterRange: this.canisterRange,
      canisters: this.list().map((record) => ({ ...record, logs: [] })),
    };
    writeFileAtomic(path.join(this.stateDir, REGISTRY_FILE), encodeStateJson(stored));
  }

  /** Chunk and snapshot files the registry does not list (a crash came between the two). */
  private removeUnknownFiles(): void {
    const chunksRoot = path.join(this.stateDir, 'chunks');
    if (fs.existsSync(chunksRoot)) {
      for (const dir of fs.readdirSync(chunksRoot))
        if (!this.canisters.has(dir)) fs.rmSync(path.join(chunksRoot, dir), { recursive: true, force: true });
    }
    for (const record of this.canisters.values()) this.collectChunks(record);
    this.snapshots.removeUnknown(
      new Map(
        this.list().map((record) => [record.id.toText(), new Set(record.snapshots.map((info) => toHex(info.id)))]),
      ),
    );
    const logsRoot = path.join(this.stateDir, 'logs');
    if (fs.existsSync(logsRoot)) {
      for (const file of fs.readdirSync(logsRoot))
        if (!this.canisters.has(file.replace(/\.jsonl$/, ''))) fs.rmSync(path.join(logsRoot, file), { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.registryDirty = true;
    await this.flush();
    this.closed = true;
  }
}
