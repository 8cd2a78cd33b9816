export {
  CanisterClientError,
  isCanisterClientError,
  type CanisterClientErrorCode,
  type ReplicaRejectDetails,
} from './errors.js';
export { type NetworkDescription, LOCAL_NETWORK_URL, MAINNET_URL, isMainnet, isDevelopmentNetwork } from './network.js';
export {
  CanisterClient,
  type CreateCanisterOptions,
  type InstallRequest,
  type ClientStats,
} from './canister-client.js';
export type { ConnectionOptions } from './http-transport.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_ENV, resolveRequestTimeout } from './deadline.js';
export type { IcTransport, CallRequest } from './transport.js';
export type { RetryPolicy } from './retry.js';
export { toPrincipal, MANAGEMENT_CANISTER_ID, type PrincipalLike } from './principal.js';
export {
  IdentityStore,
  DEFAULT_IDENTITY,
  type IdentityInfo,
  type LoadedIdentity,
  type IdentityStoreOptions,
} from './identity/store.js';
export {
  identityFromPem,
  generateIdentity,
  isEncryptedPem,
  KEY_TYPES,
  NodeKeyIdentity,
  PASSPHRASE_VARIABLE,
  type KeyType,
} from './identity/pem.js';
export {
  readWasmArtifact,
  wasmArtifactFromBytes,
  MAX_WASM_BYTES,
  type WasmArtifact,
  type ArtifactLimits,
} from './artifact.js';
export { EOP_SECTION, customSectionNames } from './wasm-sections.js';
export { ManagementCanister } from './management/management-canister.js';
export { managementIdlFactory } from './management/idl.js';
export {
  EMPTY_CANDID_ARGS,
  type InstallOptions,
  type InstallResult,
  type InstallProgress,
  type WasmMemoryPersistence,
} from './management/install.js';
export { CHUNKED_INSTALL_THRESHOLD, MAX_CHUNK_BYTES, type ChunkUploadStats } from './management/chunked-upload.js';
export type * from './management/types.js';
export { SNAPSHOT_SECTIONS } from './management/types.js';
export { CanisterStateReader, type CanisterInfo } from './read-state.js';
export { type HealthVerdict, type HealthProbeOptions, type HealthMethodResult } from './health/probe.js';
export { judgeHealthReply, type ReplyVerdict } from './health/verdict.js';
export { decodeCandidUntyped, candidToPlain, type CandidValue } from './candid/generic-decode.js';
export {
  CyclesLedger,
  CYCLES_LEDGER_ID,
  DEFAULT_CREATION_CYCLES,
  cyclesLedgerIdlFactory,
  type LedgerCreateOptions,
  type LedgerCreateResult,
} from './cycles-ledger.js';
export {
  SNAPSHOT_SLICE_BYTES,
  DEFAULT_SNAPSHOT_CONCURRENCY,
  planSlices,
  type SnapshotContent,
  type SnapshotSlice,
  type TransferOptions,
  type TransferProgress,
  type TransferStats,
  type UploadCheckpoint,
  type UploadOptions,
  type UploadResult,
} from './snapshots/transfer.js';
export {
  encodeSnapshotArchive,
  decodeSnapshotArchive,
  SNAPSHOT_ARCHIVE_FORMAT,
  type ArchiveManifest,
  type DecodedSnapshotArchive,
} from './snapshots/archive.js';
export { isCreationPlan, randomDevelopmentCanisterId, type CreationPlan } from './creation-plan.js';
