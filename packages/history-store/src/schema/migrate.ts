import type Database from 'better-sqlite3';
import { translateError } from '../errors.js';
import { APPLICATION_ID, MIGRATIONS, type Migration } from './migrations.js';
import { assertOursToWrite, connectionStamp } from './stamp.js';

export interface MigrationResult {
  fromVersion: number;
  toVersion: number;
  applied: number[];
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
}

/**
 * Brings the database up to the newest schema in `migrations`. All missing steps run in one
 * BEGIN IMMEDIATE transaction, so concurrent openers serialize and a crash leaves the old
 * version intact. A database newer than this code, or another program's, is refused, never
 * touched.
 */
export function migrate(
  db: Database.Database,
  dbPath: string,
  migrations: readonly Migration[] = MIGRATIONS,
): MigrationResult {
  const latest = latestVersion(migrations);
  try {
    const seen = connectionStamp(db);
    assertOursToWrite(seen, dbPath, latest);
    if (seen.userVersion === latest) return { fromVersion: latest, toVersion: latest, applied: [] };

    return db
      .transaction((): MigrationResult => {
        // Re-read under the write lock: another process may have migrated meanwhile.
        const current = connectionStamp(db);
        assertOursToWrite(current, dbPath, latest);
        const applied: number[] = [];
        for (const migration of migrations) {
          if (migration.version <= current.userVersion) continue;
          migration.up(db);
          db.pragma(`user_version = ${migration.version}`);
          applied.push(migration.version);
        }
        db.pragma(`application_id = ${APPLICATION_ID}`);
        return { fromVersion: current.userVersion, toVersion: latest, applied };
      })
      .immediate();
  } catch (error) {
    throw translateError(error, dbPath);
  }
}
