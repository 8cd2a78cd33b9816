import { expect } from 'chai';
import { HistoryStoreError, openHistoryStore, type HistoryStore } from '../src/index.js';
import { LOCAL_URL, makeTempDir, removeDir } from './helpers.js';
import { sharedPostgres, type PostgresServer } from './postgres-server.js';

/** What `promote list` and `history` show, without the numeric row ids a target assigns itself. */
function visible(store: HistoryStore) {
  const promotions = store.promotions.list({ limit: 10_000 }).map((summary) => {
    const { sourceDeploymentId, targetDeploymentId, ...rest } = summary;
    const version = (id: number | null) => (id === null ? null : store.deployments.get(id)?.version);
    return {
      ...rest,
      sourceVersion: version(sourceDeploymentId),
      targetVersion: version(targetDeploymentId),
      steps: store.promotions.require(summary.id).steps,
    };
  });
  const deployments = store.deployments.list({ limit: 10_000 }).map(({ id: _id, ...rest }) => rest);
  const timeline = store.timeline({ limit: 100_000 }).map(({ id: _id, ...rest }) => rest);
  const backups = store.backups.list({ limit: 10_000, includeDeleted: true }).map(({ deploymentId, ...rest }) => ({
    ...rest,
    deploymentVersion: deploymentId === null ? null : store.deployments.get(deploymentId)?.version,
  }));
  return {
    promotions,
    deployments,
    timeline,
    backups,
    canisters: store.canisters.list({ includeDecommissioned: true }),
    routes: store.routes.list().map(({ changeId: _changeId, ...rest }) => rest),
  };
}

/** A project's worth of history: deploys, promotions with journals, a backup with a restore, route switches. */
function writeHistory(store: HistoryStore, promotions: number): void {
  const module = store.artifacts.put(Buffer.from('\0asm\x01\0\0\0 pushed module'));
  for (const [environment, canisterId] of [
    ['local', 'aaaaa-aa'],
    ['prod', 'bbbbb-bb'],
  ] as const)
    store.canisters.record({ canisterId, networkUrl: LOCAL_URL, environment, agent: 'bot' });
  let source = store.deployments.begin({
    agent: 'bot',
    environment: 'local',
    canisterId: 'aaaaa-aa',
    moduleSha256: module.sha256,
    installMode: 'install',
  });
  store.deployments.finish(source.id, { status: 'succeeded' });
  store.routes.set({ agent: 'bot', environment: 'local', canisterId: 'aaaaa-aa', cause: 'deploy' });
  for (let i = 0; i < promotions; i++) {
    const promotion = store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'local',
      toEnvironment: 'prod',
      strategy: 'in-place',
      sourceDeploymentId: source.id,
      steps: ['lock', 'install'],
    });
    store.promotions.start(promotion.id);
    const lock = store.promotions.beginStep(promotion.id, 'lock');
    store.promotions.endStep(promotion.id, lock.index, { status: 'succeeded' });
    const target = store.deployments.begin({
      agent: 'bot',
      environment: 'prod',
      canisterId: 'bbbbb-bb',
      moduleSha256: module.sha256,
      installMode: 'upgrade',
      promotionId: promotion.id,
    });
    if (i % 50 === 0) {
      const backup = store.backups.record({
        environment: 'prod',
        canisterId: 'bbbbb-bb',
        snapshotId: `0${i % 10}`,
        deploymentId: target.id,
        beforeDeployment: true,
      });
      if (i % 100 === 0) store.backups.recordRestore(backup.id, { reason: 'drill' });
    }
    store.deployments.finish(target.id, { status: 'succeeded' });
    store.promotions.update(promotion.id, { targetDeploymentId: target.id });
    if (i % 10 === 0)
      store.routes.set({
        agent: 'bot',
        environment: 'prod',
        canisterId: 'bbbbb-bb',
        cause: 'promotion',
        promotionId: promotion.id,
      });
    store.promotions.succeed(promotion.id);
    source = target;
  }
}

