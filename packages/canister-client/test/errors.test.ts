import {
  AgentError,
  CertifiedRejectErrorCode,
  HttpErrorCode,
  ProtocolError,
  RejectError,
  TransportError,
  HttpFetchErrorCode,
} from '@dfinity/agent';
import { expect } from 'chai';
import { classifyAgentError, isTransientError } from '../src/agent-errors.js';
import { CanisterClientError } from '../src/errors.js';
import { toPrincipal } from '../src/principal.js';
import { classifyRejectCode, rejectError } from '../src/reject-classification.js';
import { DEFAULT_READ_RETRY, withRetries } from '../src/retry.js';

const local = { name: 'local', url: 'http://127.0.0.1:4943', kind: 'local' as const };

describe('reject classification', () => {
  const cases: Array<[number, string | undefined, string, string]> = [
    [3, 'IC0301', 'Canister rrkah-fqaaa-aaaaa-aaaaq-cai not found', 'CANISTER_NOT_FOUND'],
    [5, 'IC0512', 'Only controllers of canister x can call ic00 method canister_status', 'NOT_A_CONTROLLER'],
    [5, 'IC0508', 'Canister x is stopped and therefore does not have a CallContextManager', 'CANISTER_STOPPED'],
    [5, 'IC0509', 'Canister x is stopping', 'CANISTER_STOPPED'],
    [5, 'IC0503', 'Canister x trapped explicitly: boom', 'CANISTER_TRAPPED'],
    [5, 'IC0502', 'Canister x trapped: unreachable', 'CANISTER_TRAPPED'],
    [3, 'IC0536', "Canister has no update method 'foo'", 'METHOD_NOT_FOUND'],
    [4, 'IC0408', 'Error decoding candid: invalid principal', 'INVALID_ARGUMENT'],
    [5, 'IC0999', 'something new', 'REPLICA_REJECTED'],
    // Replicas without error codes are classified by message.
    [5, undefined, 'Only the controllers of the canister can do that', 'NOT_A_CONTROLLER'],
    [3, undefined, 'no such canister', 'CANISTER_NOT_FOUND'],
    [4, undefined, 'plain canister reject', 'REPLICA_REJECTED'],
  ];
  for (const [rejectCode, errorCode, rejectMessage, expected] of cases) {
    it(`${errorCode ?? 'no error code'} "${rejectMessage}" → ${expected}`, () => {
      expect(classifyRejectCode({ rejectCode, errorCode, rejectMessage })).to.equal(expected);
    });
  }

  it('keeps reject code, error code and message in the error', () => {
    const error = rejectError({
      rejectCode: 5,
      errorCode: 'IC0512',
      rejectMessage: 'not yours',
      canisterId: 'aaaaa-aa',
      method: 'canister_status',
    });
    expect(error.reject).to.deep.include({ rejectCode: 5, errorCode: 'IC0512', rejectMessage: 'not yours' });
    expect(error.message).to.contain('reject code 5').and.contain('IC0512').and.contain('not yours');
    expect(error.hint).to.be.a('string');
  });
});

describe('classifyAgentError', () => {
  it('maps certified rejects from the agent', () => {
    const agentError = RejectError.fromCode(
      new CertifiedRejectErrorCode(new Uint8Array(32) as never, 5, 'Canister x trapped explicitly: no', 'IC0503'),
    );
    const error = classifyAgentError(agentError, { network: local, canisterId: 'x', method: 'go' });
    expect(error.code).to.equal('CANISTER_TRAPPED');
    expect(error.reject).to.include({ method: 'go', canisterId: 'x' });
  });

  it('connection refused is NETWORK_UNREACHABLE with the URL and the network in its details', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4943'), { code: 'ECONNREFUSED' }),
    });
    for (const thrown of [refused, TransportError.fromCode(new HttpFetchErrorCode(refused))]) {
      const error = classifyAgentError(thrown, { network: local });
      expect(error.code).to.equal('NETWORK_UNREACHABLE');
      expect(error.message).to.contain(local.url);
      expect(error.hint).to.equal('Start the local network.');
      expect(error.details).to.include({ url: local.url, networkKind: 'local' });
    }
  });

  it('a timeout is NETWORK_UNREACHABLE too, saying how long it waited', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const error = classifyAgentError(new TypeError('fetch failed', { cause: timeout }), {
      network: local,
      timeoutMs: 1500,
    });
    expect(error).to.deep.include({ code: 'NETWORK_UNREACHABLE' });
    expect(error.message).to.contain('1500 ms');
  });

  it('HTTP failures and TLS failures are HTTP_ERROR', () => {
    const http = ProtocolError.fromCode(new HttpErrorCode(503, 'Service Unavailable', [], 'overloaded'));
    const httpError = classifyAgentError(http, { network: local });
    expect(httpError.code).to.equal('HTTP_ERROR');
    expect(httpError.details.status).to.equal(503);
    expect(isTransientError(httpError)).to.equal(true);
    const tls = new TypeError('fetch failed', {
      cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    });
    const tlsError = classifyAgentError(tls, { network: { name: 'x', url: 'https://example.org', kind: 'url' } });
    expect(tlsError.code).to.equal('HTTP_ERROR');
    expect(tlsError.details.tls).to.equal('CERT_HAS_EXPIRED');
  });

  it('never wraps a CanisterClientError twice', () => {
    const original = new CanisterClientError('CANISTER_NOT_FOUND', 'gone');
    expect(classifyAgentError(original, { network: local })).to.equal(original);
    expect(
      classifyAgentError(new AgentError(new HttpFetchErrorCode('x') as never, 'Transport' as never), {
        network: local,
      }),
    ).to.be.instanceOf(CanisterClientError);
  });
});

describe('retries and argument checks', () => {
  it('retries transient read failures, then gives up with the last error', async () => {
    let attempts = 0;
    const unreachable = new CanisterClientError('NETWORK_UNREACHABLE', 'down');
    const result = await withRetries(
      async () => {
        attempts += 1;
        if (attempts < 3) throw unreachable;
        return 'ok';
      },
      isTransientError,
      { ...DEFAULT_READ_RETRY, initialDelayMs: 1 },
    );
    expect(result).to.equal('ok');
    attempts = 0;
    const failure = await withRetries(
      async () => {
        attempts += 1;
        throw new CanisterClientError('CANISTER_NOT_FOUND', 'gone');
      },
      isTransientError,
      { ...DEFAULT_READ_RETRY, initialDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect((failure as CanisterClientError).code).to.equal('CANISTER_NOT_FOUND');
    expect(attempts).to.equal(1);
  });

  it('a malformed principal is INVALID_ARGUMENT', () => {
    expect(toPrincipal('rrkah-fqaaa-aaaaa-aaaaq-cai').toText()).to.equal('rrkah-fqaaa-aaaaa-aaaaq-cai');
    try {
      toPrincipal('not-a-principal');
      expect.fail('should throw');
    } catch (error) {
      expect((error as CanisterClientError).code).to.equal('INVALID_ARGUMENT');
    }
  });
});
