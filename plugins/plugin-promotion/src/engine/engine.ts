import {
  confirmOrRefuse,
  LEASE_MS,
  OperationLease,
  journalRecord,
  journalStep,
  parseCanisterId,
  PromotionFailure,
  shortHash,
  SoulrecallError,
  isSoulrecallErrorCode,
  toSoulrecallError,
  StepJournal,
  syncCanisterIds,
  type JournalStepDefinition,
  type LostLeasePolicy,
  type PlanContext,
  type PlannedStep,
  type PromotionContext,
  type PromotionStrategy,
  type StrategyOutcome,
  type PromotedModule,
} from '@soulrecall/core';
import {
  isHistoryStoreError,
  type Deployment,
  type HistoryStore,
  type JsonObject,
  type Lease,
  type Promotion,
} from '@soulrecall/history-store';
import { resolvePromotionRoute, type PromotionRoute } from './request.js';
import { recordedSource, resolvePromotionSource, storedModule } from './source.js';
import { selectStrategy } from './strategies.js';

export type { EngineDependencies, PromoteRequest, PromoteResult, PromoteStatus } from './types.js';
import type { EngineDependencies, PromoteRequest, PromoteResult } from './types.js';

/** The part of a result known before anything runs. */
type ResultBase = Pick<PromoteResult, 'agent' | 'from' | 'to' | 'strategy' | 'module' | 'sourceDeployment'>;

/** What promote() settled before it chose a path (record only, dry run or a strategy). */
interface ResolvedPromotion {
  route: PromotionRoute;
  base: ResultBase;
  module: PromotedModule;
  targetCanisterId: string | null;
  /** Recorded as the promotion's options: resume and abort read them back. */
  options: JsonObject;
  notes: string[];
}

/** The part of a result a promotion's outcome decides; the steps come from the promotion's journal. */
type ResultOutcome = Pick<PromoteResult, 'status' | 'targetCanisterId' | 'targetDeployment' | 'notes' | 'detail'> &
  Partial<Pick<PromoteResult, 'routeBefore' | 'routeAfter'>>;

/** The facts the preflight found (shown by `promote show`; nothing reads them back). */
const preflightStep: JournalStepDefinition<JsonObject> = { name: 'preflight', decode: journalRecord.object };
/** What resume and abort read back from a promotion's recorded options (written by promote). */
const recordedOptions = journalRecord.fields({
  moduleSha256: journalRecord.string,
  moduleOrigin: journalRecord.oneOf('source-deployment', 'file'),
  wasmPath: journalRecord.nullable(journalRecord.string),
  strategyOptions: journalRecord.nullable(journalRecord.object),
});
/** --skip-deploy's one step: the deployment it recorded. */
const recordOnlyStep = journalStep('record', {
  skipDeploy: journalRecord.boolean,
  deploymentId: journalRecord.number,
  version: journalRecord.number,
  networkTouched: journalRecord.boolean,
});

/** A promotion by id, or a NOT_FOUND error that says how to find the right id. */
export function requirePromotion(store: HistoryStore, promotionId: string): Promotion {
  const promotion = store.promotions.get(promotionId);
  if (promotion) return promotion;
  throw new SoulrecallError(`Promotion ${promotionId} does not exist.`, {
    code: 'PROMOTION_NOT_FOUND',
    hint: 'Promotion ids look like prm-k3x9qa; `soulrecall promote list <agent>` lists them (plugin @soulrecall/plugin-history).',
  });
}

/**
 * The promotion state machine: lock → preflight → the strategy's steps → release, every step
 * journaled before and after its remote effect, so `resume` continues an interrupted promotion
 * from the journal and `abort` undoes it.
 */
export class PromotionEngine {
  private active?: { promotionId: string; lease: OperationLease };

  constructor(private readonly deps: EngineDependencies) {}

  private get store() {
    return this.deps.session.store;
  }

