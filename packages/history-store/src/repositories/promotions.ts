import { HistoryStoreError } from '../errors.js';
import { uniqueShortId } from '../ids.js';
import { actorFromRow, invalidArgument, notFound, parseJson, type StoreContext } from '../context.js';
import type { Row } from '../db/tables.js';
import {
  PROMOTION_STATUSES,
  type Actor,
  type ActorInput,
  type JsonObject,
  type JsonValue,
  type Promotion,
  type PromotionStatus,
  type PromotionStep,
  type PromotionSummary,
  type StepStatus,
} from '../types.js';
import { appendAudit, queryHelpers } from './audit.js';
import { touchAgent, touchEnvironment } from './catalog.js';

export interface CreatePromotionInput {
  agent: string;
  fromEnvironment: string;
  toEnvironment: string;
  strategy: string;
  sourceDeploymentId?: number;
  targetCanisterId?: string;
  /** Step names planned up front; they start as `pending` in this order. */
  steps?: string[];
  options?: JsonObject;
  by?: ActorInput;
}

export interface UpdatePromotionInput {
  sourceDeploymentId?: number;
  targetDeploymentId?: number;
  targetCanisterId?: string;
  /** Merged into the stored options (top-level keys replaced). */
  options?: JsonObject;
  writePauseMs?: number;
}

export interface PromotionQuery {
  agent?: string;
  /** Matches either end of the promotion. */
  environment?: string;
  status?: PromotionStatus;
  /** Page backwards from this promotion id. */
  before?: string;
  limit?: number;
}

export interface EndStepInput {
  status: 'succeeded' | 'failed' | 'skipped';
  detail?: JsonValue;
  error?: string;
}

/** Which status may follow which. `failed → running` is a resume. */
const TRANSITIONS: Record<PromotionStatus, readonly PromotionStatus[]> = {
  planned: ['running', 'failed', 'aborted'],
  running: ['succeeded', 'failed', 'aborted', 'rolled-back'],
  failed: ['running', 'aborted', 'rolled-back'],
  succeeded: ['rolled-back'],
  aborted: [],
  'rolled-back': [],
};
const CLOSED: readonly PromotionStatus[] = ['aborted', 'rolled-back'];
/** Audit action suffix and past-tense verb for entering each status. */
const TRANSITION_WORDS: Record<PromotionStatus, [string, string]> = {
  planned: ['plan', 'planned'],
  running: ['start', 'started'],
  succeeded: ['succeed', 'succeeded'],
  failed: ['fail', 'failed'],
  aborted: ['abort', 'aborted'],
  'rolled-back': ['rollback', 'rolled back'],
};

type PromotionRow = Row<'promotions'> & { status: PromotionStatus };

type StepRow = Row<'promotion_steps'> & { status: StepStatus };

function toSummary(row: PromotionRow): PromotionSummary {
  return {
    id: row.id,
    project: row.project,
    agent: row.agent,
    fromEnvironment: row.from_environment,
    toEnvironment: row.to_environment,
    strategy: row.strategy,
    sourceDeploymentId: row.source_deployment_id,
    targetDeploymentId: row.target_deployment_id,
    targetCanisterId: row.target_canister_id,
    status: row.status,
    error: row.error,
    options: JSON.parse(row.options) as JsonObject,
    by: actorFromRow(row),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    writePauseMs: row.write_pause_ms,
  };
}

function toStep(row: StepRow): PromotionStep {
  return {
    index: row.step_index,
    name: row.name,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    detail: parseJson<JsonValue>(row.detail),
    error: row.error,
  };
}

