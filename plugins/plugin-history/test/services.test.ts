import { expect } from 'chai';
import { parseProjectConfig, SoulrecallError } from '@soulrecall/core';
import { historyTimeline } from '../src/services/timeline.js';
import { listPromotions } from '../src/services/promotion-list.js';
import { showPromotion } from '../src/services/promotion-detail.js';
import { parseSince } from '@soulrecall/core';
import { CANISTER, historyFixture, PRINCIPAL, SHA_V1, SHA_V2 } from './fixture.js';

const config = parseProjectConfig(
  `pipeline: [local, staging, production]
environments:
  local: { network: local }
  staging: { network: local, aliases: [stg] }
  production: { network: local, aliases: [prod] }
agents:
  my-agent: {}
  new-agent: {}
`,
  '/project/soulrecall.yaml',
);

function thrown(fn: () => unknown): SoulrecallError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(SoulrecallError);
    return error as SoulrecallError;
  }
  throw new Error('expected an error');
}

describe('plugin-history services', () => {
  const fixture = historyFixture();
  const { store } = fixture;
  after(() => fixture.cleanup());

  describe('listPromotions', () => {
    it("lists an agent's promotions newest first with version, module, who and duration", () => {
      const result = listPromotions({ store }, { agent: 'my-agent' });
      expect(result).to.include({ agent: 'my-agent', environment: null, status: null });
      expect(result.promotions.map((p) => p.id)).to.deep.equal([fixture.rolledBack.id, fixture.succeeded.id]);
      const [rolledBack, succeeded] = result.promotions;
      expect(succeeded).to.deep.include({
        fromEnvironment: 'local',
        toEnvironment: 'staging',
        strategy: 'in-place',
        status: 'succeeded',
        version: 1,
        sourceVersion: 1,
        moduleSha256: SHA_V1,
        targetCanisterId: CANISTER.staging,
      });
      // The promotion records no principal; the one that signed its target deployment stands in.
      expect(succeeded!.by).to.deep.equal({ principal: PRINCIPAL, osUser: 'alice', host: 'build-1' });
      expect(succeeded!.durationMs).to.be.a('number').and.greaterThan(0);
      // Rolled back before the promotion recorded its target deployment: no version, but the module it tried.
      expect(rolledBack).to.deep.include({
        status: 'rolled-back',
        version: null,
        moduleSha256: SHA_V2,
        error: 'the new version was unhealthy; snapshot restored',
      });
    });

    it('filters by environment (either end, aliases through soulrecall.yaml), status and limit', () => {
      expect(
        listPromotions({ store, config }, { agent: 'my-agent', environment: 'prod' }).promotions.map((p) => p.id),
      ).to.deep.equal([fixture.rolledBack.id]);
      expect(listPromotions({ store }, { agent: 'my-agent', environment: 'staging' }).promotions).to.have.length(2);
      expect(
        listPromotions({ store }, { agent: 'my-agent', status: 'succeeded' }).promotions.map((p) => p.id),
      ).to.deep.equal([fixture.succeeded.id]);
      expect(listPromotions({ store }, { agent: 'my-agent', limit: 1 }).promotions.map((p) => p.id)).to.deep.equal([
        fixture.rolledBack.id,
      ]);
      expect(listPromotions({ store, config }, { agent: 'my-agent', environment: 'stg' }).environment).to.equal(
        'staging',
      );
    });

    it('an agent known but never promoted gives an empty list; an unknown one a not-found error naming the known ones', () => {
      expect(listPromotions({ store, config }, { agent: 'new-agent' }).promotions).to.deep.equal([]);
      expect(listPromotions({ store }, { agent: 'my-agent', status: 'aborted' }).promotions).to.deep.equal([]);
      const error = thrown(() => listPromotions({ store }, { agent: 'ghost' }));
      expect(error).to.include({ code: 'AGENT_NOT_FOUND', exitCode: 4 });
      expect(error.hint).to.include('my-agent').and.include('other-agent');
    });

    it('an unknown environment is a not-found error', () => {
      expect(thrown(() => listPromotions({ store, config }, { agent: 'my-agent', environment: 'qa' }))).to.include({
        code: 'ENVIRONMENT_NOT_FOUND',
        exitCode: 4,
      });
    });
  });

  describe('showPromotion', () => {
    it('shows a successful promotion: both ends, steps with durations, the route change it made', () => {
      const detail = showPromotion({ store }, fixture.succeeded.id);
      expect(detail.source).to.deep.include({ environment: 'local', canisterId: CANISTER.local });
      expect(detail.source.deployment).to.deep.include({ version: 1, moduleSha256: SHA_V1 });
      expect(detail.target).to.deep.include({ environment: 'staging', canisterId: CANISTER.staging });
      expect(detail.target.deployment).to.deep.include({
        version: 1,
        status: 'succeeded',
        promotionId: fixture.succeeded.id,
      });
      expect(detail.target.canister).to.deep.include({ canisterId: CANISTER.staging, agent: 'my-agent' });
      expect(detail.module).to.deep.equal({
        sha256: SHA_V1,
        origin: 'source-deployment',
        wasmPath: null,
        previousSha256: null,
      });
      expect(detail.steps.map((s) => [s.name, s.status])).to.deep.equal(
        ['lock', 'preflight', 'backup', 'install', 'verify', 'record', 'release'].map((name) => [name, 'succeeded']),
      );
      for (const step of detail.steps) expect(step.durationMs, step.name).to.be.a('number').and.at.least(0);
      expect(detail.routeChanges).to.have.length(1);
      expect(detail.routeChanges[0]).to.deep.include({
        fromCanisterId: null,
        toCanisterId: CANISTER.staging,
        cause: 'promotion',
        promotionId: fixture.succeeded.id,
      });
      expect(detail.snapshots).to.deep.equal([]);
      expect(detail.rollback).to.deep.equal({
        rolledBack: false,
        reason: null,
        undoneSteps: [],
        restoredBackupIds: [],
      });
    });

    it('shows a rolled-back promotion: the failed step, the snapshot and its restore, the rolled-back deployment', () => {
      const detail = showPromotion({ store }, fixture.rolledBack.id.toUpperCase());
      expect(detail.status).to.equal('rolled-back');
      expect(detail.target.deployment).to.deep.include({ version: 2, status: 'rolled-back', moduleSha256: SHA_V2 });
      expect(detail.module).to.deep.include({
        sha256: SHA_V2,
        origin: 'file',
        wasmPath: '/tmp/agent-v2.wasm',
        previousSha256: SHA_V1,
      });
      expect(detail.steps.find((s) => s.name === 'verify')).to.deep.include({
        status: 'failed',
        error: 'health returned #err',
      });
      expect(detail.steps.find((s) => s.name === 'restore')?.status).to.equal('succeeded');
      expect(detail.snapshots).to.have.length(1);
      expect(detail.snapshots[0]).to.deep.include({ snapshotId: '00ff01', canisterId: CANISTER.production });
      expect(detail.snapshots[0]!.restores).to.have.length(1);
      expect(detail.rollback).to.deep.include({
        rolledBack: true,
        reason: 'the new version was unhealthy; snapshot restored',
        restoredBackupIds: [detail.snapshots[0]!.id],
      });
      expect(detail.routeChanges).to.deep.equal([]);
    });

    it('rejects unknown and malformed ids with a hint to promote list', () => {
      for (const id of ['prm-zzzzzz', 'prm-1', 'hello']) {
        const error = thrown(() => showPromotion({ store }, id));
        expect(error).to.include({ code: 'PROMOTION_NOT_FOUND', exitCode: 4 });
        expect(error.hint).to.include('promote list');
      }
    });
  });

  describe('historyTimeline', () => {
    it('returns the timeline newest first, filtered by agent, environment alias, kind and since', () => {
      const all = historyTimeline({ store }, {});
      expect(all.events.length).to.be.greaterThan(5);
      const ids = all.events.map((e) => e.id);
      expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));
      const kinds = new Set(all.events.map((e) => e.kind));
      for (const kind of ['deployment', 'promotion', 'route', 'rollback', 'backup'])
        expect(kinds, kind).to.include(kind);
      const prod = historyTimeline({ store, config }, { agent: 'my-agent', environment: 'prod' });
      expect(prod.environment).to.equal('production');
      expect(prod.events).to.not.be.empty;
      expect(prod.events.every((e) => e.environment === 'production' && e.agent === 'my-agent')).to.equal(true);
      const rollbacks = historyTimeline({ store }, { kinds: ['rollback'] }).events;
      expect(rollbacks).to.not.be.empty;
      expect(rollbacks.every((e) => e.kind === 'rollback')).to.equal(true);
      const cut = all.events[2]!.at;
      const recent = historyTimeline({ store }, { since: cut });
      expect(recent.since).to.equal(cut);
      expect(recent.events).to.not.be.empty;
      expect(recent.events.every((e) => e.at >= cut)).to.equal(true);
      expect(historyTimeline({ store }, { limit: 3 }).events).to.have.length(3);
    });

    it('an unknown agent is an error; relative --since counts back from now', () => {
      expect(thrown(() => historyTimeline({ store }, { agent: 'ghost' }))).to.include({ code: 'AGENT_NOT_FOUND' });
      expect(historyTimeline({ store }, { since: '1h', now: new Date('2030-01-01T00:00:00Z') }).events).to.deep.equal(
        [],
      );
    });
  });

  describe('parseSince', () => {
    const now = new Date('2026-11-26T12:00:00.000Z');
    it('accepts ISO times and relative spans', () => {
      expect(parseSince('2h', now).toISOString()).to.equal('2026-11-26T10:00:00.000Z');
      expect(parseSince('3d', now).toISOString()).to.equal('2026-11-23T12:00:00.000Z');
      expect(parseSince('30m', now).toISOString()).to.equal('2026-11-26T11:30:00.000Z');
      expect(parseSince('1w', now).toISOString()).to.equal('2026-11-19T12:00:00.000Z');
      expect(parseSince('2026-11-01', now).toISOString()).to.equal('2026-11-01T00:00:00.000Z');
      expect(parseSince('2026-11-01T08:30:00Z', now).toISOString()).to.equal('2026-11-01T08:30:00.000Z');
      expect(parseSince('2026-11-01T08:30:00+02:00', now).toISOString()).to.equal('2026-11-01T06:30:00.000Z');
    });
    it('rejects anything else as a usage error with a hint', () => {
      for (const bad of ['yesterday', '2x', '-3d', '2026-13-45', '', '12']) {
        const error = thrown(() => parseSince(bad, now));
        expect(error, bad).to.include({ code: 'INVALID_SINCE', exitCode: 2 });
        expect(error.hint).to.include('2h');
      }
    });
  });
});
