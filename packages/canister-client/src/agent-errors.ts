import {
  AgentError,
  CertifiedRejectErrorCode,
  HttpErrorCode,
  TrustError,
  UncertifiedRejectErrorCode,
  UncertifiedRejectUpdateErrorCode,
} from '@dfinity/agent';
import { CanisterClientError } from './errors.js';
import { type NetworkDescription, unreachableHint } from './network.js';
import { rejectError } from './reject-classification.js';

const UNREACHABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT',
  'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);
const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/;

export interface CallSite {
  network: NetworkDescription;
  canisterId?: string;
  method?: string;
  timeoutMs?: number;
  /** An update call: when it times out, the request may still have reached the replica. */
  update?: boolean;
}

/** Walks `cause` / `error` / `errors` links (fetch, undici and the agent nest errors differently). */
function* errorChain(error: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (!error || typeof error !== 'object' || depth > 8) return;
  const node = error as Record<string, unknown>;
  yield node;
  for (const key of ['cause', 'error', 'code']) {
    if (node[key] && typeof node[key] === 'object') yield* errorChain(node[key], depth + 1);
  }
  if (Array.isArray(node.errors)) for (const inner of node.errors) yield* errorChain(inner, depth + 1);
}

function systemCode(error: unknown): string | undefined {
  for (const node of errorChain(error)) if (typeof node.code === 'string') return node.code;
  return undefined;
}

function isTimeout(error: unknown): boolean {
  for (const node of errorChain(error)) if (node.name === 'TimeoutError' || node.name === 'AbortError') return true;
  return false;
}

/** Transient failures worth retrying for reads: no answer, or a 5xx / 429 answer. */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof CanisterClientError)) return false;
  if (error.code === 'NETWORK_UNREACHABLE') return true;
  const status = error.details.status;
  return error.code === 'HTTP_ERROR' && typeof status === 'number' && (status >= 500 || status === 429);
}

/** Maps whatever @dfinity/agent or fetch threw into a `CanisterClientError`. */
export function classifyAgentError(error: unknown, site: CallSite): CanisterClientError {
  if (error instanceof CanisterClientError) return error;
  const { network } = site;
  if (error instanceof AgentError) {
    const code = error.cause.code;
    if (
      code instanceof CertifiedRejectErrorCode ||
      code instanceof UncertifiedRejectErrorCode ||
      code instanceof UncertifiedRejectUpdateErrorCode
    ) {
      return rejectError({
        rejectCode: Number(code.rejectCode),
        errorCode: code.rejectErrorCode,
        rejectMessage: code.rejectMessage,
        canisterId: site.canisterId,
        method: site.method,
      });
    }
    if (code instanceof HttpErrorCode) {
      return new CanisterClientError(
        'HTTP_ERROR',
        `${network.url} answered HTTP ${code.status} ${code.statusText}${code.bodyText ? `: ${code.bodyText.slice(0, 300)}` : ''}`,
        { hint: 'The network answered but refused the request; check the URL and that it is an IC replica.', details: { url: network.url, status: code.status, body: code.bodyText?.slice(0, 1000) }, cause: error },
      );
    }
    if (error instanceof TrustError) {
      return new CanisterClientError('TRUST_ERROR', `The reply from ${network.url} failed verification: ${code.toErrorMessage()}`, {
        hint: 'The network sent a reply that does not verify against its root key; do not trust it. Check the network URL.',
        details: { url: network.url },
        cause: error,
      });
    }
  }
  const sys = systemCode(error);
  if (isTimeout(error)) {
    const message = `${network.url} did not answer within ${site.timeoutMs ?? '?'} ms`;
    if (site.update) {
      // Unlike a refused connection, a timed-out update may have been executed: its outcome is unknown.
      return new CanisterClientError('NETWORK_UNREACHABLE', `${message}; ${site.method} may still have been executed`, {
        hint: `Check the canister's state (e.g. \`soulrecall status\`) before retrying ${site.method}; raise the request timeout for slow networks.`,
        details: { url: network.url, timedOut: true, outcomeUnknown: true },
        cause: error,
      });
    }
    return new CanisterClientError('NETWORK_UNREACHABLE', message, {
      hint: unreachableHint(network),
      details: { url: network.url, timedOut: true },
      cause: error,
    });
  }
  if (sys && TLS_CODE.test(sys)) {
    return new CanisterClientError('HTTP_ERROR', `TLS failure talking to ${network.url}: ${sys}`, {
      hint: 'The server\'s TLS certificate was not accepted; check the URL (http vs https) and the certificate.',
      details: { url: network.url, tls: sys },
      cause: error,
    });
  }
  if ((sys && UNREACHABLE_SYSTEM_CODES.has(sys)) || /fetch failed|ECONNREFUSED|socket hang up/i.test(String(error))) {
    return new CanisterClientError('NETWORK_UNREACHABLE', `Cannot reach the ${network.name} network at ${network.url}${sys ? ` (${sys})` : ''}`, {
      hint: unreachableHint(network),
      details: { url: network.url, systemCode: sys },
      cause: error,
    });
  }
  const message = error instanceof AgentError ? error.cause.code.toErrorMessage() : error instanceof Error ? error.message : String(error);
  return new CanisterClientError('HTTP_ERROR', `Talking to ${network.url} failed: ${message}`, {
    details: { url: network.url },
    cause: error,
  });
}
