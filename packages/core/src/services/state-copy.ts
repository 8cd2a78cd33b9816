import type { CanisterClient, SnapshotContent, TransferProgress, UploadResult } from '@soulrecall/canister-client';
import type { Actor, Backup, JsonObject } from '@soulrecall/history-store';
import { hasErrorCode } from '../errors.js';
import type { OperationHooks } from './deploy-operation.js';
import type { Session } from './session.js';
import { TransferCheckpoints } from './transfer-checkpoints.js';

/**
 * Moving an agent's state between canisters: snapshot download → upload → load, the way a
 * blue-green promotion carries blue's memories into green. Every remote step is journaled
 * (audit) before and after; an interrupted upload resumes from its checkpoint.
 */

export interface UploadContentInput {
  targetCanisterId: string;
  content: SnapshotContent;
  /** Identifies this upload across reruns (see TransferCheckpoints.key). */
  checkpointKey: string;
  /**
   * The target is a canister soulrecall manages: unrecorded snapshots an interrupted attempt left there are deleted
   * first.
   */
  targetIsOurs?: boolean;
  concurrency?: number;
}

export interface CopyStateInput {
  agent: string;
  environment: string;
  source: { canisterId: string; snapshotId: string };
  targetCanisterId: string;
  /** Why, for the journal (e.g. "rehearsal of promotion prm-…"). */
  reason: string;
  targetIsOurs?: boolean;
  concurrency?: number;
}

export interface CopyStateResult {
  bytes: number;
  slices: number;
  downloadMs: number;
  uploadMs: number;
  loadMs: number;
  resumedUpload: boolean;
  /** What was copied, still in memory (e.g. to write it to disk afterwards). */
  content: SnapshotContent;
}

