/**
 * The `--json` shapes of plugin-history's commands. Scripts and other plugins (blue-green) read
 * them: add fields freely, never rename or remove one (documented in README.md).
 */
import type {
  Backup,
  BackupRestore,
  Canister,
  Deployment,
  JsonObject,
  PromotionStatus,
  PromotionStep,
  PromotionSummary,
  RouteChange,
  TimelineEvent,
} from '@soulrecall/history-store';

/** One row of `promote list`. */
export interface PromotionListEntry extends Pick<
  PromotionSummary,
  | 'id'
  | 'project'
  | 'agent'
  | 'fromEnvironment'
  | 'toEnvironment'
  | 'strategy'
  | 'status'
  | 'targetCanisterId'
  | 'by'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'writePauseMs'
  | 'error'
> {
  /** Version the promoted module got in the target environment (null until recorded). */
  version: number | null;
  /** Version of the source deployment that was promoted (null when promoted from a file). */
  sourceVersion: number | null;
  /** sha256 of the promoted module (full; the table shows the first 12 characters). */
  moduleSha256: string | null;
  /** finishedAt − startedAt in milliseconds; null while running or never started. */
  durationMs: number | null;
}

export interface PromotionListResult {
  /** The project listed, or null across projects (each promotion names its own). */
  project: string | null;
  agent: string;
  /** The environment filter as resolved (aliases → names), or null. */
  environment: string | null;
  status: PromotionStatus | null;
  promotions: PromotionListEntry[];
}

export interface PromotionStepDetail extends PromotionStep {
  durationMs: number | null;
}

/** One end of a promotion: its environment, deployment and canister as recorded. */
export interface PromotionEnd {
  environment: string;
  canisterId: string | null;
  deployment: Deployment | null;
  canister: Canister | null;
}

/** A snapshot (backup) the promotion took or restored. */
export interface PromotionSnapshot extends Backup {
  restores: BackupRestore[];
}

export interface PromotionRollback {
  /** The promotion, or its target deployment, was rolled back. */
  rolledBack: boolean;
  reason: string | null;
  /** Steps whose effect was reversed (abort or automatic rollback). */
  undoneSteps: string[];
  /** Snapshots loaded back into the target since the promotion started. */
  restoredBackupIds: string[];
}

/** `promote show <id>`: a list entry plus everything recorded about the promotion. */
export interface PromotionDetail extends PromotionListEntry {
  module: { sha256: string | null; origin: string | null; wasmPath: string | null; previousSha256: string | null };
  source: PromotionEnd;
  target: PromotionEnd;
  steps: PromotionStepDetail[];
  snapshots: PromotionSnapshot[];
  /** Route changes made by this promotion (oldest first). */
  routeChanges: RouteChange[];
  rollback: PromotionRollback;
  /** What the engine stored to resume or abort (flags, strategy options). */
  options: JsonObject;
}

/** `history`. */
export interface HistoryResult {
  /** The project shown, or null with --all-projects (each event names its own). */
  project: string | null;
  agent: string | null;
  environment: string | null;
  since: string | null;
  events: TimelineEvent[];
}
