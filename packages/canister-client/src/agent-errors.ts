import {
  AgentError,
  CborDecodeErrorCode,
  CertifiedRejectErrorCode,
  HttpErrorCode,
  InputError,
  ProtocolError,
  TimeoutWaitingForResponseErrorCode,
  TrustError,
  UncertifiedRejectErrorCode,
  UncertifiedRejectUpdateErrorCode,
  UnknownError,
} from '@dfinity/agent';
import { DeadlineExceededError } from './deadline.js';
import { CanisterClientError } from './errors.js';
import { type NetworkDescription, networkDetails, notAReplicaHint, timeoutHint, unreachableHint } from './network.js';
import { rejectError } from './reject-classification.js';

const UNREACHABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/;

export interface CallSite {
  network: NetworkDescription;
  canisterId?: string;
  method?: string;
  timeoutMs?: number;
  /** An update call: when it times out, the request may still have reached the replica. */
  update?: boolean;
  /** What was asked, for messages about bad replies (default: from `method`). */
  request?: string;
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

/** The deadline that ran out (ours carries it), `true` for any other timeout, else undefined. */
function timeout(error: unknown): number | true | undefined {
  let found: number | true | undefined;
  for (const node of errorChain(error)) {
    if (node instanceof DeadlineExceededError) return node.timeoutMs;
    if (
      node.name === 'TimeoutError' ||
      node.name === 'AbortError' ||
      node instanceof TimeoutWaitingForResponseErrorCode
    )
      found = true;
  }
  return found;
}

/** Foreign text (bodies, agent messages) as one short line: users see one sentence, never a dump. */
export function oneLine(value: string, max = 200): string {
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** What a reply that is not CBOR looked like, without dumping it. */
function describeNonCbor(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return 'an empty body instead of CBOR';
  const head = Buffer.from(bytes.subarray(0, 60)).toString('latin1');
  const preview = /^[\x20-\x7e\s]*$/.test(head)
    ? `"${oneLine(head, 60)}${bytes.length > 60 ? '…' : ''}"`
    : `0x${Buffer.from(bytes.subarray(0, 12)).toString('hex')}${bytes.length > 12 ? '…' : ''}`;
  return `${bytes.length} bytes that are not valid CBOR (${preview})`;
}

function requestOf(site: CallSite): string {
  return site.request ?? (site.method ? `the ${site.method} request` : 'a request');
}

/** A reply that does not decode or does not have the shape the IC's HTTP interface prescribes. */
function unexpectedReply(site: CallSite, what: string, cause: unknown): CanisterClientError {
  return new CanisterClientError('UNEXPECTED_REPLY', `${site.network.url} answered ${requestOf(site)} with ${what}`, {
    hint: notAReplicaHint(site.network),
    details: { ...networkDetails(site.network), canisterId: site.canisterId, method: site.method },
    cause,
  });
}

/** Errors of the agent that mean "the reply made no sense", as opposed to our own mistakes. */
function isBadReply(error: unknown): boolean {
  if (error instanceof ProtocolError || error instanceof UnknownError) return true;
  if (error instanceof InputError) return error.cause.code instanceof CborDecodeErrorCode;
  // The agent reading a field of a reply that has another shape.
  return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError;
}

/** Transient failures worth retrying for reads: no answer, a reply cut short, or a 5xx / 429 answer. */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof CanisterClientError)) return false;
  if (error.code === 'NETWORK_UNREACHABLE') return true;
  const status = error.details.status;
  return (
    error.code === 'HTTP_ERROR' &&
    (error.details.incomplete === true || (typeof status === 'number' && (status >= 500 || status === 429)))
  );
}

