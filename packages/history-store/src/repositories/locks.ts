import { hostname } from 'node:os';
import { HistoryStoreError } from '../errors.js';
import { invalidArgument, type StoreContext } from '../context.js';
import type { Row } from '../db/tables.js';
import type { ActorInput, Lease } from '../types.js';
import { appendAudit } from './audit.js';

export interface AcquireLockInput {
  agent: string;
  environment: string;
  /** What holds the lock: `promotion`, `deploy`, `rollback`… */
  operation: string;
  /** Its id (promotion id, deployment id…), shown to whoever is refused. */
  operationId: string;
  /** Lease length; renew before it runs out. Default 60 s. */
  ttlMs?: number;
  by?: ActorInput;
}

export const DEFAULT_LEASE_MS = 60_000;

type LockRow = Row<'locks'>;

function toLease(row: LockRow): Lease {
  return {
    agent: row.agent,
    environment: row.environment,
    operation: row.operation,
    operationId: row.operation_id,
    pid: row.pid,
    host: row.host,
    acquiredAt: row.acquired_at,
    renewedAt: row.renewed_at,
    expiresAt: row.expires_at,
  };
}

/** Signal 0 checks for existence: ESRCH means gone, EPERM means alive but not ours. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function heldError(holder: Lease): HistoryStoreError {
  const hint =
    holder.operation === 'promotion'
      ? `wait for it, or abort promotion ${holder.operationId} if it is dead`
      : `wait for it to finish; if its process is dead the lock is released at ${holder.expiresAt}`;
  return new HistoryStoreError(
    'LOCK_HELD',
    `${holder.operation} ${holder.operationId} is running on ${holder.agent}/${holder.environment} since ${holder.acquiredAt} (pid ${holder.pid} on host ${holder.host})`,
    { hint, details: { holder: { ...holder } } },
  );
}

function lostError(lease: Lease, holder: LockRow | undefined): HistoryStoreError {
  return new HistoryStoreError(
    'LOCK_LOST',
    `${lease.operation} ${lease.operationId} no longer holds the lock on ${lease.agent}/${lease.environment}`,
    {
      hint: 'another command took it over after the lease expired; stop and reconcile the store with the network',
      details: { holder: holder ? { ...toLease(holder) } : null },
    },
  );
}

/**
 * Leases on (agent, environment): one promotion or deploy at a time. A lease whose holder
 * died on this host, or that expired, is taken over; a live one makes the caller fail fast.
 */
export class LockRepository {
  private readonly host = hostname();

  constructor(private readonly ctx: StoreContext) {}

