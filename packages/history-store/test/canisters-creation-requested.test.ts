import { expect } from 'chai';
import type { HistoryStore } from '../src/store.js';
import { describeBackends } from './helpers.js';

describeBackends('canisters: creation requested before the network call', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  beforeEach(() => ({ store, cleanup } = tempStore({ actor: { principal: 'deployer-principal' } })));
  afterEach(() => cleanup());

  it('journals the request with who, before any canister exists', () => {
    const id = store.canisters.noteCreationRequested({
      environment: 'local',
      agent: 'bot',
      networkUrl: 'http://127.0.0.1:4943',
      operationId: 'deploy-1',
    });
    const [entry] = store.audit.list({ agent: 'bot', action: 'canister.create-requested' });
    expect(entry).to.include({ id, action: 'canister.create-requested', environment: 'local', subject: 'deploy-1' });
    expect(entry!.by.principal).to.equal('deployer-principal');
    expect(store.canisters.list()).to.deep.equal([]);
    expect(store.catalog.agents().map((agent) => agent.name)).to.deep.equal(['bot']);
  });
});
