import type { CanisterClient, SnapshotInfo, WasmArtifact } from '@soulrecall/canister-client';
import type { Backup, Deployment, InstallMode, JsonObject } from '@soulrecall/history-store';
import type { AgentConfig, EnvironmentConfig } from '../config/types.js';
import { journalRecord as field, journalStep, type JournalStepDefinition } from '../promotion/journal-record.js';
import { shortHash } from '../output/table.js';
import { restoreSnapshot, takeRecordedSnapshot } from './backups.js';
import { checkAgentHealth, healthToJson, type AgentHealth } from './health-check.js';
import type { OperationHooks } from './deploy-operation.js';
import type { Session } from './session.js';

/** The steps of one deployment and what each records: a promotion's journal reads them back on resume. */
export const deploySteps = {
  backup: journalStep('backup', {
    deploymentId: field.number,
    version: field.number,
    previousModuleHash: field.nullable(field.string),
    backupId: field.nullable(field.string),
    snapshotId: field.nullable(field.string),
  }),
  install: journalStep('install', {
    mode: field.oneOf('install', 'reinstall', 'upgrade'),
    moduleHash: field.string,
    previousModuleHash: field.nullable(field.string),
    chunked: field.boolean,
  }),
  verify: journalStep('verify', { healthy: field.boolean, health: field.object }),
};

/**
 * Runs the sequence's steps: a promotion passes its StepJournal (a resumed promotion skips the
 * steps that completed and reads their records back), a deploy runs them directly.
 */
export interface DeployStepRunner {
  step<T extends JsonObject>(definition: JournalStepDefinition<T>, run: () => Promise<T>): Promise<T>;
  always<T extends JsonObject>(name: string, run: () => Promise<T>): Promise<T>;
}

/** Each step run once, now: for a deploy, whose record is its deployment. `afterStep` as OperationHooks'. */
export function unjournaledSteps(afterStep: (name: string) => Promise<void> = async () => {}): DeployStepRunner {
  return {
    step: async ({ name }, run) => {
      const detail = await run();
      await afterStep(name);
      return detail;
    },
    always: (_name, run) => run(),
  };
}

export interface DeploySequenceInput {
  agent: AgentConfig;
  environment: EnvironmentConfig;
  canisterId: string;
  module: WasmArtifact;
  /** `auto`: install into an empty canister, upgrade one that has code. */
  mode: InstallMode | 'auto';
  /** The module hash the caller read under the lease a moment ago (no second certified read); undefined: read it. */
  currentModuleHash?: string | null;
  promotionId?: string;
  /**
   * A promotion reruns a failed step on resume, so its deployment stays pending; a deploy is over
   * when a step fails, and its deployment is recorded failed.
   */
  resumable: boolean;
  /** The install step ran before and did not complete (a resumed promotion): the canister may run either module. */
  installInterrupted?: boolean;
}

export interface DeploySequenceResult {
  /** Still pending: the caller records it succeeded (and the route) as its last step. */
  deployment: Deployment;
  backup: { backupId: string; snapshotId: string } | null;
  previousModuleHash: string | null;
  install: { mode: InstallMode; moduleHash: string; previousModuleHash: string | null; chunked: boolean };
  health: JsonObject;
}

/**
 * Unhealthy after the install: the snapshot from before it was restored (`restored` not null) or
 * there was none; the deployment is already recorded rolled back or failed. Callers turn it into
 * their own verdict (deploy: DEPLOY_ROLLED_BACK / UNHEALTHY; a promotion: PromotionFailure).
 */
export class UnhealthyDeployment extends Error {
  constructor(
    readonly problems: string,
    readonly deployment: Deployment,
    readonly restored: { backupId: string; healthAfterRestore: AgentHealth | null } | null,
  ) {
    super(`unhealthy after the install: ${problems}`);
    this.name = 'UnhealthyDeployment';
  }
}

/** Snapshot (code, heap, stable memory) taken just before a deployment changes a canister, linked to it. */
export async function snapshotBeforeUpgrade(
  session: Session,
  client: CanisterClient,
  deployment: Deployment,
  listed?: Promise<SnapshotInfo[]>,
): Promise<Backup> {
  return takeRecordedSnapshot(session, client, {
    environment: deployment.environment,
    canisterId: deployment.canisterId,
    reason: `before version ${deployment.version}`,
    deploymentId: deployment.id,
    beforeDeployment: true,
    listed,
  });
}

/**
 * One deployment of a module on a known canister: pending record → snapshot (when the canister
 * has code) → install (chunked when large, stopped around upgrades) → health check → on an
 * unhealthy result the snapshot restored. Used by `deploy`, `rollback` and the promotion strategies.
 */
