import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import {
  agentWasm,
  closedPortUrl,
  createProject,
  upgradeOutsideSoulrecall,
  type TestProject,
} from '../helpers/project.js';

/**
 * `soulrecall promote` end to end: the real binary against three devnets standing in for
 * local, staging and production (protected, alias `prod`). The tests build on each other:
 * local gets v1, then v2, and each promotion moves what was tested one stage further.
 */
describe('soulrecall binary: promote', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;
  let localCanister: string;
  let stagingCanister: string;
  let productionCanister: string;
  let v1Sha: string;
  let v2Sha: string;

  const promotionCount = () => project.withStore((store) => store.promotions.list({ limit: 1000 }).length);

  before(async () => {
    project = await createProject(sandbox, pool, { extraEnvironments: { offline: await closedPortUrl() } });
    const deployed = await project.deploy('my-agent', 'local');
    localCanister = deployed.canisterId;
    v1Sha = deployed.moduleSha256;
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('--to defaults to the next stage: a first promotion creates the target canister and makes it live (--json: one document)', async () => {
    const result = await project.json(['promote', 'my-agent', '--from', 'local']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const out = result.json;
    expect(out).to.include({
      status: 'succeeded',
      agent: 'my-agent',
      from: 'local',
      to: 'staging',
      strategy: 'in-place',
      routeBefore: null,
    });
    expect(out.promotionId).to.match(/^prm-/);
    expect(out.module).to.include({ sha256: v1Sha, origin: 'source-deployment', path: null });
    expect(out.sourceDeployment).to.include({ canisterId: localCanister, version: 1 });
    expect(out.routeAfter).to.equal(out.targetCanisterId);
    expect(out.targetDeployment.version).to.equal(1);
    expect(out.steps.map((step: { name: string; status: string }) => `${step.name}:${step.status}`)).to.deep.equal([
      'lock:succeeded',
      'preflight:succeeded',
      'create:succeeded',
      'backup:succeeded',
      'install:succeeded',
      'verify:succeeded',
      'record:succeeded',
      'release:succeeded',
    ]);
    expect(result.stderr, 'nothing but the JSON with --json').to.equal('');
    stagingCanister = out.targetCanisterId;
    const actor = await project.agent('staging', stagingCanister);
    expect(await actor.version()).to.equal('1.0.0');
    project.withStore((store) => {
      const promotion = store.promotions.require(out.promotionId);
      expect(promotion.status).to.equal('succeeded');
      expect(store.routes.get('my-agent', 'staging')!.canisterId).to.equal(stagingCanister);
      expect(store.deployments.require(out.targetDeployment.id)).to.include({
        status: 'succeeded',
        moduleSha256: v1Sha,
        promotionId: out.promotionId,
      });
      expect(store.locks.get('my-agent', 'staging')).to.equal(null);
    });
  });

  it("an in-place promotion upgrades the live canister after a snapshot and keeps the agent's memories (plain progress on stderr)", async () => {
    const actor = await project.agent('staging', stagingCanister);
    await actor.remember('the user likes tea');
    await actor.remember('the user is called Ada');
    v2Sha = (await project.deploy('my-agent', 'local', agentWasm.v2)).moduleSha256;

    const result = await project.run(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.match(
      /^Promoted my-agent local → staging \(in-place\) as prm-\w+: module [0-9a-f]{12} on [a-z0-9-]+, version 2\.$/m,
    );
    expect(result.stdout).to.include(v2Sha.slice(0, 12));
    for (const step of ['lock', 'preflight', 'backup', 'install', 'verify', 'record'])
      expect(result.stderr).to.match(new RegExp(`^✔ ${step}`, 'm'));
    expect(result.stderr).not.to.match(/create/);
    expect(await actor.version()).to.equal('2.0.0');
    expect(await actor.recall(), 'memories survive (v2 recalls newest first)').to.deep.equal([
      'the user is called Ada',
      'the user likes tea',
    ]);
    project.withStore((store) => {
      const [promotion] = store.promotions.list({ agent: 'my-agent', environment: 'staging', limit: 1 });
      const backup = store.promotions.require(promotion!.id).steps.find((step) => step.name === 'backup')!;
      expect(backup.status).to.equal('succeeded');
      expect((backup.detail as { backupId: string }).backupId).to.match(/^bak-/);
      expect(store.backups.require((backup.detail as { backupId: string }).backupId).canisterId).to.equal(
        stagingCanister,
      );
    });
  });

  it('says so, exits 0 and records nothing when the target already runs the module', async () => {
    const before = promotionCount();
    const result = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json).to.include({ status: 'unchanged', promotionId: null, targetCanisterId: stagingCanister });
    expect(result.json.notes.join(' ')).to.match(/staging already runs module .*nothing to do/);
    expect(promotionCount()).to.equal(before);
    const human = await project.run(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(human.exitCode).to.equal(0);
    expect(human.stdout).to.match(/Nothing to promote: my-agent local → staging/);
  });

  it('--dry-run prints each step with canister ids, module hashes and the snapshot to be taken, and changes nothing', async () => {
    const before = promotionCount();
    const result = await project.json([
      'promote',
      'my-agent',
      '-f',
      'local',
      '-t',
      'staging',
      '-w',
      agentWasm.v1,
      '--yes',
      '--dry-run',
    ]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const out = result.json;
    expect(out).to.include({ status: 'dry-run', promotionId: null, targetCanisterId: stagingCanister });
    expect(out.module).to.include({ sha256: v1Sha, origin: 'file' });
    expect(out.steps.map((step: { name: string }) => step.name)).to.deep.equal([
      'lock',
      'preflight',
      'backup',
      'install',
      'verify',
      'record',
      'release',
    ]);
    expect(out.steps.every((step: { status: string }) => step.status === 'planned')).to.equal(true);
    const backup = out.steps.find((step: { name: string }) => step.name === 'backup');
    expect(backup.description).to.include(`snapshot canister ${stagingCanister}`);
    expect(out.steps.find((step: { name: string }) => step.name === 'install').detail).to.deep.equal({
      canisterId: stagingCanister,
      moduleSha256: v1Sha,
    });
    expect(out.notes.join(' ')).to.match(/Dry run: nothing was changed/);

    const human = await project.run(['promote', 'my-agent', '-f', 'staging', '-t', 'prod', '--dry-run']);
    expect(human.exitCode, human.stderr).to.equal(0);
    expect(human.stdout).to.match(/^Plan for my-agent staging → production \(in-place\), module [0-9a-f]{12}/m);
    expect(human.stdout).to.match(/^ {2}1\. lock: /m);
    expect(human.stdout).to.match(/create: create a canister for my-agent in production/);
    expect(promotionCount()).to.equal(before);
    expect(await (await project.agent('staging', stagingCanister)).version()).to.equal('2.0.0');
    project.withStore((store) => expect(store.routes.get('my-agent', 'production')).to.equal(null));
  });

  it('a protected target needs --yes without a terminal; with neither --from nor --to the last hop (staging → production) is promoted', async () => {
    const before = promotionCount();
    const refused = await project.run(['promote', 'my-agent']);
    expect(refused.exitCode).to.equal(10);
    expect(refused.stderr).to.match(/^Error: .*production/m);
    expect(refused.stderr).to.match(/^Hint: /m);
    expect(refused.stderr).not.to.match(STACK_TRACE);
    expect(promotionCount()).to.equal(before);

    const result = await project.json(['promote', 'my-agent', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json).to.include({ status: 'succeeded', from: 'staging', to: 'production' });
    expect(result.json.module.sha256).to.equal(v2Sha);
    productionCanister = result.json.targetCanisterId;
    const actor = await project.agent('production', productionCanister);
    expect(await actor.version()).to.equal('2.0.0');
  });

  it("-w with a module other than the source's asks for --yes; a module whose health check fails is rolled back with memories intact (exit 12)", async () => {
    const actor = await project.agent('production', productionCanister);
    await actor.remember('production memory');
    const before = promotionCount();

    const unconfirmed = await project.json([
      'promote',
      'my-agent',
      '-f',
      'staging',
      '-t',
      'prod',
      '-w',
      agentWasm.broken,
    ]);
    expect(unconfirmed.exitCode).to.equal(10);
    expect(unconfirmed.json.error.code).to.equal('MODULE_NOT_FROM_SOURCE');
    expect(unconfirmed.json.error.message).to.include(v2Sha.slice(0, 12));
    expect(promotionCount()).to.equal(before);

    const result = await project.json([
      'promote',
      'my-agent',
      '-f',
      'staging',
      '-t',
      'prod',
      '-w',
      agentWasm.broken,
      '--yes',
    ]);
    expect(result.exitCode).to.equal(12);
    const error = result.json.error;
    expect(error).to.include({ code: 'PROMOTION_ROLLED_BACK', exitCode: 12 });
    expect(error.message).to.match(/unhealthy .*health replied #err.*snapshot bak-\w+ was restored/);
    expect(await actor.version()).to.equal('2.0.0');
    expect(await actor.recall()).to.deep.equal(['production memory']);
    project.withStore((store) => {
      const promotion = store.promotions.require(error.details.promotionId);
      expect(promotion.status).to.equal('rolled-back');
      expect(promotion.error).to.match(/unhealthy/);
      expect(promotion.steps.map((step) => `${step.name}:${step.status}`)).to.include.members([
        'install:succeeded',
        'verify:failed',
        'restore:succeeded',
        'release:succeeded',
      ]);
      const fileOverride = promotion.options.fileOverride as { sourceSha256: string; fileSha256: string };
      expect(fileOverride.sourceSha256, 'both hashes recorded').to.equal(v2Sha);
      expect(fileOverride.fileSha256)
        .to.match(/^[0-9a-f]{64}$/)
        .and.not.equal(v2Sha);
      expect(store.locks.get('my-agent', 'production')).to.equal(null);
    });
  });

  it('--target-canister upgrades that canister (adopting it into the store) and leaves the live route alone', async () => {
    const client = await project.client('staging');
    const spare = await client.createCanister();
    const result = await project.json([
      'promote',
      'my-agent',
      '-f',
      'local',
      '-t',
      'staging',
      '--target-canister',
      spare,
    ]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json).to.include({
      status: 'succeeded',
      targetCanisterId: spare,
      routeBefore: stagingCanister,
      routeAfter: stagingCanister,
    });
    expect(result.json.steps.map((step: { name: string }) => step.name)).not.to.include('create');
    expect(await (await project.agent('staging', spare)).version()).to.equal('2.0.0');
    project.withStore((store) => {
      expect(store.canisters.get('staging', spare)).to.include({ agent: 'my-agent' });
      expect(store.routes.get('my-agent', 'staging')!.canisterId).to.equal(stagingCanister);
    });
  });

  it('--skip-deploy records the promotion and the target deployment without touching any network (the target is not even reachable)', async () => {
    const recorded = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
    const result = await project.json([
      'promote',
      'my-agent',
      '-f',
      'local',
      '-t',
      'offline',
      '--skip-deploy',
      '--target-canister',
      recorded,
    ]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const out = result.json;
    expect(out).to.include({
      status: 'recorded',
      strategy: 'skip-deploy',
      to: 'offline',
      targetCanisterId: recorded,
      routeAfter: recorded,
    });
    expect(out.notes.join(' ')).to.match(/--skip-deploy: no network was touched/);
    project.withStore((store) => {
      const promotion = store.promotions.require(out.promotionId);
      expect(promotion).to.include({
        status: 'succeeded',
        strategy: 'skip-deploy',
        targetDeploymentId: out.targetDeployment.id,
      });
      expect(promotion.options.skipDeploy).to.equal(true);
      expect(promotion.steps.map((step) => step.name)).to.deep.equal(['lock', 'record', 'release']);
      expect(promotion.steps.find((step) => step.name === 'record')!.detail).to.include({ networkTouched: false });
      expect(store.deployments.require(out.targetDeployment.id)).to.include({
        environment: 'offline',
        canisterId: recorded,
        moduleSha256: v2Sha,
        status: 'succeeded',
      });
    });
    const human = await project.run([
      'promote',
      'my-agent',
      '-f',
      'local',
      '-t',
      'offline',
      '--skip-deploy',
      '--force',
    ]);
    expect(human.exitCode, human.stderr).to.equal(0);
    expect(human.stdout).to.match(
      /^Recorded my-agent local → offline as prm-\w+: version 2 on ryjl3-tyaaa-aaaaa-aaaba-cai\./m,
    );
    expect(human.stdout).to.match(/no network was touched/);
  });

  it('refuses drift in the source with both hashes (exit 9); --force promotes the recorded module and records the drift', async () => {
    const client = await project.client('local');
    const onChain = await upgradeOutsideSoulrecall(client, localCanister, agentWasm.v1);
    expect(onChain).to.equal(v1Sha);
    const before = promotionCount();

    const refused = await project.run(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(refused.exitCode).to.equal(9);
    expect(refused.stderr).to.match(
      /^Error: Drift in local: canister \S+ runs module [0-9a-f]{64}, but soulrecall recorded [0-9a-f]{64}/m,
    );
    expect(refused.stderr).to.include(v1Sha).and.include(v2Sha);
    expect(refused.stderr).to.match(/^Hint: .*--force/m);
    expect(refused.stderr).not.to.match(STACK_TRACE);
    expect(refused.stdout).to.equal('');
    expect(promotionCount()).to.equal(before);

    const forced = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging', '--force']);
    expect(forced.exitCode, forced.stderr).to.equal(0);
    expect(forced.json).to.include({ status: 'succeeded', targetCanisterId: stagingCanister });
    expect(forced.json.module.sha256).to.equal(v2Sha);
    expect(forced.json.notes.join(' ')).to.match(/--force: promoting recorded module/);
    project.withStore((store) => {
      const promotion = store.promotions.require(forced.json.promotionId);
      expect(promotion.options.forcedDrift).to.deep.equal({ recorded: v2Sha, onChain: v1Sha });
    });
    expect(await (await project.agent('staging', stagingCanister)).recall()).to.deep.equal([
      'the user is called Ada',
      'the user likes tea',
    ]);
  });

  it('fires promote:before and promote:after in installed plugins; a throwing hook is reported and does not break the promotion', async () => {
    // A notification plugin as a user would write one, linked into the sandboxed CLI.
    const plugin = join(sandbox.home, 'hook-recorder');
    mkdirSync(plugin, { recursive: true });
    writeFileSync(
      join(plugin, 'package.json'),
      JSON.stringify({
        name: 'hook-recorder',
        version: '0.0.1',
        type: 'module',
        oclif: { hooks: { 'promote:before': './before.js', 'promote:after': './after.js' } },
      }),
    );
    const record = (event: string, extra = '') => `import { appendFileSync } from 'node:fs';
export default async function (options) {
  appendFileSync(new URL('./events.log', import.meta.url), JSON.stringify({ event: '${event}', id: options.promotion.id, status: options.promotion.status, result: options.result?.status ?? null }) + '\\n');
  ${extra}
}
`;
    writeFileSync(join(plugin, 'before.js'), record('promote:before'));
    writeFileSync(join(plugin, 'after.js'), record('promote:after', "throw new Error('the chat server is down');"));
    const linked = await project.run(['plugins', 'link', plugin, '--no-install']);
    expect(linked.exitCode, linked.stderr).to.equal(0);

    const result = await project.json([
      'promote',
      'my-agent',
      '-f',
      'local',
      '-t',
      'staging',
      '-w',
      agentWasm.v1,
      '--yes',
    ]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.json.status).to.equal('succeeded');
    // The failure is reported as one warning line, without a stack trace, and changes nothing.
    expect(result.stderr).to.include(
      'Warning: the promote:after hook of hook-recorder failed: the chat server is down',
    );
    expect(result.stderr).not.to.match(STACK_TRACE);
    const events = readFileSync(join(plugin, 'events.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).to.deep.equal([
      { event: 'promote:before', id: result.json.promotionId, status: 'planned', result: null },
      { event: 'promote:after', id: result.json.promotionId, status: 'succeeded', result: 'succeeded' },
    ]);
    expect(await (await project.agent('staging', stagingCanister)).version()).to.equal('1.0.0');
  });
});