  acquire(input: AcquireLockInput): Lease {
    const ttlMs = this.ttl(input.ttlMs);
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      const now = this.ctx.now();
      const existing = this.row(input.agent, input.environment);
      let takeover: { previous: Lease; why: 'expired' | 'holder-dead' } | null = null;
      if (existing) {
        const previous = toLease(existing);
        if (this.isMine(previous, input.operationId)) return this.extend(previous, ttlMs);
        if (Date.parse(previous.expiresAt) <= now.getTime()) takeover = { previous, why: 'expired' };
        else if (previous.host === this.host && !isProcessAlive(previous.pid))
          takeover = { previous, why: 'holder-dead' };
        else throw heldError(previous);
      }
      const nowIso = now.toISOString();
      this.ctx.run(
        this.ctx.q
          .insertInto('locks')
          .values({
            project: this.ctx.project,
            agent: input.agent,
            environment: input.environment,
            operation: input.operation,
            operation_id: input.operationId,
            pid: process.pid,
            host: this.host,
            acquired_at: nowIso,
            renewed_at: nowIso,
            expires_at: new Date(now.getTime() + ttlMs).toISOString(),
          })
          .onConflict((oc) =>
            oc.columns(['project', 'agent', 'environment']).doUpdateSet((eb) => ({
              operation: eb.ref('excluded.operation'),
              operation_id: eb.ref('excluded.operation_id'),
              pid: eb.ref('excluded.pid'),
              host: eb.ref('excluded.host'),
              acquired_at: eb.ref('excluded.acquired_at'),
              renewed_at: eb.ref('excluded.renewed_at'),
              expires_at: eb.ref('excluded.expires_at'),
            })),
          ),
      );
      appendAudit(this.ctx, {
        action: takeover ? 'lock.takeover' : 'lock.acquire',
        agent: input.agent,
        environment: input.environment,
        subject: input.operationId,
        summary: takeover
          ? `${input.operation} ${input.operationId} took over the lock on ${input.agent}/${input.environment} from ${takeover.previous.operation} ${takeover.previous.operationId} (${takeover.why})`
          : `${input.operation} ${input.operationId} locked ${input.agent}/${input.environment}`,
        by,
        detail: {
          operation: input.operation,
          pid: process.pid,
          host: this.host,
          ttlMs,
          previous: takeover ? { ...takeover.previous, why: takeover.why } : null,
        },
      });
      return toLease(this.row(input.agent, input.environment)!);
    });
  }

  /** Extends a lease this process holds; LOCK_LOST if it was taken over meanwhile. */
  renew(lease: Lease, ttlMs?: number): Lease {
    const ttl = this.ttl(ttlMs);
    return this.ctx.write(() => {
      const row = this.row(lease.agent, lease.environment);
      if (!row || !this.isMine(toLease(row), lease.operationId)) throw lostError(lease, row);
      return this.extend(toLease(row), ttl);
    });
  }

  /** LOCK_LOST unless this process still holds the lease (a read: cheap enough before every network call). */
  assertHeld(lease: Lease): void {
    const row = this.ctx.read(() => this.row(lease.agent, lease.environment));
    if (!row || !this.isMine(toLease(row), lease.operationId)) throw lostError(lease, row);
  }

  /** Releases a lease this process holds. Returns false if it was no longer held. */
  release(lease: Lease, by?: ActorInput): boolean {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const { changes } = this.ctx.run(
        this.ctx.q
          .deleteFrom('locks')
          .where('project', '=', this.ctx.project)
          .where('agent', '=', lease.agent)
          .where('environment', '=', lease.environment)
          .where('operation_id', '=', lease.operationId)
          .where('pid', '=', process.pid)
          .where('host', '=', this.host),
      );
      if (changes > 0) {
        appendAudit(this.ctx, {
          action: 'lock.release',
          agent: lease.agent,
          environment: lease.environment,
          subject: lease.operationId,
          summary: `${lease.operation} ${lease.operationId} released the lock on ${lease.agent}/${lease.environment}`,
          by: actor,
        });
      }
      return changes > 0;
    });
  }

  /** Why a lease is no longer held by anyone alive: `expired`, `holder-dead` (this host), or null while it is. */
  staleness(lease: Lease): 'expired' | 'holder-dead' | null {
    if (Date.parse(lease.expiresAt) <= this.ctx.now().getTime()) return 'expired';
    if (lease.host === this.host && !isProcessAlive(lease.pid)) return 'holder-dead';
    return null;
  }

  /** Removes a lease nobody holds any more (`doctor --fix`); refuses a live one. Returns whether it removed it. */
  releaseStale(agent: string, environment: string, by?: ActorInput): boolean {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const row = this.row(agent, environment);
      if (!row) return false;
      const lease = toLease(row);
      const why = this.staleness(lease);
      if (!why) return false;
      this.ctx.run(
        this.ctx.q
          .deleteFrom('locks')
          .where('project', '=', this.ctx.project)
          .where('agent', '=', agent)
          .where('environment', '=', environment),
      );
      appendAudit(this.ctx, {
        action: 'lock.clear-stale',
        agent,
        environment,
        subject: lease.operationId,
        summary: `removed the ${why} lock of ${lease.operation} ${lease.operationId} on ${agent}/${environment} (pid ${lease.pid} on ${lease.host})`,
        by: actor,
        detail: { ...lease, why },
      });
      return true;
    });
  }

  get(agent: string, environment: string): Lease | null {
    return this.ctx.read(() => {
      const row = this.row(agent, environment);
      return row ? toLease(row) : null;
    });
  }

  list(): Lease[] {
    return this.ctx.read(() =>
      this.ctx
        .all(
          this.ctx.q
            .selectFrom('locks')
            .selectAll()
            .where('project', '=', this.ctx.project)
            .orderBy('agent')
            .orderBy('environment'),
        )
        .map(toLease),
    );
  }

  private isMine(lease: Lease, operationId: string): boolean {
    return lease.operationId === operationId && lease.pid === process.pid && lease.host === this.host;
  }

  /** Renewals are audited too: the audit log records every mutation. */
  private extend(lease: Lease, ttlMs: number): Lease {
    const now = this.ctx.now();
    this.ctx.run(
      this.ctx.q
        .updateTable('locks')
        .set({ renewed_at: now.toISOString(), expires_at: new Date(now.getTime() + ttlMs).toISOString() })
        .where('project', '=', this.ctx.project)
        .where('agent', '=', lease.agent)
        .where('environment', '=', lease.environment),
    );
    appendAudit(this.ctx, {
      action: 'lock.renew',
      agent: lease.agent,
      environment: lease.environment,
      subject: lease.operationId,
      summary: `${lease.operation} ${lease.operationId} renewed its lock on ${lease.agent}/${lease.environment}`,
      by: this.ctx.actor,
      detail: { ttlMs },
    });
    return toLease(this.row(lease.agent, lease.environment)!);
  }

  private row(agent: string, environment: string): LockRow | undefined {
    return this.ctx.one(
      this.ctx.q
        .selectFrom('locks')
        .selectAll()
        .where('project', '=', this.ctx.project)
        .where('agent', '=', agent)
        .where('environment', '=', environment),
    );
  }

  private ttl(ttlMs: number | undefined): number {
    const value = ttlMs ?? DEFAULT_LEASE_MS;
    if (!Number.isInteger(value) || value < 1) throw invalidArgument(`ttlMs must be a positive integer, got ${value}`);
    return value;
  }
}
