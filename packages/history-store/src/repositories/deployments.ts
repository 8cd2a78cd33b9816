import { HistoryStoreError } from '../errors.js';
import { actorFromRow, invalidArgument, notFound, type StoreContext } from '../context.js';
import type { Row } from '../db/tables.js';
import {
  DEPLOYMENT_STATUSES,
  INSTALL_MODES,
  type ActorInput,
  type Deployment,
  type DeploymentStatus,
  type InstallMode,
} from '../types.js';
import { appendAudit, queryHelpers } from './audit.js';
import { requireLiveReference } from './references.js';

export interface BeginDeploymentInput {
  agent: string;
  environment: string;
  canisterId: string;
  moduleSha256: string;
  installMode: InstallMode;
  /** The promotion this deployment is part of, if any. */
  promotionId?: string;
  by?: ActorInput;
}

export interface FinishDeploymentInput {
  status: 'succeeded' | 'failed';
  error?: string;
}

export interface DeploymentQuery {
  agent?: string;
  environment?: string;
  canisterId?: string;
  status?: DeploymentStatus;
  /** Deployments with a version below this one (needs agent and environment). */
  beforeVersion?: number;
  limit?: number;
}

/** A deployment with the IC snapshot id of its pre-deploy backup (see `select()`). */
type DeploymentRow = Row<'deployments'> & {
  install_mode: InstallMode;
  status: DeploymentStatus;
  snapshot_id: string | null;
};

function toDeployment(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    agent: row.agent,
    environment: row.environment,
    version: row.version,
    canisterId: row.canister_id,
    moduleSha256: row.module_sha256,
    installMode: row.install_mode,
    status: row.status,
    snapshotBackupId: row.snapshot_backup_id,
    snapshotId: row.snapshot_id,
    promotionId: row.promotion_id,
    by: actorFromRow(row),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
  };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Deployments: every install/upgrade of an agent's module, numbered per agent and environment. */
