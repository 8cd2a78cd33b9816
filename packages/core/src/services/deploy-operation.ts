import { randomBytes } from 'node:crypto';
import type { CanisterClient } from '@soulrecall/canister-client';
import { OperationLease } from './lease.js';
import type { Session } from './session.js';

/** What a service needs from the command that runs it. */
export interface OperationHooks {
  /** Asks before something destructive; throws (NOT_CONFIRMED) when refused. */
  confirm?: (question: string) => Promise<void>;
  /** A progress line (stderr, silent with --json). */
  progress?: (message: string) => void;
  /** Awaited after each step of a deployment (backup, install, verify): see pauseAfterStep. */
  afterStep?: (name: string) => Promise<void>;
}

/**
 * Fault injection for crash tests and drills: with SOULRECALL_PAUSE_AFTER_STEP=<step> a
 * promotion or a deploy stops making progress right after that step (printing
 * `paused after <step>` on stderr), so it can be killed at a known point of its journal, or
 * something else can happen meanwhile (a network fails, another command takes the lock) before
 * SIGUSR2 lets it go on.
 */
export function pauseAfterStep(step: string | undefined): ((name: string) => Promise<void>) | undefined {
  if (!step) return undefined;
  return async (name) => {
    if (name !== step) return;
    process.stderr.write(`paused after ${name}\n`);
    await new Promise<void>((resolve) => {
      const keepAlive = setInterval(() => {}, 60_000);
      process.once('SIGUSR2', () => (clearInterval(keepAlive), resolve()));
    });
  };
}

/**
 * Runs `work` while holding the (agent, environment) lease, so a deploy, rollback or restore
 * never overlaps a promotion or another deploy; a second caller fails fast with LOCK_HELD.
 * `work` gets a client that checks the lease before every network call: once a renewal failed
 * or another command took the lease over (this process was suspended past it, say), the next
 * call throws LeaseLost (LOCK_LOST) instead of changing the canister beside the new holder,
 * and the audit log records where it stopped (`lock.lost`).
 */
export async function holdLease<T>(
  session: Session,
  client: CanisterClient,
  target: { agent: string; environment: string; operation: string },
  work: (client: CanisterClient) => Promise<T>,
  /** For LeaseLost's hint: the canister the work changes (when known) and how to go on. */
  whenLost: { canisterId?: string | null; rerun: string } = { rerun: 'run the command again' },
): Promise<T> {
  const canister = whenLost.canisterId ?? '<canister-id>';
  const hint = `It made no network call after that: canister ${canister} is as its last completed step left it (\`soulrecall status ${canister}\` shows what it runs), and \`soulrecall doctor\` shows who holds the lock now; ${whenLost.rerun} once it is free.`;
  const by = { principal: client.principal };
  const operationId = `${target.operation}-${randomBytes(4).toString('hex')}`;
  const lease = OperationLease.acquire(
    session.store,
    { ...target, operationId },
    {
      hint,
      journal: (lost) =>
        session.store.audit.note({
          action: 'lock.lost',
          agent: target.agent,
          environment: target.environment,
          subject: operationId,
          summary: lost.message,
          by,
        }),
    },
    { by },
  );
  try {
    return await work(lease.guard(client));
  } finally {
    lease.release();
  }
}
