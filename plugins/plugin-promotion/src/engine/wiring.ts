import type { Config } from '@oclif/core';
import { pauseAfterStep, SoulrecallError, type Session, type StepEvent } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';
import { PromotionEngine } from './engine.js';
import { collectStrategies } from './strategies.js';

/**
 * The engine wired to the real world: strategies from every installed plugin's
 * `promote:strategies` hook, verified network connections, oclif hook events.
 */
export async function createPromotionEngine(
  config: Config,
  session: Session,
  io: { progress(message: string): void; onStep(event: StepEvent): void; onPlan?(stepNames: string[]): void },
): Promise<PromotionEngine> {
  const answered = await config.runHook('promote:strategies', {});
  return new PromotionEngine({
    session,
    strategies: collectStrategies(answered.successes),
    probeModuleHash: async (environment, canisterId) => (await session.client(environment)).moduleHash(canisterId),
    preflight: async (environment, targetCanisterId): Promise<JsonObject> => {
      const started = Date.now();
      const client = await session.client(environment); // fetches the root key: the network answers
      const facts: JsonObject = {
        networkUrl: environment.networkUrl,
        principal: client.principal,
        reachableMs: Date.now() - started,
      };
      if (targetCanisterId) {
        const controllers = await client.controllers(targetCanisterId);
        if (!controllers.includes(client.principal)) {
          throw new SoulrecallError(
            `The identity ${client.principal} does not control canister ${targetCanisterId} in ${environment.name}.`,
            {
              code: 'NOT_A_CONTROLLER',
              hint: `Controllers are ${controllers.join(', ') || 'none'}; set \`identity:\` of ${environment.name} in soulrecall.yaml to one of them.`,
            },
          );
        }
        facts.controllers = controllers;
      }
      return facts;
    },
    progress: io.progress,
    onStep: io.onStep,
    onPlan: io.onPlan,
    afterStep: pauseAfterStep(process.env.SOULRECALL_PAUSE_AFTER_STEP),
    emit: async (event, payload) => {
      // Notification plugins must not be able to break a promotion, even through this.error()
      // (captureErrors): a failure is reported as one warning line and the promotion goes on.
      const { failures } = await config.runHook(event, { ...payload, project: session.config! }, undefined, true);
      for (const { plugin, error } of failures) {
        process.stderr.write(
          `Warning: the ${event} hook of ${plugin.name} failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    },
  });
}
