import { expect } from 'chai';
import { CanisterClient, IdentityStore } from '@soulrecall/canister-client';
import type { Devnet } from '@soulrecall/devnet';
import { CliSandbox } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentActor, runJson, wasm, writeProject } from './deploy-support.js';

/**
 * Issue 6 "Done when": the whole life of an agent through the real binary on a devnet, every
 * step with --json. Each `it` builds on the previous one.
 */
describe('scenario: deploy → upgrade → observe → failed upgrade rolled back → backup → rollback → delete', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let devnet: Devnet;
  let project: string;
  let canisterId: string;
  let v2Sha: string;
  const run = (args: string[]) => runJson(sandbox, project, args);

  before(async () => {
    devnet = await pool.start();
    project = writeProject(sandbox, 'scenario', { local: devnet.url });
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('deploys v1', async () => {
    const result = await run(['deploy', 'my-agent', '-e', 'local', '-w', wasm.v1]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json).to.include({ version: 1, mode: 'install', created: true, live: true, status: 'succeeded' });
    canisterId = result.json.canisterId;
  });

  it('remembers something in the agent', async () => {
    const actor = await agentActor(devnet, canisterId);
    expect(await actor.remember('the user is called Ada')).to.equal(1n);
  });

  it('deploys v2 as an upgrade that keeps the memories', async () => {
    const result = await run(['deploy', 'my-agent', '-e', 'local', '-w', wasm.v2]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json).to.include({ canisterId, version: 2, mode: 'upgrade', status: 'succeeded' });
    v2Sha = result.json.moduleSha256;
    const actor = await agentActor(devnet, canisterId);
    expect(await actor.version()).to.equal('2.0.0');
    expect(await actor.recall()).to.deep.equal(['the user is called Ada']);
  });

  it('health, status, list and logs show it', async () => {
    const health = await run(['health', canisterId]);
    expect(health.exitCode, health.stdout).to.equal(0);
    expect(health.json).to.include({ healthy: true, status: 'running', moduleHash: v2Sha });

    const status = await run(['status', canisterId]);
    expect(status.exitCode, status.stdout).to.equal(0);
    expect(status.json).to.include({
      canisterId,
      environment: 'local',
      status: 'running',
      moduleHash: v2Sha,
      moduleVersion: 2,
    });
    expect(status.json.recorded).to.include({ agent: 'my-agent' });

    const list = await run(['list']);
    expect(list.exitCode, list.stdout).to.equal(0);
    const entries: Array<Record<string, unknown>> = list.json.canisters;
    const entry = entries.find((candidate) => candidate.canisterId === canisterId);
    expect(entry).to.include({
      agent: 'my-agent',
      environment: 'local',
      live: true,
      deployedVersion: 2,
      moduleSha256: v2Sha,
    });

    // The agent logs each memory it stores; the log survived the upgrade to v2.
    const logs = await run(['logs', canisterId]);
    expect(logs.exitCode, logs.stdout).to.equal(0);
    const texts = logs.json.lines.map(
      (line: { canisterId: string; text: string }) => (expect(line.canisterId).to.equal(canisterId), line.text),
    );
    expect(texts).to.include('agent 1.0.0 remembered memory #1');
    const networkLogs = await run(['logs', '--network', 'local']);
    expect(networkLogs.exitCode, networkLogs.stdout).to.equal(0);
    expect(networkLogs.json.lines.map((line: { text: string }) => line.text)).to.include(
      'agent 1.0.0 remembered memory #1',
    );
  });

  it('rolls back a deploy whose health check fails, with the memories intact', async () => {
    const result = await run(['deploy', 'my-agent', '-e', 'local', '-w', wasm.broken]);
    expect(result.exitCode).to.equal(12);
    expect(result.json.error).to.include({ code: 'DEPLOY_ROLLED_BACK' });
    expect(result.json.error.details).to.include({ version: 3, status: 'rolled-back' });
    const actor = await agentActor(devnet, canisterId);
    expect(await actor.version()).to.equal('2.0.0');
    expect(await actor.recall()).to.deep.equal(['the user is called Ada']);
    const health = await run(['health', canisterId]);
    expect(health.exitCode).to.equal(0);
    const list = await run(['list', '--agent', 'my-agent']);
    const entries: Array<Record<string, unknown>> = list.json.canisters;
    expect(entries.find((candidate) => candidate.canisterId === canisterId)).to.include({
      deployedVersion: 2,
      lastStatus: 'rolled-back',
    });
  });

  it('backup create / restore round-trips the state', async () => {
    const actor = await agentActor(devnet, canisterId);
    await actor.remember('likes green tea');
    const created = await run(['backup', 'create', canisterId]);
    expect(created.exitCode, created.stderr).to.equal(0);
    expect(created.json).to.include({ canisterId, agent: 'my-agent', environment: 'local' });
    await actor.remember('a thought to lose');
    expect(await actor.recall()).to.have.length(3);

    const restored = await run(['backup', 'restore', created.json.id, '--yes']);
    expect(restored.exitCode, restored.stderr).to.equal(0);
    expect(restored.json.backup).to.include({ id: created.json.id, restoreCount: 1 });
    expect(restored.json.health).to.include({ healthy: true });
    // v2 recalls newest first.
    expect(await actor.recall()).to.deep.equal(['likes green tea', 'the user is called Ada']);

    const listed = await run(['backup', 'list', canisterId]);
    expect(listed.json.backups.map((backup: { id: string }) => backup.id)).to.include(created.json.id);
  });

  it('rollback goes back a version', async () => {
    const dryRun = await run(['rollback', canisterId, '--dry-run']);
    expect(dryRun.exitCode, dryRun.stderr).to.equal(0);
    expect(dryRun.json.plan).to.include({ fromVersion: 2, toVersion: 1, strategy: 'restore-snapshot' });

    const result = await run(['rollback', canisterId]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json).to.include({ dryRun: false });
    expect(result.json.rolledBack).to.include({ version: 2, status: 'rolled-back' });
    const actor = await agentActor(devnet, canisterId);
    expect(await actor.version()).to.equal('1.0.0');
    // The snapshot taken before v2 holds the memory of that moment.
    expect(await actor.recall()).to.deep.equal(['the user is called Ada']);

    const list = await run(['list']);
    const entries: Array<Record<string, unknown>> = list.json.canisters;
    expect(entries.find((candidate) => candidate.canisterId === canisterId)).to.include({
      deployedVersion: 1,
      live: true,
    });
  });

  it('delete refuses the live canister and deletes a spare one', async () => {
    const refused = await run(['delete', canisterId, '--yes']);
    expect(refused.exitCode).to.equal(9);
    expect(refused.json.error.message).to.match(/live/);

    const identity = new IdentityStore({ dataDir: sandbox.home }).resolve();
    const client = await CanisterClient.connect({ name: 'local', url: devnet.url, kind: 'url' }, identity);
    const spareId = await client.createCanister();
    const spare = await run(['deploy', 'my-agent', '-e', 'local', '--canister', spareId, '-w', wasm.v2]);
    expect(spare.exitCode, spare.stderr).to.equal(0);
    expect(spare.json).to.include({ canisterId: spareId, live: false });

    const deleted = await run(['delete', spareId]);
    expect(deleted.exitCode, deleted.stderr).to.equal(0);
    expect(deleted.json).to.include({ canisterId: spareId });

    const list = await run(['list', '--all']);
    const entries: Array<Record<string, unknown>> = list.json.canisters;
    expect(entries.find((candidate) => candidate.canisterId === spareId)).to.include({ lastStatus: 'decommissioned' });
    expect(entries.find((candidate) => candidate.canisterId === canisterId)).to.include({ live: true });
  });
});
