import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, RejectError } from '../reject.js';
import { DEFAULT_SETTINGS, isVisibleTo, type CanisterRecord } from '../state/canister-record.js';
import {
  CANISTER_ONLY_METHODS,
  CYCLES_KEEPING_METHODS,
  ManagementMethods,
  METHODS_WITHOUT_TARGET,
  READ_ONLY_METHODS,
  type ManagementMethodName,
} from './candid-types.js';
import {
  clearChunkStore,
  installChunkedCode,
  installCode,
  storedChunks,
  uninstallCode,
  uploadChunk,
  type InstallChunkedCodeArgs,
} from './code-installation.js';
import { requireController, requireViewer, type ManagementContext } from './management-context.js';
import { applySettings, toDefiniteSettings, type CandidSettings } from './settings.js';
import {
  readSnapshotData,
  readSnapshotMetadata,
  uploadSnapshotData,
  uploadSnapshotMetadata,
  type UploadMetadataArgs,
} from './snapshot-transfer.js';
import { deleteSnapshot, listSnapshots, loadSnapshot, takeSnapshot } from './snapshots.js';

/** Cycles a canister gets from provisional creation when no amount is given (as dfx's local replica). */
const DEFAULT_PROVISIONAL_CYCLES = 100_000_000_000_000n;

// Decoded arguments are loosely typed: each handler knows its own record's fields.
type Args = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const isManagementMethod = (method: string): method is ManagementMethodName => Object.hasOwn(ManagementMethods, method);

/** Decodes a management method's argument (tolerantly: unknown fields are ignored, missing options are empty). */
export function decodeManagementArg(method: string, arg: Uint8Array): Args {
  if (!isManagementMethod(method))
    throw new RejectError(ErrorCodes.UnknownManagementMessage, `Management canister has no method '${method}'`);
  const { arg: type } = ManagementMethods[method];
  if (!type) return {};
  try {
    return IDL.decode([type], arg)[0] as Args;
  } catch (error) {
    throw new RejectError(ErrorCodes.InvalidManagementPayload, `Error decoding candid: ${(error as Error).message}`);
  }
}

/** The canister a management call is about (what the effective canister id must be), if any. */
export function managementTarget(method: string, args: Args): Principal | undefined {
  if (METHODS_WITHOUT_TARGET.has(method)) return undefined;
  return (args.canister_id ?? args.target_canister) as Principal | undefined;
}

/** Whether an ingress message may call this method at all (create_canister and raw_rand are for canisters). */
export function ingressMayCall(method: string): boolean {
  return !CANISTER_ONLY_METHODS.has(method);
}

/** Whether a method that replied keeps the cycles a calling canister attached (else they are refunded). */
export function cyclesKeptBy(method: string): boolean {
  return CYCLES_KEEPING_METHODS.has(method);
}

/** Runs one management method for a user (ingress) or a canister caller and returns its Candid-encoded reply. */
export async function callManagement(
  ctx: ManagementContext,
  method: string,
  args: Args,
  mode: 'update' | 'query',
): Promise<Uint8Array> {
  if (!isManagementMethod(method))
    throw new RejectError(ErrorCodes.UnknownManagementMessage, `Management canister has no method '${method}'`);
  if (method === 'fetch_canister_logs' && mode === 'update') {
    throw new RejectError(
      ErrorCodes.CanisterRejectedMessage,
      'ic00 method fetch_canister_logs can be called only in non-replicated mode (as a query).',
    );
  }
  if (method !== 'fetch_canister_logs' && mode === 'query') {
    throw new RejectError(ErrorCodes.CanisterRejectedMessage, `ic00 method ${method} can only be called as an update.`);
  }
  let result: unknown;
  try {
    result = await dispatch(ctx, method, args);
  } finally {
    // Durable acknowledgements: what a method changed is on disk (fsynced) before its reply, or
    // its reject, leaves; a rejected install may still have changed the logs.
    if (!READ_ONLY_METHODS.has(method)) {
      const target = managementTarget(method, args);
      await ctx.store.flush(target ? [target] : []);
    }
  }
  return new Uint8Array(IDL.encode([...ManagementMethods[method].ret], result === undefined ? [] : [result]));
}

