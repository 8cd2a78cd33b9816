import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closedPortUrl,
  onChain,
  projectYaml,
  seedCanister,
  WASM,
  type SeededCanister,
} from '../../packages/core/test/inventory-fixture.js';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';

/** config set --routing / config get --routing through the real binary against a devnet. */
describe('soulrecall binary: config set|get --routing', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const projectDir = join(sandbox.home, 'project');
  const configPath = join(projectDir, 'soulrecall.yaml');
  let blue: SeededCanister;
  let green: SeededCanister;
  let broken: SeededCanister;
  let stopped: SeededCanister;

  const run = (args: string[]) => sandbox.run(args, { cwd: projectDir });
  const json = async (args: string[], exitCode = 0) => {
    const result = await run([...args, '--json']);
    expect(result.exitCode, result.stderr + result.stdout).to.equal(exitCode);
    return JSON.parse(result.stdout);
  };
  // The local network's ids are where dfx keeps them, not in the root canister_ids.json.
  const canisterIds = () => JSON.parse(readFileSync(join(projectDir, '.dfx', 'local', 'canister_ids.json'), 'utf8'));
  const routeChanges = () => {
    const store = sandbox.openStore(projectDir);
    try {
      return store.routes.history({ agent: 'my-agent', environment: 'local' });
    } finally {
      store.close();
    }
  };

  before(async () => {
    const devnet = await pool.start();
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(configPath, projectYaml(devnet.url, await closedPortUrl()));
    const seed = (wasm: string, live = false) =>
      seedCanister({ dataDir: sandbox.home, configPath, environment: 'local', agent: 'my-agent', wasm, live });
    // Through part A's `deploy`: the live canister, and a spare adopted with --canister.
    const deploy = async (extra: string[] = []): Promise<SeededCanister> => {
      const result = await json(['deploy', 'my-agent', '-e', 'local', ...extra]);
      return { canisterId: result.canisterId, moduleSha256: result.moduleSha256, version: result.version };
    };
    blue = await deploy();
    const greenId = await onChain({ dataDir: sandbox.home, configPath, environment: 'local' }, (client) =>
      client.createCanister(),
    );
    green = await deploy(['--canister', greenId, '-w', WASM.v2]);
    // deploy rolls back modules whose health check fails, and starts what it stops: these go in directly.
    broken = await seed(WASM.broken);
    stopped = await seed(WASM.v1);
    await onChain({ dataDir: sandbox.home, configPath, environment: 'local' }, (client) =>
      client.stop(stopped.canisterId),
    );
  });

  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('config set --routing switches the live canister, records the change and writes canister_ids.json', async () => {
    const before = routeChanges().length;
    const result = await json(['config', 'set', '--routing', green.canisterId]);
    expect(result).to.deep.include({
      agent: 'my-agent',
      environment: 'local',
      fromCanisterId: blue.canisterId,
      toCanisterId: green.canisterId,
      changed: true,
    });
    expect(result.health.healthy).to.equal(true);
    expect(result.canisterIdsFile).to.equal(join(projectDir, '.dfx', 'local', 'canister_ids.json'));
    expect(existsSync(join(projectDir, 'canister_ids.json')), 'no local id in the root canister_ids.json').to.equal(
      false,
    );
    expect(canisterIds()).to.deep.equal({ 'my-agent': { local: green.canisterId } });
    const changes = routeChanges();
    expect(changes).to.have.length(before + 1);
    expect(changes[0]).to.deep.include({
      fromCanisterId: blue.canisterId,
      toCanisterId: green.canisterId,
      cause: 'manual',
    });
    const listed = await json(['list']);
    expect(listed.canisters.find((c: { canisterId: string }) => c.canisterId === green.canisterId).live).to.equal(true);
    expect(listed.canisters.find((c: { canisterId: string }) => c.canisterId === blue.canisterId).live).to.equal(false);
  });

  it('setting the route to the live canister again changes nothing', async () => {
    const before = routeChanges().length;
    const result = await json(['config', 'set', '--routing', green.canisterId]);
    expect(result.changed).to.equal(false);
    expect(routeChanges()).to.have.length(before);
  });

  it('config get --routing shows live routes, filtered by agent and environment alias', async () => {
    const { routes } = await json(['config', 'get', '--routing']);
    expect(
      routes.map((r: { agent: string; environment: string; canisterId: string }) => [
        r.agent,
        r.environment,
        r.canisterId,
      ]),
    ).to.deep.equal([['my-agent', 'local', green.canisterId]]);
    expect((await json(['config', 'get', '--routing', '--agent', 'other'])).routes).to.deep.equal([]);
    expect((await json(['config', 'get', '--routing', '-e', 'stg'])).routes).to.deep.equal([]);
    const human = await run(['config', 'get', '--routing']);
    expect(human.stdout).to.match(new RegExp(`^my-agent\\s+local\\s+${green.canisterId}`, 'm'));
  });

  it('refuses an unhealthy canister unless --force', async () => {
    const before = routeChanges().length;
    const refused = await run(['config', 'set', '--routing', broken.canisterId]);
    expect(refused.exitCode).to.equal(8);
    expect(refused.stderr).to.match(/^Error: Canister \S+ is unhealthy \(.*\); the route was not changed\.$/m);
    expect(refused.stderr).to.match(/^Hint: .*--force/m);
    expect(refused.stderr).to.not.match(STACK_TRACE);
    expect(routeChanges()).to.have.length(before);
    const forced = await json(['config', 'set', '--routing', broken.canisterId, '--force']);
    expect(forced).to.deep.include({ toCanisterId: broken.canisterId, changed: true });
    expect(forced.health.healthy).to.equal(false);
    expect(canisterIds()['my-agent'].local).to.equal(broken.canisterId);
    await json(['config', 'set', '--routing', blue.canisterId]);
    expect(canisterIds()['my-agent'].local).to.equal(blue.canisterId);
  });

  it('refuses a stopped canister even with --force', async () => {
    const result = await run(['config', 'set', '--routing', stopped.canisterId, '--force']);
    expect(result.exitCode).to.equal(7);
    expect(result.stderr).to.match(/^Error: Canister \S+ is stopped; the route was not changed\.$/m);
    expect(canisterIds()['my-agent'].local).to.equal(blue.canisterId);
  });

  it('refuses a canister soulrecall does not know', async () => {
    const result = await run(['config', 'set', '--routing', 'um5iw-rqaaa-aaaaq-qaaba-cai']);
    expect(result.exitCode).to.equal(4);
    expect(result.stderr).to.match(/^Error: Canister um5iw-rqaaa-aaaaq-qaaba-cai is not known to soulrecall\.$/m);
  });
});
