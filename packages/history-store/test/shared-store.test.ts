import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStoreError, openHistoryStore, sha256Hex, type HistoryStore } from '../src/index.js';
import {
  LOCAL_URL,
  LineReader,
  SHA_A,
  ensureBuilt,
  forkWorker,
  makeTempDir,
  removeDir,
  waitForExit,
} from './helpers.js';
import { PostgresExecutor } from '../src/db/postgres.js';
import { migratePostgres } from '../src/schema/postgres.js';
import { PASSWORD_ROLE, sharedPostgres, type PostgresServer } from './postgres-server.js';

/** Two machines (two data directories) and one PostgreSQL store. */
describe('a shared PostgreSQL store', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let database: string;
  let dirs: string[];
  let stores: HistoryStore[];
  const machine = (project = 'shop') => {
    const dir = makeTempDir();
    dirs.push(dir);
    const store = openHistoryStore({ dataDir: dir, url: server.url(database), project });
    stores.push(store);
    return { dir, store };
  };

  before(async () => void (server = await sharedPostgres()));
  beforeEach(() => {
    database = server.createDatabase('shared');
    dirs = [];
    stores = [];
  });
  afterEach(() => {
    for (const store of stores) store.close();
    server.dropDatabase(database);
    for (const dir of dirs) removeDir(dir);
  });

  it("gives a second machine the first one's modules, snapshot files, promotions and routes", () => {
    const a = machine();
    const b = machine();
    const module = Buffer.from('\0asm\x01\0\0\0 module bytes of version 1');
    const artifact = a.store.artifacts.put(module);
    const snapshot = a.store.snapshotFiles.put(Buffer.from('a snapshot file, taken on machine A'));
    a.store.canisters.record({ canisterId: 'aaaaa-aa', networkUrl: LOCAL_URL, environment: 'local', agent: 'bot' });
    a.store.routes.set({ agent: 'bot', environment: 'local', canisterId: 'aaaaa-aa', cause: 'deploy' });
    const promotion = a.store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'local',
      toEnvironment: 'prod',
      strategy: 'in-place',
    });

    expect(existsSync(b.store.artifacts.pathOf(artifact.sha256))).to.equal(false);
    expect(b.store.artifacts.has(artifact.sha256)).to.equal(true);
    expect(sha256Hex(b.store.artifacts.get(artifact.sha256))).to.equal(artifact.sha256);
    expect(readdirSync(join(b.dir, 'artifacts'))).to.deep.equal([`${artifact.sha256}.wasm`]);
    expect(b.store.snapshotFiles.has(snapshot.sha256)).to.equal(true);
    expect(b.store.snapshotFiles.read(snapshot.sha256).toString()).to.equal('a snapshot file, taken on machine A');
    expect(b.store.promotions.require(promotion.id).agent).to.equal('bot');
    expect(b.store.routes.get('bot', 'local')?.canisterId).to.equal('aaaaa-aa');
    // Stored once, however many machines put the same bytes.
    b.store.artifacts.put(module);
    expect(server.sql<{ n: number }>(database, 'SELECT count(*) AS n FROM blobs')[0]!.n).to.equal(2);
    expect(b.store.artifacts.has(SHA_A)).to.equal(false);
  });

  it('adopts a new store that another machine created between its first two catalog reads, instead of calling it foreign', () => {
    // The race seen in CI with 8 processes opening one empty database: this machine saw no marker
    // table, then another machine committed the whole schema, then this machine counted tables.
    const executor = new PostgresExecutor(server.url(database));
    const other = new PostgresExecutor(server.url(database));
    let raced = false;
    const exec = executor.exec.bind(executor);
    executor.exec = <R>(sql: string, params?: readonly unknown[]): R[] => {
      if (!raced && sql.includes('information_schema.tables')) {
        raced = true;
        migratePostgres(other);
      }
      return exec<R>(sql, params);
    };
    try {
      const result = migratePostgres(executor);
      expect(raced).to.equal(true);
      expect(result.applied).to.deep.equal([]);
      expect(result.toVersion).to.be.greaterThan(0);
    } finally {
      executor.close();
      other.close();
    }
  });

  it('adopts a new store that another machine created while this one waited for the write lock', async () => {
    // This connection has looked for the marker (none) and is blocked on the write lock while
    // another machine creates the schema and commits: under the lock it must find that schema.
    ensureBuilt();
    const holder = forkWorker('migrate-while-holding-lock.mjs', [server.url(database)]);
    const lines = new LineReader(holder);
    await lines.next((line) => line === 'holding');
    const executor = new PostgresExecutor(server.url(database));
    try {
      const result = migratePostgres(executor);
      expect(result.applied).to.deep.equal([]);
      expect(result.toVersion).to.be.greaterThan(0);
    } finally {
      executor.close();
    }
    await lines.next((line) => line === 'committed');
    expect((await waitForExit(holder)).code).to.equal(0);
  });

  it("makes a writer that waits on another machine's transaction past the busy timeout fail with STORE_BUSY, losing nothing", () => {
    const a = machine();
    const dir = makeTempDir();
    dirs.push(dir);
    const b = openHistoryStore({ dataDir: dir, url: server.url(database), project: 'shop', busyTimeoutMs: 150 });
    stores.push(b);
    let waited: unknown;
    a.store.transaction(() => {
      a.store.promotions.create({
        agent: 'bot',
        fromEnvironment: 'local',
        toEnvironment: 'prod',
        strategy: 'in-place',
      });
      // B's connection queues behind A's write lock until its lock_timeout.
      try {
        b.promotions.create({ agent: 'bot', fromEnvironment: 'local', toEnvironment: 'prod', strategy: 'blue-green' });
      } catch (error) {
        waited = error;
      }
    });
    expect(waited).to.be.instanceOf(HistoryStoreError).with.property('code', 'STORE_BUSY');
    expect((waited as HistoryStoreError).hint).to.be.a('string').and.not.empty;
    expect(b.promotions.list({ agent: 'bot' }).map((p) => p.strategy)).to.deep.equal(['in-place']);
    // Nothing stays stuck: B writes once A is done.
    b.promotions.create({ agent: 'bot', fromEnvironment: 'local', toEnvironment: 'prod', strategy: 'blue-green' });
    expect(a.store.promotions.list({ agent: 'bot' })).to.have.length(2);
  });

  it('holds one lease per agent and environment across machines, naming the holder', () => {
    const a = machine();
    const b = machine();
    a.store.locks.acquire({ agent: 'bot', environment: 'prod', operation: 'promotion', operationId: 'prm-aaaaaa' });
    const refused = (() => {
      try {
        b.store.locks.acquire({ agent: 'bot', environment: 'prod', operation: 'promotion', operationId: 'prm-bbbbbb' });
      } catch (error) {
        return error as HistoryStoreError;
      }
      throw new Error('machine B took a held lock');
    })();
    expect(refused.code).to.equal('LOCK_HELD');
    expect(refused.message).to.include('promotion prm-aaaaaa').and.include(`pid ${process.pid}`);
    expect(
      machine('blog').store.locks.acquire({
        agent: 'bot',
        environment: 'prod',
        operation: 'deploy',
        operationId: 'dep-1',
      }).operationId,
    ).to.equal('dep-1');
  });

  it('lets a lease whose holder died on another machine go only when it expires, then audits the takeover', () => {
    const a = machine();
    const lease = a.store.locks.acquire({
      agent: 'bot',
      environment: 'prod',
      operation: 'promotion',
      operationId: 'prm-aaaaaa',
      ttlMs: 30_000,
    });
    // As if a CI runner (another host, a pid that no longer exists there) held it.
    server.sql(database, "UPDATE locks SET host = 'ci-runner-7', pid = 999999");
    const dir = makeTempDir();
    dirs.push(dir);
    const at = (ms: number) =>
      openHistoryStore({
        dataDir: dir,
        url: server.url(database),
        project: 'shop',
        clock: () => new Date(Date.parse(lease.acquiredAt) + ms),
      });
    const before = at(29_000);
    stores.push(before);
    // A pid on another host cannot be checked from here: only the expiry frees the lease.
    expect(() =>
      before.locks.acquire({ agent: 'bot', environment: 'prod', operation: 'promotion', operationId: 'prm-bbbbbb' }),
    )
      .to.throw(HistoryStoreError, /pid 999999 on host ci-runner-7/)
      .with.property('code', 'LOCK_HELD');
    const after = at(30_001);
    stores.push(after);
    expect(
      after.locks.acquire({ agent: 'bot', environment: 'prod', operation: 'promotion', operationId: 'prm-bbbbbb' })
        .operationId,
    ).to.equal('prm-bbbbbb');
    const [takeover] = a.store.audit.list({ action: 'lock.takeover' });
    expect(takeover?.summary).to.include('from promotion prm-aaaaaa (expired)');
    expect(() => a.store.locks.renew(lease))
      .to.throw(HistoryStoreError)
      .with.property('code', 'LOCK_LOST');
  });

  describe('bad stores: one sentence, a hint, a code (exit 11), nothing written', () => {
    const cases: { name: string; url: () => string; code: string; message: RegExp; setUp?: () => void }[] = [
      {
        name: 'nothing listening',
        url: () => 'postgres://postgres@127.0.0.1:1/soulrecall',
        code: 'STORE_UNREACHABLE',
        message: /cannot be reached/,
      },
      {
        name: 'a host that does not resolve',
        url: () => 'postgres://postgres@no-such-host.invalid:5432/soulrecall',
        code: 'STORE_UNREACHABLE',
        message: /cannot be reached/,
      },
      {
        name: 'a wrong password',
        url: () => `postgres://${PASSWORD_ROLE}:wrong@127.0.0.1:${server.port}/${database}`,
        code: 'STORE_AUTH',
        message: /refused the login/,
        setUp: () =>
          server.sql(
            'postgres',
            `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PASSWORD_ROLE}') THEN CREATE ROLE ${PASSWORD_ROLE} LOGIN PASSWORD 'right'; END IF; END $$`,
          ),
      },
      {
        name: 'a database that does not exist',
        url: () => server.url('no_such_database'),
        code: 'STORE_CANT_OPEN',
        message: /does not exist/,
      },
      {
        name: "another program's database",
        url: () => server.url(database),
        code: 'STORE_FOREIGN',
        message: /belongs to another program/,
        setUp: () => server.sql(database, 'CREATE TABLE shopping (item text)'),
      },
      {
        name: 'a newer soulrecall schema',
        url: () => server.url(database),
        code: 'STORE_SCHEMA_TOO_NEW',
        message: /schema version 99, written by a newer soulrecall/,
        setUp: () => {
          openHistoryStore({ dataDir: makeTempDir(), url: server.url(database) }).close();
          server.sql(database, 'UPDATE soulrecall_schema SET version = 99');
        },
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, () => {
        testCase.setUp?.();
        const tables = () =>
          server
            .sql<{ name: string }>(
              database,
              "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            )
            .map((row) => row.name);
        const before = tables();
        const dir = join(makeTempDir(), 'home');
        let error: unknown;
        try {
          openHistoryStore({ dataDir: dir, url: testCase.url(), requestTimeoutMs: 10_000 }).close();
        } catch (caught) {
          error = caught;
        }
        expect(error).to.be.instanceOf(HistoryStoreError);
        const storeError = error as HistoryStoreError;
        expect(storeError.code).to.equal(testCase.code);
        expect(storeError.message).to.match(testCase.message).and.not.include('wrong');
        expect(storeError.hint).to.be.a('string').and.not.empty;
        expect(tables()).to.deep.equal(before);
        expect(existsSync(dir)).to.equal(false);
      });
    }
  });
});
