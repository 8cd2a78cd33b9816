import {
  findAgent,
  resolveEnvironment,
  SoulrecallError,
  type AgentConfig,
  type EnvironmentConfig,
  type Session,
} from '@soulrecall/core';
import type { CanisterOverview } from '@soulrecall/history-store';

export type Colour = 'blue' | 'green';

/** The blue and green canisters of one agent in one environment, and which of them is live. */
export interface ColourPair {
  agent: AgentConfig;
  environment: EnvironmentConfig;
  /** The canister the route points at (any role), or null before the first deployment. */
  live: CanisterOverview | null;
  blue: CanisterOverview | null;
  green: CanisterOverview | null;
}

/** Agent and environment as the user named them, checked against soulrecall.yaml. */
export function resolveTarget(
  session: Session,
  agentName: string,
  environmentName: string,
): { agent: AgentConfig; environment: EnvironmentConfig } {
  if (!session.config) {
    throw new SoulrecallError('This command needs a soulrecall.yaml.', {
      code: 'CONFIG_NOT_FOUND',
      hint: 'Run it in your project folder or pass --config.',
    });
  }
  return {
    agent: findAgent(session.config, agentName),
    environment: resolveEnvironment(session.config, environmentName),
  };
}

/**
 * Reads the pair from the store. The live canister is one colour: `green` when a blue-green
 * promotion (or switch) made it live, otherwise `blue` (a `primary` canister is treated as blue).
 * The other colour is the canister the route came from (for a live green), else the newest
 * canister of that role that still exists.
 */
export function readPair(session: Session, agentName: string, environmentName: string): ColourPair {
  const { agent, environment } = resolveTarget(session, agentName, environmentName);
  const { store } = session;
  const canisters = store.canisters.list({ agent: agent.name, environment: environment.name });
  const live = canisters.find((canister) => canister.live) ?? null;
  const newest = (role: Colour) =>
    canisters
      .filter((canister) => !canister.live && canister.role === role)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null;
  if (live?.role === 'green') {
    const cameFrom = store.routes.lastChangeTo(agent.name, environment.name, live.canisterId)?.fromCanisterId;
    const previous = canisters.find(
      (canister) => canister.canisterId === cameFrom && !canister.live && canister.role !== 'green',
    );
    return { agent, environment, live, green: live, blue: previous ?? newest('blue') };
  }
  return { agent, environment, live, blue: live, green: newest('green') };
}

/** The pair with both colours present, or the error that says there is no second colour. */
export function requireBothColours(
  pair: ColourPair,
  command: string,
): ColourPair & { blue: CanisterOverview; green: CanisterOverview } {
  if (pair.blue && pair.green) return pair as ColourPair & { blue: CanisterOverview; green: CanisterOverview };
  throw noGreen(pair, command);
}

export function noGreen(pair: ColourPair, command: string): SoulrecallError {
  const where = `${pair.agent.name} in ${pair.environment.name}`;
  const only = pair.live ? ` (only ${pair.live.canisterId} exists)` : '';
  return new SoulrecallError(
    `${where} has no green canister beside the live one${only}, so there is nothing to ${command}.`,
    {
      code: 'NO_GREEN',
      hint: `Build one with \`soulrecall promote ${pair.agent.name} --to ${pair.environment.name} --blue-green --state fresh\`; \`soulrecall bluegreen status ${pair.agent.name} -e ${pair.environment.name}\` shows the canisters.`,
    },
  );
}

/** The colour of a canister of the pair. */
export function colourOf(pair: ColourPair, canisterId: string): Colour | null {
  if (pair.blue?.canisterId === canisterId) return 'blue';
  if (pair.green?.canisterId === canisterId) return 'green';
  return null;
}
