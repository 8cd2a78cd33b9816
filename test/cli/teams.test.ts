import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Devnet } from '@soulrecall/devnet';
import { sharedPostgres, type PostgresServer } from '../../packages/history-store/test/postgres-server.js';
import { CliSandbox, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { startPaused } from '../helpers/paused.js';
import { agentActor, runJson, wasm } from './deploy-support.js';

/**
 * A team: two machines (two soulrecall homes, each with its own checkout of the project) and one
 * PostgreSQL history. Locks, promotions, modules and backups are the team's, not a laptop's.
 */
describe('soulrecall binary: a team sharing one PostgreSQL history', function () {
  this.timeout(300_000);
  const pool = new DevnetPool();
  const laptop = new CliSandbox();
  const ci = new CliSandbox();
  let server: PostgresServer;
  let database: string;
  let prod: Devnet;
  const checkout = (sandbox: CliSandbox) => join(sandbox.home, 'team-checkout');
  const ok = (result: CliResult) => expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);
  const on = (sandbox: CliSandbox, args: string[]) => runJson(sandbox, checkout(sandbox), args);
  const promote = ['promote', 'my-agent', '--from', 'staging', '--to', 'prod', '--yes'];

  before(async () => {
    server = await sharedPostgres();
    database = server.createDatabase('team');
    const staging = await pool.start();
    prod = await pool.start();
    ok(await laptop.run(['identity', 'new', 'team-deployer']));
    ok(await ci.run(['identity', 'import', 'team-deployer', join(laptop.home, 'identities', 'team-deployer.pem')]));
    for (const sandbox of [laptop, ci]) {
      mkdirSync(checkout(sandbox), { recursive: true });
      writeFileSync(
        join(checkout(sandbox), 'soulrecall.yaml'),
        `project: team
history: ${server.url(database)}
pipeline: [staging, prod]
environments:
  staging: { network: "${staging.url}", identity: team-deployer }
  prod: { network: "${prod.url}", identity: team-deployer }
agents:
  my-agent: { wasm: ${JSON.stringify(wasm.v1)}, health: { method: health } }
`,
      );
    }
    ok(await on(laptop, ['deploy', 'my-agent', '-e', 'staging']));
    ok(await on(laptop, ['deploy', 'my-agent', '-e', 'prod']));
    ok(await on(laptop, ['deploy', 'my-agent', '-e', 'staging', '-w', wasm.v2]));
  });
  after(async () => {
    await pool.stopAll();
    laptop.cleanup();
    ci.cleanup();
  });

  it('two machines promoting the same agent to the same environment at once: one proceeds, the other fails fast naming it', async () => {
    const results = await Promise.all([on(laptop, promote), on(ci, promote)]);
    const codes = results.map((result) => result.exitCode).sort();
    expect(codes, results.map((r) => r.stdout + r.stderr).join('\n---\n')).to.deep.equal([0, 9]);
    const winner = results.find((result) => result.exitCode === 0)!;
    const loser = results.find((result) => result.exitCode === 9)!;
    expect(loser.json.error.code).to.equal('LOCK_HELD');
    expect(loser.json.error.message)
      .to.include(winner.json.promotionId)
      .and.match(/pid \d+ on host /);
    for (const sandbox of [laptop, ci]) {
      const listed = await on(sandbox, ['promote', 'list', 'my-agent']);
      expect(listed.json.project).to.equal('team');
      expect(listed.json.promotions.map((p: { id: string }) => p.id)).to.include(winner.json.promotionId);
      // Both attempts are on the team's record, whichever machine lists them: the refused one closed as aborted.
      const attempts = listed.json.promotions
        .slice(0, 2)
        .map(
          (p: { status: string; error: string | null }) =>
            `${p.status}:${p.error?.startsWith(`refused: promotion ${winner.json.promotionId}`) ?? false}`,
        );
      expect(attempts.sort()).to.deep.equal(['aborted:true', 'succeeded:false']);
    }
    const versions = (await on(ci, ['list'])).json.canisters.map(
      (c: { environment: string; deployedVersion: number }) => `${c.environment}:${c.deployedVersion}`,
    );
    expect(versions).to.deep.equal(['prod:2', 'staging:2']);
  });

  it('the other machine rolls back, then restores a backup of, what the first one deployed', async () => {
    const prodCanister = (await on(ci, ['list', '-e', 'prod'])).json.canisters[0].canisterId as string;
    const actor = await agentActor(prod, prodCanister);
    await actor.remember('before the backup');
    const backup = await on(laptop, ['backup', 'create', prodCanister, '--network', 'prod']);
    ok(backup);
    await actor.remember('after the backup');

    const rolledBack = await on(ci, ['rollback', prodCanister, '--yes']);
    ok(rolledBack);
    expect((await on(laptop, ['list', '-e', 'prod'])).json.canisters[0].deployedVersion).to.equal(1);

    const restored = await on(ci, ['backup', 'restore', backup.json.id ?? backup.json.backup.id, '--yes']);
    ok(restored);
    expect(await actor.recall()).to.deep.equal(['before the backup']);
    const history = await on(laptop, ['history', '--limit', '200']);
    const hosts = new Set(history.json.events.map((event: { by: { osUser: string } }) => event.by.osUser));
    expect(history.json.events.some((event: { kind: string }) => event.kind === 'rollback')).to.equal(true);
    expect(hosts.size).to.be.greaterThan(0);
  });

  it('the store stopped after a remote step: exit 11 and one clear sentence, nothing half-recorded, resume finishes it', async () => {
    const paused = await startPaused({ dir: checkout(laptop), sandbox: laptop }, promote, 'install');
    await server.stop();
    try {
      paused.child.kill('SIGUSR2');
      expect(await paused.exited).to.equal(11);
      expect(paused.stderr())
        .to.match(/cannot be reached/)
        .and.not.match(STACK_TRACE);
    } finally {
      await server.restart();
    }
    const running = (await on(ci, ['promote', 'list', 'my-agent'])).json.promotions.find(
      (p: { status: string }) => p.status === 'running' || p.status === 'failed',
    );
    expect(running, 'the interrupted promotion is on the record').to.exist;
    const shown = await on(ci, ['promote', 'show', running.id]);
    const steps = shown.json.steps.map((step: { name: string; status: string }) => `${step.name}:${step.status}`);
    expect(steps).to.include('install:succeeded');
    // The journal stops at the last step whose end was written: nothing after it began.
    expect(steps.filter((step: string) => step.endsWith(':running'))).to.deep.equal([]);
    const resumed = await on(ci, ['promote', 'resume', running.id]);
    ok(resumed);
    expect((await on(laptop, ['promote', 'show', running.id])).json.status).to.equal('succeeded');
  });

  it('bad history settings: one clear sentence, a hint, exit 3 or 11, nothing written', async () => {
    const cases: { name: string; history: string; exitCode: number; code: string; message: RegExp }[] = [
      {
        name: 'not a URL',
        history: 'mysql://db/x',
        exitCode: 3,
        code: 'CONFIG_INVALID_URL',
        message: /neither `sqlite` nor a postgres:\/\/ URL/,
      },
      {
        name: 'no database name',
        history: 'postgres://postgres@127.0.0.1:5432',
        exitCode: 3,
        code: 'CONFIG_INVALID_URL',
        message: /neither `sqlite` nor/,
      },
      {
        name: 'nothing listening',
        history: 'postgres://postgres@127.0.0.1:1/soulrecall',
        exitCode: 11,
        code: 'STORE_UNREACHABLE',
        message: /cannot be reached/,
      },
      {
        name: 'a database that does not exist',
        history: server.url('missing_db'),
        exitCode: 11,
        code: 'STORE_CANT_OPEN',
        message: /does not exist/,
      },
    ];
    for (const testCase of cases) {
      const fresh = new CliSandbox();
      try {
        const dir = join(fresh.home, 'p');
        mkdirSync(dir);
        writeFileSync(
          join(dir, 'soulrecall.yaml'),
          `history: ${testCase.history}\nenvironments:\n  local: { network: local }\n`,
        );
        const human = await fresh.run(['list'], { cwd: dir });
        expect(human.exitCode, `${testCase.name}: ${human.stderr}`).to.equal(testCase.exitCode);
        expect(human.stderr, testCase.name).to.match(testCase.message).and.not.match(STACK_TRACE);
        const json = await runJson(fresh, dir, ['list']);
        expect(json.json.error.code, testCase.name).to.equal(testCase.code);
        expect(json.json.error.hint, testCase.name).to.be.a('string').and.not.empty;
        const viaEnv = await fresh.run(['list', '--json'], {
          cwd: fresh.home,
          env: { SOULRECALL_HISTORY_URL: testCase.history },
        });
        expect(JSON.parse(viaEnv.stdout).error.code, `${testCase.name} (env)`).to.equal(
          testCase.code === 'CONFIG_INVALID_URL' ? 'INVALID_ARGUMENT' : testCase.code,
        );
      } finally {
        fresh.cleanup();
      }
    }
  });
});
