import type { Route } from '@soulrecall/history-store';
import { ExitCode, SoulrecallError } from '../errors.js';
import { assertCanisterExists, healthMethodOf } from './canister-status.js';
import { locateCanister, requireEnvironment } from './canister-lookup.js';
import { switchRoute, type RouteSwitchResult } from './routing.js';
import type { Session } from './session.js';

export interface SetRoutingOptions {
  network?: string;
  /** Switch even when the health check says unhealthy (never for a stopped canister). */
  force?: boolean;
  reason?: string;
}

export interface SetRoutingResult extends RouteSwitchResult {
  /** False when the canister was already live (nothing recorded). */
  changed: boolean;
  health: { healthy: boolean; status: string; problems: string[] };
}

/**
 * `config set --routing <canister-id>`: makes a recorded, running (and healthy, unless forced)
 * canister the live one of its agent and environment.
 */
export async function setRouting(session: Session, canisterIdText: string, options: SetRoutingOptions = {}): Promise<SetRoutingResult> {
  const located = locateCanister(session, canisterIdText, { network: options.network });
  const record = located.record!;
  if (record.decommissionedAt !== null) {
    throw new SoulrecallError(`Canister ${located.canisterId} was deleted (${record.decommissionedAt}); it cannot be made live.`, {
      code: 'CANISTER_DECOMMISSIONED',
      exitCode: ExitCode.NotFound,
      hint: '`soulrecall list` shows the canisters that still exist.',
    });
  }
  const current = session.store.routes.get(record.agent, record.environment);
  const client = await session.client(located.environment);
  const method = healthMethodOf(session, record);
  const verdict = await client.health(located.canisterId, method ? { method } : {});
  assertCanisterExists(verdict, located.environment);
  const health = { healthy: verdict.healthy, status: verdict.status, problems: verdict.problems };
  if (verdict.status === 'stopped' || verdict.status === 'stopping') {
    throw new SoulrecallError(`Canister ${located.canisterId} is ${verdict.status}; the route was not changed.`, {
      code: 'CANISTER_STOPPED',
      exitCode: ExitCode.Rejected,
      hint: 'Start it (or deploy to it) first.',
    });
  }
  if (!verdict.healthy && !options.force) {
    throw new SoulrecallError(`Canister ${located.canisterId} is unhealthy (${verdict.problems.join('; ')}); the route was not changed.`, {
      code: 'UNHEALTHY',
      exitCode: ExitCode.Unhealthy,
      hint: 'Fix it, or pass --force to route to it anyway.',
      details: { health },
    });
  }
  if (current?.canisterId === located.canisterId) {
    return {
      agent: record.agent,
      environment: record.environment,
      fromCanisterId: current.canisterId,
      toCanisterId: current.canisterId,
      changeId: current.changeId,
      at: current.since,
      canisterIdsFile: null,
      changed: false,
      health,
    };
  }
  const switched = switchRoute(session, {
    agent: record.agent,
    environment: record.environment,
    canisterId: located.canisterId,
    cause: 'manual',
    reason: options.reason ?? (options.force && !verdict.healthy ? 'config set --routing --force (unhealthy)' : 'config set --routing'),
    expectedCanisterId: current?.canisterId ?? null,
    principal: client.principal,
  });
  return { ...switched, changed: true, health };
}

/** `config get --routing`: the live routes, optionally of one agent and/or environment. */
export function liveRoutes(session: Session, query: { agent?: string; environment?: string } = {}): Route[] {
  const environment = query.environment === undefined ? undefined : requireEnvironment(session, query.environment).name;
  return session.store.routes.list({ agent: query.agent, environment });
}
