import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPLICATION_ID, HistoryStoreError, LATEST_SCHEMA_VERSION, openHistoryStore } from '../src/index.js';
import { makeTempDir, removeDir, tempStore } from './helpers.js';

/**
 * Every entry of the data directory with the hash of its bytes (folders as `dir`): equal before and after = untouched.
 */
function snapshot(dir: string): Record<string, string> {
  const digest = (path: string) =>
    statSync(path).isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(path)).digest('hex');
  return Object.fromEntries(readdirSync(dir).map((name) => [name, digest(join(dir, name))]));
}

function sqlite(dir: string, setup: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'history.db'));
  setup(db);
  db.close();
}

const shoppingList =
  "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items (name) VALUES ('milk'), ('eggs');";

interface RefusalCase {
  name: string;
  write(dir: string): void;
  code: 'STORE_SCHEMA_TOO_NEW' | 'STORE_CORRUPT';
  message: RegExp;
}

/**
 * A file soulrecall must not write to is refused before SQLite touches it: not one byte of
 * history.db changes, no -wal/-shm appears, and not even artifacts/ or backups/ are created.
 */
describe('refusing a history.db leaves it untouched', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  const newer = (journalMode: string) => (home: string) => {
    openHistoryStore({ dataDir: home }).close();
    sqlite(home, (db) => {
      db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
      db.pragma(`journal_mode = ${journalMode}`);
    });
  };
  const cases: RefusalCase[] = [
    {
      name: 'a newer schema (WAL, as soulrecall writes it)',
      write: newer('wal'),
      code: 'STORE_SCHEMA_TOO_NEW',
      message: new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1}, written by a newer soulrecall`),
    },
    {
      name: 'a newer schema in rollback-journal mode',
      write: newer('delete'),
      code: 'STORE_SCHEMA_TOO_NEW',
      message: new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1}`),
    },
    {
      name: "another program's database (its own application_id)",
      write: (home) => sqlite(home, (db) => (db.pragma('application_id = 42'), db.exec(shoppingList))),
      code: 'STORE_CORRUPT',
      message: /another program/,
    },
    // A user_version another program uses for itself must not pass for one of our versions.
    {
      name: 'another program\'s database at "our" user_version 2',
      write: (home) =>
        sqlite(home, (db) => (db.pragma('application_id = 42'), db.pragma('user_version = 2'), db.exec(shoppingList))),
      code: 'STORE_CORRUPT',
      message: /another program/,
    },
    {
      name: "another program's database without an application_id",
      write: (home) => sqlite(home, (db) => db.exec(shoppingList)),
      code: 'STORE_CORRUPT',
      message: /another program/,
    },
    {
      name: "another program's empty database with its own application_id",
      write: (home) => sqlite(home, (db) => db.pragma('application_id = 42')),
      code: 'STORE_CORRUPT',
      message: /another program/,
    },
    {
      name: "another program's database in WAL mode",
      write: (home) => sqlite(home, (db) => (db.pragma('journal_mode = WAL'), db.exec(shoppingList))),
      code: 'STORE_CORRUPT',
      message: /another program/,
    },
    {
      name: 'a text file',
      write: (home) => writeFileSync(join(home, 'history.db'), 'not a database\n'.repeat(500)),
      code: 'STORE_CORRUPT',
      message: /is not a SQLite database/,
    },
    {
      name: 'a file of three bytes',
      write: (home) => writeFileSync(join(home, 'history.db'), 'hi\n'),
      code: 'STORE_CORRUPT',
      message: /is not a SQLite database/,
    },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.code}`, () => {
      testCase.write(dir);
      const before = snapshot(dir);
      let error: unknown;
      try {
        openHistoryStore({ dataDir: dir }).close();
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(HistoryStoreError);
      const storeError = error as HistoryStoreError;
      expect(storeError.code).to.equal(testCase.code);
      expect(storeError.message).to.match(testCase.message).and.contain(join(dir, 'history.db'));
      expect(storeError.hint).to.be.a('string');
      expect(snapshot(dir)).to.deep.equal(before);
    });
  }

  it('still creates a store in an empty history.db, and reopens its own', () => {
    writeFileSync(join(dir, 'history.db'), '');
    const store = openHistoryStore({ dataDir: dir });
    expect(store.migration.fromVersion).to.equal(0);
    store.close();
    sqlite(dir, (db) => expect(db.pragma('application_id', { simple: true })).to.equal(APPLICATION_ID));
    expect(openHistoryStore({ dataDir: dir }).migration.applied).to.deep.equal([]);
  });

  it('refuses a limit no query can use as INVALID_ARGUMENT, not a SQLite datatype mismatch', () => {
    const { store, cleanup } = tempStore();
    try {
      for (const limit of [1e20, Number.MAX_SAFE_INTEGER + 2, 0, 1.5, Number.NaN]) {
        expect(() => store.timeline({ limit }), String(limit))
          .to.throw(HistoryStoreError)
          .with.property('code', 'INVALID_ARGUMENT');
        expect(() => store.promotions.list({ limit }), String(limit))
          .to.throw(HistoryStoreError)
          .with.property('code', 'INVALID_ARGUMENT');
      }
      expect(store.timeline({ limit: Number.MAX_SAFE_INTEGER })).to.deep.equal([]);
    } finally {
      cleanup();
    }
  });
});
