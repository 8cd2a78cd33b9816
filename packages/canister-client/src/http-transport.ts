import {
  Certificate,
  HttpAgent,
  LookupPathStatus,
  QueryResponseStatus,
  isV2ResponseBody,
  isV3ResponseBody,
  lookupResultToBuffer,
  pollForResponse,
  type Identity,
} from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { quietAgentConsole } from './agent-console.js';
import { classifyAgentError, isTransientError, type CallSite } from './agent-errors.js';
import { blsVerify, useWasmBlsInAgent } from './certificate-verification.js';
import { useNativeEd25519InAgent } from './query-signatures.js';
import { resolveRequestTimeout, withDeadline } from './deadline.js';
import { CanisterClientError } from './errors.js';
import { isMainnet, type NetworkDescription, networkDetails, notAReplicaHint } from './network.js';
import { rejectError } from './reject-classification.js';
import { DEFAULT_READ_RETRY, deadlineFetch, type RetryPolicy, withRetries } from './retry.js';
import { fetchRootKey, STATUS_REQUEST } from './root-key.js';
import type { CallRequest, IcTransport } from './transport.js';

export interface ConnectionOptions {
  /**
   * The deadline of each network operation, in milliseconds: `connect` (the root-key fetch and
   * its retries), a query or read_state with its retries, an update including the polling for
   * its result. Default: SOULRECALL_REQUEST_TIMEOUT_MS, else 30 s.
   */
  requestTimeoutMs?: number;
  /** Retries with backoff for queries and read_state (never for updates), within the deadline. */
  readRetry?: RetryPolicy;
}

const text = new TextDecoder();
const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/**
 * One network operation: every attempt classified (so retries see CanisterClientErrors), retried
 * when `retry` is given, and the whole of it bounded by one deadline of `site.timeoutMs`, so an
 * error that says "did not answer within N ms" is never raised later than N ms after the start.
 */
async function networkOperation<T>(
  site: CallSite & { timeoutMs: number },
  retry: RetryPolicy | undefined,
  body: () => Promise<T>,
): Promise<T> {
  const attempt = async () => {
    try {
      return await body();
    } catch (error) {
      throw classifyAgentError(error, site);
    }
  };
  try {
    return await withDeadline(site.timeoutMs, (deadline) =>
      retry ? withRetries(attempt, isTransientError, retry, deadline.at) : attempt(),
    );
  } catch (error) {
    throw classifyAgentError(error, site);
  }
}

/**
 * The real transport: @dfinity/agent 3.4.3 with every verification on (root key fetched on
 * development networks, built in for mainnet; certificates and query signatures checked), its
 * certificates' BLS signatures checked by @soulrecall/bls (certificate-verification.ts).
 */
export class HttpAgentTransport implements IcTransport {
  private constructor(
    private readonly agent: HttpAgent,
    readonly network: NetworkDescription,
    readonly principal: Principal,
    private readonly timeoutMs: number,
    private readonly readRetry: RetryPolicy,
  ) {}

  static async connect(
    network: NetworkDescription,
    identity: Identity,
    options: ConnectionOptions = {},
  ): Promise<HttpAgentTransport> {
    const timeoutMs = resolveRequestTimeout(options.requestTimeoutMs);
    const readRetry = options.readRetry ?? DEFAULT_READ_RETRY;
    quietAgentConsole();
    useWasmBlsInAgent();
    useNativeEd25519InAgent();
    let agent: HttpAgent;
    try {
      agent = HttpAgent.createSync({
        host: network.url,
        identity,
        fetch: deadlineFetch(timeoutMs, network.url),
        // Mainnet: the agent's built-in root key. Anything else: fetched below, from /api/v2/status.
        shouldFetchRootKey: !isMainnet(network),
        verifyQuerySignatures: true,
        // Our own retry policy applies to reads only; the agent would retry updates too.
        retryTimes: 0,
      });
    } catch (error) {
      throw new CanisterClientError('INVALID_ARGUMENT', `${network.url} is not a usable network URL`, {
        hint: 'Give the environment a network of local, ic, or an http(s) URL.',
        details: { url: network.url },
        cause: error,
      });
    }
    if (!isMainnet(network)) {
      // The first request: a dead or foreign network fails here, within one deadline.
      agent.rootKey = await networkOperation({ network, timeoutMs, request: STATUS_REQUEST }, readRetry, () =>
        fetchRootKey(agent, network),
      );
    }
    return new HttpAgentTransport(agent, network, identity.getPrincipal(), timeoutMs, readRetry);
  }

