import { HistoryStoreError } from '../errors.js';
import { uniqueShortId } from '../ids.js';
import { actorFromRow, invalidArgument, notFound, type StoreContext } from '../context.js';
import type { Row } from '../db/tables.js';
import type { ActorInput, Backup, BackupArchive, BackupRestore } from '../types.js';
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
  /** The module (sha256 hex) the snapshot holds. */
  moduleSha256?: string;
  /** Default `taken`; `uploaded` for a snapshot created from a snapshot file. */
  source?: Backup['source'];
  /** Its snapshot file, when there is one already (an upload from a file). */
  archive?: { sha256: string; size: number };
  by?: ActorInput;
}

export interface BackupQuery {
  agent?: string;
  environment?: string;
  canisterId?: string;
  /** Also backups that exist nowhere any more (snapshot gone and no file). */
  includeDeleted?: boolean;
  limit?: number;
}

/** A backup with what its restores add up to (see `select()`). */
type BackupRow = Row<'backups'> & { source: Backup['source']; restore_count: number; last_restored_at: string | null };

type RestoreRow = Row<'backup_restores'>;

const HEX = /^(?:[0-9a-f]{2})+$/;
const SHA256 = /^[0-9a-f]{64}$/;

function toBackup(row: BackupRow, archivePath: (sha256: string) => string): Backup {
  const archive: BackupArchive | null =
    row.archive_sha256 === null
      ? null
      : {
          sha256: row.archive_sha256,
          size: row.archive_size ?? 0,
          path: archivePath(row.archive_sha256),
          archivedAt: row.archived_at ?? row.created_at,
        };
  return {
    id: row.id,
    agent: row.agent,
    environment: row.environment,
    canisterId: row.canister_id,
    snapshotId: row.snapshot_id,
    source: row.source,
    moduleSha256: row.module_sha256,
    reason: row.reason,
    deploymentId: row.deployment_id,
    by: actorFromRow(row),
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    archive,
    restoreCount: row.restore_count,
    lastRestoredAt: row.last_restored_at,
  };
}

function toRestore(row: RestoreRow): BackupRestore {
  return { id: row.id, backupId: row.backup_id, reason: row.reason, by: actorFromRow(row), at: row.at };
}

/**
 * Canister snapshots (code + memory) taken by `backup create` or before deployments, and their
 * off-chain copies (snapshot files). A backup lives on the network while its snapshot exists,
 * and on disk once it has a snapshot file.
 */
export class BackupRepository {
  constructor(
    private readonly ctx: StoreContext,
    private readonly archivePath: (sha256: string) => string,
  ) {}

