import type { CreationPlan } from '@soulrecall/canister-client';
import type { HistoryStore, JsonObject, JsonValue, PromotionStep } from '@soulrecall/history-store';
import type { JournalStepDefinition } from './journal-record.js';

/**
 * Runs each step of a promotion between two journal entries: `running` before its remote effect,
 * `succeeded`/`failed` after it. A step already `succeeded` in the journal (a resumed
 * promotion) is not run again: its recorded detail is returned instead, so a strategy reads
 * e.g. the snapshot id its backup step took before the crash. What is read back goes through the
 * step definition's decoder: a record of another shape is a JournalRecordMismatch, not a wrong value.
 */
export class StepJournal {
  constructor(
    private readonly store: HistoryStore,
    readonly promotionId: string,
    private readonly onStep: (event: StepEvent) => void = () => {},
    /** Awaited after each completed step (the engine's fault-injection point for crash tests). */
    private readonly afterStep: (name: string) => Promise<void> = async () => {},
    /** Before a step runs (not one skipped as done): the engine checks its lease here, and throws once it is lost. */
    private readonly beforeStep: (name: string) => void = () => {},
  ) {}

  /** The step as the journal has it now (last entry of that name). */
  current(name: string): PromotionStep | undefined {
    const steps = this.store.promotions.require(this.promotionId).steps.filter((step) => step.name === name);
    return steps[steps.length - 1];
  }

  /**
   * The creation plan an earlier, interrupted attempt of this step journaled (in its start
   * detail as `plan`), so a rerun creates (or finds) the same canister; undefined when the step
   * never started.
   */
  async plannedCreation(name: string): Promise<CreationPlan | undefined> {
    const step = this.current(name);
    if (!step || step.status === 'pending' || step.status === 'skipped') return undefined;
    const plan = asObject(step.detail).plan;
    const { isCreationPlan } = await import('@soulrecall/canister-client');
    return isCreationPlan(plan) ? plan : undefined;
  }

  /** The record of a step that completed, e.g. `completed(backupStep)?.snapshotId`. */
  completed<T extends JsonObject>(definition: JournalStepDefinition<T>): T | undefined {
    const step = this.current(definition.name);
    return step?.status === 'succeeded' ? definition.decode(step.detail ?? undefined, definition.name) : undefined;
  }

  async step<T extends JsonObject>(
    definition: JournalStepDefinition<T>,
    run: () => Promise<T>,
    startDetail?: JsonObject,
  ): Promise<T> {
    const { name } = definition;
    const done = this.completed(definition);
    if (done) {
      this.onStep({ name, phase: 'skipped' });
      return done;
    }
    this.beforeStep(name);
    // Left `running` by a process that died during it: that attempt is over; this one follows it.
    if (this.current(name)?.status === 'running') this.closeInterrupted('failed', name);
    const begun = this.store.promotions.beginStep(this.promotionId, name, startDetail);
    this.onStep({ name, phase: 'started' });
    try {
      const detail = await run();
      this.store.promotions.endStep(this.promotionId, begun.index, { status: 'succeeded', detail });
      this.onStep({ name, phase: 'succeeded' });
      await this.afterStep(name);
      return detail;
    } catch (error) {
      this.store.promotions.endStep(this.promotionId, begun.index, {
        status: 'failed',
        error: error instanceof Error ? error.message : String(error),
      });
      this.onStep({ name, phase: 'failed', error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /**
   * Runs and journals a step every time, even when the journal already has it: for the lock and
   * its release, which a resumed promotion must take and give back again.
   */
  async always<T extends JsonObject>(name: string, run: () => Promise<T> | T): Promise<T> {
    this.beforeStep(name);
    const begun = this.store.promotions.beginStep(this.promotionId, name);
    try {
      const detail = await run();
      this.store.promotions.endStep(this.promotionId, begun.index, { status: 'succeeded', detail });
      return detail;
    } catch (error) {
      this.store.promotions.endStep(this.promotionId, begun.index, {
        status: 'failed',
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  /**
   * Closes steps a dead process left `running` (all of them, or the one named): `failed` when
   * the step is about to be run again (resume), `undone` once an abort has dealt with its effect.
   */
  closeInterrupted(as: 'failed' | 'undone', name?: string): void {
    const promotion = this.store.promotions.require(this.promotionId);
    for (const step of promotion.steps) {
      if (step.status !== 'running' || (name !== undefined && step.name !== name)) continue;
      if (as === 'undone') this.store.promotions.markStepUndone(this.promotionId, step.index, { interrupted: true });
      else
        this.store.promotions.endStep(this.promotionId, step.index, {
          status: 'failed',
          error: 'interrupted: the process stopped during this step; it was run again',
        });
    }
  }

  /** Journals a planned step as not needed (e.g. no backup for a canister that does not exist yet). */
  skip(name: string, detail?: JsonObject): void {
    const step = this.current(name);
    if (step?.status === 'succeeded' || step?.status === 'skipped') return;
    // Only a planned (pending) step can be skipped; an unplanned one has nothing to record.
    if (step?.status === 'pending') {
      this.store.promotions.endStep(this.promotionId, step.index, { status: 'skipped', detail });
      this.onStep({ name, phase: 'skipped' });
    }
  }

  /** Marks a step that ran (completed, failed or interrupted) as undone by an abort or rollback. */
  undone(name: string, detail?: JsonValue): void {
    const step = this.current(name);
    if (step && (step.status === 'succeeded' || step.status === 'failed' || step.status === 'running')) {
      this.store.promotions.markStepUndone(this.promotionId, step.index, detail);
    }
  }
}

export interface StepEvent {
  name: string;
  phase: 'started' | 'succeeded' | 'failed' | 'skipped';
  error?: string;
}

function asObject(value: JsonValue | null): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
