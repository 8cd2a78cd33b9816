import { type CanisterClientErrorCode, isCanisterClientError } from '../errors.js';
import type { ManagementCanister } from '../management/management-canister.js';
import type { CanisterRunStatus } from '../management/types.js';
import { EMPTY_CANDID_ARGS } from '../management/install.js';
import { type PrincipalLike, toPrincipal } from '../principal.js';
import type { CanisterStateReader } from '../read-state.js';
import type { IcTransport } from '../transport.js';
import { judgeHealthReply } from './verdict.js';

export interface HealthProbeOptions {
  /** A method whose reply says whether the agent is healthy (see judgeHealthReply). */
  method?: string;
  /** How to call it: `query` (default) or `update`. */
  callAs?: 'query' | 'update';
  /** Candid argument for the method; `()` by default. */
  arg?: Uint8Array;
}

export interface HealthMethodResult {
  name: string;
  healthy: boolean;
  reason: string;
  reply?: unknown;
  /** Set when the call was rejected or trapped. */
  error?: { code: string; message: string };
}

export interface HealthVerdict {
  canisterId: string;
  healthy: boolean;
  /** The network answered, as an IC network does (see `networkError` when not). */
  reachable: boolean;
  /** Why the network gave no usable answer: nothing, too late, an HTTP failure or a reply that made no sense. */
  networkError?: { code: CanisterClientErrorCode; message: string; hint?: string; details: Record<string, unknown> };
  /** `unknown` when the caller is not a controller (canister_status refused). */
  status: CanisterRunStatus | 'unknown';
  statusSource: 'canister_status' | 'read_state' | 'none';
  moduleHash: string | null;
  /** Known only to controllers. */
  cycles?: bigint;
  method?: HealthMethodResult;
  /** Every reason the verdict is unhealthy (empty when healthy). */
  problems: string[];
  checkedAt: string;
}

/**
 * Failures of the network rather than of the canister: they say nothing about its health, so
 * the verdict is "not reachable" (callers report a network problem, not an unhealthy agent).
 */
const NETWORK_FAILURES = new Set<CanisterClientErrorCode>([
  'NETWORK_UNREACHABLE',
  'HTTP_ERROR',
  'UNEXPECTED_REPLY',
  'TRUST_ERROR',
]);

interface ProbeDeps {
  transport: IcTransport;
  management: ManagementCanister;
  reader: CanisterStateReader;
}

async function callHealthMethod(
  transport: IcTransport,
  canisterId: PrincipalLike,
  options: HealthProbeOptions & { method: string },
): Promise<HealthMethodResult> {
  const request = {
    canisterId: toPrincipal(canisterId),
    method: options.method,
    arg: options.arg ?? EMPTY_CANDID_ARGS,
  };
  try {
    const reply = options.callAs === 'update' ? await transport.update(request) : await transport.query(request);
    return { name: options.method, ...judgeHealthReply(reply) };
  } catch (error) {
    if (!isCanisterClientError(error) || NETWORK_FAILURES.has(error.code)) throw error;
    const reason = error.code === 'CANISTER_TRAPPED' ? 'trapped' : `failed (${error.code})`;
    return { name: options.method, healthy: false, reason, error: { code: error.code, message: error.message } };
  }
}

/** Reachable, running, code installed and (if asked) the health method says healthy. */
export async function probeHealth(
  deps: ProbeDeps,
  canisterId: PrincipalLike,
  options: HealthProbeOptions = {},
): Promise<HealthVerdict> {
  const id = toPrincipal(canisterId);
  const verdict: HealthVerdict = {
    canisterId: id.toText(),
    healthy: false,
    reachable: true,
    status: 'unknown',
    statusSource: 'none',
    moduleHash: null,
    problems: [],
    checkedAt: new Date().toISOString(),
  };
  // A query health method does not wait for the status: it is sent alongside it and its answer
  // used only if the status says the canister can run it (a stopped or empty canister rejects a
  // query and nothing changes). An update method may change state, so it still waits its turn.
  const speculative =
    options.method && options.callAs !== 'update'
      ? callHealthMethod(deps.transport, id, { ...options, method: options.method })
      : undefined;
  speculative?.catch(() => undefined);
  try {
    try {
      const status = await deps.management.canisterStatus(id);
      Object.assign(verdict, {
        status: status.status,
        statusSource: 'canister_status',
        moduleHash: status.moduleHash,
        cycles: status.cycles,
      });
    } catch (error) {
      if (!isCanisterClientError(error, 'NOT_A_CONTROLLER')) throw error;
      // Not a controller: the certified state tree still tells whether code is installed.
      verdict.moduleHash = await deps.reader.moduleHash(id);
      verdict.statusSource = 'read_state';
    }
    if (verdict.moduleHash === null) verdict.problems.push('no code installed');
    if (verdict.status === 'stopped' || verdict.status === 'stopping')
      verdict.problems.push(`canister is ${verdict.status}`);
    if (options.method && verdict.moduleHash !== null && verdict.status !== 'stopped') {
      verdict.method = await (speculative ??
        callHealthMethod(deps.transport, id, { ...options, method: options.method }));
      if (!verdict.method.healthy) verdict.problems.push(`${options.method} ${verdict.method.reason}`);
    }
  } catch (error) {
    if (!isCanisterClientError(error)) throw error;
    if (NETWORK_FAILURES.has(error.code)) {
      verdict.reachable = false;
      verdict.networkError = { code: error.code, message: error.message, hint: error.hint, details: error.details };
    }
    verdict.problems.push(error.code === 'CANISTER_NOT_FOUND' ? 'canister not found' : error.message);
  }
  verdict.healthy = verdict.problems.length === 0;
  return verdict;
}
