import type { CanisterClient } from '@soulrecall/canister-client';
import {
  checkAgentHealth,
  confirmOrRefuse,
  deleteAndDecommission,
  holdLease,
  setRouting,
  SoulrecallError,
  statefulPair,
  switchRoute,
  type AgentHealth,
  type Session,
} from '@soulrecall/core';
import type { CanisterOverview } from '@soulrecall/history-store';
import { colourOf, noGreen, readPair, requireBothColours, type Colour, type ColourPair } from './pair.js';

export interface HealthSummary {
  healthy: boolean;
  status: string;
  moduleHash: string | null;
  problems: string[];
}

export interface ColourStatus {
  colour: Colour;
  canisterId: string;
  role: string;
  live: boolean;
  /** Latest succeeded deployment on the canister (version and module), as recorded. */
  version: number | null;
  moduleSha256: string | null;
  health: HealthSummary;
}

/** `bluegreen status` (and its --json output). */
export interface BlueGreenStatus {
  agent: string;
  environment: string;
  live: string | null;
  liveColour: Colour | null;
  blue: ColourStatus | null;
  green: ColourStatus | null;
}

export interface SwitchResult {
  agent: string;
  environment: string;
  fromCanisterId: string | null;
  toCanisterId: string;
  toColour: Colour;
  health: HealthSummary;
  canisterIdsFile: string | null;
  /** Colours with copied state: the write pause of the cut-over into green, or what going back to blue discarded. */
  writePauseMs: number | null;
  discarded: string | null;
}

export interface FinishResult {
  agent: string;
  environment: string;
  live: string;
  liveColour: Colour;
  deletedCanisterId: string;
  deletedColour: Colour;
  deletedOnNetwork: boolean;
  health: HealthSummary;
}

export interface AbortGreenResult {
  agent: string;
  environment: string;
  deletedCanisterId: string;
  deletedOnNetwork: boolean;
  live: string | null;
}

export interface ChangeOptions {
  /** Confirms destructive changes in a protected environment. */
  yes?: boolean;
  progress?: (message: string) => void;
}

/** Both colours, which is live, their recorded versions and module hashes, and their health now. */
export async function blueGreenStatus(
  session: Session,
  agentName: string,
  environmentName: string,
): Promise<BlueGreenStatus> {
  const pair = readPair(session, agentName, environmentName);
  const present = [pair.blue, pair.green].filter((canister): canister is CanisterOverview => canister !== null);
  const client = present.length > 0 ? await session.client(pair.environment) : null;
  const describe = async (canister: CanisterOverview | null, colour: Colour): Promise<ColourStatus | null> => {
    if (!canister || !client) return null;
    const health = await checkAgentHealth(client, canister.canisterId, pair.agent, canister.moduleSha256);
    return {
      colour,
      canisterId: canister.canisterId,
      role: canister.role,
      live: canister.live,
      version: canister.deployedVersion,
      moduleSha256: canister.moduleSha256,
      health: summarize(health),
    };
  };
  return {
    agent: pair.agent.name,
    environment: pair.environment.name,
    live: pair.live?.canisterId ?? null,
    liveColour: pair.live ? colourOf(pair, pair.live.canisterId) : null,
    blue: await describe(pair.blue, 'blue'),
    green: await describe(pair.green, 'green'),
  };
}

/** Routes to the colour that is not live, once it has proved healthy. */
export async function switchColour(
  session: Session,
  agentName: string,
  environmentName: string,
  options: ChangeOptions = {},
): Promise<SwitchResult> {
  const pair = requireBothColours(readPair(session, agentName, environmentName), 'switch to');
  const target = pair.live?.canisterId === pair.blue.canisterId ? pair.green : pair.blue;
  const toColour = colourOf(pair, target.canisterId)!;
  await confirmIfProtected(
    pair,
    options,
    `Switch ${pair.agent.name} in the protected environment ${pair.environment.name} to ${toColour} ${target.canisterId}?`,
  );
  if (
    pair.live &&
    statefulPair(session, pair.agent.name, pair.environment.name, pair.live.canisterId, target.canisterId)
  ) {
    // The colours share one agent's memories: the state moves with the route (core's stateful switch).
    const routed = await setRouting(session, target.canisterId, {
      network: pair.environment.name,
      cause: 'switch',
      reason: `bluegreen switch to ${toColour}`,
      confirm: (question) => confirmOrRefuse({ yes: options.yes ?? false, question }),
      progress: options.progress,
    });
    return {
      agent: pair.agent.name,
      environment: pair.environment.name,
      fromCanisterId: routed.fromCanisterId,
      toCanisterId: target.canisterId,
      toColour,
      health: { ...routed.health, moduleHash: null },
      canisterIdsFile: routed.canisterIdsFile,
      writePauseMs: routed.cutOver?.writePauseMs ?? null,
      discarded: routed.discarded?.summary ?? null,
    };
  }
  const client = await session.client(pair.environment);
  return holdLease(
    session,
    client,
    { agent: pair.agent.name, environment: pair.environment.name, operation: 'bluegreen-switch' },
    async () => {
      // A blue kept stopped (--stop-blue) is started again: that is the instant rollback it was kept for.
      if ((await client.status(target.canisterId)).status === 'stopped') {
        options.progress?.(`Starting ${toColour} ${target.canisterId}…`);
        await client.start(target.canisterId);
      }
      options.progress?.(`Checking ${toColour} ${target.canisterId} before switching…`);
      const health = summarize(await checkAgentHealth(client, target.canisterId, pair.agent, target.moduleSha256));
      if (!health.healthy) {
        throw new SoulrecallError(
          `${capitalize(toColour)} ${target.canisterId} is unhealthy (${health.problems.join('; ')}); the route was not changed.`,
          {
            code: 'UNHEALTHY',
            hint: `\`soulrecall logs ${target.canisterId}\` may say why; the live canister stays ${pair.live?.canisterId ?? 'unset'}.`,
            details: { health },
          },
        );
      }
      const switched = switchRoute(session, {
        agent: pair.agent.name,
        environment: pair.environment.name,
        canisterId: target.canisterId,
        cause: 'switch',
        reason: `bluegreen switch to ${toColour}`,
        expectedCanisterId: pair.live?.canisterId ?? null,
        principal: client.principal,
      });
      return {
        agent: pair.agent.name,
        environment: pair.environment.name,
        fromCanisterId: switched.fromCanisterId,
        toCanisterId: target.canisterId,
        toColour,
        health,
        canisterIdsFile: switched.canisterIdsFile,
        writePauseMs: null,
        discarded: null,
      };
    },
  );
}

