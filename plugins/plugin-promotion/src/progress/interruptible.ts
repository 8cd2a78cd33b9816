import { ExitCode } from '@soulrecall/core';
import type { PromotionEngine } from '../engine/engine.js';
import type { StepProgress } from './step-progress.js';

/**
 * Runs a promotion (new or resumed) so that Ctrl+C or SIGTERM stops it the documented way: the
 * journal records where it stopped and the lock is given back, the progress display gives the
 * terminal back (stderr and the cursor), the exact resume and abort commands are printed, and
 * the exit code is 130. The display is ended when `drive` settles.
 */
export async function runInterruptible<T>(
  engine: PromotionEngine,
  progress: StepProgress,
  drive: () => Promise<T>,
): Promise<T> {
  const stop = (signal: NodeJS.Signals) => {
    const id = engine.interrupt(signal);
    progress.interrupt();
    process.stderr.write(
      `\nInterrupted.${id ? ` Promotion ${id} stopped where the journal says: \`soulrecall promote resume ${id}\` continues, \`soulrecall promote abort ${id}\` undoes.` : ''}\n`,
    );
    process.exit(ExitCode.Interrupted);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await drive();
  } finally {
    await progress.finish();
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}
