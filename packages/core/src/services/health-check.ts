import type { CanisterClient, HealthVerdict } from '@soulrecall/canister-client';
import type { AgentConfig } from '../config/types.js';

export interface AgentHealth {
  healthy: boolean;
  /** The module hash the check expected, when it had one (after an install). */
  expectedModuleHash: string | null;
  /** The network's verdict (see canister-client's `health`). */
  verdict: HealthVerdict;
  /** Every reason it is unhealthy, the verdict's and the module-hash check's. */
  problems: string[];
}

/**
 * The health check soulrecall applies after anything that changes a canister's code or state:
 * the agent's configured `health.method` when it has one, and in every case "running, with the
 * module we expect". Without a method, that is all healthy means.
 */
export async function checkAgentHealth(
  client: CanisterClient,
  canisterId: string,
  agent: AgentConfig | undefined,
  expectedModuleHash?: string | null,
): Promise<AgentHealth> {
  const verdict = await client.health(canisterId, agent?.health ? { method: agent.health.method } : {});
  const problems = [...verdict.problems];
  if (verdict.reachable && verdict.status === 'unknown')
    problems.push('the canister status could not be read (is this identity a controller?)');
  if (expectedModuleHash && verdict.moduleHash !== expectedModuleHash) {
    problems.push(`module hash is ${verdict.moduleHash ?? 'empty'}, expected ${expectedModuleHash}`);
  }
  const healthy = verdict.healthy && verdict.status === 'running' && problems.length === 0;
  return { healthy, expectedModuleHash: expectedModuleHash ?? null, verdict, problems };
}

/** A HealthVerdict as JSON (cycles is a bigint). */
export function healthToJson(health: AgentHealth): Record<string, unknown> {
  const { verdict } = health;
  return {
    healthy: health.healthy,
    status: verdict.status,
    moduleHash: verdict.moduleHash,
    expectedModuleHash: health.expectedModuleHash,
    method: verdict.method
      ? { name: verdict.method.name, healthy: verdict.method.healthy, reason: verdict.method.reason }
      : null,
    problems: health.problems,
    checkedAt: verdict.checkedAt,
  };
}
