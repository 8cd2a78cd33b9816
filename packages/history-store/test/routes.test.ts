import { expect } from 'chai';
import { HistoryStoreError } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { seedCanister, describeBackends } from './helpers.js';

describeBackends('routes', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  beforeEach(() => {
    ({ store, cleanup } = tempStore({ actor: { principal: 'switcher' } }));
    seedCanister(store, 'blue-1', 'production', 'bot', 'blue');
    seedCanister(store, 'green-1', 'production', 'bot', 'green');
  });
  afterEach(() => cleanup());

  it('has no route until one is set', () => {
    expect(store.routes.get('bot', 'production')).to.equal(null);
    expect(store.routes.list()).to.deep.equal([]);
  });

  it('sets the live canister and journals every change with from, to, who and why', () => {
    const first = store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'deploy' });
    expect(first).to.include({ fromCanisterId: null, toCanisterId: 'blue-1', cause: 'deploy', reason: null });
    const second = store.routes.set({
      agent: 'bot',
      environment: 'production',
      canisterId: 'green-1',
      cause: 'switch',
      reason: 'blue-green cut-over',
    });
    expect(second).to.include({ fromCanisterId: 'blue-1', toCanisterId: 'green-1', reason: 'blue-green cut-over' });
    expect(second.by.principal).to.equal('switcher');
    const route = store.routes.get('bot', 'production')!;
    expect(route).to.include({ agent: 'bot', environment: 'production', canisterId: 'green-1', changeId: second.id });
    expect(store.routes.history({ agent: 'bot', environment: 'production' }).map((c) => c.toCanisterId)).to.deep.equal([
      'green-1',
      'blue-1',
    ]);
    expect(store.routes.list({ agent: 'bot' })).to.have.length(1);
    expect(store.timeline({ kinds: ['route'] })).to.have.length(2);
  });

  it('tells a rollback where the route came from', () => {
    store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'deploy' });
    store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'green-1', cause: 'switch' });
    expect(store.routes.lastChangeTo('bot', 'production', 'green-1')?.fromCanisterId).to.equal('blue-1');
    expect(store.routes.lastChangeTo('bot', 'production', 'nobody')).to.equal(null);
    const back = store.routes.set({
      agent: 'bot',
      environment: 'production',
      canisterId: 'blue-1',
      cause: 'rollback',
      reason: 'errors',
    });
    expect(back.fromCanisterId).to.equal('green-1');
    expect(store.timeline({ kinds: ['rollback'] })[0]!.subject).to.equal('blue-1');
  });

  it('switches atomically only if the expected canister is still live', () => {
    store.routes.set({
      agent: 'bot',
      environment: 'production',
      canisterId: 'blue-1',
      cause: 'deploy',
      expectedCanisterId: null,
    });
    expect(() =>
      store.routes.set({
        agent: 'bot',
        environment: 'production',
        canisterId: 'green-1',
        cause: 'switch',
        expectedCanisterId: 'green-1',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'CONFLICT');
    expect(store.routes.get('bot', 'production')!.canisterId).to.equal('blue-1');
    expect(store.routes.history()).to.have.length(1);
    store.routes.set({
      agent: 'bot',
      environment: 'production',
      canisterId: 'green-1',
      cause: 'switch',
      expectedCanisterId: 'blue-1',
    });
    expect(store.routes.get('bot', 'production')!.canisterId).to.equal('green-1');
  });

  it('refuses unknown, foreign or deleted canisters and unknown promotions', () => {
    expect(() => store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'ghost', cause: 'manual' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    seedCanister(store, 'theirs', 'production', 'other');
    expect(() => store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'theirs', cause: 'manual' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    store.canisters.decommission({ canisterId: 'green-1', environment: 'production' });
    expect(() => store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'green-1', cause: 'manual' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'CONFLICT');
    expect(() =>
      store.routes.set({
        agent: 'bot',
        environment: 'production',
        canisterId: 'blue-1',
        cause: 'promotion',
        promotionId: 'prm-nothere',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(() =>
      store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'teleport' as never }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('records the promotion that switched the route', () => {
    const promotion = store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: 'production',
      strategy: 'blue-green',
    });
    const change = store.routes.set({
      agent: 'bot',
      environment: 'production',
      canisterId: 'green-1',
      cause: 'promotion',
      promotionId: promotion.id,
    });
    expect(change.promotionId).to.equal(promotion.id);
    expect(store.routes.history({ toCanisterId: 'green-1' })).to.have.length(1);
  });
});
