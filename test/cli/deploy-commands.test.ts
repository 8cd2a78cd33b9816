import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { CanisterClient, IdentityStore } from '@soulrecall/canister-client';
import type { Devnet } from '@soulrecall/devnet';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentActor, runJson, wasm, writeProject } from './deploy-support.js';

describe('soulrecall binary: deploy, rollback, backup', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let local: Devnet;
  let staging: Devnet;
  let project: string;
  let canisterId: string;

  before(async () => {
    local = await pool.start();
    staging = await pool.start();
    project = writeProject(sandbox, 'project', { local: local.url, staging: staging.url });
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  describe('deploy', () => {
    it('first deploy creates the canister, records version 1 with who, and makes it the live route', async () => {
      const result = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'dev']);
      expect(result.exitCode, result.stderr).to.equal(0);
      const out = result.json;
      expect(out).to.include({
        agent: 'my-agent',
        environment: 'local',
        created: true,
        version: 1,
        mode: 'install',
        status: 'succeeded',
        live: true,
        snapshot: null,
        previousModuleHash: null,
        chunked: false,
      });
      expect(out.health).to.include({ healthy: true, status: 'running', moduleHash: out.moduleSha256 });
      expect(out.health.method).to.include({ name: 'health', healthy: true });
      expect(out.deployment.by.principal).to.match(/^[a-z0-9-]+$/);
      expect(out.deployment.by.osUser).to.be.a('string').and.not.empty;
      expect(out.deployment.by.host).to.be.a('string').and.not.empty;
      expect(out.route).to.include({ fromCanisterId: null, toCanisterId: out.canisterId });
      canisterId = out.canisterId;
      // The local network's id where dfx keeps it; the root canister_ids.json is for shared networks.
      expect(JSON.parse(readFileSync(join(project, '.dfx', 'local', 'canister_ids.json'), 'utf8'))).to.deep.equal({
        'my-agent': { local: canisterId },
      });
      expect(existsSync(join(project, 'canister_ids.json'))).to.equal(false);
      expect(existsSync(join(sandbox.home, 'artifacts', `${out.moduleSha256}.wasm`))).to.equal(true);
    });

    it('-w upgrades the live canister after a snapshot, keeping memories (--network is accepted for -e)', async () => {
      const actor = await agentActor(local, canisterId);
      await actor.remember('the user likes tea');
      const result = await runJson(sandbox, project, ['deploy', 'my-agent', '--network', 'local', '-w', wasm.v2]);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json).to.include({
        canisterId,
        created: false,
        version: 2,
        mode: 'upgrade',
        live: true,
        route: null,
      });
      expect(result.json.snapshot.backupId).to.match(/^bak-/);
      expect(result.json.deployment.snapshotBackupId).to.equal(result.json.snapshot.backupId);
      expect(await actor.recall()).to.deep.equal(['the user likes tea']);
      expect(await actor.version()).to.equal('2.0.0');
    });

    it('rolls back a module whose health check fails, with memories intact (exit 12)', async () => {
      const result = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'local', '-w', wasm.broken]);
      expect(result.exitCode).to.equal(12);
      expect(result.json.error).to.include({ code: 'DEPLOY_ROLLED_BACK', exitCode: 12 });
      expect(result.json.error.message).to.match(/unhealthy after the upgrade .*restored/);
      const details = result.json.error.details;
      expect(details).to.include({ version: 3, status: 'rolled-back', canisterId });
      expect(details.deployment.error).to.match(/health replied #err/);
      expect(details.healthAfterRestore).to.include({ healthy: true });
      const actor = await agentActor(local, canisterId);
      expect(await actor.version()).to.equal('2.0.0');
      expect(await actor.recall()).to.deep.equal(['the user likes tea']);
    });

    it('--mode install on a canister with code is refused before anything is recorded (exit 9)', async () => {
      const result = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'local', '--mode', 'install']);
      expect(result.exitCode).to.equal(9);
      expect(result.json.error.code).to.equal('CANISTER_NOT_EMPTY');
    });

    it('--mode reinstall asks for confirmation: refused without a terminal, done with --yes', async () => {
      const refused = await sandbox.run(['deploy', 'my-agent', '-e', 'local', '-w', wasm.v2, '--mode', 'reinstall'], {
        cwd: project,
      });
      expect(refused.exitCode).to.equal(10);
      expect(refused.stderr).to.match(/needs confirmation and there is no terminal/);
      expect(refused.stderr).not.to.match(STACK_TRACE);
      const actor = await agentActor(local, canisterId);
      expect(await actor.recall()).to.deep.equal(['the user likes tea']);

      const done = await runJson(sandbox, project, [
        'deploy',
        'my-agent',
        '-e',
        'local',
        '-w',
        wasm.v2,
        '--mode',
        'reinstall',
        '--yes',
      ]);
      expect(done.exitCode, done.stderr).to.equal(0);
      expect(done.json).to.include({ mode: 'reinstall', version: 4 });
      expect(done.json.snapshot.backupId).to.match(/^bak-/);
      expect(await actor.recall()).to.deep.equal([]);
    });

    it('a protected environment needs --yes', async () => {
      const refused = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'staging']);
      expect(refused.exitCode).to.equal(10);
      expect(refused.json.error.code).to.equal('NOT_CONFIRMED');
      const done = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'staging', '-y']);
      expect(done.exitCode, done.stderr).to.equal(0);
      expect(done.json).to.include({ environment: 'staging', version: 1, created: true, live: true });
      expect(JSON.parse(readFileSync(join(project, 'canister_ids.json'), 'utf8'))['my-agent']).to.deep.equal({
        staging: done.json.canisterId,
      });
      expect(
        JSON.parse(readFileSync(join(project, '.dfx', 'local', 'canister_ids.json'), 'utf8'))['my-agent'],
      ).to.deep.equal({ local: canisterId });
    });

    it('--canister adopts a canister soulrecall did not create; without health.method, healthy = running with the module', async () => {
      const identity = new IdentityStore({ dataDir: sandbox.home }).resolve();
      const client = await CanisterClient.connect({ name: 'local', url: local.url, kind: 'url' }, identity);
      const spare = await client.createCanister();
      const result = await runJson(sandbox, project, [
        'deploy',
        'plain-agent',
        '-e',
        'local',
        '--canister',
        spare,
        '-w',
        wasm.broken,
      ]);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json).to.include({ canisterId: spare, created: false, mode: 'install', version: 1, live: true });
      expect(result.json.health).to.include({ healthy: true, method: null });
    });

    it('--canister that is not on the network, or that this identity does not control, is refused and not recorded', async () => {
      const missing = await runJson(sandbox, project, [
        'deploy',
        'my-agent',
        '-e',
        'local',
        '--canister',
        'ryjl3-tyaaa-aaaaa-aaaba-cai',
      ]);
      expect(missing.exitCode, missing.stdout).to.equal(4);
      expect(missing.json.error.code).to.equal('CANISTER_NOT_FOUND');
      const stranger = await CanisterClient.connect(
        { name: 'local', url: local.url, kind: 'url' },
        Ed25519KeyIdentity.generate(),
      );
      const foreign = await stranger.createCanister();
      const refused = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'local', '--canister', foreign]);
      expect(refused.exitCode, refused.stdout).to.equal(7);
      expect(refused.json.error.code).to.equal('NOT_A_CONTROLLER');
      const store = sandbox.openStore(project);
      try {
        expect(store.canisters.find(foreign)).to.deep.equal([]);
        expect(store.canisters.find('ryjl3-tyaaa-aaaaa-aaaba-cai')).to.deep.equal([]);
      } finally {
        store.close();
      }
    });

    it('--canister of another agent is refused', async () => {
      const result = await runJson(sandbox, project, [
        'deploy',
        'plain-agent',
        '-e',
        'local',
        '--canister',
        canisterId,
      ]);
      expect(result.exitCode).to.equal(9);
      expect(result.json.error.code).to.equal('CANISTER_OTHER_AGENT');
    });

    it('prints a human summary without --json', async () => {
      const result = await sandbox.run(['deploy', 'my-agent', '-e', 'local', '-w', wasm.v2], { cwd: project });
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.stdout).to.match(
        /Deployed my-agent version 5 to local: canister \S+, upgrade, module [0-9a-f]{12}\./,
      );
      expect(result.stdout).to.match(/Snapshot before the upgrade: bak-/);
      expect(result.stderr).to.match(/Installing version 5/);
    });
  });

  describe('rollback', () => {
    it('--dry-run says what it would do and changes nothing', async () => {
      const result = await runJson(sandbox, project, ['rollback', canisterId, '-e', 'local', '--dry-run']);
      expect(result.exitCode, result.stdout).to.equal(0);
      expect(result.json).to.include({ dryRun: true, rolledBack: null, deployment: null });
      expect(result.json.plan).to.include({ strategy: 'restore-snapshot', fromVersion: 5, toVersion: 4 });
      expect(await (await agentActor(local, canisterId)).version()).to.equal('2.0.0');
    });

    it('restores the snapshot taken before the current version (memory as it was then)', async () => {
      const actor = await agentActor(local, canisterId);
      await actor.remember('remembered under version 5');
      const result = await runJson(sandbox, project, ['rollback', canisterId, '-e', 'local']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.plan.strategy).to.equal('restore-snapshot');
      expect(result.json.rolledBack).to.include({ version: 5, status: 'rolled-back' });
      expect(result.json.health).to.include({ healthy: true });
      expect(await actor.recall()).to.deep.equal([]);
    });

    it('--to-version reinstalls an older module from the artifact store in upgrade mode, keeping memories', async () => {
      const actor = await agentActor(local, canisterId);
      await actor.remember('after reinstall');
      const result = await runJson(sandbox, project, ['rollback', canisterId, '-e', 'local', '--to-version', '1']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.plan).to.include({ strategy: 'reinstall-artifact', fromVersion: 4, toVersion: 1 });
      expect(result.json.deployment).to.include({ mode: 'upgrade', version: 6, status: 'succeeded' });
      expect(result.json.rolledBack).to.include({ version: 4, status: 'rolled-back' });
      expect(await actor.version()).to.equal('1.0.0');
      expect(await actor.recall()).to.deep.equal(['after reinstall']);
    });

    it('--to-version of a version that does not exist: exit 4, nothing changed', async () => {
      const result = await runJson(sandbox, project, ['rollback', canisterId, '-e', 'local', '--to-version', '42']);
      expect(result.exitCode).to.equal(4);
      expect(result.json.error).to.include({ code: 'VERSION_NOT_FOUND' });
      expect(result.json.error.hint).to.match(/Versions go from 1 to 6/);
    });

    it('switches the route back when it came from another healthy canister', async () => {
      // plain-agent's route: make a second canister live through a manual route change, then roll it back.
      const first = await runJson(sandbox, project, ['deploy', 'plain-agent', '-e', 'local']);
      expect(first.exitCode, first.stderr).to.equal(0);
      const identity = new IdentityStore({ dataDir: sandbox.home }).resolve();
      const client = await CanisterClient.connect({ name: 'local', url: local.url, kind: 'url' }, identity);
      const second = await client.createCanister();
      const deployed = await runJson(sandbox, project, [
        'deploy',
        'plain-agent',
        '-e',
        'local',
        '--canister',
        second,
        '-w',
        wasm.v2,
      ]);
      expect(deployed.exitCode, deployed.stderr).to.equal(0);
      expect(deployed.json.live).to.equal(false);
      const store = sandbox.openStore(project);
      try {
        store.routes.set({ agent: 'plain-agent', environment: 'local', canisterId: second, cause: 'manual' });
      } finally {
        store.close();
      }
      const result = await runJson(sandbox, project, ['rollback', second, '-e', 'local']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.plan).to.include({ strategy: 'route-switch', routeBackTo: first.json.canisterId });
      expect(result.json.route).to.include({ fromCanisterId: second, toCanisterId: first.json.canisterId });
      expect(
        JSON.parse(readFileSync(join(project, '.dfx', 'local', 'canister_ids.json'), 'utf8'))['plain-agent'].local,
      ).to.equal(first.json.canisterId);
    });

    it('on a protected environment needs --yes', async () => {
      const deployed = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'staging', '-w', wasm.v2, '--yes']);
      expect(deployed.exitCode, deployed.stderr).to.equal(0);
      const refused = await runJson(sandbox, project, ['rollback', deployed.json.canisterId, '-e', 'staging']);
      expect(refused.exitCode).to.equal(10);
      const done = await runJson(sandbox, project, ['rollback', deployed.json.canisterId, '-e', 'staging', '--yes']);
      expect(done.exitCode, done.stderr).to.equal(0);
      expect(done.json.plan).to.include({ strategy: 'restore-snapshot', toVersion: 1 });
    });
  });

  describe('backup', () => {
    let backupId: string;

    it('create records a snapshot with who and when', async () => {
      const result = await runJson(sandbox, project, [
        'backup',
        'create',
        canisterId,
        '-e',
        'local',
        '--reason',
        'before the test',
      ]);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json).to.include({
        canisterId,
        agent: 'my-agent',
        environment: 'local',
        reason: 'before the test',
        restoreCount: 0,
      });
      expect(result.json.by.principal).to.be.a('string');
      backupId = result.json.id;
    });

    it('list shows it (all, and per canister, and per environment)', async () => {
      const all = await runJson(sandbox, project, ['backup', 'list']);
      expect(all.json.backups.map((b: { id: string }) => b.id)).to.include(backupId);
      const one = await runJson(sandbox, project, ['backup', 'list', canisterId, '--network', 'local']);
      expect(one.json.backups[0].id).to.equal(backupId);
      expect(one.json.backups).to.not.be.empty;
      expect(one.json.backups.every((b: { canisterId: string }) => b.canisterId === canisterId)).to.equal(true);
      const staged = await runJson(sandbox, project, ['backup', 'list', '-e', 'staging']);
      expect(staged.exitCode, staged.stderr).to.equal(0);
      // local has backups (above): the filter must leave every one of them out.
      expect(staged.json.backups.map((b: { environment: string }) => b.environment)).to.not.include('local');
      expect(staged.json.backups.every((b: { environment: string }) => b.environment === 'staging')).to.equal(true);
      // Piped, every cell is whole (cut to fit only on a narrower terminal: README "Terminals and pipes").
      const table = await sandbox.run(['backup', 'list'], { cwd: project });
      expect(table.stdout).to.match(/^ID\s+ENV\s+CANISTER/);
      expect(table.stdout)
        .to.match(new RegExp(`^${backupId}\\s+local\\s+${canisterId}\\s.*\\sbefore the test$`, 'm'))
        .and.not.include('…');
    });

    it('restore is refused without a terminal, and with --yes puts the memory back', async () => {
      const actor = await agentActor(local, canisterId);
      await actor.remember('forget me');
      const refused = await runJson(sandbox, project, ['backup', 'restore', backupId]);
      expect(refused.exitCode).to.equal(10);
      expect(await actor.recall()).to.deep.equal(['after reinstall', 'forget me']);
      const done = await runJson(sandbox, project, ['backup', 'restore', backupId, '--yes']);
      expect(done.exitCode, done.stderr).to.equal(0);
      expect(done.json.backup).to.include({ id: backupId, restoreCount: 1 });
      expect(done.json.restore.by.principal).to.be.a('string');
      expect(done.json.health).to.include({ healthy: true, status: 'running' });
      expect(await actor.recall()).to.deep.equal(['after reinstall']);
      // What the canister held just before was kept: the restore itself can be undone.
      expect(done.json.safetyBackupId).to.match(/^bak-/);
      const undone = await runJson(sandbox, project, ['backup', 'restore', done.json.safetyBackupId, '--yes']);
      expect(undone.exitCode, undone.stderr).to.equal(0);
      expect(await actor.recall()).to.deep.equal(['after reinstall', 'forget me']);
    });

    it('restore of an unknown backup id: exit 4', async () => {
      const result = await runJson(sandbox, project, ['backup', 'restore', 'bak-nope00', '--yes']);
      expect(result.exitCode).to.equal(4);
      expect(result.json.error.code).to.equal('BACKUP_NOT_FOUND');
    });
  });

  describe('bad input: clear message, documented exit code, nothing written', () => {
    const fresh = new CliSandbox();
    let dir: string;
    before(() => {
      dir = writeProject(fresh, 'bad', { local: 'http://127.0.0.1:9' });
      writeFileSync(join(dir, 'empty.wasm'), '');
      writeFileSync(join(dir, 'text.wasm'), 'not wasm at all');
    });
    after(() => fresh.cleanup());
    const cases: Array<{ name: string; args: string[]; exitCode: number; code: string }> = [
      { name: 'unknown agent', args: ['deploy', 'nobody', '-e', 'local'], exitCode: 4, code: 'AGENT_NOT_FOUND' },
      {
        name: 'unknown environment',
        args: ['deploy', 'my-agent', '-e', 'mars'],
        exitCode: 4,
        code: 'ENVIRONMENT_NOT_FOUND',
      },
      {
        name: 'missing wasm',
        args: ['deploy', 'my-agent', '-e', 'local', '-w', 'nope.wasm'],
        exitCode: 4,
        code: 'WASM_NOT_FOUND',
      },
      {
        name: 'empty wasm',
        args: ['deploy', 'my-agent', '-e', 'local', '-w', 'empty.wasm'],
        exitCode: 5,
        code: 'WASM_EMPTY',
      },
      {
        name: 'not wasm',
        args: ['deploy', 'my-agent', '-e', 'local', '-w', 'text.wasm'],
        exitCode: 5,
        code: 'WASM_INVALID',
      },
      {
        name: 'canister id not a principal',
        args: ['deploy', 'my-agent', '-e', 'local', '--canister', 'not-a-principal!'],
        exitCode: 5,
        code: 'INVALID_CANISTER_ID',
      },
      {
        name: 'bad mode',
        args: ['deploy', 'my-agent', '-e', 'local', '--mode', 'sideways'],
        exitCode: 2,
        code: 'USAGE',
      },
      {
        name: 'network unreachable',
        args: ['deploy', 'my-agent', '-e', 'local'],
        exitCode: 6,
        code: 'NETWORK_UNREACHABLE',
      },
      {
        name: 'rollback of an unknown canister',
        args: ['rollback', 'rwlgt-iiaaa-aaaaa-aaaaa-cai'],
        exitCode: 4,
        code: 'CANISTER_NOT_RECORDED',
      },
      {
        name: 'rollback --to-version 0',
        args: ['rollback', 'rwlgt-iiaaa-aaaaa-aaaaa-cai', '--to-version', '0'],
        exitCode: 2,
        code: 'USAGE',
      },
      {
        name: 'backup of a non-principal',
        args: ['backup', 'create', 'xyz'],
        exitCode: 5,
        code: 'INVALID_CANISTER_ID',
      },
      {
        name: 'unknown backup id',
        args: ['backup', 'restore', 'bak-zzzzzz', '--yes'],
        exitCode: 4,
        code: 'BACKUP_NOT_FOUND',
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const result = await runJson(fresh, dir, testCase.args);
        expect(result.exitCode, result.stdout).to.equal(testCase.exitCode);
        expect(result.json.error.code).to.equal(testCase.code);
        const human = await fresh.run(testCase.args, { cwd: dir });
        expect(human.exitCode).to.equal(testCase.exitCode);
        expect(human.stderr).to.match(/^Error: .+\n/);
        expect(human.stderr).not.to.match(STACK_TRACE);
        const db = join(fresh.home, 'history.db');
        if (existsSync(db)) {
          const store = fresh.openStore(dir);
          try {
            expect(store.deployments.list()).to.deep.equal([]);
            expect(store.canisters.list({ includeDecommissioned: true })).to.deep.equal([]);
          } finally {
            store.close();
          }
        }
      });
    }
  });
});
