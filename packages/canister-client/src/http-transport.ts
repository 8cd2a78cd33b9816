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
import { Principal } from '@dfinity/principal';
import { classifyAgentError, isTransientError, type CallSite } from './agent-errors.js';
import { CanisterClientError } from './errors.js';
import { isMainnet, type NetworkDescription } from './network.js';
import { rejectError } from './reject-classification.js';
import { DEFAULT_READ_RETRY, fetchWithTimeout, type RetryPolicy, withRetries } from './retry.js';
import type { CallRequest, IcTransport } from './transport.js';

export interface ConnectionOptions {
  /** Per HTTP request (default 30 s). A network that does not answer fails within this time. */
  requestTimeoutMs?: number;
  /** Retries with backoff for queries and read_state (never for updates). */
  readRetry?: RetryPolicy;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const text = new TextDecoder();
const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/**
 * The real transport: @dfinity/agent 3.4.3 with every verification on (root key fetched on
 * development networks, built in for mainnet; certificates and query signatures checked).
 */
export class HttpAgentTransport implements IcTransport {
  private constructor(
    private readonly agent: HttpAgent,
    readonly network: NetworkDescription,
    readonly principal: Principal,
    private readonly timeoutMs: number,
    private readonly readRetry: RetryPolicy,
  ) {}

  static async connect(network: NetworkDescription, identity: Identity, options: ConnectionOptions = {}): Promise<HttpAgentTransport> {
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const readRetry = options.readRetry ?? DEFAULT_READ_RETRY;
    const site: CallSite = { network, timeoutMs };
    const agent = await withRetries(
      async () => {
        try {
          return await HttpAgent.create({
            host: network.url,
            identity,
            fetch: fetchWithTimeout(timeoutMs),
            // Mainnet: the agent's built-in root key. Anything else: fetch it from /api/v2/status.
            shouldFetchRootKey: !isMainnet(network),
            verifyQuerySignatures: true,
            // Our own retry policy applies to reads only; the agent would retry updates too.
            retryTimes: 0,
          });
        } catch (error) {
          throw classifyAgentError(error, site);
        }
      },
      isTransientError,
      readRetry,
    );
    return new HttpAgentTransport(agent, network, identity.getPrincipal(), timeoutMs, readRetry);
  }

  /** Where a call went, for error messages: the canister it is about (the effective one for `aaaaa-aa`). */
  private site(request: { canisterId: Principal; effectiveCanisterId?: Principal; method?: string }): CallSite {
    const canisterId = (request.effectiveCanisterId ?? request.canisterId).toText();
    return { network: this.network, canisterId, method: request.method, timeoutMs: this.timeoutMs };
  }

  async update(request: CallRequest): Promise<Uint8Array> {
    const ecid = request.effectiveCanisterId ?? request.canisterId;
    try {
      const { requestId, response } = await this.agent.call(request.canisterId, {
        methodName: request.method,
        arg: request.arg,
        effectiveCanisterId: ecid,
      });
      if (isV3ResponseBody(response.body)) {
        const certificate = await Certificate.create({ certificate: response.body.certificate, rootKey: this.rootKey(), canisterId: ecid, agent: this.agent });
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
      const { reply } = await pollForResponse(this.agent, ecid, requestId);
      return reply;
    } catch (error) {
      throw classifyAgentError(error, { ...this.site(request), update: true });
    }
  }

  async query(request: CallRequest): Promise<Uint8Array> {
    return withRetries(
      async () => {
        try {
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
        } catch (error) {
          throw classifyAgentError(error, this.site(request));
        }
      },
      isTransientError,
      this.readRetry,
    );
  }

  async readState(canisterId: Principal, paths: Uint8Array[][]): Promise<Array<Uint8Array | undefined>> {
    return withRetries(
      async () => {
        try {
          const response = await this.agent.readState(canisterId, { paths });
          const certificate = await Certificate.create({ certificate: response.certificate, rootKey: this.rootKey(), canisterId, agent: this.agent });
          return paths.map((path) => {
            const result = certificate.lookup_path(path);
            if (result.status === LookupPathStatus.Found) return lookupResultToBuffer(result);
            if (result.status === LookupPathStatus.Absent) return undefined;
            throw new CanisterClientError('UNEXPECTED_REPLY', `The certificate neither contains nor excludes ${path.map((p) => text.decode(p)).join('/')}`, {
              details: { status: result.status },
            });
          });
        } catch (error) {
          throw classifyAgentError(error, this.site({ canisterId, method: 'read_state' }));
        }
      },
      isTransientError,
      this.readRetry,
    );
  }

  private rootKey(): Uint8Array {
    if (!this.agent.rootKey) throw new CanisterClientError('TRUST_ERROR', `No root key for ${this.network.url}`);
    return this.agent.rootKey;
  }
}
