import Database from 'better-sqlite3';
import { expect } from 'chai';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStoreError, openHistoryStore } from '../src/index.js';
import type { StoreContext } from '../src/context.js';
import type { SqliteExecutor } from '../src/db/executor.js';
import { translateError } from '../src/errors.js';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, ensureBuilt, forkWorker, makeTempDir, removeDir, seedCanister, waitForExit } from './helpers.js';

function openError(dataDir: string, options: { busyTimeoutMs?: number } = {}): HistoryStoreError {
  try {
    openHistoryStore({ dataDir, ...options }).close();
  } catch (error) {
    expect(error).to.be.instanceOf(HistoryStoreError);
    return error as HistoryStoreError;
  }
  throw new Error('the store opened');
}

function rawDb(store: HistoryStore): Database.Database {
  return ((store as unknown as { ctx: StoreContext }).ctx.executor as SqliteExecutor).db;
}

describe('failure behaviour', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => {
    chmodSync(dir, 0o700);
    removeDir(dir);
  });

  it('reports a history.db that is not SQLite as STORE_CORRUPT, without overwriting it', () => {
    const garbage = Buffer.from('this is not a database, it is a shopping list\n'.repeat(200));
    writeFileSync(join(dir, 'history.db'), garbage);
    const error = openError(dir);
    expect(error.code).to.equal('STORE_CORRUPT');
    expect(error.message).to.contain(join(dir, 'history.db'));
    expect(error.hint).to.contain('move the file aside');
    expect(readFileSync(join(dir, 'history.db'))).to.deep.equal(garbage);
  });

  it('reports a damaged store as STORE_CORRUPT', () => {
    const store = openHistoryStore({ dataDir: dir });
    seedCanister(store);
    for (let i = 0; i < 300; i++)
      store.promotions.create({
        agent: 'bot',
        fromEnvironment: 'staging',
        toEnvironment: 'production',
        strategy: 'in-place',
        options: { pad: 'x'.repeat(200) },
      });
    rawDb(store).pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const path = join(dir, 'history.db');
    const bytes = readFileSync(path);
    // Keep the header, scribble over every page after the schema page.
    for (let offset = 4096 * 2; offset < bytes.length; offset++) bytes[offset] = (offset * 7) & 0xff;
    writeFileSync(path, bytes);
    let error: unknown;
    try {
      const damaged = openHistoryStore({ dataDir: dir });
      try {
        damaged.promotions.list({ limit: 1000 });
        damaged.audit.list({ limit: 10_000 });
      } finally {
        damaged.close();
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(HistoryStoreError).with.property('code', 'STORE_CORRUPT');
  });

  it('reports a data directory path that is a file, or a history.db that is a directory, as STORE_CANT_OPEN', () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    expect(openError(join(dir, 'plain-file')).code).to.equal('STORE_CANT_OPEN');
    const home = join(dir, 'home');
    mkdirSync(join(home, 'history.db'), { recursive: true });
    expect(openError(home).code).to.equal('STORE_CANT_OPEN');
  });

  describe('read-only data directory (checked as an unprivileged user, since root ignores modes)', function () {
    this.timeout(60_000);
    before(() => ensureBuilt());

    async function openAsNobody(
      dataDir: string,
      probeDir: string,
    ): Promise<{ probeWritable: boolean; uid: number; opened: boolean; code?: string; message?: string }> {
      const worker = forkWorker(
        'open-worker.mjs',
        [dataDir, probeDir],
        process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {},
      );
      const result = new Promise<never>((resolve) => worker.once('message', resolve as never));
      const [message] = await Promise.all([result, waitForExit(worker)]);
      return message;
    }

    it('refuses to write into an existing store it cannot write', async () => {
      chmodSync(dir, 0o755);
      const home = join(dir, 'home');
      const store = openHistoryStore({ dataDir: home });
      store.close();
      for (const name of ['history.db', 'history.db-wal', 'history.db-shm']) {
        try {
          chmodSync(join(home, name), 0o444);
        } catch {
          // The WAL files may already be gone after a clean close.
        }
      }
      chmodSync(join(home, 'artifacts'), 0o555);
      chmodSync(home, 0o555);
      const result = await openAsNobody(home, home);
      // Guard against a vacuous pass: the worker really could not write there.
      expect(result.probeWritable).to.equal(false);
      expect(result.opened).to.equal(false);
      expect(result.code).to.equal('STORE_READ_ONLY');
      expect(result.message).to.contain(home);
    });

    it('reports a read-only history.db in a writable directory when it first writes', async () => {
      chmodSync(dir, 0o755);
      const home = join(dir, 'home');
      openHistoryStore({ dataDir: home }).close();
      chmodSync(home, 0o777);
      chmodSync(join(home, 'artifacts'), 0o777);
      chmodSync(join(home, 'history.db'), 0o444);
      const probeDir = join(dir, 'probe');
      mkdirSync(probeDir, { mode: 0o555 });
      chmodSync(probeDir, 0o555);
      const result = await openAsNobody(home, probeDir);
      expect(result.probeWritable).to.equal(false);
      expect(result.opened).to.equal(false);
      expect(result.code).to.equal('STORE_READ_ONLY');
    });

    it('refuses to create a store under a read-only parent', async () => {
      chmodSync(dir, 0o555);
      const result = await openAsNobody(join(dir, 'new-home'), dir);
      expect(result.probeWritable).to.equal(false);
      expect(result.code).to.equal('STORE_READ_ONLY');
    });
  });

  it('reports a write blocked beyond the busy timeout as STORE_BUSY and loses nothing', () => {
    const store = openHistoryStore({ dataDir: dir, busyTimeoutMs: 50 });
    seedCanister(store);
    const blocker = new Database(join(dir, 'history.db'));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      let error: unknown;
      try {
        store.deployments.begin({
          agent: 'bot',
          environment: 'local',
          canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
          moduleSha256: SHA_A,
          installMode: 'install',
        });
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(HistoryStoreError).with.property('code', 'STORE_BUSY');
      expect((error as HistoryStoreError).hint).to.contain('retry');
      // Readers are not blocked by a writer in WAL mode.
      expect(store.canisters.list()).to.have.length(1);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    const deployment = store.deployments.begin({
      agent: 'bot',
      environment: 'local',
      canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
    expect(deployment.version).to.equal(1);
    store.close();
  });

  it('reports a full database as STORE_FULL and keeps the failed transaction out', () => {
    const store = openHistoryStore({ dataDir: dir });
    seedCanister(store);
    const db = rawDb(store);
    // Cap the file at its current size: the next pages cannot be allocated (SQLITE_FULL).
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let error: unknown;
    let created = 0;
    try {
      for (let i = 0; i < 10_000; i++) {
        store.promotions.create({
          agent: 'bot',
          fromEnvironment: 'staging',
          toEnvironment: 'production',
          strategy: 'in-place',
          steps: ['a', 'b'],
          options: { pad: 'x'.repeat(500) },
        });
        created++;
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(HistoryStoreError).with.property('code', 'STORE_FULL');
    expect((error as HistoryStoreError).hint).to.contain('free some disk space');
    expect(store.promotions.list({ limit: 100_000 })).to.have.length(created);
    expect(store.audit.list({ action: 'promotion.create', limit: 100_000 })).to.have.length(created);
    expect(store.integrityCheck()).to.deep.equal([]);
    store.close();
  });

  it('maps file-system errors to store errors', () => {
    const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect((translateError(enospc, '/x') as HistoryStoreError).code).to.equal('STORE_FULL');
    const erofs = Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    expect((translateError(erofs, '/x') as HistoryStoreError).code).to.equal('STORE_READ_ONLY');
    const bug = new RangeError('a bug');
    expect(translateError(bug, '/x')).to.equal(bug);
  });

  it('reports use after close as STORE_CLOSED', () => {
    const store = openHistoryStore({ dataDir: dir });
    store.close();
    expect(store.isOpen).to.equal(false);
    expect(() => store.canisters.list())
      .to.throw(HistoryStoreError)
      .with.property('code', 'STORE_CLOSED');
  });
});
