import { HistoryStoreError } from '../errors.js';
import { uniqueShortId } from '../ids.js';
import { actorFromRow, invalidArgument, notFound, type ActorColumns, type StoreContext } from '../context.js';
import type { ActorInput, Backup, BackupRestore } from '../types.js';
import { appendAudit, queryHelpers } from './audit.js';
import { requireCanister } from './canisters.js';

export interface RecordBackupInput {
  environment: string;
  canisterId: string;
  /** The IC snapshot id, hex encoded. */
  snapshotId: string;
  reason?: string;
  /** The deployment this snapshot belongs to. */
  deploymentId?: number;
  /** The snapshot was taken just before that deployment: link it as its pre-deploy snapshot. */
  beforeDeployment?: boolean;
  by?: ActorInput;
}

export interface BackupQuery {
  agent?: string;
  environment?: string;
  canisterId?: string;
  includeDeleted?: boolean;
  limit?: number;
}

interface BackupRow extends ActorColumns {
  id: string;
  agent: string;
  environment: string;
  canister_id: string;
  snapshot_id: string;
  reason: string | null;
  deployment_id: number | null;
  created_at: string;
  deleted_at: string | null;
  restore_count: number;
  last_restored_at: string | null;
}

interface RestoreRow extends ActorColumns {
  id: number;
  backup_id: string;
  reason: string | null;
  at: string;
}

const SELECT = `SELECT b.*, (SELECT count(*) FROM backup_restores r WHERE r.backup_id = b.id) AS restore_count,
  (SELECT max(at) FROM backup_restores r WHERE r.backup_id = b.id) AS last_restored_at FROM backups b`;

const HEX = /^(?:[0-9a-f]{2})+$/;

function toBackup(row: BackupRow): Backup {
  return {
    id: row.id,
    agent: row.agent,
    environment: row.environment,
    canisterId: row.canister_id,
    snapshotId: row.snapshot_id,
    reason: row.reason,
    deploymentId: row.deployment_id,
    by: actorFromRow(row),
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    restoreCount: row.restore_count,
    lastRestoredAt: row.last_restored_at,
  };
}

function toRestore(row: RestoreRow): BackupRestore {
  return { id: row.id, backupId: row.backup_id, reason: row.reason, by: actorFromRow(row), at: row.at };
}

/** Canister snapshots (code + memory) taken by `backup create` or before deployments. */
export class BackupRepository {
  constructor(private readonly ctx: StoreContext) {}

