import type { UpdateQueryBuilder, UpdateResult } from 'kysely';
import { sql } from '../db/kysely.js';
import type { Database, Row } from '../db/tables.js';
import { HistoryStoreError } from '../errors.js';
import { invalidArgument, notFound, type StoreContext } from '../context.js';
import {
  CANISTER_ROLES,
  type ActorInput,
  type Canister,
  type CanisterOverview,
  type CanisterRole,
  type JsonObject,
} from '../types.js';
import { appendAudit } from './audit.js';
import { touchAgent, touchEnvironment } from './catalog.js';

export interface RecordCanisterInput {
  canisterId: string;
  networkUrl: string;
  environment: string;
  agent: string;
  role?: CanisterRole;
  by?: ActorInput;
}

export interface DecommissionInput {
  canisterId: string;
  environment: string;
  reason?: string;
  by?: ActorInput;
}

export interface CanisterQuery {
  agent?: string;
  environment?: string;
  role?: CanisterRole;
  /** Include deleted canisters (default false). */
  includeDecommissioned?: boolean;
}

type CanisterRow = Row<'canisters'> & { role: CanisterRole };

function toCanister(row: CanisterRow): Canister {
  return {
    project: row.project,
    canisterId: row.canister_id,
    networkUrl: row.network_url,
    environment: row.environment,
    agent: row.agent,
    role: row.role,
    createdAt: row.created_at,
    decommissionedAt: row.decommissioned_at,
  };
}

export function assertRole(role: string): asserts role is CanisterRole {
  if (!(CANISTER_ROLES as readonly string[]).includes(role))
    throw invalidArgument(`role must be one of ${CANISTER_ROLES.join(', ')}, got "${role}"`);
}

/** Reads a canister row inside a transaction; shared by the repositories that reference canisters. */
export function requireCanister(ctx: StoreContext, environment: string, canisterId: string): Canister {
  const row = canisterRow(ctx, environment, canisterId);
  if (!row)
    throw notFound(
      `canister ${canisterId} is not recorded in environment ${environment}`,
      'record it with store.canisters.record() when it is created',
    );
  return toCanister(row);
}

function canisterRow(ctx: StoreContext, environment: string, canisterId: string): CanisterRow | undefined {
  return ctx.one(
    ctx.q
      .selectFrom('canisters')
      .selectAll()
      .where('project', '=', ctx.project)
      .where('environment', '=', environment)
      .where('canister_id', '=', canisterId),
  ) as CanisterRow | undefined;
}

