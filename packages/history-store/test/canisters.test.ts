import { expect } from 'chai';
import { HistoryStoreError } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { LOCAL_URL, SHA_A, SHA_B, seedCanister, describeBackends } from './helpers.js';

describeBackends('canisters and catalog', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  beforeEach(() => ({ store, cleanup } = tempStore()));
  afterEach(() => cleanup());

  it('records a canister, its agent and environment', () => {
    const canister = seedCanister(store, 'aaaaa-aa', 'staging', 'bot', 'blue');
    expect(canister).to.include({
      canisterId: 'aaaaa-aa',
      environment: 'staging',
      agent: 'bot',
      role: 'blue',
      networkUrl: LOCAL_URL,
      decommissionedAt: null,
    });
    expect(canister.createdAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(store.catalog.agents().map((a) => a.name)).to.deep.equal(['bot']);
    expect(store.catalog.environments()).to.have.length(1);
    expect(store.catalog.environments()[0]).to.include({ name: 'staging', networkUrl: LOCAL_URL });
  });

  it('is idempotent and updates the role', () => {
    seedCanister(store, 'aaaaa-aa');
    seedCanister(store, 'aaaaa-aa');
    expect(store.canisters.list()).to.have.length(1);
    expect(seedCanister(store, 'aaaaa-aa', 'local', 'bot', 'green').role).to.equal('green');
    expect(store.audit.list({ subject: 'aaaaa-aa' }).map((e) => e.action)).to.deep.equal([
      'canister.update',
      'canister.record',
    ]);
  });

  it('refuses a canister id already used by another agent, and unknown roles', () => {
    seedCanister(store, 'aaaaa-aa', 'local', 'bot');
    expect(() => seedCanister(store, 'aaaaa-aa', 'local', 'other'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'CONFLICT');
    expect(() =>
      store.canisters.record({
        canisterId: 'b',
        networkUrl: LOCAL_URL,
        environment: 'local',
        agent: 'bot',
        role: 'purple' as never,
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('get and find look canisters up by environment or by id alone', () => {
    seedCanister(store, 'aaaaa-aa', 'local');
    seedCanister(store, 'aaaaa-aa', 'staging');
    expect(store.canisters.get('local', 'aaaaa-aa')?.environment).to.equal('local');
    expect(store.canisters.get('production', 'aaaaa-aa')).to.equal(null);
    expect(store.canisters.find('aaaaa-aa').map((c) => c.environment)).to.deep.equal(['local', 'staging']);
  });

  it('lists canisters with live flag, deployed version and module hash', () => {
    seedCanister(store, 'blue-1', 'production', 'bot', 'blue');
    seedCanister(store, 'green-1', 'production', 'bot', 'green');
    const first = store.deployments.begin({
      agent: 'bot',
      environment: 'production',
      canisterId: 'blue-1',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
    store.deployments.finish(first.id, { status: 'succeeded' });
    const second = store.deployments.begin({
      agent: 'bot',
      environment: 'production',
      canisterId: 'green-1',
      moduleSha256: SHA_B,
      installMode: 'install',
    });
    store.deployments.finish(second.id, { status: 'failed', error: 'trap' });
    store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'deploy' });

    const list = store.canisters.list({ agent: 'bot' });
    expect(list.map((c) => [c.canisterId, c.role, c.live, c.deployedVersion, c.moduleSha256])).to.deep.equal([
      ['blue-1', 'blue', true, 1, SHA_A],
      ['green-1', 'green', false, null, null],
    ]);
    expect(store.canisters.list({ role: 'green' })).to.have.length(1);
    expect(store.canisters.list({ environment: 'local' })).to.have.length(0);
  });

  it('decommissions a canister (a deletion on the timeline) but never the live one', () => {
    seedCanister(store, 'blue-1', 'production', 'bot', 'blue');
    seedCanister(store, 'green-1', 'production', 'bot', 'green');
    store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'manual' });
    expect(() => store.canisters.decommission({ canisterId: 'blue-1', environment: 'production' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'CONFLICT');
    const gone = store.canisters.decommission({ canisterId: 'green-1', environment: 'production', reason: 'cleanup' });
    expect(gone.decommissionedAt).to.be.a('string');
    expect(store.canisters.list().map((c) => c.canisterId)).to.deep.equal(['blue-1']);
    expect(store.canisters.list({ includeDecommissioned: true })).to.have.length(2);
    expect(store.timeline({ kinds: ['deletion'] })[0]!.summary)
      .to.contain('green-1')
      .and.contain('cleanup');
    expect(() =>
      store.deployments.begin({
        agent: 'bot',
        environment: 'production',
        canisterId: 'green-1',
        moduleSha256: SHA_A,
        installMode: 'install',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'CONFLICT');
    expect(() => store.canisters.decommission({ canisterId: 'nope', environment: 'production' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });

  it('decommissioning a canister marks its backups deleted (its snapshots went with it)', () => {
    seedCanister(store, 'green-1', 'production', 'bot', 'green');
    const backup = store.backups.record({
      environment: 'production',
      canisterId: 'green-1',
      snapshotId: '0a0b',
      reason: 'manual backup',
    });
    expect(store.backups.list({ canisterId: 'green-1' }).map((b) => b.id)).to.deep.equal([backup.id]);
    store.canisters.decommission({ canisterId: 'green-1', environment: 'production' });
    expect(store.backups.list({ canisterId: 'green-1' })).to.deep.equal([]);
    expect(store.backups.require(backup.id).deletedAt).to.be.a('string');
  });

  it('revives a decommissioned id recorded again (local networks reuse ids after a reset)', () => {
    seedCanister(store, 'aaaaa-aa', 'local', 'bot');
    store.canisters.decommission({ canisterId: 'aaaaa-aa', environment: 'local' });
    const revived = seedCanister(store, 'aaaaa-aa', 'local', 'other');
    expect(revived).to.include({ agent: 'other', decommissionedAt: null });
    expect(store.audit.list({ action: 'canister.reuse' })).to.have.length(1);
  });
});
