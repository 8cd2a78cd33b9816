import type { CanisterClient, HealthVerdict } from '@soulrecall/canister-client';
import type { Canister } from '@soulrecall/history-store';
import type { EnvironmentConfig } from '../config/types.js';
import { ExitCode, SoulrecallError, toSoulrecallError, hasErrorCode } from '../errors.js';
import { cliHintFor } from '../error-hints.js';
import { agentConfigOf, locateCanister, requireEnvironment } from './canister-lookup.js';
import type { Session } from './session.js';

/** What the network says about a canister next to what the store recorded (`status <id>`). */
export interface CanisterStatusReport {
  canisterId: string;
  environment: string;
  networkUrl: string;
  /** `unknown` when the identity is not a controller (only the certified state could be read). */
  status: 'running' | 'stopping' | 'stopped' | 'unknown';
  statusSource: 'canister_status' | 'read_state';
  moduleHash: string | null;
  /** The recorded deployment version whose module is on chain, or null. */
  moduleVersion: number | null;
  controllers: string[];
  /** Cycles and memory (bytes) as decimal strings; null when not a controller. */
  cycles: string | null;
  memorySize: string | null;
  recorded: {
    agent: string;
    role: string;
    live: boolean;
    deployedVersion: number | null;
    moduleSha256: string | null;
    decommissionedAt: string | null;
  } | null;
  /** The module on chain differs from the one soulrecall last deployed there. */
  drift: boolean;
}

export interface NetworkStatusReport {
  environment: string;
  networkUrl: string;
  rootKeySource: 'builtin-mainnet' | 'fetched';
  reachable: true;
  /** Time of one /api/v2/status round trip (made for mainnet too), in milliseconds. */
  latencyMs: number;
  principal: string;
  canisters: Array<
    CanisterStatusReport | { canisterId: string; environment: string; error: { code: string; message: string } }
  >;
  /** Some canister's module on chain differs from the recorded one. */
  drift: boolean;
}

/** `status <canister-id> [--network env]`. */
export async function canisterStatus(
  session: Session,
  canisterIdText: string,
  options: { network?: string } = {},
): Promise<CanisterStatusReport> {
  const located = locateCanister(session, canisterIdText, {
    network: options.network,
    allowUnrecorded: true,
    acceptNetwork: true,
  });
  const client = await session.client(located.environment);
  return statusOnChain(session, client, located.environment, located.canisterId, located.record);
}

/** `status --network env`: connectivity, then each recorded canister of the environment. */
export async function networkStatus(session: Session, environmentName: string): Promise<NetworkStatusReport> {
  const environment = requireEnvironment(session, environmentName, { acceptNetwork: true });
  const client = await session.client(environment);
  // Connecting proves nothing for mainnet (no request: the root key is built in), so every
  // network is asked once more, and that answer's time is the latency reported.
  const latencyMs = await client.ping();
  const canisters: NetworkStatusReport['canisters'] = [];
  for (const record of session.store.canisters.list({ environment: environment.name })) {
    try {
      canisters.push(await statusOnChain(session, client, environment, record.canisterId, record));
    } catch (error) {
      const soulrecallError = toSoulrecallError(error);
      if (soulrecallError.exitCode === ExitCode.Unreachable) throw soulrecallError;
      canisters.push({
        canisterId: record.canisterId,
        environment: environment.name,
        error: { code: soulrecallError.code, message: soulrecallError.message },
      });
    }
  }
  return {
    environment: environment.name,
    networkUrl: environment.networkUrl,
    rootKeySource: environment.rootKey,
    reachable: true,
    latencyMs,
    principal: client.principal,
    canisters,
    drift: canisters.some((canister) => 'drift' in canister && canister.drift),
  };
}

/** The health verdict of a canister (`health <id>`), using its agent's health method when configured. */
/** A health verdict and the environment it was taken in (what `soulrecall health` reports). */
export type CanisterHealthVerdict = HealthVerdict & { environment: string };

