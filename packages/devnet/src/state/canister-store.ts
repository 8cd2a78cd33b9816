import fs from 'node:fs';
import path from 'node:path';
import { Principal } from '@dfinity/principal';
import { concatBytes, toHex } from '../bytes.js';
import { ErrorCodes, RejectError } from '../reject.js';
import { writeFileAtomic } from './atomic-file.js';
import { decodeStateJson, encodeStateJson } from './json-codec.js';
import type { CanisterRecord } from './canister-record.js';

const REGISTRY_FILE = 'canisters.json';
const FLUSH_DELAY_MS = 150;

interface StoredRegistry {
  nextCanisterIndex: bigint;
  canisters: CanisterRecord[];
}

/** Canister ids like a replica's first subnet range: an 8-byte big-endian index followed by 0x01 0x01. */
export function canisterIdAt(index: bigint): Principal {
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setBigUint64(0, index);
  bytes[8] = 1;
  bytes[9] = 1;
  return Principal.fromUint8Array(bytes);
}

/**
 * The canister bookkeeping of the network and its files in the state directory: `canisters.json`
 * (records), `chunks/<canister>/<hash>` (chunk stores) and `snapshots/<canister>/<id>.json`.
 * Changes are flushed (debounced) after each mutation and on close.
 */
export class CanisterStore {
  private readonly canisters = new Map<string, CanisterRecord>();
  private nextCanisterIndex = 0n;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** canisters.json must be rewritten at the next flush. */
  private registryDirty = false;

  constructor(
    private readonly stateDir: string,
    private readonly afterFlush: () => Promise<void>,
  ) {
    const file = path.join(stateDir, REGISTRY_FILE);
    if (fs.existsSync(file)) {
      const stored = decodeStateJson<StoredRegistry>(fs.readFileSync(file, 'utf8'));
      this.nextCanisterIndex = stored.nextCanisterIndex;
      for (const record of stored.canisters) this.canisters.set(record.id.toText(), record);
    }
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

  /** The next free id in sequence (ids taken through `specified_id` are skipped). */
  allocateId(): Principal {
    for (;;) {
      const id = canisterIdAt(this.nextCanisterIndex++);
      if (!this.canisters.has(id.toText())) return id;
    }
  }

  add(record: CanisterRecord): void {
    this.canisters.set(record.id.toText(), record);
    this.changed();
  }

  remove(id: Principal): void {
    this.canisters.delete(id.toText());
    fs.rmSync(this.chunkDir(id), { recursive: true, force: true });
    fs.rmSync(this.snapshotDir(id), { recursive: true, force: true });
    this.changed();
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

  clearChunks(id: Principal): void {
    fs.rmSync(this.chunkDir(id), { recursive: true, force: true });
  }

  // --- snapshots ---------------------------------------------------------------------------

  private snapshotDir(id: Principal): string {
    return path.join(this.stateDir, 'snapshots', id.toText());
  }

  /** Snapshot ids like a replica's: the canister id followed by a big-endian sequence number. */
  nextSnapshotId(record: CanisterRecord): Uint8Array {
    const seq = new Uint8Array(8);
    new DataView(seq.buffer).setBigUint64(0, record.nextSnapshotSeq++);
    return concatBytes(record.id.toUint8Array(), seq);
  }

  writeSnapshot(id: Principal, snapshotId: Uint8Array, content: unknown): void {
    fs.mkdirSync(this.snapshotDir(id), { recursive: true });
    writeFileAtomic(path.join(this.snapshotDir(id), `${toHex(snapshotId)}.json`), encodeStateJson(content));
  }

  readSnapshot<T>(id: Principal, snapshotId: Uint8Array): T {
    return decodeStateJson<T>(fs.readFileSync(path.join(this.snapshotDir(id), `${toHex(snapshotId)}.json`), 'utf8'));
  }

  deleteSnapshot(id: Principal, snapshotId: Uint8Array): void {
    fs.rmSync(path.join(this.snapshotDir(id), `${toHex(snapshotId)}.json`), { force: true });
  }

  // --- persistence -------------------------------------------------------------------------

  /** The registry (canisters.json) changed: it is rewritten at the next flush. */
  changed(): void {
    this.registryDirty = true;
    this.scheduleFlush();
  }

  /**
   * Schedules a flush without marking the registry changed: for an update call, whose Wasm state
   * the engine saves (afterFlush) while canisters.json stays as it is. A burst is written once.
   */
  scheduleFlush(): void {
    if (this.closed || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch((error: unknown) => console.error('devnet: could not write its state:', error));
    }, FLUSH_DELAY_MS);
    this.flushTimer.unref();
  }

  async flush(): Promise<void> {
    if (this.registryDirty) {
      this.registryDirty = false;
      const stored: StoredRegistry = { nextCanisterIndex: this.nextCanisterIndex, canisters: this.list() };
      writeFileAtomic(path.join(this.stateDir, REGISTRY_FILE), encodeStateJson(stored));
    }
    await this.afterFlush();
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.registryDirty = true;
    await this.flush();
    this.closed = true;
  }
}
