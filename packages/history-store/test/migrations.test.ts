import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { APPLICATION_ID, HistoryStoreError, LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, openHistoryStore } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';

function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
}

function indexNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
}

describe('schema migrations', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('is a list of consecutive versions starting at 1', () => {
    expect(MIGRATIONS.map((m) => m.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).to.equal(MIGRATIONS.length);
  });

  it('creates every table from an empty file, in WAL mode with foreign keys', () => {
    const store = openHistoryStore({ dataDir: dir });
    expect(store.migration).to.deep.equal({ fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) });
    store.close();
    const db = new Database(join(dir, 'history.db'));
    expect(db.pragma('user_version', { simple: true })).to.equal(LATEST_SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).to.equal(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(tableNames(db)).to.include.members([
      'agents', 'environments', 'canisters', 'deployments', 'promotions', 'promotion_steps', 'routes', 'route_changes',
      'artifacts', 'backups', 'backup_restores', 'locks', 'audit_log',
    ]);
    db.close();
  });

  it('migrates a version-1 database to the latest, keeping its data', () => {
    const path = join(dir, 'history.db');
    const v1 = openHistoryStore({ dataDir: dir, migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.schemaVersion).to.equal(1);
    v1.canisters.record({ canisterId: 'aaaaa-aa', networkUrl: 'http://127.0.0.1:4943', environment: 'local', agent: 'bot' });
    v1.close();
    const raw = new Database(path);
    expect(indexNames(raw)).to.not.include('audit_log_by_agent');
    raw.close();

    const store = openHistoryStore({ dataDir: dir });
    expect(store.migration).to.deep.equal({ fromVersion: 1, toVersion: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.slice(1).map((m) => m.version) });
    expect(store.canisters.find('aaaaa-aa')).to.have.length(1);
    store.close();
    const db = new Database(path);
    expect(indexNames(db)).to.include.members(['audit_log_by_agent', 'audit_log_by_environment', 'deployments_by_canister', 'route_changes_by_target']);
    db.close();
  });

  it('does nothing when the schema is already current', () => {
    openHistoryStore({ dataDir: dir }).close();
    const store = openHistoryStore({ dataDir: dir });
    expect(store.migration).to.deep.equal({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });
    store.close();
  });

  it('refuses a schema newer than it knows, without touching it', () => {
    openHistoryStore({ dataDir: dir }).close();
    const path = join(dir, 'history.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();
    let error: unknown;
    try {
      openHistoryStore({ dataDir: dir });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(HistoryStoreError);
    const storeError = error as HistoryStoreError;
    expect(storeError.code).to.equal('STORE_SCHEMA_TOO_NEW');
    expect(storeError.message).to.contain(`schema version ${LATEST_SCHEMA_VERSION + 5}`).and.contain('newer soulrecall');
    expect(storeError.hint).to.contain('upgrade soulrecall');
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).to.equal(LATEST_SCHEMA_VERSION + 5);
    after.close();
  });

  it('rolls a failing migration back completely', () => {
    const broken = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, description: 'broken', up: (db: Database.Database) => db.exec('CREATE TABLE half_done (x); SELECT * FROM no_such_table') }];
    openHistoryStore({ dataDir: dir }).close();
    const db = new Database(join(dir, 'history.db'));
    expect(() => migrate(db, 'test.db', broken)).to.throw(/no_such_table/);
    expect(db.pragma('user_version', { simple: true })).to.equal(LATEST_SCHEMA_VERSION);
    expect(tableNames(db)).to.not.include('half_done');
    db.close();
  });

  it('refuses to adopt a SQLite database of another program', () => {
    const raw = new Database(join(dir, 'history.db'));
    raw.exec('CREATE TABLE someone_elses (x)');
    raw.close();
    expect(() => openHistoryStore({ dataDir: dir })).to.throw(HistoryStoreError).with.property('code', 'STORE_CORRUPT');
  });
});