export const contentBytes = (content: SnapshotContent): number =>
  content.sections.wasm_module.length +
  content.sections.wasm_memory.length +
  content.sections.stable_memory.length +
  content.chunks.reduce((sum, chunk) => sum + chunk.bytes.length, 0);

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function progressReporter(hooks: OperationHooks, what: string): (progress: TransferProgress) => void {
  let lastTenth = -1;
  return (progress) => {
    const tenth = progress.bytesTotal === 0 ? 10 : Math.floor((progress.bytesDone / progress.bytesTotal) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    hooks.progress?.(
      `${what}: ${mib(progress.bytesDone)} of ${mib(progress.bytesTotal)} (${progress.slicesDone}/${progress.slicesTotal} slices)`,
    );
  };
}

/**
 * Uploads snapshot content into a canister as a new snapshot, resuming an earlier interrupted
 * upload of the same content when its checkpoint and snapshot are still there.
 */
export async function uploadContent(
  session: Session,
  client: CanisterClient,
  input: UploadContentInput,
  hooks: OperationHooks = {},
): Promise<UploadResult> {
  const checkpoints = new TransferCheckpoints(session.dataDir);
  const resume = checkpoints.load(input.checkpointKey);
  if (input.targetIsOurs) {
    // An unrecorded snapshot on a canister we manage is what an interrupted attempt left (an
    // upload whose checkpoint was never written): it only takes up room. Backups stay.
    const recorded = new Set(
      session.store.backups
        .list({ canisterId: input.targetCanisterId, limit: 1000 })
        .map((backup) => backup.snapshotId),
    );
    for (const snapshot of await client.listSnapshots(input.targetCanisterId)) {
      if (snapshot.id !== resume?.snapshotId && !recorded.has(snapshot.id))
        await client.deleteSnapshot(input.targetCanisterId, snapshot.id);
    }
  }
  const result = await client.uploadSnapshot(input.targetCanisterId, input.content, {
    resume,
    concurrency: input.concurrency,
    onCheckpoint: (checkpoint) => checkpoints.save(input.checkpointKey, checkpoint),
    onProgress: progressReporter(hooks, `Uploading into ${input.targetCanisterId}`),
  });
  return result;
}

/**
 * Copies a snapshot of one canister into another: download, stop the target, upload, load,
 * then remove the uploaded snapshot (it was only the vehicle). The target is left stopped,
 * holding the source's code and state; an upgrade usually follows.
 */
export async function copyStateInto(
  session: Session,
  client: CanisterClient,
  input: CopyStateInput,
  hooks: OperationHooks = {},
): Promise<CopyStateResult> {
  const by = { principal: client.principal };
  const { source, targetCanisterId } = input;
  session.store.audit.noteIntent({
    action: 'state.copy-requested',
    agent: input.agent,
    environment: input.environment,
    subject: targetCanisterId,
    summary: `copying snapshot ${source.snapshotId} of ${source.canisterId} into ${targetCanisterId} (${input.reason})`,
    detail: { source: source.canisterId, snapshotId: source.snapshotId, target: targetCanisterId },
    by,
  });
  const downloaded = await client.downloadSnapshot(source.canisterId, source.snapshotId, {
    concurrency: input.concurrency,
    onProgress: progressReporter(hooks, `Downloading the state of ${source.canisterId}`),
  });
  await client.stop(targetCanisterId);
  const checkpointKey = TransferCheckpoints.key(targetCanisterId, `${source.canisterId}-${source.snapshotId}`);
  const uploaded = await uploadContent(
    session,
    client,
    {
      targetCanisterId,
      content: downloaded,
      checkpointKey,
      targetIsOurs: input.targetIsOurs,
      concurrency: input.concurrency,
    },
    hooks,
  );
  const loadStarted = Date.now();
  await client.loadSnapshot(targetCanisterId, uploaded.snapshotId);
  const loadMs = Date.now() - loadStarted;
  await client.deleteSnapshot(targetCanisterId, uploaded.snapshotId).catch((error: unknown) => {
    // Already gone (a rerun after the delete landed) is fine; anything else is worth knowing.
    if (!hasErrorCode(error, 'SNAPSHOT_NOT_FOUND')) throw error;
  });
  new TransferCheckpoints(session.dataDir).clear(checkpointKey);
  const bytes = contentBytes(downloaded);
  const result = {
    bytes,
    slices: uploaded.slices,
    downloadMs: downloaded.stats.elapsedMs,
    uploadMs: uploaded.elapsedMs,
    loadMs,
    resumedUpload: uploaded.resumed,
  };
  session.store.audit.note({
    action: 'state.copy',
    agent: input.agent,
    environment: input.environment,
    subject: targetCanisterId,
    summary: `copied the state of ${source.canisterId} (snapshot ${source.snapshotId}, ${mib(bytes)}) into ${targetCanisterId} (${input.reason})`,
    detail: {
      source: source.canisterId,
      snapshotId: source.snapshotId,
      target: targetCanisterId,
      ...result,
    } as JsonObject,
    by,
  });
  return { ...result, content: downloaded };
}

/** What a snapshot file says about itself besides the snapshot: which backup, canister, module, who, when. */
export function snapshotManifest(backup: Backup, by: Actor): JsonObject {
  return {
    backupId: backup.id,
    agent: backup.agent,
    environment: backup.environment,
    canisterId: backup.canisterId,
    snapshotId: backup.snapshotId,
    moduleSha256: backup.moduleSha256,
    reason: backup.reason,
    takenAt: backup.createdAt,
    takenBy: { principal: backup.by.principal, osUser: backup.by.osUser, host: backup.by.host },
    downloadedAt: new Date().toISOString(),
    downloadedBy: { principal: by.principal, osUser: by.osUser, host: by.host },
  };
}

/**
 * Writes snapshot content to the data directory as the backup's snapshot file (content-
 * addressed, fsynced before it is recorded) and records it: the backup now lives on disk too.
 */
export async function archiveBackup(
  session: Session,
  client: CanisterClient,
  backup: Backup,
  content: SnapshotContent,
): Promise<Backup> {
  const { encodeSnapshotArchive } = await import('@soulrecall/canister-client');
  const actor = { ...session.store.defaultActor, principal: client.principal };
  const { bytes } = encodeSnapshotArchive(content, snapshotManifest(backup, actor));
  const file = session.store.snapshotFiles.put(bytes);
  return session.store.backups.attachArchive(
    backup.id,
    { sha256: file.sha256, size: file.size },
    { principal: client.principal },
  );
}
