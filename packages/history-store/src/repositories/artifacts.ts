import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../content-files.js';
import { HistoryStoreError, translateError } from '../errors.js';
import { invalidArgument, notFound, type StoreContext } from '../context.js';
import type { ActorInput, Artifact } from '../types.js';
import { appendAudit } from './audit.js';
import type { SharedBlobs } from './blobs.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Content-addressed module files under `<data dir>/artifacts/<sha256>.wasm`, so any deployed
 * version can be reinstalled byte for byte. Reads verify the hash.
 */
export class ArtifactRepository {
  constructor(
    private readonly ctx: StoreContext,
    readonly dir: string,
    private readonly shared: SharedBlobs,
  ) {}

  pathOf(sha256: string): string {
    return join(this.dir, `${sha256}.wasm`);
  }

  /** Stores a module (idempotent) and returns its record. */
  put(bytes: Uint8Array, by?: ActorInput): Artifact {
    const sha256 = sha256Hex(bytes);
    const path = this.pathOf(sha256);
    if (!this.fileMatches(path, sha256)) writeFileAtomically(this.dir, path, bytes);
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      this.shared.put('module', sha256, bytes);
      const inserted = this.ctx.run(
        this.ctx.q
          .insertInto('artifacts')
          .values({ sha256, size: bytes.length, first_seen_at: this.ctx.nowIso() })
          .onConflict((oc) => oc.column('sha256').doNothing()),
      );
      if (inserted.changes > 0) {
        appendAudit(this.ctx, {
          action: 'artifact.put',
          subject: sha256,
          summary: `stored module ${sha256.slice(0, 12)} (${bytes.length} bytes)`,
          by: actor,
          detail: { size: bytes.length },
        });
      }
      return this.requireRecord(sha256);
    });
  }

  /** Stores the module file at `filePath`. */
  putFile(filePath: string, by?: ActorInput): Artifact {
    let bytes: Buffer;
    try {
      bytes = readFileSync(filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`module file ${filePath} does not exist`);
      throw translateError(error, filePath);
    }
    return this.put(bytes, by);
  }

  /** The module bytes, verified against their hash. */
  get(sha256: string): Buffer {
    this.assertHash(sha256);
    let bytes: Buffer;
    try {
      bytes = this.readLocal(sha256);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw notFound(
          `module ${sha256} is not in the artifact store ${this.dir}`,
          'deploy it again from its .wasm file to store it',
        );
      }
      throw translateError(error, this.pathOf(sha256));
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) {
      throw new HistoryStoreError(
        'ARTIFACT_CORRUPT',
        `the stored module ${this.pathOf(sha256)} is damaged: its sha256 is ${actual}`,
        {
          hint: 'delete the file and store the module again from its .wasm file',
        },
      );
    }
    return bytes;
  }

  /** True when the module is recorded and its file is present. */
  has(sha256: string): boolean {
    this.assertHash(sha256);
    const recorded = this.info(sha256) !== null;
    if (!recorded) return false;
    try {
      return statSync(this.pathOf(sha256)).isFile();
    } catch {
      return this.shared.materialize(sha256, this.dir, this.pathOf(sha256));
    }
  }

  /** The local file, fetched from the shared store first when this machine never had it. */
  private readLocal(sha256: string): Buffer {
    try {
      return readFileSync(this.pathOf(sha256));
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOENT' ||
        !this.shared.materialize(sha256, this.dir, this.pathOf(sha256))
      )
        throw error;
      return readFileSync(this.pathOf(sha256));
    }
  }

  /** The record (size, first seen) without reading the file. */
  info(sha256: string): Artifact | null {
    return this.ctx.read(() => {
      const row = this.ctx.one(this.ctx.q.selectFrom('artifacts').selectAll().where('sha256', '=', sha256));
      return row
        ? { sha256: row.sha256, size: row.size, firstSeenAt: row.first_seen_at, path: this.pathOf(row.sha256) }
        : null;
    });
  }

  list(): Artifact[] {
    return this.ctx.read(() =>
      this.ctx
        .all(this.ctx.q.selectFrom('artifacts').selectAll().orderBy('first_seen_at', 'desc').orderBy('sha256'))
        .map((row) => ({
          sha256: row.sha256,
          size: row.size,
          firstSeenAt: row.first_seen_at,
          path: this.pathOf(row.sha256),
        })),
    );
  }

  private requireRecord(sha256: string): Artifact {
    const artifact = this.info(sha256);
    if (!artifact) throw notFound(`module ${sha256} is not recorded`);
    return artifact;
  }

  private fileMatches(path: string, sha256: string): boolean {
    try {
      return sha256Hex(readFileSync(path)) === sha256;
    } catch {
      return false;
    }
  }

  private assertHash(sha256: string): void {
    if (!SHA256_HEX.test(sha256)) throw invalidArgument(`"${sha256}" is not a sha256 (64 lower-case hex characters)`);
  }
}
