export {
  openHistoryStore,
  historyBackendOf,
  HistoryStore,
  DB_FILE_NAME,
  ARTIFACTS_DIR_NAME,
  SNAPSHOT_FILES_DIR_NAME,
  type OpenHistoryStoreOptions,
} from './store.js';
export {
  HistoryStoreError,
  isHistoryStoreError,
  type HistoryStoreErrorCode,
  type HistoryStoreErrorOptions,
} from './errors.js';
export {
  MIGRATIONS,
  LATEST_SCHEMA_VERSION,
  APPLICATION_ID,
  LEGACY_PROJECT,
  type Migration,
} from './schema/migrations.js';
export { checkProjectName } from './context.js';
export { migrate, type MigrationResult } from './schema/migrate.js';
export { SHORT_ID_ALPHABET } from './ids.js';
export { sha256Hex, ArtifactRepository } from './repositories/artifacts.js';
export { AuditRepository, type AuditQuery, type IntentInput, type TimelineQuery } from './repositories/audit.js';
export { BackupRepository, type BackupQuery, type RecordBackupInput } from './repositories/backups.js';
export {
  CanisterRepository,
  type CanisterQuery,
  type DecommissionInput,
  type RecordCanisterInput,
} from './repositories/canisters.js';
export { CatalogRepository } from './repositories/catalog.js';
export {
  DeploymentRepository,
  type BeginDeploymentInput,
  type DeploymentQuery,
  type FinishDeploymentInput,
} from './repositories/deployments.js';
export { LockRepository, DEFAULT_LEASE_MS, isProcessAlive, type AcquireLockInput } from './repositories/locks.js';
export {
  PromotionRepository,
  type CreatePromotionInput,
  type EndStepInput,
  type PromotionQuery,
  type UpdatePromotionInput,
} from './repositories/promotions.js';
export { SnapshotFileRepository, type StoredSnapshotFile } from './repositories/snapshot-files.js';
export { RouteRepository, type RouteHistoryQuery, type SetRouteInput } from './repositories/routes.js';
export * from './types.js';
export { redactUrl, prestartPostgres } from './db/postgres.js';
export type { Dialect as HistoryBackend } from './db/executor.js';
export type { PushedProject } from './push.js';