  /** The latest deployment recorded on the target canister, if there is one. */
  private targetLatest(route: PromotionRoute, targetCanisterId: string | null): Deployment | null {
    return targetCanisterId
      ? this.store.deployments.latest({
          agent: route.agent.name,
          environment: route.to.name,
          canisterId: targetCanisterId,
        })
      : null;
  }

  async promote(request: PromoteRequest): Promise<PromoteResult> {
    const config = this.deps.session.config!;
    const route = resolvePromotionRoute(config, request.agent, request.from, request.to);
    // --skip-deploy runs no strategy, so it needs none installed.
    const strategy = request.skipDeploy ? undefined : selectStrategy(this.deps.strategies, request.strategy);
    const targetCanisterId =
      request.targetCanister !== undefined
        ? parseCanisterId(request.targetCanister)
        : (this.store.routes.get(route.agent.name, route.to.name)?.canisterId ?? null);
    // The target's preflight (connect, read its controllers) needs nothing from the source's
    // drift check (connect, read its module hash): both start now, on their two networks at once,
    // and preflight is awaited where it was before (a refusal exits without waiting for it).
    // Not for a dry run or --skip-deploy, which contact no target, nor when the target may already
    // run the source's module: "nothing to do" would then wait for a target it never needed.
    const recordedTarget = this.targetLatest(route, targetCanisterId);
    const mayBeUnchanged =
      !request.force &&
      recordedTarget?.status === 'succeeded' &&
      (request.wasmPath !== undefined ||
        recordedSource(this.store, route).deployment?.moduleSha256 === recordedTarget.moduleSha256);
    const preflight =
      request.dryRun || request.skipDeploy || mayBeUnchanged
        ? undefined
        : startNow(this.deps.preflight(route.to, targetCanisterId));
    const source = await resolvePromotionSource(
      this.deps.session,
      route,
      { wasmPath: request.wasmPath, force: request.force, yes: request.yes, skipDriftCheck: request.skipDeploy },
      this.deps.probeModuleHash,
    );
    const notes: string[] = [];
    if (source.forcedDrift)
      notes.push(
        `--force: promoting recorded module ${shortHash(source.forcedDrift.recorded)} although ${route.from.name} runs ${source.forcedDrift.onChain ? shortHash(source.forcedDrift.onChain) : 'nothing'}.`,
      );
    if (source.fileOverride)
      notes.push(
        `-w: promoting ${request.wasmPath} (${shortHash(source.fileOverride.fileSha256)})${source.fileOverride.sourceSha256 ? `, not ${route.from.name}'s ${shortHash(source.fileOverride.sourceSha256)}` : ''}.`,
      );

    const base = resultBase(route, strategy?.name ?? 'skip-deploy', source.module, source.deployment);

    const targetLatest = this.targetLatest(route, targetCanisterId);
    if (targetLatest?.status === 'succeeded' && targetLatest.moduleSha256 === source.module.sha256 && !request.force) {
      return {
        ...base,
        status: 'unchanged',
        promotionId: null,
        targetCanisterId,
        targetDeployment: { id: targetLatest.id, version: targetLatest.version },
        routeBefore: targetCanisterId,
        routeAfter: targetCanisterId,
        steps: [],
        notes: [
          ...notes,
          `${route.to.name} already runs module ${shortHash(source.module.sha256)} (version ${targetLatest.version}); nothing to do. Pass --force to promote again.`,
        ],
        detail: {},
      };
    }

    const options: JsonObject = {
      moduleSha256: source.module.sha256,
      moduleOrigin: source.module.origin,
      wasmPath: source.module.path ?? null,
      force: request.force,
      yes: request.yes,
      skipDeploy: request.skipDeploy,
      forcedDrift: source.forcedDrift,
      fileOverride: source.fileOverride,
      strategyOptions: request.strategyOptions,
    };

    if (!strategy)
      return this.recordOnly(request, { route, base, module: source.module, targetCanisterId, options, notes });

    const plan = await strategy.plan(
      this.planContext(route, source.deployment, source.module, targetCanisterId, request.strategyOptions),
    );
    const steps: PlannedStep[] = [
      { name: 'lock', description: `take the promotion lock of ${route.agent.name}/${route.to.name}` },
      {
        name: 'preflight',
        description: `check ${route.to.networkUrl} answers and ${targetCanisterId ? `the identity controls ${targetCanisterId}` : 'the identity can create a canister'}`,
      },
      ...plan,
      { name: 'release', description: 'release the lock' },
    ];
    if (request.dryRun) {
      return dryRunResult(base, {
        targetCanisterId,
        routeAfter: null,
        steps: steps.map((step) => ({ name: step.name, description: step.description, detail: step.detail })),
        notes,
      });
    }
    if (route.to.protected) {
      await confirmOrRefuse({
        yes: request.yes,
        question: `Promote ${route.agent.name} to protected environment ${route.to.name}?`,
        input: this.deps.stdin,
      });
    }
    // Checked before anything is written, so an unreachable network or a canister we do not
    // control leaves no promotion behind; the facts are journaled as the preflight step.
    this.deps.onPlan?.(steps.map((step) => step.name));
    const preflightFacts = await (preflight?.() ?? this.deps.preflight(route.to, targetCanisterId));
    const { promotion, lease } = this.createLocked(route, source.module, {
      agent: route.agent.name,
      fromEnvironment: route.from.name,
      toEnvironment: route.to.name,
      strategy: strategy.name,
      sourceDeploymentId: source.deployment?.id,
      targetCanisterId: targetCanisterId ?? undefined,
      steps: steps.map((step) => step.name),
      options,
    });
    this.deps.progress(
      `Promotion ${promotion.id}: ${route.agent.name} ${route.from.name} → ${route.to.name} (${strategy.name}), module ${shortHash(source.module.sha256)}`,
    );
    const context = this.context(
      promotion,
      this.planContext(route, source.deployment, source.module, targetCanisterId, request.strategyOptions),
    );
    return this.drive(strategy, context, base, notes, { lease, preflightFacts });
  }