async function dispatch(ctx: ManagementContext, method: ManagementMethodName, args: Args): Promise<unknown> {
  const id = args.canister_id as Principal;
  switch (method) {
    case 'create_canister':
    case 'raw_rand':
      if (method === 'raw_rand') return new Uint8Array(randomBytes(32));
      return createCanister(ctx, args, ctx.cycles ?? 0n);
    case 'provisional_create_canister_with_cycles':
      return createCanister(ctx, args, args.amount[0] ?? DEFAULT_PROVISIONAL_CYCLES);
    case 'provisional_top_up_canister': {
      const record = ctx.store.require(id);
      record.cycles += args.amount as bigint;
      ctx.store.changed();
      return undefined;
    }
    case 'deposit_cycles': {
      // Anyone may deposit; the calling canister's attached cycles move to the target.
      const record = ctx.store.require(id);
      record.cycles += ctx.cycles ?? 0n;
      ctx.store.changed();
      return undefined;
    }
    case 'install_code':
      return installCode(ctx, id, args.mode, args.wasm_module, args.arg);
    case 'install_chunked_code':
      return installChunkedCode(ctx, args as InstallChunkedCodeArgs);
    case 'uninstall_code':
      return uninstallCode(ctx, id);
    case 'canister_status':
      return canisterStatus(ctx, id);
    case 'start_canister':
      return setStatus(ctx, id, 'running');
    case 'stop_canister':
      // Stopping until its open call contexts have closed: the caller (Subnet) waits, then calls finishStop.
      return ctx.store.require(id).status === 'stopped'
        ? setStatus(ctx, id, 'stopped')
        : setStatus(ctx, id, 'stopping');
    case 'delete_canister':
      return deleteCanister(ctx, id);
    case 'update_settings':
      return updateSettings(ctx, id, args.settings);
    case 'upload_chunk':
      return uploadChunk(ctx, id, args.chunk);
    case 'stored_chunks':
      return storedChunks(ctx, id);
    case 'clear_chunk_store':
      return clearChunkStore(ctx, id);
    case 'take_canister_snapshot':
      return takeSnapshot(ctx, id, args.replace_snapshot[0]);
    case 'load_canister_snapshot':
      return loadSnapshot(ctx, id, args.snapshot_id);
    case 'list_canister_snapshots':
      return listSnapshots(ctx, id);
    case 'delete_canister_snapshot':
      return deleteSnapshot(ctx, id, args.snapshot_id);
    case 'read_canister_snapshot_metadata':
      return readSnapshotMetadata(ctx, id, args.snapshot_id);
    case 'read_canister_snapshot_data':
      return readSnapshotData(ctx, id, args.snapshot_id, args.kind);
    case 'upload_canister_snapshot_metadata':
      return uploadSnapshotMetadata(ctx, args as UploadMetadataArgs);
    case 'upload_canister_snapshot_data':
      return uploadSnapshotData(ctx, id, args.snapshot_id, args.kind, args.chunk);
    case 'fetch_canister_logs':
      return fetchLogs(ctx, id);
  }
}

function createCanister(ctx: ManagementContext, args: Args, cycles: bigint | undefined): { canister_id: Principal } {
  return {
    canister_id: addCanister(ctx, {
      settings: args.settings[0],
      cycles: cycles ?? 0n,
      specifiedId: args.specified_id?.[0],
    }),
  };
}

/**
 * Adds a new, empty, running canister with the caller as controller unless the settings name
 * others: what every way of creating one shares (the management canister's methods, the cycles
 * ledger's create_canister). Bad settings throw before anything changes.
 */
export function addCanister(
  ctx: ManagementContext,
  request: { settings?: CandidSettings; cycles: bigint; specifiedId?: Principal },
): Principal {
  const specified = request.specifiedId;
  if (specified && ctx.store.get(specified)) {
    throw new RejectError(ErrorCodes.CanisterIdAlreadyExists, `Canister ${specified.toText()} is already installed.`);
  }
  const { settings, controllers } = applySettings(DEFAULT_SETTINGS, [ctx.caller], request.settings);
  const record: CanisterRecord = {
    id: specified ?? ctx.store.allocateId(),
    status: 'running',
    controllers,
    settings,
    cycles: request.cycles,
    version: 0n,
    metadata: [],
    chunkHashes: [],
    logs: [],
    nextLogIdx: 0n,
    snapshots: [],
    nextSnapshotSeq: 0n,
  };
  ctx.store.add(record);
  return record.id;
}

