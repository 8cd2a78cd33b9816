import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UploadCheckpoint } from '@soulrecall/canister-client';

/**
 * Where interrupted snapshot uploads stand: `<data dir>/transfers/<key>.json`, one small file
 * per upload in progress, rewritten (temp file + rename) after every acknowledged slice and
 * removed when the upload is loaded. A rerun of the same upload reads it and sends only what
 * is missing. Losing one costs a re-upload, never data: it is only ever behind the network.
 */
export class TransferCheckpoints {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'transfers');
  }

  /** A key for "this snapshot into that canister" (file-name safe). */
  static key(targetCanisterId: string, sourceId: string): string {
    return `${targetCanisterId}-${sourceId}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  load(key: string): UploadCheckpoint | undefined {
    try {
      const parsed = JSON.parse(readFileSync(this.file(key), 'utf8')) as UploadCheckpoint;
      return typeof parsed.snapshotId === 'string' && Array.isArray(parsed.done) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  save(key: string, checkpoint: UploadCheckpoint): void {
    mkdirSync(this.dir, { recursive: true });
    const temp = `${this.file(key)}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(checkpoint));
    renameSync(temp, this.file(key));
  }

  clear(key: string): void {
    rmSync(this.file(key), { force: true });
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }
}
