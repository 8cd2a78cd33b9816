import Database from 'better-sqlite3';
import { CompiledQuery } from './db/kysely.js';
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { pushProject, type PushedProject } from './push.js';
import { join, resolve } from 'node:path';
import { StoreContext, checkProjectName, defaultActor } from './context.js';
import { SqliteExecutor, queryBuilder, type Dialect, type SqlExecutor } from './db/executor.js';
import { PostgresExecutor, redactUrl } from './db/postgres.js';
import { migratePostgres } from './schema/postgres.js';
import { HistoryStoreError, translateError } from './errors.js';
import { latestVersion, migrate, type MigrationResult } from './schema/migrate.js';
import { assertOursToWrite, readFileStamp } from './schema/stamp.js';
import { LEGACY_PROJECT, MIGRATIONS, type Migration } from './schema/migrations.js';
import { ArtifactRepository } from './repositories/artifacts.js';
import { AuditRepository, type TimelineQuery } from './repositories/audit.js';
import { BackupRepository } from './repositories/backups.js';
import { CanisterRepository } from './repositories/canisters.js';
import { CatalogRepository } from './repositories/catalog.js';
import { DeploymentRepository } from './repositories/deployments.js';
import { LockRepository } from './repositories/locks.js';
import { PromotionRepository } from './repositories/promotions.js';
import { RouteRepository } from './repositories/routes.js';
import { SnapshotFileRepository } from './repositories/snapshot-files.js';
import { SharedBlobs } from './repositories/blobs.js';
import type { Actor, TimelineEvent } from './types.js';

export interface OpenHistoryStoreOptions {
  /** `$SOULRECALL_HOME`: holds `history.db` and `artifacts/`. Created if missing. */
  dataDir: string;
  /** How long a write waits for another process's write lock before STORE_BUSY. Default 10 s. */
  busyTimeoutMs?: number;
  /** Default "who" for every record; the OS user and host are filled in. */
  actor?: Partial<Actor>;
  /** Time source (tests use a fixed or advancing clock). */
  clock?: () => Date;
  /** SQLite page cache per connection, allocated only as used. Default 64 MiB. */
  cacheSizeMiB?: number;
  /** Schema steps to apply; only tests pass a prefix of the real list. */
  migrations?: readonly Migration[];
  /**
   * Where the records live: `sqlite` (default: `history.db` in the data directory) or a
   * `postgres://user@host:port/db` URL of a server a team shares. Module bytes and snapshot files
   * are kept in it too, so every machine can roll back what another one deployed.
   */
  url?: string;
  /** PostgreSQL: how long one request may take before the server counts as unreachable. */
  requestTimeoutMs?: number;
  /**
   * The project whose records this store reads and writes (soulrecall.yaml's `project:`).
   * Default `default`, where records from before projects live.
   */
  project?: string;
}

export const DB_FILE_NAME = 'history.db';
export const ARTIFACTS_DIR_NAME = 'artifacts';
export const SNAPSHOT_FILES_DIR_NAME = 'backups';
const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw translateError(error, dir);
  }
}

/** The soulrecall history: one SQLite file shared by every process, plus the artifact folder. */
export class HistoryStore {
  readonly catalog: CatalogRepository;
  readonly canisters: CanisterRepository;
  readonly deployments: DeploymentRepository;
  readonly promotions: PromotionRepository;
  readonly routes: RouteRepository;
  readonly artifacts: ArtifactRepository;
  readonly backups: BackupRepository;
  /** Off-chain snapshots: `<data dir>/backups/<sha256>.snapshot`. */
  readonly snapshotFiles: SnapshotFileRepository;
  readonly locks: LockRepository;
  readonly audit: AuditRepository;

  /** @internal use openHistoryStore() */
  constructor(
    private readonly ctx: StoreContext,
    readonly artifactsDir: string,
    readonly migration: MigrationResult,
  ) {
    this.catalog = new CatalogRepository(ctx);
    this.canisters = new CanisterRepository(ctx);
    this.deployments = new DeploymentRepository(ctx);
    this.promotions = new PromotionRepository(ctx);
    this.routes = new RouteRepository(ctx);
    const shared = new SharedBlobs(ctx);
    this.artifacts = new ArtifactRepository(ctx, artifactsDir, shared);
    this.snapshotFiles = new SnapshotFileRepository(join(ctx.dataDir, SNAPSHOT_FILES_DIR_NAME), shared);
    this.backups = new BackupRepository(ctx, (sha256) => this.snapshotFiles.pathOf(sha256));
    this.locks = new LockRepository(ctx);
    this.audit = new AuditRepository(ctx);
  }

  get dataDir(): string {
    return this.ctx.dataDir;
  }

