import {
  CborDecodeErrorCode,
  HttpErrorCode,
  HttpFetchErrorCode,
  InputError,
  ProtocolError,
  TransportError,
} from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { expect } from 'chai';
import { classifyAgentError } from '../src/agent-errors.js';
import { CanisterClient } from '../src/canister-client.js';
import {
  DeadlineExceededError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  REQUEST_TIMEOUT_ENV,
  resolveRequestTimeout,
} from '../src/deadline.js';
import { CanisterClientError } from '../src/errors.js';
import { EMPTY_CANDID_ARGS } from '../src/management/install.js';
import type { NetworkDescription } from '../src/network.js';
import {
  drippingServer,
  GARBAGE_KINDS,
  garbageServer,
  type HostileServer,
  silentServer,
  statusThenSilence,
} from './support/hostile-servers.js';

const DEADLINE_MS = 1500;
/** Generous: the machine is shared and noisy. What matters is "one deadline", not "four of them". */
const BOUND_MS = 2 * DEADLINE_MS + 2000;
const SOME_CANISTER = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

const networkAt = (url: string): NetworkDescription => ({ name: 'hostile', url, kind: 'url' });
const identity = Ed25519KeyIdentity.generate();

/**
 * Runs `operation`, expects a CanisterClientError, and says how long it took and what was
 * written to stderr meanwhile (@dfinity/agent prints some failures to the console itself).
 */
async function timed(
  operation: () => Promise<unknown>,
): Promise<{ error: CanisterClientError; elapsedMs: number; stderr: string }> {
  const started = Date.now();
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  let error: unknown;
  try {
    error = await operation().then(
      () => expect.fail('expected a failure'),
      (e: unknown) => e,
    );
  } finally {
    process.stderr.write = write;
  }
  expect(error, String(error)).to.be.instanceOf(CanisterClientError);
  return { error: error as CanisterClientError, elapsedMs: Date.now() - started, stderr };
}

function expectTimedOut(
  { error, elapsedMs }: { error: CanisterClientError; elapsedMs: number },
  deadlineMs = DEADLINE_MS,
): void {
  expect(error.code, error.message).to.equal('NETWORK_UNREACHABLE');
  expect(error.message).to.contain(`within ${deadlineMs} ms`);
  expect(error.details).to.include({ timedOut: true, timeoutMs: deadlineMs });
  expect(error.hint).to.contain(REQUEST_TIMEOUT_ENV);
  expect(elapsedMs, `took ${elapsedMs} ms for a ${deadlineMs} ms deadline`).to.be.below(2 * deadlineMs + 2000);
}

/** One sentence a user can read: no stack, no dump, a hint. */
function expectReadable(error: CanisterClientError): void {
  expect(error.message).not.to.match(/\n/);
  expect(error.message).not.to.match(STACK_LINE);
  expect(error.message.length).to.be.below(400);
  expect(error.hint, `no hint for: ${error.message}`).to.be.a('string').and.not.equal('');
}