function canisterStatus(ctx: ManagementContext, id: Principal) {
  const record = ctx.store.require(id);
  // The canister itself may always read its own status.
  if (record.id.compareTo(ctx.caller) !== 'eq') requireViewer(ctx, record, record.settings.statusVisibility);
  const hasCode = ctx.engine.hasCode(id.toUint8Array());
  const memorySize = hasCode ? ctx.engine.memorySize(id.toUint8Array()) : 0n;
  return {
    status: { [record.status]: null },
    ready_for_migration: false,
    version: record.version,
    settings: toDefiniteSettings(record.settings, record.controllers),
    module_hash: record.moduleHash ? [record.moduleHash] : [],
    memory_size: memorySize,
    memory_metrics: {
      wasm_memory_size: 0n,
      stable_memory_size: 0n,
      global_memory_size: 0n,
      wasm_binary_size: 0n,
      custom_sections_size: 0n,
      canister_history_size: 0n,
      wasm_chunk_store_size: 0n,
      snapshots_size: record.snapshots.reduce((sum, snapshot) => sum + snapshot.totalSize, 0n),
      log_memory_store_size: record.logs.reduce((sum, entry) => sum + BigInt(entry.content.length), 0n),
    },
    cycles: record.cycles,
    reserved_cycles: 0n,
    idle_cycles_burned_per_day: 0n,
    query_stats: {
      num_calls_total: 0n,
      num_instructions_total: 0n,
      request_payload_bytes_total: 0n,
      response_payload_bytes_total: 0n,
    },
  };
}

/**
 * The end of a stop_canister once the canister has no open call context: stopping becomes
 * stopped. A canister started again meanwhile stays running and the stop is rejected, as the spec says.
 */
export async function finishStop(ctx: ManagementContext, id: Principal): Promise<Uint8Array> {
  const record = ctx.store.require(id);
  if (record.status === 'running')
    throw new RejectError(ErrorCodes.CanisterStopped, `Canister ${id.toText()} was started again before it stopped.`);
  setStatus(ctx, id, 'stopped');
  await ctx.store.flush([id]);
  return new Uint8Array(IDL.encode([], []));
}

function setStatus(ctx: ManagementContext, id: Principal, status: 'running' | 'stopping' | 'stopped'): undefined {
  const record = ctx.store.require(id);
  requireController(ctx, record);
  if (record.status !== status) {
    record.status = status;
    record.version++;
    ctx.store.changed();
  }
  return undefined;
}

async function deleteCanister(ctx: ManagementContext, id: Principal): Promise<undefined> {
  const record = ctx.store.require(id);
  requireController(ctx, record);
  if (record.status !== 'stopped') {
    throw new RejectError(
      ErrorCodes.CanisterNotStopped,
      `Canister ${id.toText()} must be stopped before it is deleted.`,
    );
  }
  // Wasm state first, then the registry (persisted), then the files only that record referred to:
  // a crash in between leaves a stopped canister without code, never a record without its files.
  await ctx.engine.remove(id.toUint8Array());
  ctx.store.remove(id);
  await ctx.store.flush([id]);
  ctx.store.removeFiles(id);
  return undefined;
}

function updateSettings(ctx: ManagementContext, id: Principal, update: Args): undefined {
  const record = ctx.store.require(id);
  requireController(ctx, record);
  const { settings, controllers } = applySettings(record.settings, record.controllers, update as never);
  record.settings = settings;
  record.controllers = controllers;
  record.version++;
  ctx.store.changed();
  return undefined;
}

function fetchLogs(ctx: ManagementContext, id: Principal) {
  const record = ctx.store.require(id);
  const allowed = isVisibleTo(record, record.settings.logVisibility, ctx.caller);
  if (!allowed) {
    throw new RejectError(
      ErrorCodes.CanisterRejectedMessage,
      `Caller ${ctx.caller.toText()} is not allowed to query ic00 method fetch_canister_logs`,
    );
  }
  return {
    canister_log_records: record.logs.map((entry) => ({
      idx: entry.idx,
      timestamp_nanos: entry.timestampNanos,
      content: entry.content,
    })),
  };
}
