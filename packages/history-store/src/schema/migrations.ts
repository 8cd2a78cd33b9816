import type Database from 'better-sqlite3';

/**
 * Schema history. Each entry moves the database from `version - 1` to `version`; the
 * runner applies the missing ones in order inside one immediate transaction and records
 * the result in `PRAGMA user_version`. Never edit a released migration: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

const WHO = 'by_principal TEXT, by_os_user TEXT NOT NULL, by_host TEXT NOT NULL';

const v1Tables = `
CREATE TABLE agents (
  name TEXT PRIMARY KEY,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE environments (
  name TEXT PRIMARY KEY,
  network_url TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE canisters (
  environment TEXT NOT NULL REFERENCES environments(name),
  canister_id TEXT NOT NULL,
  network_url TEXT NOT NULL,
  agent TEXT NOT NULL REFERENCES agents(name),
  role TEXT NOT NULL CHECK (role IN ('primary', 'blue', 'green')),
  created_at TEXT NOT NULL,
  decommissioned_at TEXT,
  PRIMARY KEY (environment, canister_id)
) WITHOUT ROWID;

CREATE TABLE deployments (
  id INTEGER PRIMARY KEY,
  agent TEXT NOT NULL REFERENCES agents(name),
  environment TEXT NOT NULL REFERENCES environments(name),
  version INTEGER NOT NULL CHECK (version > 0),
  canister_id TEXT NOT NULL,
  module_sha256 TEXT NOT NULL CHECK (length(module_sha256) = 64),
  install_mode TEXT NOT NULL CHECK (install_mode IN ('install', 'reinstall', 'upgrade')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'rolled-back')),
  snapshot_backup_id TEXT REFERENCES backups(id),
  promotion_id TEXT REFERENCES promotions(id),
  ${WHO},
  started_at TEXT NOT NULL,
  finished_at TEXT,
  error TEXT,
  UNIQUE (agent, environment, version),
  FOREIGN KEY (environment, canister_id) REFERENCES canisters(environment, canister_id)
);

CREATE TABLE promotions (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  agent TEXT NOT NULL REFERENCES agents(name),
  from_environment TEXT NOT NULL REFERENCES environments(name),
  to_environment TEXT NOT NULL REFERENCES environments(name),
  strategy TEXT NOT NULL,
  source_deployment_id INTEGER REFERENCES deployments(id),
  target_deployment_id INTEGER REFERENCES deployments(id),
  target_canister_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('planned', 'running', 'succeeded', 'failed', 'aborted', 'rolled-back')),
  error TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  ${WHO},
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX promotions_by_agent ON promotions(agent);

CREATE TABLE promotion_steps (
  promotion_seq INTEGER NOT NULL REFERENCES promotions(seq),
  step_index INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'undone')),
  started_at TEXT,
  finished_at TEXT,
  detail TEXT,
  error TEXT,
  PRIMARY KEY (promotion_seq, step_index)
) WITHOUT ROWID;

CREATE TABLE route_changes (
  id INTEGER PRIMARY KEY,
  agent TEXT NOT NULL REFERENCES agents(name),
  environment TEXT NOT NULL REFERENCES environments(name),
  from_canister_id TEXT,
  to_canister_id TEXT NOT NULL,
  cause TEXT NOT NULL CHECK (cause IN ('deploy', 'promotion', 'switch', 'rollback', 'manual')),
  reason TEXT,
  promotion_id TEXT REFERENCES promotions(id),
  ${WHO},
  at TEXT NOT NULL,
  FOREIGN KEY (environment, to_canister_id) REFERENCES canisters(environment, canister_id)
);

CREATE TABLE routes (
  agent TEXT NOT NULL REFERENCES agents(name),
  environment TEXT NOT NULL REFERENCES environments(name),
  canister_id TEXT NOT NULL,
  change_id INTEGER NOT NULL REFERENCES route_changes(id),
  since TEXT NOT NULL,
  PRIMARY KEY (agent, environment),
  FOREIGN KEY (environment, canister_id) REFERENCES canisters(environment, canister_id)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size INTEGER NOT NULL,
  first_seen_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE backups (
  id TEXT PRIMARY KEY,
  agent TEXT NOT NULL REFERENCES agents(name),
  environment TEXT NOT NULL REFERENCES environments(name),
  canister_id TEXT NOT NULL,
  snapshot_id TEXT NOT NULL,
  reason TEXT,
  deployment_id INTEGER REFERENCES deployments(id),
  ${WHO},
  created_at TEXT NOT NULL,
  deleted_at TEXT,
  FOREIGN KEY (environment, canister_id) REFERENCES canisters(environment, canister_id)
);

CREATE TABLE backup_restores (
  id INTEGER PRIMARY KEY,
  backup_id TEXT NOT NULL REFERENCES backups(id),
  reason TEXT,
  ${WHO},
  at TEXT NOT NULL
);

CREATE TABLE locks (
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  operation TEXT NOT NULL,
  operation_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  renewed_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (agent, environment)
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  action TEXT NOT NULL,
  kind TEXT CHECK (kind IN ('deployment', 'promotion', 'route', 'rollback', 'backup', 'deletion')),
  agent TEXT,
  environment TEXT,
  subject TEXT,
  summary TEXT NOT NULL,
  ${WHO},
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

/** Secondary indexes for the read paths of `list`, `history`, `rollback` and `backup list`. */
const v2Indexes = `
CREATE INDEX canisters_by_agent ON canisters(agent);
CREATE INDEX deployments_by_canister ON deployments(environment, canister_id);
CREATE INDEX deployments_by_promotion ON deployments(promotion_id) WHERE promotion_id IS NOT NULL;
CREATE INDEX route_changes_by_agent ON route_changes(agent, environment);
CREATE INDEX route_changes_by_target ON route_changes(environment, to_canister_id);
CREATE INDEX backups_by_canister ON backups(environment, canister_id);
CREATE INDEX backups_by_agent ON backups(agent, environment);
CREATE INDEX backup_restores_by_backup ON backup_restores(backup_id);
CREATE INDEX audit_log_by_agent ON audit_log(agent, id);
CREATE INDEX audit_log_by_environment ON audit_log(environment, id);
`;
// Deliberately few audit indexes: the log takes one row per mutation and each index costs
// about as much as the row. The unfiltered timeline walks the log newest-first by id; there
// is no index on subject (random ids make the costliest index of all).

