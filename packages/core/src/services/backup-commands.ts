import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { DecodedSnapshotArchive } from '@soulrecall/canister-client';
import type { Backup } from '@soulrecall/history-store';
import { resolveEnvironment } from '../config/environments.js';
import { SoulrecallError } from '../errors.js';
import { backupToReplace, requireBackupOnNetwork, takeRecordedSnapshot } from './backups.js';
import { locateCanister, parseCanisterId } from './canister-lookup.js';
import { holdLease, type OperationHooks } from './deploy-operation.js';
import type { Session } from './session.js';
import { archiveBackup, contentBytes, uploadContent } from './state-copy.js';
import { TransferCheckpoints } from './transfer-checkpoints.js';
import { shortHash } from '../output/table.js';

/**
 * The `backup` commands: snapshots on the network (they die with their canister) and their
 * off-chain copies, snapshot files in the data directory (they do not).
 */

/** Where a backup can be restored from: its snapshot on the network, its file on disk, both, or nowhere. */
export type BackupLocation = 'network' | 'disk' | 'both' | 'gone';

export interface BackupEntry extends Backup {
  location: BackupLocation;
}

export function backupLocation(session: Session, backup: Backup): BackupLocation {
  const onNetwork = backup.deletedAt === null;
  const onDisk = backup.archive !== null && session.store.snapshotFiles.has(backup.archive.sha256);
  return onNetwork && onDisk ? 'both' : onNetwork ? 'network' : onDisk ? 'disk' : 'gone';
}

const entryOf = (session: Session, backup: Backup): BackupEntry => ({
  ...backup,
  location: backupLocation(session, backup),
});

export interface CreateBackupRequest {
  canisterId: string;
  /** `--network <env>` when the canister is recorded in several environments. */
  network?: string;
  reason?: string;
  /** Also download it into a snapshot file (`backup create --download`). */
  download?: boolean;
}

/**
 * Takes a canister snapshot (code, heap, stable memory) and records it with who and when; with `download`, keeps it on
 * disk too.
 */
export async function createBackup(
  session: Session,
  request: CreateBackupRequest,
  hooks: OperationHooks = {},
): Promise<BackupEntry> {
  const located = locateCanister(session, request.canisterId, { network: request.network });
  const record = located.record!;
  const client = await session.client(located.environment);
  return holdLease(
    session,
    client,
    { agent: record.agent, environment: record.environment, operation: 'backup' },
    async () => {
      hooks.progress?.(`Taking a snapshot of ${located.canisterId} in ${record.environment}…`);
      const moduleSha256 = (await client.status(located.canisterId)).moduleHash;
      let backup = await takeRecordedSnapshot(session, client, {
        environment: record.environment,
        canisterId: located.canisterId,
        reason: request.reason ?? 'manual backup',
        moduleSha256,
      });
      if (request.download) backup = await downloadInto(session, backup, hooks);
      return entryOf(session, backup);
    },
  );
}

/** `backup download <backup-id>`: the backup's snapshot into a snapshot file in the data directory. */
export async function downloadBackup(
  session: Session,
  request: { backupId: string },
  hooks: OperationHooks = {},
): Promise<BackupEntry> {
  const backup = requireBackupOnNetwork(session, request.backupId);
  const record = session.store.canisters.get(backup.environment, backup.canisterId);
  const environment = locateCanister(session, backup.canisterId, {
    network: record ? undefined : backup.environment,
  }).environment;
  const client = await session.client(environment);
  return holdLease(
    session,
    client,
    { agent: backup.agent, environment: backup.environment, operation: 'backup-download' },
    async () => entryOf(session, await downloadInto(session, backup, hooks)),
  );
}

async function downloadInto(session: Session, backup: Backup, hooks: OperationHooks): Promise<Backup> {
  const environment = locateCanister(session, backup.canisterId, {
    network: backup.environment,
    allowUnrecorded: true,
  }).environment;
  const client = await session.client(environment);
  hooks.progress?.(`Downloading snapshot ${backup.snapshotId} of ${backup.canisterId}…`);
  const content = await client.downloadSnapshot(backup.canisterId, backup.snapshotId, {
    onProgress: (progress) => {
      if (progress.slicesDone === progress.slicesTotal)
        hooks.progress?.(`Downloaded ${progress.bytesDone} bytes in ${progress.slicesTotal} slices.`);
    },
  });
  return archiveBackup(session, client, backup, content);
}

export interface ListBackupsRequest {
  canisterId?: string;
  network?: string;
}

/** Backups newest first (of one canister when given), each with where it lives. */
export function listBackups(session: Session, request: ListBackupsRequest = {}): BackupEntry[] {
  if (request.canisterId === undefined) {
    return session.store.backups
      .list({ environment: request.network ? environmentNameOf(session, request.network) : undefined })
      .map((backup) => entryOf(session, backup));
  }
  const located = locateCanister(session, request.canisterId, { network: request.network });
  return session.store.backups
    .list({ canisterId: located.canisterId, environment: located.environment.name })
    .map((backup) => entryOf(session, backup));
}

/** The environment a filter names: resolved through soulrecall.yaml, else one the store has seen. */
function environmentNameOf(session: Session, network: string): string {
  if (session.config) return resolveEnvironment(session.config, network).name;
  if (session.store.catalog.environments().some((environment) => environment.name === network)) return network;
  throw new SoulrecallError(`Unknown environment "${network}".`, {
    code: 'ENVIRONMENT_NOT_FOUND',
    hint: 'Run the command in your project folder, or name an environment soulrecall has recorded (`soulrecall list`).',
  });
}

