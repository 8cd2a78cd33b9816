import type { CanisterClient } from '@soulrecall/canister-client';
import {
  archiveBackup,
  copyStateInto,
  cutOver,
  type CutOverResult,
  earlierSnapshot,
  type PromotionContext,
  servingDeployment,
  shortHash,
  snapshotOnce,
  upgradeCopiedState,
} from '@soulrecall/core';
import type { Backup } from '@soulrecall/history-store';

/**
 * The state-copy half of a blue-green promotion (`--state copy`, the default): the rehearsal
 * while blue serves, and the cut-over behind a short write pause. Each function is one journal
 * step (or the cut-over's five), safe to run again when a promotion is resumed.
 */

const rehearsalReason = (context: PromotionContext) => `rehearsal of promotion ${context.promotion.id}`;

/** Deletes the rehearsal snapshot on blue: it only ever fed the rehearsal. */
export async function dropRehearsalSnapshot(
  context: PromotionContext,
  client: CanisterClient,
  blue: string,
): Promise<string | null> {
  const snapshot = await earlierSnapshot(context.session, client, context.to.name, blue, rehearsalReason(context));
  if (!snapshot) return null;
  context.session.store.audit.noteIntent({
    action: 'backup.delete-requested',
    agent: context.agent.name,
    environment: context.to.name,
    subject: snapshot.id,
    summary: `deleting the rehearsal snapshot ${snapshot.snapshotId} of ${blue}`,
    by: { principal: client.principal },
  });
  await client.deleteSnapshot(blue, snapshot.snapshotId).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'SNAPSHOT_NOT_FOUND') throw error;
  });
  context.session.store.backups.markDeleted(snapshot.id, `rehearsal of promotion ${context.promotion.id} done`, {
    principal: client.principal,
  });
  return snapshot.id;
}

/**
 * Rehearsal, step 1: a snapshot of blue as it serves (no stop: messages are atomic, and the
 * copy is thrown away at the cut-over anyway) copied into green, which is left stopped.
 */
export async function rehearseCopy(context: PromotionContext, client: CanisterClient, blue: string, green: string) {
  const { session, to, agent } = context;
  const reason = rehearsalReason(context);
  const snapshot = await snapshotOnce(session, client, {
    environment: to.name,
    canisterId: blue,
    reason,
    ...servingDeployment(session, to.name, blue),
  });
  context.progress(`Rehearsal: copying the state of blue ${blue} into green ${green} while blue serves…`);
  const copied = await copyStateInto(
    session,
    client,
    {
      agent: agent.name,
      environment: to.name,
      source: { canisterId: blue, snapshotId: snapshot.snapshotId },
      targetCanisterId: green,
      reason,
      targetIsOurs: true,
    },
    { progress: context.progress },
  );
  await dropRehearsalSnapshot(context, client, blue);
  return {
    snapshotBackupId: snapshot.id,
    bytes: copied.bytes,
    downloadMs: copied.downloadMs,
    uploadMs: copied.uploadMs,
    loadMs: copied.loadMs,
    resumedUpload: copied.resumedUpload,
  };
}

/** Rehearsal, step 2: green (holding blue's state) upgraded to the promoted module, as a real upgrade. */
export async function rehearseUpgrade(context: PromotionContext, client: CanisterClient, green: string) {
  const { wasmArtifactFromBytes } = await import('@soulrecall/canister-client');
  const module = wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`);
  context.progress(`Rehearsal: upgrading green ${green} to ${shortHash(context.module.sha256)} over blue's state…`);
  return upgradeCopiedState(client, green, module);
}

/** The cut-over, each of its phases a step of the promotion's journal. */
export async function cutOverToGreen(
  context: PromotionContext,
  client: CanisterClient,
  blue: string,
  green: string,
): Promise<CutOverResult> {
  const { wasmArtifactFromBytes } = await import('@soulrecall/canister-client');
  return cutOver(
    context.session,
    client,
    {
      agent: context.agent,
      environment: context.to,
      fromCanisterId: blue,
      toCanisterId: green,
      module: wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`),
      reason: `blue-green promotion ${context.promotion.id}`,
      cause: 'promotion',
      promotionId: context.promotion.id,
    },
    (step, run, startDetail) => context.journal.step(step, run, startDetail),
    { progress: context.progress },
  );
}

/**
 * Blue's state at the cut-over, kept on disk beside its snapshot: blue (and with it the
 * snapshot) may be deleted later, the file stays. Uses the copy still in memory when there is one.
 */
export async function archiveFinalState(
  context: PromotionContext,
  client: CanisterClient,
  cut: Pick<CutOverResult, 'finalBackupId' | 'content'>,
): Promise<Backup> {
  const backup = context.session.store.backups.require(cut.finalBackupId);
  if (backup.archive && context.session.store.snapshotFiles.has(backup.archive.sha256)) return backup;
  const content = cut.content ?? (await client.downloadSnapshot(backup.canisterId, backup.snapshotId));
  return archiveBackup(context.session, client, backup, content);
}
