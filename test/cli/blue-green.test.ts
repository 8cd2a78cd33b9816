import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryStore } from '@soulrecall/history-store';
import type { Devnet } from '@soulrecall/devnet';
import { binPath, CliSandbox, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentActor, runJson, wasm } from './deploy-support.js';

/**
 * The blue-green strategy and the `bluegreen` commands through the real binary, with staging
 * and prod on one devnet: the promotion guide's workflow, the automatic flow with a client
 * calling the agent through the route all along, failed verifications, rollback, finish, abort.
 */
describe('soulrecall binary: promote --blue-green and bluegreen commands', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  const project = join(sandbox.home, 'project');
  let prod: Devnet;

  const run = (args: string[]) => sandbox.run(args, { cwd: project });
  const json = (args: string[]) => runJson(sandbox, project, args);
  const ok = (result: CliResult) => expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);
  const routed = (agent: string): string =>
    JSON.parse(readFileSync(join(project, 'canister_ids.json'), 'utf8'))[agent]?.prod;
  const withStore = <T>(read: (store: HistoryStore) => T): T => {
    const store = sandbox.openStore(project);
    try {
      return read(store);
    } finally {
      store.close();
    }
  };
  const canister = (id: string) => withStore((store) => store.canisters.get('prod', id));
  const greenOf = (agent: string) =>
    withStore((store) =>
      store.canisters.list({ agent, environment: 'prod', role: 'green', includeDecommissioned: true }),
    ).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;

  /** A live (blue) canister in prod running v1 with one memory, and v2 deployed in staging. */
  async function liveBlue(agent: string, memory: string): Promise<string> {
    ok(await run(['deploy', agent, '-e', 'staging', '-w', wasm.v2]));
    const deployed = await json(['deploy', agent, '-e', 'prod']);
    ok(deployed);
    await (await agentActor(prod, deployed.json.canisterId)).remember(memory);
    return deployed.json.canisterId;
  }

  before(async () => {
    // staging and prod share one devnet: two devnets would hand out the same canister ids, and the
    // guide's commands name a canister by id alone (on real networks ids are unique).
    prod = await pool.start();
    mkdirSync(project, { recursive: true });
    const agent = `{ wasm: ${JSON.stringify(wasm.v1)}, health: { method: health } }`;
    writeFileSync(
      join(project, 'soulrecall.yaml'),
      `pipeline: [staging, prod]
environments:
  staging: { network: "${prod.url}" }
  prod: { network: "${prod.url}", aliases: [production] }
agents:
  my-agent: ${agent}
  auto-agent: ${agent}
  failing-agent: ${agent}
  first-agent: ${agent}
`,
    );
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it("the promotion guide's workflow: promote --no-switch, health, config set --routing, delete", async () => {
    const blue = await liveBlue('my-agent', 'the user likes tea');
    const promoted = await run([
      'promote',
      'my-agent',
      '--from',
      'staging',
      '--to',
      'prod',
      '--blue-green',
      '--state',
      'fresh',
      '--no-switch',
    ]);
    ok(promoted);
    const green = greenOf('my-agent').canisterId;
    expect(green).to.not.equal(blue);
    const printed = [
      `soulrecall health ${green}`,
      `soulrecall config set --routing ${green}`,
      `soulrecall delete ${blue}`,
    ];
    for (const command of printed) expect(promoted.stdout).to.include(command);
    // Verified but not switched: blue is live, untouched, with its memories; green runs v2, empty.
    expect(routed('my-agent')).to.equal(blue);
    const blueActor = await agentActor(prod, blue);
    expect(await blueActor.version()).to.equal('1.0.0');
    expect(await blueActor.recall()).to.deep.equal(['the user likes tea']);
    const greenActor = await agentActor(prod, green);
    expect(await greenActor.version()).to.equal('2.0.0');
    expect(await greenActor.recall()).to.deep.equal([]);
    expect(canister(blue)!.role).to.equal('blue');
    expect(canister(green)!.role).to.equal('green');

    // The printed commands, exactly as printed.
    for (const command of printed) ok(await run(command.split(' ').slice(1)));
    expect(routed('my-agent')).to.equal(green);
    expect(canister(blue)!.decommissionedAt).to.be.a('string');
    const promotion = withStore((store) => store.promotions.list({ agent: 'my-agent' })[0]!);
    expect(promotion.status).to.equal('succeeded');
    expect((promotion.options as { strategyOptions: { state: string } }).strategyOptions.state).to.equal('fresh');
  });

  it('the automatic flow switches the route while a client keeps getting answers through it (0 failed of ≥ 200 calls)', async () => {
    const blue = await liveBlue('auto-agent', 'remember the milk');
    // --verify-cmd records its environment, then holds the promotion until the client has made
    // 200 calls, so those calls happen during the promotion; the switch follows.
    writeFileSync(
      join(project, 'verify.mjs'),
      `import { existsSync, writeFileSync } from 'node:fs';
writeFileSync('verify-env.json', JSON.stringify({ green: process.env.SOULRECALL_GREEN_CANISTER, blue: process.env.SOULRECALL_BLUE_CANISTER, url: process.env.SOULRECALL_NETWORK_URL }));
const start = Date.now();
const wait = () => (existsSync('client-ready') || Date.now() - start > 90000 ? process.exit(0) : setTimeout(wait, 50));
wait();
`,
    );
    const actors = new Map<string, Awaited<ReturnType<typeof agentActor>>>();
    const client = { calls: 0, failures: [] as string[], versions: new Set<string>(), promoting: true };
    const loop = async () => {
      while (client.promoting) {
        // Like a front end: resolve the live id from canister_ids.json before every call.
        const id = routed('auto-agent');
        try {
          if (!actors.has(id)) actors.set(id, await agentActor(prod, id));
          client.versions.add(await actors.get(id)!.version());
        } catch (error) {
          client.failures.push(`${id}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        }
        client.calls += 1;
        if (client.calls === 200) writeFileSync(join(project, 'client-ready'), '');
      }
    };
    const clients = [loop(), loop()];
    let promoted: Awaited<ReturnType<typeof json>>;
    try {
      promoted = await json([
        'promote',
        'auto-agent',
        '--from',
        'staging',
        '--to',
        'prod',
        '--blue-green',
        '--state',
        'fresh',
        '--verify-cmd',
        'node verify.mjs',
      ]);
    } finally {
      // Stop the client loops however the promotion ended, so they never outlive the test.
      client.promoting = false;
      await Promise.all(clients);
    }
    ok(promoted);
    // The loops may stop right at the switch: one more call through the route sees green.
    client.versions.add(await (await agentActor(prod, routed('auto-agent'))).version());

    expect(client.failures).to.deep.equal([]);
    expect(client.calls).to.be.at.least(200);
    expect([...client.versions].sort()).to.deep.equal(['1.0.0', '2.0.0']);
    const green = promoted.json.targetCanisterId;
    expect(promoted.json).to.deep.include({
      status: 'succeeded',
      strategy: 'blue-green',
      routeBefore: blue,
      routeAfter: green,
    });
    expect(promoted.json.detail).to.include({
      greenCanisterId: green,
      blueCanisterId: blue,
      switched: true,
      blue: 'kept-running',
      state: 'fresh',
    });
    expect(promoted.json.steps.map((step: { name: string }) => step.name)).to.include.members([
      'create-green',
      'install-green',
      'verify-green',
      'switch',
      'retire-blue',
    ]);
    expect(JSON.parse(readFileSync(join(project, 'verify-env.json'), 'utf8'))).to.deep.equal({
      green,
      blue,
      url: prod.url,
    });
    expect(routed('auto-agent')).to.equal(green);
    // Blue was never touched: same module, same memories, still running for instant rollback.
    expect(await (await agentActor(prod, blue)).recall()).to.deep.equal(['remember the milk']);

    // rollback <green> routes back to blue (the route history says where it came from).
    const rolledBack = await json(['rollback', green]);
    ok(rolledBack);
    expect(rolledBack.json.plan).to.include({ strategy: 'route-switch', routeBackTo: blue });
    expect(routed('auto-agent')).to.equal(blue);

    const live = await json(['delete', blue]);
    expect(live.exitCode).to.equal(9);
    expect(live.json.error.code).to.equal('CANISTER_IS_LIVE');

    const status = await json(['bluegreen', 'status', 'auto-agent', '-e', 'prod']);
    ok(status);
    expect(status.json).to.include({ live: blue, liveColour: 'blue' });
    expect(status.json.blue).to.include({ canisterId: blue, live: true, version: 1 });
    expect(status.json.green).to.include({ canisterId: green, live: false, version: 2 });
    expect(status.json.blue.health.healthy).to.equal(true);
    expect(status.json.green.health).to.include({ healthy: true, moduleHash: status.json.green.moduleSha256 });
    const table = await run(['bluegreen', 'status', 'auto-agent', '-e', 'production']);
    ok(table);
    expect(table.stdout)
      .to.match(/blue\s+\S+\s+yes/)
      .and.match(/green\s+\S+\s+no/);

    const switched = await json(['bluegreen', 'switch', 'auto-agent', '-e', 'prod']);
    ok(switched);
    expect(switched.json).to.include({ fromCanisterId: blue, toCanisterId: green, toColour: 'green' });
    expect(routed('auto-agent')).to.equal(green);

    const liveGreen = await run(['bluegreen', 'abort', 'auto-agent', '-e', 'prod']);
    expect(liveGreen.exitCode).to.equal(9);
    expect(liveGreen.stderr)
      .to.match(/^Error: Green .* is the live canister/m)
      .and.match(/^Hint: /m)
      .and.not.match(STACK_TRACE);
    expect((await json(['delete', green])).exitCode).to.equal(9);

    const finished = await json(['bluegreen', 'finish', 'auto-agent', '-e', 'prod']);
    ok(finished);
    expect(finished.json).to.include({
      live: green,
      liveColour: 'green',
      deletedCanisterId: blue,
      deletedColour: 'blue',
      deletedOnNetwork: true,
    });
    expect(canister(blue)!.decommissionedAt).to.be.a('string');
    expect(routed('auto-agent')).to.equal(green);
    const after = await json(['bluegreen', 'status', 'auto-agent', '-e', 'prod']);
    expect(after.json.blue).to.equal(null);
    expect(after.json.green).to.include({ canisterId: green, live: true });
  });

  it('a green that fails verification is deleted; blue stays live and untouched; the promotion is failed with the reason', async () => {
    const blue = await liveBlue('failing-agent', 'do not forget me');
    const failed = await run([
      'promote',
      'failing-agent',
      '--from',
      'staging',
      '--to',
      'prod',
      '--blue-green',
      '--state',
      'fresh',
      '-w',
      wasm.broken,
      '--yes',
    ]);
    expect(failed.exitCode, failed.stderr).to.equal(8);
    expect(failed.stderr)
      .to.match(/^Error: Promotion prm-\S+ failed: green \S+ is unhealthy/m)
      .and.match(/^Hint: /m)
      .and.not.match(STACK_TRACE);
    const green = greenOf('failing-agent');
    expect(green.decommissionedAt).to.be.a('string');
    expect(routed('failing-agent')).to.equal(blue);
    const blueActor = await agentActor(prod, blue);
    expect(await blueActor.version()).to.equal('1.0.0');
    expect(await blueActor.recall()).to.deep.equal(['do not forget me']);
    const promotion = withStore((store) => store.promotions.list({ agent: 'failing-agent' })[0]!);
    expect(promotion.status).to.equal('failed');
    expect(promotion.error)
      .to.match(/unhealthy/)
      .and.match(/deleted/);
  });

  it('a failing --verify-cmd blocks the switch; --keep-failed keeps green until bluegreen abort', async () => {
    const blue = routed('failing-agent');
    const failed = await json([
      'promote',
      'failing-agent',
      '--from',
      'staging',
      '--to',
      'prod',
      '--blue-green',
      '--state',
      'fresh',
      '--verify-cmd',
      'echo smoke test failed; exit 3',
      '--keep-failed',
    ]);
    expect(failed.exitCode).to.equal(8);
    expect(failed.json.error.message)
      .to.include('--verify-cmd')
      .and.include('exited with code 3')
      .and.include('smoke test failed');
    const green = greenOf('failing-agent');
    expect(green.decommissionedAt).to.equal(null);
    expect(routed('failing-agent')).to.equal(blue);
    expect(await (await agentActor(prod, blue)).recall()).to.deep.equal(['do not forget me']);

    const aborted = await json(['bluegreen', 'abort', 'failing-agent', '-e', 'prod']);
    ok(aborted);
    expect(aborted.json).to.include({ deletedCanisterId: green.canisterId, live: blue });
    expect(canister(green.canisterId)!.decommissionedAt).to.be.a('string');
    expect(routed('failing-agent')).to.equal(blue);
  });

  it('an environment without a live canister gets its first one deployed normally', async () => {
    ok(await run(['deploy', 'first-agent', '-e', 'staging']));
    const promoted = await json(['promote', 'first-agent', '--from', 'staging', '--to', 'prod', '--blue-green']);
    ok(promoted);
    expect(promoted.json.detail.firstDeployment).to.equal(true);
    expect(routed('first-agent')).to.equal(promoted.json.targetCanisterId);
    expect(existsSync(join(project, 'canister_ids.json'))).to.equal(true);

    // The first canister becomes blue; --decommission deletes it right after the switch.
    const blue = promoted.json.targetCanisterId;
    const again = await json([
      'promote',
      'first-agent',
      '--from',
      'staging',
      '--to',
      'prod',
      '--blue-green',
      '--state',
      'fresh',
      '-w',
      wasm.v2,
      '--yes',
      '--decommission',
    ]);
    ok(again);
    expect(again.json.detail).to.include({ blueCanisterId: blue, switched: true, blue: 'deleted' });
    expect(routed('first-agent')).to.equal(again.json.targetCanisterId);
    expect(canister(blue)).to.include({ role: 'blue' });
    expect(canister(blue)!.decommissionedAt).to.be.a('string');

    // --stop-blue keeps blue stopped; bluegreen switch starts it again and routes back to it.
    const stoppedBlue = again.json.targetCanisterId;
    const third = await json([
      'promote',
      'first-agent',
      '--from',
      'staging',
      '--to',
      'prod',
      '--blue-green',
      '--state',
      'fresh',
      '-w',
      wasm.v1,
      '--yes',
      '--stop-blue',
    ]);
    ok(third);
    expect(third.json.detail).to.include({ blueCanisterId: stoppedBlue, blue: 'stopped' });
    const back = await json(['bluegreen', 'switch', 'first-agent', '-e', 'prod']);
    ok(back);
    expect(back.json).to.include({ toCanisterId: stoppedBlue, toColour: 'blue' });
    expect(await (await agentActor(prod, stoppedBlue)).version()).to.equal('2.0.0');
  });

  it('promote abort of an interrupted blue-green promotion deletes green and leaves blue and the route alone', async () => {
    const blue = routed('failing-agent');
    const child = spawn(
      process.execPath,
      [
        binPath,
        'promote',
        'failing-agent',
        '--from',
        'staging',
        '--to',
        'prod',
        '--blue-green',
        '--state',
        'fresh',
        '-w',
        wasm.v2,
      ],
      {
        cwd: project,
        env: sandbox.env({ SOULRECALL_PAUSE_AFTER_STEP: 'install-green' }),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.includes('paused after install-green')) resolve();
      });
      child.on('close', (code) => reject(new Error(`promote exited (${code}) before pausing:\n${stderr}`)));
    });
    child.kill('SIGKILL');
    const promotion = withStore((store) => store.promotions.list({ agent: 'failing-agent' })[0]!);
    const green = greenOf('failing-agent');
    expect(green.decommissionedAt).to.equal(null);

    const aborted = await json(['promote', 'abort', promotion.id]);
    ok(aborted);
    expect(aborted.json.status).to.equal('aborted');
    expect(canister(green.canisterId)!.decommissionedAt).to.be.a('string');
    expect(routed('failing-agent')).to.equal(blue);
    expect(await (await agentActor(prod, blue)).recall()).to.deep.equal(['do not forget me']);
  });
});