  /** Who this store records as the actor when a call names none (OS user, host, principal). */
  get defaultActor(): Actor {
    return { ...this.ctx.actor };
  }

  /** Where the records live: the SQLite file, or the PostgreSQL URL without its password. */
  get location(): string {
    return this.ctx.location;
  }

  /** `sqlite` (the file in the data directory) or `postgres` (a shared server). */
  get backend(): Dialect {
    return this.ctx.executor.dialect;
  }

  get schemaVersion(): number {
    return this.migration.toVersion;
  }

  /** The project this store's repositories read and write. */
  get project(): string {
    return this.ctx.project;
  }

  /**
   * The same store (one connection, one transaction scope) seen from another project: what
   * `--all-projects` views and `history push` walk through.
   */
  forProject(project: string): HistoryStore {
    if (project === this.ctx.project) return this;
    return new HistoryStore(this.ctx.withProject(checkProjectName(project)), this.artifactsDir, this.migration);
  }

  /** Every project that has records in this store, by name. */
  projects(): string[] {
    // The audit log is walked project by project through its index (a loose index scan): a
    // plain DISTINCT read all of it, which made every read command outside a project cost
    // ~1 s at 100,000 promotions on PostgreSQL. Same text for SQLite and PostgreSQL.
    const query = CompiledQuery.raw(`WITH RECURSIVE audited(project) AS (
        SELECT min(project) FROM audit_log
        UNION ALL
        SELECT (SELECT min(a.project) FROM audit_log a WHERE a.project > audited.project) FROM audited WHERE audited.project IS NOT NULL
      )
      SELECT project FROM agents UNION SELECT project FROM environments UNION SELECT project FROM audited WHERE project IS NOT NULL
      ORDER BY project`);
    return this.ctx.read(() => this.ctx.executor.all<{ project: string }>(query).map((row) => row.project));
  }

  /**
   * `history push`: copies projects (default: every project here) into `target`, one project per
   * target transaction; idempotent (see pushProject). The bytes of modules and snapshot files go
   * along from this machine's data directory.
   */
  pushTo(target: HistoryStore, projects: string[] = this.projects()): PushedProject[] {
    const readIfHere = (read: () => Buffer) => {
      try {
        return read();
      } catch {
        // Not on this machine (never stored here, or removed): the record goes without its bytes.
        return null;
      }
    };
    const pushed = projects.map((project) =>
      pushProject(this.ctx.withProject(checkProjectName(project)), target.ctx.withProject(project), {
        module: (sha256) => readIfHere(() => this.artifacts.get(sha256)),
        snapshot: (sha256) => readIfHere(() => readFileSync(this.snapshotFiles.pathOf(sha256))),
      }),
    );
    // A bulk load leaves PostgreSQL without statistics until autovacuum gets to the tables, and
    // meanwhile it plans lookups by version as scans (measured: 8 ms instead of 0.1 ms). pg_restore
    // users run ANALYZE afterwards for the same reason.
    if (
      target.backend === 'postgres' &&
      pushed.some(({ project: _name, ...added }) => Object.values(added).some((count) => count > 0))
    )
      target.ctx.executor.run(CompiledQuery.raw('ANALYZE'));
    return pushed;
  }

  /** `soulrecall history`: deployments, promotions, route switches, rollbacks, backups, deletions. */
  timeline(query: TimelineQuery = {}): TimelineEvent[] {
    return this.audit.timeline(query);
  }

  /**
   * Runs several repository calls as one immediate transaction: all of them or none. Throwing
   * inside `fn` rolls everything back. Keep remote calls out of it: it holds the write lock.
   */
  transaction<T>(fn: () => T): T {
    return this.ctx.write(fn);
  }

  /**
   * SQLite's `PRAGMA integrity_check`: an empty list when the file is sound. PostgreSQL checks
   * its own pages; there the list is always empty.
   */
  integrityCheck(): string[] {
    const executor = this.ctx.executor;
    if (!(executor instanceof SqliteExecutor)) return [];
    return this.ctx.read(() => {
      const rows = executor.db.pragma('integrity_check') as { integrity_check: string }[];
      return rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    });
  }

  get isOpen(): boolean {
    return this.ctx.executor.isOpen;
  }

  close(): void {
    this.ctx.executor.close();
  }
}

