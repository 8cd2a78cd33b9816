import { confirmOrRefuse } from '../confirm.js';
import { SoulrecallError, hasErrorCode } from '../errors.js';
import { locateCanister } from './canister-lookup.js';
import { clearRoute } from './routing.js';
import type { CanisterClient } from '@soulrecall/canister-client';
import type { Canister } from '@soulrecall/history-store';
import type { Session } from './session.js';

export interface DeletionResult {
  canisterId: string;
  environment: string;
  agent: string;
  /** False when the network no longer had the canister (it is only marked decommissioned). */
  deletedOnNetwork: boolean;
  /**
   * True when it was the live canister, gone from the network: its route was removed too (deploy again for a new one).
   */
  routeCleared: boolean;
  decommissionedAt: string;
}

export interface DeletionOptions {
  network?: string;
  yes?: boolean;
  reason?: string;
}

/**
 * `delete <canister-id>`: stop, delete, mark decommissioned. Everything that can be checked
 * locally (id, record, live route, confirmation) is checked before any network call.
 */
export async function deleteCanister(
  session: Session,
  canisterIdText: string,
  options: DeletionOptions = {},
): Promise<DeletionResult> {
  const located = locateCanister(session, canisterIdText, { network: options.network });
  const record = located.record!;
  if (record.decommissionedAt !== null) {
    throw new SoulrecallError(`Canister ${located.canisterId} was already deleted (${record.decommissionedAt}).`, {
      code: 'CANISTER_DECOMMISSIONED',
      hint: '`soulrecall list` shows the canisters that still exist.',
    });
  }
  const route = session.store.routes.get(record.agent, record.environment);
  const live = route?.canisterId === located.canisterId;
  // The live canister is refused, unless the network says it no longer exists (deleted by
  // hand, a network reset): then the only thing left to delete is the record and its route.
  // A network that cannot say so (unreachable, say) leaves the refusal standing.
  const client = live ? await session.client(located.environment).catch(() => undefined) : undefined;
  if (live && !(client && (await isGone(client, located.canisterId)))) {
    throw new SoulrecallError(
      `Canister ${located.canisterId} is the live canister of ${record.agent} in ${record.environment}; it was not deleted.`,
      {
        code: 'CANISTER_IS_LIVE',
        hint: `Switch the route first: soulrecall config set --routing <other-canister-id> (see soulrecall list --agent ${record.agent} -e ${record.environment}).`,
        details: { route },
      },
    );
  }
  if (located.environment.protected) {
    await confirmOrRefuse({
      yes: options.yes ?? false,
      question: `Delete canister ${located.canisterId} of ${record.agent} in protected environment ${record.environment}?`,
    });
  }
  if (live) {
    clearRoute(session, {
      agent: record.agent,
      environment: record.environment,
      canisterId: located.canisterId,
      reason: 'its canister is no longer on the network',
      principal: client?.principal,
    });
  }
  const { deletedOnNetwork, canister: decommissioned } = await deleteAndDecommission(
    session,
    client ?? (await session.client(located.environment)),
    {
      environment: record.environment,
      canisterId: located.canisterId,
      reason: options.reason ?? 'deleted with soulrecall delete',
    },
  );
  return {
    canisterId: located.canisterId,
    environment: record.environment,
    agent: record.agent,
    deletedOnNetwork,
    routeCleared: live,
    decommissionedAt: decommissioned.decommissionedAt!,
  };
}

async function isGone(client: CanisterClient, canisterId: string): Promise<boolean> {
  try {
    await client.status(canisterId);
    return false;
  } catch (error) {
    return hasErrorCode(error, 'CANISTER_NOT_FOUND');
  }
}

/**
 * Stops and deletes a canister on its network, journaled before (intent) and after (decommission).
 * A canister already gone from the network is only marked. The store refuses to decommission
 * the live canister of a route, so callers check the route first.
 */
export async function deleteAndDecommission(
  session: Session,
  client: CanisterClient,
  input: { environment: string; canisterId: string; reason: string },
): Promise<{ deletedOnNetwork: boolean; canister: Canister }> {
  const by = { principal: client.principal };
  const record = session.store.canisters.get(input.environment, input.canisterId);
  session.store.audit.noteIntent({
    action: 'canister.delete-requested',
    agent: record?.agent,
    environment: input.environment,
    subject: input.canisterId,
    summary: `asking the network to stop and delete canister ${input.canisterId} (${input.reason})`,
    by,
  });
  let deletedOnNetwork = true;
  try {
    await client.delete(input.canisterId, { stopFirst: true });
  } catch (error) {
    // Gone already (deleted by hand): the record just catches up.
    if (!hasErrorCode(error, 'CANISTER_NOT_FOUND')) throw error;
    deletedOnNetwork = false;
  }
  const canister = session.store.canisters.decommission({
    canisterId: input.canisterId,
    environment: input.environment,
    reason: deletedOnNetwork ? input.reason : `${input.reason} (it was no longer on the network)`,
    by,
  });
  return { deletedOnNetwork, canister };
}
