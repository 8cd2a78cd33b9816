import type { CanisterClient, SnapshotInfo } from '@soulrecall/canister-client';
import type { Backup, BackupRestore } from '@soulrecall/history-store';
import type { EnvironmentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { agentConfigOf, environmentOfRecord } from './canister-lookup.js';
import { checkAgentHealth, healthToJson, type AgentHealth } from './health-check.js';
import { holdLease, type OperationHooks } from './deploy-operation.js';
import type { Session } from './session.js';

/**
 * Loads a snapshot back into a canister: stop, load, start. The canister is started again even
 * when the load fails, so a failed restore does not leave the agent down. Records the restore.
 */
export async function restoreSnapshot(
  session: Session,
  client: CanisterClient,
  backup: Backup,
  reason: string,
): Promise<BackupRestore> {
  session.store.audit.noteIntent({
    action: 'backup.restore-requested',
    agent: backup.agent,
    environment: backup.environment,
    subject: backup.id,
    summary: `asking the network to load snapshot ${backup.snapshotId} into ${backup.canisterId} (${reason})`,
    by: { principal: client.principal },
  });
  await client.stop(backup.canisterId);
  try {
    await client.loadSnapshot(backup.canisterId, backup.snapshotId);
  } finally {
    await client.start(backup.canisterId);
  }
  return session.store.backups.recordRestore(backup.id, { reason, by: { principal: client.principal } });
}

/** Snapshots a canister may hold at once (the IC's limit). */
export const MAX_SNAPSHOTS_PER_CANISTER = 10;

export interface SnapshotInput {
  environment: string;
  canisterId: string;
  reason: string;
  /** The deployment whose state the snapshot holds; snapshots with one are soulrecall's own. */
  deploymentId?: number;
  /** Taken just before that deployment changed the canister. */
  beforeDeployment?: boolean;
  /** The module the canister runs (sha256 hex), when the caller knows it. */
  moduleSha256?: string | null;
  /** The canister's snapshots, when the caller has already asked the network for them. */
  listed?: Promise<SnapshotInfo[]>;
}

/**
 * Makes room for one more snapshot on a canister: at the IC's limit, the oldest snapshot
 * soulrecall took by itself (before a deployment or a restore) is named for replacement; a
 * manual backup is never replaced, and when only manual ones are left soulrecall refuses
 * rather than lose one. Returns the backup to replace, if any.
 */
export async function backupToReplace(
  session: Session,
  client: CanisterClient,
  environment: string,
  canisterId: string,
  listed: Promise<SnapshotInfo[]> = client.listSnapshots(canisterId),
): Promise<Backup | undefined> {
  const existing = await listed;
  if (existing.length < MAX_SNAPSHOTS_PER_CANISTER) return undefined;
  const recorded = session.store.backups.list({ canisterId, environment, limit: 1000 });
  const automatic = new Map(
    recorded
      .filter((backup) => backup.deploymentId !== null && backup.deletedAt === null)
      .map((backup) => [backup.snapshotId, backup]),
  );
  const oldest = [...existing]
    .sort((a, b) => (a.takenAtNanos < b.takenAtNanos ? -1 : 1))
    .find((snapshot) => automatic.has(snapshot.id));
  if (!oldest) {
    throw new SoulrecallError(
      `Canister ${canisterId} holds ${existing.length} snapshots, the most the network allows, and none of them was taken automatically by soulrecall.`,
      {
        code: 'SNAPSHOT_LIMIT',
        hint: `soulrecall never replaces a manual backup; restore or delete one of them first (\`soulrecall backup list ${canisterId}\`).`,
      },
    );
  }
  return automatic.get(oldest.id);
}

/**
 * The snapshot an interrupted step of an operation already took (found by its reason), if it
 * still exists on the network; recorded ones that are gone are marked so. Lets a rerun reuse
 * a snapshot of a canister that has not changed since (stopped, or only needing a recent state).
 */
export async function earlierSnapshot(
  session: Session,
  client: CanisterClient,
  environment: string,
  canisterId: string,
  reason: string,
): Promise<Backup | undefined> {
  const recorded = session.store.backups
    .list({ environment, canisterId, limit: 50 })
    .filter((backup) => backup.reason === reason && backup.deletedAt === null);
  if (recorded.length === 0) return undefined;
  const onNetwork = new Set((await client.listSnapshots(canisterId)).map((snapshot) => snapshot.id));
  for (const backup of recorded) {
    if (onNetwork.has(backup.snapshotId)) return backup;
    session.store.backups.markDeleted(backup.id, 'no longer on the network (an interrupted step deleted it)', {
      principal: client.principal,
    });
  }
  return undefined;
}

/**
 * The snapshot one step takes, taken once: the one an interrupted earlier run of the step took (same
 * reason, still on the network), or else a new one. A resumed step so never snapshots twice.
 */
export async function snapshotOnce(session: Session, client: CanisterClient, input: SnapshotInput): Promise<Backup> {
  return (
    (await earlierSnapshot(session, client, input.environment, input.canisterId, input.reason)) ??
    (await takeRecordedSnapshot(session, client, input))
  );
}

/** The deployment a canister serves now, as a snapshot of it records it (nothing when none succeeded). */
export function servingDeployment(
  session: Session,
  environment: string,
  canisterId: string,
): Pick<SnapshotInput, 'deploymentId' | 'moduleSha256'> {
  const live = session.store.deployments.latest({ environment, canisterId, status: 'succeeded' });
  return { deploymentId: live?.id, moduleSha256: live?.moduleSha256 };
}

/** Takes a snapshot and records it, making room at the IC's limit (see backupToReplace). */
export async function takeRecordedSnapshot(
  session: Session,
  client: CanisterClient,
  input: SnapshotInput,
): Promise<Backup> {
  const by = { principal: client.principal };
  const replaced = await backupToReplace(session, client, input.environment, input.canisterId, input.listed);
  session.store.audit.noteIntent({
    action: 'backup.snapshot-requested',
    environment: input.environment,
    subject: input.canisterId,
    summary: `asking the network for a snapshot of ${input.canisterId} (${input.reason})${replaced ? `, replacing ${replaced.id}` : ''}`,
    by,
  });
  const snapshot = await client.takeSnapshot(input.canisterId, replaced?.snapshotId);
  if (replaced) session.store.backups.markDeleted(replaced.id, `replaced by a new snapshot (${input.reason})`, by);
  return session.store.backups.record({
    environment: input.environment,
    canisterId: input.canisterId,
    snapshotId: snapshot.id,
    deploymentId: input.deploymentId,
    beforeDeployment: input.beforeDeployment,
    moduleSha256: input.moduleSha256 ?? undefined,
    reason: input.reason,
    by,
  });
}

/**
 * Before loading an old snapshot over a canister, keeps what it holds now: a restore is then
 * itself reversible (`backup restore <safety backup>`), and nothing remembered since is lost.
 * An empty canister (say, a new one an off-chain backup was uploaded into) has nothing to keep.
 */
export async function safetySnapshotBeforeRestore(
  session: Session,
  client: CanisterClient,
  backup: Backup,
): Promise<Backup | null> {
  const status = await client.status(backup.canisterId);
  if (status.moduleHash === null) return null;
  const current = session.store.deployments.latest({
    environment: backup.environment,
    canisterId: backup.canisterId,
    status: 'succeeded',
  });
  return takeRecordedSnapshot(session, client, {
    environment: backup.environment,
    canisterId: backup.canisterId,
    reason: `safety snapshot before restoring ${backup.id}`,
    deploymentId: current?.id,
    moduleSha256: status.moduleHash,
  });
}

export interface RestoreBackupResult {
  backup: Backup;
  restore: BackupRestore;
  /** What the canister held just before the restore, kept so the restore can be undone (null: it was empty). */
  safetyBackupId: string | null;
  health: Record<string, unknown>;
}

/** Finds a recorded backup, or says clearly that there is none. */
export function requireBackup(session: Session, backupId: string): Backup {
  const backup = session.store.backups.get(backupId);
  if (!backup) {
    throw new SoulrecallError(`Backup ${backupId} does not exist.`, {
      code: 'BACKUP_NOT_FOUND',
      hint: '`soulrecall backup list` shows the recorded backups.',
    });
  }
  return backup;
}

/** A recorded backup whose snapshot is still on the network (restore, download). */
export function requireBackupOnNetwork(session: Session, backupId: string): Backup {
  const backup = requireBackup(session, backupId);
  if (backup.deletedAt !== null) {
    const onDisk = backup.archive && session.store.snapshotFiles.has(backup.archive.sha256);
    throw new SoulrecallError(
      `Backup ${backupId}'s snapshot is no longer on the network (gone since ${backup.deletedAt}).`,
      {
        code: 'BACKUP_DELETED',
        hint: onDisk
          ? `It lives on disk: upload it into a canister with \`soulrecall backup upload ${backup.archive!.path} --canister <canister-id>\`, then restore the backup that prints.`
          : 'Pick another one from `soulrecall backup list`.',
      },
    );
  }
  return backup;
}

/**
 * Restores a backup onto its canister (its current code and state are replaced): asks first,
 * then stop, load, start and a health check. The restore is recorded even when the canister
 * is unhealthy afterwards; then the error says so (exit code 8).
 */
export async function restoreBackup(
  session: Session,
  request: { backupId: string },
  hooks: OperationHooks,
): Promise<RestoreBackupResult> {
  const backup = requireBackupOnNetwork(session, request.backupId);
  const record = session.store.canisters.get(backup.environment, backup.canisterId);
  const environment: EnvironmentConfig = record
    ? environmentOfRecord(session, record)
    : environmentByName(session, backup.environment);
  const agent = agentConfigOf(session, backup.agent);
  await hooks.confirm?.(
    `Restore backup ${backup.id} onto canister ${backup.canisterId} (${backup.agent} in ${backup.environment})? Its current code and memory are replaced`,
  );
  const client = await session.client(environment);
  const whenLost = { canisterId: backup.canisterId, rerun: 'restore the backup again' };
  return holdLease(
    session,
    client,
    { agent: backup.agent, environment: backup.environment, operation: 'backup-restore' },
    async (client) => {
      const safety = await safetySnapshotBeforeRestore(session, client, backup);
      hooks.progress?.(
        `Restoring ${backup.id} onto ${backup.canisterId}${safety ? ` (current state kept as ${safety.id})` : ''}: stop, load snapshot, start…`,
      );
      const restore = await restoreSnapshot(session, client, backup, `backup restore ${backup.id}`);
      const health = await checkAgentHealth(client, backup.canisterId, agent);
      const result = {
        backup: session.store.backups.require(backup.id),
        restore,
        safetyBackupId: safety?.id ?? null,
        health: healthToJson(health),
      };
      if (!health.healthy) throw unhealthyAfter(`restoring ${backup.id}`, backup.canisterId, health, result);
      return result;
    },
    whenLost,
  );
}

function environmentByName(session: Session, name: string): EnvironmentConfig {
  const environment = session.config?.environments.find((candidate) => candidate.name === name);
  if (!environment)
    throw new SoulrecallError(`Environment ${name} is not in soulrecall.yaml.`, {
      code: 'ENVIRONMENT_NOT_FOUND',
      hint: 'Run the command in the project that recorded it.',
    });
  return environment;
}

export function unhealthyAfter(
  what: string,
  canisterId: string,
  health: AgentHealth,
  details: object,
): SoulrecallError {
  return new SoulrecallError(
    `Canister ${canisterId} is unhealthy after ${what}: ${health.problems.join('; ') || 'the health check failed'}.`,
    {
      code: 'UNHEALTHY',
      hint: `Look at \`soulrecall logs ${canisterId}\`, then restore another backup or roll back.`,
      details: details as Record<string, unknown>,
    },
  );
}

/** The store's backup record, re-exported so commands need only @soulrecall/core. */
export type { Backup as BackupRecord } from '@soulrecall/history-store';
