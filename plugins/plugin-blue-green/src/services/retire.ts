import type { CanisterSettings, CanisterSettingsInput } from '@soulrecall/canister-client';
import type { JsonObject } from '@soulrecall/history-store';

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
    json[key] =
      typeof value === 'bigint'
        ? value.toString()
        : Array.isArray(value)
          ? value.map(String)
          : typeof value === 'object'
            ? JSON.parse(JSON.stringify(value))
            : value;
  }
  return json;
}
