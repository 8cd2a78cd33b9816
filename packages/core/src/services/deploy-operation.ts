import { randomBytes } from 'node:crypto';
import type { CanisterClient } from '@soulrecall/canister-client';
import type { Session } from './session.js';

/** What a service needs from the command that runs it. */
export interface OperationHooks {
  /** Asks before something destructive; throws (NOT_CONFIRMED) when refused. */
  confirm?: (question: string) => Promise<void>;
  /** A progress line (stderr, silent with --json). */
  progress?: (message: string) => void;
}

/**
 * Runs `work` while holding the (agent, environment) lease, so a deploy, rollback or restore
 * never overlaps a promotion or another deploy; a second caller fails fast with LOCK_HELD.
 */
export async function holdLease<T>(
  session: Session,
  client: CanisterClient,
  target: { agent: string; environment: string; operation: string },
  work: () => Promise<T>,
): Promise<T> {
  const by = { principal: client.principal };
  const lease = session.store.locks.acquire({ ...target, operationId: `${target.operation}-${randomBytes(4).toString('hex')}`, ttlMs: 10 * 60_000, by });
  try {
    return await work();
  } finally {
    session.store.locks.release(lease, by);
  }
}
