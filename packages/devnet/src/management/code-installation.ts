import zlib from 'node:zlib';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '../bytes.js';
import { bytesEqual, toHex } from '../bytes.js';
import type { InstallMode } from '../execution/types.js';
import { messageContext } from '../message-context.js';
import { ErrorCodes, RejectError } from '../reject.js';
import type { CanisterRecord } from '../state/canister-record.js';
import { requireController, requireControllerOrSelf, type ManagementContext } from './management-context.js';

export type CandidInstallMode =
  | { install: null }
  | { reinstall: null }
  | {
      upgrade:
        [] | [{ skip_pre_upgrade: [] | [boolean]; wasm_memory_persistence: [] | [{ keep: null } | { replace: null }] }];
    };

/** install_chunked_code's argument as Candid decodes it (ic.did's install_chunked_code_args; opt is [] | [x]). */
export interface InstallChunkedCodeArgs {
  target_canister: Principal;
  store_canister: [] | [Principal];
  chunk_hashes_list: { hash: Uint8Array }[];
  wasm_module_hash: Uint8Array;
  mode: CandidInstallMode;
  arg: Uint8Array;
}

/** A module to install, whole (install_code) or assembled from chunks and checked against its hash. */
interface ModuleInstall {
  mode: CandidInstallMode;
  /** As given: raw or gzipped Wasm. */
  wasmModule: Uint8Array;
  /** sha256 of the module as given: what canister_status reports. */
  moduleHash: Uint8Array;
  arg: Uint8Array;
}

const MAX_CHUNK_BYTES = 1024 * 1024;
const MAX_DECOMPRESSED_MODULE_BYTES = 100 * 1024 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

export async function installCode(
  ctx: ManagementContext,
  canisterId: Principal,
  mode: CandidInstallMode,
  wasmModule: Uint8Array,
  arg: Uint8Array,
): Promise<void> {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  await install(ctx, record, { mode, wasmModule, moduleHash: sha256(wasmModule), arg });
}

export async function installChunkedCode(ctx: ManagementContext, args: InstallChunkedCodeArgs): Promise<void> {
  const { target_canister: target, wasm_module_hash: moduleHash, mode, arg } = args;
  const storeCanister = args.store_canister[0];
  const record = ctx.store.require(target);
  requireController(ctx, record);
  const storeRecord = storeCanister ? ctx.store.require(storeCanister) : record;
  requireControllerOrSelf(ctx, storeRecord);
  const chunks = args.chunk_hashes_list.map(({ hash }) => {
    const chunk = ctx.store.readChunk(storeRecord.id, hash);
    if (!chunk) {
      throw new RejectError(
        ErrorCodes.CanisterContractViolation,
        `Error from Canister ${target.toText()}: Chunk with hash ${toHex(hash)} was not found in the chunk store of canister ${storeRecord.id.toText()}.`,
      );
    }
    return chunk;
  });
  const wasmModule = new Uint8Array(Buffer.concat(chunks));
  const actualHash = sha256(wasmModule);
  if (!bytesEqual(actualHash, moduleHash)) {
    throw new RejectError(
      ErrorCodes.CanisterContractViolation,
      `Error from Canister ${target.toText()}: Wasm module hash ${toHex(actualHash)} does not match given hash ${toHex(moduleHash)}.`,
    );
  }
  await install(ctx, record, { mode, wasmModule, moduleHash, arg });
}

