import type { CanisterClient, SnapshotContent, WasmArtifact } from '@soulrecall/canister-client';
import type { Backup, JsonObject, RouteCause } from '@soulrecall/history-store';
import type { AgentConfig, EnvironmentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { journalRecord as field, journalStep, type JournalStepDefinition } from '../promotion/journal-record.js';
import { restoreSnapshot, servingDeployment, snapshotOnce } from './backups.js';
import type { OperationHooks } from './deploy-operation.js';
import { checkAgentHealth } from './health-check.js';
import { switchRoute } from './routing.js';
import type { Session } from './session.js';
import { copyStateInto } from './state-copy.js';
import { shortHash } from '../output/table.js';

/**
 * The cut-over of a stateful switch between two canisters of one agent: stop the live one
 * (writes pause), snapshot it, copy that state into the other, upgrade the other to the module
 * it must run (its post_upgrade migrates the state as a real upgrade would), check it, switch
 * the route. The pause lasts from the stop until the route points at the new canister.
 *
 * Each phase runs through a `PhaseRunner`: a promotion passes its step journal (so a resumed
 * promotion skips finished phases), other callers journal each phase in the audit log. Every
 * phase is safe to run again after a crash.
 */

export type PhaseRunner = <T extends JsonObject>(
  step: JournalStepDefinition<T>,
  run: () => Promise<T>,
  startDetail?: JsonObject,
) => Promise<T>;

/** The phases and what each records (a resumed promotion reads them back). */
export const cutOverSteps = {
  stopBlue: journalStep('stop-blue', { canisterId: field.string, pauseStartedAt: field.string }),
  finalCopy: journalStep('final-copy', {
    finalBackupId: field.string,
    targetSafetyBackupId: field.nullable(field.string),
    bytes: field.number,
  }),
  finalUpgrade: journalStep('final-upgrade', { upgraded: field.boolean, moduleHash: field.string }),
  finalVerify: journalStep('final-verify', { healthy: field.boolean, canisterId: field.string }),
  switch: journalStep('switch', {
    from: field.string,
    to: field.string,
    alreadySwitched: field.nullable(field.boolean),
    liveAt: field.nullable(field.string),
    writePauseMs: field.nullable(field.number),
  }),
};

export const CUTOVER_PHASES = ['stop-blue', 'final-copy', 'final-upgrade', 'final-verify', 'switch'] as const;

export interface CutOverInput {
  agent: AgentConfig;
  environment: EnvironmentConfig;
  /** The live canister now: stopped for the copy, then kept stopped (for rollback). */
  fromCanisterId: string;
  /** The canister that takes over with the state of `fromCanisterId`. */
  toCanisterId: string;
  /** The module `toCanisterId` must end up running. */
  module: WasmArtifact;
  /** Why, for the journal, and how this cut-over finds what an interrupted run of it did. */
  reason: string;
  cause: RouteCause;
  promotionId?: string;
  /**
   * `toCanisterId` holds state that must survive a failed cut-over (a rollback that carries
   * state back into blue): it is snapshotted first and loaded back if anything fails.
   */
  preserveTarget?: boolean;
}

export interface CutOverResult {
  pauseStartedAt: string;
  liveAt: string;
  /** From stopping the live canister until the route pointed at the new one. */
  writePauseMs: number;
  /** The recorded snapshot of the old live canister at the cut-over (its state, kept). */
  finalBackupId: string;
  bytesCopied: number;
  /** What was copied, when it was copied by this process (a resumed run may have skipped it). */
  content?: SnapshotContent;
  alreadySwitched: boolean;
}

/** A cut-over that failed before the switch; `restored` says the old live canister runs again. */
export class CutOverFailure extends Error {
  constructor(
    message: string,
    readonly restored: boolean,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'CutOverFailure';
  }
}

/** Journals each phase in the audit log (for cut-overs outside a promotion, e.g. `config set --routing`). */
export function auditedPhases(
  session: Session,
  context: { agent: string; environment: string; subject: string; principal: string },
): PhaseRunner {
  return async ({ name }, run) => {
    const by = { principal: context.principal };
    session.store.audit.noteIntent({
      action: `cutover.${name}-requested`,
      agent: context.agent,
      environment: context.environment,
      subject: context.subject,
      summary: `cut-over of ${context.agent} in ${context.environment}: ${name}`,
      by,
    });
    const detail = await run();
    session.store.audit.note({
      action: `cutover.${name}`,
      agent: context.agent,
      environment: context.environment,
      subject: context.subject,
      summary: `cut-over of ${context.agent} in ${context.environment}: ${name} done`,
      detail,
      by,
    });
    return detail;
  };
}

/**
 * Upgrades a canister that holds copied state to the module it must run, and leaves it running.
 * Already running that module (a rerun after the upgrade landed): only started.
 */
export async function upgradeCopiedState(
  client: CanisterClient,
  canisterId: string,
  module: WasmArtifact,
): Promise<JsonObject> {
  const current = (await client.status(canisterId)).moduleHash;
  if (current === module.sha256) {
    await client.start(canisterId);
    return { upgraded: false, moduleHash: current };
  }
  const result = await client.install({
    canisterId,
    module,
    mode: 'upgrade',
    stopBeforeUpgrade: true,
    currentModuleHash: current,
  });
  return {
    upgraded: true,
    fromModuleHash: current,
    moduleHash: result.moduleHash,
    wasmMemoryPersistence: result.wasmMemoryPersistence ?? null,
  };
}

export async function cutOver(
  session: Session,
  client: CanisterClient,
  input: CutOverInput,
  phase: PhaseRunner,
  hooks: OperationHooks = {},
): Promise<CutOverResult> {
  const { agent, environment } = input;
  const from = input.fromCanisterId;
  const to = input.toCanisterId;
  const startedAt = new Date().toISOString();
  const stopped = await phase(
    cutOverSteps.stopBlue,
    async () => {
      hooks.progress?.(`Cut-over: stopping ${from}; writes pause until ${to} is live…`);
      await client.stop(from);
      return { canisterId: from, pauseStartedAt: startedAt };
    },
    { canisterId: from, pauseStartedAt: startedAt },
  );
  const pauseStartedAt = stopped.pauseStartedAt;

  let content: SnapshotContent | undefined;
  let targetSafety: Backup | undefined;
  /** Any failure before the switch: the old live canister runs again and the target is as it was. */
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw await recover(error instanceof Error ? error.message : String(error), error);
    }
  };
  const recover = async (why: string, cause?: unknown): Promise<Error> => {
    try {
      if (targetSafety)
        await restoreSnapshot(session, client, targetSafety, `failed cut-over (${input.reason}): ${why}`);
      if (input.preserveTarget) await client.stop(to);
      await client.start(from);
    } catch (recoveryError) {
      // The network cannot be reached to undo: the journal stays open, to resume or abort.
      const message = recoveryError instanceof Error ? recoveryError.message : String(recoveryError);
      return new SoulrecallError(
        `The cut-over of ${agent.name} in ${environment.name} failed (${why}) and ${from} could not be started again (${message}).`,
        {
          code: 'CUTOVER_INTERRUPTED',
          hint: `Writes are paused: start it with \`soulrecall config set --routing ${from}\` as soon as the network answers.`,
          cause,
        },
      );
    }
    return new CutOverFailure(`${why}; ${from} was started again and stays live`, true, cause);
  };

  const copied = await guarded(() =>
    phase(cutOverSteps.finalCopy, async () => {
      const reason = `state at the cut-over (${input.reason})`;
      if (input.preserveTarget) {
        const safetyReason = `before carrying the state of ${from} into it (${input.reason})`;
        targetSafety = await snapshotOnce(session, client, {
          environment: environment.name,
          canisterId: to,
          reason: safetyReason,
        });
      }
      const backup = await snapshotOnce(session, client, {
        environment: environment.name,
        canisterId: from,
        reason,
        ...servingDeployment(session, environment.name, from),
      });
      hooks.progress?.(`Cut-over: copying the state of ${from} (snapshot ${backup.snapshotId}) into ${to}…`);
      const result = await copyStateInto(
        session,
        client,
        {
          agent: agent.name,
          environment: environment.name,
          source: { canisterId: from, snapshotId: backup.snapshotId },
          targetCanisterId: to,
          reason: `cut-over (${input.reason})`,
          targetIsOurs: !input.preserveTarget,
        },
        hooks,
      );
      content = result.content;
      return {
        finalBackupId: backup.id,
        targetSafetyBackupId: targetSafety?.id ?? null,
        bytes: result.bytes,
        downloadMs: result.downloadMs,
        uploadMs: result.uploadMs,
        loadMs: result.loadMs,
        resumedUpload: result.resumedUpload,
      };
    }),
  );
  if (input.preserveTarget && copied.targetSafetyBackupId !== null)
    targetSafety = session.store.backups.get(copied.targetSafetyBackupId) ?? undefined;

  await guarded(() =>
    phase(cutOverSteps.finalUpgrade, async () => {
      hooks.progress?.(`Cut-over: upgrading ${to} to module ${shortHash(input.module.sha256)} over the copied state…`);
      return upgradeCopiedState(client, to, input.module);
    }),
  );
  await guarded(() =>
    phase(cutOverSteps.finalVerify, async () => {
      const health = await checkAgentHealth(client, to, agent, input.module.sha256);
      if (!health.healthy)
        throw new Error(
          `${to} is unhealthy after the cut-over: ${health.problems.join('; ') || 'the health check failed'}`,
        );
      return { healthy: true, canisterId: to };
    }),
  );

  const switched = await phase(cutOverSteps.switch, async () => {
    const liveAt = () => new Date().toISOString();
    if (session.store.routes.get(agent.name, environment.name)?.canisterId === to) {
      const at = liveAt();
      return { from, to, alreadySwitched: true, liveAt: at, writePauseMs: Date.parse(at) - Date.parse(pauseStartedAt) };
    }
    const route = switchRoute(session, {
      agent: agent.name,
      environment: environment.name,
      canisterId: to,
      cause: input.cause,
      reason: input.reason,
      promotionId: input.promotionId,
      expectedCanisterId: from,
      principal: client.principal,
    });
    const at = liveAt();
    return {
      from,
      to,
      alreadySwitched: false,
      changeId: route.changeId,
      canisterIdsFile: route.canisterIdsFile,
      liveAt: at,
      writePauseMs: Date.parse(at) - Date.parse(pauseStartedAt),
    };
  });
  return {
    pauseStartedAt,
    // A switch journaled by the fresh-state blue-green path has no pause: that path never comes here.
    liveAt: switched.liveAt ?? pauseStartedAt,
    writePauseMs: switched.writePauseMs ?? 0,
    finalBackupId: copied.finalBackupId,
    bytesCopied: copied.bytes,
    content,
    alreadySwitched: switched.alreadySwitched === true,
  };
}
