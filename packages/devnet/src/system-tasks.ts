/**
 * Rounds of system tasks: like a replica's execution rounds, every SYSTEM_TASK_ROUND_MS each
 * running canister runs its due global timer, then its heartbeat (Subnet.runSystemTasks). A
 * canister whose tasks are still running (or waiting behind its other messages) is skipped, so
 * a slow canister delays only itself.
 */
import { nowNanos } from './bytes.js';
import type { Subnet } from './subnet.js';

/** The period of rounds: how often heartbeats run and how late a global timer fires at most (plus the queue). */
export const SYSTEM_TASK_ROUND_MS = 500;

export class SystemTaskScheduler {
  private readonly interval: NodeJS.Timeout;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly subnet: Subnet) {
    this.interval = setInterval(() => this.round(), SYSTEM_TASK_ROUND_MS);
    this.interval.unref();
  }

  private round(): void {
    const now = nowNanos();
    for (const record of this.subnet.store.list()) {
      const key = record.id.toText();
      if (record.status !== 'running' || this.inFlight.has(key)) continue;
      // A task's trap is the canister's (in its log); this is the devnet failing to run one (a state
      // file it cannot read, say), which must not end the network.
      const failed = (error: unknown) => console.error(`devnet: could not run the system tasks of ${key}:`, error);
      try {
        if (this.subnet.engine.systemTasksDue(record.id.toUint8Array(), now).length === 0) continue;
      } catch (error) {
        failed(error);
        continue;
      }
      const run = this.subnet
        .runSystemTasks(record.id)
        .catch(failed)
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, run);
    }
  }

  /** No new round starts; resolves when the tasks under way have finished. */
  async stop(): Promise<void> {
    clearInterval(this.interval);
    await Promise.all(this.inFlight.values());
  }
}
