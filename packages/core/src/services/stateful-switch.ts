import type { CanisterClient, WasmArtifact } from '@soulrecall/canister-client';
import type { RouteCause } from '@soulrecall/history-store';
import type { AgentConfig, EnvironmentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { auditedPhases, cutOver, CutOverFailure, type CutOverResult } from './cutover.js';
import type { OperationHooks } from './deploy-operation.js';
import { checkAgentHealth } from './health-check.js';
import { switchRoute, type RouteSwitchResult } from './routing.js';
import type { Session } from './session.js';

/**
 * Route changes between the two colours of a blue-green promotion that copied state. Their
 * memories are one agent's memories, so the route may not simply jump:
 *
 * - forward (blue → green, after `promote --no-switch`): a cut-over carries blue's latest state
 *   into green first, behind a short write pause;
 * - back (green → blue, a rollback): blue holds the state of the cut-over; what green learned
 *   since is discarded (said, and confirmed) unless it is carried into blue, which works only
 *   where blue's older module can read the newer state.
 *
 * Whichever colour is not live is left stopped, so no client writes where nobody reads.
 */

export interface StatefulPair {
  promotionId: string;
  blue: string;
  green: string;
}

/** The blue-green promotion (with state copy) that paired these two canisters, if any; newest first. */
export function statefulPair(
  session: Session,
  agent: string,
  environment: string,
  a: string,
  b: string,
): StatefulPair | null {
  for (const summary of session.store.promotions.list({ agent, environment, limit: 100 })) {
    if (summary.strategy !== 'blue-green' || summary.toEnvironment !== environment) continue;
    const strategyOptions = summary.options.strategyOptions;
    const state =
      typeof strategyOptions === 'object' && strategyOptions !== null && !Array.isArray(strategyOptions)
        ? strategyOptions.state
        : undefined;
    if (state === 'fresh') continue;
    const created = session.store.promotions
      .require(summary.id)
      .steps.find((step) => step.name === 'create-green' && step.status === 'succeeded')?.detail;
    if (typeof created !== 'object' || created === null || Array.isArray(created)) continue;
    const pair = {
      promotionId: summary.id,
      blue: String(created.blueCanisterId),
      green: String(created.greenCanisterId),
    };
    if ((pair.blue === a && pair.green === b) || (pair.blue === b && pair.green === a)) return pair;
  }
  return null;
}

/** What going back to blue discards: everything green learned since it became live. */
export interface StateDiscard {
  /** The canister whose newer memories are lost (the live green). */
  canisterId: string;
  /** When it became live (ISO). */
  liveSince: string;
  /** The canister the route goes back to, and the state it holds. */
  backTo: string;
  backToStateOf: string;
  /** One sentence for the user. */
  summary: string;
}

export function discardOf(
  session: Session,
  agent: string,
  environment: string,
  live: string,
  backTo: string,
): StateDiscard {
  const since = session.store.routes.get(agent, environment)?.since ?? new Date().toISOString();
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 60_000));
  return {
    canisterId: live,
    liveSince: since,
    backTo,
    backToStateOf: since,
    summary: `${live} has been live since ${since} (${minutes} min); whatever ${agent} learned there since is not in ${backTo} and is discarded`,
  };
}

async function moduleOf(
  session: Session,
  agent: string,
  environment: string,
  canisterId: string,
): Promise<WasmArtifact> {
  const deployment = session.store.deployments.latest({ agent, environment, canisterId, status: 'succeeded' });
  if (!deployment) {
    throw new SoulrecallError(
      `Canister ${canisterId} has no successful deployment, so soulrecall does not know which module it must run.`,
      {
        code: 'NOTHING_DEPLOYED',
        hint: `\`soulrecall history --agent ${agent}\` shows what ran where.`,
      },
    );
  }
  const bytes = session.store.artifacts.get(deployment.moduleSha256);
  const { wasmArtifactFromBytes } = await import('@soulrecall/canister-client');
  return wasmArtifactFromBytes(bytes, `module of version ${deployment.version}`);
}

export interface StatefulSwitchInput {
  agent: AgentConfig;
  environment: EnvironmentConfig;
  from: string;
  to: string;
  reason: string;
  cause: RouteCause;
  promotionId?: string;
}

/**
 * Carries the live canister's state into the other one and switches to it (the cut-over),
 * journaled phase by phase in the audit log. A failure before the switch puts `from` back in
 * service with every write (exit 12).
 */
export async function cutOverInto(
  session: Session,
  client: CanisterClient,
  input: StatefulSwitchInput & { preserveTarget?: boolean },
  hooks: OperationHooks = {},
): Promise<CutOverResult> {
  const module = await moduleOf(session, input.agent.name, input.environment.name, input.to);
  const phases = auditedPhases(session, {
    agent: input.agent.name,
    environment: input.environment.name,
    subject: input.to,
    principal: client.principal,
  });
  try {
    return await cutOver(
      session,
      client,
      {
        agent: input.agent,
        environment: input.environment,
        fromCanisterId: input.from,
        toCanisterId: input.to,
        module,
        reason: input.reason,
        cause: input.cause,
        promotionId: input.promotionId,
        preserveTarget: input.preserveTarget,
      },
      phases,
      hooks,
    );
  } catch (error) {
    if (!(error instanceof CutOverFailure)) throw error;
    throw new SoulrecallError(`The cut-over from ${input.from} to ${input.to} failed: ${error.message}.`, {
      code: 'CUTOVER_FAILED',
      hint: input.preserveTarget
        ? `${input.to} was put back as it was. Its module may not read the newer state; go back without carrying it (\`soulrecall rollback ${input.from}\`, which discards it), or fix forward.`
        : `\`soulrecall logs ${input.to}\` may say why; the route still points at ${input.from}.`,
      cause: error,
    });
  }
}

/**
 * Back to the other colour without carrying state: start it (it was kept stopped with the state
 * of the cut-over), check it, switch, and stop the one it leaves.
 */
export async function switchBackDiscarding(
  session: Session,
  client: CanisterClient,
  input: StatefulSwitchInput,
  hooks: OperationHooks = {},
): Promise<RouteSwitchResult> {
  hooks.progress?.(`Starting ${input.to}…`);
  await client.start(input.to);
  const module = session.store.deployments.latest({
    agent: input.agent.name,
    environment: input.environment.name,
    canisterId: input.to,
    status: 'succeeded',
  })?.moduleSha256;
  const health = await checkAgentHealth(client, input.to, input.agent, module);
  if (!health.healthy) {
    await client.stop(input.to);
    throw new SoulrecallError(
      `${input.to} is unhealthy (${health.problems.join('; ')}); the route stays on ${input.from}.`,
      {
        code: 'UNHEALTHY',
        hint: `\`soulrecall logs ${input.to}\` may say why.`,
      },
    );
  }
  const switched = switchRoute(session, {
    agent: input.agent.name,
    environment: input.environment.name,
    canisterId: input.to,
    cause: input.cause,
    reason: input.reason,
    promotionId: input.promotionId,
    expectedCanisterId: input.from,
    principal: client.principal,
  });
  session.store.audit.noteIntent({
    action: 'canister.stop-requested',
    agent: input.agent.name,
    environment: input.environment.name,
    subject: input.from,
    summary: `stopping ${input.from}: it is no longer live and must not take writes`,
    by: { principal: client.principal },
  });
  await client.stop(input.from);
  return switched;
}
