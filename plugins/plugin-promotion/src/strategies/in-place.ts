import { wasmArtifactFromBytes, type CanisterClient } from '@soulrecall/canister-client';
import {
  adoptPlannedCanister,
  assertUpgradeKeepsPersistence,
  checkAgentHealth,
  clearRoute,
  shortHash,
  deleteAndDecommission,
  ensureCanister,
  healthToJson,
  PromotionFailure,
  restoreSnapshot,
  snapshotBeforeUpgrade,
  switchRoute,
  type PlannedStep,
  type PromotionContext,
  type PromotionStrategy,
  type StrategyOutcome,
} from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';

/**
 * `in-place`: upgrade the target's live canister where it stands, so the agent keeps its
 * memories (stable memory, and the heap for Motoko's enhanced orthogonal persistence). A
 * snapshot is taken first; an unhealthy result loads it back. An environment without a
 * canister gets one created and installed.
 */
export class InPlaceStrategy implements PromotionStrategy {
  readonly name = 'in-place';

  describe(): string {
    return "upgrade the target's live canister in place, keeping its memories (snapshot first, restored if unhealthy)";
  }

  async plan(context: PromotionContext): Promise<PlannedStep[]> {
    const target = context.targetCanisterId;
    if (target) {
      // Refused here, before the promotion is recorded: an upgrade the network would refuse.
      await assertUpgradeKeepsPersistence(context.session, { canisterId: target, environment: context.to.name, module: context.module });
    }
    const module = shortHash(context.module.sha256);
    const health = context.agent.health ? `query ${context.agent.health.method} must report healthy` : 'running with the promoted module hash';
    const steps: PlannedStep[] = [];
    if (!target) steps.push({ name: 'create', description: `create a canister for ${context.agent.name} in ${context.to.name}` });
    steps.push(
      { name: 'backup', description: target ? `snapshot canister ${target} (code, heap, stable memory)` : 'no existing state to snapshot', detail: { canisterId: target } },
      { name: 'install', description: `${target ? `upgrade ${target}` : 'install into the new canister'} with module ${module} (${context.module.size} bytes)`, detail: { canisterId: target, moduleSha256: context.module.sha256 } },
      { name: 'verify', description: `health check: ${health}` },
      { name: 'record', description: `record the deployment in ${context.to.name}${target ? '' : ' and make the canister live'}` },
    );
    return steps;
  }

