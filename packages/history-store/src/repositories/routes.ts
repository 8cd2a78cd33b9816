import { HistoryStoreError } from '../errors.js';
import { actorFromRow, invalidArgument, type StoreContext } from '../context.js';
import type { Row } from '../db/tables.js';
import { ROUTE_CAUSES, type ActorInput, type Route, type RouteCause, type RouteChange } from '../types.js';
import { appendAudit, queryHelpers } from './audit.js';
import { requireLiveReference } from './references.js';

export interface SetRouteInput {
  agent: string;
  environment: string;
  canisterId: string;
  cause: RouteCause;
  reason?: string;
  promotionId?: string;
  /**
   * Compare-and-set: the canister the caller believes is live now (null: no route yet).
   * When given and different, nothing changes and a CONFLICT is thrown — the blue-green
   * switch uses this so two switches cannot cross.
   */
  expectedCanisterId?: string | null;
  by?: ActorInput;
}

export interface RouteHistoryQuery {
  agent?: string;
  environment?: string;
  /** Changes that made this canister live. */
  toCanisterId?: string;
  beforeId?: number;
  limit?: number;
}

type RouteRow = Row<'routes'>;

type ChangeRow = Row<'route_changes'> & { cause: RouteCause };

function toRoute(row: RouteRow): Route {
  return {
    agent: row.agent,
    environment: row.environment,
    canisterId: row.canister_id,
    since: row.since,
    changeId: row.change_id,
  };
}

function toChange(row: ChangeRow): RouteChange {
  return {
    id: row.id,
    agent: row.agent,
    environment: row.environment,
    fromCanisterId: row.from_canister_id,
    toCanisterId: row.to_canister_id,
    cause: row.cause,
    reason: row.reason,
    promotionId: row.promotion_id,
    by: actorFromRow(row),
    at: row.at,
  };
}

