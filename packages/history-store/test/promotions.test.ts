import { expect } from 'chai';
import { HistoryStoreError, SHORT_ID_ALPHABET } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, seedCanister, describeBackends } from './helpers.js';

describeBackends('promotions', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  const create = (to = 'production', steps = ['deploy', 'health', 'switch']) =>
    store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: to,
      strategy: 'blue-green',
      steps,
      options: { yes: true },
    });

  beforeEach(() => ({ store, cleanup } = tempStore()));
  afterEach(() => cleanup());

  it('creates a planned promotion with a short typable id and pending steps', () => {
    const promotion = create();
    expect(promotion.id).to.match(new RegExp(`^prm-[${SHORT_ID_ALPHABET}]{6}$`));
    expect(promotion).to.include({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: 'production',
      strategy: 'blue-green',
      status: 'planned',
      error: null,
      startedAt: null,
    });
    expect(promotion.options).to.deep.equal({ yes: true });
    expect(promotion.steps.map((s) => [s.index, s.name, s.status])).to.deep.equal([
      [1, 'deploy', 'pending'],
      [2, 'health', 'pending'],
      [3, 'switch', 'pending'],
    ]);
    expect(store.promotions.get(promotion.id)).to.deep.equal(promotion);
    expect(store.promotions.get('prm-zzzzzz')).to.equal(null);
    expect(() => store.promotions.require('prm-zzzzzz'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });

  it('gives every promotion a distinct id', () => {
    const ids = new Set(Array.from({ length: 200 }, () => create().id));
    expect(ids.size).to.equal(200);
  });

  it('rejects promotions to the same environment and foreign deployments', () => {
    expect(() =>
      store.promotions.create({
        agent: 'bot',
        fromEnvironment: 'staging',
        toEnvironment: 'staging',
        strategy: 'in-place',
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    seedCanister(store, 'c1', 'staging', 'other');
    const theirs = store.deployments.begin({
      agent: 'other',
      environment: 'staging',
      canisterId: 'c1',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
    expect(() =>
      store.promotions.create({
        agent: 'bot',
        fromEnvironment: 'staging',
        toEnvironment: 'production',
        strategy: 'in-place',
        sourceDeploymentId: theirs.id,
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('journals steps before and after each effect', () => {
    const { id } = create();
    store.promotions.start(id);
    const deploy = store.promotions.beginStep(id, 'deploy', { canisterId: 'c1' });
    expect(deploy).to.include({ index: 1, name: 'deploy', status: 'running', finishedAt: null });
    expect(deploy.startedAt).to.be.a('string');
    const done = store.promotions.endStep(id, deploy.index, { status: 'succeeded', detail: { deploymentId: 7 } });
    expect(done.detail).to.deep.equal({ canisterId: 'c1', deploymentId: 7 });
    const health = store.promotions.beginStep(id, 'health');
    store.promotions.endStep(id, health.index, { status: 'failed', error: 'unhealthy' });
    // A retry on resume appends a new attempt of the same step.
    const retry = store.promotions.beginStep(id, 'health');
    expect(retry.index).to.equal(4);
    expect(store.promotions.endStep(id, 3, { status: 'skipped' }).status).to.equal('skipped');
    expect(() => store.promotions.endStep(id, 1, { status: 'failed' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
    expect(() => store.promotions.endStep(id, 99, { status: 'failed' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    const steps = store.promotions.require(id).steps;
    expect(steps.map((s) => `${s.index}:${s.name}:${s.status}`)).to.deep.equal([
      '1:deploy:succeeded',
      '2:health:failed',
      '3:switch:skipped',
      '4:health:running',
    ]);
    expect(store.audit.list({ subject: id, action: 'promotion.step.' })).to.have.length(6);
  });

  it('marks a step undone during abort', () => {
    const { id } = create();
    store.promotions.start(id);
    const step = store.promotions.beginStep(id, 'deploy');
    store.promotions.endStep(id, step.index, { status: 'succeeded' });
    expect(store.promotions.markStepUndone(id, step.index, { restoredFrom: 'bak-222222' }).status).to.equal('undone');
    expect(() => store.promotions.markStepUndone(id, 2))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
  });

  it('follows the state machine: planned → running → failed → running (resume) → succeeded → rolled-back', () => {
    const { id } = create();
    expect(store.promotions.start(id).status).to.equal('running');
    const failed = store.promotions.fail(id, 'health check failed');
    expect(failed).to.include({ status: 'failed', error: 'health check failed' });
    expect(failed.finishedAt).to.be.a('string');
    const resumed = store.promotions.start(id);
    expect(resumed).to.include({ status: 'running', error: null, finishedAt: null });
    expect(store.promotions.succeed(id).status).to.equal('succeeded');
    expect(store.promotions.markRolledBack(id, 'bad release').status).to.equal('rolled-back');
    expect(() => store.promotions.start(id))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
    expect(() => store.promotions.beginStep(id, 'deploy'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
    expect(
      store.audit
        .list({ subject: id, action: 'promotion.' })
        .map((e) => e.action)
        .reverse(),
    ).to.deep.equal([
      'promotion.create',
      'promotion.start',
      'promotion.fail',
      'promotion.resume',
      'promotion.succeed',
      'promotion.rollback',
    ]);
  });

  it('aborts planned, running or failed promotions, not finished ones', () => {
    expect(store.promotions.abort(create().id, 'user asked').status).to.equal('aborted');
    const running = create();
    store.promotions.start(running.id);
    expect(store.promotions.abort(running.id).status).to.equal('aborted');
    const done = create();
    store.promotions.start(done.id);
    store.promotions.succeed(done.id);
    expect(() => store.promotions.abort(done.id))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
    expect(() => store.promotions.succeed(create().id))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_TRANSITION');
  });

  it('updates deployments, target canister and options', () => {
    seedCanister(store, 'c1', 'staging');
    seedCanister(store, 'c2', 'production');
    const source = store.deployments.begin({
      agent: 'bot',
      environment: 'staging',
      canisterId: 'c1',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
    const { id } = create();
    const target = store.deployments.begin({
      agent: 'bot',
      environment: 'production',
      canisterId: 'c2',
      moduleSha256: SHA_A,
      installMode: 'install',
      promotionId: id,
    });
    const updated = store.promotions.update(id, {
      sourceDeploymentId: source.id,
      targetDeploymentId: target.id,
      targetCanisterId: 'c2',
      options: { wasm: 'x.wasm' },
    });
    expect(updated).to.include({
      sourceDeploymentId: source.id,
      targetDeploymentId: target.id,
      targetCanisterId: 'c2',
    });
    expect(updated.options).to.deep.equal({ yes: true, wasm: 'x.wasm' });
    expect(store.deployments.get(target.id)?.promotionId).to.equal(id);
    expect(() => store.promotions.update(id, { targetDeploymentId: 4242 }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });

  it('lists newest first, filtered by agent, environment and status, with a limit and paging', () => {
    const a = create('production');
    const b = create('qa');
    const c = store.promotions.create({
      agent: 'other',
      fromEnvironment: 'local',
      toEnvironment: 'staging',
      strategy: 'in-place',
    });
    store.promotions.start(b.id);
    expect(store.promotions.list().map((p) => p.id)).to.deep.equal([c.id, b.id, a.id]);
    expect(store.promotions.list({ agent: 'bot' }).map((p) => p.id)).to.deep.equal([b.id, a.id]);
    expect(store.promotions.list({ agent: 'bot', environment: 'qa' }).map((p) => p.id)).to.deep.equal([b.id]);
    expect(store.promotions.list({ environment: 'staging' }).map((p) => p.id)).to.deep.equal([c.id, b.id, a.id]);
    expect(store.promotions.list({ status: 'running' }).map((p) => p.id)).to.deep.equal([b.id]);
    expect(store.promotions.list({ limit: 1 }).map((p) => p.id)).to.deep.equal([c.id]);
    expect(store.promotions.list({ before: b.id }).map((p) => p.id)).to.deep.equal([a.id]);
    expect(store.promotions.list()[0]).to.not.have.property('steps');
    expect(() => store.promotions.list({ status: 'weird' as never }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });
});
