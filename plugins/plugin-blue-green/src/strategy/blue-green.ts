import { wasmArtifactFromBytes, type CanisterClient } from '@soulrecall/canister-client';
import {
  adoptPlannedCanister,
  assertUpgradeKeepsPersistence,
  checkAgentHealth,
  clearRoute,
  cutOverInto,
  CutOverFailure,
  SoulrecallError,
  switchBackDiscarding,
  shortHash,
  deleteAndDecommission,
  createCanisterStep,
  healthToJson,
  PromotionFailure,
  runDeployment,
  switchRoute,
  type AbortOutcome,
  journalRecord as field,
  journalStep,
  type CutOverResult,
  type PlanContext,
  type PlannedStep,
  type PromotionContext,
  type PromotionStrategy,
  type StrategyOutcome,
} from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';
import { settingsForGreen, settingsToJson } from '../services/retire.js';
import { nextCommands } from './next-commands.js';
import { parseBlueGreenOptions, type BlueGreenOptions } from './options.js';
import {
  archiveFinalState,
  cutOverToGreen,
  dropRehearsalSnapshot,
  rehearseCopy,
  rehearseUpgrade,
} from './state-copy.js';
import { describeVerifyFailure, runVerifyCommand } from './verify-command.js';

/** What each blue-green step records (the cut-over's own steps are core's `cutOverSteps`). */
const steps = {
  createGreen: journalStep('create-green', {
    greenCanisterId: field.string,
    blueCanisterId: field.string,
    blueModuleHash: field.nullable(field.string),
    settings: field.object,
  }),
  rehearseCopy: journalStep('rehearse-copy', { snapshotBackupId: field.string, bytes: field.number }),
  rehearseUpgrade: journalStep('rehearse-upgrade', {
    deploymentId: field.number,
    version: field.number,
    state: field.oneOf('copy'),
  }),
  installGreen: journalStep('install-green', {
    deploymentId: field.number,
    version: field.number,
    moduleHash: field.string,
    chunked: field.boolean,
    state: field.oneOf('fresh'),
  }),
  verifyGreen: journalStep('verify-green', {
    healthy: field.boolean,
    health: field.object,
    verifyCmd: field.nullable(field.object),
  }),
  retireBlue: journalStep('retire-blue', {
    canisterId: field.string,
    action: field.oneOf('deleted', 'kept-stopped', 'stopped', 'kept-running'),
  }),
  create: journalStep('create', { canisterId: field.string }),
  /** `--state fresh`: the route moved to green, no cut-over (copied state has core's `cutOverSteps.switch`). */
  switchFresh: journalStep('switch', { from: field.string, to: field.string }),
  deploy: journalStep('deploy', { deploymentId: field.number, version: field.number, live: field.boolean }),
};

/**
 * `blue-green`: builds a "green" canister beside the live ("blue") one with the same controllers
 * and settings. With `--state copy` (the default) green gets blue's memories: a rehearsal while
 * blue serves (blue's state copied into green, green upgraded to the promoted module, verified),
 * then the cut-over behind a short, measured write pause (blue stopped, its final state copied
 * and upgraded again, checked, route switched); blue stays stopped, kept for rollback. With
 * `--state fresh` green starts empty and blue is never touched. An environment without a live
 * canister simply gets its first canister deployed.
 */
export class BlueGreenStrategy implements PromotionStrategy {
  readonly name = 'blue-green';

  describe(): string {
    return 'build a new (green) canister beside the live (blue) one, verify it, then switch the route; blue is kept for rollback';
  }

