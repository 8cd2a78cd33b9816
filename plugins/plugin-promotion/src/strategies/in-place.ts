import { wasmArtifactFromBytes } from '@soulrecall/canister-client';
import {
  adoptPlannedCanister,
  assertUpgradeKeepsPersistence,
  clearRoute,
  createCanisterStep,
  shortHash,
  deleteAndDecommission,
  deploySteps,
  ensureCanister,
  journalRecord as field,
  journalStep,
  PromotionFailure,
  restoreSnapshot,
  runDeploySequence,
  switchRoute,
  UnhealthyDeployment,
  type DeploySequenceResult,
  type PlanContext,
  type PlannedStep,
  type PromotionContext,
  type PromotionStrategy,
  type StrategyOutcome,
} from '@soulrecall/core';

/** The in-place steps around the deploy sequence's backup, install and verify. */
const createStep = journalStep('create', { canisterId: field.string });
const recordStep = journalStep('record', { deploymentId: field.number, routeChanged: field.boolean });

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

  async plan(context: PlanContext): Promise<PlannedStep[]> {
    const target = context.targetCanisterId;
    if (target) {
      // Refused here, before the promotion is recorded: an upgrade the network would refuse.
      await assertUpgradeKeepsPersistence(context.session, {
        canisterId: target,
        environment: context.to.name,
        module: context.module,
      });
    }
    const module = shortHash(context.module.sha256);
    const health = context.agent.health
      ? `query ${context.agent.health.method} must report healthy`
      : 'running with the promoted module hash';
    const steps: PlannedStep[] = [];
    if (!target)
      steps.push({ name: 'create', description: `create a canister for ${context.agent.name} in ${context.to.name}` });
    steps.push(
      {
        name: 'backup',
        description: target
          ? `snapshot canister ${target} (code, heap, stable memory)`
          : 'no existing state to snapshot',
        detail: { canisterId: target },
      },
      {
        name: 'install',
        description: `${target ? `upgrade ${target}` : 'install into the new canister'} with module ${module} (${context.module.size} bytes)`,
        detail: { canisterId: target, moduleSha256: context.module.sha256 },
      },
      { name: 'verify', description: `health check: ${health}` },
      {
        name: 'record',
        description: `record the deployment in ${context.to.name}${target ? '' : ' and make the canister live'}`,
      },
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
      canisterId = await createCanisterStep(context, client, createStep);
    } else if (!store.canisters.get(to.name, canisterId)) {
      // --target-canister named a canister soulrecall did not know: adopt it (preflight checked control).
      await ensureCanister(session, client, { agent: agent.name, environment: to, canisterId });
    }
    const target = canisterId;

    const previousInstall = journal.current(deploySteps.install.name);
    let sequence: DeploySequenceResult;
    try {
      sequence = await runDeploySequence(
        session,
        client,
        {
          agent,
          environment: to,
          canisterId: target,
          module: wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`),
          mode: 'auto',
          promotionId: context.promotion.id,
          resumable: true,
          installInterrupted: previousInstall?.status === 'running' || previousInstall?.status === 'failed',
        },
        journal,
        { progress: context.progress },
      );
    } catch (error) {
      if (!(error instanceof UnhealthyDeployment)) throw error;
      if (!error.restored) {
        throw new PromotionFailure(
          `the new version is unhealthy (${error.problems}) and there was no earlier state to restore`,
          false,
          `\`soulrecall logs ${target}\` may say why; \`soulrecall promote abort ${context.promotion.id}\` deletes a canister the promotion created.`,
        );
      }
      throw new PromotionFailure(
        `the new version was unhealthy (${error.problems}); snapshot ${error.restored.backupId} was restored, so ${to.name} runs the previous version with its memories`,
        true,
        `Fix the module and promote again; \`soulrecall logs ${target}\` may say why.`,
      );
    }
    const deploymentId = sequence.deployment.id;

    await journal.step(recordStep, async () => {
      const deployment = store.deployments.get(deploymentId);
      if (deployment?.status === 'pending')
        store.deployments.finish(deploymentId, { status: 'succeeded' }, { principal: client.principal });
      const route =
        routeBefore === null
          ? switchRoute(session, {
              agent: agent.name,
              environment: to.name,
              canisterId: target,
              cause: 'promotion',
              reason: `promotion ${context.promotion.id}`,
              promotionId: context.promotion.id,
              expectedCanisterId: null,
              principal: client.principal,
            })
          : null;
      return { deploymentId, routeChanged: route !== null };
    });
    return {
      targetCanisterId: target,
      targetDeploymentId: deploymentId,
      routeBefore,
      routeAfter: store.routes.get(agent.name, to.name)?.canisterId ?? null,
      detail: {
        installMode: sequence.install.mode,
        snapshotBackupId: sequence.backup?.backupId ?? null,
        chunked: sequence.install.chunked,
      },
    };
  }

  async abort(context: PromotionContext) {
    const { session, journal, to, agent } = context;
    const store = session.store;
    const undone: string[] = [];
    const client = await session.client(to);
    const backup = journal.completed(deploySteps.backup);
    const install = journal.current(deploySteps.install.name);
    const installRan =
      install !== undefined &&
      install.status !== 'pending' &&
      install.status !== 'skipped' &&
      install.status !== 'undone';
    if (installRan && backup?.backupId) {
      const record = store.backups.require(backup.backupId);
      await restoreSnapshot(session, client, record, `abort of promotion ${context.promotion.id}`);
      journal.undone(deploySteps.install.name, { restoredBackupId: record.id });
      undone.push(`restored snapshot ${record.id} on ${record.canisterId}`);
    }
    // Its deployment did not stay: the snapshot from before it is back, or its canister goes.
    for (const deployment of store.deployments.list({ agent: agent.name, environment: to.name, limit: 20 })) {
      if (
        deployment.promotionId === context.promotion.id &&
        (deployment.status === 'pending' || deployment.status === 'succeeded')
      )
        store.deployments.markRolledBack(deployment.id, `promotion ${context.promotion.id} aborted`);
    }
    // The canister this promotion created, also when it was killed between the create call and
    // its record: the journaled plan finds it.
    const completed = journal.completed(createStep);
    const plan = await journal.plannedCreation(createStep.name);
    const created = completed
      ? completed.canisterId
      : plan
        ? await adoptPlannedCanister(session, client, { agent: agent.name, environment: to, plan })
        : null;
    if (created) {
      if (store.routes.get(agent.name, to.name)?.canisterId === created) {
        // A first deployment made it live: undoing it leaves the environment without a live canister, as before.
        clearRoute(session, {
          agent: agent.name,
          environment: to.name,
          canisterId: created,
          reason: `abort of promotion ${context.promotion.id}`,
          promotionId: context.promotion.id,
          principal: client.principal,
        });
        undone.push(`removed the route to ${created}`);
      }
      await deleteAndDecommission(session, client, {
        environment: to.name,
        canisterId: created,
        reason: `created by aborted promotion ${context.promotion.id}`,
      });
      journal.undone(createStep.name, { deleted: true });
      undone.push(`deleted canister ${created} it had created`);
    }
    return { undone };
  }
}
