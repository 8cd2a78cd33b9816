import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { runJson, wasm } from './deploy-support.js';

/**
 * Wrong input to `promote --blue-green` and the `bluegreen` commands: a documented exit code,
 * `Error:` and `Hint:` lines, no stack trace, and nothing written (store and canister_ids.json).
 */
describe('soulrecall binary: blue-green bad input', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  const project = join(sandbox.home, 'project');

  /** Everything a command could write: audit log (every store mutation), canisters, promotions, canister_ids.json. */
  const written = () => {
    const store = sandbox.openStore(project);
    try {
      return {
        audit: store.audit.list({ limit: 100_000 }).length,
        canisters: store.canisters.list({ includeDecommissioned: true }).length,
        promotions: store.promotions.list({ limit: 1000 }).length,
        canisterIds: existsSync(join(project, 'canister_ids.json'))
          ? readFileSync(join(project, 'canister_ids.json'), 'utf8')
          : null,
      };
    } finally {
      store.close();
    }
  };

  before(async () => {
    const devnet = await pool.start();
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, 'soulrecall.yaml'),
      `pipeline: [staging, prod]
environments:
  staging: { network: "${devnet.url}" }
  prod: { network: "${devnet.url}", aliases: [production] }
agents:
  my-agent: { wasm: ${JSON.stringify(wasm.v1)}, health: { method: health } }
`,
    );
    // A live (blue) canister in prod, and a newer module tested in staging.
    for (const args of [
      ['deploy', 'my-agent', '-e', 'prod'],
      ['deploy', 'my-agent', '-e', 'staging', '-w', wasm.v2],
    ]) {
      const result = await runJson(sandbox, project, args);
      expect(result.exitCode, result.stderr).to.equal(0);
    }
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  const promote = ['promote', 'my-agent', '--from', 'staging', '--to', 'prod', '--blue-green'];
  const cases: Array<{ name: string; args: string[]; exitCode: number; code?: string; message: RegExp }> = [
    {
      name: 'an unknown agent',
      args: ['promote', 'ghost', '--from', 'staging', '--to', 'prod', '--blue-green', '--state', 'fresh'],
      exitCode: 4,
      code: 'AGENT_NOT_FOUND',
      message: /Unknown agent "ghost"/,
    },
    {
      name: 'an unknown target environment',
      args: ['promote', 'my-agent', '--from', 'staging', '--to', 'moon', '--blue-green', '--state', 'fresh'],
      exitCode: 4,
      code: 'ENVIRONMENT_NOT_FOUND',
      message: /Unknown environment "moon"/,
    },
    {
      name: '--no-switch with --decommission',
      args: [...promote, '--state', 'fresh', '--no-switch', '--decommission'],
      exitCode: 2,
      code: 'FLAGS_CONFLICT',
      message: /--no-switch keeps blue live/,
    },
    {
      name: 'an unsupported --state',
      args: [...promote, '--state', 'empty'],
      exitCode: 2,
      message: /Expected --state=empty to be one of: copy, fresh/,
    },
    {
      name: 'status of an unknown agent',
      args: ['bluegreen', 'status', 'ghost', '-e', 'prod'],
      exitCode: 4,
      code: 'AGENT_NOT_FOUND',
      message: /Unknown agent "ghost"/,
    },
    {
      name: 'status of an unknown environment',
      args: ['bluegreen', 'status', 'my-agent', '-e', 'moon'],
      exitCode: 4,
      code: 'ENVIRONMENT_NOT_FOUND',
      message: /Unknown environment "moon"/,
    },
    {
      name: 'status without -e',
      args: ['bluegreen', 'status', 'my-agent'],
      exitCode: 2,
      message: /Missing required flag env/,
    },
    {
      name: 'switch with no green',
      args: ['bluegreen', 'switch', 'my-agent', '-e', 'prod'],
      exitCode: 4,
      code: 'NO_GREEN',
      message: /has no green canister beside the live one/,
    },
    {
      name: 'finish with no green',
      args: ['bluegreen', 'finish', 'my-agent', '-e', 'prod'],
      exitCode: 4,
      code: 'NO_GREEN',
      message: /nothing to finish/,
    },
    {
      name: 'abort with no green',
      args: ['bluegreen', 'abort', 'my-agent', '-e', 'prod'],
      exitCode: 4,
      code: 'NO_GREEN',
      message: /nothing to abort/,
    },
    {
      name: 'abort of an unknown agent',
      args: ['bluegreen', 'abort', 'ghost', '-e', 'prod'],
      exitCode: 4,
      code: 'AGENT_NOT_FOUND',
      message: /Unknown agent "ghost"/,
    },
  ];

  for (const testCase of cases) {
    it(`${testCase.name}: exit ${testCase.exitCode}, Error and Hint, no stack trace, nothing written`, async () => {
      const before = written();
      const human = await sandbox.run(testCase.args, { cwd: project });
      expect(human.exitCode, human.stderr).to.equal(testCase.exitCode);
      expect(human.stderr)
        .to.match(/^Error: /m)
        .and.match(testCase.message)
        .and.not.match(STACK_TRACE);
      expect(human.stdout).to.equal('');
      if (testCase.code) {
        expect(human.stderr).to.match(/^Hint: /m);
        const machine = await runJson(sandbox, project, testCase.args);
        expect(machine.exitCode).to.equal(testCase.exitCode);
        expect(machine.json.error).to.include({ code: testCase.code, exitCode: testCase.exitCode });
        expect(machine.json.error.hint).to.be.a('string').and.not.empty;
      }
      expect(written()).to.deep.equal(before);
    });
  }
});
