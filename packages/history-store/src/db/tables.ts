import type { Generated, Selectable } from 'kysely';

/**
 * The tables as the query layer sees them, one interface for both backends (SQLite and
 * PostgreSQL). Times are ISO-8601 text on both: they sort as strings and read back unchanged.
 */

/** Columns shared by every table that records who did something. */
export interface ActorColumns {
  by_principal: string | null;
  by_os_user: string;
  by_host: string;
}

export interface AgentsTable {
  project: string;
  name: string;
  first_seen_at: string;
  last_seen_at: string;
}

export interface EnvironmentsTable {
  project: string;
  name: string;
  network_url: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

export interface CanistersTable {
  project: string;
  environment: string;
  canister_id: string;
  network_url: string;
  agent: string;
  role: string;
  created_at: string;
  decommissioned_at: string | null;
}

export interface DeploymentsTable extends ActorColumns {
  id: Generated<number>;
  project: string;
  agent: string;
  environment: string;
  version: number;
  canister_id: string;
  module_sha256: string;
  install_mode: string;
  status: string;
  snapshot_backup_id: string | null;
  promotion_id: string | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface PromotionsTable extends ActorColumns {
  seq: Generated<number>;
  id: string;
  project: string;
  agent: string;
  from_environment: string;
  to_environment: string;
  strategy: string;
  source_deployment_id: number | null;
  target_deployment_id: number | null;
  target_canister_id: string | null;
  status: string;
  error: string | null;
  options: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  write_pause_ms: number | null;
}

export interface PromotionStepsTable {
  promotion_seq: number;
  step_index: number;
  name: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  detail: string | null;
  error: string | null;
}

export interface RouteChangesTable extends ActorColumns {
  id: Generated<number>;
  project: string;
  agent: string;
  environment: string;
  from_canister_id: string | null;
  to_canister_id: string;
  cause: string;
  reason: string | null;
  promotion_id: string | null;
  at: string;
}

export interface RoutesTable {
  project: string;
  agent: string;
  environment: string;
  canister_id: string;
  change_id: number;
  since: string;
}

export interface ArtifactsTable {
  sha256: string;
  size: number;
  first_seen_at: string;
}

export interface BackupsTable extends ActorColumns {
  seq: Generated<number>;
  id: string;
  project: string;
  agent: string;
  environment: string;
  canister_id: string;
  snapshot_id: string;
  reason: string | null;
  deployment_id: number | null;
  created_at: string;
  deleted_at: string | null;
  module_sha256: string | null;
  source: string;
  archive_sha256: string | null;
  archive_size: number | null;
  archived_at: string | null;
}

export interface BackupRestoresTable extends ActorColumns {
  id: Generated<number>;
  backup_id: string;
  reason: string | null;
  at: string;
}

export interface LocksTable {
  project: string;
  agent: string;
  environment: string;
  operation: string;
  operation_id: string;
  pid: number;
  host: string;
  acquired_at: string;
  renewed_at: string;
  expires_at: string;
}

export interface AuditLogTable extends ActorColumns {
  id: Generated<number>;
  project: string;
  at: string;
  action: string;
  kind: string | null;
  agent: string | null;
  environment: string | null;
  subject: string | null;
  summary: string;
  detail: string;
}

/** Content-addressed bytes kept in a shared store (modules, snapshot files), so any machine can read them. */
export interface BlobsTable {
  sha256: string;
  kind: string;
  size: number;
  bytes: Uint8Array;
  stored_at: string;
}

export interface Database {
  agents: AgentsTable;
  environments: EnvironmentsTable;
  canisters: CanistersTable;
  deployments: DeploymentsTable;
  promotions: PromotionsTable;
  promotion_steps: PromotionStepsTable;
  route_changes: RouteChangesTable;
  routes: RoutesTable;
  artifacts: ArtifactsTable;
  backups: BackupsTable;
  backup_restores: BackupRestoresTable;
  locks: LocksTable;
  audit_log: AuditLogTable;
  blobs: BlobsTable;
}

/**
 * A row of a table as `selectAll()` reads it. Repositories derive their row types from this,
 * narrowing the text columns a CHECK constraint limits, so a column is declared once.
 */
export type Row<T extends keyof Database> = Selectable<Database[T]>;
