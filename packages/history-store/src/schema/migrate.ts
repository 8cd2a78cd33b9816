import type Database from 'better-sqlite3';
import { HistoryStoreError, translateError } from '../errors.js';
import { APPLICATION_ID, MIGRATIONS, type Migration } from './migrations.js';

export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  applied: number[];
}

function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function tooNew(dbPath: string, found: number, known: number): HistoryStoreError {
  return new HistoryStoreError(
    'STORE_SCHEMA_TOO_NEW',
    `the history store ${dbPath} has schema version ${found}, written by a newer soulrecall; this soulrecall understands up to version ${known} and will not write to it`,
    { hint: 'upgrade soulrecall (npm install -g soulrecall@latest) or point SOULRECALL_HOME at another directory', details: { found, known } },
  );
}

/**
 * Brings the database up to the newest schema in `migrations`. All missing steps run in one
 * BEGIN IMMEDIATE transaction, so concurrent openers serialize and a crash leaves the old
 * version intact. A database newer than this code is refused, never touched.
 */
export function migrate(db: Database.Database, dbPath: string, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  try {
    const seen = schemaVersion(db);
    if (seen > latest) throw tooNew(dbPath, seen, latest);
    if (seen === latest) return { fromVersion: seen, toVersion: seen, applied: [] };

    return db.transaction((): MigrationResult => {
      // Re-read under the write lock: another process may have migrated meanwhile.
      const current = schemaVersion(db);
      if (current > latest) throw tooNew(dbPath, current, latest);
      if (current === 0) assertEmptyOrOurs(db, dbPath);
      const applied: number[] = [];
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
        applied.push(migration.version);
      }
      db.pragma(`application_id = ${APPLICATION_ID}`);
      return { fromVersion: current, toVersion: latest, applied };
    }).immediate();
  } catch (error) {
    throw translateError(error, dbPath);
  }
}

/** A version-0 file with tables in it belongs to some other program: do not write into it. */
function assertEmptyOrOurs(db: Database.Database, dbPath: string): void {
  const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (objects > 0 && applicationId !== APPLICATION_ID) {
    throw new HistoryStoreError('STORE_CORRUPT', `${dbPath} is a SQLite database of another program, not a soulrecall history store`, {
      hint: 'move the file aside or point SOULRECALL_HOME at another directory',
    });
  }
}