describe('history push: a local history into a shared store', function () {
  this.timeout(300_000);
  let server: PostgresServer;
  const cleanups: (() => void)[] = [];
  const local = (project = 'shop') => {
    const dir = makeTempDir();
    let now = Date.parse('2026-06-01T00:00:00Z');
    const store = openHistoryStore({
      dataDir: dir,
      project,
      clock: () => new Date((now += 1000)),
      actor: { principal: 'laptop-principal' },
    });
    cleanups.push(() => (store.close(), removeDir(dir)));
    return store;
  };
  const shared = (project = 'shop') => {
    const dir = makeTempDir();
    const database = server.createDatabase('push');
    const store = openHistoryStore({ dataDir: dir, url: server.url(database), project });
    cleanups.push(() => (store.close(), server.dropDatabase(database), removeDir(dir)));
    return store;
  };
  before(async () => void (server = await sharedPostgres()));
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('copies 1,000 promotions with their journals, deployments, backups and routes; a second push adds nothing', () => {
    const source = local();
    writeHistory(source, 1000);
    const target = shared();
    const [first] = source.pushTo(target);
    expect(first).to.include({
      project: 'shop',
      promotions: 1000,
      deployments: 1001,
      backups: 20,
      restores: 10,
      modules: 1,
    });
    expect(visible(target)).to.deep.equal(visible(source));
    expect(target.artifacts.has(source.deployments.list({ limit: 1 })[0]!.moduleSha256)).to.equal(true);

    const [second] = source.pushTo(target);
    expect(second).to.deep.equal({
      project: 'shop',
      promotions: 0,
      steps: 0,
      deployments: 0,
      canisters: 0,
      backups: 0,
      restores: 0,
      routeChanges: 0,
      routes: 0,
      auditEntries: 0,
      modules: 0,
      snapshotFiles: 0,
    });
    expect(visible(target)).to.deep.equal(visible(source));
  });

  it('leaves PostgreSQL with planner statistics, so lookups by version use their index at once', () => {
    const source = local();
    writeHistory(source, 50);
    const dir = makeTempDir();
    const database = server.createDatabase('push');
    const target = openHistoryStore({ dataDir: dir, url: server.url(database), project: 'shop' });
    cleanups.push(() => (target.close(), server.dropDatabase(database), removeDir(dir)));
    // A table PostgreSQL has never analyzed has reltuples -1: the planner guesses.
    const estimates = () =>
      server
        .sql<{ reltuples: number }>(
          database,
          "SELECT reltuples FROM pg_class WHERE relname IN ('deployments', 'promotions') ORDER BY relname",
        )
        .map((row) => row.reltuples);
    expect(estimates()).to.deep.equal([-1, -1]);
    source.pushTo(target);
    expect(estimates()).to.deep.equal([51, 50]);
  });

  it('pushes a history with more distinct modules than SQLite binds variables in one statement', () => {
    const source = local();
    const modules = 33_000;
    source.canisters.record({ canisterId: 'aaaaa-aa', networkUrl: LOCAL_URL, environment: 'local', agent: 'bot' });
    // Only the first module's bytes are on this machine; the other records travel without theirs.
    const kept = source.artifacts.put(Buffer.from('\0asm\x01\0\0\0 the one module kept on this machine'));
    source.transaction(() => {
      for (let i = 0; i < modules; i++) {
        source.deployments.begin({
          agent: 'bot',
          environment: 'local',
          canisterId: 'aaaaa-aa',
          moduleSha256: i === 0 ? kept.sha256 : i.toString(16).padStart(64, '0'),
          installMode: 'upgrade',
        });
      }
    });
    const target = local('shop');
    const [pushed] = source.pushTo(target);
    expect(pushed).to.include({ deployments: modules, modules: 1 });
    expect(target.artifacts.info(kept.sha256)?.sha256).to.equal(kept.sha256);
    expect(target.deployments.getByVersion('bot', 'local', modules)?.moduleSha256).to.equal(
      (modules - 1).toString(16).padStart(64, '0'),
    );
  });

  it('pushes into a SQLite store the same way, and leaves other projects of the target alone', () => {
    const source = local();
    writeHistory(source, 20);
    const target = local('blog');
    writeHistory(target, 3);
    const before = visible(target);
    source.pushTo(target, ['shop']);
    expect(visible(target)).to.deep.equal(before);
    expect(visible(target.forProject('shop'))).to.deep.equal(visible(source));
  });

  it('refuses a project the target holds with another history, writing nothing', () => {
    const source = local();
    writeHistory(source, 5);
    const target = shared();
    // Another machine deployed version 1 of bot in local with other bytes.
    const other = target.artifacts.put(Buffer.from('\0asm\x01\0\0\0 another machine'));
    target.canisters.record({ canisterId: 'aaaaa-aa', networkUrl: LOCAL_URL, environment: 'local', agent: 'bot' });
    target.deployments.begin({
      agent: 'bot',
      environment: 'local',
      canisterId: 'aaaaa-aa',
      moduleSha256: other.sha256,
      installMode: 'install',
    });
    const before = visible(target);
    expect(() => source.pushTo(target))
      .to.throw(HistoryStoreError, /already has a different history/)
      .with.property('code', 'CONFLICT');
    expect(visible(target)).to.deep.equal(before);
  });
});
