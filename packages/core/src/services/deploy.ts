import { resolve } from 'node:path';
import type { CanisterClient, CreationPlan, WasmArtifact } from '@soulrecall/canister-client';
import type { Canister, Deployment, InstallMode } from '@soulrecall/history-store';
import { agentWasmPath, findAgent, resolveEnvironment } from '../config/environments.js';
import type { AgentConfig, EnvironmentConfig, ProjectConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { parseCanisterId } from './canister-lookup.js';
import { holdLease, type OperationHooks } from './deploy-operation.js';
import {
  runDeploySequence,
  UnhealthyDeployment,
  unjournaledSteps,
  type DeploySequenceResult,
} from './deploy-sequence.js';
import { healthToJson } from './health-check.js';
import { switchRoute, type RouteSwitchResult } from './routing.js';
import type { Session } from './session.js';
import { shortHash } from '../output/table.js';

export type DeployMode = 'auto' | InstallMode;
export const DEPLOY_MODES: readonly DeployMode[] = ['auto', 'install', 'reinstall', 'upgrade'];

export interface DeployRequest {
  agent: string;
  /** Environment name or alias. */
  environment: string;
  /** Module file; default: the agent's `wasm` in soulrecall.yaml. */
  wasmPath?: string;
  mode?: DeployMode;
  /** Deploy to this canister instead of the environment's live (or newly created) one. */
  canisterId?: string;
}

/** Everything a deploy needs, validated before any network connection or record. */
export interface DeployPlan {
  agent: AgentConfig;
  environment: EnvironmentConfig;
  module: WasmArtifact;
  modulePath: string;
  mode: DeployMode;
  canisterId: string | null;
}

export interface DeployResult {
  agent: string;
  environment: string;
  canisterId: string;
  /** The canister was created by this deploy. */
  created: boolean;
  version: number;
  deploymentId: number;
  status: Deployment['status'];
  mode: InstallMode;
  moduleSha256: string;
  previousModuleHash: string | null;
  chunked: boolean;
  /** The snapshot taken before the upgrade, if the canister had code. */
  snapshot: { backupId: string; snapshotId: string } | null;
  health: Record<string, unknown>;
  /** The route change this deploy made (first deploy of the environment), else null. */
  route: RouteSwitchResult | null;
  live: boolean;
  deployment: Deployment;
}

/** Validates agent, environment, module and canister id; reads nothing from a network. */
export async function planDeploy(config: ProjectConfig, request: DeployRequest): Promise<DeployPlan> {
  const agent = findAgent(config, request.agent);
  const environment = resolveEnvironment(config, request.environment);
  const mode = request.mode ?? 'auto';
  if (!DEPLOY_MODES.includes(mode)) {
    throw new SoulrecallError(`Unknown install mode "${mode}".`, {
      code: 'INVALID_MODE',
      hint: `Use one of ${DEPLOY_MODES.join(', ')}.`,
    });
  }
  const canisterId = request.canisterId === undefined ? null : parseCanisterId(request.canisterId);
  const modulePath = request.wasmPath === undefined ? agentWasmPath(config, agent) : resolve(request.wasmPath);
  const { readWasmArtifact } = await import('@soulrecall/canister-client');
  const module = await readWasmArtifact(modulePath);
  return { agent, environment, module, modulePath, mode, canisterId };
}

/**
 * The canister a deploy goes to: the one named, else the environment's live one, else the
 * agent's newest canister there, else a new one. A new canister is recorded the moment its id
 * is known (no await in between), so it is never untracked.
 */
export async function ensureCanister(
  session: Session,
  client: CanisterClient,
  target: { agent: string; environment: EnvironmentConfig; canisterId?: string | null; plan?: CreationPlan },
  hooks: OperationHooks = {},
): Promise<{ canister: Canister; created: boolean }> {
  const { store } = session;
  const by = { principal: client.principal };
  const environment = target.environment.name;
  if (target.canisterId) {
    const existing = store.canisters.get(environment, target.canisterId);
    if (existing) return { canister: usable(existing, target.agent), created: false };
    // Not recorded yet: adopt it once the network confirms it exists and we control it.
    await client.status(target.canisterId);
    return {
      canister: store.canisters.record({
        canisterId: target.canisterId,
        networkUrl: target.environment.networkUrl,
        environment,
        agent: target.agent,
        by,
      }),
      created: false,
    };
  }
  const route = store.routes.get(target.agent, environment);
  const known = route
    ? store.canisters.get(environment, route.canisterId)
    : store.canisters.list({ agent: target.agent, environment, role: 'primary' })[0];
  if (known) return { canister: known, created: false };
  hooks.progress?.(`Creating a canister for ${target.agent} in ${environment}…`);
  // Journaled with what makes it repeatable (the chosen id, or the ledger's deduplication time):
  // after a crash in the create call, a rerun or `doctor` finds the canister instead of losing it.
  const plan = target.plan ?? client.planCreation();
  store.canisters.noteCreationRequested({
    environment,
    agent: target.agent,
    networkUrl: target.environment.networkUrl,
    plan: { ...plan },
    by,
  });
  const canisterId = await client.createPlanned(plan);
  return {
    canister: store.canisters.record({
      canisterId,
      networkUrl: target.environment.networkUrl,
      environment,
      agent: target.agent,
      by,
    }),
    created: true,
  };
}

/**
 * The canister an interrupted creation (journaled with its plan) made, recorded now if the
 * crash came before it was: what an abort must delete, and what `doctor` reconciles. Null when
 * the create call never reached the network. On mainnet only repeating the (deduplicated)
 * request can tell, and it does.
 */
export async function adoptPlannedCanister(
  session: Session,
  client: CanisterClient,
  input: { agent: string; environment: EnvironmentConfig; plan: CreationPlan; role?: Canister['role'] },
): Promise<string | null> {
  let found = await client.findPlanned(input.plan);
  if (found === undefined) found = await client.createPlanned(input.plan);
  if (!found) return null;
  const existing = session.store.canisters.get(input.environment.name, found);
  if (!existing || existing.decommissionedAt !== null) {
    session.store.canisters.record({
      canisterId: found,
      networkUrl: input.environment.networkUrl,
      environment: input.environment.name,
      agent: input.agent,
      role: input.role,
      by: { principal: client.principal },
    });
  }
  return found;
}

function usable(canister: Canister, agent: string): Canister {
  if (canister.agent !== agent) {
    throw new SoulrecallError(`Canister ${canister.canisterId} belongs to agent ${canister.agent}, not ${agent}.`, {
      code: 'CANISTER_OTHER_AGENT',
      hint: "Leave out --canister to deploy to the agent's own canister.",
    });
  }
  if (canister.decommissionedAt !== null) {
    throw new SoulrecallError(`Canister ${canister.canisterId} was deleted at ${canister.decommissionedAt}.`, {
      code: 'CANISTER_DELETED',
      hint: 'Deploy to a live canister (`soulrecall list`).',
    });
  }
  return canister;
}

/**
 * One deployment on a known canister: the mode settled (and a memory-erasing reinstall
 * confirmed) before anything is recorded, then the deploy sequence: pending record → snapshot
 * (when the canister has code) → install → health → succeeded; unhealthy with a snapshot →
 * snapshot restored and the deployment recorded as rolled back (exit code 12); failure →
 * recorded as failed.
 */
export async function runDeployment(
  session: Session,
  client: CanisterClient,
  input: {
    agent: AgentConfig;
    environment: EnvironmentConfig;
    canister: Canister;
    created: boolean;
    module: WasmArtifact;
    mode: DeployMode;
    promotionId?: string;
  },
  hooks: OperationHooks = {},
): Promise<DeployResult> {
  const { store } = session;
  const by = { principal: client.principal };
  const { canisterId } = input.canister;
  const previousModuleHash = input.created ? null : (await client.status(canisterId)).moduleHash;
  const mode = resolveMode(input.mode, previousModuleHash, canisterId);
  if (mode === 'upgrade')
    await assertUpgradeKeepsPersistence(session, {
      canisterId,
      environment: input.environment.name,
      runningModuleSha256: previousModuleHash,
      module: input.module,
    });
  if (mode === 'reinstall' && previousModuleHash !== null) {
    await hooks.confirm?.(
      `Reinstall ${input.agent.name} on ${canisterId} in ${input.environment.name}? This erases the agent's memory (a snapshot is taken first)`,
    );
  }
  store.artifacts.put(input.module.bytes, by);
  const base = {
    agent: input.agent.name,
    environment: input.environment.name,
    canisterId,
    created: input.created,
    mode,
    moduleSha256: input.module.sha256,
    previousModuleHash,
  };
  let outcome: DeploySequenceResult;
  try {
    outcome = await runDeploySequence(
      session,
      client,
      {
        agent: input.agent,
        environment: input.environment,
        canisterId,
        module: input.module,
        mode,
        currentModuleHash: previousModuleHash,
        promotionId: input.promotionId,
        resumable: false,
      },
      unjournaledSteps(hooks.afterStep),
      hooks,
    );
  } catch (error) {
    if (error instanceof UnhealthyDeployment) throw unhealthyError(error, base);
    throw error;
  }
  const { version } = outcome.deployment;
  const deployment = store.deployments.finish(outcome.deployment.id, { status: 'succeeded' }, by);
  const route = store.routes.get(input.agent.name, input.environment.name)
    ? null
    : switchRoute(session, {
        agent: input.agent.name,
        environment: input.environment.name,
        canisterId,
        cause: 'deploy',
        reason: `first deployment (version ${version})`,
        expectedCanisterId: null,
        principal: client.principal,
      });
  const live = store.routes.get(input.agent.name, input.environment.name)?.canisterId === canisterId;
  return {
    ...base,
    version,
    deploymentId: deployment.id,
    chunked: outcome.install.chunked,
    snapshot: outcome.backup,
    health: outcome.health,
    status: deployment.status,
    route,
    live,
    deployment,
  };
}

/**
 * Refuses, before anything is recorded, an upgrade the network would refuse anyway: a canister
 * running Motoko with enhanced orthogonal persistence can only be upgraded to a module that has
 * it too (an empty module included). The running module is read from the artifact store (every deployed module
 * is there); one soulrecall never stored is left to the network to judge.
 */
export async function assertUpgradeKeepsPersistence(
  session: Session,
  input: {
    canisterId: string;
    environment: string;
    runningModuleSha256?: string | null;
    module: { sha256: string; enhancedOrthogonalPersistence: boolean };
  },
): Promise<void> {
  // Without a module hash read from the network, the last module recorded as installed there.
  const running =
    input.runningModuleSha256 !== undefined
      ? input.runningModuleSha256
      : (session.store.deployments.latest({
          environment: input.environment,
          canisterId: input.canisterId,
          status: 'succeeded',
        })?.moduleSha256 ?? null);
  if (
    running === null ||
    input.module.enhancedOrthogonalPersistence ||
    !/^[0-9a-f]{64}$/.test(running) ||
    !session.store.artifacts.has(running)
  )
    return;
  const { wasmArtifactFromBytes } = await import('@soulrecall/canister-client');
  if (!wasmArtifactFromBytes(session.store.artifacts.get(running), `module ${running}`).enhancedOrthogonalPersistence)
    return;
  throw new SoulrecallError(
    `Module ${shortHash(input.module.sha256)} cannot upgrade canister ${input.canisterId}: the canister runs Motoko with enhanced orthogonal persistence, and the new module does not, so the network would refuse it.`,
    {
      code: 'UPGRADE_INCOMPATIBLE',
      hint: 'Build the new module with the same Motoko persistence, or reinstall (--mode reinstall erases the memory) if that is what you want.',
    },
  );
}

function resolveMode(mode: DeployMode, previousModuleHash: string | null, canisterId: string): InstallMode {
  if (mode === 'auto') return previousModuleHash === null ? 'install' : 'upgrade';
  if (mode === 'install' && previousModuleHash !== null) {
    throw new SoulrecallError(`Canister ${canisterId} already has code installed; --mode install would be refused.`, {
      code: 'CANISTER_NOT_EMPTY',
      hint: 'Use --mode upgrade (keeps memory) or --mode reinstall (erases it).',
    });
  }
  if (mode === 'upgrade' && previousModuleHash === null) {
    throw new SoulrecallError(`Canister ${canisterId} is empty; there is nothing to upgrade.`, {
      code: 'CANISTER_EMPTY',
      hint: 'Use --mode install or --mode auto.',
    });
  }
  return mode;
}

/**
 * The deploy's verdict on an unhealthy version: DEPLOY_ROLLED_BACK (exit 12) when its snapshot was restored, else
 * UNHEALTHY.
 */
function unhealthyError(
  unhealthy: UnhealthyDeployment,
  base: Pick<
    DeployResult,
    'agent' | 'environment' | 'canisterId' | 'created' | 'mode' | 'moduleSha256' | 'previousModuleHash'
  >,
): SoulrecallError {
  const { deployment, problems, restored } = unhealthy;
  const details = {
    ...base,
    version: deployment.version,
    deploymentId: deployment.id,
    status: deployment.status,
    deployment,
  };
  if (!restored) {
    return new SoulrecallError(
      `Version ${deployment.version} of ${deployment.agent} is unhealthy on ${deployment.canisterId}: ${problems}. There was no earlier state to restore.`,
      {
        code: 'UNHEALTHY',
        hint: `Fix the module and deploy again; \`soulrecall logs ${deployment.canisterId}\` may say why.`,
        details,
      },
    );
  }
  const healthy = restored.healthAfterRestore?.healthy === true;
  return new SoulrecallError(
    `Version ${deployment.version} of ${deployment.agent} was unhealthy after the upgrade (${problems}), so the snapshot taken before it (${restored.backupId}) was restored${healthy ? ': the previous version runs again with its memory' : ', but the canister is still unhealthy'}.`,
    {
      code: 'DEPLOY_ROLLED_BACK',
      hint: healthy
        ? `Fix the module and deploy again; \`soulrecall logs ${deployment.canisterId}\` may say why.`
        : `Check \`soulrecall health ${deployment.canisterId}\` and restore a backup (\`soulrecall backup list ${deployment.canisterId}\`).`,
      details: {
        ...details,
        restoredBackupId: restored.backupId,
        healthAfterRestore: restored.healthAfterRestore ? healthToJson(restored.healthAfterRestore) : null,
      },
    },
  );
}

/**
 * `soulrecall deploy`: validate everything, ask when the environment is protected, then under
 * the environment's lease: find or create the canister and run one journaled deployment.
 */
export async function deploy(
  session: Session,
  request: DeployRequest,
  hooks: OperationHooks = {},
): Promise<DeployResult> {
  if (!session.config)
    throw new SoulrecallError('deploy needs a soulrecall.yaml.', {
      code: 'CONFIG_NOT_FOUND',
      hint: 'Run it in your project folder or pass --config.',
    });
  const plan = await planDeploy(session.config, request);
  if (plan.environment.protected)
    await hooks.confirm?.(`Deploy ${plan.agent.name} to the protected environment ${plan.environment.name}?`);
  const client = await session.client(plan.environment);
  // Everything that can refuse is settled before anything is written (adoption, lock, records):
  // a named canister must exist and be ours, the mode must fit what it holds, a reinstall that
  // erases memory must be confirmed.
  const existing = plan.canisterId ?? session.store.routes.get(plan.agent.name, plan.environment.name)?.canisterId;
  let mode: DeployMode = plan.mode;
  if (existing) {
    const current = (await client.status(existing)).moduleHash;
    mode = resolveMode(plan.mode, current, existing);
    if (mode === 'reinstall' && current !== null) {
      await hooks.confirm?.(
        `Reinstall ${plan.agent.name} on ${existing} in ${plan.environment.name}? This erases the agent's memory (a snapshot is taken first)`,
      );
    }
  }
  const confirmed: OperationHooks = { ...hooks, confirm: existing ? async () => {} : hooks.confirm };
  const target = { agent: plan.agent.name, environment: plan.environment.name, operation: 'deploy' };
  const whenLost = { canisterId: existing, rerun: 'deploy again (the deployment is recorded failed)' };
  return holdLease(
    session,
    client,
    target,
    async (client) => {
      const { canister, created } = await ensureCanister(
        session,
        client,
        { agent: plan.agent.name, environment: plan.environment, canisterId: plan.canisterId },
        hooks,
      );
      return runDeployment(
        session,
        client,
        { agent: plan.agent, environment: plan.environment, canister, created, module: plan.module, mode },
        confirmed,
      );
    },
    whenLost,
  );
}