  async ping(): Promise<void> {
    await networkOperation(
      { network: this.network, timeoutMs: this.timeoutMs, request: STATUS_REQUEST },
      this.readRetry,
      () => fetchRootKey(this.agent, this.network),
    );
  }

  /** Where a call went, for error messages: the canister it is about (the effective one for `aaaaa-aa`). */
  private site(request: {
    canisterId: Principal;
    effectiveCanisterId?: Principal;
    method?: string;
  }): CallSite & { timeoutMs: number } {
    const canisterId = (request.effectiveCanisterId ?? request.canisterId).toText();
    return { network: this.network, canisterId, method: request.method, timeoutMs: this.timeoutMs };
  }

  /** Never retried; the deadline covers the call and the polling for its certified result. */
  async update(request: CallRequest): Promise<Uint8Array> {
    const ecid = request.effectiveCanisterId ?? request.canisterId;
    return networkOperation({ ...this.site(request), update: true }, undefined, async () => {
      const { requestId, response } = await this.agent.call(request.canisterId, {
        methodName: request.method,
        arg: request.arg,
        effectiveCanisterId: ecid,
      });
      if (isV3ResponseBody(response.body)) {
        const certificate = await Certificate.create({
          certificate: response.body.certificate,
          rootKey: this.rootKey(),
          canisterId: ecid,
          agent: this.agent,
          blsVerify,
        });
        const path = [utf8('request_status'), requestId];
        const status = lookupResultToBuffer(certificate.lookup_path([...path, 'status']));
        const statusText = status ? text.decode(status) : undefined;
        if (statusText === 'replied') {
          return lookupResultToBuffer(certificate.lookup_path([...path, 'reply'])) ?? new Uint8Array();
        }
        if (statusText === 'rejected') {
          const rejectCode = lookupResultToBuffer(certificate.lookup_path([...path, 'reject_code']));
          const message = lookupResultToBuffer(certificate.lookup_path([...path, 'reject_message']));
          const errorCode = lookupResultToBuffer(certificate.lookup_path([...path, 'error_code']));
          throw rejectError({
            rejectCode: rejectCode ? rejectCode[0] : 0,
            rejectMessage: message ? text.decode(message) : '',
            errorCode: errorCode ? text.decode(errorCode) : undefined,
            canisterId: ecid.toText(),
            method: request.method,
          });
        }
      } else if (isV2ResponseBody(response.body)) {
        const body = response.body;
        throw rejectError({
          rejectCode: Number(body.reject_code),
          rejectMessage: body.reject_message,
          errorCode: body.error_code,
          canisterId: ecid.toText(),
          method: request.method,
        });
      }
      // 202 Accepted (or a certificate without a final status): poll read_state until it is final.
      const { reply } = await pollForResponse(this.agent, ecid, requestId, { blsVerify });
      return reply;
    });
  }

  async query(request: CallRequest): Promise<Uint8Array> {
    return networkOperation(this.site(request), this.readRetry, async () => {
      const response = await this.agent.query(request.canisterId, {
        methodName: request.method,
        arg: request.arg,
        effectiveCanisterId: request.effectiveCanisterId,
      });
      if (response.status === QueryResponseStatus.Replied) return response.reply.arg;
      throw rejectError({
        rejectCode: Number(response.reject_code),
        rejectMessage: response.reject_message,
        errorCode: response.error_code,
        canisterId: (request.effectiveCanisterId ?? request.canisterId).toText(),
        method: request.method,
      });
    });
  }

  async readState(canisterId: Principal, paths: Uint8Array[][]): Promise<Array<Uint8Array | undefined>> {
    return networkOperation(this.site({ canisterId, method: 'read_state' }), this.readRetry, async () => {
      const response = await this.agent.readState(canisterId, { paths });
      const certificate = await Certificate.create({
        certificate: response.certificate,
        rootKey: this.rootKey(),
        canisterId,
        agent: this.agent,
        blsVerify,
      });
      return paths.map((path) => {
        const result = certificate.lookup_path(path);
        if (result.status === LookupPathStatus.Found) return lookupResultToBuffer(result);
        if (result.status === LookupPathStatus.Absent) return undefined;
        throw new CanisterClientError(
          'UNEXPECTED_REPLY',
          `The certificate from ${this.network.url} neither contains nor excludes ${path.map((p) => text.decode(p)).join('/')}`,
          {
            hint: notAReplicaHint(this.network),
            details: { ...networkDetails(this.network), status: result.status },
          },
        );
      });
    });
  }

  private rootKey(): Uint8Array {
    if (!this.agent.rootKey) throw new CanisterClientError('TRUST_ERROR', `No root key for ${this.network.url}`);
    return this.agent.rootKey;
  }
}