/** Re-checks the live colour, then stops and deletes the other one. */
export async function finishBlueGreen(
  session: Session,
  agentName: string,
  environmentName: string,
  options: ChangeOptions = {},
): Promise<FinishResult> {
  const pair = requireBothColours(readPair(session, agentName, environmentName), 'finish');
  const live = pair.live!;
  const liveColour = colourOf(pair, live.canisterId)!;
  const other = liveColour === 'blue' ? pair.green : pair.blue;
  const otherColour: Colour = liveColour === 'blue' ? 'green' : 'blue';
  await confirmIfProtected(
    pair,
    options,
    `Delete ${otherColour} ${other.canisterId} of ${pair.agent.name} in the protected environment ${pair.environment.name}?`,
  );
  const client = await session.client(pair.environment);
  return holdLease(
    session,
    client,
    { agent: pair.agent.name, environment: pair.environment.name, operation: 'bluegreen-finish' },
    async () => {
      const health = await liveHealth(client, pair, live);
      if (!health.healthy) {
        throw new SoulrecallError(
          `The live ${liveColour} ${live.canisterId} is unhealthy (${health.problems.join('; ')}), so ${otherColour} ${other.canisterId} was kept.`,
          {
            code: 'UNHEALTHY',
            hint: `Route back with \`soulrecall bluegreen switch ${pair.agent.name} -e ${pair.environment.name}\`, or fix ${live.canisterId} first.`,
            details: { health },
          },
        );
      }
      options.progress?.(`Stopping and deleting ${otherColour} ${other.canisterId}…`);
      const deleted = await deleteAndDecommission(session, client, {
        environment: pair.environment.name,
        canisterId: other.canisterId,
        reason: `bluegreen finish: ${liveColour} ${live.canisterId} stays live`,
      });
      return {
        agent: pair.agent.name,
        environment: pair.environment.name,
        live: live.canisterId,
        liveColour,
        deletedCanisterId: other.canisterId,
        deletedColour: otherColour,
        deletedOnNetwork: deleted.deletedOnNetwork,
        health,
      };
    },
  );
}

/** Deletes a green canister that is not live (a promotion stopped with --no-switch or --keep-failed). */
export async function abortGreen(
  session: Session,
  agentName: string,
  environmentName: string,
  options: ChangeOptions = {},
): Promise<AbortGreenResult> {
  const pair = readPair(session, agentName, environmentName);
  const green = pair.green;
  if (!green) throw noGreen(pair, 'abort');
  if (green.live) {
    throw new SoulrecallError(
      `Green ${green.canisterId} is the live canister of ${pair.agent.name} in ${pair.environment.name}; it was not deleted.`,
      {
        code: 'GREEN_IS_LIVE',
        hint: `Route back first (\`soulrecall bluegreen switch ${pair.agent.name} -e ${pair.environment.name}\` or \`soulrecall rollback ${green.canisterId}\`), or keep it and remove blue with \`soulrecall bluegreen finish ${pair.agent.name} -e ${pair.environment.name}\`.`,
      },
    );
  }
  await confirmIfProtected(
    pair,
    options,
    `Delete green ${green.canisterId} of ${pair.agent.name} in the protected environment ${pair.environment.name}?`,
  );
  const client = await session.client(pair.environment);
  return holdLease(
    session,
    client,
    { agent: pair.agent.name, environment: pair.environment.name, operation: 'bluegreen-abort' },
    async () => {
      options.progress?.(`Stopping and deleting green ${green.canisterId}…`);
      const deleted = await deleteAndDecommission(session, client, {
        environment: pair.environment.name,
        canisterId: green.canisterId,
        reason: 'bluegreen abort',
      });
      return {
        agent: pair.agent.name,
        environment: pair.environment.name,
        deletedCanisterId: green.canisterId,
        deletedOnNetwork: deleted.deletedOnNetwork,
        live: pair.live?.canisterId ?? null,
      };
    },
  );
}

async function liveHealth(client: CanisterClient, pair: ColourPair, live: CanisterOverview): Promise<HealthSummary> {
  return summarize(await checkAgentHealth(client, live.canisterId, pair.agent, live.moduleSha256));
}

async function confirmIfProtected(pair: ColourPair, options: ChangeOptions, question: string): Promise<void> {
  if (pair.environment.protected) await confirmOrRefuse({ yes: options.yes ?? false, question });
}

function summarize(health: AgentHealth): HealthSummary {
  return {
    healthy: health.healthy,
    status: health.verdict.status,
    moduleHash: health.verdict.moduleHash,
    problems: health.problems,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
