import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../content-files.js';
import { translateError } from '../errors.js';
import { invalidArgument, notFound } from '../context.js';
import { sha256Hex } from './artifacts.js';
import type { SharedBlobs } from './blobs.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface StoredSnapshotFile {
  sha256: string;
  size: number;
  path: string;
}

/**
 * Off-chain snapshots: snapshot files (see canister-client's snapshot file format) under
 * `<data dir>/backups/<sha256>.snapshot`, named by the sha256 of their bytes. They outlive the
 * canister they came from. Backups reference them (`backup.archive`); the bytes are checked
 * by whoever decodes them, against this name and against the hashes inside the file.
 */
export class SnapshotFileRepository {
  constructor(
    readonly dir: string,
    private readonly shared: SharedBlobs,
  ) {}

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw invalidArgument(`"${sha256}" is not a sha256 (64 lower-case hex characters)`);
    return join(this.dir, `${sha256}.snapshot`);
  }

  /** Stores a snapshot file (idempotent: the same bytes are written once). */
  put(bytes: Uint8Array): StoredSnapshotFile {
    const sha256 = sha256Hex(bytes);
    const path = this.pathOf(sha256);
    if (this.sizeOf(path) !== bytes.length) writeFileAtomically(this.dir, path, bytes);
    this.shared.put('snapshot', sha256, bytes);
    return { sha256, size: bytes.length, path };
  }

  /** Whether the file is here (fetched from the shared store first when this machine lacks it). */
  has(sha256: string): boolean {
    const path = this.pathOf(sha256);
    return this.sizeOf(path) !== undefined || this.shared.materialize(sha256, this.dir, path);
  }

  read(sha256: string): Buffer {
    const path = this.pathOf(sha256);
    this.has(sha256);
    try {
      return readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw notFound(`snapshot file ${path} does not exist`, 'download the backup again', 'snapshot-file');
      throw translateError(error, path);
    }
  }

  remove(sha256: string): void {
    rmSync(this.pathOf(sha256), { force: true });
  }

  private sizeOf(path: string): number | undefined {
    try {
      return statSync(path).size;
    } catch {
      return undefined;
    }
  }
}
