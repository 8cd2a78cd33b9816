import type { CanisterClient } from '@soulrecall/canister-client';
import type { ActorInput, HistoryStore, Lease } from '@soulrecall/history-store';
import { SoulrecallError } from '../errors.js';

/** Length of an operation's lease; renewed every third of it, so one late renewal still finds it held. */
export const LEASE_MS = 60_000;

export interface LeaseTarget {
  agent: string;
  environment: string;
  /** `deploy`, `rollback`, `backup-restore`, `promotion`… (shown to whoever finds the lock held). */
  operation: string;
  operationId: string;
}

/**
 * What an operation does once its lease is lost (a renewal failed: another command took the
 * lock over after it expired, or the store could not be written): it makes no further remote
 * call, the next one throws LeaseLost. The policy says what the user is told and where the stop is journaled.
 */
export interface LostLeasePolicy {
  /** The error's hint: what state the canister is left in and how to inspect it or go on. */
  hint: string;
  /**
   * Records the stop where the operation keeps its record (the audit log, a promotion's
   * journal), the moment the loss is found. Called once; a failure to record is not a second error.
   */
  journal(lost: LeaseLost): void;
}

/** The lease was lost; the operation stopped before `before`. Code LOCK_LOST (exit 9), as the store's own. */
export class LeaseLost extends SoulrecallError {
  constructor(
    readonly target: LeaseTarget,
    readonly reason: string,
    hint: string,
    cause: unknown,
  ) {
    super(
      `${target.operation} ${target.operationId} lost its lock on ${target.agent}/${target.environment} (${reason}), so it stopped before changing anything more.`,
      {
        code: 'LOCK_LOST',
        hint,
        cause,
        details: {
          agent: target.agent,
          environment: target.environment,
          operation: target.operation,
          operationId: target.operationId,
        },
      },
    );
    this.name = 'LeaseLost';
  }
}

/**
 * The (agent, environment) lease of one operation, from acquire to release: renewed every
 * third of its length while the operation runs (a chunked install can outlast one lease; a dead
 * process's lease simply runs out and is taken over), and checked before each remote step.
 */
export class OperationLease {
  private lost?: LeaseLost;
  private readonly renewal: NodeJS.Timeout;

  private constructor(
    private readonly store: HistoryStore,
    private lease: Lease,
    private readonly policy: LostLeasePolicy,
    private readonly ttlMs: number,
    private readonly by?: ActorInput,
  ) {
    this.renewal = setInterval(() => this.renew(), ttlMs / 3);
    this.renewal.unref();
  }

  /** Takes the lease (LOCK_HELD when another live operation has it) and starts renewing it. */
  static acquire(
    store: HistoryStore,
    target: LeaseTarget,
    policy: LostLeasePolicy,
    options: { by?: ActorInput; ttlMs?: number } = {},
  ): OperationLease {
    const ttlMs = options.ttlMs ?? LEASE_MS;
    return new OperationLease(
      store,
      store.locks.acquire({ ...target, ttlMs, by: options.by }),
      policy,
      ttlMs,
      options.by,
    );
  }

  /** Holds a lease already taken (a promotion takes it in the transaction that records the promotion). */
  static holding(store: HistoryStore, lease: Lease, policy: LostLeasePolicy, ttlMs = LEASE_MS): OperationLease {
    return new OperationLease(store, lease, policy, ttlMs);
  }

  get current(): Lease {
    return this.lease;
  }

  /** Before each remote step: LeaseLost once a renewal failed or another operation holds the lock now. */
  check(): void {
    if (this.lost) throw this.lost;
    try {
      this.store.locks.assertHeld(this.lease);
    } catch (error) {
      throw this.lose(error);
    }
  }

  /** The same client, checking the lease before each call that reaches the network. */
  guard(client: CanisterClient): CanisterClient {
    return new Proxy(client, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function' || LOCAL_METHODS.has(property)) return value;
        return (...args: unknown[]) => {
          this.check();
          return (value as (...parameters: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** Stops renewing and gives the lease back; false when it was no longer held (lost, taken over). */
  release(): boolean {
    clearInterval(this.renewal);
    try {
      return this.store.locks.release(this.lease, this.by);
    } catch (error) {
      // Lost because the store cannot be written: releasing cannot work either, and the lease runs out by itself.
      if (this.lost) return false;
      throw error;
    }
  }

  private renew(): void {
    if (this.lost) return;
    try {
      this.lease = this.store.locks.renew(this.lease, this.ttlMs);
    } catch (error) {
      this.lose(error);
    }
  }

  private lose(error: unknown): LeaseLost {
    if (this.lost) return this.lost;
    const reason =
      (error as { code?: unknown }).code === 'LOCK_LOST'
        ? 'another command took it over after it expired'
        : `the lock could not be renewed: ${error instanceof Error ? error.message : String(error)}`;
    this.lost = new LeaseLost({ ...this.lease }, reason, this.policy.hint, error);
    clearInterval(this.renewal);
    try {
      this.policy.journal(this.lost);
    } catch {
      // The store that failed the renewal may fail this too; the error itself still stops the operation.
    }
    return this.lost;
  }
}

/** Methods of CanisterClient that do not talk to the network. */
const LOCAL_METHODS = new Set<PropertyKey>(['readModule', 'planCreation']);
