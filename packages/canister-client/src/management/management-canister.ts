import { Principal } from '@dfinity/principal';
import { CandidService, fromHex, fromOpt, toHex, toOpt } from '../candid/service.js';
import { MANAGEMENT_CANISTER_ID, type PrincipalLike, toPrincipal } from '../principal.js';
import type { IcTransport } from '../transport.js';
import { managementIdlFactory } from './idl.js';
import {
  decodeSnapshotMetadata,
  encodeDataRequest,
  encodeDataTarget,
  encodeMetadataUpload,
  type RawSnapshotMetadata,
} from './snapshot-candid.js';
import type {
  CanisterLogRecord,
  CanisterSettings,
  CanisterSettingsInput,
  CanisterStatus,
  LogVisibility,
  SnapshotDataRequest,
  SnapshotDataTarget,
  SnapshotInfo,
  SnapshotMetadata,
  SnapshotMetadataUpload,
} from './types.js';

const management = new CandidService(managementIdlFactory);
/** Canister id 0 (`rwlgt-iiaaa-aaaaa-aaaaa-cai`). */
const FIRST_LOCAL_CANISTER_ID = Principal.fromUint8Array(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1));

type Bytes = Uint8Array | number[];
type RawLogVisibility = { controllers: null } | { public: null } | { allowed_viewers: Principal[] };
interface RawStatus {
  status: { running?: null; stopping?: null; stopped?: null };
  settings: {
    controllers: Principal[];
    compute_allocation: bigint;
    memory_allocation: bigint;
    freezing_threshold: bigint;
    reserved_cycles_limit: [] | [bigint];
    log_visibility: [] | [RawLogVisibility];
    wasm_memory_limit: [] | [bigint];
    wasm_memory_threshold: [] | [bigint];
  };
  module_hash: [] | [Bytes];
  memory_size: bigint;
  cycles: bigint;
  reserved_cycles: [] | [bigint];
  idle_cycles_burned_per_day: [] | [bigint];
  version: [] | [bigint];
}
interface RawSnapshot {
  id: Bytes;
  taken_at_timestamp: bigint;
  total_size: bigint;
}

function encodeLogVisibility(value: LogVisibility): RawLogVisibility {
  if (value === 'controllers') return { controllers: null };
  if (value === 'public') return { public: null };
  return { allowed_viewers: value.allowedViewers.map((viewer) => toPrincipal(viewer, 'principal')) };
}

function decodeLogVisibility(value: RawLogVisibility): CanisterSettings['logVisibility'] {
  if ('controllers' in value) return 'controllers';
  if ('public' in value) return 'public';
  return { allowedViewers: value.allowed_viewers.map((p) => p.toText()) };
}

export function encodeSettings(settings: CanisterSettingsInput = {}): Record<string, unknown> {
  return {
    controllers: toOpt(settings.controllers?.map((c) => toPrincipal(c, 'controller principal'))),
    compute_allocation: toOpt(settings.computeAllocation),
    memory_allocation: toOpt(settings.memoryAllocation),
    freezing_threshold: toOpt(settings.freezingThreshold),
    reserved_cycles_limit: toOpt(settings.reservedCyclesLimit),
    log_visibility: toOpt(
      settings.logVisibility === undefined ? undefined : encodeLogVisibility(settings.logVisibility),
    ),
    wasm_memory_limit: toOpt(settings.wasmMemoryLimit),
    wasm_memory_threshold: toOpt(settings.wasmMemoryThreshold),
    // Settings soulrecall does not set: left out, so a change of the others leaves them as they are.
    log_memory_limit: [],
    snapshot_visibility: [],
    status_visibility: [],
    minimum_incoming_canister_call_cycles: [],
    environment_variables: [],
  };
}

function decodeSnapshot(raw: RawSnapshot): SnapshotInfo {
  return {
    id: toHex(raw.id),
    takenAtNanos: raw.taken_at_timestamp,
    takenAt: new Date(Number(raw.taken_at_timestamp / 1_000_000n)),
    totalSize: raw.total_size,
  };
}

/**
 * The management canister's methods as typed functions over an `IcTransport`: argument
 * encoding, effective canister ids and reply decoding live here and nowhere else.
 */
export class ManagementCanister {
  constructor(private readonly transport: IcTransport) {}