/** Every canister soulrecall created or adopted, per environment. */
export class CanisterRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Records a canister (idempotent). Recording a decommissioned id again revives it: local
   * networks reissue the same ids after a reset.
   */
  record(input: RecordCanisterInput): Canister {
    const role = input.role ?? 'primary';
    assertRole(role);
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      touchAgent(this.ctx, input.agent);
      touchEnvironment(this.ctx, input.environment, input.networkUrl);
      const existing = canisterRow(this.ctx, input.environment, input.canisterId);
      if (existing && existing.decommissioned_at === null) {
        if (existing.agent !== input.agent) {
          throw new HistoryStoreError(
            'CONFLICT',
            `canister ${input.canisterId} in ${input.environment} already belongs to agent ${existing.agent}`,
            {
              hint: 'delete it first or use another canister',
              details: { reason: 'canister-of-other-agent', canisterId: input.canisterId, agent: existing.agent },
            },
          );
        }
        if (existing.role === role && existing.network_url === input.networkUrl) return toCanister(existing);
        this.ctx.run(
          this.whereCanister(
            this.ctx.q.updateTable('canisters').set({ role, network_url: input.networkUrl }),
            input.environment,
            input.canisterId,
          ),
        );
        appendAudit(this.ctx, {
          action: 'canister.update',
          agent: input.agent,
          environment: input.environment,
          subject: input.canisterId,
          summary: `canister ${input.canisterId} of ${input.agent} in ${input.environment} is now ${role}`,
          by,
          detail: { role, previousRole: existing.role, networkUrl: input.networkUrl },
        });
        return requireCanister(this.ctx, input.environment, input.canisterId);
      }
      const now = this.ctx.nowIso();
      this.ctx.run(
        this.ctx.q
          .insertInto('canisters')
          .values({
            project: this.ctx.project,
            environment: input.environment,
            canister_id: input.canisterId,
            network_url: input.networkUrl,
            agent: input.agent,
            role,
            created_at: now,
            decommissioned_at: null,
          })
          .onConflict((oc) =>
            oc.columns(['project', 'environment', 'canister_id']).doUpdateSet((eb) => ({
              network_url: eb.ref('excluded.network_url'),
              agent: eb.ref('excluded.agent'),
              role: eb.ref('excluded.role'),
              created_at: eb.ref('excluded.created_at'),
              decommissioned_at: null,
            })),
          ),
      );
      appendAudit(this.ctx, {
        action: existing ? 'canister.reuse' : 'canister.record',
        agent: input.agent,
        environment: input.environment,
        subject: input.canisterId,
        summary: `recorded ${role} canister ${input.canisterId} for ${input.agent} in ${input.environment}`,
        by,
        detail: { role, networkUrl: input.networkUrl },
      });
      return requireCanister(this.ctx, input.environment, input.canisterId);
    });
  }

  /**
   * Journals a canister creation that is about to be requested (before the network call), so
   * an interruption between the request and `record` leaves a trace: the audit log shows a
   * `canister.create-requested` without its `canister.record`. Returns the request's audit id.
   */
  noteCreationRequested(input: {
    environment: string;
    agent: string;
    networkUrl: string;
    operationId?: string;
    plan?: JsonObject;
    by?: ActorInput;
  }): number {
    const by = this.ctx.resolveActor(input.by);
    const planned = typeof input.plan?.canisterId === 'string' ? input.plan.canisterId : null;
    return this.ctx.write(() => {
      touchAgent(this.ctx, input.agent);
      touchEnvironment(this.ctx, input.environment, input.networkUrl);
      return appendAudit(this.ctx, {
        action: 'canister.create-requested',
        agent: input.agent,
        environment: input.environment,
        // The chosen id, when the plan has one: what `doctor` looks for on the network.
        subject: planned ?? input.operationId ?? null,
        summary: `requesting a new canister for ${input.agent} in ${input.environment}${planned ? ` (id ${planned})` : ''}`,
        by,
        detail: { networkUrl: input.networkUrl, operationId: input.operationId ?? null, plan: input.plan ?? null },
      });
    });
  }

  /** Marks a canister deleted. Refuses the live one: switch the route first. */
  decommission(input: DecommissionInput): Canister {
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      const canister = requireCanister(this.ctx, input.environment, input.canisterId);
      if (canister.decommissionedAt !== null) return canister;
      const live = this.ctx.one(
        this.ctx.q
          .selectFrom('routes')
          .select('agent')
          .where('project', '=', this.ctx.project)
          .where('environment', '=', input.environment)
          .where('canister_id', '=', input.canisterId),
      );
      if (live) {
        throw new HistoryStoreError(
          'CONFLICT',
          `canister ${input.canisterId} is the live canister of ${canister.agent} in ${input.environment}`,
          {
            hint: 'route traffic to another canister first',
            details: { reason: 'canister-is-live', canisterId: input.canisterId },
          },
        );
      }
      const now = this.ctx.nowIso();
      this.ctx.run(
        this.whereCanister(
          this.ctx.q.updateTable('canisters').set({ decommissioned_at: now }),
          input.environment,
          input.canisterId,
        ),
      );
      // Deleting a canister deletes its snapshots: its backups are no longer restore points.
      const backups = this.ctx.run(
        this.ctx.q
          .updateTable('backups')
          .set({ deleted_at: now })
          .where('project', '=', this.ctx.project)
          .where('environment', '=', input.environment)
          .where('canister_id', '=', input.canisterId)
          .where('deleted_at', 'is', null),
      );
      appendAudit(this.ctx, {
        action: 'canister.decommission',
        kind: 'deletion',
        agent: canister.agent,
        environment: input.environment,
        subject: input.canisterId,
        summary: `deleted ${canister.role} canister ${input.canisterId} of ${canister.agent} in ${input.environment}${input.reason ? `: ${input.reason}` : ''}`,
        by,
        detail: { reason: input.reason ?? null, backupsDeleted: backups.changes },
      });
      return requireCanister(this.ctx, input.environment, input.canisterId);
    });
  }

  get(environment: string, canisterId: string): Canister | null {
    return this.ctx.read(() => {
      const row = canisterRow(this.ctx, environment, canisterId);
      return row ? toCanister(row) : null;
    });
  }

  /** A canister id across all environments (commands that take only `<canister-id>`). */
  find(canisterId: string): Canister[] {
    return this.ctx.read(() =>
      this.ctx
        .all(
          this.ctx.q
            .selectFrom('canisters')
            .selectAll()
            .where('project', '=', this.ctx.project)
            .where('canister_id', '=', canisterId)
            .orderBy(sql`decommissioned_at is not null`)
            .orderBy('environment'),
        )
        .map((row) => toCanister(row as CanisterRow)),
    );
  }

  /** `soulrecall list`: canisters with their live flag and deployed version. */
  list(query: CanisterQuery = {}): CanisterOverview[] {
    let select = this.ctx.q
      .selectFrom('canisters as c')
      .leftJoin('routes as r', (join) =>
        join
          .onRef('r.project', '=', 'c.project')
          .onRef('r.agent', '=', 'c.agent')
          .onRef('r.environment', '=', 'c.environment')
          .onRef('r.canister_id', '=', 'c.canister_id'),
      )
      .leftJoin('deployments as d', (join) =>
        join.onRef('d.id', '=', (eb) =>
          eb
            .selectFrom('deployments as last')
            .select('last.id')
            .whereRef('last.project', '=', 'c.project')
            .whereRef('last.environment', '=', 'c.environment')
            .whereRef('last.canister_id', '=', 'c.canister_id')
            .where('last.status', '=', 'succeeded')
            .orderBy('last.id', 'desc')
            .limit(1),
        ),
      )
      .selectAll('c')
      .select((eb) => [
        eb('r.canister_id', 'is not', null).as('live'),
        'd.version as deployed_version',
        'd.module_sha256',
        'd.finished_at as deployed_at',
      ])
      .where('c.project', '=', this.ctx.project);
    if (query.agent !== undefined) select = select.where('c.agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('c.environment', '=', query.environment);
    if (query.role !== undefined) select = select.where('c.role', '=', query.role);
    if (!query.includeDecommissioned) select = select.where('c.decommissioned_at', 'is', null);
    select = select.orderBy('c.agent').orderBy('c.environment').orderBy('c.role').orderBy('c.canister_id');
    return this.ctx.read(() =>
      this.ctx.all(select).map((row) => ({
        ...toCanister(row as CanisterRow),
        // SQLite answers 0/1, PostgreSQL a boolean.
        live: Boolean(row.live),
        deployedVersion: row.deployed_version,
        moduleSha256: row.module_sha256,
        deployedAt: row.deployed_at,
      })),
    );
  }

  /** Narrows an update to one canister of this project. */
  private whereCanister(
    query: UpdateQueryBuilder<Database, 'canisters', 'canisters', UpdateResult>,
    environment: string,
    canisterId: string,
  ) {
    return query
      .where('project', '=', this.ctx.project)
      .where('environment', '=', environment)
      .where('canister_id', '=', canisterId);
  }
}
