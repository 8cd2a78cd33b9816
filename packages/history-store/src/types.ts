/**
 * Record types returned by the store. They double as the `--json` output of soulrecall
 * commands, so fields are camelCase, times are ISO-8601 UTC strings and names are stable.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who performed a change: the IC principal used (if any), the OS user and the host. */
export interface Actor {
  principal: string | null;
  osUser: string;
  host: string;
}
/** Per-call override of the store's default actor (usually just the principal). */
export type ActorInput = Partial<Actor>;

export interface Agent {
  name: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface Environment {
  name: string;
  networkUrl: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
}

export const CANISTER_ROLES = ['primary', 'blue', 'green'] as const;
export type CanisterRole = (typeof CANISTER_ROLES)[number];

export interface Canister {
  /** The project (soulrecall.yaml) that recorded it. */
  project: string;
  canisterId: string;
  networkUrl: string;
  environment: string;
  agent: string;
  role: CanisterRole;
  createdAt: string;
  decommissionedAt: string | null;
}

/** A canister as `soulrecall list` shows it. */
export interface CanisterOverview extends Canister {
  /** The route of its agent and environment points at it. */
  live: boolean;
  /** Latest succeeded deployment on this canister, if any. */
  deployedVersion: number | null;
  moduleSha256: string | null;
  deployedAt: string | null;
}

export const INSTALL_MODES = ['install', 'reinstall', 'upgrade'] as const;
export type InstallMode = (typeof INSTALL_MODES)[number];

export const DEPLOYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'rolled-back'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export interface Deployment {
  id: number;
  agent: string;
  environment: string;
  /** 1, 2, 3… per agent and environment, without gaps or duplicates. */
  version: number;
  canisterId: string;
  moduleSha256: string;
  installMode: InstallMode;
  status: DeploymentStatus;
  /** The backup (canister snapshot) taken just before this deployment, if any. */
  snapshotBackupId: string | null;
  snapshotId: string | null;
  promotionId: string | null;
  by: Actor;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export const PROMOTION_STATUSES = ['planned', 'running', 'succeeded', 'failed', 'aborted', 'rolled-back'] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'undone'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface PromotionStep {
  /** 1-based position in the journal. */
  index: number;
  name: string;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  detail: JsonValue | null;
  error: string | null;
}

export interface PromotionSummary {
  /** Short, human-typable id such as `prm-k3x9qa`. */
  id: string;
  /** The project (soulrecall.yaml) it belongs to. */
  project: string;
  agent: string;
  fromEnvironment: string;
  toEnvironment: string;
  strategy: string;
  sourceDeploymentId: number | null;
  targetDeploymentId: number | null;
  targetCanisterId: string | null;
  status: PromotionStatus;
  error: string | null;
  /** Whatever the engine needs to resume or abort (flags, chosen canisters…). */
  options: JsonObject;
  by: Actor;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** Blue-green with state copy: how long writes were paused at the cut-over (blue stopped until green live). */
  writePauseMs: number | null;
}

export interface Promotion extends PromotionSummary {
  steps: PromotionStep[];
}

export const ROUTE_CAUSES = ['deploy', 'promotion', 'switch', 'rollback', 'manual'] as const;
export type RouteCause = (typeof ROUTE_CAUSES)[number];

/** The live canister of an agent in an environment. */
export interface Route {
  agent: string;
  environment: string;
  canisterId: string;
  since: string;
  changeId: number;
}

export interface RouteChange {
  id: number;
  agent: string;
  environment: string;
  fromCanisterId: string | null;
  toCanisterId: string;
  cause: RouteCause;
  reason: string | null;
  promotionId: string | null;
  by: Actor;
  at: string;
}

export interface Artifact {
  sha256: string;
  size: number;
  firstSeenAt: string;
  /** Absolute path of `<data dir>/artifacts/<sha256>.wasm`. */
  path: string;
}

/** A backup's copy on disk: a snapshot file under `<data dir>/backups/<sha256>.snapshot`. */
export interface BackupArchive {
  sha256: string;
  size: number;
  path: string;
  archivedAt: string;
}

export interface Backup {
  /** Short id such as `bak-7hq2mz`. */
  id: string;
  agent: string;
  environment: string;
  canisterId: string;
  /** The IC snapshot id, hex encoded. */
  snapshotId: string;
  /** `taken` from the canister, or `uploaded` into it from a snapshot file. */
  source: 'taken' | 'uploaded';
  /** The module (sha256 hex) the snapshot holds, when known. */
  moduleSha256: string | null;
  reason: string | null;
  deploymentId: number | null;
  by: Actor;
  createdAt: string;
  /** When the snapshot stopped existing on the network (deleted, replaced, or its canister deleted). */
  deletedAt: string | null;
  /** The off-chain copy, if the backup was downloaded (or uploaded from a file). */
  archive: BackupArchive | null;
  restoreCount: number;
  lastRestoredAt: string | null;
}

export interface BackupRestore {
  id: number;
  backupId: string;
  reason: string | null;
  by: Actor;
  at: string;
}

/** A lease on (agent, environment) held by one promotion or deploy. */
export interface Lease {
  agent: string;
  environment: string;
  operation: string;
  operationId: string;
  pid: number;
  host: string;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
}

export const TIMELINE_KINDS = ['deployment', 'promotion', 'route', 'rollback', 'backup', 'deletion'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface AuditEntry {
  id: number;
  /** The project whose command wrote it. */
  project: string;
  at: string;
  /** Dotted verb, e.g. `deployment.begin`, `route.set`, `lock.takeover`. */
  action: string;
  /** Set when the entry belongs on the `history` timeline. */
  kind: TimelineKind | null;
  agent: string | null;
  environment: string | null;
  /** Id of the record changed (deployment id, promotion id, canister id…). */
  subject: string | null;
  summary: string;
  by: Actor;
  detail: JsonObject;
}

/** One line of `soulrecall history`. */
export interface TimelineEvent extends AuditEntry {
  kind: TimelineKind;
}