/**
 * Off-chain backups and the blue-green write pause: a backup may also live in a snapshot file
 * on disk (`archive_*`, content-addressed by its sha256), knows which module its snapshot holds
 * and whether it was taken from the canister or uploaded from a file; a promotion records how
 * long writes were paused at its cut-over.
 */
const v3OffChainBackups = `
ALTER TABLE backups ADD COLUMN module_sha256 TEXT CHECK (module_sha256 IS NULL OR length(module_sha256) = 64);
ALTER TABLE backups ADD COLUMN source TEXT NOT NULL DEFAULT 'taken' CHECK (source IN ('taken', 'uploaded'));
ALTER TABLE backups ADD COLUMN archive_sha256 TEXT CHECK (archive_sha256 IS NULL OR length(archive_sha256) = 64);
ALTER TABLE backups ADD COLUMN archive_size INTEGER;
ALTER TABLE backups ADD COLUMN archived_at TEXT;
CREATE INDEX backups_by_archive ON backups(archive_sha256) WHERE archive_sha256 IS NOT NULL;
ALTER TABLE promotions ADD COLUMN write_pause_ms INTEGER;
`;

/**
 * Projects: every record belongs to the project (soulrecall.yaml) that made it, so two projects
 * that both have `my-agent` in `local` share no version numbers, routes, locks or history. SQLite
 * cannot add a column to a key, so the keyed tables are rebuilt (the documented 12-step table
 * change, foreign keys off around it and checked at the end); records from before projects go to
 * the project `default`. Steps and restores belong to their promotion and backup.
 */
export const LEGACY_PROJECT = 'default';

