import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  journalRecord,
  journalStep,
  parseProjectConfig,
  PromotionFailure,
  Session,
  SoulrecallError,
  type PromotionContext,
  type PromotionStrategy,
} from '@soulrecall/core';
import { PromotionEngine, type EngineDependencies, type PromoteRequest } from '../src/engine/engine.js';
import { resolvePromotionRoute } from '../src/engine/request.js';
import { collectStrategies } from '../src/engine/strategies.js';

const projectText = `
pipeline: [local, staging, production]
environments:
  local: { network: "http://127.0.0.1:9" }
  staging: { network: "http://127.0.0.1:9" }
  production: { network: "http://127.0.0.1:9", aliases: [prod], protected: true }
  solo: { network: local }
agents:
  my-agent: { wasm: agent.wasm }
`;

/** The smallest valid Wasm module, plus a byte so two versions differ. */
const moduleV1 = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
const moduleV2 = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 2, 1, 0x61]);
const STAGING_CANISTER = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const PROD_CANISTER = 'ryjl3-tyaaa-aaaaa-aaaba-cai';

const installStep = journalStep('install', { deploymentId: journalRecord.number });
const verifyStep = journalStep('verify', { healthy: journalRecord.boolean });

/** A strategy that journals two steps and can be told to crash or fail verification. */
class FakeStrategy implements PromotionStrategy {
  readonly name = 'in-place';
  crashInstallTimes = 0;
  failVerify = false;
  installs = 0;
  aborted: string[] = [];
  describe() {
    return 'fake in-place';
  }
  async plan() {
    return [
      { name: 'install', description: 'install the module' },
      { name: 'verify', description: 'check health' },
    ];
  }
  async run(context: PromotionContext) {
    const store = context.session.store;
    const install = await context.journal.step(installStep, async () => {
      this.installs++;
      if (this.crashInstallTimes > 0) {
        this.crashInstallTimes--;
        throw new Error('connection reset while installing');
      }
      const deployment = store.deployments.begin({
        agent: context.agent.name,
        environment: context.to.name,
        canisterId: context.targetCanisterId!,
        moduleSha256: context.module.sha256,
        installMode: 'upgrade',
        promotionId: context.promotion.id,
      });
      return { deploymentId: deployment.id };
    });
    await context.journal.step(verifyStep, async () => {
      if (this.failVerify) {
        store.deployments.markRolledBack(install.deploymentId, 'unhealthy');
        throw new PromotionFailure('health check said unhealthy; snapshot restored', true);
      }
      store.deployments.finish(install.deploymentId, { status: 'succeeded' });
      return { healthy: true };
    });
    return {
      targetCanisterId: context.targetCanisterId!,
      targetDeploymentId: install.deploymentId,
      routeBefore: context.targetCanisterId,
      routeAfter: context.targetCanisterId,
    };
  }
  async abort(context: PromotionContext) {
    this.aborted.push(context.promotion.id);
    context.journal.undone('install', { restored: true });
    return { undone: ['install'] };
  }
}

