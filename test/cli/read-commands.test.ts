import { expect } from 'chai';
import { IDL } from '@dfinity/candid';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closedPortUrl,
  onChain,
  projectYaml,
  seedCanister,
  WASM,
  type SeededCanister,
} from '../../packages/core/test/inventory-fixture.js';
import { binPath, CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';

/** list, status, health, logs and delete through the real binary against a devnet. */
describe('soulrecall binary: list, status, health, logs, delete', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const projectDir = join(sandbox.home, 'project');
  const configPath = join(projectDir, 'soulrecall.yaml');
  let live: SeededCanister;
  let spare: SeededCanister;
  let broken: SeededCanister;
  let stagingLive: SeededCanister;
  let stagingSpare: SeededCanister;

  const run = (args: string[]) => sandbox.run(args, { cwd: projectDir });
  const json = async (args: string[], exitCode = 0) => {
    const result = await run([...args, '--json']);
    expect(result.exitCode, result.stderr + result.stdout).to.equal(exitCode);
    return JSON.parse(result.stdout);
  };

  before(async () => {
    const devnet = await pool.start();
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(configPath, projectYaml(devnet.url, await closedPortUrl()));
    // Through part A's `deploy` where it can: the live canisters, and spares adopted with --canister.
    const deploy = async (environment: string, extra: string[] = []): Promise<SeededCanister> => {
      const result = await json(['deploy', 'my-agent', '-e', environment, '--yes', ...extra]);
      return { canisterId: result.canisterId, moduleSha256: result.moduleSha256, version: result.version };
    };
    const spareIn = async (environment: string) => {
      const canisterId = await onChain({ dataDir: sandbox.home, configPath, environment }, (client) =>
        client.createCanister(),
      );
      return deploy(environment, ['--canister', canisterId]);
    };
    live = await deploy('local');
    spare = await spareIn('local');
    // deploy rolls back a module whose health check fails, so the unhealthy canister is put there directly.
    broken = await seedCanister({
      dataDir: sandbox.home,
      configPath,
      environment: 'local',
      agent: 'my-agent',
      wasm: WASM.broken,
    });
    stagingLive = await deploy('staging');
    stagingSpare = await spareIn('staging');
  });

  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('list --json shows every canister with environment, agent, live flag, version, module hash and last status', async () => {
    const { canisters } = await json(['list']);
    expect(canisters).to.have.length(5);
    const row = canisters.find((c: { canisterId: string }) => c.canisterId === live.canisterId);
    expect(row).to.deep.include({
      environment: 'local',
      agent: 'my-agent',
      role: 'primary',
      live: true,
      deployedVersion: live.version,
      moduleSha256: live.moduleSha256,
      lastStatus: 'succeeded',
      decommissionedAt: null,
    });
    const filtered = await json(['list', '-e', 'stg', '--agent', 'my-agent']);
    expect(filtered.canisters.map((c: { canisterId: string }) => c.canisterId).sort()).to.deep.equal(
      [stagingLive.canisterId, stagingSpare.canisterId].sort(),
    );
    expect((await json(['list', '--agent', 'other'])).canisters).to.deep.equal([]);
  });

  it('list prints a table within 80 columns', async () => {
    const result = await run(['list']);
    expect(result.exitCode).to.equal(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^ENV\s+AGENT\s+CANISTER\s+LIVE\s+VER\s+MODULE\s+STATUS$/);
    expect(lines).to.have.length(6);
    expect(result.stdout).to.include(live.canisterId);
    for (const line of lines) expect(line.length).to.be.at.most(80);
  });

  it('status <id> --json: network status, recorded version, controllers, cycles, memory, no drift', async () => {
    const principal = (await json(['identity', 'export-principal'])).principal;
    const status = await json(['status', live.canisterId]);
    expect(status).to.deep.include({
      canisterId: live.canisterId,
      environment: 'local',
      status: 'running',
      statusSource: 'canister_status',
      moduleHash: live.moduleSha256,
      moduleVersion: live.version,
      drift: false,
    });
    expect(status.controllers).to.include(principal);
    expect(BigInt(status.cycles)).to.be.greaterThan(0n);
    expect(BigInt(status.memorySize)).to.be.greaterThan(0n);
    expect(status.recorded).to.deep.include({
      agent: 'my-agent',
      live: true,
      deployedVersion: live.version,
      moduleSha256: live.moduleSha256,
    });
  });

  it('status flags drift loudly when the module on chain is not the recorded one', async () => {
    await onChain({ dataDir: sandbox.home, configPath, environment: 'local' }, (client) =>
      client.install({ canisterId: spare.canisterId, module: WASM.v2, mode: 'upgrade' }),
    );
    const status = await json(['status', spare.canisterId]);
    expect(status.drift).to.equal(true);
    expect(status.moduleHash).to.not.equal(spare.moduleSha256);
    expect(status.moduleVersion).to.equal(null);
    const human = await run(['status', spare.canisterId]);
    expect(human.stdout).to.match(/^DRIFT\s+the module on chain is not the one soulrecall deployed/m);
  });

  it('status --network <env>: URL, root key source, reachability, latency and every canister, with DRIFT', async () => {
    const report = await json(['status', '--network', 'local']);
    expect(report).to.deep.include({ environment: 'local', rootKeySource: 'fetched', reachable: true, drift: true });
    expect(report.networkUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.latencyMs).to.be.a('number');
    expect(report.canisters).to.have.length(3);
    expect(report.canisters.find((c: { canisterId: string }) => c.canisterId === spare.canisterId).drift).to.equal(
      true,
    );
    expect(report.canisters.find((c: { canisterId: string }) => c.canisterId === live.canisterId).drift).to.equal(
      false,
    );
    const human = await run(['status', '-e', 'local']);
    expect(human.exitCode).to.equal(0);
    expect(human.stdout).to.match(/reachable in \d+ ms \(root key fetched from the network\)/);
    expect(human.stdout).to.match(new RegExp(`${spare.canisterId}.*DRIFT`));
    expect(human.stderr).to.match(/^DRIFT: /m);
  });

  it('health: exit 0 and the verdict when healthy; exit 8 with the reasons when unhealthy', async () => {
    const verdict = await json(['health', live.canisterId]);
    expect(verdict).to.deep.include({
      canisterId: live.canisterId,
      healthy: true,
      reachable: true,
      status: 'running',
      environment: 'local',
    });
    expect(verdict.method).to.deep.include({ name: 'health', healthy: true });
    const human = await run(['health', broken.canisterId]);
    expect(human.exitCode).to.equal(8);
    expect(human.stdout).to.equal('');
    expect(human.stderr).to.match(/^Error: Canister \S+ is unhealthy: .*#err/m);
    expect(human.stderr).to.match(/^Hint: /m);
    expect(human.stderr).to.not.match(STACK_TRACE);
    const failure = await json(['health', broken.canisterId], 8);
    expect(failure.error).to.deep.include({ code: 'UNHEALTHY', exitCode: 8 });
    expect(failure.error.details.verdict.healthy).to.equal(false);
  });

  it('logs: one canister, or every canister of an environment prefixed by agent/canister', async () => {
    // A call with an argument of the wrong type traps; the replica logs the trap.
    await onChain({ dataDir: sandbox.home, configPath, environment: 'local' }, (client) =>
      client.update(live.canisterId, 'remember', new Uint8Array(IDL.encode([IDL.Nat], [5n]))).then(
        () => expect.fail('the call did not trap'),
        () => undefined,
      ),
    );
    const one = await json(['logs', live.canisterId, '--since', '1h']);
    expect(one.lines.length).to.be.greaterThan(0);
    expect(one.lines[0]).to.deep.include({ agent: 'my-agent', environment: 'local', canisterId: live.canisterId });
    expect((await json(['logs', live.canisterId, '--since', '2099-01-01'])).lines).to.deep.equal([]);
    for (const line of one.lines) expect(line).to.include.keys('agent', 'canisterId', 'idx', 'timestamp', 'text');
    const all = await run(['logs', '--network', 'local']);
    expect(all.exitCode, all.stderr).to.equal(0);
    const printed = all.stdout.split('\n').filter(Boolean);
    expect(printed.length).to.be.greaterThan(0);
    for (const line of printed) expect(line).to.match(/^my-agent\/\S+-cai \d{4}-/);
    expect(all.stdout).to.include(`my-agent/${live.canisterId} `);
  });

  it('logs --follow prints new lines as they come and exits 0 when interrupted', async () => {
    const child = spawn(process.execPath, [binPath, 'logs', live.canisterId, '--follow'], {
      cwd: projectDir,
      env: sandbox.env(),
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const lineCount = () => stdout.split('\n').filter(Boolean).length;
    const waitFor = async (condition: () => boolean) => {
      while (!condition() && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await waitFor(() => lineCount() > 0);
    const before = lineCount();
    await onChain({ dataDir: sandbox.home, configPath, environment: 'local' }, (client) =>
      client.update(live.canisterId, 'remember', new Uint8Array(IDL.encode([IDL.Nat], [6n]))).catch(() => undefined),
    );
    await waitFor(() => lineCount() > before);
    expect(child.exitCode, stderr).to.equal(null);
    expect(lineCount()).to.be.greaterThan(before);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).to.equal(0);
    expect(stderr).to.not.match(STACK_TRACE);
  });

  it('delete refuses the live canister and says how to switch the route', async () => {
    const result = await run(['delete', live.canisterId]);
    expect(result.exitCode).to.equal(9);
    expect(result.stderr).to.match(
      /^Error: Canister \S+ is the live canister of my-agent in local; it was not deleted\.$/m,
    );
    expect(result.stderr).to.match(/^Hint: Switch the route first: soulrecall config set --routing/m);
  });

  it('delete stops and deletes a spare canister and marks it decommissioned', async () => {
    const result = await json(['delete', broken.canisterId]);
    expect(result).to.deep.include({
      canisterId: broken.canisterId,
      environment: 'local',
      agent: 'my-agent',
      deletedOnNetwork: true,
    });
    const listed = await json(['list']);
    expect(listed.canisters.map((c: { canisterId: string }) => c.canisterId)).to.not.include(broken.canisterId);
    const everything = await json(['list', '--all']);
    expect(
      everything.canisters.find((c: { canisterId: string }) => c.canisterId === broken.canisterId).lastStatus,
    ).to.equal('decommissioned');
    const gone = await run(['status', broken.canisterId, '--network', 'local']);
    expect(gone.exitCode, gone.stderr).to.equal(4);
  });

  it('delete on a protected environment asks first: refused without a terminal, done with --yes', async () => {
    const refused = await run(['delete', stagingSpare.canisterId]);
    expect(refused.exitCode).to.equal(10);
    expect(refused.stderr).to.match(/^Hint: .*--yes/m);
    expect((await json(['list', '-e', 'staging'])).canisters).to.have.length(2);
    const done = await json(['delete', stagingSpare.canisterId, '--yes']);
    expect(done.deletedOnNetwork).to.equal(true);
    expect((await json(['list', '-e', 'staging'])).canisters).to.have.length(1);
  });
});
