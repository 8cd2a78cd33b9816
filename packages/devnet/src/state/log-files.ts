import fs from 'node:fs';
import path from 'node:path';
import type { Principal } from '@dfinity/principal';
import { fromBase64, toBase64 } from '../bytes.js';
import { unlessMissing } from '../files.js';
import { writeFileAtomic } from './atomic-file.js';
import type { CanisterLogRecord } from './canister-record.js';

/**
 * Canister logs on disk, one append-only file per canister (`logs/<canister>.jsonl`): a message's
 * log lines are appended and synced before its reply, without rewriting the registry (which
 * holds every canister). The file is compacted to what the canister keeps once it grows past
 * a few times that.
 */
export class CanisterLogFiles {
  private readonly dir: string;
  private readonly sizes = new Map<string, number>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'logs');
  }

  private file(id: Principal): string {
    return path.join(this.dir, `${id.toText()}.jsonl`);
  }

  /** The records on disk, or undefined when the canister has no log file (a state directory of an earlier version). */
  read(id: Principal): CanisterLogRecord[] | undefined {
    const text = unlessMissing(() => fs.readFileSync(this.file(id), 'utf8'));
    if (text === undefined) return undefined;
    this.sizes.set(id.toText(), Buffer.byteLength(text));
    const records: CanisterLogRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as { i: string; t: string; c: string };
        records.push({ idx: BigInt(entry.i), timestampNanos: BigInt(entry.t), content: fromBase64(entry.c) });
      } catch {
        break; // a line cut short by a crash: never acknowledged
      }
    }
    return records;
  }

  /** Appends records and syncs; rewrites the file from `kept` once it has grown past `compactAt` bytes. */
  append(id: Principal, records: CanisterLogRecord[], kept: CanisterLogRecord[], compactAt: number): void {
    if (records.length === 0) return;
    const key = id.toText();
    if ((this.sizes.get(key) ?? 0) > compactAt) {
      this.replace(id, kept);
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    const text = records.map(line).join('');
    const fd = fs.openSync(this.file(id), 'a');
    try {
      fs.writeSync(fd, text);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.sizes.set(key, (this.sizes.get(key) ?? 0) + Buffer.byteLength(text));
  }

  /** The whole log as it is now (a reinstall or uninstall clears it). */
  replace(id: Principal, records: CanisterLogRecord[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const text = records.map(line).join('');
    writeFileAtomic(this.file(id), text);
    this.sizes.set(id.toText(), Buffer.byteLength(text));
  }

  remove(id: Principal): void {
    fs.rmSync(this.file(id), { force: true });
    this.sizes.delete(id.toText());
  }
}

function line(record: CanisterLogRecord): string {
  return `${JSON.stringify({ i: record.idx.toString(), t: record.timestampNanos.toString(), c: toBase64(record.content) })}\n`;
}