/** Maps whatever @dfinity/agent or fetch threw into a `CanisterClientError`. */
export function classifyAgentError(error: unknown, site: CallSite): CanisterClientError {
  if (error instanceof CanisterClientError) return error;
  // Our own fetch (a reply cut short) throws one; the agent wraps it in a TransportError.
  for (const node of errorChain(error)) if (node instanceof CanisterClientError) return node;
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
      const body = code.bodyText ? oneLine(code.bodyText) : '';
      return new CanisterClientError(
        'HTTP_ERROR',
        `${network.url} answered HTTP ${code.status} ${code.statusText}${body ? `: ${body}` : ''}`,
        {
          hint: 'The network answered but refused the request; check the URL and that it is an IC replica.',
          details: { url: network.url, status: code.status, body: code.bodyText?.slice(0, 1000) },
          cause: error,
        },
      );
    }
    if (error instanceof TrustError) {
      return new CanisterClientError(
        'TRUST_ERROR',
        `The reply from ${network.url} failed verification: ${oneLine(code.toErrorMessage())}`,
        {
          hint: 'The network sent a reply that does not verify against its root key; do not trust it. Check the network URL.',
          details: { url: network.url },
          cause: error,
        },
      );
    }
  }
  const timedOut = timeout(error);
  if (timedOut !== undefined) {
    const timeoutMs = timedOut === true ? site.timeoutMs : timedOut;
    const message = `${network.url} did not answer within ${timeoutMs ?? '?'} ms`;
    if (site.update) {
      // Unlike a refused connection, a timed-out update may have been executed: its outcome is unknown.
      return new CanisterClientError('NETWORK_UNREACHABLE', `${message}; ${site.method} may still have been executed`, {
        hint: `Check the canister's state before retrying ${site.method}; for a slow network, raise SOULRECALL_REQUEST_TIMEOUT_MS (milliseconds).`,
        details: { ...networkDetails(network), method: site.method, timedOut: true, timeoutMs, outcomeUnknown: true },
        cause: error,
      });
    }
    return new CanisterClientError('NETWORK_UNREACHABLE', message, {
      hint: timeoutHint(network),
      details: { ...networkDetails(network), timedOut: true, timeoutMs },
      cause: error,
    });
  }
  const sys = systemCode(error);
  if (sys && TLS_CODE.test(sys)) {
    return new CanisterClientError('HTTP_ERROR', `TLS failure talking to ${network.url}: ${sys}`, {
      hint: "The server's TLS certificate was not accepted; check the URL (http vs https) and the certificate.",
      details: { url: network.url, tls: sys },
      cause: error,
    });
  }
  if (sys?.startsWith('HPE_')) {
    // llhttp's parse errors: something answered, but not in HTTP.
    return new CanisterClientError('HTTP_ERROR', `${network.url} answered with something that is not HTTP (${sys})`, {
      hint: notAReplicaHint(network),
      details: { ...networkDetails(network), systemCode: sys },
      cause: error,
    });
  }
  if ((sys && UNREACHABLE_SYSTEM_CODES.has(sys)) || /fetch failed|ECONNREFUSED|socket hang up/i.test(String(error))) {
    return new CanisterClientError(
      'NETWORK_UNREACHABLE',
      `Cannot reach the ${network.name} network at ${network.url}${sys ? ` (${sys})` : ''}`,
      {
        hint: unreachableHint(network),
        details: { ...networkDetails(network), systemCode: sys },
        cause: error,
      },
    );
  }
  if (error instanceof AgentError && error.cause.code instanceof CborDecodeErrorCode) {
    return unexpectedReply(site, describeNonCbor((error.cause.code as CborDecodeErrorCode).input), error);
  }
  const message = oneLine(
    error instanceof AgentError
      ? error.cause.code.toErrorMessage()
      : error instanceof Error
        ? error.message
        : String(error),
  );
  if (isBadReply(error)) return unexpectedReply(site, `a reply soulrecall cannot make sense of (${message})`, error);
  return new CanisterClientError('HTTP_ERROR', `Talking to ${network.url} failed: ${message}`, {
    hint: notAReplicaHint(network),
    details: networkDetails(network),
    cause: error,
  });
}
