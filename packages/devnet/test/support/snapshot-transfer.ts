import type { Principal } from '@dfinity/principal';
import type { ManagementActor } from './fixtures.js';

/** What read_canister_snapshot_metadata returns, as @dfinity/candid decodes it. */
export interface SnapshotMetadata {
  source: { taken_from_canister?: null; metadata_upload?: null };
  taken_at_timestamp: bigint;
  wasm_module_size: bigint;
  globals: Record<string, number | bigint>[];
  wasm_memory_size: bigint;
  stable_memory_size: bigint;
  wasm_chunk_store: { hash: Uint8Array }[];
  canister_version: bigint;
  certified_data: Uint8Array;
  global_timer: [] | [{ inactive: null } | { active: bigint }];
  on_low_wasm_memory_hook_status: [] | [Record<string, null>];
}

export type Section = 'wasm_module' | 'wasm_memory' | 'stable_memory';
export const SECTIONS: Section[] = ['wasm_module', 'wasm_memory', 'stable_memory'];
const SIZE_FIELD: Record<Section, 'wasm_module_size' | 'wasm_memory_size' | 'stable_memory_size'> = {
  wasm_module: 'wasm_module_size',
  wasm_memory: 'wasm_memory_size',
  stable_memory: 'stable_memory_size',
};

/** A snapshot read out of a network: its metadata, its three sections and its chunk store. */
export interface DownloadedSnapshot {
  metadata: SnapshotMetadata;
  sections: Record<Section, Uint8Array>;
  chunks: Uint8Array[];
}

export const readMetadata = (mgmt: ManagementActor, canisterId: Principal, snapshotId: Uint8Array) =>
  mgmt.read_canister_snapshot_metadata({
    canister_id: canisterId,
    snapshot_id: snapshotId,
  }) as Promise<SnapshotMetadata>;

/** Reads a whole snapshot in slices of `sliceBytes` (at most 2,000,000). */
export async function downloadSnapshot(
  mgmt: ManagementActor,
  canisterId: Principal,
  snapshotId: Uint8Array,
  sliceBytes = 2_000_000,
): Promise<DownloadedSnapshot> {
  const metadata = await readMetadata(mgmt, canisterId, snapshotId);
  const sections = {} as Record<Section, Uint8Array>;
  for (const section of SECTIONS) {
    const size = Number(metadata[SIZE_FIELD[section]]);
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += sliceBytes) {
      const length = Math.min(sliceBytes, size - offset);
      const { chunk } = await mgmt.read_canister_snapshot_data({
        canister_id: canisterId,
        snapshot_id: snapshotId,
        kind: { [section]: { offset: BigInt(offset), size: BigInt(length) } },
      });
      bytes.set(chunk as Uint8Array, offset);
    }
    sections[section] = bytes;
  }
  const chunks: Uint8Array[] = [];
  for (const { hash } of metadata.wasm_chunk_store) {
    const { chunk } = await mgmt.read_canister_snapshot_data({
      canister_id: canisterId,
      snapshot_id: snapshotId,
      kind: { wasm_chunk: { hash } },
    });
    chunks.push(chunk as Uint8Array);
  }
  return { metadata, sections, chunks };
}

/** The upload_canister_snapshot_metadata argument that recreates `metadata` in `canisterId`. */
export function metadataUpload(
  canisterId: Principal,
  metadata: SnapshotMetadata,
  overrides: Record<string, unknown> = {},
) {
  return {
    canister_id: canisterId,
    replace_snapshot: [],
    wasm_module_size: metadata.wasm_module_size,
    globals: metadata.globals,
    wasm_memory_size: metadata.wasm_memory_size,
    stable_memory_size: metadata.stable_memory_size,
    certified_data: metadata.certified_data,
    global_timer: metadata.global_timer,
    on_low_wasm_memory_hook_status: metadata.on_low_wasm_memory_hook_status,
    ...overrides,
  };
}

/** Uploads a downloaded snapshot into `canisterId` (slices of `sliceBytes`) and returns the new snapshot's id. */
export async function uploadSnapshot(
  mgmt: ManagementActor,
  canisterId: Principal,
  snapshot: DownloadedSnapshot,
  overrides: Record<string, unknown> = {},
  sliceBytes = 1_900_000,
): Promise<Uint8Array> {
  const { snapshot_id } = (await mgmt.upload_canister_snapshot_metadata(
    metadataUpload(canisterId, snapshot.metadata, overrides),
  )) as { snapshot_id: Uint8Array };
  for (const section of SECTIONS) {
    const bytes = snapshot.sections[section];
    for (let offset = 0; offset < bytes.length; offset += sliceBytes) {
      await mgmt.upload_canister_snapshot_data({
        canister_id: canisterId,
        snapshot_id,
        kind: { [section]: { offset: BigInt(offset) } },
        chunk: bytes.subarray(offset, offset + sliceBytes),
      });
    }
  }
  for (const chunk of snapshot.chunks) {
    await mgmt.upload_canister_snapshot_data({
      canister_id: canisterId,
      snapshot_id,
      kind: { wasm_chunk: null },
      chunk,
    });
  }
  return snapshot_id;
}