const v4Projects = `
DROP TRIGGER audit_log_is_append_only_update;
DROP TRIGGER audit_log_is_append_only_delete;

CREATE TABLE agents_v4 (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  PRIMARY KEY (project, name)
) WITHOUT ROWID;
INSERT INTO agents_v4 SELECT '${LEGACY_PROJECT}', name, first_seen_at, last_seen_at FROM agents;

CREATE TABLE environments_v4 (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  network_url TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  PRIMARY KEY (project, name)
) WITHOUT ROWID;
INSERT INTO environments_v4 SELECT '${LEGACY_PROJECT}', name, network_url, first_seen_at, last_seen_at FROM environments;

CREATE TABLE canisters_v4 (
  project TEXT NOT NULL,
  environment TEXT NOT NULL,
  canister_id TEXT NOT NULL,
  network_url TEXT NOT NULL,
  agent TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('primary', 'blue', 'green')),
  created_at TEXT NOT NULL,
  decommissioned_at TEXT,
  PRIMARY KEY (project, environment, canister_id),
  FOREIGN KEY (project, environment) REFERENCES environments(project, name),
  FOREIGN KEY (project, agent) REFERENCES agents(project, name)
) WITHOUT ROWID;
INSERT INTO canisters_v4 SELECT '${LEGACY_PROJECT}', environment, canister_id, network_url, agent, role, created_at, decommissioned_at FROM canisters;

CREATE TABLE deployments_v4 (
  id INTEGER PRIMARY KEY,
  project TEXT NOT NULL,
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version > 0),
  canister_id TEXT NOT NULL,
  module_sha256 TEXT NOT NULL CHECK (length(module_sha256) = 64),
  install_mode TEXT NOT NULL CHECK (install_mode IN ('install', 'reinstall', 'upgrade')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'rolled-back')),
  snapshot_backup_id TEXT REFERENCES backups(id),
  promotion_id TEXT REFERENCES promotions(id),
  ${WHO},
  started_at TEXT NOT NULL,
  finished_at TEXT,
  error TEXT,
  UNIQUE (project, agent, environment, version),
  FOREIGN KEY (project, environment, canister_id) REFERENCES canisters(project, environment, canister_id)
);
INSERT INTO deployments_v4 SELECT id, '${LEGACY_PROJECT}', agent, environment, version, canister_id, module_sha256, install_mode, status, snapshot_backup_id,
  promotion_id, by_principal, by_os_user, by_host, started_at, finished_at, error FROM deployments;

CREATE TABLE promotions_v4 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  agent TEXT NOT NULL,
  from_environment TEXT NOT NULL,
  to_environment TEXT NOT NULL,
  strategy TEXT NOT NULL,
  source_deployment_id INTEGER REFERENCES deployments(id),
  target_deployment_id INTEGER REFERENCES deployments(id),
  target_canister_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('planned', 'running', 'succeeded', 'failed', 'aborted', 'rolled-back')),
  error TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  ${WHO},
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL,
  write_pause_ms INTEGER,
  FOREIGN KEY (project, agent) REFERENCES agents(project, name),
  FOREIGN KEY (project, from_environment) REFERENCES environments(project, name),
  FOREIGN KEY (project, to_environment) REFERENCES environments(project, name)
);
INSERT INTO promotions_v4 SELECT seq, id, '${LEGACY_PROJECT}', agent, from_environment, to_environment, strategy, source_deployment_id, target_deployment_id,
  target_canister_id, status, error, options, by_principal, by_os_user, by_host, created_at, started_at, finished_at, updated_at, write_pause_ms FROM promotions;

CREATE TABLE route_changes_v4 (
  id INTEGER PRIMARY KEY,
  project TEXT NOT NULL,
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  from_canister_id TEXT,
  to_canister_id TEXT NOT NULL,
  cause TEXT NOT NULL CHECK (cause IN ('deploy', 'promotion', 'switch', 'rollback', 'manual')),
  reason TEXT,
  promotion_id TEXT REFERENCES promotions(id),
  ${WHO},
  at TEXT NOT NULL,
  FOREIGN KEY (project, environment, to_canister_id) REFERENCES canisters(project, environment, canister_id)
);
INSERT INTO route_changes_v4 SELECT id, '${LEGACY_PROJECT}', agent, environment, from_canister_id, to_canister_id, cause, reason, promotion_id,
  by_principal, by_os_user, by_host, at FROM route_changes;

CREATE TABLE routes_v4 (
  project TEXT NOT NULL,
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  canister_id TEXT NOT NULL,
  change_id INTEGER NOT NULL REFERENCES route_changes(id),
  since TEXT NOT NULL,
  PRIMARY KEY (project, agent, environment),
  FOREIGN KEY (project, environment, canister_id) REFERENCES canisters(project, environment, canister_id)
) WITHOUT ROWID;
INSERT INTO routes_v4 SELECT '${LEGACY_PROJECT}', agent, environment, canister_id, change_id, since FROM routes;

CREATE TABLE backups_v4 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  canister_id TEXT NOT NULL,
  snapshot_id TEXT NOT NULL,
  reason TEXT,
  deployment_id INTEGER REFERENCES deployments(id),
  ${WHO},
  created_at TEXT NOT NULL,
  deleted_at TEXT,
  module_sha256 TEXT CHECK (module_sha256 IS NULL OR length(module_sha256) = 64),
  source TEXT NOT NULL DEFAULT 'taken' CHECK (source IN ('taken', 'uploaded')),
  archive_sha256 TEXT CHECK (archive_sha256 IS NULL OR length(archive_sha256) = 64),
  archive_size INTEGER,
  archived_at TEXT,
  FOREIGN KEY (project, environment, canister_id) REFERENCES canisters(project, environment, canister_id)
);
INSERT INTO backups_v4 SELECT rowid, id, '${LEGACY_PROJECT}', agent, environment, canister_id, snapshot_id, reason, deployment_id, by_principal, by_os_user, by_host,
  created_at, deleted_at, module_sha256, source, archive_sha256, archive_size, archived_at FROM backups;

CREATE TABLE locks_v4 (
  project TEXT NOT NULL,
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  operation TEXT NOT NULL,
  operation_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  renewed_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (project, agent, environment)
) WITHOUT ROWID;
INSERT INTO locks_v4 SELECT '${LEGACY_PROJECT}', agent, environment, operation, operation_id, pid, host, acquired_at, renewed_at, expires_at FROM locks;

CREATE TABLE audit_log_v4 (
  id INTEGER PRIMARY KEY,
  project TEXT NOT NULL,
  at TEXT NOT NULL,
  action TEXT NOT NULL,
  kind TEXT CHECK (kind IN ('deployment', 'promotion', 'route', 'rollback', 'backup', 'deletion')),
  agent TEXT,
  environment TEXT,
  subject TEXT,
  summary TEXT NOT NULL,
  ${WHO},
  detail TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO audit_log_v4 SELECT id, '${LEGACY_PROJECT}', at, action, kind, agent, environment, subject, summary, by_principal, by_os_user, by_host, detail FROM audit_log;

DROP TABLE routes;
DROP TABLE route_changes;
DROP TABLE locks;
DROP TABLE audit_log;
DROP TABLE backups;
DROP TABLE deployments;
DROP TABLE promotions;
DROP TABLE canisters;
DROP TABLE agents;
DROP TABLE environments;
ALTER TABLE agents_v4 RENAME TO agents;
ALTER TABLE environments_v4 RENAME TO environments;
ALTER TABLE canisters_v4 RENAME TO canisters;
ALTER TABLE deployments_v4 RENAME TO deployments;
ALTER TABLE promotions_v4 RENAME TO promotions;
ALTER TABLE route_changes_v4 RENAME TO route_changes;
ALTER TABLE routes_v4 RENAME TO routes;
ALTER TABLE backups_v4 RENAME TO backups;
ALTER TABLE locks_v4 RENAME TO locks;
ALTER TABLE audit_log_v4 RENAME TO audit_log;

CREATE INDEX canisters_by_agent ON canisters(project, agent);
CREATE INDEX canisters_by_id ON canisters(canister_id);
CREATE INDEX deployments_by_canister ON deployments(project, environment, canister_id);
CREATE INDEX deployments_by_promotion ON deployments(promotion_id) WHERE promotion_id IS NOT NULL;
CREATE INDEX promotions_by_project ON promotions(project, seq);
CREATE INDEX promotions_by_agent ON promotions(project, agent, seq);
CREATE INDEX route_changes_by_agent ON route_changes(project, agent, environment);
CREATE INDEX route_changes_by_target ON route_changes(project, environment, to_canister_id);
CREATE INDEX backups_by_canister ON backups(project, environment, canister_id);
CREATE INDEX backups_by_agent ON backups(project, agent, environment);
CREATE INDEX backups_by_archive ON backups(archive_sha256) WHERE archive_sha256 IS NOT NULL;
CREATE INDEX audit_log_by_project ON audit_log(project, id);
CREATE INDEX audit_log_by_agent ON audit_log(project, agent, id);
CREATE INDEX audit_log_by_environment ON audit_log(project, environment, id);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

function assertForeignKeysHold(db: Database.Database): void {
  const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  if (broken.length > 0) {
    const first = broken[0]!;
    throw new Error(
      `schema change left ${broken.length} rows without their parent (first: ${first.table} row ${first.rowid} → ${first.parent})`,
    );
  }
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description:
      'records: agents, environments, canisters, deployments, promotions, routes, artifacts, backups, locks, audit log',
    up: (db) => db.exec(v1Tables),
  },
  { version: 2, description: 'indexes for list, history, rollback and backup queries', up: (db) => db.exec(v2Indexes) },
  {
    version: 3,
    description: 'off-chain backups (snapshot files) and the write pause of blue-green promotions',
    up: (db) => db.exec(v3OffChainBackups),
  },
  {
    version: 4,
    description: 'projects: every record belongs to one project (records from before go to project "default")',
    up: (db) => {
      db.exec(v4Projects);
      assertForeignKeysHold(db);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** `PRAGMA application_id` of a soulrecall history database ("SRHS"). */
export const APPLICATION_ID = 0x53524853;