  private async invoke<T>(method: string, effectiveCanisterId: Principal, arg: Record<string, unknown>): Promise<T> {
    const request = {
      canisterId: MANAGEMENT_CANISTER_ID,
      method,
      arg: management.encodeArgs(method, [arg]),
      effectiveCanisterId,
    };
    const reply = management.isQuery(method)
      ? await this.transport.query(request)
      : await this.transport.update(request);
    return management.decodeReply<T>(method, reply);
  }

  /** Development networks only: a new canister with cycles from nowhere. */
  async provisionalCreateCanister(
    options: { cycles?: bigint; settings?: CanisterSettingsInput; specifiedId?: PrincipalLike } = {},
  ): Promise<Principal> {
    // Any principal routed to the subnet is a valid effective canister id for this call: the wanted
    // id, or the first canister id of a local replica's range (as dfx does).
    const ecid = toPrincipal(options.specifiedId ?? FIRST_LOCAL_CANISTER_ID);
    const reply = await this.invoke<{ canister_id: Principal }>('provisional_create_canister_with_cycles', ecid, {
      amount: toOpt(options.cycles),
      settings: toOpt(encodeSettings(options.settings)),
      specified_id: toOpt(options.specifiedId === undefined ? undefined : toPrincipal(options.specifiedId)),
      sender_canister_version: [],
    });
    return reply.canister_id;
  }