export async function canisterHealth(
  session: Session,
  canisterIdText: string,
  options: { network?: string; method?: string } = {},
): Promise<CanisterHealthVerdict> {
  const located = locateCanister(session, canisterIdText, {
    network: options.network,
    allowUnrecorded: true,
    acceptNetwork: true,
  });
  const method = options.method ?? healthMethodOf(session, located.record);
  const client = await session.client(located.environment);
  const verdict = await client.health(located.canisterId, method ? { method } : {});
  assertCanisterExists(verdict, located.environment);
  const { networkError } = verdict;
  // The verdict is reported as it is, but with the hint a soulrecall command gives for its error.
  if (networkError)
    return {
      ...verdict,
      networkError: { ...networkError, hint: cliHintFor(networkError.code, networkError) },
      environment: located.environment.name,
    };
  return { ...verdict, environment: located.environment.name };
}

/**
 * A health probe of a canister the network does not have is not "unhealthy" but "not found":
 * the probe reports it as the problem `canister not found` with no status read.
 */
export function assertCanisterExists(verdict: HealthVerdict, environment: EnvironmentConfig): void {
  if (verdict.reachable && verdict.statusSource === 'none' && verdict.problems.includes('canister not found')) {
    throw new SoulrecallError(
      `Canister ${verdict.canisterId} does not exist on the network of environment ${environment.name} (${environment.networkUrl}).`,
      {
        code: 'CANISTER_NOT_FOUND',
        hint: 'Check the id and the environment (--network <env>); `soulrecall list` shows the canisters soulrecall knows.',
      },
    );
  }
}

/** The configured health query of a recorded canister's agent, if any. */
export function healthMethodOf(session: Session, record: Canister | null): string | undefined {
  return record ? agentConfigOf(session, record.agent)?.health?.method : undefined;
}

async function statusOnChain(
  session: Session,
  client: CanisterClient,
  environment: EnvironmentConfig,
  canisterId: string,
  record: Canister | null,
): Promise<CanisterStatusReport> {
  let report: Pick<
    CanisterStatusReport,
    'status' | 'statusSource' | 'moduleHash' | 'controllers' | 'cycles' | 'memorySize'
  >;
  try {
    const status = await client.status(canisterId);
    report = {
      status: status.status,
      statusSource: 'canister_status',
      moduleHash: status.moduleHash,
      controllers: status.settings.controllers,
      cycles: status.cycles.toString(),
      memorySize: status.memorySize.toString(),
    };
  } catch (error) {
    // Anyone may read the certified module hash and controllers; canister_status is for controllers.
    if (!hasErrorCode(error, 'NOT_A_CONTROLLER')) throw error;
    const info = await client.info(canisterId);
    report = {
      status: 'unknown',
      statusSource: 'read_state',
      moduleHash: info.moduleHash,
      controllers: info.controllers,
      cycles: null,
      memorySize: null,
    };
  }
  const overview = record
    ? session.store.canisters
        .list({ environment: environment.name, agent: record.agent, includeDecommissioned: true })
        .find((c) => c.canisterId === canisterId)
    : undefined;
  const deployments = session.store.deployments.list({ environment: environment.name, canisterId, limit: 1000 });
  const onChain =
    report.moduleHash === null
      ? undefined
      : deployments.find((deployment) => deployment.moduleSha256 === report.moduleHash);
  const recordedModule = overview?.moduleSha256 ?? null;
  return {
    canisterId,
    environment: environment.name,
    networkUrl: environment.networkUrl,
    ...report,
    moduleVersion: onChain?.version ?? null,
    recorded: overview
      ? {
          agent: overview.agent,
          role: overview.role,
          live: overview.live,
          deployedVersion: overview.deployedVersion,
          moduleSha256: overview.moduleSha256,
          decommissionedAt: overview.decommissionedAt,
        }
      : null,
    drift: recordedModule !== null && recordedModule !== report.moduleHash,
  };
}