/** Which canister is live per agent and environment, and every switch that led there. */
export class RouteRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Removes the route (there is no live canister any more): only for undoing a first
   * deployment whose canister is deleted again. Compare-and-set on the canister believed live.
   */
  clear(input: {
    agent: string;
    environment: string;
    expectedCanisterId: string;
    reason: string;
    promotionId?: string;
    by?: ActorInput;
  }): void {
    const by = this.ctx.resolveActor(input.by);
    this.ctx.write(() => {
      const current = this.currentRow(input.agent, input.environment);
      if (!current) return;
      if (current.canister_id !== input.expectedCanisterId) {
        throw new HistoryStoreError(
          'CONFLICT',
          `the live canister of ${input.agent} in ${input.environment} is ${current.canister_id}, not ${input.expectedCanisterId}`,
          {
            hint: 'another command switched the route meanwhile; check the live canister and retry',
            details: { reason: 'route-changed', expected: input.expectedCanisterId, actual: current.canister_id },
          },
        );
      }
      this.ctx.run(
        this.ctx.q
          .deleteFrom('routes')
          .where('project', '=', this.ctx.project)
          .where('agent', '=', input.agent)
          .where('environment', '=', input.environment),
      );
      appendAudit(this.ctx, {
        action: 'route.clear',
        kind: 'route',
        agent: input.agent,
        environment: input.environment,
        subject: input.expectedCanisterId,
        summary: `${input.agent} in ${input.environment} has no live canister any more (was ${input.expectedCanisterId}): ${input.reason}`,
        by,
        detail: { from: input.expectedCanisterId, reason: input.reason, promotionId: input.promotionId ?? null },
      });
    });
  }

  /** Points the route at a canister and journals the change, atomically. Returns the change. */
  set(input: SetRouteInput): RouteChange {
    if (!ROUTE_CAUSES.includes(input.cause)) throw invalidArgument(`cause must be one of ${ROUTE_CAUSES.join(', ')}`);
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      requireLiveReference(
        this.ctx,
        input,
        () =>
          new HistoryStoreError(
            'CONFLICT',
            `canister ${input.canisterId} in ${input.environment} was deleted; it cannot be live`,
          ),
      );
      const current = this.currentRow(input.agent, input.environment);
      const from = current?.canister_id ?? null;
      if (input.expectedCanisterId !== undefined && input.expectedCanisterId !== from) {
        throw new HistoryStoreError(
          'CONFLICT',
          `the live canister of ${input.agent} in ${input.environment} is ${from ?? 'none'}, not ${input.expectedCanisterId ?? 'none'}`,
          {
            hint: 'another command switched the route meanwhile; check the live canister and retry',
            details: { reason: 'route-changed', expected: input.expectedCanisterId, actual: from },
          },
        );
      }
      const now = this.ctx.nowIso();
      const change = this.ctx.run(
        this.ctx.q
          .insertInto('route_changes')
          .values({
            project: this.ctx.project,
            agent: input.agent,
            environment: input.environment,
            from_canister_id: from,
            to_canister_id: input.canisterId,
            cause: input.cause,
            reason: input.reason ?? null,
            promotion_id: input.promotionId ?? null,
            by_principal: by.principal,
            by_os_user: by.osUser,
            by_host: by.host,
            at: now,
          })
          .returningAll(),
      ).rows[0]! as ChangeRow;
      this.ctx.run(
        this.ctx.q
          .insertInto('routes')
          .values({
            project: this.ctx.project,
            agent: input.agent,
            environment: input.environment,
            canister_id: input.canisterId,
            change_id: change.id,
            since: now,
          })
          .onConflict((oc) =>
            oc.columns(['project', 'agent', 'environment']).doUpdateSet((eb) => ({
              canister_id: eb.ref('excluded.canister_id'),
              change_id: eb.ref('excluded.change_id'),
              since: eb.ref('excluded.since'),
            })),
          ),
      );
      appendAudit(this.ctx, {
        action: 'route.set',
        kind: input.cause === 'rollback' ? 'rollback' : 'route',
        agent: input.agent,
        environment: input.environment,
        subject: input.canisterId,
        summary: `${input.agent} in ${input.environment} now routes to ${input.canisterId}${from ? ` (was ${from})` : ''} [${input.cause}]${input.reason ? `: ${input.reason}` : ''}`,
        by,
        detail: {
          from,
          to: input.canisterId,
          cause: input.cause,
          reason: input.reason ?? null,
          promotionId: input.promotionId ?? null,
          changeId: change.id,
        },
      });
      return toChange(change);
    });
  }

  /** The live canister, or null when the agent has no route in that environment. */
  get(agent: string, environment: string): Route | null {
    return this.ctx.read(() => {
      const row = this.currentRow(agent, environment);
      return row ? toRoute(row) : null;
    });
  }

  /** Every live route (optionally of one agent or environment). */
  list(query: { agent?: string; environment?: string } = {}): Route[] {
    let select = this.ctx.q.selectFrom('routes').selectAll().where('project', '=', this.ctx.project);
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('environment', '=', query.environment);
    return this.ctx.read(() => this.ctx.all(select.orderBy('agent').orderBy('environment')).map(toRoute));
  }

  /** Route changes, newest first. */
  history(query: RouteHistoryQuery = {}): RouteChange[] {
    const limit = queryHelpers.limitOf(query.limit);
    let select = this.ctx.q.selectFrom('route_changes').selectAll().where('project', '=', this.ctx.project);
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('environment', '=', query.environment);
    if (query.toCanisterId !== undefined) select = select.where('to_canister_id', '=', query.toCanisterId);
    if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
    return this.ctx.read(() =>
      this.ctx.all(select.orderBy('id', 'desc').limit(limit)).map((row) => toChange(row as ChangeRow)),
    );
  }

  /**
   * The change that made `canisterId` live most recently; its `fromCanisterId` is where a
   * rollback of that canister routes back to.
   */
  lastChangeTo(agent: string, environment: string, canisterId: string): RouteChange | null {
    return this.history({ agent, environment, toCanisterId: canisterId, limit: 1 })[0] ?? null;
  }

  private currentRow(agent: string, environment: string): RouteRow | undefined {
    return this.ctx.one(
      this.ctx.q
        .selectFrom('routes')
        .selectAll()
        .where('project', '=', this.ctx.project)
        .where('agent', '=', agent)
        .where('environment', '=', environment),
    );
  }
}
