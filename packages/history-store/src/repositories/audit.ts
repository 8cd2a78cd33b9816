import { actorFromRow, invalidArgument, type ActorColumns, type StoreContext } from '../context.js';
import { TIMELINE_KINDS, type Actor, type ActorInput, type AuditEntry, type JsonObject, type TimelineEvent, type TimelineKind } from '../types.js';

export interface AuditRecord {
  action: string;
  kind?: TimelineKind | null;
  agent?: string | null;
  environment?: string | null;
  subject?: string | number | null;
  summary: string;
  by: Actor;
  detail?: JsonObject;
}

/**
 * Appends one audit entry. Repositories call this inside the transaction of the mutation it
 * describes, so the log and the data can never disagree.
 */
export function appendAudit(ctx: StoreContext, entry: AuditRecord): number {
  const { lastInsertRowid } = ctx
    .stmt(
      `INSERT INTO audit_log (project, at, action, kind, agent, environment, subject, summary, by_principal, by_os_user, by_host, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      ctx.project,
      ctx.nowIso(),
      entry.action,
      entry.kind ?? null,
      entry.agent ?? null,
      entry.environment ?? null,
      entry.subject === undefined || entry.subject === null ? null : String(entry.subject),
      entry.summary,
      entry.by.principal,
      entry.by.osUser,
      entry.by.host,
      JSON.stringify(entry.detail ?? {}),
    );
  return Number(lastInsertRowid);
}

interface AuditRow extends ActorColumns {
  id: number;
  project: string;
  at: string;
  action: string;
  kind: TimelineKind | null;
  agent: string | null;
  environment: string | null;
  subject: string | null;
  summary: string;
  detail: string;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    project: row.project,
    at: row.at,
    action: row.action,
    kind: row.kind,
    agent: row.agent,
    environment: row.environment,
    subject: row.subject,
    summary: row.summary,
    by: actorFromRow(row),
    detail: JSON.parse(row.detail) as JsonObject,
  };
}

export interface AuditQuery {
  agent?: string;
  environment?: string;
  /** Exact action (`route.set`) or a prefix ending in a dot (`promotion.`). */
  action?: string;
  subject?: string;
  /** ISO time or Date: entries at or after it. */
  since?: string | Date;
  /** Entries with an id below this one (for paging backwards). */
  beforeId?: number;
  limit?: number;
}

export interface TimelineQuery {
  agent?: string;
  environment?: string;
  since?: string | Date;
  kinds?: TimelineKind[];
  beforeId?: number;
  limit?: number;
}

const DEFAULT_LIMIT = 100;

function isoOf(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw invalidArgument(`"${String(value)}" is not a valid time`);
  return date.toISOString();
}

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  // Safe integers only: SQLite refuses a larger JavaScript number as "datatype mismatch".
  if (!Number.isSafeInteger(limit) || limit < 1) throw invalidArgument(`limit must be a positive integer up to ${Number.MAX_SAFE_INTEGER}, got ${limit}`);
  return limit;
}

export interface IntentInput {
  /** Dotted verb of what is about to be asked of a network, e.g. `canister.delete-requested`. */
  action: string;
  agent?: string;
  environment?: string;
  subject?: string;
  summary: string;
  detail?: JsonObject;
  by?: ActorInput;
}

export class AuditRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Journals a remote mutation before it is made (the record of its outcome follows it), so
   * after a crash the audit log shows a request whose result never arrived. Not on the
   * timeline: the outcome is. Returns the entry's id.
   */
  noteIntent(input: IntentInput): number {
    return this.note(input);
  }

  /**
   * Journals what a remote operation that has no record of its own did (e.g. a state copy
   * between canisters), after it happened; on the `history` timeline when `kind` is given.
   */
  note(input: IntentInput & { kind?: TimelineKind }): number {
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      return appendAudit(this.ctx, { action: input.action, kind: input.kind ?? null, agent: input.agent, environment: input.environment, subject: input.subject ?? null, summary: input.summary, by, detail: input.detail });
    });
  }

  /** Audit entries, newest first. */
  list(query: AuditQuery = {}): AuditEntry[] {
    const where: string[] = ['project = ?'];
    const params: unknown[] = [this.ctx.project];
    if (query.agent !== undefined) (where.push('agent = ?'), params.push(query.agent));
    if (query.environment !== undefined) (where.push('environment = ?'), params.push(query.environment));
    if (query.subject !== undefined) (where.push('subject = ?'), params.push(query.subject));
    if (query.action !== undefined) {
      if (query.action.endsWith('.')) (where.push('substr(action, 1, ?) = ?'), params.push(query.action.length, query.action));
      else (where.push('action = ?'), params.push(query.action));
    }
    if (query.since !== undefined) (where.push('at >= ?'), params.push(isoOf(query.since)));
    if (query.beforeId !== undefined) (where.push('id < ?'), params.push(query.beforeId));
    return this.select(where, params, limitOf(query.limit));
  }

  /**
   * The `history` timeline: deployments, promotions, route switches, rollbacks, backups and
   * deletions, newest first.
   */
  timeline(query: TimelineQuery = {}): TimelineEvent[] {
    const where = ['project = ?', 'kind IS NOT NULL'];
    const params: unknown[] = [this.ctx.project];
    if (query.agent !== undefined) (where.push('agent = ?'), params.push(query.agent));
    if (query.environment !== undefined) (where.push('environment = ?'), params.push(query.environment));
    if (query.since !== undefined) (where.push('at >= ?'), params.push(isoOf(query.since)));
    if (query.beforeId !== undefined) (where.push('id < ?'), params.push(query.beforeId));
    if (query.kinds !== undefined && query.kinds.length > 0) {
      for (const kind of query.kinds) if (!TIMELINE_KINDS.includes(kind)) throw invalidArgument(`unknown timeline kind "${kind}"`);
      where.push(`kind IN (${query.kinds.map(() => '?').join(', ')})`);
      params.push(...query.kinds);
    }
    return this.select(where, params, limitOf(query.limit)) as TimelineEvent[];
  }

  private select(where: string[], params: unknown[], limit: number): AuditEntry[] {
    const sql = `SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`;
    return this.ctx.read(() => (this.ctx.stmt(sql).all(...params, limit) as AuditRow[]).map(toEntry));
  }
}

export const queryHelpers = { isoOf, limitOf };