export class DeploymentRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Records a pending deployment and gives it the next version number of its agent and
   * environment. The number is read and written under one write lock, so concurrent
   * deploys get consecutive, distinct versions.
   */
  begin(input: BeginDeploymentInput): Deployment {
    if (!SHA256_HEX.test(input.moduleSha256))
      throw invalidArgument(`moduleSha256 must be 64 lower-case hex characters, got "${input.moduleSha256}"`);
    if (!INSTALL_MODES.includes(input.installMode))
      throw invalidArgument(`installMode must be one of ${INSTALL_MODES.join(', ')}`);
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      requireLiveReference(
        this.ctx,
        input,
        (canister) =>
          new HistoryStoreError(
            'CONFLICT',
            `canister ${input.canisterId} in ${input.environment} was deleted at ${canister.decommissionedAt}`,
            { hint: 'deploy to a live canister' },
          ),
      );
      // The canister's record already registered its agent and environment as seen.
      const latest = this.ctx.one(
        this.ctx.q
          .selectFrom('deployments')
          .select((eb) => eb.fn.max('version').as('version'))
          .where('project', '=', this.ctx.project)
          .where('agent', '=', input.agent)
          .where('environment', '=', input.environment),
      );
      const next = Number(latest?.version ?? 0) + 1;
      const startedAt = this.ctx.nowIso();
      const { rows } = this.ctx.run(
        this.ctx.q
          .insertInto('deployments')
          .values({
            project: this.ctx.project,
            agent: input.agent,
            environment: input.environment,
            version: next,
            canister_id: input.canisterId,
            module_sha256: input.moduleSha256,
            install_mode: input.installMode,
            status: 'pending',
            promotion_id: input.promotionId ?? null,
            by_principal: by.principal,
            by_os_user: by.osUser,
            by_host: by.host,
            started_at: startedAt,
          })
          .returning('id'),
      );
      const id = Number(rows[0]!.id);
      appendAudit(this.ctx, {
        action: 'deployment.begin',
        kind: 'deployment',
        agent: input.agent,
        environment: input.environment,
        subject: id,
        summary: `deploying version ${next} of ${input.agent} to ${input.environment} (${input.installMode} ${input.canisterId}, module ${input.moduleSha256.slice(0, 12)})`,
        by,
        detail: {
          version: next,
          canisterId: input.canisterId,
          moduleSha256: input.moduleSha256,
          installMode: input.installMode,
          promotionId: input.promotionId ?? null,
        },
      });
      // Built from what was just written: re-reading it would cost as much as the insert.
      return {
        id,
        agent: input.agent,
        environment: input.environment,
        version: next,
        canisterId: input.canisterId,
        moduleSha256: input.moduleSha256,
        installMode: input.installMode,
        status: 'pending',
        snapshotBackupId: null,
        snapshotId: null,
        promotionId: input.promotionId ?? null,
        by,
        startedAt,
        finishedAt: null,
        error: null,
      };
    });
  }

  /** Closes a pending deployment as succeeded or failed. */
  finish(id: number, input: FinishDeploymentInput, by?: ActorInput): Deployment {
    if (input.status !== 'succeeded' && input.status !== 'failed')
      throw invalidArgument(`a deployment finishes as succeeded or failed, not ${String(input.status)}`);
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const deployment = this.require(id);
      if (deployment.status !== 'pending') {
        throw new HistoryStoreError(
          'INVALID_TRANSITION',
          `deployment ${id} (version ${deployment.version} of ${deployment.agent} in ${deployment.environment}) is already ${deployment.status}`,
        );
      }
      const finishedAt = this.ctx.nowIso();
      this.ctx.run(
        this.ctx.q
          .updateTable('deployments')
          .set({ status: input.status, finished_at: finishedAt, error: input.error ?? null })
          .where('id', '=', id),
      );
      appendAudit(this.ctx, {
        action: `deployment.${input.status}`,
        kind: 'deployment',
        agent: deployment.agent,
        environment: deployment.environment,
        subject: id,
        summary: `version ${deployment.version} of ${deployment.agent} in ${deployment.environment} ${input.status}${input.error ? `: ${input.error}` : ''}`,
        by: actor,
        detail: { version: deployment.version, canisterId: deployment.canisterId, error: input.error ?? null },
      });
      return { ...deployment, status: input.status, finishedAt, error: input.error ?? null };
    });
  }

  /**
   * Marks a deployment as rolled back (the previous good version is live again): a succeeded one
   * rolled back later, or a pending one undone before it finished (e.g. unhealthy after the
   * upgrade, snapshot restored), which also closes it with the reason as its error.
   */
  markRolledBack(id: number, reason?: string, by?: ActorInput): Deployment {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const deployment = this.require(id);
      if (deployment.status !== 'succeeded' && deployment.status !== 'pending') {
        throw new HistoryStoreError(
          'INVALID_TRANSITION',
          `only a succeeded or pending deployment can be rolled back; deployment ${id} is ${deployment.status}`,
        );
      }
      if (deployment.status === 'pending') {
        this.ctx.run(
          this.ctx.q
            .updateTable('deployments')
            .set({ status: 'rolled-back', finished_at: this.ctx.nowIso(), error: reason ?? null })
            .where('id', '=', id),
        );
      } else {
        this.ctx.run(this.ctx.q.updateTable('deployments').set({ status: 'rolled-back' }).where('id', '=', id));
      }
      appendAudit(this.ctx, {
        action: 'deployment.rolled-back',
        kind: 'rollback',
        agent: deployment.agent,
        environment: deployment.environment,
        subject: id,
        summary: `rolled back version ${deployment.version} of ${deployment.agent} in ${deployment.environment}${reason ? `: ${reason}` : ''}`,
        by: actor,
        detail: { version: deployment.version, canisterId: deployment.canisterId, reason: reason ?? null },
      });
      return this.require(id);
    });
  }

  get(id: number): Deployment | null {
    return this.ctx.read(() => {
      const row = this.ctx.one(this.select().where('d.id', '=', id)) as DeploymentRow | undefined;
      return row ? toDeployment(row) : null;
    });
  }

  /** Deployment number `version` of an agent in an environment. */
  getByVersion(agent: string, environment: string, version: number): Deployment | null {
    return this.ctx.read(() => {
      const row = this.ctx.one(
        this.select()
          .where('d.agent', '=', agent)
          .where('d.environment', '=', environment)
          .where('d.version', '=', version),
      ) as DeploymentRow | undefined;
      return row ? toDeployment(row) : null;
    });
  }

  /** Newest deployment matching the query (e.g. the latest succeeded one on a canister). */
  latest(query: Omit<DeploymentQuery, 'limit'>): Deployment | null {
    return this.list({ ...query, limit: 1 })[0] ?? null;
  }

  /**
   * The succeeded deployment a rollback returns to: the newest succeeded one of the agent and
   * environment older than `beforeVersion` (optionally on one canister).
   */
  previousSuccessful(query: {
    agent: string;
    environment: string;
    beforeVersion: number;
    canisterId?: string;
  }): Deployment | null {
    return this.latest({ ...query, status: 'succeeded' });
  }

  /** Deployments, newest first. */
  list(query: DeploymentQuery = {}): Deployment[] {
    if (query.status !== undefined && !DEPLOYMENT_STATUSES.includes(query.status))
      throw invalidArgument(`unknown deployment status "${query.status}"`);
    const limit = queryHelpers.limitOf(query.limit);
    let select = this.select();
    if (query.agent !== undefined) select = select.where('d.agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('d.environment', '=', query.environment);
    if (query.canisterId !== undefined) select = select.where('d.canister_id', '=', query.canisterId);
    if (query.status !== undefined) select = select.where('d.status', '=', query.status);
    if (query.beforeVersion !== undefined) {
      if (query.agent === undefined || query.environment === undefined)
        throw invalidArgument('beforeVersion needs agent and environment');
      select = select.where('d.version', '<', query.beforeVersion);
    }
    // Within one agent and environment, version order is insertion order; across them, id is.
    select =
      query.agent !== undefined && query.environment !== undefined
        ? select.orderBy('d.version', 'desc')
        : select.orderBy('d.id', 'desc');
    return this.ctx.read(() => this.ctx.all(select.limit(limit)).map((row) => toDeployment(row as DeploymentRow)));
  }

  /** This project's deployments with the snapshot id of the backup taken before each. */
  private select() {
    return this.ctx.q
      .selectFrom('deployments as d')
      .leftJoin('backups as b', 'b.id', 'd.snapshot_backup_id')
      .selectAll('d')
      .select('b.snapshot_id')
      .where('d.project', '=', this.ctx.project);
  }

  /** Like get(), but a missing deployment is a NOT_FOUND error. */
  require(id: number): Deployment {
    const deployment = this.get(id);
    if (!deployment) throw notFound(`deployment ${id} does not exist`);
    return deployment;
  }
}
