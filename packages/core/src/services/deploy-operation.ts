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
 * `work` gets a client that checks the lease before every network call: once a renewal failed
 * or another command took the lease over (this process was suspended past it, say), the next
 * call throws LOCK_LOST instead of changing the canister beside the new holder.
 */
export async function holdLease<T>(
  session: Session,
  client: CanisterClient,
  target: { agent: string; environment: string; operation: string },
  work: (client: CanisterClient) => Promise<T>,
): Promise<T> {
  const by = { principal: client.principal };
  let lease = session.store.locks.acquire({ ...target, operationId: `${target.operation}-${randomBytes(4).toString('hex')}`, ttlMs: LEASE_MS, by });
  let renewalFailure: unknown;
  // Renewed while the work runs (a chunked install can outlast one lease); a dead process's
  // lease simply runs out and is taken over.
  const renew = setInterval(() => {
    try {
      lease = session.store.locks.renew(lease, LEASE_MS);
    } catch (error) {
      renewalFailure ??= error;
    }
  }, LEASE_MS / 3);
  renew.unref();
  const stillHeld = () => {
    if (renewalFailure !== undefined) throw renewalFailure;
    session.store.locks.assertHeld(lease);
  };
  try {
    return await work(guardedClient(client, stillHeld));
  } finally {
    clearInterval(renew);
    session.store.locks.release(lease, by);
  }
}

/** Methods of CanisterClient that do not talk to the network. */
const LOCAL_METHODS = new Set<PropertyKey>(['readModule', 'planCreation']);

/** The same client, with `check` run before each call that reaches the network. */
function guardedClient(client: CanisterClient, check: () => void): CanisterClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || LOCAL_METHODS.has(property)) return value;
      return (...args: unknown[]) => {
        check();
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
