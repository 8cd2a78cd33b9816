import { isCanisterClientError, type CanisterClient, type CanisterSettings, type CanisterSettingsInput } from '@soulrecall/canister-client';
import type { Session } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';

/**
 * Stops and deletes a canister on its network, then marks it decommissioned in the store. A
 * canister already gone from the network is only marked. The store refuses to decommission the
 * live canister, so callers check the route first and this can never delete what serves traffic.
 */
export async function deleteAndDecommission(session: Session, client: CanisterClient, input: { environment: string; canisterId: string; reason: string }): Promise<{ deletedOnNetwork: boolean }> {
  let deletedOnNetwork = true;
  try {
    await client.delete(input.canisterId, { stopFirst: true });
  } catch (error) {
    if (!isCanisterClientError(error, 'CANISTER_NOT_FOUND')) throw error;
    deletedOnNetwork = false;
  }
  session.store.canisters.decommission({ canisterId: input.canisterId, environment: input.environment, reason: input.reason, by: { principal: client.principal } });
  return { deletedOnNetwork };
}

/** Blue's settings as input for creating green, so both run under the same controllers and limits. */
export function settingsForGreen(settings: CanisterSettings): CanisterSettingsInput {
  return {
    controllers: settings.controllers,
    computeAllocation: settings.computeAllocation,
    memoryAllocation: settings.memoryAllocation,
    freezingThreshold: settings.freezingThreshold,
    ...(settings.reservedCyclesLimit !== undefined ? { reservedCyclesLimit: settings.reservedCyclesLimit } : {}),
    ...(settings.logVisibility !== undefined ? { logVisibility: settings.logVisibility } : {}),
    ...(settings.wasmMemoryLimit !== undefined ? { wasmMemoryLimit: settings.wasmMemoryLimit } : {}),
    ...(settings.wasmMemoryThreshold !== undefined ? { wasmMemoryThreshold: settings.wasmMemoryThreshold } : {}),
  };
}

/** Settings as JSON for the journal (bigints as decimal strings). */
export function settingsToJson(settings: CanisterSettingsInput): JsonObject {
  const json: JsonObject = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    json[key] = typeof value === 'bigint' ? value.toString() : Array.isArray(value) ? value.map(String) : typeof value === 'object' ? JSON.parse(JSON.stringify(value)) : value;
  }
  return json;
}
