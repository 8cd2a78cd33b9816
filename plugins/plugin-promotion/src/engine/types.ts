import type { EnvironmentConfig, PromotionStrategy, Session, StepEvent } from '@soulrecall/core';
import type { JsonObject, Promotion } from '@soulrecall/history-store';
import type { ModuleHashProbe } from './source.js';

export interface PromoteRequest {
  agent: string;
  from?: string;
  to?: string;
  strategy: string;
  targetCanister?: string;
  wasmPath?: string;
  skipDeploy: boolean;
  dryRun: boolean;
  yes: boolean;
  force: boolean;
  /** Options only a strategy understands (blue-green: state, verifyCmd, noSwitch…). */
  strategyOptions: JsonObject;
}

export type PromoteStatus = 'succeeded' | 'unchanged' | 'dry-run' | 'recorded' | 'aborted';

/** The result of `promote`, `promote resume` and `promote abort`; also their --json output. */
export interface PromoteResult {
  status: PromoteStatus;
  promotionId: string | null;
  agent: string;
  from: string;
  to: string;
  strategy: string;
  module: { sha256: string; size: number; origin: 'source-deployment' | 'file'; path: string | null };
  sourceDeployment: { id: number; version: number; canisterId: string } | null;
  targetCanisterId: string | null;
  targetDeployment: { id: number; version: number } | null;
  routeBefore: string | null;
  routeAfter: string | null;
  /** The steps (journal, or the plan with --dry-run). */
  steps: Array<{ name: string; status: string; description?: string; detail?: unknown }>;
  notes: string[];
  detail: JsonObject;
}

/** What the engine needs from the world; the command wires the real ones, unit tests fakes. */
export interface EngineDependencies {
  session: Session;
  strategies: Map<string, PromotionStrategy>;
  probeModuleHash: ModuleHashProbe;
  /** Target reachable, identity controls the target canister: facts for the journal, or throws. */
  preflight(environment: EnvironmentConfig, targetCanisterId: string | null): Promise<JsonObject>;
  progress(message: string): void;
  onStep?(event: StepEvent): void;
  /** The step names about to run, in order (the progress display draws them). */
  onPlan?(stepNames: string[]): void;
  /** Awaited after each journaled step completes; see SOULRECALL_PAUSE_AFTER_STEP in wiring. */
  afterStep?(name: string): Promise<void>;
  /** oclif hooks `promote:before` / `promote:after`. */
  emit(event: 'promote:before' | 'promote:after', payload: { promotion: Promotion; result?: PromoteResult; error?: string }): Promise<void>;
  /** Interactive stdin for confirmations (tests pass a non-TTY stream). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}