export interface UploadBackupRequest {
  /** A snapshot file (as `backup download` wrote it). */
  file: string;
  canisterId: string;
  /** Environment of the canister; needed when soulrecall has not recorded the canister. */
  network?: string;
  reason?: string;
}

export interface UploadBackupResult {
  /** The new backup: the uploaded snapshot on the canister, restorable with `backup restore`. */
  backup: BackupEntry;
  /** The canister was not recorded before and is now, for the file's agent. */
  adopted: boolean;
  upload: { bytes: number; slices: number; sent: number; skipped: number; resumed: boolean; elapsedMs: number };
}

/** Reads and fully checks a snapshot file; nothing else happens when it is not one. */
async function readSnapshotFile(path: string): Promise<DecodedSnapshotArchive> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SoulrecallError(
      code === 'ENOENT'
        ? `The snapshot file ${path} does not exist.`
        : `The snapshot file ${path} cannot be read (${code ?? 'error'}).`,
      {
        code: code === 'ENOENT' ? 'BACKUP_FILE_NOT_FOUND' : 'BACKUP_FILE_UNREADABLE',
        hint: '`soulrecall backup list --json` shows the snapshot file (`archive.path`) of each downloaded backup.',
      },
    );
  }
  const { decodeSnapshotArchive } = await import('@soulrecall/canister-client');
  return decodeSnapshotArchive(bytes, path);
}

/**
 * `backup upload <file> --canister <id>`: checks the whole file first (a truncated or changed
 * one is refused before anything is sent), then that this identity controls the canister, then
 * uploads it as a new snapshot (resumable) and records it as a backup of that canister.
 */
export async function uploadBackup(
  session: Session,
  request: UploadBackupRequest,
  hooks: OperationHooks = {},
): Promise<UploadBackupResult> {
  const path = resolve(request.file);
  const canisterId = parseCanisterId(request.canisterId);
  const archive = await readSnapshotFile(path);
  const agentOfFile = typeof archive.manifest.agent === 'string' ? archive.manifest.agent : undefined;
  const located =
    request.network !== undefined
      ? locateCanister(session, canisterId, { network: request.network, allowUnrecorded: true })
      : locateCanister(session, canisterId);
  if (!located.record && !agentOfFile) {
    throw new SoulrecallError(
      `${path} does not say which agent it belongs to, and canister ${canisterId} is not recorded.`,
      {
        code: 'BACKUP_AGENT_UNKNOWN',
        hint: 'Deploy the agent to the canister first (`soulrecall deploy <agent> -e <env> --canister <id>`), then upload.',
      },
    );
  }
  const environment = located.environment;
  const agent = located.record?.agent ?? agentOfFile!;
  if (located.record?.decommissionedAt) {
    throw new SoulrecallError(`Canister ${canisterId} was deleted (${located.record.decommissionedAt}).`, {
      code: 'CANISTER_DECOMMISSIONED',
      hint: 'Upload into a canister that exists (`soulrecall list`).',
    });
  }
  const client = await session.client(environment);
  // Controller check before anything is written or sent: not a controller is exit 7, nothing done.
  await client.status(canisterId);
  return holdLease(session, client, { agent, environment: environment.name, operation: 'backup-upload' }, async () => {
    const by = { principal: client.principal };
    const adopted = !located.record;
    if (adopted)
      session.store.canisters.record({
        canisterId,
        networkUrl: environment.networkUrl,
        environment: environment.name,
        agent,
        by,
      });
    const stored = session.store.snapshotFiles.put(readFileSync(path));
    const replaced = await backupToReplace(session, client, environment.name, canisterId);
    session.store.audit.noteIntent({
      action: 'backup.upload-requested',
      agent,
      environment: environment.name,
      subject: canisterId,
      summary: `uploading snapshot file ${shortHash(stored.sha256)} (${basename(path)}) into ${canisterId}${replaced ? `, replacing ${replaced.id}` : ''}`,
      detail: { file: path, sha256: stored.sha256, manifest: archive.manifest },
      by,
    });
    hooks.progress?.(`Uploading ${basename(path)} (${contentBytes(archive.content)} bytes) into ${canisterId}…`);
    const checkpointKey = TransferCheckpoints.key(canisterId, stored.sha256);
    const uploaded = await uploadContent(
      session,
      client,
      { targetCanisterId: canisterId, content: archive.content, checkpointKey },
      hooks,
    );
    if (replaced)
      session.store.backups.markDeleted(replaced.id, `replaced by an uploaded snapshot (${basename(path)})`, by);
    const { createHash } = await import('node:crypto');
    const backup = session.store.backups.record({
      environment: environment.name,
      canisterId,
      snapshotId: uploaded.snapshotId,
      source: 'uploaded',
      moduleSha256: createHash('sha256').update(archive.content.sections.wasm_module).digest('hex'),
      archive: { sha256: stored.sha256, size: stored.size },
      reason:
        request.reason ??
        `uploaded from ${basename(path)}${typeof archive.manifest.backupId === 'string' ? ` (backup ${archive.manifest.backupId} of ${String(archive.manifest.canisterId)})` : ''}`,
      by,
    });
    new TransferCheckpoints(session.dataDir).clear(checkpointKey);
    return {
      backup: entryOf(session, backup),
      adopted,
      upload: {
        bytes: contentBytes(archive.content),
        slices: uploaded.slices,
        sent: uploaded.transferred,
        skipped: uploaded.skipped,
        resumed: uploaded.resumed,
        elapsedMs: uploaded.elapsedMs,
      },
    };
  });
}