describe('promotion engine (fake strategy, real store)', () => {
  let dataDir: string;
  let session: Session;
  let strategy: FakeStrategy;
  let events: string[];
  let onChainHash: string | null;

  function engine(overrides: Partial<EngineDependencies> = {}) {
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    return new PromotionEngine({
      session,
      strategies: new Map([[strategy.name, strategy]]),
      probeModuleHash: async () => onChainHash,
      preflight: async () => ({ reachable: true }),
      progress: () => {},
      emit: async (event, payload) => {
        events.push(`${event}:${payload.promotion.status}`);
      },
      stdin,
      ...overrides,
    });
  }

  const request = (extra: Partial<PromoteRequest> = {}): PromoteRequest => ({
    agent: 'my-agent',
    from: 'staging',
    to: 'prod',
    strategy: 'in-place',
    skipDeploy: false,
    dryRun: false,
    yes: true,
    force: false,
    strategyOptions: {},
    ...extra,
  });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'soulrecall-engine-'));
    session = new Session({ config: parseProjectConfig(projectText, join(dataDir, 'soulrecall.yaml')), dataDir });
    strategy = new FakeStrategy();
    events = [];
    const store = session.store;
    const sha = store.artifacts.put(moduleV2).sha256;
    store.artifacts.put(moduleV1);
    onChainHash = sha;
    for (const [environment, canisterId, bytes] of [
      ['staging', STAGING_CANISTER, moduleV2],
      ['production', PROD_CANISTER, moduleV1],
    ] as const) {
      store.canisters.record({ canisterId, networkUrl: 'http://127.0.0.1:9', environment, agent: 'my-agent' });
      const deployment = store.deployments.begin({
        agent: 'my-agent',
        environment,
        canisterId,
        moduleSha256: store.artifacts.put(bytes).sha256,
        installMode: 'install',
      });
      store.deployments.finish(deployment.id, { status: 'succeeded' });
      store.routes.set({ agent: 'my-agent', environment, canisterId, cause: 'deploy' });
    }
  });
  afterEach(() => {
    session.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('journals lock, preflight, the strategy steps and release, in order, and fires the hooks', async () => {
    const result = await engine().promote(request());
    expect(result.status).to.equal('succeeded');
    expect(result.to).to.equal('production');
    expect(result.steps.map((step) => `${step.name}:${step.status}`)).to.deep.equal([
      'lock:succeeded',
      'preflight:succeeded',
      'install:succeeded',
      'verify:succeeded',
      'release:succeeded',
    ]);
    expect(result.targetDeployment!.version).to.equal(2);
    const promotion = session.store.promotions.require(result.promotionId!);
    expect(promotion.status).to.equal('succeeded');
    expect(promotion.targetDeploymentId).to.equal(result.targetDeployment!.id);
    expect(events).to.deep.equal(['promote:before:planned', 'promote:after:succeeded']);
    expect(session.store.locks.get('my-agent', 'production')).to.equal(null);
  });

  it('refuses drift with both hashes, and --force promotes the recorded module with a note', async () => {
    onChainHash = 'ab'.repeat(32);
    const error = await engine()
      .promote(request())
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'DRIFT');
    expect((error as Error).message)
      .to.include('abababab')
      .and.include(session.store.deployments.latest({ agent: 'my-agent', environment: 'staging' })!.moduleSha256);
    expect(session.store.promotions.list()).to.have.length(0);
    const forced = await engine().promote(request({ force: true }));
    expect(forced.status).to.equal('succeeded');
    expect(forced.notes.join(' ')).to.match(/--force: promoting recorded module/);
    expect(session.store.promotions.require(forced.promotionId!).options.forcedDrift).to.deep.include({
      onChain: 'ab'.repeat(32),
    });
  });

  it('does nothing, and records nothing, when the target already runs the module', async () => {
    await engine().promote(request());
    // Nor does it contact the target: a preflight left running would keep the process waiting
    // for a network that "nothing to do" never needed (a target that is down: until its timeout).
    let preflights = 0;
    const again = await engine({ preflight: async () => ((preflights += 1), {}) }).promote(request());
    expect(again.status).to.equal('unchanged');
    expect(again.promotionId).to.equal(null);
    expect(preflights).to.equal(0);
    expect(session.store.promotions.list()).to.have.length(1);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const result = await engine().promote(request({ dryRun: true }));
    expect(result.status).to.equal('dry-run');
    expect(result.steps.map((step) => step.name)).to.deep.equal(['lock', 'preflight', 'install', 'verify', 'release']);
    expect(strategy.installs).to.equal(0);
    expect(session.store.promotions.list()).to.have.length(0);
  });

  it('records a promotion whose verification failed as rolled back and exits 12', async () => {
    strategy.failVerify = true;
    const error = await engine()
      .promote(request())
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('exitCode', 12);
    const [summary] = session.store.promotions.list();
    expect(summary!.status).to.equal('rolled-back');
    expect(summary!.error).to.match(/unhealthy/);
    expect(session.store.locks.get('my-agent', 'production')).to.equal(null);
  });

  it('resumes an interrupted promotion from the journal without redoing completed steps', async () => {
    strategy.crashInstallTimes = 1;
    const error = await engine()
      .promote(request())
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'PROMOTION_INTERRUPTED');
    expect((error as Error).message).to.match(/^Promotion prm-\w+ stopped: connection reset while installing$/);
    expect((error as { hint?: string }).hint).to.match(/promote resume prm-/);
    const [failed] = session.store.promotions.list();
    expect(failed!.status).to.equal('failed');
    let preflights = 0;
    const resumed = await engine({ preflight: async () => ((preflights += 1), {}) }).resume(failed!.id);
    expect(resumed.status).to.equal('succeeded');
    expect(preflights, 'preflight already succeeded before the crash').to.equal(0);
    expect(strategy.installs).to.equal(2);
    const steps = session.store.promotions.require(failed!.id).steps.map((step) => `${step.name}:${step.status}`);
    expect(steps.slice(0, 3)).to.deep.equal(['lock:succeeded', 'preflight:succeeded', 'install:failed']);
    expect(steps.filter((s) => s === 'install:succeeded')).to.have.length(1);
    expect(steps.filter((s) => s.startsWith('lock:'))).to.have.length(2);
  });

  it('aborts a failed promotion: the strategy undoes it and the lock is free', async () => {
    strategy.crashInstallTimes = 1;
    await engine()
      .promote(request())
      .catch(() => undefined);
    const [failed] = session.store.promotions.list();
    const result = await engine().abort(failed!.id);
    expect(result.status).to.equal('aborted');
    expect(strategy.aborted).to.deep.equal([failed!.id]);
    expect(session.store.promotions.require(failed!.id).status).to.equal('aborted');
    expect(session.store.locks.get('my-agent', 'production')).to.equal(null);
    await engine()
      .abort(failed!.id)
      .then(
        () => expect.fail('a second abort must be refused'),
        (error: SoulrecallError) => expect(error.code).to.equal('PROMOTION_NOT_ABORTABLE'),
      );
  });

  it('fails fast, naming the running promotion, when another one holds the lock, and records the attempt as refused', async () => {
    session.store.locks.acquire({
      agent: 'my-agent',
      environment: 'production',
      operation: 'promotion',
      operationId: 'prm-other1',
    });
    const deploymentsBefore = session.store.deployments.list().length;
    const error = await engine()
      .promote(request())
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).to.equal('LOCK_HELD');
    expect((error as Error).message).to.match(/promotion prm-other1 is running on my-agent\/production since/);
    expect(strategy.installs).to.equal(0);
    // The attempt is on the record, closed, naming who held the lock; it took nothing.
    const [refused, ...others] = session.store.promotions.list();
    expect(others).to.deep.equal([]);
    expect(refused).to.include({ status: 'aborted' });
    expect(refused!.error).to.match(/^refused: promotion prm-other1 is running on my-agent\/production/);
    expect(session.store.locks.get('my-agent', 'production')?.operationId).to.equal('prm-other1');
    expect(session.store.deployments.list()).to.have.length(deploymentsBefore);
  });

  it('a resume refused by the lock leaves the journal of the process holding it alone', async () => {
    strategy.crashInstallTimes = 1;
    await engine()
      .promote(request())
      .catch(() => undefined);
    const [failed] = session.store.promotions.list();
    const stepsBefore = session.store.promotions.require(failed!.id).steps.length;
    session.store.locks.acquire({
      agent: 'my-agent',
      environment: 'production',
      operation: 'promotion',
      operationId: 'prm-other1',
    });
    const error = await engine()
      .resume(failed!.id)
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).to.equal('LOCK_HELD');
    const after = session.store.promotions.require(failed!.id);
    expect(after.status).to.equal('failed');
    expect(after.steps).to.have.length(stepsBefore);
  });

  it('checks the target before writing anything: a failed preflight leaves no promotion behind', async () => {
    const unreachable = Object.assign(new Error('Cannot reach the production network'), {
      code: 'NETWORK_UNREACHABLE',
    });
    const error = await engine({ preflight: async () => Promise.reject(unreachable) })
      .promote(request())
      .catch((e: unknown) => e);
    expect(error).to.equal(unreachable);
    expect(session.store.promotions.list()).to.have.length(0);
    expect(session.store.locks.get('my-agent', 'production')).to.equal(null);
  });

  it("reads the source's module hash and the target's preflight at once, not one after the other", async () => {
    const order: string[] = [];
    const later = () => new Promise((resolve) => setTimeout(resolve, 20));
    const result = await engine({
      probeModuleHash: async () => (
        order.push('source read started'),
        await later(),
        order.push('source read done'),
        onChainHash
      ),
      preflight: async () => (order.push('preflight started'), await later(), order.push('preflight done'), {}),
    }).promote(request());
    expect(result.status).to.equal('succeeded');
    expect(order.slice(0, 2)).to.have.members(['source read started', 'preflight started']);
  });

  it('--dry-run contacts no target: its preflight is not started', async () => {
    let preflights = 0;
    await engine({ preflight: async () => ((preflights += 1), {}) }).promote(request({ dryRun: true }));
    expect(preflights).to.equal(0);
  });

  it("a drift refusal is reported, not the target's failing preflight that ran beside it", async () => {
    onChainHash = 'ab'.repeat(32);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const error = await engine({ preflight: async () => Promise.reject(new Error('target down')) })
        .promote(request())
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'DRIFT');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(session.store.promotions.list()).to.have.length(0);
  });

  it('names an unknown promotion id with a hint (resume and abort)', async () => {
    for (const action of ['resume', 'abort'] as const) {
      const error = await engine()
        [action]('prm-nope00')
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'PROMOTION_NOT_FOUND');
      expect((error as SoulrecallError).exitCode).to.equal(4);
    }
  });

  it('refuses a protected target without --yes when there is no terminal, recording nothing', async () => {
    const error = await engine()
      .promote(request({ yes: false }))
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'NOT_CONFIRMED');
    expect(session.store.promotions.list()).to.have.length(0);
  });

  it('names the plugin to install for a strategy nobody provides', async () => {
    const error = await engine()
      .promote(request({ strategy: 'blue-green' }))
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'STRATEGY_NOT_INSTALLED');
    expect((error as SoulrecallError).hint).to.include('soulrecall plugins install @soulrecall/plugin-blue-green');
  });

  it('--skip-deploy records the promotion and the target deployment without running a strategy', async () => {
    const result = await engine({ strategies: new Map() }).promote(request({ skipDeploy: true }));
    expect(result.status).to.equal('recorded');
    expect(result.notes.join(' ')).to.include('no network was touched');
    expect(strategy.installs).to.equal(0);
    const deployment = session.store.deployments.require(result.targetDeployment!.id);
    expect(deployment).to.include({
      environment: 'production',
      canisterId: PROD_CANISTER,
      status: 'succeeded',
      promotionId: result.promotionId,
    });
    const promotion = session.store.promotions.require(result.promotionId!);
    expect(promotion.steps.map((step) => `${step.name}:${step.status}`)).to.deep.equal([
      'lock:succeeded',
      'record:succeeded',
      'release:succeeded',
    ]);
    expect(session.store.locks.get('my-agent', 'production')).to.equal(null);
  });

  it('--skip-deploy does not probe the source for drift (no network at all)', async () => {
    let probes = 0;
    const result = await engine({ probeModuleHash: async () => ((probes += 1), 'ab'.repeat(32)) }).promote(
      request({ skipDeploy: true }),
    );
    expect(result.status).to.equal('recorded');
    expect(probes).to.equal(0);
  });

  it('refuses to promote an agent never deployed to the source', async () => {
    const error = await engine()
      .promote(request({ from: 'local', to: 'staging' }))
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'SOURCE_NOT_DEPLOYED');
  });
});

