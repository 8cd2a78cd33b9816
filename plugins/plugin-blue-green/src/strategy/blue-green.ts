import { wasmArtifactFromBytes, type CanisterClient } from '@soulrecall/canister-client';
import {
  checkAgentHealth,
  shortHash,
  deleteAndDecommission,
  ensureCanister,
  healthToJson,
  PromotionFailure,
  runDeployment,
  switchRoute,
  type AbortOutcome,
  type PlannedStep,
  type PromotionContext,
  type PromotionStrategy,
  type StrategyOutcome,
} from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';
import { settingsForGreen, settingsToJson } from '../services/retire.js';
import { nextCommands } from './next-commands.js';
import { parseBlueGreenOptions, requireFreshState, type BlueGreenOptions } from './options.js';
import { describeVerifyFailure, runVerifyCommand } from './verify-command.js';

/**
 * `blue-green`: never touches the live ("blue") canister. Builds a "green" canister beside it
 * with the same controllers and settings, installs the promoted module, proves it healthy (and
 * runs --verify-cmd), then switches the route; blue is kept for instant rollback. An
 * environment without a live canister simply gets its first canister deployed.
 */
export class BlueGreenStrategy implements PromotionStrategy {
  readonly name = 'blue-green';

  describe(): string {
    return 'build a new (green) canister beside the live (blue) one, verify it, then switch the route; blue is kept for rollback';
  }