  async run(context: PromotionContext): Promise<StrategyOutcome> {
    const { session, journal, agent, to } = context;
    const store = session.store;
    const client = await session.client(to);
    const routeBefore = store.routes.get(agent.name, to.name)?.canisterId ?? null;

    let canisterId = context.targetCanisterId;
    if (!canisterId) {
      // The plan (chosen id, or ledger deduplication) is journaled before the create call, so a
      // rerun after a crash finds the canister the first attempt made instead of making another.
      const plan = (await journal.plannedCreation('create')) ?? client.planCreation();
      const created = await journal.step('create', async () => {
        const { canister } = await ensureCanister(session, client, { agent: agent.name, environment: to, plan }, { progress: context.progress });
        return { canisterId: canister.canisterId };
      }, { plan: { ...plan } });
      canisterId = String(created.canisterId);
    } else if (!store.canisters.get(to.name, canisterId)) {
      // --target-canister named a canister soulrecall did not know: adopt it (preflight checked control).
      await ensureCanister(session, client, { agent: agent.name, environment: to, canisterId });
    }
    const target = canisterId;

    const backup = await journal.step('backup', async () => {
      const previousModuleHash = (await client.status(target)).moduleHash;
      // A backup step interrupted after this point already began the deployment: reuse it
      // rather than leave a second version pending forever.
      const deployment =
        store.deployments.list({ agent: agent.name, environment: to.name, canisterId: target, status: 'pending', limit: 10 }).find((pending) => pending.promotionId === context.promotion.id) ??
        store.deployments.begin({
          agent: agent.name, environment: to.name, canisterId: target, moduleSha256: context.module.sha256,
          installMode: previousModuleHash === null ? 'install' : 'upgrade', promotionId: context.promotion.id, by: { principal: client.principal },
        });
      if (previousModuleHash === null) return { deploymentId: deployment.id, version: deployment.version, previousModuleHash, backupId: null, snapshotId: null };
      context.progress(`Snapshot of ${target} before version ${deployment.version}…`);
      const taken = await snapshotBeforeUpgrade(session, client, deployment);
      return { deploymentId: deployment.id, version: deployment.version, previousModuleHash, backupId: taken.id, snapshotId: taken.snapshotId };
    });
    const deploymentId = Number(backup.deploymentId);

    const previousInstall = journal.current('install');
    const interruptedInstall = previousInstall?.status === 'running' || previousInstall?.status === 'failed';
    const installed = await journal.step('install', async () => {
      context.progress(`Installing module ${shortHash(context.module.sha256)} on ${target}…`);
      const module = wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`);
      // The backup step read the module hash a moment ago, under the promotion lock: no second
      // certified read. Not on a resumed install, which may have changed it before the crash.
      const firstAttempt = !interruptedInstall && (typeof backup.previousModuleHash === 'string' || backup.previousModuleHash === null);
      const currentModuleHash = firstAttempt ? (backup.previousModuleHash as string | null) : undefined;
      const result = await client.install({ canisterId: target, module, mode: 'auto', stopBeforeUpgrade: true, currentModuleHash });
      return { mode: result.mode, moduleHash: result.moduleHash, previousModuleHash: result.previousModuleHash, chunked: result.chunked };
    });

    await journal.step('verify', async (): Promise<JsonObject> => {
      const health = await checkAgentHealth(client, target, agent, context.module.sha256);
      if (!health.healthy) return this.rollBackUnhealthy(context, client, target, deploymentId, backup, health.problems.join('; ') || 'the health check failed');
      return { healthy: true, health: healthToJson(health) as JsonObject };
    });

    const recorded = await journal.step('record', async () => {
      const deployment = store.deployments.get(deploymentId);
      if (deployment?.status === 'pending') store.deployments.finish(deploymentId, { status: 'succeeded' }, { principal: client.principal });
      const route = routeBefore === null
        ? switchRoute(session, { agent: agent.name, environment: to.name, canisterId: target, cause: 'promotion', reason: `promotion ${context.promotion.id}`, promotionId: context.promotion.id, expectedCanisterId: null, principal: client.principal })
        : null;
      return { deploymentId, routeChanged: route !== null };
    });
    return {
      targetCanisterId: target,
      targetDeploymentId: Number(recorded.deploymentId),
      routeBefore,
      routeAfter: store.routes.get(agent.name, to.name)?.canisterId ?? null,
      detail: { installMode: String(installed.mode), snapshotBackupId: backup.backupId ?? null, chunked: Boolean(installed.chunked) },
    };
  }

  /** Unhealthy: load the snapshot back, check again, record the deployment as rolled back. */
  private async rollBackUnhealthy(context: PromotionContext, client: CanisterClient, canisterId: string, deploymentId: number, backup: JsonObject, problems: string): Promise<never> {
    const store = context.session.store;
    if (typeof backup.backupId !== 'string') {
      store.deployments.finish(deploymentId, { status: 'failed', error: `unhealthy: ${problems}` }, { principal: client.principal });
      throw new PromotionFailure(`the new version is unhealthy (${problems}) and there was no earlier state to restore`, false, `\`soulrecall logs ${canisterId}\` may say why; \`soulrecall promote abort ${context.promotion.id}\` deletes a canister the promotion created.`);
    }
    const record = store.backups.require(backup.backupId);
    context.progress(`Unhealthy (${problems}); restoring snapshot ${record.snapshotId}…`);
    await context.journal.always('restore', async () => {
      await restoreSnapshot(context.session, client, record, `automatic rollback of promotion ${context.promotion.id}: unhealthy`);
      const after = await checkAgentHealth(client, canisterId, context.agent, typeof backup.previousModuleHash === 'string' ? backup.previousModuleHash : null);
      return { backupId: record.id, healthyAfterRestore: after.healthy };
    });
    store.deployments.markRolledBack(deploymentId, `unhealthy after promotion (${problems}); snapshot ${record.id} restored`, { principal: client.principal });
    throw new PromotionFailure(`the new version was unhealthy (${problems}); snapshot ${record.id} was restored, so ${context.to.name} runs the previous version with its memories`, true, `Fix the module and promote again; \`soulrecall logs ${canisterId}\` may say why.`);
  }

  async abort(context: PromotionContext) {
    const { session, journal, to, agent } = context;
    const store = session.store;
    const undone: string[] = [];
    const client = await session.client(to);
    const backup = journal.completed('backup');
    const install = journal.current('install');
    const installRan = install !== undefined && install.status !== 'pending' && install.status !== 'skipped' && install.status !== 'undone';
    if (installRan && typeof backup?.backupId === 'string') {
      const record = store.backups.require(backup.backupId);
      await restoreSnapshot(session, client, record, `abort of promotion ${context.promotion.id}`);
      journal.undone('install', { restoredBackupId: record.id });
      undone.push(`restored snapshot ${record.id} on ${record.canisterId}`);
    }
    // Its deployment did not stay: the snapshot from before it is back, or its canister goes.
    for (const deployment of store.deployments.list({ agent: agent.name, environment: to.name, limit: 20 })) {
      if (deployment.promotionId === context.promotion.id && (deployment.status === 'pending' || deployment.status === 'succeeded')) store.deployments.markRolledBack(deployment.id, `promotion ${context.promotion.id} aborted`);
    }
    // The canister this promotion created, also when it was killed between the create call and
    // its record: the journaled plan finds it.
    const completed = journal.completed('create');
    const plan = await journal.plannedCreation('create');
    const created = typeof completed?.canisterId === 'string' ? completed.canisterId : plan ? await adoptPlannedCanister(session, client, { agent: agent.name, environment: to, plan }) : null;
    if (created) {
      if (store.routes.get(agent.name, to.name)?.canisterId === created) {
        // A first deployment made it live: undoing it leaves the environment without a live canister, as before.
        clearRoute(session, { agent: agent.name, environment: to.name, canisterId: created, reason: `abort of promotion ${context.promotion.id}`, promotionId: context.promotion.id, principal: client.principal });
        undone.push(`removed the route to ${created}`);
      }
      await deleteAndDecommission(session, client, { environment: to.name, canisterId: created, reason: `created by aborted promotion ${context.promotion.id}` });
      journal.undone('create', { deleted: true });
      undone.push(`deleted canister ${created} it had created`);
    }
    return { undone };
  }
}