function isObject(value: JsonValue | null | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether this project has a promotion with that id (inside the caller's transaction). */
export function promotionExists(ctx: StoreContext, id: string): boolean {
  return (
    ctx.one(ctx.q.selectFrom('promotions').select('seq').where('project', '=', ctx.project).where('id', '=', id)) !==
    undefined
  );
}

/**
 * Promotions and their step journal. The engine writes a step before and after every remote
 * effect, so after a crash `get()` tells exactly what happened and what is left to do or undo.
 */
export class PromotionRepository {
  constructor(private readonly ctx: StoreContext) {}

  create(input: CreatePromotionInput): Promotion {
    if (input.fromEnvironment === input.toEnvironment)
      throw invalidArgument(`a promotion needs two different environments, got ${input.fromEnvironment} twice`);
    if (!input.strategy) throw invalidArgument('a promotion needs a strategy');
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      touchAgent(this.ctx, input.agent);
      touchEnvironment(this.ctx, input.fromEnvironment);
      touchEnvironment(this.ctx, input.toEnvironment);
      if (input.sourceDeploymentId !== undefined) this.requireDeploymentOf(input.sourceDeploymentId, input.agent);
      // Ids are unique across projects: `promote show <id>` outside a project finds its owner.
      const id = uniqueShortId(
        'prm',
        (candidate) =>
          this.ctx.one(this.ctx.q.selectFrom('promotions').select('seq').where('id', '=', candidate)) !== undefined,
      );
      const now = this.ctx.nowIso();
      const { rows } = this.ctx.run(
        this.ctx.q
          .insertInto('promotions')
          .values({
            id,
            project: this.ctx.project,
            agent: input.agent,
            from_environment: input.fromEnvironment,
            to_environment: input.toEnvironment,
            strategy: input.strategy,
            source_deployment_id: input.sourceDeploymentId ?? null,
            target_canister_id: input.targetCanisterId ?? null,
            status: 'planned',
            options: JSON.stringify(input.options ?? {}),
            by_principal: by.principal,
            by_os_user: by.osUser,
            by_host: by.host,
            created_at: now,
            updated_at: now,
          })
          .returning('seq'),
      );
      const seq = Number(rows[0]!.seq);
      const steps: PromotionStep[] = (input.steps ?? []).map((name, i) => ({
        index: i + 1,
        name,
        status: 'pending',
        startedAt: null,
        finishedAt: null,
        detail: null,
        error: null,
      }));
      if (steps.length > 0) {
        this.ctx.run(
          this.ctx.q
            .insertInto('promotion_steps')
            .values(
              steps.map((step) => ({ promotion_seq: seq, step_index: step.index, name: step.name, status: 'pending' })),
            ),
        );
      }
      appendAudit(this.ctx, {
        action: 'promotion.create',
        kind: 'promotion',
        agent: input.agent,
        environment: input.toEnvironment,
        subject: id,
        summary: `planned promotion ${id} of ${input.agent} from ${input.fromEnvironment} to ${input.toEnvironment} (${input.strategy})`,
        by,
        detail: {
          fromEnvironment: input.fromEnvironment,
          toEnvironment: input.toEnvironment,
          strategy: input.strategy,
          steps: input.steps ?? [],
        },
      });
      // Built from what was just written: re-reading it would cost as much as the insert.
      return {
        id,
        project: this.ctx.project,
        agent: input.agent,
        fromEnvironment: input.fromEnvironment,
        toEnvironment: input.toEnvironment,
        strategy: input.strategy,
        sourceDeploymentId: input.sourceDeploymentId ?? null,
        targetDeploymentId: null,
        targetCanisterId: input.targetCanisterId ?? null,
        status: 'planned',
        error: null,
        options: input.options ?? {},
        by,
        createdAt: now,
        startedAt: null,
        finishedAt: null,
        updatedAt: now,
        writePauseMs: null,
        steps,
      };
    });
  }

  get(id: string): Promotion | null {
    return this.ctx.read(() => {
      const row = this.row(id);
      if (!row) return null;
      const steps = this.ctx.all(
        this.ctx.q.selectFrom('promotion_steps').selectAll().where('promotion_seq', '=', row.seq).orderBy('step_index'),
      ) as StepRow[];
      return { ...toSummary(row), steps: steps.map(toStep) };
    });
  }

  require(id: string): Promotion {
    const promotion = this.get(id);
    if (!promotion)
      throw notFound(`promotion ${id} does not exist`, 'list the recorded promotions of the agent', 'promotion');
    return promotion;
  }

  /** Promotions, newest first. */
  list(query: PromotionQuery = {}): PromotionSummary[] {
    if (query.status !== undefined && !PROMOTION_STATUSES.includes(query.status))
      throw invalidArgument(`unknown promotion status "${query.status}"`);
    const limit = queryHelpers.limitOf(query.limit);
    let select = this.ctx.q.selectFrom('promotions').selectAll().where('project', '=', this.ctx.project);
    if (query.agent !== undefined) select = select.where('agent', '=', query.agent);
    const environment = query.environment;
    if (environment !== undefined)
      select = select.where((eb) =>
        eb.or([eb('from_environment', '=', environment), eb('to_environment', '=', environment)]),
      );
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    const before = query.before;
    if (before !== undefined)
      select = select.where('seq', '<', (eb) =>
        eb.selectFrom('promotions as p').select('p.seq').where('p.id', '=', before),
      );
    return this.ctx.read(() =>
      this.ctx.all(select.orderBy('seq', 'desc').limit(limit)).map((row) => toSummary(row as PromotionRow)),
    );
  }

  /** Sets the deployments and target canister once the engine knows them. */
  update(id: string, input: UpdatePromotionInput, by?: ActorInput): Promotion {
    if (input.writePauseMs !== undefined && (!Number.isInteger(input.writePauseMs) || input.writePauseMs < 0))
      throw invalidArgument(`writePauseMs must be a whole number of milliseconds, got ${input.writePauseMs}`);
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const current = this.require(id);
      if (input.sourceDeploymentId !== undefined) this.requireDeploymentOf(input.sourceDeploymentId, current.agent);
      if (input.targetDeploymentId !== undefined) this.requireDeploymentOf(input.targetDeploymentId, current.agent);
      const options = input.options ? { ...current.options, ...input.options } : current.options;
      this.ctx.run(
        this.ctx.q
          .updateTable('promotions')
          .set({
            source_deployment_id: input.sourceDeploymentId ?? current.sourceDeploymentId,
            target_deployment_id: input.targetDeploymentId ?? current.targetDeploymentId,
            target_canister_id: input.targetCanisterId ?? current.targetCanisterId,
            options: JSON.stringify(options),
            write_pause_ms: input.writePauseMs ?? current.writePauseMs,
            updated_at: this.ctx.nowIso(),
          })
          .where('project', '=', this.ctx.project)
          .where('id', '=', id),
      );
      appendAudit(this.ctx, {
        action: 'promotion.update',
        agent: current.agent,
        environment: current.toEnvironment,
        subject: id,
        summary: `updated promotion ${id}`,
        by: actor,
        detail: { ...input } as JsonObject,
      });
      return this.require(id);
    });
  }

  /** planned → running, or failed → running to resume. */
  start(id: string, by?: ActorInput): Promotion {
    return this.transition(id, 'running', null, by);
  }

  succeed(id: string, by?: ActorInput): Promotion {
    return this.transition(id, 'succeeded', null, by);
  }

  fail(id: string, error: string, by?: ActorInput): Promotion {
    return this.transition(id, 'failed', error, by);
  }

  /** Stopped before completion; whatever ran was undone or never happened. */
  abort(id: string, reason?: string, by?: ActorInput): Promotion {
    return this.transition(id, 'aborted', reason ?? null, by);
  }

  /** The promotion's effect was reversed after it ran. */
  markRolledBack(id: string, reason?: string, by?: ActorInput): Promotion {
    return this.transition(id, 'rolled-back', reason ?? null, by);
  }

  /**
   * Journals the start of a step, before its remote effect. Takes the first pending step of
   * that name (planned at create) or appends a new one (e.g. a retry on resume).
   */
  beginStep(id: string, name: string, detail?: JsonValue, by?: ActorInput): PromotionStep {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const row = this.openRow(id);
      const now = this.ctx.nowIso();
      const pending = this.ctx.one(
        this.ctx.q
          .selectFrom('promotion_steps')
          .select('step_index')
          .where('promotion_seq', '=', row.seq)
          .where('name', '=', name)
          .where('status', '=', 'pending')
          .orderBy('step_index')
          .limit(1),
      );
      const detailText = detail === undefined ? null : JSON.stringify(detail);
      let index: number;
      if (pending) {
        index = pending.step_index;
        this.ctx.run(
          this.ctx.q
            .updateTable('promotion_steps')
            .set({ status: 'running', started_at: now, detail: detailText })
            .where('promotion_seq', '=', row.seq)
            .where('step_index', '=', index),
        );
      } else {
        const last = this.ctx.one(
          this.ctx.q
            .selectFrom('promotion_steps')
            .select((eb) => eb.fn.max('step_index').as('index'))
            .where('promotion_seq', '=', row.seq),
        );
        index = Number(last?.index ?? 0) + 1;
        this.ctx.run(
          this.ctx.q.insertInto('promotion_steps').values({
            promotion_seq: row.seq,
            step_index: index,
            name,
            status: 'running',
            started_at: now,
            detail: detailText,
          }),
        );
      }
      this.touch(row.seq);
      this.auditStep(row, actor, 'promotion.step.begin', `promotion ${id}: step ${index} ${name} started`, {
        index,
        name,
        detail: detail ?? null,
      });
      return this.step(row.seq, index);
    });
  }

  /**
   * Journals the end of a step, after its remote effect: running → succeeded/failed, or
   * pending → skipped. Object details are merged into the one written at begin.
   */
  endStep(id: string, index: number, input: EndStepInput, by?: ActorInput): PromotionStep {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const row = this.openRow(id);
      const step = this.step(row.seq, index);
      const allowed = input.status === 'skipped' ? step.status === 'pending' : step.status === 'running';
      if (!allowed)
        throw new HistoryStoreError(
          'INVALID_TRANSITION',
          `step ${index} (${step.name}) of promotion ${id} is ${step.status}; it cannot become ${input.status}`,
        );
      this.writeStepEnd(row, step, { status: input.status, detail: input.detail, error: input.error ?? null }, actor);
      return this.step(row.seq, index);
    });
  }

  /** Records that a succeeded (or failed) step's effect was reversed during abort/rollback. */
  markStepUndone(id: string, index: number, detail?: JsonValue, by?: ActorInput): PromotionStep {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const row = this.row(id);
      if (!row) throw notFound(`promotion ${id} does not exist`);
      const step = this.step(row.seq, index);
      if (step.status !== 'succeeded' && step.status !== 'failed' && step.status !== 'running') {
        throw new HistoryStoreError(
          'INVALID_TRANSITION',
          `step ${index} (${step.name}) of promotion ${id} is ${step.status}; only a step that ran can be undone`,
        );
      }
      this.writeStepEnd(row, step, { status: 'undone', detail, error: null }, actor);
      return this.step(row.seq, index);
    });
  }

  private writeStepEnd(
    row: PromotionRow,
    step: PromotionStep,
    end: { status: StepStatus; detail: JsonValue | undefined; error: string | null },
    actor: Actor,
  ): void {
    const { status, detail, error } = end;
    const merged =
      detail === undefined
        ? step.detail
        : isObject(step.detail) && isObject(detail)
          ? { ...step.detail, ...detail }
          : detail;
    this.ctx.run(
      this.ctx.q
        .updateTable('promotion_steps')
        .set({ status, finished_at: this.ctx.nowIso(), detail: merged === null ? null : JSON.stringify(merged), error })
        .where('promotion_seq', '=', row.seq)
        .where('step_index', '=', step.index),
    );
    this.touch(row.seq);
    this.auditStep(
      row,
      actor,
      `promotion.step.${status}`,
      `promotion ${row.id}: step ${step.index} ${step.name} ${status}${error ? `: ${error}` : ''}`,
      { index: step.index, name: step.name, detail: detail ?? null, error },
    );
  }

  private transition(id: string, to: PromotionStatus, error: string | null, by?: ActorInput): Promotion {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const row = this.row(id);
      if (!row)
        throw notFound(`promotion ${id} does not exist`, 'list the recorded promotions of the agent', 'promotion');
      if (!TRANSITIONS[row.status].includes(to)) {
        throw new HistoryStoreError('INVALID_TRANSITION', `promotion ${id} is ${row.status}; it cannot become ${to}`, {
          details: { from: row.status, to },
        });
      }
      const now = this.ctx.nowIso();
      const finished = to === 'running' ? null : now;
      this.ctx.run(
        this.ctx.q
          .updateTable('promotions')
          .set((eb) => ({
            status: to,
            error,
            started_at: eb.fn.coalesce('started_at', eb.val(to === 'running' ? now : null)),
            finished_at: finished,
            updated_at: now,
          }))
          .where('seq', '=', row.seq),
      );
      const [action, verb] = to === 'running' && row.status === 'failed' ? ['resume', 'resumed'] : TRANSITION_WORDS[to];
      appendAudit(this.ctx, {
        action: `promotion.${action}`,
        kind: to === 'rolled-back' ? 'rollback' : 'promotion',
        agent: row.agent,
        environment: row.to_environment,
        subject: id,
        summary: `promotion ${id} of ${row.agent} from ${row.from_environment} to ${row.to_environment} ${verb}${error ? `: ${error}` : ''}`,
        by: actor,
        detail: { from: row.status, to, error },
      });
      return this.require(id);
    });
  }

  private row(id: string): PromotionRow | undefined {
    return this.ctx.one(
      this.ctx.q.selectFrom('promotions').selectAll().where('project', '=', this.ctx.project).where('id', '=', id),
    ) as PromotionRow | undefined;
  }

  /** A promotion whose journal may still be written (not aborted or rolled back). */
  private openRow(id: string): PromotionRow {
    const row = this.row(id);
    if (!row) throw notFound(`promotion ${id} does not exist`);
    if (CLOSED.includes(row.status))
      throw new HistoryStoreError('INVALID_TRANSITION', `promotion ${id} is ${row.status}; its journal is closed`);
    return row;
  }

  private step(seq: number, index: number): PromotionStep {
    const row = this.ctx.one(
      this.ctx.q
        .selectFrom('promotion_steps')
        .selectAll()
        .where('promotion_seq', '=', seq)
        .where('step_index', '=', index),
    ) as StepRow | undefined;
    if (!row) throw notFound(`promotion step ${index} does not exist`);
    return toStep(row);
  }

  private touch(seq: number): void {
    this.ctx.run(this.ctx.q.updateTable('promotions').set({ updated_at: this.ctx.nowIso() }).where('seq', '=', seq));
  }

  private auditStep(row: PromotionRow, by: Actor, action: string, summary: string, detail: JsonObject): void {
    appendAudit(this.ctx, {
      action,
      agent: row.agent,
      environment: row.to_environment,
      subject: row.id,
      summary,
      by,
      detail,
    });
  }

  private requireDeploymentOf(deploymentId: number, agent: string): void {
    const row = this.ctx.one(
      this.ctx.q
        .selectFrom('deployments')
        .select('agent')
        .where('project', '=', this.ctx.project)
        .where('id', '=', deploymentId),
    );
    if (!row) throw notFound(`deployment ${deploymentId} does not exist`);
    if (row.agent !== agent)
      throw invalidArgument(`deployment ${deploymentId} belongs to agent ${row.agent}, not ${agent}`);
  }
}