export async function runDeploySequence(
  session: Session,
  client: CanisterClient,
  input: DeploySequenceInput,
  steps: DeployStepRunner,
  hooks: OperationHooks = {},
): Promise<DeploySequenceResult> {
  const { store } = session;
  const by = { principal: client.principal };
  const { canisterId } = input;
  let pendingId: number | undefined;
  try {
    const backup = await steps.step(deploySteps.backup, async () => {
      // The snapshot needs the canister's snapshot list (room at the IC's limit): asked for
      // alongside the status rather than after it. An empty canister gets no snapshot, and its
      // list is left unread.
      const listed = input.currentModuleHash === null ? undefined : client.listSnapshots(canisterId);
      listed?.catch(() => undefined);
      const previousModuleHash =
        input.currentModuleHash !== undefined ? input.currentModuleHash : (await client.status(canisterId)).moduleHash;
      // A promotion's backup step interrupted after this point already began the deployment:
      // reuse it rather than leave a second version pending forever.
      const deployment =
        (input.promotionId !== undefined
          ? store.deployments
              .list({
                agent: input.agent.name,
                environment: input.environment.name,
                canisterId,
                status: 'pending',
                limit: 10,
              })
              .find((pending) => pending.promotionId === input.promotionId)
          : undefined) ??
        store.deployments.begin({
          agent: input.agent.name,
          environment: input.environment.name,
          canisterId,
          moduleSha256: input.module.sha256,
          installMode: input.mode !== 'auto' ? input.mode : previousModuleHash === null ? 'install' : 'upgrade',
          promotionId: input.promotionId,
          by,
        });
      pendingId = deployment.id;
      if (previousModuleHash === null)
        return {
          deploymentId: deployment.id,
          version: deployment.version,
          previousModuleHash,
          backupId: null,
          snapshotId: null,
        };
      hooks.progress?.(`Snapshot of ${canisterId} before version ${deployment.version}…`);
      const taken = await snapshotBeforeUpgrade(session, client, deployment, listed);
      return {
        deploymentId: deployment.id,
        version: deployment.version,
        previousModuleHash,
        backupId: taken.id,
        snapshotId: taken.snapshotId,
      };
    });
    pendingId = backup.deploymentId;

    const install = await steps.step(deploySteps.install, async () => {
      hooks.progress?.(
        `Installing version ${backup.version} (${input.mode}, module ${shortHash(input.module.sha256)}) on ${canisterId}…`,
      );
      // The backup step read the module hash under the lease: no second certified read. Not on a
      // resumed install, which may have changed it before the crash.
      const currentModuleHash = input.installInterrupted ? undefined : backup.previousModuleHash;
      const result = await client.install({
        canisterId,
        module: input.module,
        mode: input.mode,
        stopBeforeUpgrade: true,
        currentModuleHash,
      });
      return {
        mode: result.mode,
        moduleHash: result.moduleHash,
        previousModuleHash: result.previousModuleHash,
        chunked: result.chunked,
      };
    });

    const verified = await steps.step(deploySteps.verify, async () => {
      const health = await checkAgentHealth(client, canisterId, input.agent, input.module.sha256);
      if (!health.healthy) {
        const problems = health.problems.join('; ') || 'the health check failed';
        throw await restoreUnhealthy({ session, client, input, steps, hooks }, { ...backup, problems });
      }
      return { healthy: true, health: healthToJson(health) as JsonObject };
    });
    return {
      deployment: store.deployments.require(backup.deploymentId),
      backup:
        backup.backupId !== null && backup.snapshotId !== null
          ? { backupId: backup.backupId, snapshotId: backup.snapshotId }
          : null,
      previousModuleHash: backup.previousModuleHash,
      install,
      health: verified.health,
    };
  } catch (error) {
    if (
      !input.resumable &&
      pendingId !== undefined &&
      !(error instanceof UnhealthyDeployment) &&
      store.deployments.get(pendingId)?.status === 'pending'
    ) {
      store.deployments.finish(
        pendingId,
        { status: 'failed', error: error instanceof Error ? error.message : String(error) },
        by,
      );
    }
    throw error;
  }
}

/** The arguments of one runDeploySequence call, for the parts of it that live in their own function. */
interface SequenceRun {
  session: Session;
  client: CanisterClient;
  input: DeploySequenceInput;
  steps: DeployStepRunner;
  hooks: OperationHooks;
}

/** An install the health check failed: the backup step's record (what to restore) and the problems found. */
interface UnhealthyInstall {
  deploymentId: number;
  version: number;
  previousModuleHash: string | null;
  backupId: string | null;
  problems: string;
}

/** Unhealthy: load the snapshot back (journaled as `restore`), check again, record the deployment. */
async function restoreUnhealthy(run: SequenceRun, found: UnhealthyInstall): Promise<UnhealthyDeployment> {
  const { session, client, input, steps, hooks } = run;
  const { store } = session;
  const by = { principal: client.principal };
  const { problems } = found;
  if (found.backupId === null) {
    const deployment = store.deployments.finish(
      found.deploymentId,
      { status: 'failed', error: `unhealthy after install: ${problems}` },
      by,
    );
    return new UnhealthyDeployment(problems, deployment, null);
  }
  const record: Backup = store.backups.require(found.backupId);
  hooks.progress?.(`Unhealthy after upgrade (${problems}); restoring snapshot ${record.snapshotId} (${record.id})…`);
  let healthAfterRestore: AgentHealth | null = null;
  await steps.always('restore', async () => {
    const what = input.promotionId !== undefined ? `promotion ${input.promotionId}` : `version ${found.version}`;
    await restoreSnapshot(session, client, record, `automatic rollback of ${what}: unhealthy`);
    healthAfterRestore = await checkAgentHealth(client, input.canisterId, input.agent, found.previousModuleHash);
    return { backupId: record.id, healthyAfterRestore: healthAfterRestore.healthy };
  });
  const deployment = store.deployments.markRolledBack(
    found.deploymentId,
    `unhealthy after upgrade (${problems}); snapshot ${record.id} restored`,
    by,
  );
  return new UnhealthyDeployment(problems, deployment, { backupId: record.id, healthAfterRestore });
}