  record(input: RecordBackupInput): Backup {
    const snapshotId = input.snapshotId.toLowerCase();
    if (!HEX.test(snapshotId)) throw invalidArgument(`snapshotId must be hex, got "${input.snapshotId}"`);
    if (input.beforeDeployment && input.deploymentId === undefined) throw invalidArgument('beforeDeployment needs a deploymentId');
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      const canister = requireCanister(this.ctx, input.environment, input.canisterId);
      if (input.deploymentId !== undefined) {
        const deployment = this.ctx.stmt('SELECT canister_id, environment FROM deployments WHERE id = ?').get(input.deploymentId) as
          | { canister_id: string; environment: string }
          | undefined;
        if (!deployment) throw notFound(`deployment ${input.deploymentId} does not exist`);
        if (deployment.canister_id !== input.canisterId || deployment.environment !== input.environment) {
          throw invalidArgument(`deployment ${input.deploymentId} is on canister ${deployment.canister_id} in ${deployment.environment}, not ${input.canisterId}`);
        }
      }
      const id = uniqueShortId('bak', (candidate) => this.ctx.stmt('SELECT 1 FROM backups WHERE id = ?').get(candidate) !== undefined);
      this.ctx
        .stmt(
          `INSERT INTO backups (id, agent, environment, canister_id, snapshot_id, reason, deployment_id, by_principal, by_os_user, by_host, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, canister.agent, input.environment, input.canisterId, snapshotId, input.reason ?? null, input.deploymentId ?? null, by.principal, by.osUser, by.host, this.ctx.nowIso());
      if (input.beforeDeployment) this.ctx.stmt('UPDATE deployments SET snapshot_backup_id = ? WHERE id = ?').run(id, input.deploymentId);
      appendAudit(this.ctx, {
        action: 'backup.create',
        kind: 'backup',
        agent: canister.agent,
        environment: input.environment,
        subject: id,
        summary: `backup ${id}: snapshot ${snapshotId} of ${input.canisterId}${input.reason ? ` (${input.reason})` : ''}`,
        by,
        detail: { canisterId: input.canisterId, snapshotId, deploymentId: input.deploymentId ?? null, beforeDeployment: input.beforeDeployment ?? false },
      });
      return this.require(id);
    });
  }

  get(id: string): Backup | null {
    return this.ctx.read(() => {
      const row = this.ctx.stmt(`${SELECT} WHERE b.id = ?`).get(id) as BackupRow | undefined;
      return row ? toBackup(row) : null;
    });
  }

  require(id: string): Backup {
    const backup = this.get(id);
    if (!backup) throw notFound(`backup ${id} does not exist`, 'list backups with soulrecall backup list');
    return backup;
  }

  /** Backups, newest first. */
  list(query: BackupQuery = {}): Backup[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.agent !== undefined) (where.push('b.agent = ?'), params.push(query.agent));
    if (query.environment !== undefined) (where.push('b.environment = ?'), params.push(query.environment));
    if (query.canisterId !== undefined) (where.push('b.canister_id = ?'), params.push(query.canisterId));
    if (!query.includeDeleted) where.push('b.deleted_at IS NULL');
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY b.rowid DESC LIMIT ?`;
    return this.ctx.read(() => (this.ctx.stmt(sql).all(...params, queryHelpers.limitOf(query.limit)) as BackupRow[]).map(toBackup));
  }

  /** Journals a restore of the backup onto its canister (call after the restore succeeded). */
  recordRestore(id: string, input: { reason?: string; by?: ActorInput } = {}): BackupRestore {
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      const backup = this.require(id);
      if (backup.deletedAt !== null) throw new HistoryStoreError('CONFLICT', `backup ${id} was deleted at ${backup.deletedAt}; it cannot be restored`);
      const { lastInsertRowid } = this.ctx
        .stmt('INSERT INTO backup_restores (backup_id, reason, by_principal, by_os_user, by_host, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, input.reason ?? null, by.principal, by.osUser, by.host, this.ctx.nowIso());
      appendAudit(this.ctx, {
        action: 'backup.restore',
        kind: 'rollback',
        agent: backup.agent,
        environment: backup.environment,
        subject: id,
        summary: `restored backup ${id} (snapshot ${backup.snapshotId}) onto ${backup.canisterId}${input.reason ? `: ${input.reason}` : ''}`,
        by,
        detail: { canisterId: backup.canisterId, snapshotId: backup.snapshotId, reason: input.reason ?? null },
      });
      return toRestore(this.ctx.stmt('SELECT * FROM backup_restores WHERE id = ?').get(lastInsertRowid) as RestoreRow);
    });
  }

  restores(id: string): BackupRestore[] {
    return this.ctx.read(() => (this.ctx.stmt('SELECT * FROM backup_restores WHERE backup_id = ? ORDER BY id DESC').all(id) as RestoreRow[]).map(toRestore));
  }

  /** The snapshot no longer exists on the canister (deleted or replaced). */
  markDeleted(id: string, reason?: string, by?: ActorInput): Backup {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const backup = this.require(id);
      if (backup.deletedAt !== null) return backup;
      this.ctx.stmt('UPDATE backups SET deleted_at = ? WHERE id = ?').run(this.ctx.nowIso(), id);
      appendAudit(this.ctx, {
        action: 'backup.delete',
        kind: 'deletion',
        agent: backup.agent,
        environment: backup.environment,
        subject: id,
        summary: `deleted backup ${id} (snapshot ${backup.snapshotId} of ${backup.canisterId})${reason ? `: ${reason}` : ''}`,
        by: actor,
        detail: { reason: reason ?? null },
      });
      return this.require(id);
    });
  }
}
