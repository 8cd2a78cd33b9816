import { expect } from 'chai';
import { HistoryStoreError, openHistoryStore, type HistoryStore } from '../src/index.js';
import { LOCAL_URL, SHA_A, SHA_B, describeBackends } from './helpers.js';

/** Everything one project records for `bot` in `local`: canister, deployments, route, promotion, backup, lock. */
function recordActivity(store: HistoryStore, canisterId: string, module: string) {
  store.canisters.record({ canisterId, networkUrl: LOCAL_URL, environment: 'local', agent: 'bot' });
  store.canisters.record({
    canisterId: `${canisterId}-s`,
    networkUrl: LOCAL_URL,
    environment: 'staging',
    agent: 'bot',
  });
  const first = store.deployments.begin({
    agent: 'bot',
    environment: 'local',
    canisterId,
    moduleSha256: module,
    installMode: 'install',
  });
  store.deployments.finish(first.id, { status: 'succeeded' });
  const second = store.deployments.begin({
    agent: 'bot',
    environment: 'local',
    canisterId,
    moduleSha256: module,
    installMode: 'upgrade',
  });
  store.routes.set({ agent: 'bot', environment: 'local', canisterId, cause: 'deploy' });
  const promotion = store.promotions.create({
    agent: 'bot',
    fromEnvironment: 'local',
    toEnvironment: 'staging',
    strategy: 'in-place',
    steps: ['install'],
  });
  const backup = store.backups.record({
    environment: 'local',
    canisterId,
    snapshotId: '00aa',
    deploymentId: second.id,
  });
  return { first, second, promotion, backup };
}