  /**
   * Creates the promotion and takes its lock in one transaction: when another promotion holds
   * the lock, LOCK_HELD (naming it) is thrown and the attempt is on the record only as an
   * aborted promotion saying who held the lock (a team sees every attempt in `promote list`,
   * whichever machine made it); nothing else is written. A module promoted
   * from a file is recorded in the artifact store in the same transaction (resume reads it back
   * by hash), so a promotion refused by any check before it leaves no artifact either.
   */
  private createLocked(
    route: ReturnType<typeof resolvePromotionRoute>,
    module: PromotedModule,
    input: Parameters<HistoryStore['promotions']['create']>[0],
  ): { promotion: Promotion; lease: Lease } {
    try {
      return this.store.transaction(() => {
        if (module.origin === 'file') this.store.artifacts.put(module.bytes);
        const promotion = this.store.promotions.create(input);
        const lease = this.store.locks.acquire({
          agent: route.agent.name,
          environment: route.to.name,
          operation: 'promotion',
          operationId: promotion.id,
          ttlMs: LEASE_MS,
        });
        this.journalLock(promotion.id, lease);
        return { promotion, lease };
      });
    } catch (error) {
      if (isHistoryStoreError(error, 'LOCK_HELD')) {
        this.store.transaction(() =>
          this.store.promotions.abort(this.store.promotions.create(input).id, `refused: ${error.message}`),
        );
      }
      throw error;
    }
  }

