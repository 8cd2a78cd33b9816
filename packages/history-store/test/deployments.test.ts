import { expect } from 'chai';
import { HistoryStoreError } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, SHA_B, seedCanister, describeBackends } from './helpers.js';

describeBackends('deployments', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  const canisterId = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
  const begin = (moduleSha256 = SHA_A, environment = 'local') =>
    store.deployments.begin({ agent: 'bot', environment, canisterId, moduleSha256, installMode: 'upgrade' });

  beforeEach(() => {
    ({ store, cleanup } = tempStore({ actor: { principal: 'deployer-principal' } }));
    seedCanister(store, canisterId, 'local');
    seedCanister(store, canisterId, 'staging');
  });
  afterEach(() => cleanup());

  it('begins a pending deployment with the next version and who ran it', () => {
    const deployment = begin();
    expect(deployment).to.include({
      agent: 'bot',
      environment: 'local',
      version: 1,
      canisterId,
      moduleSha256: SHA_A,
      installMode: 'upgrade',
      status: 'pending',
      finishedAt: null,
      error: null,
      snapshotBackupId: null,
      promotionId: null,
    });
    expect(deployment.by.principal).to.equal('deployer-principal');
    expect(deployment.by.osUser).to.be.a('string').and.not.empty;
    expect(deployment.by.host).to.be.a('string').and.not.empty;
  });

  it('numbers versions per agent and environment, counting failed ones', () => {
    expect([begin().version, begin().version, begin().version]).to.deep.equal([1, 2, 3]);
    expect(begin(SHA_A, 'staging').version).to.equal(1);
  });

  it('finishes as succeeded or failed, once', () => {
    const ok = store.deployments.finish(begin().id, { status: 'succeeded' });
    expect(ok.status).to.equal('succeeded');
    expect(ok.finishedAt).to.be.a('string');
    const bad = store.deployments.finish(begin().id, { status: 'failed', error: 'canister trapped' });
    expect(bad).to.include({ status: 'failed', error: 'canister trapped' });
    expect(() => store.deployments.finish(ok.id, { status: 'failed' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
    expect(() => store.deployments.finish(9999, { status: 'failed' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });

  it('validates its input', () => {
    expect(() => begin('nothex'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() =>
      store.deployments.begin({
        agent: 'bot',
        environment: 'local',
        canisterId,
        moduleSha256: SHA_A,
        installMode: 'yolo' as never,
      }),
    ).to.throw(/installMode/);
    expect(() =>
      store.deployments.begin({
        agent: 'bot',
        environment: 'production',
        canisterId,
        moduleSha256: SHA_A,
        installMode: 'install',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(() =>
      store.deployments.begin({
        agent: 'other',
        environment: 'local',
        canisterId,
        moduleSha256: SHA_A,
        installMode: 'install',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() =>
      store.deployments.begin({
        agent: 'bot',
        environment: 'local',
        canisterId,
        moduleSha256: SHA_A,
        installMode: 'install',
        promotionId: 'prm-zzzzzz',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(store.deployments.list()).to.have.length(0);
  });

  it('gets by id and by version; lists newest first with filters', () => {
    const one = store.deployments.finish(begin(SHA_A).id, { status: 'succeeded' });
    const two = store.deployments.finish(begin(SHA_B).id, { status: 'failed' });
    const three = begin(SHA_B, 'staging');
    expect(store.deployments.get(one.id)).to.deep.equal(one);
    expect(store.deployments.get(12345)).to.equal(null);
    expect(store.deployments.require(one.id)).to.deep.equal(one);
    expect(() => store.deployments.require(12345))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(store.deployments.getByVersion('bot', 'local', 2)).to.deep.equal(two);
    expect(store.deployments.getByVersion('bot', 'local', 3)).to.equal(null);
    expect(store.deployments.list().map((d) => d.id)).to.deep.equal([three.id, two.id, one.id]);
    expect(store.deployments.list({ agent: 'bot', environment: 'local' }).map((d) => d.version)).to.deep.equal([2, 1]);
    expect(store.deployments.list({ status: 'failed' }).map((d) => d.id)).to.deep.equal([two.id]);
    expect(store.deployments.list({ canisterId, limit: 1 })).to.have.length(1);
    expect(store.deployments.latest({ agent: 'bot', environment: 'local', status: 'succeeded' })?.id).to.equal(one.id);
    expect(() => store.deployments.list({ limit: 0 }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('finds the previous successful deployment for a rollback', () => {
    const v1 = store.deployments.finish(begin().id, { status: 'succeeded' });
    store.deployments.finish(begin().id, { status: 'failed' });
    const v3 = store.deployments.finish(begin().id, { status: 'succeeded' });
    expect(
      store.deployments.previousSuccessful({ agent: 'bot', environment: 'local', beforeVersion: v3.version })?.id,
    ).to.equal(v1.id);
    expect(
      store.deployments.previousSuccessful({ agent: 'bot', environment: 'local', beforeVersion: v1.version }),
    ).to.equal(null);
    expect(() => store.deployments.list({ beforeVersion: 2 })).to.throw(/needs agent and environment/);
  });

  it('marks a succeeded deployment rolled back, as a rollback on the timeline', () => {
    const v1 = store.deployments.finish(begin().id, { status: 'succeeded' });
    const rolled = store.deployments.markRolledBack(v1.id, 'health check failed');
    expect(rolled.status).to.equal('rolled-back');
    expect(() => store.deployments.markRolledBack(v1.id))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
    const event = store.timeline({ kinds: ['rollback'] })[0]!;
    expect(event).to.include({
      action: 'deployment.rolled-back',
      agent: 'bot',
      environment: 'local',
      subject: String(v1.id),
    });
    expect(event.summary).to.contain('health check failed');
  });

  it('links the snapshot taken before it', () => {
    const deployment = begin();
    const backup = store.backups.record({
      environment: 'local',
      canisterId,
      snapshotId: '00ff01',
      deploymentId: deployment.id,
      beforeDeployment: true,
      reason: 'pre-deploy',
    });
    expect(store.deployments.get(deployment.id)).to.include({ snapshotBackupId: backup.id, snapshotId: '00ff01' });
  });

  it('audits begin and finish in the same transaction as the change', () => {
    const deployment = begin();
    store.deployments.finish(deployment.id, { status: 'succeeded' });
    const entries = store.audit.list({ subject: String(deployment.id) });
    expect(entries.map((e) => e.action)).to.deep.equal(['deployment.succeeded', 'deployment.begin']);
    expect(entries[1]!.detail).to.include({ version: 1, moduleSha256: SHA_A });
    expect(entries[1]!.by.principal).to.equal('deployer-principal');
  });
});
