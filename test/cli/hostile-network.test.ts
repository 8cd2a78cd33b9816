import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedPortUrl, WASM } from '../../packages/core/test/inventory-fixture.js';
import {
  drippingServer,
  GARBAGE_KINDS,
  garbageServer,
  type HostileServer,
  silentServer,
} from '../../packages/canister-client/test/support/hostile-servers.js';
import { CliSandbox, STACK_TRACE, type CliResult } from '../helpers/cli.js';

/** A canister id recorded in every hostile environment, so commands over "every canister" ask the network about it. */
const CANISTER = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const DEADLINE_MS = 1500;
/** Generous (a shared, noisy machine, plus the binary's start-up): one deadline, not four. */
const BOUND_MS = 2 * DEADLINE_MS + 2000;
const TIMEOUT_ENV = { SOULRECALL_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) };

/** The commands that talk to an environment's network, as a user types them. */
const COMMANDS: Record<string, (env: string) => string[]> = {
  'status <id>': (env) => ['status', CANISTER, '--network', env],
  'status --network': (env) => ['status', '--network', env],
  health: (env) => ['health', CANISTER, '--network', env],
  deploy: (env) => ['deploy', 'my-agent', '-e', env, '--yes'],
  logs: (env) => ['logs', '--network', env],
};

/** Human output of a failure: one `Error:` sentence first on stderr, a `Hint:`, no stack trace, nothing on stdout. */
function expectHumanFailure(result: CliResult, exitCode: number): void {
  const context = `exit ${result.exitCode}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`;
  expect(result.exitCode, context).to.equal(exitCode);
  expect(result.stderr, context).to.match(/^Error: /);
  expect(result.stderr, context).to.match(/^Hint: \S/m);
  expect(result.stderr, context).not.to.match(STACK_TRACE);
  expect(result.stdout, context).to.equal('');
}

/** --json output of a failure: exactly one JSON document on stdout, `{"error": {...}}`, no stack trace anywhere. */
function expectJsonFailure(
  result: CliResult,
  exitCode: number,
): { code: string; message: string; hint?: string; exitCode: number; details?: Record<string, unknown> } {
  const context = `exit ${result.exitCode}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`;
  expect(result.exitCode, context).to.equal(exitCode);
  let document: { error?: { code: string; message: string; hint?: string; exitCode: number } };
  try {
    document = JSON.parse(result.stdout);
  } catch {
    expect.fail(`stdout is not one JSON document\n${context}`);
  }
  expect(document.error, context).to.be.an('object');
  expect(document.error!.exitCode, context).to.equal(exitCode);
  expect(document.error!.message, context).to.be.a('string').and.not.match(/\n/);
  expect(document.error!.hint, context).to.be.a('string');
  expect(result.stdout + result.stderr, context).not.to.match(STACK_TRACE);
  return document.error!;
}

async function timedRun(run: () => Promise<CliResult>): Promise<CliResult & { elapsedMs: number }> {
  const started = Date.now();
  const result = await run();
  return { ...result, elapsedMs: Date.now() - started };
}

