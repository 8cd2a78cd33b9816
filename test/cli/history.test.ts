import { expect } from 'chai';
import type { Devnet } from '@soulrecall/devnet';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { runJson, wasm, writeProject } from './deploy-support.js';

/**
 * plugin-history through the real binary, against a store filled by real promotions on two
 * devnets: local → staging (succeeded, made the route), then an unhealthy module promoted with
 * -w (snapshot restored, rolled back).
 */
describe('soulrecall binary: promote list, promote show, history', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let local: Devnet;
  let staging: Devnet;
  let project: string;
  let succeededId: string;
  let rolledBackId: string;
  let stagingCanister: string;

  before(async () => {
    local = await pool.start();
    staging = await pool.start();
    project = writeProject(sandbox, 'project', { local: local.url, staging: staging.url });
    const deployed = await runJson(sandbox, project, ['deploy', 'my-agent', '-e', 'local']);
    expect(deployed.exitCode, deployed.stderr).to.equal(0);
    const promoted = await runJson(sandbox, project, [
      'promote',
      'my-agent',
      '--from',
      'local',
      '--to',
      'staging',
      '--yes',
    ]);
    expect(promoted.exitCode, promoted.stderr + promoted.stdout).to.equal(0);
    succeededId = promoted.json.promotionId;
    stagingCanister = promoted.json.targetCanisterId;
    const broken = await runJson(sandbox, project, [
      'promote',
      'my-agent',
      '-f',
      'local',
      '-t',
      'staging',
      '-w',
      wasm.broken,
      '--yes',
    ]);
    expect(broken.exitCode, broken.stderr + broken.stdout).to.equal(12);
    rolledBackId = broken.json.error.details.promotionId;
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('promote list --json: newest first, with version, module, status, who and duration', async () => {
    const { exitCode, json, stderr } = await runJson(sandbox, project, ['promote', 'list', 'my-agent']);
    expect(exitCode, stderr).to.equal(0);
    expect(json).to.include({ agent: 'my-agent', environment: null, status: null });
    expect(json.promotions.map((p: { id: string }) => p.id)).to.deep.equal([rolledBackId, succeededId]);
    const [rolledBack, succeeded] = json.promotions;
    expect(succeeded).to.include({
      fromEnvironment: 'local',
      toEnvironment: 'staging',
      strategy: 'in-place',
      status: 'succeeded',
      version: 1,
      sourceVersion: 1,
      targetCanisterId: stagingCanister,
    });
    expect(succeeded.moduleSha256).to.match(/^[0-9a-f]{64}$/);
    expect(succeeded.durationMs).to.be.a('number').and.greaterThan(0);
    // The principal that signed the target deployment (chai's match would accept null as "null").
    expect(succeeded.by.principal)
      .to.be.a('string')
      .and.match(/^[a-z0-9]{5}(-[a-z0-9]{3,5})+$/);
    expect(rolledBack).to.include({ status: 'rolled-back' });
    expect(rolledBack.moduleSha256).to.not.equal(succeeded.moduleSha256);
  });

  it('promote list: a table, whole when piped; filters by environment alias and status, outside any project too', async () => {
    const table = await sandbox.run(['promote', 'list', 'my-agent'], { cwd: project });
    expect(table.exitCode, table.stderr).to.equal(0);
    expect(table.stdout).not.to.include('…');
    expect(table.stdout)
      .to.include(succeededId)
      .and.include(rolledBackId)
      .and.include('local→staging')
      .and.include('in-place')
      .and.include('rolled-back');
    const dev = await runJson(sandbox, project, ['promote', 'list', 'my-agent', '-e', 'dev', '--status', 'succeeded']);
    expect(dev.json).to.include({ environment: 'local', status: 'succeeded' });
    expect(dev.json.promotions.map((p: { id: string }) => p.id)).to.deep.equal([succeededId]);
    // No soulrecall.yaml in the sandbox home: the store alone answers.
    const outside = await runJson(sandbox, sandbox.home, ['promote', 'list', 'my-agent', '--limit', '1']);
    expect(outside.exitCode, outside.stderr).to.equal(0);
    expect(outside.json.promotions.map((p: { id: string }) => p.id)).to.deep.equal([rolledBackId]);
  });

  it('promote list shows module hashes as promote prints them: 12 hex digits', async () => {
    const { json } = await runJson(sandbox, project, ['promote', 'list', 'my-agent']);
    const table = await sandbox.run(['promote', 'list', 'my-agent'], { cwd: project });
    expect(table.exitCode, table.stderr).to.equal(0);
    for (const promotion of json.promotions as Array<{ moduleSha256: string }>) {
      expect(table.stdout).to.match(new RegExp(`\\b${promotion.moduleSha256.slice(0, 12)}\\b`));
    }
    const show = await sandbox.run(['promote', 'show', succeededId], { cwd: project });
    expect(show.stdout).to.match(new RegExp(`^module +${json.promotions[1].moduleSha256.slice(0, 12)}\\b`, 'm'));
  });

  it('promote list: unknown agent → exit 4 with the known agents; declared but never promoted → empty, exit 0', async () => {
    const unknown = await sandbox.run(['promote', 'list', 'ghost'], { cwd: project });
    expect(unknown.exitCode).to.equal(4);
    expect(unknown.stderr).to.include('Unknown agent "ghost"').and.include('my-agent');
    expect(unknown.stderr).to.not.match(STACK_TRACE);
    const empty = await sandbox.run(['promote', 'list', 'plain-agent'], { cwd: project });
    expect(empty.exitCode, empty.stderr).to.equal(0);
    expect(empty.stdout).to.include('No promotions of plain-agent');
    expect((await runJson(sandbox, project, ['promote', 'list', 'plain-agent'])).json.promotions).to.deep.equal([]);
    const badStatus = await sandbox.run(['promote', 'list', 'my-agent', '--status', 'great'], { cwd: project });
    expect(badStatus.exitCode).to.equal(2);
  });

  it('promote show: the journal, both ends, the route change and who', async () => {
    const { exitCode, json, stderr } = await runJson(sandbox, project, ['promote', 'show', succeededId]);
    expect(exitCode, stderr).to.equal(0);
    expect(json).to.include({ id: succeededId, status: 'succeeded', strategy: 'in-place' });
    expect(json.source.environment).to.equal('local');
    expect(json.source.deployment).to.include({ version: 1, status: 'succeeded' });
    expect(json.target).to.include({ environment: 'staging', canisterId: stagingCanister });
    expect(json.target.deployment).to.include({
      version: 1,
      status: 'succeeded',
      promotionId: succeededId,
      moduleSha256: json.moduleSha256,
    });
    expect(json.steps.map((s: { name: string }) => s.name)).to.include.members([
      'lock',
      'preflight',
      'create',
      'backup',
      'install',
      'verify',
      'record',
      'release',
    ]);
    for (const step of json.steps) {
      expect(step.status, step.name).to.equal('succeeded');
      expect(step.durationMs, step.name).to.be.a('number');
    }
    expect(json.routeChanges).to.have.length(1);
    expect(json.routeChanges[0]).to.include({
      fromCanisterId: null,
      toCanisterId: stagingCanister,
      cause: 'promotion',
    });
    expect(json.by.osUser).to.be.a('string').and.not.empty;
    expect(json.by.principal).to.equal(json.target.deployment.by.principal);
    // Piped, nothing is cut to a width (fitted to 80 columns on a terminal: test/cli/terminal-manners.test.ts).
    const text = await sandbox.run(['promote', 'show', succeededId], { cwd: project });
    expect(text.stdout).not.to.include('…');
    expect(text.stdout)
      .to.include(`Promotion ${succeededId}`)
      .and.include('Steps')
      .and.match(/route\s+staging: none → /);
  });

  it('promote show: a rolled-back promotion shows the failed verification, the snapshot and its restore', async () => {
    const { json } = await runJson(sandbox, project, ['promote', 'show', rolledBackId]);
    expect(json.status).to.equal('rolled-back');
    expect(json.steps.find((s: { name: string }) => s.name === 'verify').status).to.equal('failed');
    expect(json.steps.find((s: { name: string }) => s.name === 'restore').status).to.equal('succeeded');
    expect(json.target.deployment).to.include({ version: 2, status: 'rolled-back' });
    expect(json.module.origin).to.equal('file');
    expect(json.module.previousSha256).to.equal(json.target.deployment && json.source.deployment.moduleSha256);
    expect(json.snapshots).to.have.length(1);
    expect(json.snapshots[0].snapshotId).to.match(/^[0-9a-f]+$/);
    expect(json.snapshots[0].restores).to.have.length(1);
    expect(json.rollback).to.include({ rolledBack: true });
    expect(json.rollback.restoredBackupIds).to.deep.equal([json.snapshots[0].id]);
    const text = await sandbox.run(['promote', 'show', rolledBackId], { cwd: project });
    expect(text.stdout).not.to.include('…');
    expect(text.stdout).to.include('Snapshots').and.include('rolled back');
  });

  it('promote show: unknown and malformed ids → exit 4 suggesting promote list', async () => {
    for (const id of ['prm-zzzzzz', 'not-an-id']) {
      const result = await sandbox.run(['promote', 'show', id], { cwd: project });
      expect(result.exitCode, id).to.equal(4);
      expect(result.stderr).to.include('promote list');
      expect(result.stderr).to.not.match(STACK_TRACE);
    }
  });

  it('history: deployments, promotions, routes, backups and rollbacks, newest first, as table, JSON and CSV', async () => {
    const { json } = await runJson(sandbox, project, ['history', '--agent', 'my-agent']);
    const kinds = new Set(json.events.map((e: { kind: string }) => e.kind));
    for (const kind of ['deployment', 'promotion', 'route', 'backup', 'rollback']) expect(kinds, kind).to.include(kind);
    const ids = json.events.map((e: { id: number }) => e.id);
    expect(ids).to.deep.equal([...ids].sort((a: number, b: number) => b - a));
    const staged = await runJson(sandbox, project, ['history', '-e', 'staging', '--since', '1h']);
    expect(staged.json.environment).to.equal('staging');
    expect(staged.json.events.length).to.be.greaterThan(0);
    expect(staged.json.events.every((e: { environment: string }) => e.environment === 'staging')).to.equal(true);
    // Piped: one event per line, never wrapped (wrapped to 80 columns on a terminal:
    // test/cli/terminal-manners.test.ts).
    const table = await sandbox.run(['history', '--limit', '10'], { cwd: project });
    expect(table.exitCode, table.stderr).to.equal(0);
    const limited = await runJson(sandbox, project, ['history', '--limit', '10']);
    expect(table.stdout.trimEnd().split('\n')).to.have.length(1 + limited.json.events.length);
    const csv = await sandbox.run(['history', '--csv', '--limit', '5'], { cwd: project });
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).to.equal('id,at,kind,action,agent,environment,subject,summary,principal,osUser,host,project');
    expect(rows).to.have.length(6);
  });

  it('history: bad --since → exit 2 with a hint; an empty selection says so', async () => {
    const bad = await sandbox.run(['history', '--since', 'last tuesday'], { cwd: project });
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.include('--since').and.include('3d');
    const future = await sandbox.run(['history', '--since', '2099-01-01'], { cwd: project });
    expect(future.exitCode).to.equal(0);
    expect(future.stdout).to.include('Nothing recorded yet');
  });
});