  /** Continues an interrupted or failed promotion from the last completed step of its journal. */
  async resume(promotionId: string): Promise<PromoteResult> {
    const promotion = requirePromotion(this.store, promotionId);
    if (promotion.status !== 'running' && promotion.status !== 'failed' && promotion.status !== 'planned') {
      throw new SoulrecallError(
        `Promotion ${promotion.id} is ${promotion.status}; only a planned, running (interrupted) or failed promotion can be resumed.`,
        {
          code: 'PROMOTION_NOT_RESUMABLE',
          hint: `\`soulrecall promote show ${promotion.id}\` shows what happened.`,
        },
      );
    }
    if (promotion.options.failedVerdict === true) {
      throw new SoulrecallError(
        `Promotion ${promotion.id} failed on its own verdict (${promotion.error ?? 'see promote show'}); there is nothing to resume.`,
        {
          code: 'PROMOTION_NOT_RESUMABLE',
          hint: 'Fix the module and promote again.',
        },
      );
    }
    const { strategy, context, base } = this.rebuild(promotion);
    this.deps.progress(`Resuming promotion ${promotion.id} from its journal`);
    this.deps.onPlan?.([...new Set(promotion.steps.map((step) => step.name))]);
    return this.drive(strategy, context, base, [`Resumed ${promotion.id}.`]);
  }

  /** Undoes what an interrupted or failed promotion did and releases its lock. */
  async abort(promotionId: string): Promise<PromoteResult> {
    const promotion = requirePromotion(this.store, promotionId);
    if (promotion.status !== 'running' && promotion.status !== 'failed' && promotion.status !== 'planned') {
      throw new SoulrecallError(`Promotion ${promotion.id} is ${promotion.status}; there is nothing to abort.`, {
        code: 'PROMOTION_NOT_ABORTABLE',
        hint:
          promotion.status === 'succeeded'
            ? `To undo a finished promotion, use \`soulrecall rollback ${promotion.targetCanisterId ?? '<canister-id>'}\`.`
            : `\`soulrecall promote show ${promotion.id}\` shows what happened.`,
      });
    }
    const { strategy, context, base } = this.rebuild(promotion);
    const lease = OperationLease.holding(this.store, this.acquire(context, 'abort'), this.whenLeaseLost(promotion.id));
    try {
      const outcome = await strategy.abort(context);
      syncCanisterIds(this.deps.session, context.agent.name, context.to.name);
      // A step the dead process left `running` may or may not have had its effect; the strategy's
      // abort has just dealt with either, so the journal records it as undone, not as running forever.
      context.journal.closeInterrupted('undone');
      // Nothing this promotion began stays pending: whatever the strategy did not account for was not kept.
      for (const deployment of this.store.deployments.list({
        agent: promotion.agent,
        environment: promotion.toEnvironment,
        status: 'pending',
        limit: 50,
      })) {
        if (deployment.promotionId === promotion.id)
          this.store.deployments.markRolledBack(deployment.id, `promotion ${promotion.id} aborted`);
      }
      const aborted = this.store.promotions.abort(
        promotion.id,
        `aborted by user; undone: ${outcome.undone.join(', ') || 'nothing'}`,
      );
      const result = promotionResult(base, aborted, {
        status: 'aborted',
        targetCanisterId: context.targetCanisterId,
        targetDeployment: null,
        notes: [`Undone: ${outcome.undone.join('; ') || 'nothing needed undoing'}.`],
        detail: outcome.detail ?? {},
      });
      await this.deps.emit('promote:after', { promotion: aborted, result });
      return result;
    } finally {
      lease.release();
    }
  }

  /** Called on SIGINT: records where the promotion stopped and gives the lock back. */
  interrupt(signal: string): string | undefined {
    if (!this.active) return undefined;
    const { promotionId, lease } = this.active;
    try {
      const promotion = this.store.promotions.require(promotionId);
      const running = promotion.steps.find((step) => step.status === 'running');
      if (promotion.status === 'running')
        this.store.promotions.fail(
          promotionId,
          `interrupted by ${signal}${running ? ` during step ${running.name}` : ''}`,
        );
      lease.release();
    } catch {
      // Best effort: the journal already says where it stopped, and a dead holder's lock is taken over.
    }
    return promotionId;
  }

