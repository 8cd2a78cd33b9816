import type { StoreContext } from '../context.js';
import type { Agent, Environment } from '../types.js';

/** Notes that an agent was seen; called inside the writing transaction of any record naming it. */
export function touchAgent(ctx: StoreContext, name: string): void {
  const now = ctx.nowIso();
  ctx
    .stmt('INSERT INTO agents (project, name, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?) ON CONFLICT(project, name) DO UPDATE SET last_seen_at = excluded.last_seen_at')
    .run(ctx.project, name, now, now);
}

/** Notes that an environment was seen (and, when known, the network it points to). */
export function touchEnvironment(ctx: StoreContext, name: string, networkUrl?: string | null): void {
  const now = ctx.nowIso();
  ctx
    .stmt(
      `INSERT INTO environments (project, name, network_url, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(project, name) DO UPDATE SET last_seen_at = excluded.last_seen_at,
         network_url = coalesce(excluded.network_url, environments.network_url)`,
    )
    .run(ctx.project, name, networkUrl ?? null, now, now);
}

interface AgentRow {
  name: string;
  first_seen_at: string;
  last_seen_at: string;
}
interface EnvironmentRow extends AgentRow {
  network_url: string | null;
}

/** Agents and environments the store has seen, by name. */
export class CatalogRepository {
  constructor(private readonly ctx: StoreContext) {}

  agents(): Agent[] {
    return this.ctx.read(() =>
      (this.ctx.stmt('SELECT * FROM agents WHERE project = ? ORDER BY name').all(this.ctx.project) as AgentRow[]).map((row) => ({
        name: row.name,
        firstSeenAt: row.first_seen_at,
        lastSeenAt: row.last_seen_at,
      })),
    );
  }

  environments(): Environment[] {
    return this.ctx.read(() =>
      (this.ctx.stmt('SELECT * FROM environments WHERE project = ? ORDER BY name').all(this.ctx.project) as EnvironmentRow[]).map((row) => ({
        name: row.name,
        networkUrl: row.network_url,
        firstSeenAt: row.first_seen_at,
        lastSeenAt: row.last_seen_at,
      })),
    );
  }
}
