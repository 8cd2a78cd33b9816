import type { CanisterClient } from '@soulrecall/canister-client';
import type { Route, RouteCause } from '@soulrecall/history-store';
import type { AgentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { assertCanisterExists, healthMethodOf } from './canister-status.js';
import { agentConfigOf, locateCanister, requireEnvironment } from './canister-lookup.js';
import { holdLease } from './deploy-operation.js';
import { checkAgentHealth } from './health-check.js';
import { canisterIdsLocation } from './canister-ids.js';
import { switchRoute, type RouteSwitchResult } from './routing.js';
import type { Session } from './session.js';
import { cutOverInto, discardOf, statefulPair, switchBackDiscarding, type StateDiscard } from './stateful-switch.js';

export interface SetRoutingOptions {
  network?: string;
  /** Switch even when the health check says unhealthy (never for a stopped canister). */
  force?: boolean;
  reason?: string;
  /** How the change is recorded (`manual` for config set, `switch` for bluegreen switch). */
  cause?: RouteCause;
  /** Asks before discarding state (switching back from a green that took writes); throws when refused. */
  confirm?: (question: string) => Promise<void>;
  progress?: (message: string) => void;
}

export interface SetRoutingResult extends RouteSwitchResult {
  /** False when the canister was already live (nothing recorded). */
  changed: boolean;
  /** The canister was live but stopped (an interrupted cut-over) and was started again. */
  started: boolean;
  health: { healthy: boolean; status: string; problems: string[] };
  /** Blue-green with copied state: the cut-over that carried the old live canister's state over. */
  cutOver: { writePauseMs: number; finalBackupId: string; bytesCopied: number } | null;
  /** Back from a state-copied green: what was discarded. */
  discarded: StateDiscard | null;
}

/**
 * `config set --routing <canister-id>`: makes a recorded, running (and healthy, unless forced)
 * canister the live one of its agent and environment. Between the colours of a blue-green
 * promotion that copied state, the state moves with the route (see stateful-switch.ts).
 */
export async function setRouting(
  session: Session,
  canisterIdText: string,
  options: SetRoutingOptions = {},
): Promise<SetRoutingResult> {
  const located = locateCanister(session, canisterIdText, { network: options.network });
  const record = located.record!;
  if (record.decommissionedAt !== null) {
    throw new SoulrecallError(
      `Canister ${located.canisterId} was deleted (${record.decommissionedAt}); it cannot be made live.`,
      {
        code: 'CANISTER_DECOMMISSIONED',
        hint: '`soulrecall list` shows the canisters that still exist.',
      },
    );
  }
  const current = session.store.routes.get(record.agent, record.environment);
  const client = await session.client(located.environment);
  const agent = agentConfigOf(session, record.agent) ?? { name: record.agent };
  const target = { agent: record.agent, environment: record.environment, operation: 'routing' };
  const none = { started: false, cutOver: null, discarded: null };
  const pair =
    current && current.canisterId !== located.canisterId
      ? statefulPair(session, record.agent, record.environment, current.canisterId, located.canisterId)
      : null;

  // Both ways between a blue-green pair move the same route, from the live canister to the named one.
  const pairSwitch = (from: string, promotionId: string) => ({
    agent,
    environment: located.environment,
    from,
    to: located.canisterId,
    cause: options.cause ?? ('manual' as const),
    promotionId,
  });

  if (pair && current && located.canisterId === pair.green) {
    options.progress?.(
      `${located.canisterId} was built by blue-green promotion ${pair.promotionId} with ${current.canisterId}'s memories: cutting over (writes pause briefly)…`,
    );
    return holdLease(session, client, target, async (client) => {
      const cut = await cutOverInto(
        session,
        client,
        {
          ...pairSwitch(current.canisterId, pair.promotionId),
          reason: options.reason ?? `config set --routing (cut-over of promotion ${pair.promotionId})`,
        },
        options,
      );
      session.store.promotions.update(pair.promotionId, { writePauseMs: Math.max(0, Math.round(cut.writePauseMs)) });
      const route = session.store.routes.get(record.agent, record.environment)!;
      const health = await healthOf(client, located.canisterId, agent);
      return {
        ...routeResult(current.canisterId, route, session),
        changed: true,
        health,
        ...none,
        cutOver: { writePauseMs: cut.writePauseMs, finalBackupId: cut.finalBackupId, bytesCopied: cut.bytesCopied },
      };
    });
  }
  if (pair && current && located.canisterId === pair.blue) {
    const discarded = discardOf(session, record.agent, record.environment, current.canisterId, located.canisterId);
    await options.confirm?.(
      `Route ${record.agent} in ${record.environment} back to ${located.canisterId}? ${capitalize(discarded.summary)}`,
    );
    return holdLease(session, client, target, async (client) => {
      const switched = await switchBackDiscarding(
        session,
        client,
        {
          ...pairSwitch(current.canisterId, pair.promotionId),
          reason:
            options.reason ??
            `config set --routing (back to ${located.canisterId}, discarding what ${current.canisterId} learned)`,
        },
        options,
      );
      return {
        ...switched,
        changed: true,
        health: await healthOf(client, located.canisterId, agent),
        ...none,
        discarded,
      };
    });
  }

  const method = healthMethodOf(session, record);
  const verdict = await client.health(located.canisterId, method ? { method } : {});
  assertCanisterExists(verdict, located.environment);
  let health: SetRoutingResult['health'] = {
    healthy: verdict.healthy,
    status: verdict.status,
    problems: verdict.problems,
  };
  if (current?.canisterId === located.canisterId) {
    let started = false;
    if (verdict.status === 'stopped') {
      // The live canister is stopped (an interrupted cut-over, say): an outage, so start it.
      options.progress?.(`${located.canisterId} is live but stopped; starting it…`);
      await holdLease(session, client, target, (client) => client.start(located.canisterId));
      started = true;
      health = await healthOf(client, located.canisterId, agent);
    }
    return { ...routeResult(current.canisterId, current, session, false), changed: false, health, ...none, started };
  }
  if (verdict.status === 'stopped' || verdict.status === 'stopping') {
    throw new SoulrecallError(`Canister ${located.canisterId} is ${verdict.status}; the route was not changed.`, {
      code: 'CANISTER_STOPPED',
      hint: 'Start it (or deploy to it) first.',
    });
  }
  if (!verdict.healthy && !options.force) {
    throw new SoulrecallError(
      `Canister ${located.canisterId} is unhealthy (${verdict.problems.join('; ')}); the route was not changed.`,
      {
        code: 'UNHEALTHY',
        hint: 'Fix it, or pass --force to route to it anyway.',
        details: { health },
      },
    );
  }
  const switched = switchRoute(session, {
    agent: record.agent,
    environment: record.environment,
    canisterId: located.canisterId,
    cause: options.cause ?? 'manual',
    reason:
      options.reason ??
      (options.force && !verdict.healthy ? 'config set --routing --force (unhealthy)' : 'config set --routing'),
    expectedCanisterId: current?.canisterId ?? null,
    principal: client.principal,
  });
  return { ...switched, changed: true, health, ...none };
}

async function healthOf(
  client: CanisterClient,
  canisterId: string,
  agent: AgentConfig,
): Promise<SetRoutingResult['health']> {
  const health = await checkAgentHealth(client, canisterId, agent);
  return { healthy: health.healthy, status: health.verdict.status, problems: health.problems };
}

function routeResult(from: string | null, route: Route, session: Session, wroteFile = true): RouteSwitchResult {
  const { agent, environment } = route;
  return {
    agent,
    environment,
    fromCanisterId: from,
    toCanisterId: route.canisterId,
    changeId: route.changeId,
    at: route.since,
    canisterIdsFile: wroteFile && session.config ? canisterIdsLocation(session.config, environment).file : null,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `config get --routing`: the live routes, optionally of one agent and/or environment. */
export function liveRoutes(session: Session, query: { agent?: string; environment?: string } = {}): Route[] {
  const environment = query.environment === undefined ? undefined : requireEnvironment(session, query.environment).name;
  return session.store.routes.list({ agent: query.agent, environment });
}
