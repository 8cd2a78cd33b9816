import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import {
  APPLICATION_ID,
  HistoryStoreError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrate,
  openHistoryStore,
} from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';

function tableNames(db: Database.Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
  ).map((row) => row.name);
}

function indexNames(db: Database.Database): string[] {
  return (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[]
  ).map((row) => row.name);
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
    expect(store.migration).to.deep.equal({
      fromVersion: 0,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: MIGRATIONS.map((m) => m.version),
    });
    store.close();
    const db = new Database(join(dir, 'history.db'));
    expect(db.pragma('user_version', { simple: true })).to.equal(LATEST_SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).to.equal(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(tableNames(db)).to.include.members([
      'agents',
      'environments',
      'canisters',
      'deployments',
      'promotions',
      'promotion_steps',
      'routes',
      'route_changes',
      'artifacts',
      'backups',
      'backup_restores',
      'locks',
      'audit_log',
    ]);
    db.close();
  });

  it('migrates a version-1 database to the latest, keeping its data', () => {
    const path = join(dir, 'history.db');
    const v1 = openHistoryStore({ dataDir: dir, migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.schemaVersion).to.equal(1);
    v1.close();
    const raw = new Database(path);
    // Rows as a version-1 soulrecall wrote them (today's repositories speak the newest schema).
    raw.exec(`INSERT INTO agents VALUES ('bot', 't', 't'); INSERT INTO environments VALUES ('local', NULL, 't', 't');
      INSERT INTO canisters VALUES ('local', 'aaaaa-aa', 'http://127.0.0.1:4943', 'bot', 'primary', 't', NULL);`);
    expect(indexNames(raw)).to.not.include('audit_log_by_agent');
    raw.close();

    const store = openHistoryStore({ dataDir: dir });
    expect(store.migration).to.deep.equal({
      fromVersion: 1,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: MIGRATIONS.slice(1).map((m) => m.version),
    });
    expect(store.canisters.find('aaaaa-aa')).to.have.length(1);
    store.close();
    const db = new Database(path);
    expect(indexNames(db)).to.include.members([
      'audit_log_by_agent',
      'audit_log_by_environment',
      'deployments_by_canister',
      'route_changes_by_target',
    ]);
    db.close();
  });

  it('moves every record of a version-3 store into the project "default", keys and links intact', () => {
    const v3 = openHistoryStore({ dataDir: dir, migrations: MIGRATIONS.slice(0, 3) });
    v3.close();
    const path = join(dir, 'history.db');
    const raw = new Database(path);
    const who = "NULL, 'alice', 'laptop'";
    raw.exec(`
      INSERT INTO agents VALUES ('bot', 't1', 't1'); INSERT INTO environments VALUES ('local', 'http://127.0.0.1:4943', 't1', 't1');
      INSERT INTO environments VALUES ('prod', NULL, 't1', 't1');
      INSERT INTO canisters VALUES ('local', 'aaaaa-aa', 'http://127.0.0.1:4943', 'bot', 'primary', 't1', NULL);
      INSERT INTO promotions (seq, id, agent, from_environment, to_environment, strategy, status, options, by_principal, by_os_user, by_host, created_at, updated_at)
        VALUES (1, 'prm-old', 'bot', 'local', 'prod', 'in-place', 'succeeded', '{}', ${who}, 't2', 't3');
      INSERT INTO promotion_steps VALUES (1, 1, 'install', 'succeeded', 't2', 't3', NULL, NULL);
      INSERT INTO deployments (id, agent, environment, version, canister_id, module_sha256, install_mode, status, promotion_id, by_principal, by_os_user, by_host, started_at)
        VALUES (7, 'bot', 'local', 3, 'aaaaa-aa', '${'a'.repeat(64)}', 'install', 'succeeded', 'prm-old', ${who}, 't2');
      INSERT INTO backups (id, agent, environment, canister_id, snapshot_id, deployment_id, by_principal, by_os_user, by_host, created_at) VALUES ('bak-old', 'bot', 'local', 'aaaaa-aa', '00ff', 7, ${who}, 't2');
      INSERT INTO backup_restores (backup_id, by_principal, by_os_user, by_host, at) VALUES ('bak-old', ${who}, 't4');
      INSERT INTO route_changes (id, agent, environment, to_canister_id, cause, by_principal, by_os_user, by_host, at) VALUES (5, 'bot', 'local', 'aaaaa-aa', 'deploy', ${who}, 't2');
      INSERT INTO routes VALUES ('bot', 'local', 'aaaaa-aa', 5, 't2');
      INSERT INTO locks VALUES ('bot', 'local', 'deploy', 'op-1', 1, 'laptop', 't1', 't1', '2999-01-01T00:00:00.000Z');
      INSERT INTO audit_log (at, action, kind, agent, environment, subject, summary, by_principal, by_os_user, by_host) VALUES ('t2', 'deployment.begin', 'deployment', 'bot', 'local', '7', 'old', ${who});`);
    raw.close();

    const legacy = openHistoryStore({ dataDir: dir });
    expect(legacy.project).to.equal('default');
    expect(legacy.migration.applied).to.deep.equal([4]);
    expect(legacy.integrityCheck()).to.deep.equal([]);
    expect(legacy.projects()).to.deep.equal(['default']);
    expect(legacy.deployments.get(7)).to.include({ version: 3, promotionId: 'prm-old', canisterId: 'aaaaa-aa' });
    expect(legacy.promotions.require('prm-old').steps.map((step) => step.name)).to.deep.equal(['install']);
    expect(legacy.backups.require('bak-old')).to.include({ restoreCount: 1, deploymentId: 7 });
    expect(legacy.routes.get('bot', 'local')).to.include({ canisterId: 'aaaaa-aa', changeId: 5 });
    expect(legacy.locks.get('bot', 'local')).to.include({ operationId: 'op-1' });
    expect(legacy.timeline().map((event) => event.summary)).to.deep.equal(['old']);
    // The next version continues the legacy numbering; the audit log stays append-only.
    expect(
      legacy.deployments.begin({
        agent: 'bot',
        environment: 'local',
        canisterId: 'aaaaa-aa',
        moduleSha256: 'b'.repeat(64),
        installMode: 'upgrade',
      }).version,
    ).to.equal(4);
    legacy.close();

    const other = openHistoryStore({ dataDir: dir, project: 'shop' });
    expect(other.canisters.list()).to.deep.equal([]);
    expect(other.deployments.get(7)).to.equal(null);
    expect(other.promotions.get('prm-old')).to.equal(null);
    expect(other.timeline()).to.deep.equal([]);
    other.close();
    const db = new Database(path);
    expect(() => db.exec('DELETE FROM audit_log')).to.throw(/append-only/);
    expect(db.pragma('foreign_key_check')).to.deep.equal([]);
    db.close();
  });

  it('does nothing when the schema is already current', () => {
    openHistoryStore({ dataDir: dir }).close();
    const store = openHistoryStore({ dataDir: dir });
    expect(store.migration).to.deep.equal({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
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
    expect(storeError.message)
      .to.contain(`schema version ${LATEST_SCHEMA_VERSION + 5}`)
      .and.contain('newer soulrecall');
    expect(storeError.hint).to.contain('upgrade soulrecall');
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).to.equal(LATEST_SCHEMA_VERSION + 5);
    after.close();
  });

  it('rolls a failing migration back completely', () => {
    const broken = [
      ...MIGRATIONS,
      {
        version: LATEST_SCHEMA_VERSION + 1,
        description: 'broken',
        up: (db: Database.Database) => db.exec('CREATE TABLE half_done (x); SELECT * FROM no_such_table'),
      },
    ];
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
    expect(() => openHistoryStore({ dataDir: dir }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'STORE_CORRUPT');
  });
});
