import { expect } from 'chai';
import { IDL } from '@dfinity/candid';
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
import { binPath, CliSandbox, runProgram, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';

/**
 * Issue 16, items 2 and 7: `status`, `health` and `logs` of a canister id with `--network ic |
 * local | <url>` work outside any project, and `status --network <env>` reports a network as
 * reachable only after it answered a request — mainnet included, whose root key is built in
 * so connecting to it asks nothing.
 */
describe('soulrecall binary: read commands outside a project, and honest reachability', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const projectDir = join(sandbox.home, 'project');
  const configPath = join(projectDir, 'soulrecall.yaml');
  /** No soulrecall.yaml here or above (the sandbox home has none). */
  const elsewhere = join(sandbox.home, 'elsewhere');
  let devnetUrl: string;
  let canister: SeededCanister;

  const outside = (args: string[]) => sandbox.run(args, { cwd: elsewhere });
  /**
   * The binary in a network namespace of its own (util-linux `unshare`): no interface but a
   * loopback that is down, so no route to mainnet nor to 127.0.0.1, whatever this machine has.
   */
  const withoutNetwork = (args: string[], cwd: string): Promise<CliResult> =>
    runProgram('unshare', ['--net', '--map-root-user', process.execPath, binPath, ...args], {
      cwd,
      env: sandbox.env(),
    });
  const jsonOf = (result: CliResult, exitCode: number) => {
    expect(result.exitCode, `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).to.equal(
      exitCode,
    );
    return JSON.parse(result.stdout);
  };

  before(async () => {
    const devnet = await pool.start();
    devnetUrl = devnet.url;
    mkdirSync(projectDir, { recursive: true });
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(configPath, projectYaml(devnetUrl, await closedPortUrl()));
    canister = await seedCanister({
      dataDir: sandbox.home,
      configPath,
      environment: 'local',
      agent: 'my-agent',
      wasm: WASM.v1,
    });
    // A call with an argument of the wrong type traps; the replica logs the trap.
    await onChain({ dataDir: sandbox.home, configPath, environment: 'local' }, (client) =>
      client.update(canister.canisterId, 'remember', new Uint8Array(IDL.encode([IDL.Nat], [5n]))).then(
        () => expect.fail('the call did not trap'),
        () => undefined,
      ),
    );
  });

  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('status <id> --network <url> outside a project: the canister on that network, not recorded in this (default) project', async () => {
    const status = jsonOf(await outside(['status', canister.canisterId, '--network', devnetUrl, '--json']), 0);
    expect(status).to.deep.include({
      canisterId: canister.canisterId,
      environment: devnetUrl,
      networkUrl: devnetUrl,
      status: 'running',
      moduleHash: canister.moduleSha256,
      recorded: null,
    });
  });

  it('health <id> --network <url> outside a project: healthy, exit 0', async () => {
    const verdict = jsonOf(await outside(['health', canister.canisterId, '--network', devnetUrl, '--json']), 0);
    expect(verdict).to.deep.include({
      canisterId: canister.canisterId,
      healthy: true,
      reachable: true,
      status: 'running',
      environment: devnetUrl,
    });
  });

  it("logs <id> --network <url> outside a project: the canister's log records", async () => {
    const { lines } = jsonOf(await outside(['logs', canister.canisterId, '--network', devnetUrl, '--json']), 0);
    expect(lines.length).to.be.greaterThan(0);
    for (const line of lines)
      expect(line).to.deep.include({ canisterId: canister.canisterId, environment: devnetUrl, agent: null });
  });

  it('status --network <url> outside a project: reachable, with the latency of a status request', async () => {
    const report = jsonOf(await outside(['status', '--network', devnetUrl, '--json']), 0);
    expect(report).to.deep.include({
      environment: devnetUrl,
      networkUrl: devnetUrl,
      rootKeySource: 'fetched',
      reachable: true,
      canisters: [],
    });
    expect(report.latencyMs).to.be.a('number');
  });

  it('in a project an environment name wins over the network of the same name; a bare URL works there too', async () => {
    // The project's `local` is the devnet, not http://127.0.0.1:4943.
    const named = jsonOf(
      await sandbox.run(['status', canister.canisterId, '--network', 'local', '--json'], { cwd: projectDir }),
      0,
    );
    expect(named).to.deep.include({ environment: 'local', networkUrl: devnetUrl });
    expect(named.recorded).to.deep.include({ agent: 'my-agent' });
    const byUrl = jsonOf(
      await sandbox.run(['status', canister.canisterId, '--network', devnetUrl, '--json'], { cwd: projectDir }),
      0,
    );
    // Not an environment of the project: what the project recorded is under `local`.
    expect(byUrl).to.deep.include({
      environment: devnetUrl,
      networkUrl: devnetUrl,
      moduleHash: canister.moduleSha256,
      recorded: null,
    });
  });

  it('status --network ic with no route to mainnet: exit 6 and says mainnet did not answer (no "reachable")', async () => {
    const human = await withoutNetwork(['status', '--network', 'ic'], elsewhere);
    expect(human.exitCode, human.stderr).to.equal(6);
    expect(human.stdout).to.equal('');
    expect(human.stderr).to.match(/^Error: Cannot reach the ic network at https:\/\/icp-api\.io/m);
    expect(human.stderr).to.match(/^Hint: .*mainnet/m);
    expect(human.stderr).to.not.match(STACK_TRACE);
    const json = jsonOf(await withoutNetwork(['status', '--network', 'ic', '--json'], elsewhere), 6);
    expect(json.error).to.deep.include({ code: 'NETWORK_UNREACHABLE', exitCode: 6 });
  });

  it('status <id> --network ic with no route to mainnet: exit 6, not "no soulrecall.yaml"', async () => {
    const result = await withoutNetwork(['status', canister.canisterId, '--network', 'ic'], elsewhere);
    expect(result.exitCode, result.stderr).to.equal(6);
    expect(result.stderr).to.match(/^Error: Cannot reach the ic network/m);
  });

  it('status --network local outside a project is http://127.0.0.1:4943 (root key fetched): exit 6 when nothing answers there', async () => {
    const result = await withoutNetwork(['status', '--network', 'local'], elsewhere);
    expect(result.exitCode, result.stderr).to.equal(6);
    expect(result.stderr).to.match(/^Error: Cannot reach the local network at http:\/\/127\.0\.0\.1:4943/m);
    expect(result.stderr).to.match(/^Hint: Start the local network with `soulrecall network start`/m);
  });

  it('status --network <env> of a project environment whose URL refuses connections: exit 6, the error, no "reachable"', async () => {
    const human = await sandbox.run(['status', '--network', 'dead'], { cwd: projectDir });
    expect(human.exitCode, human.stderr).to.equal(6);
    expect(human.stdout).to.not.match(/reachable/);
    expect(human.stderr).to.match(
      /^Error: Cannot reach the dead network at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/m,
    );
    const json = jsonOf(await sandbox.run(['status', '--network', 'dead', '--json'], { cwd: projectDir }), 6);
    expect(json.error).to.deep.include({ code: 'NETWORK_UNREACHABLE', exitCode: 6 });
  });

  interface BadNetworkCase {
    name: string;
    args: string[];
    exitCode: number;
    error: RegExp;
    cwd?: 'project';
  }
  const NOWHERE = 'um5iw-rqaaa-aaaaq-qaaba-cai';
  const badInput: BadNetworkCase[] = [
    {
      name: 'status: an environment name outside a project',
      args: ['status', NOWHERE, '--network', 'staging'],
      exitCode: 2,
      error: /--network "staging" is neither `ic`, `local` nor an http\(s\) URL/,
    },
    {
      name: 'status --network: not a network outside a project',
      args: ['status', '--network', 'mars'],
      exitCode: 2,
      error: /--network "mars" is neither/,
    },
    {
      name: 'health: a URL of another scheme',
      args: ['health', NOWHERE, '--network', 'ftp://127.0.0.1:4943'],
      exitCode: 2,
      error: /--network "ftp:\/\/127\.0\.0\.1:4943" is neither/,
    },
    {
      name: 'logs: a URL without a scheme',
      args: ['logs', NOWHERE, '--network', '127.0.0.1:4943'],
      exitCode: 2,
      error: /--network "127\.0\.0\.1:4943" is neither/,
    },
    {
      name: 'logs --network alone: not a network',
      args: ['logs', '--network', 'prod'],
      exitCode: 2,
      error: /--network "prod" is neither/,
    },
    {
      name: 'status: not a principal, with --network ic',
      args: ['status', 'xyz', '--network', 'ic'],
      exitCode: 5,
      error: /"xyz" is not a canister id/,
    },
    {
      name: 'status: in a project, neither an environment nor a network',
      args: ['status', '--network', 'mars'],
      exitCode: 4,
      error: /Unknown environment "mars"/,
      cwd: 'project',
    },
    {
      name: 'health: canister not on that network (outside a project)',
      args: ['health', NOWHERE, '--network', '{devnet}'],
      exitCode: 4,
      error: new RegExp(`${NOWHERE} does not exist`),
    },
  ];
  for (const testCase of badInput) {
    it(`bad --network: ${testCase.name} → exit ${testCase.exitCode}, one sentence and a hint`, async () => {
      const args = testCase.args.map((arg) => arg.replace('{devnet}', devnetUrl));
      const result = await sandbox.run(args, { cwd: testCase.cwd === 'project' ? projectDir : elsewhere });
      const shown = `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
      expect(result.exitCode, shown).to.equal(testCase.exitCode);
      expect(result.stdout, shown).to.equal('');
      expect(result.stderr, shown).to.match(/^Error: .+/m);
      expect(result.stderr, shown).to.match(testCase.error);
      expect(result.stderr, shown).to.match(/^Hint: .+/m);
      expect(result.stderr, shown).to.not.match(STACK_TRACE);
    });
  }
});
