import type { EnvironmentConfig, PromoteAfterPayload, PromotionStrategy, Session, StepEvent } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';
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

// Part of the `promote:after` payload, so they live in core; re-exported for this plugin's users.
export type { PromoteResult, PromoteStatus } from '@soulrecall/core';

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
  /** oclif hooks `promote:before` / `promote:after` (the wiring adds the payload's `project`). */
  emit(event: 'promote:before' | 'promote:after', payload: Omit<PromoteAfterPayload, 'project'>): Promise<void>;
  /** Interactive stdin for confirmations (tests pass a non-TTY stream). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}
