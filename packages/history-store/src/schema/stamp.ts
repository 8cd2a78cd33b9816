import type Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { HistoryStoreError, translateError } from '../errors.js';
import { APPLICATION_ID } from './migrations.js';

/** What a database file says about who wrote it. */
export interface DatabaseStamp {
  /** `PRAGMA user_version`: the schema version soulrecall recorded. */
  userVersion: number;
  /** `PRAGMA application_id`: ours is APPLICATION_ID. */
  applicationId: number;
  /** Whether it holds any table, index, view or trigger. */
  hasSchema: boolean;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
// https://www.sqlite.org/fileformat.html: the 100-byte database header, then page 1's b-tree
// header, which holds the schema table (sqlite_schema).
const USER_VERSION_OFFSET = 60;
const APPLICATION_ID_OFFSET = 68;
const SCHEMA_PAGE_TYPE_OFFSET = 100;
const SCHEMA_CELL_COUNT_OFFSET = 103;
const HEADER_BYTES = 105;
const LEAF_TABLE_PAGE = 0x0d;

/**
 * The stamp of `dbPath` read from the file itself, before SQLite opens it: opening is not
 * free (switching a rollback-journal file to WAL rewrites its header, reading a WAL file
 * creates -wal and -shm files beside it), so a file soulrecall will refuse is refused without
 * it. `null` when there is no file yet, or no header yet.
 *
 * The header of a WAL-mode file may lag behind its -wal file. That only hides news (a
 * migration not checkpointed yet), and `migrate` checks again through SQLite, under the lock.
 */
export function readFileStamp(dbPath: string): DatabaseStamp | null {
  const header = Buffer.alloc(HEADER_BYTES);
  let length: number;
  try {
    const fd = openSync(dbPath, 'r');
    try {
      length = readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw translateError(error, dbPath);
  }
  const magic = header.subarray(0, Math.min(length, SQLITE_MAGIC.length));
  if (!magic.equals(SQLITE_MAGIC.subarray(0, magic.length))) {
    throw new HistoryStoreError('STORE_CORRUPT', `the history store ${dbPath} is not a SQLite database`, {
      hint: 'move the file aside (soulrecall will create a new one) and restore it from a copy if you have one',
    });
  }
  // Empty: a store to create. Shorter than a header but SQLite so far: another process is
  // creating it right now; SQLite itself judges it once it is opened.
  if (length < HEADER_BYTES) return null;
  return {
    userVersion: header.readInt32BE(USER_VERSION_OFFSET),
    applicationId: header.readInt32BE(APPLICATION_ID_OFFSET),
    hasSchema: header[SCHEMA_PAGE_TYPE_OFFSET] !== LEAF_TABLE_PAGE || header.readUInt16BE(SCHEMA_CELL_COUNT_OFFSET) > 0,
  };
}

/** The same stamp through an open connection (it sees the -wal file too). */
export function connectionStamp(db: Database.Database): DatabaseStamp {
  return {
    userVersion: db.pragma('user_version', { simple: true }) as number,
    applicationId: db.pragma('application_id', { simple: true }) as number,
    hasSchema: db.prepare('SELECT EXISTS (SELECT 1 FROM sqlite_master) AS found').pluck().get() === 1,
  };
}

/**
 * Refuses a database soulrecall must not write to. Ours carry APPLICATION_ID (set by the first
 * migration, in the same transaction as the tables); a file without it is ours to create only
 * while it is blank. Another program's database is refused whatever its user_version says.
 */
export function assertOursToWrite(stamp: DatabaseStamp, dbPath: string, latestVersion: number): void {
  const blank = stamp.applicationId === 0 && stamp.userVersion === 0 && !stamp.hasSchema;
  if (stamp.applicationId !== APPLICATION_ID && !blank) {
    throw new HistoryStoreError(
      'STORE_CORRUPT',
      `${dbPath} is a SQLite database of another program, not a soulrecall history store`,
      {
        hint: 'move the file aside or point SOULRECALL_HOME at another directory',
        details: { applicationId: stamp.applicationId },
      },
    );
  }
  if (stamp.userVersion > latestVersion) {
    throw new HistoryStoreError(
      'STORE_SCHEMA_TOO_NEW',
      `the history store ${dbPath} has schema version ${stamp.userVersion}, written by a newer soulrecall; this soulrecall understands up to version ${latestVersion} and will not write to it`,
      {
        hint: 'upgrade soulrecall (npm install -g soulrecall@latest) or point SOULRECALL_HOME at another directory',
        details: { found: stamp.userVersion, known: latestVersion },
      },
    );
  }
}