/** `sqlite` for nothing, `sqlite` or a SQLite word; `postgres` for a postgres:// URL; anything else is refused. */
export function historyBackendOf(url: string | undefined): Dialect {
  if (url === undefined || url === '' || url === 'sqlite') return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      if (parsed.hostname !== '' && parsed.pathname.length > 1) return 'postgres';
    } catch {
      // Reported below.
    }
  }
  throw new HistoryStoreError(
    'INVALID_ARGUMENT',
    `"${redactUrl(url)}" is not a history store: use sqlite or postgres://user@host:port/database`,
    {
      hint: 'set history: in soulrecall.yaml (or SOULRECALL_HISTORY_URL) to sqlite or a PostgreSQL URL with a host and a database name',
    },
  );
}

/** A migrated database of either backend, as the store serves it. */
interface OpenedDatabase {
  executor: SqlExecutor;
  dialect: Dialect;
  dataDir: string;
  project: string;
  migration: MigrationResult;
}

/** The store over an opened, migrated database; the data directory already has its folders. */
function storeOver(options: OpenHistoryStoreOptions, opened: OpenedDatabase): HistoryStore {
  const ctx = new StoreContext({
    executor: opened.executor,
    q: queryBuilder(opened.dialect),
    dataDir: opened.dataDir,
    clock: options.clock ?? (() => new Date()),
    actor: { ...defaultActor(), ...options.actor },
    project: opened.project,
  });
  return new HistoryStore(ctx, join(opened.dataDir, ARTIFACTS_DIR_NAME), opened.migration);
}

/** The data directory with the artifact and snapshot-file folders the store writes into. */
function prepareDataDirectory(dataDir: string): void {
  prepareDirectory(dataDir);
  prepareDirectory(join(dataDir, ARTIFACTS_DIR_NAME));
  prepareDirectory(join(dataDir, SNAPSHOT_FILES_DIR_NAME));
}

function openPostgresStore(options: OpenHistoryStoreOptions): HistoryStore {
  const url = options.url!;
  const project = checkProjectName(options.project ?? LEGACY_PROJECT);
  const dataDir = resolve(options.dataDir);
  let executor: PostgresExecutor | undefined;
  try {
    executor = new PostgresExecutor(url, {
      requestTimeoutMs: options.requestTimeoutMs,
      lockTimeoutMs: options.busyTimeoutMs,
    });
    const migration = migratePostgres(executor);
    // Nothing is written locally before the server said yes: a wrong URL leaves the data directory as it was.
    prepareDataDirectory(dataDir);
    return storeOver(options, { executor, dialect: 'postgres', dataDir, project, migration });
  } catch (error) {
    executor?.close();
    throw translateError(error, redactUrl(url));
  }
}

/**
 * Opens (or creates) `<dataDir>/history.db` and `<dataDir>/artifacts/`, switches the database
 * to WAL with a busy timeout and foreign keys, and migrates it to the newest schema. A file that
 * is not SQLite, another program's database or a newer soulrecall's is refused first, untouched.
 */
export function openHistoryStore(options: OpenHistoryStoreOptions): HistoryStore {
  const backend = historyBackendOf(options.url);
  if (backend === 'postgres') return openPostgresStore(options);
  const dataDir = resolve(options.dataDir);
  const dbPath = join(dataDir, DB_FILE_NAME);
  const migrations = options.migrations ?? MIGRATIONS;
  const project = checkProjectName(options.project ?? LEGACY_PROJECT);
  // A file that is not ours to write (another program's, a newer soulrecall's, not SQLite) is
  // refused before anything is created beside it or SQLite opens it: both would change the
  // data directory of a user who only ran the wrong soulrecall.
  const stamp = readFileStamp(dbPath);
  if (stamp) assertOursToWrite(stamp, dbPath, latestVersion(migrations));
  prepareDataDirectory(dataDir);

  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    // WAL lets readers work while one process writes; FULL sync makes each commit durable.
    // Switching is safe only for files readFileStamp let through: blank or ours (a WAL-mode
    // file whose header lagged is already in WAL, so the switch writes nothing).
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw new HistoryStoreError(
        'STORE_IO',
        `could not switch ${dbPath} to write-ahead logging (journal mode is ${String(mode)})`,
      );
    db.pragma('synchronous = FULL');
    // Index pages of busy agents stay hot for batched writes; memory is only taken as used.
    db.pragma(`cache_size = ${-Math.round((options.cacheSizeMiB ?? 64) * 1024)}`);
    // Schema changes that rebuild keyed tables need foreign keys off (SQLite cannot switch them
    // inside a transaction); each such migration checks them itself before it commits.
    db.pragma('foreign_keys = OFF');
    const migration = migrate(db, dbPath, migrations);
    db.pragma('foreign_keys = ON');
    return storeOver(options, {
      executor: new SqliteExecutor(db, dbPath),
      dialect: 'sqlite',
      dataDir,
      project,
      migration,
    });
  } catch (error) {
    db?.close();
    throw translateError(error, dbPath);
  }
}
