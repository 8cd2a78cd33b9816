import { expect } from 'chai';
import { HistoryStoreError } from '../src/index.js';
import { SqliteExecutor } from '../src/db/executor.js';
import type { PostgresExecutor } from '../src/db/postgres.js';
import type { StoreContext } from '../src/context.js';
import type { CompiledQuery } from 'kysely';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, describeBackends, manualClock, seedCanister } from './helpers.js';

/** Raw SQL on the store's own connection, past every repository. */
function rawSql(store: HistoryStore, text: string): void {
  const executor = (store as unknown as { ctx: StoreContext }).ctx.executor;
  if (executor instanceof SqliteExecutor) executor.db.exec(text);
  else (executor as PostgresExecutor).exec(text);
}

describeBackends('audit log and timeline', (tempStore) => {
  let store: HistoryStore;
  let cleanup: () => void;
  let clock: ReturnType<typeof manualClock>;

  beforeEach(() => {
    clock = manualClock('2026-03-01T10:00:00.000Z');
    ({ store, cleanup } = tempStore({ clock: clock.now, actor: { principal: 'me' } }));
    seedCanister(store, 'blue-1', 'production', 'bot', 'blue');
    seedCanister(store, 'green-1', 'production', 'bot', 'green');
    seedCanister(store, 'x-1', 'staging', 'other');
  });
  afterEach(() => cleanup());

  /** One of each timeline event, a minute apart. */
  function story(): void {
    const step = () => clock.advance(60_000);
    const d = store.deployments.begin({
      agent: 'bot',
      environment: 'production',
      canisterId: 'blue-1',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
    step();
    store.deployments.finish(d.id, { status: 'succeeded' });
    step();
    store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'deploy' });
    step();
    const p = store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: 'production',
      strategy: 'blue-green',
    });
    store.promotions.start(p.id);
    store.promotions.beginStep(p.id, 'switch');
    step();
    store.routes.set({
      agent: 'bot',
      environment: 'production',
      canisterId: 'green-1',
      cause: 'promotion',
      promotionId: p.id,
    });
    store.promotions.succeed(p.id);
    step();
    const b = store.backups.record({ environment: 'production', canisterId: 'green-1', snapshotId: '0a' });
    step();
    store.routes.set({ agent: 'bot', environment: 'production', canisterId: 'blue-1', cause: 'rollback' });
    store.backups.recordRestore(b.id);
    step();
    store.canisters.decommission({ canisterId: 'green-1', environment: 'production' });
    store.deployments.begin({
      agent: 'other',
      environment: 'staging',
      canisterId: 'x-1',
      moduleSha256: SHA_A,
      installMode: 'install',
    });
  }

  it('records who, when, what and detail for every mutation', () => {
    story();
    const all = store.audit.list({ limit: 1000 });
    expect(all.length).to.be.greaterThan(15);
    for (const entry of all) {
      expect(entry.at).to.match(/Z$/);
      expect(entry.by.principal).to.equal('me');
      expect(entry.summary).to.be.a('string').and.not.empty;
      expect(entry.detail).to.be.an('object');
    }
    expect(all.map((e) => e.id)).to.deep.equal([...all.map((e) => e.id)].sort((a, b) => b - a));
    expect(store.audit.list({ agent: 'other' }).map((e) => e.action)).to.deep.equal([
      'deployment.begin',
      'canister.record',
    ]);
    expect(store.audit.list({ action: 'route.set' })).to.have.length(3);
    expect(store.audit.list({ action: 'backup.' })).to.have.length(2);
    expect(
      store.audit.list({ since: '2026-03-01T10:06:00.000Z' }).every((e) => e.at >= '2026-03-01T10:06:00.000Z'),
    ).to.equal(true);
    expect(store.audit.list({ limit: 2 })).to.have.length(2);
    const newest = store.audit.list({ limit: 1 })[0]!;
    expect(store.audit.list({ beforeId: newest.id, limit: 1 })[0]!.id).to.be.lessThan(newest.id);
  });

  it('builds the history timeline: deployments, promotions, routes, rollbacks, backups, deletions', () => {
    story();
    const timeline = store.timeline({ agent: 'bot', limit: 100 });
    expect(new Set(timeline.map((e) => e.kind))).to.deep.equal(
      new Set(['deployment', 'promotion', 'route', 'rollback', 'backup', 'deletion']),
    );
    expect(timeline.map((e) => e.action)).to.not.include('promotion.step.begin');
    expect(timeline.map((e) => e.action)).to.not.include('canister.record');
    expect(timeline[0]!.kind).to.equal('deletion');
    expect(store.timeline({ environment: 'staging' }).map((e) => e.agent)).to.deep.equal(['other']);
    expect(store.timeline({ agent: 'bot', since: '2026-03-01T10:05:00.000Z' }).map((e) => e.kind)).to.deep.equal([
      'deletion',
      'rollback',
      'rollback',
      'backup',
    ]);
    expect(store.timeline({ kinds: ['backup'] })).to.have.length(1);
    expect(store.timeline({ limit: 3 })).to.have.length(3);
    expect(() => store.timeline({ kinds: ['party' as never] }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => store.timeline({ since: 'yesterday-ish' }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('is append-only, even to raw SQL', () => {
    story();
    expect(() => rawSql(store, "UPDATE audit_log SET summary = 'x'")).to.throw(/append-only/);
    expect(() => rawSql(store, 'DELETE FROM audit_log')).to.throw(/append-only/);
  });

  it('is written in the same transaction as the mutation: a rolled-back change leaves no entry', () => {
    const before = store.audit.list({ limit: 1000 }).length;
    expect(() =>
      store.transaction(() => {
        store.promotions.create({
          agent: 'bot',
          fromEnvironment: 'staging',
          toEnvironment: 'production',
          strategy: 'in-place',
        });
        throw new Error('changed my mind');
      }),
    ).to.throw('changed my mind');
    expect(store.audit.list({ limit: 1000 })).to.have.length(before);
    expect(store.promotions.list()).to.have.length(0);
  });

  it('lists the agents and environments seen', () => {
    story();
    expect(store.catalog.agents().map((a) => a.name)).to.deep.equal(['bot', 'other']);
    expect(store.catalog.environments().map((e) => e.name)).to.deep.equal(['production', 'staging']);
  });

  it('journals the intent of a remote mutation before it is made, off the timeline', () => {
    const before = store.timeline().length;
    const id = store.audit.noteIntent({
      action: 'canister.delete-requested',
      agent: 'bot',
      environment: 'production',
      subject: 'green-1',
      summary: 'asking to delete green-1',
    });
    const [latest] = store.audit.list({ limit: 1 });
    expect(latest).to.include({
      id,
      action: 'canister.delete-requested',
      agent: 'bot',
      environment: 'production',
      subject: 'green-1',
      summary: 'asking to delete green-1',
    });
    expect(latest!.by.principal).to.equal('me');
    expect(store.timeline()).to.have.length(before);
  });

  it('reads the timeline of an environment that has been quiet lately through its index, not the whole log backwards', () => {
    // 30,000 deployments in local long ago, then 60,000 promotions to production since: the
    // newest local events are 60,000 entries back. Statistics first, as a live store has them.
    const executor = (store as unknown as { ctx: StoreContext }).ctx.executor;
    const insert = (from: number, to: number, kind: string, environment: string) =>
      rawSql(
        store,
        `INSERT INTO audit_log (project, at, action, kind, agent, environment, subject, summary, by_principal, by_os_user, by_host, detail)
        WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})
        SELECT 'default', '2026-03-01T10:00:00.000Z', '${kind}.test', '${kind}', 'agent-' || (i % 100), '${environment}', NULL, 'entry ' || i, NULL, 'me', 'here', '{}' FROM n`,
      );
    insert(1, 30_000, 'deployment', 'local');
    insert(30_001, 90_000, 'promotion', 'production');
    rawSql(store, 'ANALYZE');

    const ran: CompiledQuery[] = [];
    const all = executor.all.bind(executor);
    executor.all = <R>(query: CompiledQuery) => (ran.push(query), all<R>(query));
    const events = store.timeline({ environment: 'local', limit: 50 });
    executor.all = all;
    expect(events.map((e) => e.summary)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `entry ${30_000 - i}`));

    const [query] = ran.slice(-1) as [CompiledQuery];
    const plan =
      executor instanceof SqliteExecutor
        ? executor.db
            .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
            .all(...(query.parameters as unknown[]))
            .map((row) => (row as { detail: string }).detail)
        : (executor as PostgresExecutor)
            .exec<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.sql}`, query.parameters)
            .map((row) => row['QUERY PLAN']);
    expect(plan.join('\n')).to.match(/audit_log_by_environment/);
  });
});