describe('soulrecall binary: a hostile network', function () {
  this.timeout(600_000);
  const sandbox = new CliSandbox();
  const projectDir = join(sandbox.home, 'project');
  const servers: HostileServer[] = [];
  const environments: Record<string, string> = {};

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    sandbox.run(args, { cwd: projectDir, env: { ...TIMEOUT_ENV, ...env } });

  before(async () => {
    const add = async (name: string, server: Promise<HostileServer>) => {
      const started = await server;
      servers.push(started);
      environments[name] = started.url;
    };
    await add('silent', silentServer());
    await add('drip-headers', drippingServer('headers'));
    await add('drip-body', drippingServer('body'));
    for (const kind of GARBAGE_KINDS) await add(kind, garbageServer(kind));
    environments.closed = await closedPortUrl();

    mkdirSync(projectDir, { recursive: true });
    const lines = Object.entries(environments).map(([name, url]) => `  ${name}: { network: "${url}" }`);
    writeFileSync(
      join(projectDir, 'soulrecall.yaml'),
      [
        'pipeline: [closed]',
        'environments:',
        ...lines,
        'agents:',
        `  my-agent: { wasm: "${WASM.v1}", health: { method: health } }`,
        '',
      ].join('\n'),
    );
    const store = sandbox.openStore(projectDir);
    try {
      for (const [environment, networkUrl] of Object.entries(environments))
        store.canisters.record({ canisterId: CANISTER, networkUrl, environment, agent: 'my-agent' });
    } finally {
      store.close();
    }
    // The default identity is created on first use; create it once, not in whichever test runs first.
    const principal = await sandbox.run(['identity', 'export-principal'], { cwd: projectDir });
    expect(principal.exitCode, principal.stderr).to.equal(0);
  });

  after(async () => {
    for (const server of servers.splice(0)) await server.close();
    sandbox.cleanup();
  });

  describe('timeouts that hold (SOULRECALL_REQUEST_TIMEOUT_MS)', () => {
    for (const environment of ['silent', 'drip-headers', 'drip-body']) {
      it(`status --network ${environment}: exit 6 within the deadline, and the message names it`, async () => {
        const human = await timedRun(() => run(['status', '--network', environment]));
        expectHumanFailure(human, 6);
        expect(human.stderr).to.contain(`did not answer within ${DEADLINE_MS} ms`);
        expect(human.elapsedMs, `took ${human.elapsedMs} ms`).to.be.below(BOUND_MS);

        const json = await timedRun(() => run(['status', '--network', environment, '--json']));
        const error = expectJsonFailure(json, 6);
        expect(error).to.include({ code: 'NETWORK_UNREACHABLE' });
        expect(error.message).to.contain(`within ${DEADLINE_MS} ms`);
        expect(error.details).to.include({ timedOut: true, timeoutMs: DEADLINE_MS });
        expect(json.elapsedMs, `took ${json.elapsedMs} ms`).to.be.below(BOUND_MS);
      });
    }

    for (const [name, args] of Object.entries(COMMANDS)) {
      it(`${name} against a server that never answers: exit 6 within the deadline`, async () => {
        const result = await timedRun(() => run(args('silent')));
        expectHumanFailure(result, 6);
        expect(result.stderr).to.contain(`within ${DEADLINE_MS} ms`);
        expect(result.elapsedMs, `took ${result.elapsedMs} ms`).to.be.below(BOUND_MS);
      });
    }

    it('an unusable SOULRECALL_REQUEST_TIMEOUT_MS is refused with exit 5 and a hint', async () => {
      const result = await run(['status', '--network', 'silent'], { SOULRECALL_REQUEST_TIMEOUT_MS: 'soon' });
      expectHumanFailure(result, 5);
      expect(result.stderr).to.contain('SOULRECALL_REQUEST_TIMEOUT_MS');
    });
  });

  describe('a server that answers 200 with garbage: one sentence, a hint, exit 6, never a stack trace', () => {
    for (const kind of GARBAGE_KINDS) {
      for (const [name, args] of Object.entries(COMMANDS)) {
        it(`${kind} × ${name}`, async () => {
          expectHumanFailure(await run(args(kind)), 6);
          const error = expectJsonFailure(await run([...args(kind), '--json']), 6);
          expect(['HTTP_ERROR', 'UNEXPECTED_REPLY'], `${error.code}: ${error.message}`).to.include(error.code);
          expect(error.message).to.contain(environments[kind]);
        });
      }
    }
  });

  describe('--json always prints one JSON document', () => {
    const cases: Record<string, string[]> = {
      ...Object.fromEntries(Object.entries(COMMANDS).map(([name, args]) => [name, args('closed')])),
      'logs <id>': ['logs', CANISTER, '--network', 'closed'],
    };
    for (const [name, args] of Object.entries(cases)) {
      it(`${name} against a closed port: {"error": {...}} with NETWORK_UNREACHABLE, exit 6`, async () => {
        const error = expectJsonFailure(await run([...args, '--json']), 6);
        expect(error).to.include({ code: 'NETWORK_UNREACHABLE' });
        expect(error.message).to.contain(environments.closed);
        expectHumanFailure(await run(args), 6);
      });
    }
  });
});
