import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CanisterClient, IdentityStore } from '@soulrecall/canister-client';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, closedPortUrl, createProject, type TestProject } from '../helpers/project.js';

interface BadPromoteCase {
  name: string;
  /** `{foreign}`, `{succeeded}` and `{dir}` are replaced once the fixtures exist. */
  args: string[];
  /** The exit code from the README's table. */
  exitCode: number;
  /** The error code of the --json output. */
  code: string;
  /** What the `Error:` sentence must say. */
  error: RegExp;
  /** What the `Hint:` must say, when it matters. */
  hint?: RegExp;
}

const cases: BadPromoteCase[] = [
  {
    name: 'unknown agent',
    args: ['promote', 'nobody', '-f', 'local', '-t', 'staging'],
    exitCode: 4,
    code: 'AGENT_NOT_FOUND',
    error: /Unknown agent "nobody"/,
    hint: /my-agent/,
  },
  {
    name: 'unknown environment',
    args: ['promote', 'my-agent', '-f', 'local', '-t', 'qa'],
    exitCode: 4,
    code: 'ENVIRONMENT_NOT_FOUND',
    error: /Unknown environment "qa"/,
    hint: /local.*staging/,
  },
  {
    name: 'unknown alias',
    args: ['promote', 'my-agent', '-f', 'dev', '-t', 'stg'],
    exitCode: 4,
    code: 'ENVIRONMENT_NOT_FOUND',
    error: /Unknown environment "stg"/,
  },
  {
    name: 'same source and target (name and alias)',
    args: ['promote', 'my-agent', '-f', 'local', '-t', 'dev'],
    exitCode: 2,
    code: 'SAME_ENVIRONMENT',
    error: /from local to itself/,
    hint: /soulrecall deploy/,
  },
  {
    name: 'last stage without --to',
    args: ['promote', 'my-agent', '-f', 'staging'],
    exitCode: 2,
    code: 'NO_NEXT_STAGE',
    error: /staging is the last stage/,
    hint: /--to/,
  },
  {
    name: 'never deployed to the source',
    args: ['promote', 'idle-agent', '-f', 'local'],
    exitCode: 4,
    code: 'SOURCE_NOT_DEPLOYED',
    error: /idle-agent has never been deployed to local/,
    hint: /soulrecall deploy idle-agent -e local/,
  },
  {
    name: 'source deployment failed',
    args: ['promote', 'failed-agent', '-f', 'local'],
    exitCode: 9,
    code: 'SOURCE_DEPLOYMENT_FAILED',
    error: /is failed, not a tested version/,
    hint: /Fix it in local first/,
  },
  {
    name: '-w file missing',
    args: ['promote', 'my-agent', '-f', 'local', '-w', '{dir}/missing.wasm'],
    exitCode: 4,
    code: 'WASM_NOT_FOUND',
    error: /No module at \S+missing\.wasm \(given with -w\)/,
    hint: /--wasm-path/,
  },
  {
    name: '-w file not Wasm',
    args: ['promote', 'my-agent', '-f', 'local', '-w', '{dir}/notes.wasm', '--yes'],
    exitCode: 5,
    code: 'WASM_',
    error: /notes\.wasm/,
  },
  {
    name: '-w file empty',
    args: ['promote', 'my-agent', '-f', 'local', '-w', '{dir}/empty.wasm', '--yes'],
    exitCode: 5,
    code: 'WASM_',
    error: /empty\.wasm/,
  },
  {
    name: '-w module not tested in the source, without --yes',
    args: ['promote', 'my-agent', '-f', 'local', '-w', agentWasm.v2],
    exitCode: 10,
    code: 'MODULE_NOT_FROM_SOURCE',
    error: /is not what runs in local/,
    hint: /--yes/,
  },
  {
    name: 'unknown strategy',
    args: ['promote', 'my-agent', '-f', 'local', '--strategy', 'canary'],
    exitCode: 4,
    code: 'STRATEGY_NOT_INSTALLED',
    error: /No installed plugin provides the promotion strategy "canary"/,
    hint: /in-place.*soulrecall plugins install/,
  },
  {
    name: '--target-canister not a principal',
    args: ['promote', 'my-agent', '-f', 'local', '--target-canister', 'not-a-canister'],
    exitCode: 5,
    code: 'INVALID_',
    error: /not-a-canister/,
  },
  {
    name: 'unreachable target network',
    args: ['promote', 'my-agent', '-f', 'local', '-t', 'offline'],
    exitCode: 6,
    code: 'NETWORK_',
    error: /127\.0\.0\.1/,
  },
  {
    name: 'identity not a controller of --target-canister',
    args: ['promote', 'my-agent', '-f', 'local', '-t', 'staging', '--target-canister', '{foreign}'],
    exitCode: 7,
    code: 'NOT_A_CONTROLLER',
    error: /does not control canister \S+ in staging/,
    hint: /identity/,
  },
  {
    name: 'resume of an unknown promotion',
    args: ['promote', 'resume', 'prm-nope00'],
    exitCode: 4,
    code: 'PROMOTION_NOT_FOUND',
    error: /Promotion prm-nope00 does not exist\./,
    hint: /promote list/,
  },
  {
    name: 'abort of an unknown promotion',
    args: ['promote', 'abort', 'prm-nope00'],
    exitCode: 4,
    code: 'PROMOTION_NOT_FOUND',
    error: /Promotion prm-nope00 does not exist\./,
    hint: /promote list/,
  },
  {
    name: 'abort of a succeeded promotion',
    args: ['promote', 'abort', '{succeeded}'],
    exitCode: 9,
    code: 'PROMOTION_NOT_ABORTABLE',
    error: /is succeeded; there is nothing to abort/,
    hint: /soulrecall rollback/,
  },
  {
    name: 'resume of a succeeded promotion',
    args: ['promote', 'resume', '{succeeded}'],
    exitCode: 9,
    code: 'PROMOTION_NOT_RESUMABLE',
    error: /is succeeded; only a planned, running/,
  },
];

