import { HistoryStoreError } from '../errors.js';
import { invalidArgument, notFound, type StoreContext } from '../context.js';
import { CANISTER_ROLES, type ActorInput, type Canister, type CanisterOverview, type CanisterRole, type JsonObject } from '../types.js';
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

interface CanisterRow {
  project: string;
  canister_id: string;
  network_url: string;
  environment: string;
  agent: string;
  role: CanisterRole;
  created_at: string;
  decommissioned_at: string | null;
}

interface OverviewRow extends CanisterRow {
  live: number;
  deployed_version: number | null;
  module_sha256: string | null;
  deployed_at: string | null;
}

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
  if (!(CANISTER_ROLES as readonly string[]).includes(role)) throw invalidArgument(`role must be one of ${CANISTER_ROLES.join(', ')}, got "${role}"`);
}

/** Reads a canister row inside a transaction; shared by the repositories that reference canisters. */
export function requireCanister(ctx: StoreContext, environment: string, canisterId: string): Canister {
  const row = ctx.stmt('SELECT * FROM canisters WHERE project = ? AND environment = ? AND canister_id = ?').get(ctx.project, environment, canisterId) as CanisterRow | undefined;
  if (!row) throw notFound(`canister ${canisterId} is not recorded in environment ${environment}`, 'record it with store.canisters.record() when it is created');
  return toCanister(row);
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
      const existing = this.ctx
        .stmt('SELECT * FROM canisters WHERE project = ? AND environment = ? AND canister_id = ?')
        .get(this.ctx.project, input.environment, input.canisterId) as CanisterRow | undefined;
      if (existing && existing.decommissioned_at === null) {
        if (existing.agent !== input.agent) {
          throw new HistoryStoreError('CONFLICT', `canister ${input.canisterId} in ${input.environment} already belongs to agent ${existing.agent}`, {
            hint: `delete it first (soulrecall delete ${input.canisterId}) or use another canister`,
          });
        }
        if (existing.role === role && existing.network_url === input.networkUrl) return toCanister(existing);
        this.ctx.stmt('UPDATE canisters SET role = ?, network_url = ? WHERE project = ? AND environment = ? AND canister_id = ?').run(role, input.networkUrl, this.ctx.project, input.environment, input.canisterId);
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
      this.ctx
        .stmt(
          `INSERT INTO canisters (project, environment, canister_id, network_url, agent, role, created_at, decommissioned_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT(project, environment, canister_id) DO UPDATE SET network_url = excluded.network_url, agent = excluded.agent, role = excluded.role,
             created_at = excluded.created_at, decommissioned_at = NULL`,
        )
        .run(this.ctx.project, input.environment, input.canisterId, input.networkUrl, input.agent, role, now);
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
  noteCreationRequested(input: { environment: string; agent: string; networkUrl: string; operationId?: string; plan?: JsonObject; by?: ActorInput }): number {
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
      const live = this.ctx.stmt('SELECT 1 FROM routes WHERE project = ? AND environment = ? AND canister_id = ?').get(this.ctx.project, input.environment, input.canisterId);
      if (live) {
        throw new HistoryStoreError('CONFLICT', `canister ${input.canisterId} is the live canister of ${canister.agent} in ${input.environment}`, {
          hint: 'route traffic to another canister first (soulrecall config set --routing <canister-id>)',
        });
      }
      const now = this.ctx.nowIso();
      this.ctx.stmt('UPDATE canisters SET decommissioned_at = ? WHERE project = ? AND environment = ? AND canister_id = ?').run(now, this.ctx.project, input.environment, input.canisterId);
      // Deleting a canister deletes its snapshots: its backups are no longer restore points.
      const backups = this.ctx
        .stmt('UPDATE backups SET deleted_at = ? WHERE project = ? AND environment = ? AND canister_id = ? AND deleted_at IS NULL')
        .run(now, this.ctx.project, input.environment, input.canisterId);
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
      const row = this.ctx.stmt('SELECT * FROM canisters WHERE project = ? AND environment = ? AND canister_id = ?').get(this.ctx.project, environment, canisterId) as CanisterRow | undefined;
      return row ? toCanister(row) : null;
    });
  }

  /** A canister id across all environments (commands that take only `<canister-id>`). */
  find(canisterId: string): Canister[] {
    return this.ctx.read(() =>
      (this.ctx.stmt('SELECT * FROM canisters WHERE project = ? AND canister_id = ? ORDER BY decommissioned_at IS NOT NULL, environment').all(this.ctx.project, canisterId) as CanisterRow[]).map(toCanister),
    );
  }

  /** `soulrecall list`: canisters with their live flag and deployed version. */
  list(query: CanisterQuery = {}): CanisterOverview[] {
    const where: string[] = ['c.project = ?'];
    const params: unknown[] = [this.ctx.project];
    if (query.agent !== undefined) (where.push('c.agent = ?'), params.push(query.agent));
    if (query.environment !== undefined) (where.push('c.environment = ?'), params.push(query.environment));
    if (query.role !== undefined) (where.push('c.role = ?'), params.push(query.role));
    if (!query.includeDecommissioned) where.push('c.decommissioned_at IS NULL');
    const sql = `
      SELECT c.*, (r.canister_id IS NOT NULL) AS live, d.version AS deployed_version, d.module_sha256, d.finished_at AS deployed_at
      FROM canisters c
      LEFT JOIN routes r ON r.project = c.project AND r.agent = c.agent AND r.environment = c.environment AND r.canister_id = c.canister_id
      LEFT JOIN deployments d ON d.id = (
        SELECT id FROM deployments WHERE project = c.project AND environment = c.environment AND canister_id = c.canister_id AND status = 'succeeded'
        ORDER BY id DESC LIMIT 1)
      WHERE ${where.join(' AND ')}
      ORDER BY c.agent, c.environment, c.role, c.canister_id`;
    return this.ctx.read(() =>
      (this.ctx.stmt(sql).all(...params) as OverviewRow[]).map((row) => ({
        ...toCanister(row),
        live: row.live === 1,
        deployedVersion: row.deployed_version,
        moduleSha256: row.module_sha256,
        deployedAt: row.deployed_at,
      })),
    );
  }
}
