import type { Principal } from '@dfinity/principal';
import type { WasmArtifact } from '../artifact.js';
import { fromHex } from '../candid/service.js';
import { type PrincipalLike, toPrincipal } from '../principal.js';
import type { CanisterStateReader } from '../read-state.js';
import {
  CHUNKED_INSTALL_THRESHOLD,
  type ChunkUploadStats,
  DEFAULT_UPLOAD_CONCURRENCY,
  MAX_CHUNK_BYTES,
  splitIntoChunks,
  uploadChunks,
} from './chunked-upload.js';
import type { ManagementCanister } from './management-canister.js';
import type { InstallMode } from './types.js';

/** An empty Candid argument list: `()`. */
export const EMPTY_CANDID_ARGS = Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0x00, 0x00);

export type ResolvedInstallMode = Exclude<InstallMode, 'auto'>;
export type WasmMemoryPersistence = 'keep' | 'replace';

export interface InstallOptions {
  canisterId: PrincipalLike;
  /** A validated module (see `readWasmArtifact`). */
  module: WasmArtifact;
  /** Candid-encoded init / post_upgrade argument; `()` by default. */
  arg?: Uint8Array;
  /** `auto` (default): `install` into an empty canister, otherwise `upgrade`. */
  mode?: InstallMode;
  /** Upgrades only: stop the canister first and start it again afterwards (even if the upgrade fails). */
  stopBeforeUpgrade?: boolean;
  /** Upgrades only: overrides EOP detection (`keep` when the module carries the EOP section). */
  wasmMemoryPersistence?: WasmMemoryPersistence;
  skipPreUpgrade?: boolean;
  /** `auto` (default): chunked above ~1.9 MiB. */
  chunked?: 'auto' | 'always' | 'never';
  /** Parallel chunk uploads (default 4; 1 = sequential). */
  chunkConcurrency?: number;
  /** Chunk size, at most 1 MiB (the default). */
  chunkBytes?: number;
  onProgress?: (event: InstallProgress) => void;
  /**
   * The module hash the caller just read from the canister (hex, or null for empty), to save
   * the certified read `auto` mode would otherwise make. Leave it out when unsure.
   */
  currentModuleHash?: string | null;
}

export type InstallProgress =
  | { step: 'mode'; mode: ResolvedInstallMode }
  | { step: 'stop' | 'start' | 'install' | 'clear-chunks' }
  | { step: 'upload'; done: number; total: number };

export interface InstallResult {
  canisterId: string;
  mode: ResolvedInstallMode;
  /** sha256 (hex) of the module now installed: equals `module.sha256`. */
  moduleHash: string;
  /** What was installed before (hex), or null for an empty canister. */
  previousModuleHash: string | null;
  wasmMemoryPersistence?: WasmMemoryPersistence;
  chunked: boolean;
  chunkStats?: ChunkUploadStats;
  stoppedForUpgrade: boolean;
}

function encodeMode(
  mode: ResolvedInstallMode,
  persistence: WasmMemoryPersistence | undefined,
  skipPreUpgrade: boolean | undefined,
): unknown {
  if (mode !== 'upgrade') return { [mode]: null };
  if (persistence === undefined && skipPreUpgrade === undefined) return { upgrade: [] };
  return {
    upgrade: [
      {
        skip_pre_upgrade: skipPreUpgrade === undefined ? [] : [skipPreUpgrade],
        wasm_memory_persistence: persistence === undefined ? [] : [{ [persistence]: null }],
      },
    ],
  };
}

/**
 * Installs, reinstalls or upgrades a canister: picks the mode, keeps Motoko EOP memory on
 * upgrade, goes through the chunk store for big modules (clearing it after success; after a
 * failure the chunks stay so a retry uploads only what is missing).
 */
export async function installModule(
  management: ManagementCanister,
  reader: CanisterStateReader,
  options: InstallOptions,
): Promise<InstallResult> {
  const canisterId: Principal = toPrincipal(options.canisterId);
  const module = options.module;
  const progress = options.onProgress ?? (() => undefined);
  const previousModuleHash =
    options.currentModuleHash !== undefined ? options.currentModuleHash : await reader.moduleHash(canisterId);
  const requested = options.mode ?? 'auto';
  const mode: ResolvedInstallMode =
    requested === 'auto' ? (previousModuleHash === null ? 'install' : 'upgrade') : requested;
  progress({ step: 'mode', mode });

  const persistence =
    mode === 'upgrade'
      ? (options.wasmMemoryPersistence ?? (module.enhancedOrthogonalPersistence ? 'keep' : undefined))
      : undefined;
  const encodedMode = encodeMode(mode, persistence, mode === 'upgrade' ? options.skipPreUpgrade : undefined);
  const arg = options.arg ?? EMPTY_CANDID_ARGS;
  const chunked =
    options.chunked === 'always' || (options.chunked !== 'never' && module.size > CHUNKED_INSTALL_THRESHOLD);

  const stopFirst = mode === 'upgrade' && options.stopBeforeUpgrade === true;
  if (stopFirst) {
    progress({ step: 'stop' });
    await management.stopCanister(canisterId);
  }
  let chunkStats: ChunkUploadStats | undefined;
  let failure: unknown;
  try {
    if (chunked) {
      const chunks = splitIntoChunks(module.bytes, options.chunkBytes ?? MAX_CHUNK_BYTES);
      chunkStats = await uploadChunks(management, canisterId, chunks, {
        concurrency: options.chunkConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY,
        onChunk: (done, total) => progress({ step: 'upload', done, total }),
      });
      progress({ step: 'install' });
      await management.installChunkedCode(
        canisterId,
        encodedMode,
        chunks.map((chunk) => fromHex(chunk.hash)),
        fromHex(module.sha256),
        arg,
      );
      progress({ step: 'clear-chunks' });
      await management.clearChunkStore(canisterId);
    } else {
      progress({ step: 'install' });
      await management.installCode(canisterId, encodedMode, module.bytes, arg);
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (stopFirst) {
      progress({ step: 'start' });
      // Installs are atomic, so after a failed upgrade the old code is still there: restart it.
      // If that fails too, the upgrade's error is the one the caller needs to see.
      await management.startCanister(canisterId).catch((startError: unknown) => {
        if (failure === undefined) throw startError;
      });
    }
  }
  return {
    canisterId: canisterId.toText(),
    mode,
    moduleHash: module.sha256,
    previousModuleHash,
    wasmMemoryPersistence: persistence,
    chunked,
    chunkStats,
    stoppedForUpgrade: stopFirst,
  };
}
