import { expect } from 'chai';
import { HistoryStoreError, SHORT_ID_ALPHABET } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, seedCanister, describeBackends } from './helpers.js';

describeBackends('backups', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  beforeEach(() => {
    ({ store, cleanup } = tempStore({ actor: { principal: 'ops' } }));
    seedCanister(store, 'c1', 'production');
    seedCanister(store, 'c2', 'production');
  });
  afterEach(() => cleanup());

  it('records a snapshot of a canister with who, when and why', () => {
    const backup = store.backups.record({
      environment: 'production',
      canisterId: 'c1',
      snapshotId: '0000000000000000FFFF01',
      reason: 'manual',
    });
    expect(backup.id).to.match(new RegExp(`^bak-[${SHORT_ID_ALPHABET}]{6}$`));
    expect(backup).to.include({
      agent: 'bot',
      environment: 'production',
      canisterId: 'c1',
      snapshotId: '0000000000000000ffff01',
      reason: 'manual',
      deploymentId: null,
      deletedAt: null,
      restoreCount: 0,
      lastRestoredAt: null,
    });
    expect(backup.by.principal).to.equal('ops');
    expect(store.backups.get(backup.id)).to.deep.equal(backup);
    expect(store.timeline({ kinds: ['backup'] })[0]!.subject).to.equal(backup.id);
  });

  it('validates snapshot ids, canisters and deployments', () => {
    expect(() => store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: 'xyz' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => store.backups.record({ environment: 'production', canisterId: 'nope', snapshotId: '01' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(() =>
      store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: '01', deploymentId: 77 }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    const onC2 = store.deployments.begin({
      agent: 'bot',
      environment: 'production',
      canisterId: 'c2',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
    expect(() =>
      store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: '01', deploymentId: onC2.id }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() =>
      store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: '01', beforeDeployment: true }),
    ).to.throw(/needs a deploymentId/);
  });

  it('belongs to a deployment', () => {
    const deployment = store.deployments.begin({
      agent: 'bot',
      environment: 'production',
      canisterId: 'c1',
      moduleSha256: SHA_A,
      installMode: 'upgrade',
    });
    const after = store.backups.record({
      environment: 'production',
      canisterId: 'c1',
      snapshotId: 'ab',
      deploymentId: deployment.id,
    });
    expect(after.deploymentId).to.equal(deployment.id);
    expect(store.deployments.get(deployment.id)?.snapshotBackupId).to.equal(null);
  });

  it('lists newest first, filtered, without deleted ones unless asked', () => {
    const a = store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: '01' });
    const b = store.backups.record({ environment: 'production', canisterId: 'c2', snapshotId: '02' });
    const c = store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: '03' });
    expect(store.backups.list().map((x) => x.id)).to.deep.equal([c.id, b.id, a.id]);
    expect(store.backups.list({ canisterId: 'c1' }).map((x) => x.id)).to.deep.equal([c.id, a.id]);
    expect(store.backups.list({ agent: 'bot', environment: 'production', limit: 1 }).map((x) => x.id)).to.deep.equal([
      c.id,
    ]);
    const deleted = store.backups.markDeleted(a.id, 'replaced by a newer snapshot');
    expect(deleted.deletedAt).to.be.a('string');
    expect(store.backups.markDeleted(a.id)).to.deep.equal(deleted);
    expect(store.backups.list({ canisterId: 'c1' }).map((x) => x.id)).to.deep.equal([c.id]);
    expect(store.backups.list({ canisterId: 'c1', includeDeleted: true })).to.have.length(2);
  });

  it('journals restores (a rollback on the timeline) and refuses deleted backups', () => {
    const backup = store.backups.record({ environment: 'production', canisterId: 'c1', snapshotId: '01' });
    const restore = store.backups.recordRestore(backup.id, { reason: 'memory corrupted' });
    expect(restore).to.include({ backupId: backup.id, reason: 'memory corrupted' });
    store.backups.recordRestore(backup.id);
    const after = store.backups.require(backup.id);
    expect(after.restoreCount).to.equal(2);
    expect(after.lastRestoredAt).to.be.a('string');
    expect(store.backups.restores(backup.id)).to.have.length(2);
    expect(store.timeline({ kinds: ['rollback'] })).to.have.length(2);
    store.backups.markDeleted(backup.id);
    expect(() => store.backups.recordRestore(backup.id))
      .to.throw(HistoryStoreError)
      .with.property('code', 'CONFLICT');
    expect(() => store.backups.require('bak-nothere'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });
});
