import type { CanisterClient } from '@soulrecall/canister-client';
import { ensureCanister } from '../services/deploy.js';
import type { JournalStepDefinition } from './journal-record.js';
import type { PromotionContext } from './strategy.js';

/**
 * A strategy's step that creates the target canister. Its creation plan (chosen id, or the
 * ledger's deduplication) is journaled in the step's start, before the create call, so a rerun
 * after a crash finds the canister the first attempt made instead of making another.
 */
export async function createCanisterStep(
  context: PromotionContext,
  client: CanisterClient,
  step: JournalStepDefinition<{ canisterId: string }>,
): Promise<string> {
  const { session, journal, agent, to } = context;
  const plan = (await journal.plannedCreation(step.name)) ?? client.planCreation();
  const created = await journal.step(
    step,
    async () => {
      const { canister } = await ensureCanister(
        session,
        client,
        { agent: agent.name, environment: to, plan },
        { progress: context.progress },
      );
      return { canisterId: canister.canisterId };
    },
    { plan: { ...plan } },
  );
  return created.canisterId;
}