  async plan(context: PlanContext): Promise<PlannedStep[]> {
    const options = parseBlueGreenOptions(context.options);
    const blue = context.targetCanisterId;
    const module = `${shortHash(context.module.sha256)} (${context.module.size} bytes)`;
    if (!blue) {
      return [
        {
          name: 'create',
          description: `${context.to.name} has no live canister yet, so there is no blue: create the first canister of ${context.agent.name} there`,
        },
        {
          name: 'deploy',
          description: `install module ${module}, check its health and make it live (a normal first deployment)`,
        },
      ];
    }
    const health = context.agent.health
      ? `query ${context.agent.health.method} healthy`
      : 'no health method configured';
    const verify = {
      name: 'verify-green',
      description: `green running with module ${shortHash(context.module.sha256)}, ${health}${options.verifyCmd ? `, and \`${options.verifyCmd}\` exits 0` : ''}`,
    };
    const create = {
      name: 'create-green',
      description: `create green beside blue ${blue} in ${context.to.name}, with blue's controllers and settings`,
      detail: { blueCanisterId: blue },
    };
    if (options.state === 'fresh') {
      return [
        create,
        {
          name: 'install-green',
          description: `install module ${module} into green, starting with empty memories (--state fresh)`,
          detail: { moduleSha256: context.module.sha256, state: 'fresh' },
        },
        verify,
        {
          name: 'switch',
          description: options.noSwitch
            ? 'skipped (--no-switch): blue stays live; the next commands are printed'
            : `route ${context.agent.name} in ${context.to.name} from blue ${blue} to green (canister_ids.json too)`,
        },
        {
          name: 'retire-blue',
          description: options.noSwitch
            ? 'skipped (--no-switch)'
            : options.decommission
              ? `delete blue ${blue} (--decommission)`
              : options.stopBlue
                ? `stop blue ${blue}, kept for rollback (--stop-blue)`
                : `keep blue ${blue} running for instant rollback`,
        },
      ];
    }
    // Green gets blue's state and is then upgraded over it: refused here, before anything is
    // recorded, when the network would refuse that upgrade.
    await assertUpgradeKeepsPersistence(context.session, {
      canisterId: blue,
      environment: context.to.name,
      module: context.module,
    });
    const cutOver = (description: string) =>
      options.noSwitch
        ? 'skipped (--no-switch): `soulrecall config set --routing <green>` does the cut-over later'
        : description;
    return [
      create,
      {
        name: 'rehearse-copy',
        description: `while blue serves: snapshot blue ${blue}, copy its state (memories) into green`,
        detail: { state: 'copy' },
      },
      {
        name: 'rehearse-upgrade',
        description: `upgrade green to module ${module} over blue's state, as a real upgrade (its post_upgrade migrates the state)`,
      },
      verify,
      { name: 'stop-blue', description: cutOver(`cut-over: stop blue ${blue}; writes pause from here`) },
      {
        name: 'final-copy',
        description: cutOver("snapshot blue's final state (kept as a backup) and copy it into green"),
      },
      {
        name: 'final-upgrade',
        description: cutOver(`upgrade green to module ${shortHash(context.module.sha256)} over the final state`),
      },
      {
        name: 'final-verify',
        description: cutOver(`green running with module ${shortHash(context.module.sha256)}, ${health}`),
      },
      {
        name: 'switch',
        description: cutOver(
          `route ${context.agent.name} in ${context.to.name} to green; writes resume (the pause is measured and recorded)`,
        ),
      },
      {
        name: 'retire-blue',
        description: cutOver(
          options.decommission
            ? `keep blue's final state on disk, then delete blue ${blue} (--decommission)`
            : `keep blue ${blue} stopped with its final state (on the network and on disk) for rollback`,
        ),
      },
    ];
  }

  async run(context: PromotionContext): Promise<StrategyOutcome> {
    const options = parseBlueGreenOptions(context.options);
    const blue = context.targetCanisterId;
    if (!blue) return this.firstDeployment(context);
    const { session, journal, agent, to } = context;
    const store = session.store;
    const client = await session.client(to);
    const by = { principal: client.principal };
    const routeBefore = store.routes.get(agent.name, to.name)?.canisterId ?? null;

    // Journaled in the step's start, before the create call: a rerun finds the same green.
    const plan = (await journal.plannedCreation(steps.createGreen.name)) ?? client.planCreation();
    const created = await journal.step(
      steps.createGreen,
      async () => {
        const blueStatus = await client.status(blue);
        // From now on the live canister is blue (a first canister was recorded as `primary`).
        store.canisters.record({
          canisterId: blue,
          networkUrl: to.networkUrl,
          environment: to.name,
          agent: agent.name,
          role: 'blue',
          by,
        });
        const settings = settingsForGreen(blueStatus.settings);
        context.progress(`Creating green beside blue ${blue} in ${to.name}…`);
        // The journal says `create-green: running` before this call. The canister is recorded
        // (role green) in the same tick its id arrives, before any other await, so a crash can
        // never leave a green canister soulrecall does not know about.
        store.canisters.noteCreationRequested({
          environment: to.name,
          agent: agent.name,
          networkUrl: to.networkUrl,
          operationId: context.promotion.id,
          plan: { ...plan },
          by,
        });
        const green = await client.createPlanned(plan, { settings });
        store.canisters.record({
          canisterId: green,
          networkUrl: to.networkUrl,
          environment: to.name,
          agent: agent.name,
          role: 'green',
          by,
        });
        return {
          greenCanisterId: green,
          blueCanisterId: blue,
          blueModuleHash: blueStatus.moduleHash,
          settings: settingsToJson(settings),
        };
      },
      { blueCanisterId: blue, plan: { ...plan } },
    );
    const green = created.greenCanisterId;
    const pair = { green, blue };

    const installed =
      options.state === 'copy'
        ? await this.rehearse(context, client, pair, options)
        : await this.installFresh(context, client, green);
    const deploymentId = installed.deploymentId;

    const verified = await journal.step(steps.verifyGreen, async () => {
      const health = await checkAgentHealth(client, green, agent, context.module.sha256);
      if (!health.healthy)
        return this.discardGreen(context, client, {
          ...pair,
          deploymentId,
          options,
          reason: `green ${green} is unhealthy: ${health.problems.join('; ') || 'the health check failed'}`,
        });
      let verifyCmd: JsonObject | null = null;
      if (options.verifyCmd) {
        context.progress(`Running --verify-cmd against green ${green}…`);
        const outcome = await runVerifyCommand({
          command: options.verifyCmd,
          greenCanisterId: green,
          blueCanisterId: blue,
          networkUrl: to.networkUrl,
          cwd: context.config.root,
        });
        verifyCmd = {
          command: options.verifyCmd,
          exitCode: outcome.exitCode,
          passed: outcome.passed,
          outputTail: outcome.outputTail,
        };
        if (!outcome.passed)
          return this.discardGreen(context, client, {
            ...pair,
            deploymentId,
            options,
            reason: describeVerifyFailure(options.verifyCmd, outcome),
          });
      }
      store.deployments.finish(deploymentId, { status: 'succeeded' }, by);
      return { healthy: true, health: healthToJson(health) as JsonObject, verifyCmd };
    });

    const base = { greenCanisterId: green, blueCanisterId: blue, state: options.state, verified: verified.healthy };
    if (options.noSwitch) {
      for (const step of ['stop-blue', 'final-copy', 'final-upgrade', 'final-verify', 'switch', 'retire-blue'])
        journal.skip(step, { reason: '--no-switch' });
      // An id recorded in several environments needs --network to mean one canister.
      const ambiguous = (canisterId: string) =>
        store.canisters.find(canisterId).filter((record) => record.decommissionedAt === null).length > 1
          ? to.name
          : undefined;
      const commands = nextCommands(green, blue, { network: ambiguous });
      const cutOver: JsonObject =
        options.state === 'copy'
          ? {
              cutOver: 'pending',
              note: `\`soulrecall config set --routing ${green}\` stops blue, copies its latest state into green and switches (the cut-over).`,
            }
          : {};
      return {
        targetCanisterId: green,
        targetDeploymentId: deploymentId,
        routeBefore,
        routeAfter: routeBefore,
        detail: { ...base, switched: false, blue: 'live', nextCommands: commands, ...cutOver },
      };
    }

    const cut =
      options.state === 'copy'
        ? await this.cutOver(context, client, pair, deploymentId, options)
        : await this.switchFresh(context, client, pair);
    const retired = await journal.step(steps.retireBlue, async () => {
      let kept: JsonObject = {};
      if (cut) {
        // Blue's state at the cut-over also goes to disk: blue, and its snapshot with it, may be deleted later.
        const archived = await archiveFinalState(context, client, cut);
        kept = { finalBackupId: archived.id, archiveSha256: archived.archive?.sha256 ?? null };
      }
      if (options.decommission) {
        context.progress(`Deleting blue ${blue} (--decommission)…`);
        const deleted = await deleteAndDecommission(session, client, {
          environment: to.name,
          canisterId: blue,
          reason: `--decommission after blue-green promotion ${context.promotion.id}`,
        });
        return { canisterId: blue, action: 'deleted', deletedOnNetwork: deleted.deletedOnNetwork, ...kept };
      }
      // With copied state, blue stays stopped: a client still calling it must not write where nobody reads.
      if (cut) return { canisterId: blue, action: 'kept-stopped', ...kept };
      if (options.stopBlue) {
        await client.stop(blue);
        return { canisterId: blue, action: 'stopped' };
      }
      return { canisterId: blue, action: 'kept-running' };
    });
    const pause: JsonObject = cut
      ? { writePauseMs: cut.writePauseMs, finalBackupId: cut.finalBackupId, bytesCopied: cut.bytesCopied }
      : {};
    return {
      targetCanisterId: green,
      targetDeploymentId: deploymentId,
      routeBefore,
      routeAfter: store.routes.get(agent.name, to.name)?.canisterId ?? null,
      detail: { ...base, switched: true, blue: retired.action, ...pause },
    };
  }

  /** `--state fresh`: the promoted module installed into an empty green. */
  private async installFresh(
    context: PromotionContext,
    client: CanisterClient,
    green: string,
  ): Promise<{ deploymentId: number }> {
    const { session, agent, to } = context;
    const by = { principal: client.principal };
    return context.journal.step(steps.installGreen, async () => {
      // A resumed promotion may find green half-installed: reinstalling keeps it fresh.
      const mode = (await client.status(green)).moduleHash === null ? 'install' : 'reinstall';
      const deployment = session.store.deployments.begin({
        agent: agent.name,
        environment: to.name,
        canisterId: green,
        moduleSha256: context.module.sha256,
        installMode: mode,
        promotionId: context.promotion.id,
        by,
      });
      context.progress(`Installing module ${shortHash(context.module.sha256)} into green ${green} (fresh state)…`);
      try {
        const module = wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`);
        const result = await client.install({ canisterId: green, module, mode });
        return {
          deploymentId: deployment.id,
          version: deployment.version,
          moduleHash: result.moduleHash,
          chunked: result.chunked,
          state: 'fresh',
        };
      } catch (error) {
        session.store.deployments.finish(
          deployment.id,
          { status: 'failed', error: error instanceof Error ? error.message : String(error) },
          by,
        );
        throw error;
      }
    });
  }

  /**
   * `--state copy`, while blue serves: blue's state into green, then green upgraded to the
   * promoted module over it. A migration that traps is caught here, blue untouched.
   */
  private async rehearse(
    context: PromotionContext,
    client: CanisterClient,
    pair: { green: string; blue: string },
    options: BlueGreenOptions,
  ): Promise<{ deploymentId: number }> {
    const { session, journal, agent, to } = context;
    const by = { principal: client.principal };
    await journal.step(steps.rehearseCopy, () => rehearseCopy(context, client, pair.blue, pair.green));
    return journal.step(steps.rehearseUpgrade, async () => {
      // A rerun after a crash finds the deployment this step began.
      const deployment =
        session.store.deployments
          .list({ agent: agent.name, environment: to.name, canisterId: pair.green, status: 'pending', limit: 10 })
          .find((pending) => pending.promotionId === context.promotion.id) ??
        session.store.deployments.begin({
          agent: agent.name,
          environment: to.name,
          canisterId: pair.green,
          moduleSha256: context.module.sha256,
          installMode: 'upgrade',
          promotionId: context.promotion.id,
          by,
        });
      try {
        const upgraded = await rehearseUpgrade(context, client, pair.green);
        return { deploymentId: deployment.id, version: deployment.version, state: 'copy', ...upgraded };
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return this.discardGreen(context, client, {
          ...pair,
          deploymentId: deployment.id,
          options,
          reason: `upgrading green to module ${shortHash(context.module.sha256)} over blue's state failed in the rehearsal (${why})`,
        });
      }
    });
  }

  /** `--state copy`: the cut-over; a failure before the switch puts blue back in service. */
  private async cutOver(
    context: PromotionContext,
    client: CanisterClient,
    pair: { green: string; blue: string },
    deploymentId: number,
    options: BlueGreenOptions,
  ): Promise<CutOverResult> {
    const { session, promotion } = context;
    try {
      const cut = await cutOverToGreen(context, client, pair.blue, pair.green);
      session.store.promotions.update(promotion.id, { writePauseMs: Math.max(0, Math.round(cut.writePauseMs)) });
      context.progress(`Cut-over done: writes were paused for ${cut.writePauseMs} ms.`);
      return cut;
    } catch (error) {
      if (!(error instanceof CutOverFailure)) throw error;
      session.store.deployments.markRolledBack(deploymentId, `cut-over failed: ${error.message}`, {
        principal: client.principal,
      });
      let fate = `green ${pair.green} was kept for inspection (--keep-failed)`;
      if (!options.keepFailed) {
        await deleteAndDecommission(session, client, {
          environment: context.to.name,
          canisterId: pair.green,
          reason: `failed cut-over in promotion ${promotion.id}`,
        });
        fate = `green ${pair.green} was deleted`;
      }
      throw new PromotionFailure(
        `the cut-over failed: ${error.message}. ${fate}; blue ${pair.blue} holds every write and serves again`,
        true,
        `Fix the module and promote again; \`soulrecall promote show ${promotion.id}\` shows each step.`,
      );
    }
  }

  /** `--state fresh`: route to green; blue keeps running untouched. */
  private async switchFresh(
    context: PromotionContext,
    client: CanisterClient,
    pair: { green: string; blue: string },
  ): Promise<null> {
    const { session, journal, agent, to } = context;
    await journal.step(steps.switchFresh, async () => {
      // A resumed promotion whose switch landed before the crash finds the route already on green.
      if (session.store.routes.get(agent.name, to.name)?.canisterId === pair.green)
        return { from: pair.blue, to: pair.green, alreadySwitched: true };
      const switched = switchRoute(session, {
        agent: agent.name,
        environment: to.name,
        canisterId: pair.green,
        cause: 'promotion',
        reason: `blue-green promotion ${context.promotion.id}`,
        promotionId: context.promotion.id,
        expectedCanisterId: pair.blue,
        principal: client.principal,
      });
      return {
        from: pair.blue,
        to: pair.green,
        changeId: switched.changeId,
        canisterIdsFile: switched.canisterIdsFile,
      };
    });
    return null;
  }

  /**
   * Verification failed: green is deleted (kept with --keep-failed); blue and the route are
   * untouched. Green goes first and the deployment is recorded failed after: if the network is
   * gone meanwhile, the promotion stops with the deployment still pending, and a resume runs
   * the verification again instead of finding a deployment already failed.
   */
  private async discardGreen(
    context: PromotionContext,
    client: CanisterClient,
    input: { green: string; blue: string; deploymentId: number; options: BlueGreenOptions; reason: string },
  ): Promise<never> {
    const { session, to } = context;
    let fate = `green ${input.green} was kept for inspection (--keep-failed)`;
    if (!input.options.keepFailed) {
      context.progress(`Verification failed; deleting green ${input.green}…`);
      await deleteAndDecommission(session, client, {
        environment: to.name,
        canisterId: input.green,
        reason: `failed verification in promotion ${context.promotion.id}`,
      });
      fate = `green ${input.green} was deleted`;
    }
    session.store.deployments.finish(
      input.deploymentId,
      { status: 'failed', error: input.reason },
      { principal: client.principal },
    );
    throw new PromotionFailure(
      `${input.reason}. ${fate}; blue ${input.blue} is still live and untouched`,
      false,
      input.options.keepFailed
        ? `Inspect it (\`soulrecall logs ${input.green}\`), then remove it with \`soulrecall bluegreen abort ${context.agent.name} -e ${to.name}\`.`
        : `Fix the module and promote again; \`soulrecall promote show ${context.promotion.id}\` shows each step.`,
    );
  }

  /** No live canister in the target: nothing is blue yet, so deploy the first canister normally. */
  private async firstDeployment(context: PromotionContext): Promise<StrategyOutcome> {
    const { session, journal, agent, to } = context;
    const client = await session.client(to);
    context.progress(
      `${to.name} has no live canister of ${agent.name}, so there is no blue to keep: deploying the first canister normally.`,
    );
    const createdId = await createCanisterStep(context, client, steps.create);
    const canister = session.store.canisters.get(to.name, createdId)!;
    const deployed = await journal.step(steps.deploy, async () => {
      const module = wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`);
      const result = await runDeployment(
        session,
        client,
        { agent, environment: to, canister, created: true, module, mode: 'auto', promotionId: context.promotion.id },
        { progress: context.progress },
      );
      return { deploymentId: result.deploymentId, version: result.version, live: result.live };
    });
    return {
      targetCanisterId: canister.canisterId,
      targetDeploymentId: deployed.deploymentId,
      routeBefore: null,
      routeAfter: session.store.routes.get(agent.name, to.name)?.canisterId ?? null,
      detail: {
        firstDeployment: true,
        note: `${to.name} had no live canister: deployed the first one normally (no blue to keep).`,
      },
    };
  }

  /**
   * Undoes what the journal says was done: a blue stopped for the cut-over is started again (it
   * still holds every write), a green this promotion created is deleted (also one a crash left
   * between its create call and its record: the journaled plan finds it), a leftover rehearsal
   * snapshot removed. A green that is already live stays live: the cut-over had finished.
   */
  async abort(context: PromotionContext): Promise<AbortOutcome> {
    const { session, journal, agent, to, promotion } = context;
    const store = session.store;
    const undone: string[] = [];
    const began = ['create-green', 'create', 'rehearse-copy', 'stop-blue'].some((name) => {
      const status = journal.current(name)?.status;
      return status !== undefined && status !== 'pending' && status !== 'skipped';
    });
    if (!began) return { undone };
    const client = await session.client(to);
    const green = await this.createdCanister(context, client);
    const liveNow = store.routes.get(agent.name, to.name)?.canisterId ?? null;
    // A first deployment (no blue) is undone whole; a green made live by a cut-over stays.
    const firstDeployment = journal.current('create') !== undefined;
    const blue = journal.completed(steps.createGreen)?.blueCanisterId ?? context.targetCanisterId;
    if (green && blue && liveNow === green && !firstDeployment) return this.routeBack(context, client, { green, blue });
    for (const deployment of store.deployments.list({ agent: agent.name, environment: to.name, limit: 50 })) {
      if (
        deployment.promotionId === promotion.id &&
        (deployment.status === 'pending' || deployment.status === 'succeeded') &&
        deployment.canisterId !== liveNow
      ) {
        store.deployments.markRolledBack(deployment.id, `promotion ${promotion.id} aborted`);
      }
    }
    const stopStep = journal.current('stop-blue');
    if (
      blue &&
      stopStep &&
      (stopStep.status === 'running' || stopStep.status === 'succeeded' || stopStep.status === 'failed')
    ) {
      // Blue was stopped for the cut-over (or may have been): it holds every write, so it serves again.
      await client.start(blue);
      journal.undone('stop-blue', { started: blue });
      undone.push(`started blue ${blue} again`);
    }
    if (blue) {
      const dropped = await dropRehearsalSnapshot(context, client, blue);
      if (dropped) undone.push(`deleted the rehearsal snapshot ${dropped}`);
    }
    if (!green) return { undone };
    const record = store.canisters.get(to.name, green);
    if (!record || record.decommissionedAt !== null) return { undone };
    if (liveNow === green)
      clearRoute(session, {
        agent: agent.name,
        environment: to.name,
        canisterId: green,
        reason: `abort of promotion ${promotion.id}`,
        promotionId: promotion.id,
        principal: client.principal,
      });
    await deleteAndDecommission(session, client, {
      environment: to.name,
      canisterId: green,
      reason: `created by aborted promotion ${promotion.id}`,
    });
    journal.undone(journal.current('create-green') ? 'create-green' : 'create', { deleted: true });
    undone.push(`deleted canister ${green} it had created`);
    return { undone, detail: { deletedCanisterId: green } };
  }

  /**
   * Abort after the switch: the route goes back to blue without losing what green learned
   * meanwhile. With copied state green's memories are carried back into blue (blue's module must
   * read them; if it cannot, nothing changes and the error says to resume instead) and green is
   * deleted; with fresh state blue kept its own memories, so green is only stopped and kept.
   */
  private async routeBack(
    context: PromotionContext,
    client: CanisterClient,
    pair: { green: string; blue: string },
  ): Promise<AbortOutcome> {
    const { session, agent, to, promotion } = context;
    const options = parseBlueGreenOptions(context.options);
    const input = {
      agent,
      environment: to,
      from: pair.green,
      to: pair.blue,
      reason: `abort of promotion ${promotion.id}`,
      cause: 'rollback' as const,
      promotionId: promotion.id,
    };
    if (options.state === 'fresh') {
      await switchBackDiscarding(session, client, input, { progress: context.progress });
      context.journal.undone('switch', { routedBackTo: pair.blue });
      return {
        undone: [
          `routed ${agent.name} back to blue ${pair.blue}`,
          `stopped green ${pair.green} (kept with what it learned; \`soulrecall bluegreen abort ${agent.name} -e ${to.name}\` deletes it)`,
        ],
        detail: { routedBackTo: pair.blue, keptStopped: pair.green },
      };
    }
    context.progress(`The switch had happened: carrying green ${pair.green}'s memories back into blue ${pair.blue}…`);
    try {
      await cutOverInto(session, client, { ...input, preserveTarget: true }, { progress: context.progress });
    } catch (error) {
      if ((error as { code?: string }).code !== 'CUTOVER_FAILED') throw error;
      throw new SoulrecallError(`Promotion ${promotion.id} cannot be undone: ${(error as Error).message}`, {
        code: 'ABORT_IMPOSSIBLE',
        hint: `Green ${pair.green} stays live with every memory; \`soulrecall promote resume ${promotion.id}\` finishes the promotion instead.`,
      });
    }
    context.journal.undone('switch', { routedBackTo: pair.blue, carriedState: true });
    await deleteAndDecommission(session, client, {
      environment: to.name,
      canisterId: pair.green,
      reason: `abort of promotion ${promotion.id} (its memories were carried back into ${pair.blue})`,
    });
    context.journal.undone('create-green', { deleted: true });
    return {
      undone: [
        `carried green ${pair.green}'s memories back into blue ${pair.blue} and routed back to it`,
        `deleted green ${pair.green}`,
      ],
      detail: { routedBackTo: pair.blue, deletedCanisterId: pair.green },
    };
  }

  /**
   * The canister this promotion created: from the journal, or, when the process died between
   * the create call and the end of the step, the one its journaled creation plan names (recorded
   * now if it was not yet), or none if the create call never reached the network.
   */
  private async createdCanister(context: PromotionContext, client: CanisterClient): Promise<string | null> {
    const { journal, session, agent, to } = context;
    const fromJournal =
      journal.completed(steps.createGreen)?.greenCanisterId ?? journal.completed(steps.create)?.canisterId;
    if (fromJournal !== undefined) return fromJournal;
    for (const [step, role] of [
      ['create-green', 'green'],
      ['create', 'primary'],
    ] as const) {
      const plan = await journal.plannedCreation(step);
      if (plan) return adoptPlannedCanister(session, client, { agent: agent.name, environment: to, plan, role });
    }
    return null;
  }
}