  record(input: RecordBackupInput): Backup {
    const snapshotId = input.snapshotId.toLowerCase();
    if (!HEX.test(snapshotId)) throw invalidArgument(`snapshotId must be hex, got "${input.snapshotId}"`);
    if (input.beforeDeployment && input.deploymentId === undefined)
      throw invalidArgument('beforeDeployment needs a deploymentId');
    if (input.moduleSha256 !== undefined && !SHA256.test(input.moduleSha256))
      throw invalidArgument(`moduleSha256 must be a sha256, got "${input.moduleSha256}"`);
    if (input.archive && !SHA256.test(input.archive.sha256))
      throw invalidArgument(`archive.sha256 must be a sha256, got "${input.archive.sha256}"`);
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      const canister = requireCanister(this.ctx, input.environment, input.canisterId);
      if (input.deploymentId !== undefined) {
        const deploymentId = input.deploymentId;
        const deployment = this.ctx.one(
          this.ctx.q
            .selectFrom('deployments')
            .select(['canister_id', 'environment'])
            .where('project', '=', this.ctx.project)
            .where('id', '=', deploymentId),
        );
        if (!deployment) throw notFound(`deployment ${input.deploymentId} does not exist`);
        if (deployment.canister_id !== input.canisterId || deployment.environment !== input.environment) {
          throw invalidArgument(
            `deployment ${input.deploymentId} is on canister ${deployment.canister_id} in ${deployment.environment}, not ${input.canisterId}`,
          );
        }
      }
      const id = uniqueShortId(
        'bak',
        (candidate) =>
          this.ctx.one(this.ctx.q.selectFrom('backups').select('seq').where('id', '=', candidate)) !== undefined,
      );
      this.ctx.run(
        this.ctx.q.insertInto('backups').values({
          id,
          project: this.ctx.project,
          agent: canister.agent,
          environment: input.environment,
          canister_id: input.canisterId,
          snapshot_id: snapshotId,
          reason: input.reason ?? null,
          deployment_id: input.deploymentId ?? null,
          module_sha256: input.moduleSha256 ?? null,
          source: input.source ?? 'taken',
          archive_sha256: input.archive?.sha256 ?? null,
          archive_size: input.archive?.size ?? null,
          archived_at: input.archive ? this.ctx.nowIso() : null,
          by_principal: by.principal,
          by_os_user: by.osUser,
          by_host: by.host,
          created_at: this.ctx.nowIso(),
        }),
      );
      if (input.beforeDeployment)
        this.ctx.run(
          this.ctx.q.updateTable('deployments').set({ snapshot_backup_id: id }).where('id', '=', input.deploymentId!),
        );
      appendAudit(this.ctx, {
        action: 'backup.create',
        kind: 'backup',
        agent: canister.agent,
        environment: input.environment,
        subject: id,
        summary: `backup ${id}: ${input.source === 'uploaded' ? 'uploaded snapshot' : 'snapshot'} ${snapshotId} of ${input.canisterId}${input.reason ? ` (${input.reason})` : ''}`,
        by,
        detail: {
          canisterId: input.canisterId,
          snapshotId,
          deploymentId: input.deploymentId ?? null,
          beforeDeployment: input.beforeDeployment ?? false,
          source: input.source ?? 'taken',
          archiveSha256: input.archive?.sha256 ?? null,
        },
      });
      return this.require(id);
    });
  }

  get(id: string): Backup | null {
    return this.ctx.read(() => {
      const row = this.ctx.one(this.select().where('b.id', '=', id)) as BackupRow | undefined;
      return row ? toBackup(row, this.archivePath) : null;
    });
  }

  require(id: string): Backup {
    const backup = this.get(id);
    if (!backup) throw notFound(`backup ${id} does not exist`, 'list the recorded backups', 'backup');
    return backup;
  }

  /** Backups, newest first. */
  list(query: BackupQuery = {}): Backup[] {
    const limit = queryHelpers.limitOf(query.limit);
    let select = this.select();
    if (query.agent !== undefined) select = select.where('b.agent', '=', query.agent);
    if (query.environment !== undefined) select = select.where('b.environment', '=', query.environment);
    if (query.canisterId !== undefined) select = select.where('b.canister_id', '=', query.canisterId);
    if (!query.includeDeleted)
      select = select.where((eb) => eb.or([eb('b.deleted_at', 'is', null), eb('b.archive_sha256', 'is not', null)]));
    return this.ctx.read(() =>
      this.ctx
        .all(select.orderBy('b.seq', 'desc').limit(limit))
        .map((row) => toBackup(row as BackupRow, this.archivePath)),
    );
  }

  /** Records the backup's snapshot file (after it was written to disk). */
  attachArchive(id: string, archive: { sha256: string; size: number }, by?: ActorInput): Backup {
    if (!SHA256.test(archive.sha256)) throw invalidArgument(`archive.sha256 must be a sha256, got "${archive.sha256}"`);
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const backup = this.require(id);
      if (backup.archive?.sha256 === archive.sha256) return backup;
      this.ctx.run(
        this.ctx.q
          .updateTable('backups')
          .set({ archive_sha256: archive.sha256, archive_size: archive.size, archived_at: this.ctx.nowIso() })
          .where('id', '=', id),
      );
      appendAudit(this.ctx, {
        action: 'backup.download',
        kind: 'backup',
        agent: backup.agent,
        environment: backup.environment,
        subject: id,
        summary: `downloaded backup ${id} (snapshot ${backup.snapshotId} of ${backup.canisterId}) to snapshot file ${archive.sha256.slice(0, 12)} (${archive.size} bytes)`,
        by: actor,
        detail: { sha256: archive.sha256, size: archive.size, previous: backup.archive?.sha256 ?? null },
      });
      return this.require(id);
    });
  }

  /** Backups whose snapshot file is this one (newest first). */
  withArchive(sha256: string): Backup[] {
    return this.ctx.read(() =>
      this.ctx
        .all(this.select().where('b.archive_sha256', '=', sha256).orderBy('b.seq', 'desc'))
        .map((row) => toBackup(row as BackupRow, this.archivePath)),
    );
  }

  /** Journals a restore of the backup onto its canister (call after the restore succeeded). */
  recordRestore(id: string, input: { reason?: string; by?: ActorInput } = {}): BackupRestore {
    const by = this.ctx.resolveActor(input.by);
    return this.ctx.write(() => {
      const backup = this.require(id);
      if (backup.deletedAt !== null)
        throw new HistoryStoreError(
          'CONFLICT',
          `backup ${id}'s snapshot was deleted at ${backup.deletedAt}; it cannot be restored`,
        );
      const restore = this.ctx.run(
        this.ctx.q
          .insertInto('backup_restores')
          .values({
            backup_id: id,
            reason: input.reason ?? null,
            by_principal: by.principal,
            by_os_user: by.osUser,
            by_host: by.host,
            at: this.ctx.nowIso(),
          })
          .returningAll(),
      ).rows[0]! as RestoreRow;
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
      return toRestore(restore);
    });
  }

  restores(id: string): BackupRestore[] {
    return this.ctx.read(() =>
      this.ctx
        .all(this.ctx.q.selectFrom('backup_restores').selectAll().where('backup_id', '=', id).orderBy('id', 'desc'))
        .map(toRestore),
    );
  }

  /** The snapshot no longer exists on the canister (deleted or replaced). */
  markDeleted(id: string, reason?: string, by?: ActorInput): Backup {
    const actor = this.ctx.resolveActor(by);
    return this.ctx.write(() => {
      const backup = this.require(id);
      if (backup.deletedAt !== null) return backup;
      this.ctx.run(this.ctx.q.updateTable('backups').set({ deleted_at: this.ctx.nowIso() }).where('id', '=', id));
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

  /** This project's backups with how often and when each was restored. */
  private select() {
    return this.ctx.q
      .selectFrom('backups as b')
      .selectAll('b')
      .select((eb) => [
        eb
          .cast<number>(
            eb
              .selectFrom('backup_restores as r')
              .select((inner) => inner.fn.countAll().as('n'))
              .whereRef('r.backup_id', '=', 'b.id'),
            'integer',
          )
          .as('restore_count'),
        eb
          .selectFrom('backup_restores as r')
          .select((inner) => inner.fn.max('r.at').as('at'))
          .whereRef('r.backup_id', '=', 'b.id')
          .as('last_restored_at'),
      ])
      .where('b.project', '=', this.ctx.project);
  }
}
