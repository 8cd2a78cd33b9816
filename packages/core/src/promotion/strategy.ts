import type { Deployment, JsonObject, Promotion } from '@soulrecall/history-store';
import type { AgentConfig, EnvironmentConfig, ProjectConfig } from '../config/types.js';
import type { Session } from '../services/session.js';
import type { StepJournal } from './journal.js';

/**
 * The extension point of `soulrecall promote`: plugins return strategies from the oclif hook
 * `promote:strategies`. plugin-promotion provides `in-place`, plugin-blue-green `blue-green`.
 */
export interface PromotionStrategy {
  /** What `--strategy <name>` selects. */
  readonly name: string;
  /** One line for `promote --help` and error messages. */
  describe(): string;
  /**
   * The steps this strategy will journal, in order, with what each does (for `--dry-run`, and
   * the promotion's step list). Called before any promotion is recorded; may refuse (throw)
   * what the network would refuse anyway.
   */
  plan(context: PlanContext): Promise<PlannedStep[]>;
  /**
   * Runs (or, on resume, continues) the strategy's steps through `context.journal`, which
   * skips steps already completed. Throws PromotionFailure when the promotion failed.
   */
  run(context: PromotionContext): Promise<StrategyOutcome>;
  /** Undoes what the journal says was done (restore a snapshot, delete a canister it created). */
  abort(context: PromotionContext): Promise<AbortOutcome>;
}

export interface PlannedStep {
  name: string;
  description: string;
  /** Facts shown in the plan: canister ids, module hashes, snapshot to be taken… */
  detail?: JsonObject;
}

/** What is being promoted: exactly these bytes. */
export interface PromotedModule {
  sha256: string;
  bytes: Uint8Array;
  size: number;
  /** Carries Motoko's enhanced-orthogonal-persistence section. */
  enhancedOrthogonalPersistence: boolean;
  /** `source-deployment` (the default) or `file` (-w). */
  origin: 'source-deployment' | 'file';
  /** The file given with -w, if any. */
  path?: string;
}

/** What a plan is made from: the hop, the module and the target as they are now; no promotion exists yet. */
export interface PlanContext {
  session: Session;
  config: ProjectConfig;
  agent: AgentConfig;
  from: EnvironmentConfig;
  to: EnvironmentConfig;
  /** The source environment's live deployment (null with -w and no deployment in the source). */
  sourceDeployment: Deployment | null;
  module: PromotedModule;
  /** The target's live canister, or the one named by --target-canister; null when none exists yet. */
  targetCanisterId: string | null;
  /** Strategy-specific options from the command line (e.g. blue-green's `state`, `verifyCmd`). */
  options: JsonObject;
}

/** A recorded promotion being run, resumed or aborted: the plan's facts, its record and its journal. */
export interface PromotionContext extends PlanContext {
  promotion: Promotion;
  journal: StepJournal;
  /** A progress line (stderr; silent with --json). */
  progress(message: string): void;
}

export interface StrategyOutcome {
  targetCanisterId: string;
  targetDeploymentId: number | null;
  /** The live canister of the target before and after. */
  routeBefore: string | null;
  routeAfter: string | null;
  /** Strategy-specific facts for the result (e.g. green and blue ids, next commands). */
  detail?: JsonObject;
}

export interface AbortOutcome {
  undone: string[];
  detail?: JsonObject;
}

/** A promotion that failed; `rolledBack` says whether the target was restored to how it was. */
export class PromotionFailure extends Error {
  constructor(
    message: string,
    readonly rolledBack: boolean,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'PromotionFailure';
  }
}
