import { Listr } from 'listr2';
import type { StepEvent } from '@soulrecall/core';

type StepOutcome = { phase: 'succeeded' | 'skipped' } | { phase: 'failed'; error?: string };

/**
 * Shows promotion steps as they are journaled: a listr2 task list on a terminal, plain lines
 * on stderr otherwise (CI logs), nothing with --json.
 */
export class StepProgress {
  private readonly outcomes = new Map<string, { resolve: (outcome: StepOutcome) => void; promise: Promise<StepOutcome> }>();
  private readonly started = new Map<string, number>();
  private listrRun?: Promise<unknown>;

  constructor(private readonly mode: 'tty' | 'plain' | 'silent') {}

  /** Draws the steps the engine is about to run (each strategy has its own). */
  readonly onPlan = (stepNames: string[]): void => {
    if (this.mode !== 'tty' || this.listrRun) return;
    const unique = [...new Set(stepNames)];
    for (const name of unique) this.outcome(name);
    const listr = new Listr(
      unique.map((name) => ({
        title: name,
        task: async (_ctx: unknown, task: { skip: (message?: string) => void }) => {
          const outcome = await this.outcome(name).promise;
          if (outcome.phase === 'skipped') task.skip(`${name} (skipped)`);
          if (outcome.phase === 'failed') throw new Error(outcome.error ?? `${name} failed`);
        },
      })),
      { concurrent: false, exitOnError: true, rendererOptions: { collapseErrors: false }, fallbackRenderer: 'simple' },
    );
    // Errors are reported by the command; listr only draws them.
    this.listrRun = listr.run().catch(() => undefined);
  };

  static modeFor(json: boolean): 'tty' | 'plain' | 'silent' {
    if (json) return 'silent';
    return process.stderr.isTTY && !process.env.CI ? 'tty' : 'plain';
  }

  readonly onStep = (event: StepEvent): void => {
    if (this.mode === 'plain') {
      if (event.phase === 'started') this.started.set(event.name, Date.now());
      else {
        const since = this.started.get(event.name);
        const took = since === undefined ? '' : ` (${((Date.now() - since) / 1000).toFixed(1)}s)`;
        const mark = event.phase === 'succeeded' ? '✔' : event.phase === 'skipped' ? '↓' : '✖';
        process.stderr.write(`${mark} ${event.name}${event.phase === 'skipped' ? ' (already done or not needed)' : took}${event.error ? `: ${event.error}` : ''}\n`);
      }
      return;
    }
    if (this.mode === 'tty' && this.listrRun && event.phase !== 'started') this.outcome(event.name).resolve(event.phase === 'failed' ? { phase: 'failed', error: event.error } : { phase: event.phase });
  };

  /** Ends the display: steps that never ran are shown as skipped. */
  async finish(): Promise<void> {
    if (!this.listrRun) return;
    for (const entry of this.outcomes.values()) entry.resolve({ phase: 'skipped' });
    await this.listrRun;
  }

  private outcome(name: string) {
    let entry = this.outcomes.get(name);
    if (!entry) {
      let resolve!: (outcome: StepOutcome) => void;
      const promise = new Promise<StepOutcome>((r) => (resolve = r));
      entry = { resolve, promise };
      this.outcomes.set(name, entry);
    }
    return entry;
  }
}
