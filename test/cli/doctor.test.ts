import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectFromFolder, type DoctorFinding as Finding } from '@soulrecall/core';
import { startDevnet } from '@soulrecall/devnet';
import { CliSandbox, repoRoot, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { killHard, startPaused } from '../helpers/paused.js';
import { agentWasm, createProject, upgradeOutsideSoulrecall, type TestProject } from '../helpers/project.js';

/**
 * `soulrecall doctor [--fix]`: each kind of inconsistency is injected the way it happens in the
 * field (a process killed part-way, a change made outside soulrecall), found by `doctor`
 * (exit 9, one JSON document), repaired by `--fix` when that needs no decision or by the
 * command the finding names when it does, after which `doctor` reports clean (exit 0).
 */
describe('soulrecall binary: doctor finds and repairs what an interruption left behind', function () {
  this.timeout(240_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;

  const doctor = async (...flags: string[]) => {
    const result = await project.json(['doctor', ...flags]);
    expect(result.stderr).to.not.match(STACK_TRACE);
    return {
      exitCode: result.exitCode,
      findings: result.json.findings as Finding[],
      clean: result.json.clean as boolean,
    };
  };
  const expectClean = async () => {
    const result = await doctor();
    expect(result.findings, JSON.stringify(result.findings, null, 2)).to.deep.equal([]);
    expect(result.exitCode).to.equal(0);
  };
  /** Doctor finds exactly one finding of `kind` (about `subject` when given); returns it. */
  const findsOne = async (kind: string, subject?: string) => {
    const result = await doctor();
    expect(result.exitCode, 'exit 9 while something is found').to.equal(9);
    expect(result.clean).to.equal(false);
    expect(
      result.findings.map((finding) => finding.kind),
      JSON.stringify(result.findings, null, 2),
    ).to.deep.equal([kind]);
    if (subject) expect(result.findings[0]!.subject).to.equal(subject);
    return result.findings[0]!;
  };
  /** `--fix` repairs it, says so, and the next doctor run is clean. */
  const fixes = async (kind: string) => {
    const fixed = await doctor('--fix');
    expect(fixed.exitCode).to.equal(0);
    expect(fixed.findings.map((finding) => [finding.kind, finding.fixed])).to.deep.equal([[kind, true]]);
    await expectClean();
  };
  // dfx's layout: the local network's ids under .dfx/local, the others in canister_ids.json.
  const idsFile = (environment: string) =>
    environment === 'local'
      ? join(project.dir, '.dfx', 'local', 'canister_ids.json')
      : join(project.dir, 'canister_ids.json');
  const live = (environment: string) =>
    JSON.parse(readFileSync(idsFile(environment), 'utf8'))['my-agent'][environment] as string;

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['local', 'staging'], protectedStages: [] });
    await project.deploy('my-agent', 'local');
    const first = await project.run(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(first.exitCode, first.stderr).to.equal(0);
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('a consistent project is clean: exit 0, no findings, every recorded canister checked', async () => {
    const result = await project.json(['doctor']);
    expect(result.exitCode).to.equal(0);
    expect(result.json).to.deep.include({ clean: true, fixed: 0, findings: [] });
    expect(result.json.checked.canisters).to.equal(2);
    const human = await project.run(['doctor']);
    expect(human.stdout).to.match(/^All consistent: 2 canisters in 2 environments checked\.$/m);
  });

  it('unfinished-promotion: names the exact resume and abort commands; resume settles it', async () => {
    await project.deploy('my-agent', 'local', agentWasm.v2);
    const paused = await startPaused(project, ['promote', 'my-agent', '-f', 'local', '-t', 'staging'], 'backup');
    await killHard(paused);
    const promotionId = project.withStore((store) => store.promotions.list({ agent: 'my-agent', limit: 1 })[0]!.id);
    const found = await doctor();
    expect(found.exitCode).to.equal(9);
    const unfinished = found.findings.find((finding) => finding.kind === 'unfinished-promotion')!;
    expect(unfinished).to.deep.include({
      subject: promotionId,
      fix: null,
      fixed: false,
      environment: 'staging',
      agent: 'my-agent',
    });
    expect(unfinished.next).to.deep.equal([
      `soulrecall promote resume ${promotionId}`,
      `soulrecall promote abort ${promotionId}`,
    ]);
    // Its lock is the killed process's, released by the resume, not by --fix.
    expect(found.findings.map((finding) => finding.kind).sort()).to.deep.equal(['stale-lock', 'unfinished-promotion']);
    const human = await project.run(['doctor', '--fix']);
    expect(human.exitCode).to.equal(9);
    expect(human.stdout).to.include(`next: soulrecall promote resume ${promotionId}`);
    const resumed = await project.run(unfinished.next[0]!.split(' ').slice(1));
    expect(resumed.exitCode, resumed.stderr).to.equal(0);
    await expectClean();
  });

  it('stale-lock: a deploy killed while holding its lock; --fix removes the lock', async () => {
    // A process that takes the lock the way deploy does and dies without releasing it.
    const script = `import { openHistoryStore } from '@soulrecall/history-store';
      const store = openHistoryStore({ dataDir: ${JSON.stringify(sandbox.home)}, project: ${JSON.stringify(projectFromFolder(project.dir))} });
      store.locks.acquire({ agent: 'my-agent', environment: 'local', operation: 'deploy', operationId: 'killed-deploy', ttlMs: 600000 });
      store.close();`;
    const holder = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(holder.status, holder.stderr).to.equal(0);
    const found = await findsOne('stale-lock', 'killed-deploy');
    expect(found.summary).to.match(
      /^The lock on my-agent\/local belongs to deploy killed-deploy, which is gone \(pid \d+ on .+ is not running\)\.$/,
    );
    await fixes('stale-lock');
    expect(project.withStore((store) => store.locks.get('my-agent', 'local'))).to.equal(null);
  });

  it('pending-deployment: a deploy killed before its install; --fix records it failed', async () => {
    const canisterId = live('local');
    const deployment = project.withStore((store) => {
      const module = readFileSync(agentWasm.v3);
      const artifact = store.artifacts.put(module);
      return store.deployments.begin({
        agent: 'my-agent',
        environment: 'local',
        canisterId,
        moduleSha256: artifact.sha256,
        installMode: 'upgrade',
      });
    });
    const found = await findsOne('pending-deployment', String(deployment.id));
    expect(found.summary).to.include('the canister does not run its module');
    await fixes('pending-deployment');
    expect(project.withStore((store) => store.deployments.require(deployment.id).status)).to.equal('failed');
  });

  it('route-file-mismatch: canister_ids.json edited by hand; --fix rewrites it from the history', async () => {
    const file = join(project.dir, 'canister_ids.json');
    const original = readFileSync(file, 'utf8');
    const ids = JSON.parse(original);
    ids['my-agent'].staging = 'aaaaa-aa';
    writeFileSync(file, JSON.stringify(ids));
    const found = await findsOne('route-file-mismatch', 'my-agent/staging');
    expect(found.summary).to.include('canister_ids.json says my-agent in staging is aaaaa-aa');
    await fixes('route-file-mismatch');
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal(JSON.parse(original));
  });

  it('untracked-canister: a creation journaled, made on the network, never recorded; --fix records it', async () => {
    const client = await project.client('local');
    const plan = client.planCreation();
    project.withStore((store) =>
      store.canisters.noteCreationRequested({
        environment: 'local',
        agent: 'my-agent',
        networkUrl: project.devnets.local!.url,
        plan: { ...plan },
      }),
    );
    const created = await client.createPlanned(plan);
    expect(plan.kind === 'specified-id' && plan.canisterId).to.equal(created);
    const found = await findsOne('untracked-canister', created);
    expect(found.next).to.deep.equal([`soulrecall delete ${created} --network local`]);
    await fixes('untracked-canister');
    const recorded = project.withStore((store) => store.canisters.get('local', created));
    expect(recorded).to.include({ agent: 'my-agent', decommissionedAt: null });
    // Recorded, it can now be deleted like any other canister, and doctor stays clean.
    const deleted = await project.run(['delete', created, '--network', 'local', '--yes']);
    expect(deleted.exitCode, deleted.stderr).to.equal(0);
    await expectClean();
  });

  it('a creation journaled whose create call never reached the network is not a finding', async () => {
    const client = await project.client('local');
    const plan = client.planCreation();
    project.withStore((store) =>
      store.canisters.noteCreationRequested({
        environment: 'local',
        agent: 'my-agent',
        networkUrl: project.devnets.local!.url,
        plan: { ...plan },
      }),
    );
    await expectClean();
  });

  it('missing-canister: a recorded canister deleted outside soulrecall; --fix records it deleted', async () => {
    const client = await project.client('local');
    const spare = await client.createCanister();
    project.withStore((store) =>
      store.canisters.record({
        canisterId: spare,
        networkUrl: project.devnets.local!.url,
        environment: 'local',
        agent: 'my-agent',
        role: 'green',
      }),
    );
    await expectClean();
    await client.delete(spare, { stopFirst: true });
    const found = await findsOne('missing-canister', spare);
    expect(found.fix).to.equal('record it as deleted');
    await fixes('missing-canister');
    expect(project.withStore((store) => store.canisters.get('local', spare)!.decommissionedAt)).to.be.a('string');
  });

  it('missing-canister that is live: a decision, with the commands to make one', async () => {
    // An agent of its own, so deleting its canister leaves my-agent alone.
    const yaml = readFileSync(project.configPath, 'utf8');
    writeFileSync(
      project.configPath,
      `${yaml}  lost-agent: { wasm: ${JSON.stringify(agentWasm.v1)}, health: { method: health } }\n`,
    );
    const deployed = await project.deploy('lost-agent', 'local');
    const client = await project.client('local');
    await client.delete(deployed.canisterId, { stopFirst: true });
    const found = await findsOne('missing-canister', deployed.canisterId);
    expect(found).to.deep.include({ fix: null, fixed: false });
    expect(found.summary).to.include('and it is the live canister');
    expect(found.next).to.deep.equal([
      `soulrecall delete ${deployed.canisterId} --network local`,
      'soulrecall deploy lost-agent -e local',
      'soulrecall backup list --network local',
    ]);
    expect((await doctor('--fix')).exitCode, '--fix leaves a decision alone').to.equal(9);
    // The decision the finding names: it is gone for good, so delete records it and its route goes.
    const deleted = await project.run(found.next[0]!.split(' ').slice(1));
    expect(deleted.exitCode, deleted.stderr).to.equal(0);
    expect(deleted.stdout).to.include('already gone from the network');
    expect(deleted.stdout).to.include('soulrecall deploy lost-agent -e local gives it a new one');
    expect(JSON.parse(readFileSync(idsFile('local'), 'utf8'))['lost-agent']).to.equal(undefined);
    await expectClean();
    const redeployed = await project.deploy('lost-agent', 'local');
    expect(redeployed.canisterId).to.not.equal(deployed.canisterId);
    await expectClean();
  });

  it('drift: a module installed outside soulrecall; the deploy the finding names puts the recorded one back', async () => {
    const canisterId = live('staging');
    const outside = await upgradeOutsideSoulrecall(await project.client('staging'), canisterId, agentWasm.v3);
    const found = await findsOne('drift', canisterId);
    expect(found.summary).to.include(`runs module ${outside.slice(0, 12)}`);
    expect(found.fix).to.equal(null);
    expect((await doctor('--fix')).exitCode).to.equal(9);
    const recorded = project.withStore((store) =>
      store.canisters.list({ environment: 'staging' }).find((canister) => canister.canisterId === canisterId)!,
    );
    const wasm = join(sandbox.home, 'recorded.wasm');
    writeFileSync(
      wasm,
      project.withStore((store) => store.artifacts.get(recorded.moduleSha256!)),
    );
    const redeployed = await project.run([...found.next[1]!.split(' ').slice(1), '-w', wasm, '--yes']);
    expect(redeployed.exitCode, redeployed.stderr).to.equal(0);
    await expectClean();
  });

  it('unreachable: a network that does not answer is reported, not guessed about; clean again once it is back', async () => {
    const staging = project.devnets.staging!;
    const { port } = new URL(staging.url);
    const stateDir = staging.stateDir;
    await staging.close();
    const found = await findsOne('unreachable');
    expect(found).to.include({ environment: 'staging', fix: null });
    const restarted = await startDevnet({ port: Number(port), stateDir });
    try {
      await expectClean();
    } finally {
      await restarted.close();
    }
  });
});
