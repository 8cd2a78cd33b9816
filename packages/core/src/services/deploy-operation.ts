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

/** Length of the lease of a deploy, rollback or restore; renewed every third of it. */
const LEASE_MS = 60_000;

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
  let lease = session.store.locks.acquire({ ...target, operationId: `${target.operation}-${randomBytes(4).toString('hex')}`, ttlMs: LEASE_MS, by });
  // Renewed while the work runs (a chunked install can outlast one lease); a dead process's
  // lease simply runs out and is taken over.
  const renew = setInterval(() => {
    try {
      lease = session.store.locks.renew(lease, LEASE_MS);
    } catch {
      // Taken over or unwritable: the release below reports nothing; the work's own records stand.
    }
  }, LEASE_MS / 3);
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    session.store.locks.release(lease, by);
  }
}