  async installCode(canisterId: PrincipalLike, mode: unknown, wasmModule: Uint8Array, arg: Uint8Array): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('install_code', id, {
      mode,
      canister_id: id,
      wasm_module: wasmModule,
      arg,
      sender_canister_version: [],
    });
  }

  async installChunkedCode(
    canisterId: PrincipalLike,
    mode: unknown,
    chunkHashes: Uint8Array[],
    wasmModuleHash: Uint8Array,
    arg: Uint8Array,
  ): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('install_chunked_code', id, {
      mode,
      target_canister: id,
      store_canister: [],
      chunk_hashes_list: chunkHashes.map((hash) => ({ hash })),
      wasm_module_hash: wasmModuleHash,
      arg,
      sender_canister_version: [],
    });
  }

  /** Uploads one chunk; resolves to its sha256 as the canister computed it. */
  async uploadChunk(canisterId: PrincipalLike, chunk: Uint8Array): Promise<Uint8Array> {
    const id = toPrincipal(canisterId);
    const reply = await this.invoke<{ hash: Bytes }>('upload_chunk', id, { canister_id: id, chunk });
    return Uint8Array.from(reply.hash);
  }

  /** Hashes (hex) of the chunks in the canister's chunk store. */
  async storedChunks(canisterId: PrincipalLike): Promise<string[]> {
    const id = toPrincipal(canisterId);
    const reply = await this.invoke<Array<{ hash: Bytes }>>('stored_chunks', id, { canister_id: id });
    return reply.map((entry) => toHex(entry.hash));
  }

  async clearChunkStore(canisterId: PrincipalLike): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('clear_chunk_store', id, { canister_id: id });
  }

  async uninstallCode(canisterId: PrincipalLike): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('uninstall_code', id, { canister_id: id, sender_canister_version: [] });
  }

  async canisterStatus(canisterId: PrincipalLike): Promise<CanisterStatus> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<RawStatus>('canister_status', id, { canister_id: id });
    const moduleHash = fromOpt(raw.module_hash);
    const logVisibility = fromOpt(raw.settings.log_visibility);
    return {
      canisterId: id.toText(),
      status: 'running' in raw.status ? 'running' : 'stopping' in raw.status ? 'stopping' : 'stopped',
      moduleHash: moduleHash ? toHex(moduleHash) : null,
      cycles: raw.cycles,
      memorySize: raw.memory_size,
      settings: {
        controllers: raw.settings.controllers.map((p) => p.toText()),
        computeAllocation: raw.settings.compute_allocation,
        memoryAllocation: raw.settings.memory_allocation,
        freezingThreshold: raw.settings.freezing_threshold,
        reservedCyclesLimit: fromOpt(raw.settings.reserved_cycles_limit),
        logVisibility: logVisibility ? decodeLogVisibility(logVisibility) : undefined,
        wasmMemoryLimit: fromOpt(raw.settings.wasm_memory_limit),
        wasmMemoryThreshold: fromOpt(raw.settings.wasm_memory_threshold),
      },
      reservedCycles: fromOpt(raw.reserved_cycles),
      idleCyclesBurnedPerDay: fromOpt(raw.idle_cycles_burned_per_day),
      version: fromOpt(raw.version),
    };
  }

  async startCanister(canisterId: PrincipalLike): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('start_canister', id, { canister_id: id });
  }

  async stopCanister(canisterId: PrincipalLike): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('stop_canister', id, { canister_id: id });
  }

  /** Deletes a (stopped) canister and its snapshots. */
  async deleteCanister(canisterId: PrincipalLike): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('delete_canister', id, { canister_id: id });
  }

  async updateSettings(canisterId: PrincipalLike, settings: CanisterSettingsInput): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('update_settings', id, {
      canister_id: id,
      settings: encodeSettings(settings),
      sender_canister_version: [],
    });
  }

  async takeSnapshot(canisterId: PrincipalLike, replaceSnapshotId?: string): Promise<SnapshotInfo> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<RawSnapshot>('take_canister_snapshot', id, {
      canister_id: id,
      replace_snapshot: toOpt(replaceSnapshotId === undefined ? undefined : fromHex(replaceSnapshotId)),
    });
    return decodeSnapshot(raw);
  }

  async loadSnapshot(canisterId: PrincipalLike, snapshotId: string): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('load_canister_snapshot', id, {
      canister_id: id,
      snapshot_id: fromHex(snapshotId),
      sender_canister_version: [],
    });
  }

  async listSnapshots(canisterId: PrincipalLike): Promise<SnapshotInfo[]> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<RawSnapshot[]>('list_canister_snapshots', id, { canister_id: id });
    return raw.map(decodeSnapshot);
  }

  async deleteSnapshot(canisterId: PrincipalLike, snapshotId: string): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('delete_canister_snapshot', id, { canister_id: id, snapshot_id: fromHex(snapshotId) });
  }

  /** What a snapshot holds: sizes, globals, chunk-store hashes, certified data, timer (controllers only). */
  async readSnapshotMetadata(canisterId: PrincipalLike, snapshotId: string): Promise<SnapshotMetadata> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<RawSnapshotMetadata>('read_canister_snapshot_metadata', id, {
      canister_id: id,
      snapshot_id: fromHex(snapshotId),
    });
    return decodeSnapshotMetadata(raw);
  }

  /** A slice of a snapshot's module, heap or stable memory (at most 2,000,000 bytes), or one chunk-store chunk. */
  async readSnapshotData(
    canisterId: PrincipalLike,
    snapshotId: string,
    request: SnapshotDataRequest,
  ): Promise<Uint8Array> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<{ chunk: Bytes }>('read_canister_snapshot_data', id, {
      canister_id: id,
      snapshot_id: fromHex(snapshotId),
      kind: encodeDataRequest(request),
    });
    return Uint8Array.from(raw.chunk);
  }

  /**
   * Creates an all-zero snapshot of the given shape, to be filled with `uploadSnapshotData`; resolves to its id (hex).
   */
  async uploadSnapshotMetadata(
    canisterId: PrincipalLike,
    metadata: SnapshotMetadataUpload,
    replaceSnapshotId?: string,
  ): Promise<string> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<{ snapshot_id: Bytes }>('upload_canister_snapshot_metadata', id, {
      canister_id: id,
      replace_snapshot: toOpt(replaceSnapshotId === undefined ? undefined : fromHex(replaceSnapshotId)),
      ...encodeMetadataUpload(metadata),
    });
    return toHex(raw.snapshot_id);
  }

  /** Writes bytes into an uploaded snapshot: at an offset of a section, or as a chunk-store chunk. */
  async uploadSnapshotData(
    canisterId: PrincipalLike,
    snapshotId: string,
    target: SnapshotDataTarget,
    chunk: Uint8Array,
  ): Promise<void> {
    const id = toPrincipal(canisterId);
    await this.invoke('upload_canister_snapshot_data', id, {
      canister_id: id,
      snapshot_id: fromHex(snapshotId),
      kind: encodeDataTarget(target),
      chunk,
    });
  }

  /** `fetch_canister_logs`, as a query (who may read depends on the canister's log_visibility). */
  async fetchLogs(canisterId: PrincipalLike): Promise<CanisterLogRecord[]> {
    const id = toPrincipal(canisterId);
    const raw = await this.invoke<{
      canister_log_records: Array<{ idx: bigint; timestamp_nanos: bigint; content: Bytes }>;
    }>('fetch_canister_logs', id, { canister_id: id });
    return raw.canister_log_records.map((record) => {
      const content = Uint8Array.from(record.content);
      return {
        idx: record.idx,
        timestampNanos: record.timestamp_nanos,
        timestamp: new Date(Number(record.timestamp_nanos / 1_000_000n)),
        content,
        text: new TextDecoder().decode(content),
      };
    });
  }
}