async function install(ctx: ManagementContext, record: CanisterRecord, request: ModuleInstall): Promise<void> {
  const { mode: candidMode, wasmModule: given, moduleHash, arg } = request;
  const id = record.id.toText();
  const hasCode = ctx.engine.hasCode(record.id.toUint8Array());
  const mode: InstallMode = 'install' in candidMode ? 'install' : 'reinstall' in candidMode ? 'reinstall' : 'upgrade';
  const upgradeOptions = 'upgrade' in candidMode ? candidMode.upgrade[0] : undefined;
  const persistence = upgradeOptions?.wasm_memory_persistence[0];
  if (mode === 'install' && hasCode) {
    throw new RejectError(
      ErrorCodes.CanisterAlreadyInstalled,
      `Canister ${id} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.`,
    );
  }
  if (mode === 'upgrade' && !hasCode) {
    throw new RejectError(
      ErrorCodes.CanisterWasmModuleNotFound,
      `Error from Canister ${id}: Attempted to upgrade a canister that contains no Wasm module.`,
    );
  }
  const outcome = await ctx.engine.install({
    canisterId: record.id.toUint8Array(),
    mode,
    wasm: ungzip(given, id),
    arg,
    skipPreUpgrade: upgradeOptions?.skip_pre_upgrade[0],
    wasmMemoryPersistence: persistence ? ('keep' in persistence ? 'keep' : 'replace') : undefined,
    context: messageContext(ctx.network, record, ctx.caller, ctx.timeNanos),
  });
  if (outcome.kind === 'reject') {
    ctx.store.appendLogs(record, outcome.logs);
    throw RejectError.from(outcome);
  }
  if (mode === 'reinstall') ctx.store.clearLogs(record);
  ctx.store.appendLogs(record, outcome.logs);
  record.moduleHash = moduleHash;
  record.metadata = outcome.metadata;
  record.version++;
  ctx.store.changed();
}

/** Gunzips a gzipped module; raw Wasm passes through. */
function ungzip(bytes: Uint8Array, canisterId: string): Uint8Array {
  if (!GZIP_MAGIC.every((byte, i) => bytes[i] === byte)) return bytes;
  try {
    return new Uint8Array(zlib.gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_MODULE_BYTES }));
  } catch (error) {
    throw new RejectError(
      ErrorCodes.CanisterInvalidWasm,
      `Error from Canister ${canisterId}: Canister's Wasm module is not valid: Failed to decompress Wasm module: ${(error as Error).message}`,
    );
  }
}

export async function uninstallCode(ctx: ManagementContext, canisterId: Principal): Promise<void> {
  const record = ctx.store.require(canisterId);
  requireController(ctx, record);
  await ctx.engine.uninstall(record.id.toUint8Array());
  record.moduleHash = undefined;
  record.metadata = [];
  ctx.store.clearLogs(record);
  record.chunkHashes = [];
  record.version++;
  ctx.store.changed();
  await ctx.store.flush([record.id]);
  ctx.store.collectChunks(record);
}

export function uploadChunk(ctx: ManagementContext, canisterId: Principal, chunk: Uint8Array): { hash: Uint8Array } {
  const record = ctx.store.require(canisterId);
  requireControllerOrSelf(ctx, record);
  if (chunk.length > MAX_CHUNK_BYTES) {
    throw new RejectError(
      ErrorCodes.CanisterContractViolation,
      `Error from Canister ${canisterId.toText()}: Wasm chunk size ${chunk.length} exceeds the maximum chunk size of ${MAX_CHUNK_BYTES} bytes.`,
    );
  }
  const hash = sha256(chunk);
  ctx.store.writeChunk(record.id, hash, chunk);
  if (!record.chunkHashes.some((known) => bytesEqual(known, hash))) record.chunkHashes.push(hash);
  ctx.store.changed();
  return { hash };
}

export function storedChunks(ctx: ManagementContext, canisterId: Principal): { hash: Uint8Array }[] {
  const record = ctx.store.require(canisterId);
  requireControllerOrSelf(ctx, record);
  return record.chunkHashes.map((hash) => ({ hash }));
}

export async function clearChunkStore(ctx: ManagementContext, canisterId: Principal): Promise<void> {
  const record = ctx.store.require(canisterId);
  requireControllerOrSelf(ctx, record);
  record.chunkHashes = [];
  ctx.store.changed();
  await ctx.store.flush([record.id]);
  ctx.store.collectChunks(record);
}
