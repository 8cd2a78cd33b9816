import { writeFileAtomically } from '../content-files.js';
import type { StoreContext } from '../context.js';
import { sha256Hex } from './artifacts.js';

/**
 * Content-addressed bytes in a shared store (PostgreSQL): module files and snapshot files, each
 * kept once whoever stored it, so a machine that never saw a module can still roll back to it.
 * On SQLite the data directory is the only machine there is, and this does nothing.
 */
export class SharedBlobs {
  constructor(private readonly ctx: StoreContext) {}

  get enabled(): boolean {
    return this.ctx.executor.dialect === 'postgres';
  }

  /** Keeps `bytes` under their sha256 (once: a second machine storing them sends nothing). */
  put(kind: 'module' | 'snapshot', sha256: string, bytes: Uint8Array): void {
    if (!this.enabled) return;
    this.ctx.write(() => {
      if (this.ctx.one(this.ctx.q.selectFrom('blobs').select('sha256').where('sha256', '=', sha256))) return;
      this.ctx.run(
        this.ctx.q
          .insertInto('blobs')
          .values({ sha256, kind, size: bytes.length, bytes, stored_at: this.ctx.nowIso() })
          .onConflict((oc) => oc.column('sha256').doNothing()),
      );
    });
  }

  /**
   * Writes the shared copy of `sha256` to `path` when this machine lacks the file. True when the
   * file is there now; false when the shared store has no such bytes (or there is none).
   */
  materialize(sha256: string, dir: string, path: string): boolean {
    if (!this.enabled) return false;
    const row = this.ctx.read(() =>
      this.ctx.one(this.ctx.q.selectFrom('blobs').select('bytes').where('sha256', '=', sha256)),
    );
    if (!row) return false;
    const bytes = Buffer.from(row.bytes);
    // Bytes that do not hash to their name are not used: the caller reports the file as missing.
    if (sha256Hex(bytes) !== sha256) return false;
    writeFileAtomically(dir, path, bytes);
    return true;
  }
}
