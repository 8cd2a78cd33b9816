import { sql } from '../db/kysely.js';
import { actorFromRow, invalidArgument, type StoreContext } from '../context.js';
import type { Row } from '../db/tables.js';
import {
  TIMELINE_KINDS,
  type Actor,
  type ActorInput,
  type AuditEntry,
  type JsonObject,
  type TimelineEvent,
  type TimelineKind,
} from '../types.js';

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
  const { rows } = ctx.run(
    ctx.q
      .insertInto('audit_log')
      .values({
        project: ctx.project,
        at: ctx.nowIso(),
        action: entry.action,
        kind: entry.kind ?? null,
        agent: entry.agent ?? null,
        environment: entry.environment ?? null,
        subject: entry.subject === undefined || entry.subject === null ? null : String(entry.subject),
        summary: entry.summary,
        by_principal: entry.by.principal,
        by_os_user: entry.by.osUser,
        by_host: entry.by.host,
        detail: JSON.stringify(entry.detail ?? {}),
      })
      .returning('id'),
  );
  return Number(rows[0]!.id);
}

type AuditRow = Row<'audit_log'> & { kind: TimelineKind | null };

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
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw invalidArgument(`limit must be a positive integer up to ${Number.MAX_SAFE_INTEGER}, got ${limit}`);
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
      return appendAudit(this.ctx, {
        action: input.action,
        kind: input.kind ?? null,
        agent: input.agent,
        environment: input.environment,
        subject: input.subject ?? null,
        summary: input.summary,
        by,
        detail: input.detail,
      });
    });
  }

  /** Audit entries, newest first. */
  list(query: AuditQuery = {}): AuditEntry[] {
    let select = this.base();
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('environment', '=', query.environment);
    if (query.subject !== undefined) select = select.where('subject', '=', query.subject);
    if (query.action !== undefined) {
      const action = query.action;
      if (action.endsWith('.'))
        select = select.where(sql<string>`substr(action, 1, ${sql.lit(action.length)})`, '=', action);
      else select = select.where('action', '=', action);
    }
    if (query.since !== undefined) select = select.where('at', '>=', isoOf(query.since));
    if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
    return this.select(select, limitOf(query.limit));
  }

  /**
   * The `history` timeline: deployments, promotions, route switches, rollbacks, backups and
   * deletions, newest first.
   */
  timeline(query: TimelineQuery = {}): TimelineEvent[] {
    let select = this.base().where('kind', 'is not', null);
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('environment', '=', query.environment);
    if (query.since !== undefined) select = select.where('at', '>=', isoOf(query.since));
    if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
    if (query.kinds !== undefined && query.kinds.length > 0) {
      for (const kind of query.kinds)
        if (!TIMELINE_KINDS.includes(kind)) throw invalidArgument(`unknown timeline kind "${kind}"`);
      select = select.where('kind', 'in', query.kinds);
    }
    return this.select(select, limitOf(query.limit)) as TimelineEvent[];
  }

  private base() {
    return this.ctx.q.selectFrom('audit_log').selectAll().where('project', '=', this.ctx.project);
  }

  private select(select: ReturnType<AuditRepository['base']>, limit: number): AuditEntry[] {
    return this.ctx.read(() =>
      this.ctx.all(select.orderBy('id', 'desc').limit(limit)).map((row) => toEntry(row as AuditRow)),
    );
  }
}

export const queryHelpers = { isoOf, limitOf };
