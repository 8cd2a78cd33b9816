import { invalidArgument, notFound, type StoreContext } from '../context.js';
import type { HistoryStoreError } from '../errors.js';
import type { Canister } from '../types.js';
import { requireCanister } from './canisters.js';
import { promotionExists } from './promotions.js';

/** What a deployment or a route change points at. */
export interface CanisterReference {
  agent: string;
  environment: string;
  canisterId: string;
  promotionId?: string;
}

/**
 * Checks, inside the write that records it, what a deployment or a route change refers to: the
 * canister is recorded, belongs to the agent and is not deleted (`whenDeleted` says why that
 * matters to the caller), and the promotion it names exists.
 */
export function requireLiveReference(
  ctx: StoreContext,
  ref: CanisterReference,
  whenDeleted: (canister: Canister) => HistoryStoreError,
): Canister {
  const canister = requireCanister(ctx, ref.environment, ref.canisterId);
  if (canister.agent !== ref.agent)
    throw invalidArgument(`canister ${ref.canisterId} belongs to agent ${canister.agent}, not ${ref.agent}`);
  if (canister.decommissionedAt !== null) throw whenDeleted(canister);
  if (ref.promotionId !== undefined && !promotionExists(ctx, ref.promotionId)) {
    throw notFound(`promotion ${ref.promotionId} does not exist`);
  }
  return canister;
}
