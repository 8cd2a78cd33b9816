import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closedPortUrl,
  projectYaml,
  seedCanister,
  WASM,
  type SeededCanister,
} from '../../packages/core/test/inventory-fixture.js';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';

/** A valid principal that no canister on the devnet has and soulrecall never recorded. */
const NOWHERE = 'um5iw-rqaaa-aaaaq-qaaba-cai';

interface BadInputCase {
  name: string;
  /** `{live}` and `{spare}` are replaced by the seeded canisters' ids. */
  args: string[];
  /** The exit code from the README's table. */
  exitCode: number;
  /** What the one sentence on stderr must say. */
  error: RegExp;
  /** Runs before the command (e.g. select another identity) and after it (undo). */
  around?: { before: string[]; after: string[] };
}

/**
 * Every issue-6 command refuses bad input with its documented exit code, one `Error:` sentence
 * and a `Hint:`, no stack trace, nothing on stdout, and nothing written to the history store.
 */
describe('soulrecall binary: bad input to the core commands', function () {
  this.timeout(300_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const projectDir = join(sandbox.home, 'project');
  const configPath = join(projectDir, 'soulrecall.yaml');
  let live: SeededCanister;
  let spare: SeededCanister;

  before(async () => {
    const devnet = await pool.start();
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(configPath, projectYaml(devnet.url, await closedPortUrl()));
    writeFileSync(join(projectDir, 'notes.txt'), 'these are not the bytes you are looking for\n');
    writeFileSync(join(projectDir, 'empty.wasm'), '');
    writeFileSync(join(projectDir, 'fake.wasm'), 'not wasm at all');
    live = await seedCanister({
      dataDir: sandbox.home,
      configPath,
      environment: 'local',
      agent: 'my-agent',
      wasm: WASM.v1,
      live: true,
    });
    spare = await seedCanister({
      dataDir: sandbox.home,
      configPath,
      environment: 'local',
      agent: 'my-agent',
      wasm: WASM.v1,
    });
    const created = await sandbox.run(['identity', 'new', 'intruder']);
    expect(created.exitCode, created.stderr).to.equal(0);
  });

  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  /** Row counts of everything the store keeps; equal before and after = nothing written. */
  function storeRows(): Record<string, number> {
    const store = sandbox.openStore(projectDir);
    try {
      const all = 1_000_000;
      return {
        canisters: store.canisters.list({ includeDecommissioned: true }).length,
        decommissioned: store.canisters.list({ includeDecommissioned: true }).filter((c) => c.decommissionedAt !== null)
          .length,
        deployments: store.deployments.list({ limit: all }).length,
        routeChanges: store.routes.history({ limit: all }).length,
        backups: store.backups.list({ includeDeleted: true, limit: all }).length,
        artifacts: store.artifacts.list().length,
        // A request the network refused leaves its journaled intent (`*-requested`): that is the
        // record of an attempt, not state; every other entry must be unchanged.
        audit: store.audit.list({ limit: all }).filter((entry) => !entry.action.endsWith('-requested')).length,
      };
    } finally {
      store.close();
    }
  }

  const cases: BadInputCase[] = [
    // deploy (part A's command, documented behaviour)
    { name: 'deploy: unknown agent', args: ['deploy', 'ghost', '-e', 'local'], exitCode: 4, error: /ghost/ },
    { name: 'deploy: unknown environment', args: ['deploy', 'my-agent', '-e', 'mars'], exitCode: 4, error: /mars/ },
    {
      name: 'deploy: wasm path missing',
      args: ['deploy', 'my-agent', '-e', 'local', '-w', 'missing.wasm'],
      exitCode: 4,
      error: /missing\.wasm/,
    },
    {
      name: 'deploy: file is not Wasm',
      args: ['deploy', 'my-agent', '-e', 'local', '-w', 'notes.txt'],
      exitCode: 5,
      error: /notes\.txt|Wasm|WebAssembly/i,
    },
    {
      name: 'deploy: .wasm file that is not Wasm',
      args: ['deploy', 'my-agent', '-e', 'local', '-w', 'fake.wasm'],
      exitCode: 5,
      error: /fake\.wasm|Wasm|WebAssembly/i,
    },
    {
      name: 'deploy: empty wasm',
      args: ['deploy', 'my-agent', '-e', 'local', '-w', 'empty.wasm'],
      exitCode: 5,
      error: /empty/i,
    },
    {
      name: 'deploy: --canister not a principal',
      args: ['deploy', 'my-agent', '-e', 'local', '--canister', 'not-a-canister'],
      exitCode: 5,
      error: /not-a-canister/,
    },
    {
      name: 'deploy: network unreachable',
      args: ['deploy', 'my-agent', '-e', 'dead'],
      exitCode: 6,
      error: /127\.0\.0\.1|unreachable|answer/i,
    },
    {
      name: 'deploy: agent without a module and no -w',
      args: ['deploy', 'other', '-e', 'local'],
      exitCode: 5,
      error: /other/,
    },
    {
      name: 'deploy: protected environment without --yes or a terminal',
      args: ['deploy', 'my-agent', '-e', 'staging'],
      exitCode: 10,
      error: /staging|confirm/i,
    },
    // rollback (part A)
    {
      name: 'rollback: canister id not a principal',
      args: ['rollback', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'rollback: canister unknown to soulrecall',
      args: ['rollback', NOWHERE],
      exitCode: 4,
      error: /not known to soulrecall/,
    },
    {
      name: 'rollback: --to-version that does not exist',
      args: ['rollback', '{live}', '--to-version', '99'],
      exitCode: 4,
      error: /99/,
    },
    {
      name: 'rollback: unknown environment',
      args: ['rollback', '{live}', '-e', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    // backup (part A)
    {
      name: 'backup create: canister id not a principal',
      args: ['backup', 'create', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'backup create: canister unknown to soulrecall',
      args: ['backup', 'create', NOWHERE],
      exitCode: 4,
      error: /not known to soulrecall/,
    },
    {
      name: 'backup restore: unknown backup id',
      args: ['backup', 'restore', 'bak-zzzzzz', '--yes'],
      exitCode: 4,
      error: /bak-zzzzzz/,
    },
    {
      name: 'backup list: unknown environment',
      args: ['backup', 'list', '-e', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    // list
    {
      name: 'list: unknown environment',
      args: ['list', '-e', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    // status
    {
      name: 'status: canister id not a principal',
      args: ['status', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'status: canister not on that network',
      args: ['status', NOWHERE, '--network', 'local'],
      exitCode: 4,
      error: new RegExp(NOWHERE),
    },
    {
      name: 'status: unknown environment',
      args: ['status', '--network', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    { name: 'status: network unreachable', args: ['status', '--network', 'dead'], exitCode: 6, error: /127\.0\.0\.1/ },
    { name: 'status: neither canister nor network', args: ['status'], exitCode: 2, error: /canister id, or --network/ },
    // health
    {
      name: 'health: canister id not a principal',
      args: ['health', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'health: canister unknown to soulrecall',
      args: ['health', NOWHERE],
      exitCode: 4,
      error: /not known to soulrecall/,
    },
    {
      name: 'health: canister not on that network',
      args: ['health', NOWHERE, '--network', 'local'],
      exitCode: 4,
      error: new RegExp(NOWHERE),
    },
    {
      name: 'health: network unreachable',
      args: ['health', '{live}', '--network', 'dead'],
      exitCode: 6,
      error: /127\.0\.0\.1/,
    },
    // logs
    {
      name: 'logs: bad --since',
      args: ['logs', '{live}', '--since', 'last tuesday'],
      exitCode: 2,
      error: /--since "last tuesday"/,
    },
    {
      name: 'logs: canister id not a principal',
      args: ['logs', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'logs: unknown environment',
      args: ['logs', '--network', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    { name: 'logs: no canister and no network', args: ['logs'], exitCode: 2, error: /Say whose logs/ },
    {
      name: 'logs: canister not on that network',
      args: ['logs', NOWHERE, '--network', 'local'],
      exitCode: 4,
      error: new RegExp(NOWHERE),
    },
    {
      name: 'logs --follow: canister id not a principal',
      args: ['logs', 'xyz', '--follow'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    // delete
    {
      name: 'delete: the live canister',
      args: ['delete', '{live}', '--yes'],
      exitCode: 9,
      error: /is the live canister of my-agent in local/,
    },
    {
      name: 'delete: canister id not a principal',
      args: ['delete', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'delete: canister unknown to soulrecall',
      args: ['delete', NOWHERE],
      exitCode: 4,
      error: /not known to soulrecall/,
    },
    {
      name: 'delete: identity not a controller',
      args: ['delete', '{spare}'],
      exitCode: 7,
      error: /controller/i,
      around: { before: ['identity', 'use', 'intruder'], after: ['identity', 'use', 'default'] },
    },
    // config
    {
      name: 'config set --routing: not a principal',
      args: ['config', 'set', '--routing', 'xyz'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'config set --routing: canister unknown to soulrecall',
      args: ['config', 'set', '--routing', NOWHERE],
      exitCode: 4,
      error: /not known to soulrecall/,
    },
    {
      name: 'config set --routing: unknown environment',
      args: ['config', 'set', '--routing', '{spare}', '-e', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    {
      name: 'config get --routing: unknown environment',
      args: ['config', 'get', '--routing', '-e', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
    },
    // identity
    { name: 'identity use: unknown identity', args: ['identity', 'use', 'nobody'], exitCode: 4, error: /nobody/ },
  ];

  const bind = (args: string[]) =>
    args.map((arg) => arg.replace('{live}', live.canisterId).replace('{spare}', spare.canisterId));

  for (const testCase of cases) {
    it(`${testCase.name} → exit ${testCase.exitCode}`, async () => {
      if (testCase.around)
        expect((await sandbox.run(testCase.around.before, { cwd: projectDir })).exitCode).to.equal(0);
      const before = storeRows();
      try {
        const result = await sandbox.run(bind(testCase.args), { cwd: projectDir });
        const shown = `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
        expect(result.exitCode, shown).to.equal(testCase.exitCode);
        expect(result.stdout, shown).to.equal('');
        const lines = result.stderr.trimEnd().split('\n');
        expect(lines[0], shown).to.match(/^Error: \S/);
        expect(lines[0], shown).to.match(testCase.error);
        expect(
          lines.filter((line) => line.startsWith('Hint: ')),
          shown,
        ).to.have.length(1);
        expect(result.stderr, shown).to.not.match(STACK_TRACE);
        expect(storeRows(), 'nothing written').to.deep.equal(before);
      } finally {
        if (testCase.around) await sandbox.run(testCase.around.after, { cwd: projectDir });
      }
    });
  }

  it('covers at least 25 cases across the commands of issue 6', () => {
    expect(cases.length).to.be.at.least(25);
    const commands = new Set(cases.map((testCase) => testCase.args[0]));
    for (const command of ['deploy', 'rollback', 'backup', 'list', 'status', 'health', 'logs', 'delete', 'config'])
      expect(commands).to.include(command);
  });
});
