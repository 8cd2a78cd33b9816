import { expect } from 'chai';
import { HistoryStoreError } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, seedCanister, describeBackends } from './helpers.js';

describeBackends('deployments: a pending deployment undone before it finished', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  const canisterId = 'rrkah-fqaaa-aaaaa-aaaaq-cai';

  beforeEach(() => {
    ({ store, cleanup } = tempStore({ actor: { principal: 'deployer-principal' } }));
    seedCanister(store, canisterId, 'local');
  });
  afterEach(() => cleanup());

  it('is closed as rolled back with the reason, and stays out of previousSuccessful', () => {
    const pending = store.deployments.begin({
      agent: 'bot',
      environment: 'local',
      canisterId,
      moduleSha256: SHA_A,
      installMode: 'upgrade',
    });
    const rolled = store.deployments.markRolledBack(pending.id, 'unhealthy after upgrade; snapshot restored');
    expect(rolled).to.include({ status: 'rolled-back', error: 'unhealthy after upgrade; snapshot restored' });
    expect(rolled.finishedAt).to.be.a('string');
    expect(store.deployments.previousSuccessful({ agent: 'bot', environment: 'local', beforeVersion: 99 })).to.equal(
      null,
    );
    expect(() => store.deployments.finish(pending.id, { status: 'succeeded' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
  });

  it('still refuses a failed deployment', () => {
    const failed = store.deployments.finish(
      store.deployments.begin({
        agent: 'bot',
        environment: 'local',
        canisterId,
        moduleSha256: SHA_A,
        installMode: 'upgrade',
      }).id,
      { status: 'failed' },
    );
    expect(() => store.deployments.markRolledBack(failed.id))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
  });
});
