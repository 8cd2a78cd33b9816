import type { StoreContext } from '../context.js';
import type { Agent, Environment } from '../types.js';

/** Notes that an agent was seen; called inside the writing transaction of any record naming it. */
export function touchAgent(ctx: StoreContext, name: string): void {
  const now = ctx.nowIso();
  ctx.run(
    ctx.q
      .insertInto('agents')
      .values({ project: ctx.project, name, first_seen_at: now, last_seen_at: now })
      .onConflict((oc) =>
        oc.columns(['project', 'name']).doUpdateSet((eb) => ({ last_seen_at: eb.ref('excluded.last_seen_at') })),
      ),
  );
}

/** Notes that an environment was seen (and, when known, the network it points to). */
export function touchEnvironment(ctx: StoreContext, name: string, networkUrl?: string | null): void {
  const now = ctx.nowIso();
  ctx.run(
    ctx.q
      .insertInto('environments')
      .values({ project: ctx.project, name, network_url: networkUrl ?? null, first_seen_at: now, last_seen_at: now })
      .onConflict((oc) =>
        oc.columns(['project', 'name']).doUpdateSet((eb) => ({
          last_seen_at: eb.ref('excluded.last_seen_at'),
          network_url: eb.fn.coalesce('excluded.network_url', 'environments.network_url'),
        })),
      ),
  );
}

/** Agents and environments the store has seen, by name. */
export class CatalogRepository {
  constructor(private readonly ctx: StoreContext) {}

  agents(): Agent[] {
    return this.ctx.read(() =>
      this.ctx
        .all(this.ctx.q.selectFrom('agents').selectAll().where('project', '=', this.ctx.project).orderBy('name'))
        .map((row) => ({
          name: row.name,
          firstSeenAt: row.first_seen_at,
          lastSeenAt: row.last_seen_at,
        })),
    );
  }

  environments(): Environment[] {
    return this.ctx.read(() =>
      this.ctx
        .all(this.ctx.q.selectFrom('environments').selectAll().where('project', '=', this.ctx.project).orderBy('name'))
        .map((row) => ({
          name: row.name,
          networkUrl: row.network_url,
          firstSeenAt: row.first_seen_at,
          lastSeenAt: row.last_seen_at,
        })),
    );
  }
}
