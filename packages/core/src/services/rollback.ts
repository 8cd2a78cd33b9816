import type { CanisterClient } from '@soulrecall/canister-client';
import type { Backup, Deployment, RouteChange } from '@soulrecall/history-store';
import type { EnvironmentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { restoreSnapshot, safetySnapshotBeforeRestore, unhealthyAfter } from './backups.js';
import { agentConfigOf, locateCanister } from './canister-lookup.js';
import { runDeployment, type DeployResult } from './deploy.js';
import { holdLease, type OperationHooks } from './deploy-operation.js';
import { checkAgentHealth, healthToJson } from './health-check.js';
import { canisterIdsLocation } from './canister-ids.js';
import { switchRoute, type RouteSwitchResult } from './routing.js';
import type { Session } from './session.js';
import {
  cutOverInto,
  discardOf,
  statefulPair,
  switchBackDiscarding,
  type StateDiscard,
  type StatefulPair,
} from './stateful-switch.js';
import { shortHash } from '../output/table.js';

export type RollbackStrategy = 'route-switch' | 'restore-snapshot' | 'reinstall-artifact';

export interface RollbackRequest {
  canisterId: string;
  /** Go back to this deployment version of the agent and environment instead of the previous one. */
  toVersion?: number;
  /** `--network <env>` when the canister is recorded in several environments. */
  network?: string;
  dryRun?: boolean;
  /**
   * Back from a blue-green green that took writes: carry its current state into blue first
   * (works where blue's older module can read it) instead of discarding it.
   */
  carryState?: boolean;
}

export interface RollbackHooks extends OperationHooks {
  /**
   * Going back discards what the live canister learned since it became live: the command asks
   * (carry it over, or discard it) and resolves to the choice, or throws when refused.
   */
  decideState?: (discard: StateDiscard) => Promise<'carry' | 'discard'>;
}

export interface RollbackPlan {
  agent: string;
  environment: string;
  canisterId: string;
  strategy: RollbackStrategy;
  /** What runs now (latest succeeded deployment on the canister). */
  fromVersion: number;
  toVersion: number;
  toModuleSha256: string;
  /** route-switch: the canister the route goes back to. */
  routeBackTo: string | null;
  /** restore-snapshot: the backup taken before the current version. */
  backupId: string | null;
  /** One sentence: what the rollback does. */
  description: string;
  /** route-switch from a blue-green green that copied state: what going back discards (unless carried). */
  discards: StateDiscard | null;
  /** The choice made (null until made, or when nothing would be discarded). */
  state: 'carry' | 'discard' | null;
}

export interface RollbackResult {
  dryRun: boolean;
  plan: RollbackPlan;
  /** What was done (null for a dry run). */
  route: RouteSwitchResult | null;
  restoredBackupId: string | null;
  /** With restore-snapshot: what the canister held just before, kept so the rollback can be undone. */
  safetyBackupId: string | null;
  /** reinstall-artifact: the new deployment that put the old module back. */
  deployment: DeployResult | null;
  /** route-switch carrying state: the cut-over into the old canister. */
  cutOver: { writePauseMs: number; finalBackupId: string; bytesCopied: number } | null;
  /** The deployment recorded as rolled back, if any. */
  rolledBack: Deployment | null;
  health: Record<string, unknown> | null;
}

function currentDeployment(session: Session, agent: string, environment: string, canisterId: string): Deployment {
  const current = session.store.deployments.latest({ agent, environment, canisterId, status: 'succeeded' });
  if (!current) {
    throw new SoulrecallError(`Canister ${canisterId} has no successful deployment to roll back.`, {
      code: 'NOTHING_TO_ROLL_BACK',
      hint: `\`soulrecall history --agent ${agent}\` shows what ran where.`,
    });
  }
  return current;
}

function targetDeployment(session: Session, current: Deployment, toVersion: number | undefined): Deployment {
  const { store } = session;
  if (toVersion === undefined) {
    const previous = store.deployments.previousSuccessful({
      agent: current.agent,
      environment: current.environment,
      beforeVersion: current.version,
    });
    if (!previous) {
      throw new SoulrecallError(
        `There is no successful deployment of ${current.agent} in ${current.environment} before version ${current.version}.`,
        { code: 'NO_PREVIOUS_VERSION', hint: 'Nothing earlier to go back to; deploy a fixed module instead.' },
      );
    }
    return previous;
  }
  const target = store.deployments.getByVersion(current.agent, current.environment, toVersion);
  if (!target) {
    const latest = store.deployments.latest({ agent: current.agent, environment: current.environment });
    throw new SoulrecallError(`Version ${toVersion} of ${current.agent} in ${current.environment} does not exist.`, {
      code: 'VERSION_NOT_FOUND',
      hint: `Versions go from 1 to ${latest?.version ?? 0}; \`soulrecall history --agent ${current.agent}\` lists them.`,
    });
  }
  if (target.status !== 'succeeded' && target.status !== 'rolled-back') {
    throw new SoulrecallError(
      `Version ${toVersion} of ${current.agent} in ${current.environment} never ran successfully (it ${target.status === 'failed' ? 'failed' : 'is still pending'}).`,
      { code: 'VERSION_NOT_DEPLOYABLE', hint: 'Pick a version that succeeded.' },
    );
  }
  if (target.version === current.version) {
    throw new SoulrecallError(`Canister ${current.canisterId} already runs version ${toVersion}.`, {
      code: 'ALREADY_AT_VERSION',
      hint: 'Nothing to roll back.',
    });
  }
  return target;
}

/**
 * The route came to this canister from another one that still exists: switch back when that
 * one is healthy, or, for the blue of a blue-green promotion that copied state (kept stopped
 * with the state of the cut-over), when it still runs its module (it is started on the way).
 */
async function routeBackCandidate(
  session: Session,
  client: CanisterClient,
  current: Deployment,
): Promise<{ change: RouteChange; target: Deployment; pair: StatefulPair | null } | null> {
  const { store } = session;
  const route = store.routes.get(current.agent, current.environment);
  if (route?.canisterId !== current.canisterId) return null;
  const change = store.routes.lastChangeTo(current.agent, current.environment, current.canisterId);
  const from = change?.fromCanisterId;
  if (!change || !from || from === current.canisterId) return null;
  const record = store.canisters.get(current.environment, from);
  if (!record || record.decommissionedAt !== null) return null;
  const target = store.deployments.latest({
    agent: current.agent,
    environment: current.environment,
    canisterId: from,
    status: 'succeeded',
  });
  if (!target) return null;
  const pair = statefulPair(session, current.agent, current.environment, current.canisterId, from);
  if (pair) {
    const status = await client.status(from).catch(() => null);
    return status?.moduleHash === target.moduleSha256 ? { change, target, pair } : null;
  }
  const health = await checkAgentHealth(client, from, agentConfigOf(session, current.agent), target.moduleSha256).catch(
    () => null,
  );
  return health?.healthy ? { change, target, pair: null } : null;
}

function snapshotBefore(session: Session, current: Deployment, target: Deployment): Backup | null {
  if (!current.snapshotBackupId || target.canisterId !== current.canisterId) return null;
  const previousOnCanister = session.store.deployments.previousSuccessful({
    agent: current.agent,
    environment: current.environment,
    beforeVersion: current.version,
    canisterId: current.canisterId,
  });
  if (previousOnCanister?.id !== target.id) return null;
  const backup = session.store.backups.get(current.snapshotBackupId);
  return backup && backup.deletedAt === null ? backup : null;
}

/** The canister a rollback is about, located in the store: whose it is and where it runs. */
export interface RollbackSubject {
  agent: string;
  environment: EnvironmentConfig;
  canisterId: string;
}

/** Decides how to go back; reads the network (health of the other canister) but changes nothing. */
export async function planRollback(
  session: Session,
  client: CanisterClient,
  request: RollbackRequest,
  subject: RollbackSubject,
): Promise<RollbackPlan> {
  const { agent, environment, canisterId } = subject;
  const current = currentDeployment(session, agent, environment.name, canisterId);
  const base = { agent, environment: environment.name, canisterId, fromVersion: current.version };
  if (request.toVersion === undefined) {
    const back = await routeBackCandidate(session, client, current);
    if (back) {
      const from = back.change.fromCanisterId!;
      const discards = back.pair ? discardOf(session, agent, environment.name, canisterId, from) : null;
      const carry = discards && request.carryState ? `, carrying the memories of ${canisterId} into it first` : '';
      return {
        ...base,
        strategy: 'route-switch',
        toVersion: back.target.version,
        toModuleSha256: back.target.moduleSha256,
        routeBackTo: from,
        backupId: null,
        discards,
        state: discards && request.carryState ? 'carry' : null,
        description: `switch the live route of ${agent} in ${environment.name} back from ${canisterId} to ${from} (version ${back.target.version})${carry}`,
      };
    }
  }
  const target = targetDeployment(session, current, request.toVersion);
  const backup = snapshotBefore(session, current, target);
  if (backup) {
    return {
      ...base,
      discards: null,
      state: null,
      strategy: 'restore-snapshot',
      toVersion: target.version,
      toModuleSha256: target.moduleSha256,
      routeBackTo: null,
      backupId: backup.id,
      description: `restore snapshot ${backup.id} of ${canisterId}, taken before version ${current.version} (code and memory as they were then, running version ${target.version})`,
    };
  }
  if (!session.store.artifacts.has(target.moduleSha256)) {
    throw new SoulrecallError(
      `The module of version ${target.version} (${shortHash(target.moduleSha256)}) is not in the artifact store.`,
      {
        code: 'ARTIFACT_MISSING',
        hint: `Deploy it again with \`soulrecall deploy ${agent} -e ${environment.name} -w <file>\`.`,
      },
    );
  }
  return {
    ...base,
    discards: null,
    state: null,
    strategy: 'reinstall-artifact',
    toVersion: target.version,
    toModuleSha256: target.moduleSha256,
    routeBackTo: null,
    backupId: null,
    description: `upgrade ${canisterId} to the module of version ${target.version} (${shortHash(target.moduleSha256)}), keeping its memory`,
  };
}

/**
 * `soulrecall rollback`: back to the previous good version of the canister's agent and
 * environment (or `toVersion`): route back when it came from a healthy canister, else restore the
 * snapshot taken before the current version, else upgrade to the old module. Recorded.
 */
export async function rollback(
  session: Session,
  request: RollbackRequest,
  hooks: RollbackHooks = {},
): Promise<RollbackResult> {
  if (request.toVersion !== undefined && (!Number.isInteger(request.toVersion) || request.toVersion < 1)) {
    throw new SoulrecallError(`--to-version must be a positive whole number, not ${request.toVersion}.`, {
      code: 'INVALID_VERSION',
      hint: 'Versions are numbered 1, 2, 3… per agent and environment.',
    });
  }
  const located = locateCanister(session, request.canisterId, { network: request.network });
  const record = located.record!;
  // Validates the versions before connecting: a bad --to-version writes and connects nothing.
  const current = currentDeployment(session, record.agent, record.environment, located.canisterId);
  if (request.toVersion !== undefined) targetDeployment(session, current, request.toVersion);
  const client = await session.client(located.environment);
  const subject = { agent: record.agent, environment: located.environment, canisterId: located.canisterId };
  const plan = await planRollback(session, client, request, subject);
  const empty = {
    route: null,
    restoredBackupId: null,
    safetyBackupId: null,
    deployment: null,
    rolledBack: null,
    health: null,
    cutOver: null,
  };
  if (request.dryRun) return { dryRun: true, plan, ...empty };
  if (located.environment.protected)
    await hooks.confirm?.(
      `Roll back ${plan.agent} in the protected environment ${plan.environment}: ${plan.description}?`,
    );
  if (plan.discards && plan.state === null) {
    if (!hooks.decideState) throw discardNotConfirmed(plan.discards);
    plan.state = await hooks.decideState(plan.discards);
  }
  const by = { principal: client.principal };
  const agentConfig = agentConfigOf(session, plan.agent);
  const whenLost = { canisterId: plan.canisterId, rerun: 'run the rollback again' };
  return holdLease(
    session,
    client,
    { agent: plan.agent, environment: plan.environment, operation: 'rollback' },
    async (client): Promise<RollbackResult> => {
      hooks.progress?.(`Rollback: ${plan.description}…`);
      const reason = `rollback from version ${plan.fromVersion} to version ${plan.toVersion}`;
      if (plan.strategy === 'route-switch') {
        const agent = agentConfig ?? { name: plan.agent };
        const stateful = {
          agent,
          environment: located.environment,
          from: plan.canisterId,
          to: plan.routeBackTo!,
          cause: 'rollback' as const,
          reason,
        };
        if (plan.state === 'carry') {
          const cut = await cutOverInto(
            session,
            client,
            { ...stateful, reason: `${reason}, carrying the memories of ${plan.canisterId}`, preserveTarget: true },
            hooks,
          );
          return {
            dryRun: false,
            plan,
            ...empty,
            route: routeOf(session, plan),
            cutOver: { writePauseMs: cut.writePauseMs, finalBackupId: cut.finalBackupId, bytesCopied: cut.bytesCopied },
          };
        }
        if (plan.state === 'discard')
          return {
            dryRun: false,
            plan,
            ...empty,
            route: await switchBackDiscarding(
              session,
              client,
              { ...stateful, reason: `${reason}, discarding what ${plan.canisterId} learned` },
              hooks,
            ),
          };
        const route = switchRoute(session, {
          agent: plan.agent,
          environment: plan.environment,
          canisterId: plan.routeBackTo!,
          cause: 'rollback',
          reason,
          expectedCanisterId: plan.canisterId,
          principal: client.principal,
        });
        return { dryRun: false, plan, ...empty, route };
      }
      if (plan.strategy === 'restore-snapshot') {
        const backup = session.store.backups.require(plan.backupId!);
        const safety = await safetySnapshotBeforeRestore(session, client, backup);
        await restoreSnapshot(session, client, backup, reason);
        const rolledBack = session.store.deployments.markRolledBack(current.id, reason, by);
        const health = await checkAgentHealth(client, plan.canisterId, agentConfig, plan.toModuleSha256);
        const result = {
          dryRun: false,
          plan,
          ...empty,
          restoredBackupId: backup.id,
          safetyBackupId: safety?.id ?? null,
          rolledBack,
          health: healthToJson(health),
        };
        if (!health.healthy) throw unhealthyAfter(`restoring ${backup.id}`, plan.canisterId, health, result);
        return result;
      }
      const { wasmArtifactFromBytes } = await import('@soulrecall/canister-client');
      const module = wasmArtifactFromBytes(
        session.store.artifacts.get(plan.toModuleSha256),
        `module of version ${plan.toVersion}`,
      );
      const agent = agentConfig ?? { name: plan.agent };
      const deployment = await runDeployment(
        session,
        client,
        { agent, environment: located.environment, canister: record, created: false, module, mode: 'upgrade' },
        hooks,
      );
      const rolledBack = session.store.deployments.markRolledBack(
        current.id,
        `${reason} (reinstalled as version ${deployment.version})`,
        by,
      );
      return { dryRun: false, plan, ...empty, deployment, rolledBack, health: deployment.health };
    },
    whenLost,
  );
}

/** Off a terminal, with neither --carry-state nor --yes: refuse rather than discard memories. */
function discardNotConfirmed(discard: StateDiscard): SoulrecallError {
  return new SoulrecallError(`Rolling back discards memories: ${discard.summary}.`, {
    code: 'NOT_CONFIRMED',
    hint: `Pass --carry-state to carry them into ${discard.backTo} first (its module must read them), or --yes to discard them.`,
    details: { discards: discard },
  });
}

/** The route as it is after a rollback's cut-over. */
function routeOf(session: Session, plan: RollbackPlan): RouteSwitchResult {
  const route = session.store.routes.get(plan.agent, plan.environment)!;
  return {
    agent: plan.agent,
    environment: plan.environment,
    fromCanisterId: plan.canisterId,
    toCanisterId: route.canisterId,
    changeId: route.changeId,
    at: route.since,
    canisterIdsFile: session.config ? canisterIdsLocation(session.config, plan.environment).file : null,
  };
}