describeBackends('projects: one store, records that never cross', (tempStore) => {
  let dir: string;
  let shop: HistoryStore;
  let blog: HistoryStore;
  let cleanup: () => void;
  beforeEach(() => {
    ({ store: shop, dir, cleanup } = tempStore({ project: 'shop' }));
    // A second connection to the same store, as a second command would open it.
    blog = openHistoryStore({
      dataDir: dir,
      url: shop.backend === 'postgres' ? shop.location : undefined,
      project: 'blog',
    });
  });
  afterEach(() => {
    blog.close();
    cleanup();
  });

  it('gives the same agent and environment their own versions, routes, promotions, backups and timeline in each project', () => {
    // Local networks reissue the same ids, so both projects may record the same canister id.
    const inShop = recordActivity(shop, 'lxzze-o7777-77777-aaaaa-cai', SHA_A);
    const inBlog = recordActivity(blog, 'lxzze-o7777-77777-aaaaa-cai', SHA_B);
    expect([inShop.first.version, inShop.second.version]).to.deep.equal([1, 2]);
    expect([inBlog.first.version, inBlog.second.version]).to.deep.equal([1, 2]);

    expect(shop.canisters.list().map((c) => c.deployedVersion)).to.deep.equal([1, null]);
    expect(shop.deployments.list().map((d) => d.moduleSha256)).to.deep.equal([SHA_A, SHA_A]);
    expect(blog.deployments.list().map((d) => d.moduleSha256)).to.deep.equal([SHA_B, SHA_B]);
    expect(shop.deployments.get(inBlog.first.id)).to.equal(null);
    expect(shop.deployments.getByVersion('bot', 'local', 1)?.id).to.equal(inShop.first.id);
    expect(shop.promotions.get(inBlog.promotion.id)).to.equal(null);
    expect(shop.promotions.list().map((p) => p.id)).to.deep.equal([inShop.promotion.id]);
    expect(shop.backups.get(inBlog.backup.id)).to.equal(null);
    expect(shop.backups.list().map((b) => b.id)).to.deep.equal([inShop.backup.id]);
    expect(shop.routes.list()).to.have.length(1);
    expect(
      shop.routes.history().every((change) => blog.routes.history().every((other) => other.id !== change.id)),
    ).to.equal(true);
    const shopEvents = shop.timeline({ limit: 1000 }).map((event) => event.id);
    const blogEvents = blog.timeline({ limit: 1000 }).map((event) => event.id);
    expect(shopEvents).to.not.be.empty;
    expect(shopEvents.filter((id) => blogEvents.includes(id))).to.deep.equal([]);
    expect(shop.audit.list({ limit: 1000 }).every((entry) => !blogEvents.includes(entry.id))).to.equal(true);
    expect(shop.catalog.environments().map((e) => e.name)).to.deep.equal(['local', 'staging']);
    expect(shop.projects()).to.deep.equal(['blog', 'shop']);
  });

  it("refuses a deployment, route or backup that names another project's promotion, deployment or canister", () => {
    const inBlog = recordActivity(blog, 'aaaaa-aa', SHA_B);
    shop.canisters.record({ canisterId: 'bbbbb-bb', networkUrl: LOCAL_URL, environment: 'local', agent: 'bot' });
    const cases: { name: string; run: () => unknown; code: string }[] = [
      {
        name: 'deployment of a canister only blog has',
        run: () =>
          shop.deployments.begin({
            agent: 'bot',
            environment: 'local',
            canisterId: 'aaaaa-aa',
            moduleSha256: SHA_A,
            installMode: 'install',
          }),
        code: 'NOT_FOUND',
      },
      {
        name: "deployment in blog's promotion",
        run: () =>
          shop.deployments.begin({
            agent: 'bot',
            environment: 'local',
            canisterId: 'bbbbb-bb',
            moduleSha256: SHA_A,
            installMode: 'install',
            promotionId: inBlog.promotion.id,
          }),
        code: 'NOT_FOUND',
      },
      {
        name: "route to blog's canister",
        run: () => shop.routes.set({ agent: 'bot', environment: 'local', canisterId: 'aaaaa-aa', cause: 'manual' }),
        code: 'NOT_FOUND',
      },
      {
        name: "backup linked to blog's deployment",
        run: () =>
          shop.backups.record({
            environment: 'local',
            canisterId: 'bbbbb-bb',
            snapshotId: '01',
            deploymentId: inBlog.first.id,
          }),
        code: 'NOT_FOUND',
      },
      {
        name: "step of blog's promotion",
        run: () => shop.promotions.beginStep(inBlog.promotion.id, 'install'),
        code: 'NOT_FOUND',
      },
      { name: "restore of blog's backup", run: () => shop.backups.recordRestore(inBlog.backup.id), code: 'NOT_FOUND' },
    ];
    for (const testCase of cases) {
      expect(testCase.run, testCase.name).to.throw(HistoryStoreError).with.property('code', testCase.code);
    }
    expect(blog.promotions.require(inBlog.promotion.id).steps[0]!.status).to.equal('pending');
  });

  it('holds one lock per project, agent and environment', () => {
    const shopLease = shop.locks.acquire({
      agent: 'bot',
      environment: 'prod',
      operation: 'promotion',
      operationId: 'prm-shop',
    });
    const blogLease = blog.locks.acquire({
      agent: 'bot',
      environment: 'prod',
      operation: 'promotion',
      operationId: 'prm-blog',
    });
    expect(shop.locks.list().map((lease) => lease.operationId)).to.deep.equal(['prm-shop']);
    expect(() => shop.locks.acquire({ agent: 'bot', environment: 'prod', operation: 'deploy', operationId: 'dep-2' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'LOCK_HELD');
    expect(blog.locks.release(blogLease)).to.equal(true);
    expect(shop.locks.get('bot', 'prod')?.operationId).to.equal(shopLease.operationId);
  });

  it('sees another project through forProject() on the same connection and transaction', () => {
    recordActivity(blog, 'aaaaa-aa', SHA_B);
    const view = shop.forProject('blog');
    expect(view.project).to.equal('blog');
    expect(view.deployments.list()).to.have.length(2);
    expect(shop.forProject('shop')).to.equal(shop);
    expect(() =>
      shop.transaction(() => {
        shop.forProject('blog').audit.note({ action: 'test.note', summary: 'inside' });
        throw new Error('roll back');
      }),
    ).to.throw('roll back');
    expect(blog.audit.list({ action: 'test.note' })).to.deep.equal([]);
  });

  it('refuses a project name that is not lower-case letters, digits, ".", "_" or "-"', () => {
    for (const name of ['', 'Shop', 'my shop', '-shop', 'a/b', 'x'.repeat(65)]) {
      expect(() => openHistoryStore({ dataDir: dir, project: name }), JSON.stringify(name))
        .to.throw(HistoryStoreError)
        .with.property('code', 'INVALID_ARGUMENT');
      expect(() => shop.forProject(name))
        .to.throw(HistoryStoreError)
        .with.property('code', 'INVALID_ARGUMENT');
    }
  });
});
