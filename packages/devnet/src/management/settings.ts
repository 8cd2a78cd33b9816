import type { Principal } from '@dfinity/principal';
import { ErrorCodes, RejectError } from '../reject.js';
import type { CanisterSettings, EnvironmentVariable, Visibility } from '../state/canister-record.js';

/** Decoded Candid `canister_settings` (every field optional). */
export interface CandidSettings {
  controllers: [] | [Principal[]];
  compute_allocation: [] | [bigint];
  memory_allocation: [] | [bigint];
  freezing_threshold: [] | [bigint];
  reserved_cycles_limit: [] | [bigint];
  log_visibility: [] | [Visibility];
  log_memory_limit: [] | [bigint];
  snapshot_visibility: [] | [Visibility];
  status_visibility: [] | [Visibility];
  minimum_incoming_canister_call_cycles: [] | [bigint];
  wasm_memory_limit: [] | [bigint];
  wasm_memory_threshold: [] | [bigint];
  environment_variables: [] | [EnvironmentVariable[]];
}

const MAX_CONTROLLERS = 10;

/** Applies the given fields of `canister_settings` over `current`; fields left out stay as they are. */
export function applySettings(
  current: CanisterSettings,
  controllers: Principal[],
  update: CandidSettings | undefined,
): { settings: CanisterSettings; controllers: Principal[] } {
  if (!update) return { settings: current, controllers };
  const pick = <T>(field: [] | [T], fallback: T): T => (field.length ? field[0] : fallback);
  const nextControllers = pick(update.controllers, controllers);
  if (nextControllers.length > MAX_CONTROLLERS) {
    throw new RejectError(
      ErrorCodes.InvalidManagementPayload,
      `Invalid settings: At most ${MAX_CONTROLLERS} controllers are allowed.`,
    );
  }
  if (pick(update.compute_allocation, 0n) > 100n) {
    throw new RejectError(
      ErrorCodes.InvalidManagementPayload,
      'Invalid settings: compute_allocation must be a percentage between 0 and 100.',
    );
  }
  const names = pick(update.environment_variables, []).map((variable) => variable.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new RejectError(
      ErrorCodes.InvalidManagementPayload,
      `Invalid settings: duplicate environment variable name ${JSON.stringify(repeated)}.`,
    );
  }
  return {
    controllers: dedupe(nextControllers),
    settings: {
      computeAllocation: pick(update.compute_allocation, current.computeAllocation),
      memoryAllocation: pick(update.memory_allocation, current.memoryAllocation),
      freezingThreshold: pick(update.freezing_threshold, current.freezingThreshold),
      reservedCyclesLimit: pick(update.reserved_cycles_limit, current.reservedCyclesLimit),
      logVisibility: pick(update.log_visibility, current.logVisibility),
      logMemoryLimit: pick(update.log_memory_limit, current.logMemoryLimit),
      snapshotVisibility: pick(update.snapshot_visibility, current.snapshotVisibility),
      statusVisibility: pick(update.status_visibility, current.statusVisibility),
      minimumIncomingCanisterCallCycles: pick(
        update.minimum_incoming_canister_call_cycles,
        current.minimumIncomingCanisterCallCycles,
      ),
      wasmMemoryLimit: pick(update.wasm_memory_limit, current.wasmMemoryLimit),
      wasmMemoryThreshold: pick(update.wasm_memory_threshold, current.wasmMemoryThreshold),
      environmentVariables: pick(update.environment_variables, current.environmentVariables),
    },
  };
}

function dedupe(principals: Principal[]): Principal[] {
  const seen = new Set<string>();
  return principals.filter((p) => (seen.has(p.toText()) ? false : (seen.add(p.toText()), true)));
}

/** `definite_canister_settings` as canister_status returns it. */
export function toDefiniteSettings(settings: CanisterSettings, controllers: Principal[]) {
  return {
    controllers,
    compute_allocation: settings.computeAllocation,
    memory_allocation: settings.memoryAllocation,
    freezing_threshold: settings.freezingThreshold,
    reserved_cycles_limit: settings.reservedCyclesLimit,
    log_visibility: settings.logVisibility,
    log_memory_limit: settings.logMemoryLimit,
    snapshot_visibility: settings.snapshotVisibility,
    status_visibility: settings.statusVisibility,
    minimum_incoming_canister_call_cycles: settings.minimumIncomingCanisterCallCycles,
    wasm_memory_limit: settings.wasmMemoryLimit,
    wasm_memory_threshold: settings.wasmMemoryThreshold,
    environment_variables: settings.environmentVariables,
  };
}
