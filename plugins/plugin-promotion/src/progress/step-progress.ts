import { DefaultRenderer, Listr, ListrLogger, ListrTaskState, ProcessOutput } from 'listr2';
import type { StepEvent } from '@soulrecall/core';

type StepOutcome = { phase: 'succeeded' | 'skipped' } | { phase: 'failed'; error?: string };

/**
 * Shows promotion steps as they are journaled: a listr2 task list on a terminal, plain lines
 * on stderr otherwise (CI logs), nothing with --json.
 *
 * The task list is drawn on stderr, where progress belongs: listr2 draws on stdout by default
 * and picks its renderer by whether stdout is a terminal, so `promote … | tee log` would get
 * its step lines in the log. While it draws it holds both streams (what others write is buffered
 * until it ends) and hides the cursor, so an interruption must end it first (`interrupt`).
 */
export class StepProgress {
  private readonly outcomes = new Map<
    string,
    { resolve: (outcome: StepOutcome) => void; promise: Promise<StepOutcome> }
  >();
  private readonly started = new Map<string, number>();
  private listrRun?: Promise<unknown>;
  private listr?: Listr<unknown, typeof DefaultRenderer>;
  private renderer?: DefaultRenderer;

  constructor(private readonly mode: 'tty' | 'plain' | 'silent') {}

  /** Draws the steps the engine is about to run (each strategy has its own). */
  readonly onPlan = (stepNames: string[]): void => {
    if (this.mode !== 'tty' || this.listrRun) return;
    const unique = [...new Set(stepNames)];
    for (const name of unique) this.outcome(name);
    const keepRenderer = (renderer: DefaultRenderer) => void (this.renderer = renderer);
    class StderrRenderer extends DefaultRenderer {
      // The mode was chosen by stderr being a terminal (`modeFor`); listr2 would ask stdout.
      static override nonTTY = true;
      constructor(...args: ConstructorParameters<typeof DefaultRenderer>) {
        super(...args);
        keepRenderer(this);
      }
    }
    const listr = new Listr(
      unique.map((name) => ({
        title: name,
        task: async (_ctx: unknown, task: { skip: (message?: string) => void }) => {
          const outcome = await this.outcome(name).promise;
          if (outcome.phase === 'skipped') task.skip(`${name} (skipped)`);
          if (outcome.phase === 'failed') throw new Error(outcome.error ?? `${name} failed`);
        },
      })),
      {
        concurrent: false,
        exitOnError: true,
        renderer: StderrRenderer,
        // ProcessOutput's first stream is the one drawn on.
        rendererOptions: {
          collapseErrors: false,
          logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stdout) }),
        },
        // Its own handler would exit 127 on Ctrl+C; the command's handler journals and exits 130.
        registerSignalListeners: false,
      },
    );
    this.listr = listr;
    // Errors are reported by the command; listr only draws them.
    this.listrRun = listr.run().catch(() => undefined);
  };

  /**
   * Ends the display at once, for a signal handler that exits right after: the step that was
   * running is drawn as failed, then stderr, stdout (with what was buffered) and the cursor are
   * given back, so what the handler writes next is seen.
   */
  interrupt(): void {
    if (!this.listr || !this.renderer) return;
    for (const task of this.listr.tasks) if (task.isPending()) task.state$ = ListrTaskState.FAILED;
    this.renderer.end();
    this.renderer = undefined;
  }

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
        process.stderr.write(
          `${mark} ${event.name}${event.phase === 'skipped' ? ' (already done or not needed)' : took}${event.error ? `: ${event.error}` : ''}\n`,
        );
      }
      return;
    }
    if (this.mode === 'tty' && this.listrRun && event.phase !== 'started')
      this.outcome(event.name).resolve(
        event.phase === 'failed' ? { phase: 'failed', error: event.error } : { phase: event.phase },
      );
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