describe('promotion route resolution', () => {
  const config = parseProjectConfig(projectText, '/p/soulrecall.yaml');
  const hop = (from?: string, to?: string) => {
    const route = resolvePromotionRoute(config, 'my-agent', from, to);
    return `${route.from.name}→${route.to.name}`;
  };

  it('defaults --to to the next stage, --from to the previous one, and neither to the last hop', () => {
    expect(hop('local')).to.equal('local→staging');
    expect(hop(undefined, 'prod')).to.equal('staging→production');
    expect(hop()).to.equal('staging→production');
    expect(hop('solo', 'staging')).to.equal('solo→staging');
  });

  it('rejects impossible hops with clear errors', () => {
    expect(() => hop('prod')).to.throw(SoulrecallError, /production is the last stage/);
    expect(() => hop(undefined, 'local')).to.throw(SoulrecallError, /local is the first stage/);
    expect(() => hop('staging', 'staging')).to.throw(SoulrecallError, /from staging to itself/);
    expect(() => hop('staging', 'qa')).to.throw(SoulrecallError, /Unknown environment "qa"/);
    expect(() => resolvePromotionRoute(config, 'nobody', 'local')).to.throw(SoulrecallError, /Unknown agent "nobody"/);
  });
});

describe('strategy collection', () => {
  it('gathers strategies from every plugin that answered the hook', () => {
    const fake = new FakeStrategy();
    const strategies = collectStrategies([
      { result: [fake] },
      { result: undefined },
      { result: { name: 'blue-green', run: async () => ({}) } },
    ]);
    expect([...strategies.keys()]).to.deep.equal(['in-place', 'blue-green']);
  });
});