/**
 * Bad input to `promote`, `promote resume` and `promote abort`: the documented exit code, one
 * `Error:` sentence and a `Hint:` on stderr, no stack trace, nothing on stdout, and nothing
 * written (no promotion, deployment or lock); with --json, exactly one `{error}` document.
 */
describe('soulrecall binary: bad input to promote', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  const foreignHome = mkdtempSync(join(tmpdir(), 'soulrecall-foreign-'));
  let project: TestProject;
  const fixtures: Record<string, string> = {};

  const counts = () =>
    project.withStore((store) => ({
      promotions: store.promotions.list({ limit: 100_000 }).length,
      deployments: store.deployments.list({ limit: 100_000 }).length,
      locks: store.locks.list().length,
    }));

  before(async () => {
    project = await createProject(sandbox, pool, {
      stages: ['local', 'staging'],
      protectedStages: [],
      aliases: { local: ['dev'] },
      extraEnvironments: { offline: await closedPortUrl() },
      extraAgents: {
        'idle-agent': `{ wasm: ${JSON.stringify(agentWasm.v1)} }`,
        'failed-agent': `{ wasm: ${JSON.stringify(agentWasm.v1)} }`,
      },
    });
    fixtures.dir = project.dir;
    writeFileSync(join(project.dir, 'notes.wasm'), 'these are not the bytes you are looking for\n');
    writeFileSync(join(project.dir, 'empty.wasm'), '');
    const deployed = await project.deploy('my-agent', 'local');
    const promoted = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(promoted.exitCode, promoted.stderr).to.equal(0);
    fixtures.succeeded = promoted.json.promotionId;

    // A canister in staging that another identity controls.
    const identities = new IdentityStore({ dataDir: foreignHome });
    identities.create('intruder');
    const intruder = await CanisterClient.connect(
      { name: 'staging', url: project.devnets.staging!.url, kind: 'url' },
      identities.resolve('intruder'),
    );
    fixtures.foreign = await intruder.createCanister();

    // failed-agent: its live deployment in local failed (recorded as another tool would leave it).
    project.withStore((store) => {
      const canisterId = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
      store.canisters.record({
        canisterId,
        networkUrl: project.devnets.local!.url,
        environment: 'local',
        agent: 'failed-agent',
      });
      const deployment = store.deployments.begin({
        agent: 'failed-agent',
        environment: 'local',
        canisterId,
        moduleSha256: deployed.moduleSha256,
        installMode: 'install',
      });
      store.deployments.finish(deployment.id, { status: 'failed', error: 'install trapped' });
      store.routes.set({ agent: 'failed-agent', environment: 'local', canisterId, cause: 'deploy' });
    });
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
    rmSync(foreignHome, { recursive: true, force: true });
  });

  const fill = (args: string[]) =>
    args.map((arg) => arg.replace(/\{(\w+)\}/g, (_, key: string) => fixtures[key] ?? `{${key}}`));

  for (const badCase of cases) {
    it(`${badCase.name}: exit ${badCase.exitCode}`, async () => {
      const before = counts();
      const args = fill(badCase.args);
      // Both forms at once: nothing is written, so they cannot disturb each other.
      const [result, json] = await Promise.all([project.run(args), project.json(args)]);
      expect(result.exitCode, result.stderr).to.equal(badCase.exitCode);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.match(/^Error: /m);
      expect(result.stderr.match(/^Error: .*$/m)![0]).to.match(badCase.error);
      expect(result.stderr).to.match(/^Hint: \S/m);
      if (badCase.hint) expect(result.stderr.slice(result.stderr.indexOf('Hint: '))).to.match(badCase.hint);
      expect(result.stderr).not.to.match(STACK_TRACE);

      expect(json.exitCode).to.equal(badCase.exitCode);
      expect(json.stderr, 'nothing but the JSON document with --json').to.equal('');
      expect(json.json.error.exitCode).to.equal(badCase.exitCode);
      expect(json.json.error.code.startsWith(badCase.code), json.json.error.code).to.equal(true);
      expect(json.json.error.hint).to.be.a('string').and.not.empty;
      expect(counts(), 'nothing written').to.deep.equal(before);
    });
  }
});