  /**
   * The lost-lease policy of a promotion: it stops before its next step (LeaseLost, code
   * LOCK_LOST) and journals a failed `lock` step saying why, so `promote show` shows where it
   * stopped and `resume` takes the lock again.
   */
  private whenLeaseLost(promotionId: string): LostLeasePolicy {
    return {
      hint: `It made no network call after that: \`soulrecall promote show ${promotionId}\` shows the steps that completed, and \`soulrecall doctor\` who holds the lock now.`,
      journal: (lost) => {
        const begun = this.store.promotions.beginStep(promotionId, 'lock');
        this.store.promotions.endStep(promotionId, begun.index, { status: 'failed', error: lost.message });
      },
    };
  }

  /** Before each step: the lease must still be ours. The release step gives it back, so it goes on even when lost. */
  private beforeStep(name: string): void {
    if (name !== 'release') this.active?.lease.check();
  }

  /** `fresh`: a new promotion whose lock is already held and whose preflight already ran. */
  private async drive(
    strategy: PromotionStrategy,
    context: PromotionContext,
    base: ResultBase,
    notes: string[],
    fresh?: { lease: Lease; preflightFacts: JsonObject },
  ): Promise<PromoteResult> {
    const promotionId = context.promotion.id;
    // Taken before the try: when another process holds the lock (LOCK_HELD) it is driving this
    // very promotion, or another one, and their records are not ours to mark failed.
    // Renewed while the strategy runs; once lost (taken over, or the store unwritable) the next
    // step throws instead of changing the canister beside whoever holds the lock now.
    const lease = OperationLease.holding(
      this.store,
      fresh?.lease ?? this.acquire(context, 'lock'),
      this.whenLeaseLost(promotionId),
    );
    this.active = { promotionId, lease };
    let held = true;
    try {
      // The lock step is journaled by createLocked/acquire, outside the journal's step(): its fault-injection point is
      // here.
      await this.deps.afterStep?.('lock');
      // A process killed between a route change and its canister_ids.json write left the file behind the store.
      syncCanisterIds(this.deps.session, context.agent.name, context.to.name);
      await this.deps.emit('promote:before', { promotion: this.store.promotions.require(promotionId) });
      if (this.store.promotions.require(promotionId).status !== 'running') this.store.promotions.start(promotionId);
      await context.journal.step(
        preflightStep,
        async () => fresh?.preflightFacts ?? this.deps.preflight(context.to, context.targetCanisterId),
      );
      const outcome: StrategyOutcome = await strategy.run(context);
      this.store.promotions.update(promotionId, {
        targetCanisterId: outcome.targetCanisterId,
        ...(outcome.targetDeploymentId !== null ? { targetDeploymentId: outcome.targetDeploymentId } : {}),
      });
      await this.release(context.journal, lease);
      held = false;
      const finished = this.store.promotions.succeed(promotionId);
      const deployment =
        outcome.targetDeploymentId !== null ? this.store.deployments.require(outcome.targetDeploymentId) : null;
      const result = promotionResult(base, finished, {
        status: 'succeeded',
        targetCanisterId: outcome.targetCanisterId,
        targetDeployment: deployment ? { id: deployment.id, version: deployment.version } : null,
        routeBefore: outcome.routeBefore,
        routeAfter: outcome.routeAfter,
        notes,
        detail: outcome.detail ?? {},
      });
      await this.deps.emit('promote:after', { promotion: finished, result });
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (held) await this.release(context.journal, lease);
      const current = this.store.promotions.get(promotionId);
      if (current && (current.status === 'running' || current.status === 'planned')) {
        if (error instanceof PromotionFailure && error.rolledBack)
          this.store.promotions.markRolledBack(promotionId, message);
        else {
          // A strategy's own verdict (unhealthy, failed verification) is final: there is nothing
          // left to resume. Anything else (an interruption, a network gone) can be resumed.
          if (error instanceof PromotionFailure)
            this.store.promotions.update(promotionId, { options: { failedVerdict: true } });
          this.store.promotions.fail(promotionId, message);
        }
      }
      await this.deps.emit('promote:after', { promotion: this.store.promotions.require(promotionId), error: message });
      if (error instanceof PromotionFailure) {
        throw new SoulrecallError(
          `Promotion ${promotionId} ${error.rolledBack ? 'failed and was rolled back' : 'failed'}: ${message}`,
          {
            code: error.rolledBack ? 'PROMOTION_ROLLED_BACK' : 'PROMOTION_FAILED',
            hint: error.hint ?? `\`soulrecall promote show ${promotionId}\` shows each step.`,
            details: { promotionId },
          },
        );
      }
      const next = `\`soulrecall promote resume ${promotionId}\` continues from the journal, \`soulrecall promote abort ${promotionId}\` undoes it.`;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && isSoulrecallErrorCode(code)) {
        // Keep the code (and so the exit code) of what stopped it, and the hint a command shows for it; add the way
        // forward.
        const stopped = toSoulrecallError(error);
        const hint = `${stopped.hint ? `${stopped.hint} ` : ''}Then ${next}`;
        throw new SoulrecallError(stopped.message, {
          code: stopped.code,
          hint,
          cause: error,
          details: stopped.details,
        });
      }
      if (typeof code === 'string') {
        // A file-system errno: the fix toSoulrecallError names comes first, then this way forward.
        const coded = error as Error & { hint?: string };
        Object.defineProperty(coded, 'hint', {
          value: `${coded.hint ? `${coded.hint} ` : ''}Then ${next}`,
          configurable: true,
          enumerable: true,
        });
        throw coded;
      }
      throw new SoulrecallError(`Promotion ${promotionId} stopped: ${message}`, {
        code: 'PROMOTION_INTERRUPTED',
        hint: `Fix the cause, then ${next}`,
        cause: error,
        details: { promotionId },
      });
    } finally {
      this.active = undefined;
    }
  }

  /**
   * Gives the lock back, journaled while the promotion is still open; the lock is released even
   * when journaling fails (the store is what failed, and a held lock would block everyone).
   */
  private async release(journal: StepJournal, lease: OperationLease): Promise<void> {
    this.deps.onStep?.({ name: 'release', phase: 'started' });
    try {
      await journal.always('release', () => ({ released: lease.release() }));
      this.deps.onStep?.({ name: 'release', phase: 'succeeded' });
      await this.deps.afterStep?.('release');
    } catch (error) {
      lease.release();
      this.deps.onStep?.({
        name: 'release',
        phase: 'failed',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private acquire(context: PromotionContext, stepName: 'lock' | 'abort'): Lease {
    const take = () =>
      this.store.locks.acquire({
        agent: context.agent.name,
        environment: context.to.name,
        operation: 'promotion',
        operationId: context.promotion.id,
        ttlMs: LEASE_MS,
      });
    if (stepName === 'abort') return take();
    // Journaled like any step, but taken again on every resume (the old holder is gone), and
    // only once held: a refused attempt must not write into a journal another process drives.
    const lease = take();
    this.store.transaction(() => this.journalLock(context.promotion.id, lease));
    return lease;
  }

  /** The lock step of the journal: who holds it and until when. */
  private journalLock(promotionId: string, lease: Lease): void {
    const begun = this.store.promotions.beginStep(promotionId, 'lock');
    this.store.promotions.endStep(promotionId, begun.index, {
      status: 'succeeded',
      detail: { pid: lease.pid, host: lease.host, expiresAt: lease.expiresAt },
    });
    this.deps.onStep?.({ name: 'lock', phase: 'started' });
    this.deps.onStep?.({ name: 'lock', phase: 'succeeded' });
  }

  /** --skip-deploy: the deploy was done by another tool; record the promotion and the target deployment only. */
  private async recordOnly(request: PromoteRequest, resolved: ResolvedPromotion): Promise<PromoteResult> {
    const { route, base, module, targetCanisterId, options, notes } = resolved;
    if (!targetCanisterId) {
      throw new SoulrecallError(
        `--skip-deploy records a deployment to an existing canister, and ${route.agent.name} has none in ${route.to.name}.`,
        {
          code: 'SKIP_DEPLOY_NEEDS_CANISTER',
          hint: 'Name the canister the other tool deployed to with --target-canister <id>.',
        },
      );
    }
    const note = `--skip-deploy: no network was touched (${route.from.name} was not checked for drift); the promotion and deployment are recorded only.`;
    if (request.dryRun) {
      return dryRunResult(base, {
        targetCanisterId,
        routeAfter: targetCanisterId,
        steps: [
          {
            name: 'record',
            description: `record version N of ${route.agent.name} in ${route.to.name} on ${targetCanisterId} (no network call)`,
          },
        ],
        notes: [...notes, note],
      });
    }
    const store = this.store;
    const locked = this.createLocked(route, module, {
      agent: route.agent.name,
      fromEnvironment: route.from.name,
      toEnvironment: route.to.name,
      strategy: 'skip-deploy',
      sourceDeploymentId: base.sourceDeployment?.id,
      targetCanisterId,
      steps: ['lock', 'record', 'release'],
      options,
    });
    const { promotion } = locked;
    const lease = OperationLease.holding(store, locked.lease, this.whenLeaseLost(promotion.id));
    const journal = new StepJournal(store, promotion.id, this.deps.onStep);
    store.promotions.start(promotion.id);
    const routeBefore = store.routes.get(route.agent.name, route.to.name)?.canisterId ?? null;
    const release = () => this.release(journal, lease);
    let detail: { deploymentId: number; version: number };
    try {
      detail = await journal.step(recordOnlyStep, async () => {
        if (!store.canisters.get(route.to.name, targetCanisterId)) {
          store.canisters.record({
            canisterId: targetCanisterId,
            networkUrl: route.to.networkUrl,
            environment: route.to.name,
            agent: route.agent.name,
            role: 'primary',
          });
        }
        const deployment = store.deployments.begin({
          agent: route.agent.name,
          environment: route.to.name,
          canisterId: targetCanisterId,
          moduleSha256: base.module.sha256,
          installMode: 'upgrade',
          promotionId: promotion.id,
        });
        store.deployments.finish(deployment.id, { status: 'succeeded' });
        if (routeBefore === null)
          store.routes.set({
            agent: route.agent.name,
            environment: route.to.name,
            canisterId: targetCanisterId,
            cause: 'promotion',
            reason: 'first deployment (recorded with --skip-deploy)',
            promotionId: promotion.id,
          });
        return { skipDeploy: true, deploymentId: deployment.id, version: deployment.version, networkTouched: false };
      });
    } catch (error) {
      await release();
      // Nothing remote happened: there is nothing to resume or undo.
      store.promotions.fail(promotion.id, error instanceof Error ? error.message : String(error));
      throw error;
    }
    await release();
    store.promotions.update(promotion.id, { targetDeploymentId: detail.deploymentId });
    const finished = store.promotions.succeed(promotion.id);
    const result = promotionResult(base, finished, {
      status: 'recorded',
      targetCanisterId,
      targetDeployment: { id: detail.deploymentId, version: detail.version },
      routeBefore,
      routeAfter: store.routes.get(route.agent.name, route.to.name)?.canisterId ?? null,
      notes: [...notes, note],
      detail: {},
    });
    await this.deps.emit('promote:after', { promotion: finished, result });
    return result;
  }

  private rebuild(promotion: Promotion) {
    const config = this.deps.session.config!;
    const route = resolvePromotionRoute(config, promotion.agent, promotion.fromEnvironment, promotion.toEnvironment);
    const strategy = selectStrategy(this.deps.strategies, promotion.strategy);
    const options = recordedOptions(promotion.options, 'options');
    const sourceDeployment =
      promotion.sourceDeploymentId !== null ? this.store.deployments.require(promotion.sourceDeploymentId) : null;
    const module = storedModule(this.store, options.moduleSha256, options.moduleOrigin, options.wasmPath ?? undefined);
    const context = this.context(
      promotion,
      this.planContext(route, sourceDeployment, module, promotion.targetCanisterId, options.strategyOptions ?? {}),
    );
    return { strategy, context, base: resultBase(route, strategy.name, module, sourceDeployment) };
  }

  private planContext(
    route: ReturnType<typeof resolvePromotionRoute>,
    sourceDeployment: PlanContext['sourceDeployment'],
    module: PlanContext['module'],
    targetCanisterId: string | null,
    options: JsonObject,
  ): PlanContext {
    return {
      session: this.deps.session,
      config: this.deps.session.config!,
      agent: route.agent,
      from: route.from,
      to: route.to,
      sourceDeployment,
      module,
      targetCanisterId,
      options,
    };
  }

  private context(promotion: Promotion, plan: PlanContext): PromotionContext {
    return {
      ...plan,
      promotion,
      journal: new StepJournal(
        this.store,
        promotion.id,
        this.deps.onStep,
        async (name) => this.deps.afterStep?.(name),
        (name) => this.beforeStep(name),
      ),
      progress: (message) => this.deps.progress(message),
    };
  }
}

/** The result of a promotion that ran (succeeded, recorded or aborted): its steps as the journal has them. */
function promotionResult(base: ResultBase, promotion: Promotion, outcome: ResultOutcome): PromoteResult {
  return {
    ...base,
    status: outcome.status,
    promotionId: promotion.id,
    targetCanisterId: outcome.targetCanisterId,
    targetDeployment: outcome.targetDeployment,
    routeBefore: outcome.routeBefore ?? null,
    routeAfter: outcome.routeAfter ?? null,
    steps: promotion.steps.map((step) => ({ name: step.name, status: step.status, detail: step.detail })),
    notes: outcome.notes,
    detail: outcome.detail,
  };
}

/** What --dry-run shows: the planned steps, the route it would leave, and that nothing changed. */
interface DryRunOutcome {
  targetCanisterId: string | null;
  routeAfter: string | null;
  steps: Array<{ name: string; description: string; detail?: unknown }>;
  notes: string[];
}

/** The result of a promotion that only planned (--dry-run): no promotion recorded, every step `planned`. */
function dryRunResult(base: ResultBase, outcome: DryRunOutcome): PromoteResult {
  return {
    ...base,
    status: 'dry-run',
    promotionId: null,
    targetCanisterId: outcome.targetCanisterId,
    targetDeployment: null,
    routeBefore: outcome.targetCanisterId,
    routeAfter: outcome.routeAfter,
    steps: outcome.steps.map((step) => ({
      name: step.name,
      status: 'planned',
      description: step.description,
      detail: step.detail,
    })),
    notes: [...outcome.notes, 'Dry run: nothing was changed.'],
    detail: {},
  };
}

/** What a result says about the hop, the strategy, the module and where it came from. */
function resultBase(
  route: ReturnType<typeof resolvePromotionRoute>,
  strategy: string,
  module: PromotedModule,
  sourceDeployment: Deployment | null,
): ResultBase {
  return {
    agent: route.agent.name,
    from: route.from.name,
    to: route.to.name,
    strategy,
    module: { sha256: module.sha256, size: module.size, origin: module.origin, path: module.path ?? null },
    sourceDeployment: sourceDeployment
      ? { id: sourceDeployment.id, version: sourceDeployment.version, canisterId: sourceDeployment.canisterId }
      : null,
  };
}

/**
 * Starts `work` now and returns how to wait for it later. The result is kept for whoever asks;
 * when nobody does, its failure is dropped rather than reported as an unhandled rejection.
 */
function startNow<T>(work: Promise<T>): () => Promise<T> {
  work.catch(() => undefined);
  return () => work;
}