  async plan(context: PromotionContext): Promise<PlannedStep[]> {
    const options = parseBlueGreenOptions(context.options);
    const blue = context.targetCanisterId;
    const module = `${shortHash(context.module.sha256)} (${context.module.size} bytes)`;
    if (!blue) {
      return [
        { name: 'create', description: `${context.to.name} has no live canister yet, so there is no blue: create the first canister of ${context.agent.name} there` },
        { name: 'deploy', description: `install module ${module}, check its health and make it live (a normal first deployment)` },
      ];
    }
    // Refused here, before the promotion is recorded, so the refusal writes nothing.
    requireFreshState(options, context);
    const health = context.agent.health ? `query ${context.agent.health.method} healthy` : 'no health method configured';
    return [
      { name: 'create-green', description: `create green beside blue ${blue} in ${context.to.name}, with blue's controllers and settings`, detail: { blueCanisterId: blue } },
      { name: 'install-green', description: `install module ${module} into green, starting with empty memories (--state fresh)`, detail: { moduleSha256: context.module.sha256, state: 'fresh' } },
      { name: 'verify-green', description: `green running with module ${shortHash(context.module.sha256)}, ${health}${options.verifyCmd ? `, and \`${options.verifyCmd}\` exits 0` : ''}` },
      { name: 'switch', description: options.noSwitch ? 'skipped (--no-switch): blue stays live; the next commands are printed' : `route ${context.agent.name} in ${context.to.name} from blue ${blue} to green (canister_ids.json too)` },
      { name: 'retire-blue', description: options.noSwitch ? 'skipped (--no-switch)' : options.decommission ? `delete blue ${blue} (--decommission)` : options.stopBlue ? `stop blue ${blue}, kept for rollback (--stop-blue)` : `keep blue ${blue} running for instant rollback` },
    ];
  }

  async run(context: PromotionContext): Promise<StrategyOutcome> {
    const options = parseBlueGreenOptions(context.options);
    const blue = context.targetCanisterId;
    if (!blue) return this.firstDeployment(context);
    requireFreshState(options, context);
    const { session, journal, agent, to } = context;
    const store = session.store;
    const client = await session.client(to);
    const by = { principal: client.principal };
    const routeBefore = store.routes.get(agent.name, to.name)?.canisterId ?? null;

    const created = await journal.step('create-green', async () => {
      const blueStatus = await client.status(blue);
      // From now on the live canister is blue (a first canister was recorded as `primary`).
      store.canisters.record({ canisterId: blue, networkUrl: to.networkUrl, environment: to.name, agent: agent.name, role: 'blue', by });
      const settings = settingsForGreen(blueStatus.settings);
      context.progress(`Creating green beside blue ${blue} in ${to.name}…`);
      // The journal says `create-green: running` before this call. The canister is recorded
      // (role green) in the same tick its id arrives, before any other await, so a crash can
      // never leave a green canister soulrecall does not know about.
      const green = await client.createCanister({ settings });
      store.canisters.record({ canisterId: green, networkUrl: to.networkUrl, environment: to.name, agent: agent.name, role: 'green', by });
      return { greenCanisterId: green, blueCanisterId: blue, blueModuleHash: blueStatus.moduleHash, settings: settingsToJson(settings) };
    }, { blueCanisterId: blue });
    const green = String(created.greenCanisterId);

    const installed = await journal.step('install-green', async () => {
      // A resumed promotion may find green half-installed: reinstalling keeps it fresh.
      const mode = (await client.status(green)).moduleHash === null ? 'install' : 'reinstall';
      const deployment = store.deployments.begin({ agent: agent.name, environment: to.name, canisterId: green, moduleSha256: context.module.sha256, installMode: mode, promotionId: context.promotion.id, by });
      context.progress(`Installing module ${shortHash(context.module.sha256)} into green ${green} (fresh state)…`);
      try {
        const module = wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`);
        const result = await client.install({ canisterId: green, module, mode });
        return { deploymentId: deployment.id, version: deployment.version, moduleHash: result.moduleHash, chunked: result.chunked, state: 'fresh' };
      } catch (error) {
        store.deployments.finish(deployment.id, { status: 'failed', error: error instanceof Error ? error.message : String(error) }, by);
        throw error;
      }
    });
    const deploymentId = Number(installed.deploymentId);

    const verified = await journal.step('verify-green', async (): Promise<JsonObject> => {
      const health = await checkAgentHealth(client, green, agent, context.module.sha256);
      if (!health.healthy) return this.discardGreen(context, client, { green, blue, deploymentId, options, reason: `green ${green} is unhealthy: ${health.problems.join('; ') || 'the health check failed'}` });
      let verifyCmd: JsonObject | null = null;
      if (options.verifyCmd) {
        context.progress(`Running --verify-cmd against green ${green}…`);
        const outcome = await runVerifyCommand({ command: options.verifyCmd, greenCanisterId: green, blueCanisterId: blue, networkUrl: to.networkUrl, cwd: context.config.root });
        verifyCmd = { command: options.verifyCmd, exitCode: outcome.exitCode, passed: outcome.passed, outputTail: outcome.outputTail };
        if (!outcome.passed) return this.discardGreen(context, client, { green, blue, deploymentId, options, reason: describeVerifyFailure(options.verifyCmd, outcome) });
      }
      store.deployments.finish(deploymentId, { status: 'succeeded' }, by);
      return { healthy: true, health: healthToJson(health) as JsonObject, verifyCmd };
    });

    const base = { greenCanisterId: green, blueCanisterId: blue, state: 'fresh', verified: verified.healthy === true };
    if (options.noSwitch) {
      journal.skip('switch', { reason: '--no-switch' });
      journal.skip('retire-blue', { reason: '--no-switch' });
      const commands = nextCommands(green, blue);
      return { targetCanisterId: green, targetDeploymentId: deploymentId, routeBefore, routeAfter: routeBefore, detail: { ...base, switched: false, blue: 'live', nextCommands: commands } };
    }

    await journal.step('switch', async (): Promise<JsonObject> => {
      // A resumed promotion whose switch landed before the crash finds the route already on green.
      if (store.routes.get(agent.name, to.name)?.canisterId === green) return { from: blue, to: green, alreadySwitched: true };
      const switched = switchRoute(session, { agent: agent.name, environment: to.name, canisterId: green, cause: 'promotion', reason: `blue-green promotion ${context.promotion.id}`, promotionId: context.promotion.id, expectedCanisterId: blue, principal: client.principal });
      return { from: blue, to: green, changeId: switched.changeId, canisterIdsFile: switched.canisterIdsFile };
    });

    const retired = await journal.step('retire-blue', async (): Promise<JsonObject> => {
      if (options.decommission) {
        context.progress(`Deleting blue ${blue} (--decommission)…`);
        const deleted = await deleteAndDecommission(session, client, { environment: to.name, canisterId: blue, reason: `--decommission after blue-green promotion ${context.promotion.id}` });
        return { canisterId: blue, action: 'deleted', deletedOnNetwork: deleted.deletedOnNetwork };
      }
      if (options.stopBlue) {
        await client.stop(blue);
        return { canisterId: blue, action: 'stopped' };
      }
      return { canisterId: blue, action: 'kept-running' };
    });
    return {
      targetCanisterId: green,
      targetDeploymentId: deploymentId,
      routeBefore,
      routeAfter: store.routes.get(agent.name, to.name)?.canisterId ?? null,
      detail: { ...base, switched: true, blue: String(retired.action) },
    };
  }

  /** Verification failed: green is deleted (kept with --keep-failed); blue and the route are untouched. */
  private async discardGreen(context: PromotionContext, client: CanisterClient, input: { green: string; blue: string; deploymentId: number; options: BlueGreenOptions; reason: string }): Promise<never> {
    const { session, to } = context;
    session.store.deployments.finish(input.deploymentId, { status: 'failed', error: `verification failed: ${input.reason}` }, { principal: client.principal });
    let fate = `green ${input.green} was kept for inspection (--keep-failed)`;
    if (!input.options.keepFailed) {
      context.progress(`Verification failed; deleting green ${input.green}…`);
      await deleteAndDecommission(session, client, { environment: to.name, canisterId: input.green, reason: `failed verification in promotion ${context.promotion.id}` });
      fate = `green ${input.green} was deleted`;
    }
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
    context.progress(`${to.name} has no live canister of ${agent.name}, so there is no blue to keep: deploying the first canister normally.`);
    const created = await journal.step('create', async () => {
      const { canister } = await ensureCanister(session, client, { agent: agent.name, environment: to }, { progress: context.progress });
      return { canisterId: canister.canisterId };
    });
    const canister = session.store.canisters.get(to.name, String(created.canisterId))!;
    const deployed = await journal.step('deploy', async () => {
      const module = wasmArtifactFromBytes(context.module.bytes, `module ${context.module.sha256}`);
      const result = await runDeployment(session, client, { agent, environment: to, canister, created: true, module, mode: 'auto', promotionId: context.promotion.id }, { progress: context.progress });
      return { deploymentId: result.deploymentId, version: result.version, live: result.live };
    });
    return {
      targetCanisterId: canister.canisterId,
      targetDeploymentId: Number(deployed.deploymentId),
      routeBefore: null,
      routeAfter: session.store.routes.get(agent.name, to.name)?.canisterId ?? null,
      detail: { firstDeployment: true, note: `${to.name} had no live canister: deployed the first one normally (no blue to keep).` },
    };
  }

  /** Deletes a green this promotion created, unless it is live; blue and the route are left as they are. */
  async abort(context: PromotionContext): Promise<AbortOutcome> {
    const { session, journal, agent, to } = context;
    const store = session.store;
    const undone: string[] = [];
    const install = journal.completed('install-green') ?? journal.completed('deploy');
    if (typeof install?.deploymentId === 'number') {
      const deployment = store.deployments.get(install.deploymentId);
      if (deployment && (deployment.status === 'pending' || deployment.status === 'succeeded') && store.routes.get(agent.name, to.name)?.canisterId !== deployment.canisterId) {
        store.deployments.markRolledBack(deployment.id, `promotion ${context.promotion.id} aborted`);
      }
    }
    const green = this.createdCanister(context);
    if (!green) return { undone };
    const record = store.canisters.get(to.name, green);
    if (!record || record.decommissionedAt !== null) return { undone };
    if (store.routes.get(agent.name, to.name)?.canisterId === green) {
      return { undone, detail: { keptLive: green, note: `${green} is live, so it was not deleted; \`soulrecall rollback ${green}\` routes back.` } };
    }
    const client = await session.client(to);
    await deleteAndDecommission(session, client, { environment: to.name, canisterId: green, reason: `created by aborted promotion ${context.promotion.id}` });
    journal.undone(journal.current('create-green') ? 'create-green' : 'create', { deleted: true });
    undone.push(`deleted canister ${green} it had created`);
    return { undone, detail: { deletedCanisterId: green } };
  }

  /**
   * The canister this promotion created: from the journal, or, when the process died between
   * the create call and the end of the step, the green recorded since the promotion began.
   */
  private createdCanister(context: PromotionContext): string | null {
    const { journal, session, agent, to, promotion } = context;
    const fromJournal = journal.completed('create-green')?.greenCanisterId ?? journal.completed('create')?.canisterId;
    if (typeof fromJournal === 'string') return fromJournal;
    if (journal.current('create-green')?.status !== 'running') return null;
    const since = promotion.startedAt ?? promotion.createdAt;
    const recorded = session.store.canisters.list({ agent: agent.name, environment: to.name, role: 'green' }).filter((canister) => !canister.live && canister.createdAt >= since);
    return recorded.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]?.canisterId ?? null;
  }
}