describe('a hostile network: deadlines that hold', function () {
  this.timeout(60_000);
  const servers: HostileServer[] = [];
  const start = async (server: Promise<HostileServer>) => {
    const started = await server;
    servers.push(started);
    return started;
  };
  after(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('connect to a server that accepts and never answers fails within requestTimeoutMs, retries included', async () => {
    const server = await start(silentServer());
    // The default read retries (3) stay on: the deadline is the whole connect, not each attempt.
    const result = await timed(() =>
      CanisterClient.connect(networkAt(server.url), identity, { requestTimeoutMs: DEADLINE_MS }),
    );
    expectTimedOut(result);
    expect(result.error.message).to.contain(server.url);
  });

  for (const mode of ['headers', 'body'] as const) {
    it(`a server that drips its ${mode} one byte a second hits the same deadline`, async () => {
      const server = await start(drippingServer(mode));
      expectTimedOut(
        await timed(() => CanisterClient.connect(networkAt(server.url), identity, { requestTimeoutMs: DEADLINE_MS })),
      );
    });
  }

  it(`${REQUEST_TIMEOUT_ENV} replaces the default deadline; an explicit requestTimeoutMs wins over it`, async () => {
    const server = await start(silentServer());
    const saved = process.env[REQUEST_TIMEOUT_ENV];
    process.env[REQUEST_TIMEOUT_ENV] = '1200';
    try {
      expectTimedOut(await timed(() => CanisterClient.connect(networkAt(server.url), identity)), 1200);
      expectTimedOut(
        await timed(() => CanisterClient.connect(networkAt(server.url), identity, { requestTimeoutMs: DEADLINE_MS })),
      );
    } finally {
      if (saved === undefined) delete process.env[REQUEST_TIMEOUT_ENV];
      else process.env[REQUEST_TIMEOUT_ENV] = saved;
    }
  });

  it(`an unusable ${REQUEST_TIMEOUT_ENV} is refused (INVALID_ARGUMENT, with a hint), not ignored`, () => {
    expect(resolveRequestTimeout(undefined, {})).to.equal(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(resolveRequestTimeout(undefined, { [REQUEST_TIMEOUT_ENV]: ' 45000 ' })).to.equal(45_000);
    expect(resolveRequestTimeout(700, { [REQUEST_TIMEOUT_ENV]: '45000' })).to.equal(700);
    for (const value of ['abc', '0', '-5', '1.5', '1e3', '99999999999']) {
      try {
        resolveRequestTimeout(undefined, { [REQUEST_TIMEOUT_ENV]: value });
        expect.fail(`accepted ${value}`);
      } catch (error) {
        expect((error as CanisterClientError).code, String(error)).to.equal('INVALID_ARGUMENT');
        expect((error as CanisterClientError).message).to.contain(REQUEST_TIMEOUT_ENV);
        expect((error as CanisterClientError).hint).to.be.a('string');
      }
    }
    expect(() => resolveRequestTimeout(0)).to.throw(CanisterClientError);
  });

  describe('after connecting, to a network that then never answers', () => {
    let client: CanisterClient;
    before(async () => {
      const server = await start(statusThenSilence());
      client = await CanisterClient.connect(networkAt(server.url), identity, { requestTimeoutMs: DEADLINE_MS });
    });

    it('a query, with its retries, fails within the deadline', async () => {
      expectTimedOut(await timed(() => client.query(SOME_CANISTER, 'health', EMPTY_CANDID_ARGS)));
    });

    it('a certified read (read_state), with its retries, fails within the deadline', async () => {
      expectTimedOut(await timed(() => client.moduleHash(SOME_CANISTER)));
    });

    it('an update fails within the deadline and says its outcome is unknown', async () => {
      const result = await timed(() => client.update(SOME_CANISTER, 'remember', EMPTY_CANDID_ARGS));
      expectTimedOut(result);
      expect(result.error.details.outcomeUnknown).to.equal(true);
      expect(result.error.message).to.contain('remember may still have been executed');
    });

    it('the health probe reports the network, not the canister, within the deadline', async () => {
      const started = Date.now();
      const verdict = await client.health(SOME_CANISTER, { method: 'health' });
      expect(Date.now() - started).to.be.below(BOUND_MS);
      expect(verdict).to.include({ healthy: false, reachable: false });
      expect(verdict.networkError?.code).to.equal('NETWORK_UNREACHABLE');
    });
  });
});

describe('a hostile network: garbage is a CanisterClientError, never a foreign error', function () {
  this.timeout(60_000);
  const expectedCodes = ['HTTP_ERROR', 'UNEXPECTED_REPLY'];

  for (const kind of GARBAGE_KINDS) {
    describe(`a server that answers 200 with ${kind}`, () => {
      let server: HostileServer;
      before(async () => {
        server = await garbageServer(kind);
      });
      after(async () => server.close());

      if (kind !== 'status-then-garbage') {
        it('connect fails with HTTP_ERROR or UNEXPECTED_REPLY, one readable sentence and a hint', async () => {
          const { error, elapsedMs, stderr } = await timed(() =>
            CanisterClient.connect(networkAt(server.url), identity, { requestTimeoutMs: DEADLINE_MS }),
          );
          expect(expectedCodes, `${error.code}: ${error.message}`).to.include(error.code);
          expect(stderr, 'nothing on the console').to.equal('');
          expect(error.message).to.contain(server.url);
          expectReadable(error);
          expect(elapsedMs).to.be.below(BOUND_MS);
        });
        return;
      }

      // Its status reply looks right, so connect succeeds; everything after that is garbage.
      let client: CanisterClient;
      before(async () => {
        client = await CanisterClient.connect(networkAt(server.url), identity, { requestTimeoutMs: DEADLINE_MS });
      });
      const operations: Array<[string, () => Promise<unknown>]> = [
        ['canister_status (an update)', () => client.status(SOME_CANISTER)],
        ['a query', () => client.query(SOME_CANISTER, 'health', EMPTY_CANDID_ARGS)],
        ['read_state', () => client.info(SOME_CANISTER)],
        ['fetch_canister_logs', () => client.logs(SOME_CANISTER)],
        ['an update call', () => client.update(SOME_CANISTER, 'remember', EMPTY_CANDID_ARGS)],
      ];
      for (const [name, operation] of operations) {
        it(`${name} fails with UNEXPECTED_REPLY, one readable sentence and a hint`, async () => {
          const { error, stderr } = await timed(operation);
          expect(expectedCodes, `${error.code}: ${error.message}`).to.include(error.code);
          expectReadable(error);
          expect(stderr, 'nothing on the console').to.equal('');
        });
      }

      it('the health probe says the network gave no usable answer (not that the canister is unhealthy)', async () => {
        const verdict = await client.health(SOME_CANISTER, { method: 'health' });
        expect(verdict).to.include({ healthy: false, reachable: false });
        expect(expectedCodes).to.include(verdict.networkError?.code);
        expect(verdict.networkError?.hint).to.be.a('string');
      });
    });
  }
});

describe('a hostile network: classification of what the agent and fetch throw', () => {
  const site = { network: networkAt('http://127.0.0.1:4999'), method: 'canister_status', timeoutMs: DEADLINE_MS };

  it('an answer that is not HTTP (llhttp parse error) is HTTP_ERROR with a hint, not "cannot reach"', () => {
    const parse = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' }),
    });
    const error = classifyAgentError(TransportError.fromCode(new HttpFetchErrorCode(parse)), site);
    expect(error.code).to.equal('HTTP_ERROR');
    expect(error.message).to.contain('not HTTP');
    expectReadable(error);
  });

  it('an HTTP error page is one line, however many lines its body has', () => {
    const page = `<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n${'x'.repeat(5000)}\n</body>\n</html>`;
    const error = classifyAgentError(ProtocolError.fromCode(new HttpErrorCode(502, 'Bad Gateway', [], page)), site);
    expect(error.code).to.equal('HTTP_ERROR');
    expectReadable(error);
  });

  it('CBOR that does not decode is UNEXPECTED_REPLY describing the bytes, without the decoder stack', () => {
    const decodeFailure = new Error('Unsupported integer info: 11100\n    at decodeUnsignedInteger (cbor.mjs:1:2)');
    const error = classifyAgentError(
      InputError.fromCode(new CborDecodeErrorCode(decodeFailure, Uint8Array.of(0x1c, 1, 2))),
      site,
    );
    expect(error.code).to.equal('UNEXPECTED_REPLY');
    expect(error.message).to.contain('the canister_status request').and.contain('0x1c0102');
    expectReadable(error);
  });

  it('the agent tripping over a reply of another shape is UNEXPECTED_REPLY', () => {
    const error = classifyAgentError(
      new TypeError("Cannot read properties of undefined (reading 'certificate')"),
      site,
    );
    expect(error.code).to.equal('UNEXPECTED_REPLY');
    expectReadable(error);
  });

  it('our deadline, wherever the agent wrapped it, names the deadline that applied', () => {
    const wrapped = TransportError.fromCode(new HttpFetchErrorCode(new DeadlineExceededError(700)));
    const error = classifyAgentError(wrapped, site);
    expect(error.code).to.equal('NETWORK_UNREACHABLE');
    expect(error.message).to.contain('within 700 ms');
  });
});
