import type { RouteChange, SetRouteInput } from '@soulrecall/history-store';
import { readCanisterId, removeCanisterId, writeCanisterId } from './canister-ids.js';
import type { Session } from './session.js';

/** What the store's route change takes, with the actor given as the principal that made it. */
export interface RouteSwitchInput extends Omit<SetRouteInput, 'by'> {
  principal?: string;
}

export interface RouteSwitchResult {
  agent: string;
  environment: string;
  fromCanisterId: string | null;
  toCanisterId: string;
  changeId: number;
  at: string;
  /** The canister ids file that was updated (see canister-ids.ts for which), or null outside a project. */
  canisterIdsFile: string | null;
}

/**
 * Makes a canister the live one of its agent and environment: atomically in the store (with
 * every change kept), then in the file where dfx or icp-cli keeps that environment's ids
 * (canister-ids.ts) so front ends and teammates find it. The store is the source of truth; the file follows it.
 */
export function switchRoute(session: Session, input: RouteSwitchInput): RouteSwitchResult {
  const { principal, ...route } = input;
  const change: RouteChange = session.store.routes.set({
    ...route,
    by: principal ? { principal } : undefined,
  });
  const canisterIdsFile = session.config
    ? writeCanisterId(session.config, input.agent, input.environment, input.canisterId)
    : null;
  return {
    agent: change.agent,
    environment: change.environment,
    fromCanisterId: change.fromCanisterId,
    toCanisterId: change.toCanisterId,
    changeId: change.id,
    at: change.at,
    canisterIdsFile,
  };
}

/**
 * Removes the route of a first deployment that is being undone (its canister is deleted):
 * from the store, then from its canister ids file.
 */
export function clearRoute(
  session: Session,
  input: {
    agent: string;
    environment: string;
    canisterId: string;
    reason: string;
    promotionId?: string;
    principal?: string;
  },
): void {
  session.store.routes.clear({
    agent: input.agent,
    environment: input.environment,
    expectedCanisterId: input.canisterId,
    reason: input.reason,
    promotionId: input.promotionId,
    by: input.principal ? { principal: input.principal } : undefined,
  });
  if (session.config) removeCanisterId(session.config, input.agent, input.environment);
}

/**
 * Makes the environment's canister ids file say what the store says for one agent (the store is
 * the source of truth; a crash between the two writes leaves the file behind). Returns whether
 * the file changed.
 */
export function syncCanisterIds(session: Session, agent: string, environment: string): boolean {
  if (!session.config) return false;
  const route = session.store.routes.get(agent, environment);
  const written = readCanisterId(session.config, agent, environment);
  if (route?.canisterId === written) return false;
  if (route) writeCanisterId(session.config, agent, environment, route.canisterId);
  else removeCanisterId(session.config, agent, environment);
  return true;
}
