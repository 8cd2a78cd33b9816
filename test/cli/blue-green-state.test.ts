import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/**
 * Blue-green that keeps the agent's memories (`--state copy`, the default), through the real
 * binary on three local networks: the promotion guide's commands exactly as written, a client
 * writing through the route during a promotion (no acknowledged write lost), a migration that
 * fails in the rehearsal, and rollback after a switch saying what it discards.
 */
describe('soulrecall binary: blue-green with the memories copied into green', function () {
  this.timeout(300_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;

  const ok = (result: { exitCode: number; stdout: string; stderr: string }) =>
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);
  const routed = (agent: string): string =>
    JSON.parse(readFileSync(join(project.dir, 'canister_ids.json'), 'utf8'))[agent].production;
  const prodActor = (canisterId: string) => project.agent('production', canisterId);

  /** local → staging → production with v1 (in place), then `memories` stored in production. */
  async function liveInProduction(agent: string, memories: string[]): Promise<string> {
    await project.json(['deploy', agent, '-e', 'local', '--yes']);
    ok(await project.run(['promote', agent, '--from', 'local', '--to', 'staging']));
    ok(await project.run(['promote', agent, '--from', 'staging', '--to', 'production']));
    const live = routed(agent);
    const actor = await prodActor(live);
    for (const memory of memories) await actor.remember(memory);
    return live;
  }

  /** A new module in staging, ready to be promoted to production. */
  async function stage(agent: string, wasm: string): Promise<void> {
    ok(await project.run(['deploy', agent, '-e', 'local', '-w', wasm, '--yes']));
    ok(await project.run(['promote', agent, '--from', 'local', '--to', 'staging']));
  }

  before(async () => {
    const agent = `{ wasm: ${JSON.stringify(agentWasm.v1)}, health: { method: health } }`;
    // Not protected: the guide's commands must run exactly as written, without --yes.
    project = await createProject(sandbox, pool, {
      protectedStages: [],
      extraAgents: { 'writer-agent': agent, 'trap-agent': agent, 'rollback-agent': agent },
    });
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it("the guide's blue-green commands, as written, keep every memory across two blue-green promotions", async () => {
    const first = await liveInProduction('my-agent', ['likes tea', 'lives in Zurich']);
    await stage('my-agent', agentWasm.v2);

    const promoted = await project.run(['promote', 'my-agent', '--from', 'staging', '--to', 'prod', '--blue-green']);
    ok(promoted);
    expect(promoted.stdout).to.match(/writes were paused for \d+ ms at the cut-over/);
    const green = routed('my-agent');
    expect(green).to.not.equal(first);
    const greenActor = await prodActor(green);
    expect(await greenActor.version()).to.equal('2.0.0');
    expect(await greenActor.recall()).to.deep.equal(['lives in Zurich', 'likes tea']);
    const client = await project.client('production');
    expect((await client.status(first)).status, 'blue is kept stopped for rollback').to.equal('stopped');
    const [promotion] = project.withStore((store) => store.promotions.list({ agent: 'my-agent', limit: 1 }));
    expect(promotion).to.include({ status: 'succeeded', strategy: 'blue-green' });
    expect(promotion!.writePauseMs).to.be.a('number').and.at.least(0);
    const shown = await project.run(['promote', 'show', promotion!.id]);
    expect(shown.stdout).to.match(/^pause\s+\d/m);

    await greenActor.remember('prefers mornings');
    await stage('my-agent', agentWasm.v3);
    const noSwitch = await project.run(['promote', 'my-agent', '--blue-green', '--no-switch']);
    ok(noSwitch);
    const next = noSwitch.stdout
      .split('\n')
      .filter((line) => line.trim().startsWith('soulrecall '))
      .map((line) => line.trim());
    expect(next).to.have.length(3);
    const newGreen = next[0]!.split(' ')[2]!;
    expect(next).to.deep.equal([
      `soulrecall health ${newGreen}`,
      `soulrecall config set --routing ${newGreen}`,
      `soulrecall delete ${green}`,
    ]);
    expect(routed('my-agent'), '--no-switch leaves blue live').to.equal(green);
    // Written after the rehearsal: the cut-over done by `config set --routing` must carry it.
    await greenActor.remember('written between the promotion and the switch');

    for (const command of next) ok(await project.run(command.split(' ').slice(1)));
    expect(routed('my-agent')).to.equal(newGreen);
    const live = await prodActor(newGreen);
    expect(await live.version()).to.equal('3.0.0');
    expect(await live.recall()).to.deep.equal([
      'written between the promotion and the switch',
      'prefers mornings',
      'lives in Zurich',
      'likes tea',
    ]);
    expect(project.withStore((store) => store.canisters.get('production', green))!.decommissionedAt).to.be.a('string');
  });

  it('a client writing through canister_ids.json during a blue-green promotion loses none of its ≥ 200 acknowledged writes', async () => {
    await liveInProduction('writer-agent', ['before the promotion']);
    await stage('writer-agent', agentWasm.v2);
    const writer = new MemoryWriter(project, 'writer-agent', 'production');
    // --verify-cmd holds the rehearsal until the client has written 100 memories: those land in
    // blue after the rehearsal copy, so only the cut-over's copy can carry them.
    writeFileSync(
      join(project.dir, 'hold.mjs'),
      `import { existsSync } from 'node:fs';\nconst start = Date.now();\nconst wait = () => (existsSync('writer-ready') || Date.now() - start > 120000 ? process.exit(0) : setTimeout(wait, 20));\nwait();\n`,
    );
    writer.start(2);
    const ready = writer.waitFor(100).then(() => writeFileSync(join(project.dir, 'writer-ready'), ''));
    let promoted;
    try {
      promoted = await project.json([
        'promote',
        'writer-agent',
        '--from',
        'staging',
        '--to',
        'production',
        '--blue-green',
        '--verify-cmd',
        'node hold.mjs',
      ]);
      await ready;
      // Keep writing to the new live canister for a moment after the switch.
      await writer.waitFor(writer.acknowledged.length + 20);
      await writer.waitFor(200);
    } finally {
      await writer.stop();
    }
    ok(promoted);
    const green = promoted.json.targetCanisterId;
    expect(routed('writer-agent')).to.equal(green);
    expect(promoted.json.detail).to.include({ state: 'copy', switched: true, blue: 'kept-stopped' });
    const stored = new Set(await (await prodActor(green)).recall());
    const lost = writer.acknowledged.filter((memory) => !stored.has(memory));
    expect(writer.acknowledged.length).to.be.at.least(200);
    expect(
      lost,
      `acknowledged writes missing from the live canister (refused ${writer.refused.length} calls during the pause)`,
    ).to.deep.equal([]);
    expect(stored.has('before the promotion')).to.equal(true);
    expect(promoted.json.detail.writePauseMs).to.be.a('number');
  });

  it('a new module whose state migration traps fails in the rehearsal: blue untouched, live and running, green deleted, the promotion failed with the reason', async () => {
    const blue = await liveInProduction('trap-agent', ['do not lose me']);
    const failed = await project.run([
      'promote',
      'trap-agent',
      '--from',
      'staging',
      '--to',
      'production',
      '--blue-green',
      '-w',
      agentWasm.migrationTrap,
      '--yes',
    ]);
    expect(failed.exitCode, failed.stderr).to.equal(8);
    expect(failed.stderr)
      .to.match(
        /^Error: Promotion prm-\w+ failed: upgrading green to module \w+ over blue's state failed in the rehearsal/m,
      )
      .and.match(/cannot migrate 1 existing memories/);
    expect(failed.stderr)
      .to.match(/^Hint: /m)
      .and.not.match(STACK_TRACE);
    expect(routed('trap-agent')).to.equal(blue);
    const actor = await prodActor(blue);
    expect(await actor.version()).to.equal('1.0.0');
    expect(await actor.recall()).to.deep.equal(['do not lose me']);
    expect((await (await project.client('production')).status(blue)).status).to.equal('running');
    project.withStore((store) => {
      const promotion = store.promotions.list({ agent: 'trap-agent', limit: 1 })[0]!;
      expect(promotion.status).to.equal('failed');
      expect(promotion.error)
        .to.match(/rehearsal/)
        .and.match(/was deleted/);
      const greens = store.canisters.list({
        agent: 'trap-agent',
        environment: 'production',
        role: 'green',
        includeDecommissioned: true,
      });
      expect(greens).to.have.length(1);
      expect(greens[0]!.decommissionedAt).to.be.a('string');
      expect(store.locks.get('trap-agent', 'production')).to.equal(null);
    });
  });

  it('rollback after the switch says what it discards and asks; --yes discards, --carry-state carries green’s memories back into blue', async () => {
    const blue = await liveInProduction('rollback-agent', ['from before']);
    await stage('rollback-agent', agentWasm.v2);
    ok(await project.run(['promote', 'rollback-agent', '--from', 'staging', '--to', 'production', '--blue-green']));
    const green = routed('rollback-agent');
    await (await prodActor(green)).remember('learned by green');

    const dry = await project.json(['rollback', green, '--dry-run']);
    ok(dry);
    expect(dry.json.plan).to.include({ strategy: 'route-switch', routeBackTo: blue });
    expect(dry.json.plan.discards).to.include({ canisterId: green, backTo: blue });

    const refused = await project.run(['rollback', green]);
    expect(refused.exitCode).to.equal(10);
    expect(refused.stderr)
      .to.match(/^Error: .*learned there since is not in .* and is discarded/m)
      .and.match(/^Hint: Pass --carry-state .* or --yes/m)
      .and.not.match(STACK_TRACE);
    expect(routed('rollback-agent'), 'nothing changed').to.equal(green);
    const routedBack = await project.run(['config', 'set', '--routing', blue]);
    expect(routedBack.exitCode, 'config set --routing back to blue asks too').to.equal(10);
    expect(routedBack.stderr)
      .to.match(/^Error: Route rollback-agent in production back to \S+\? .* is discarded/m)
      .and.match(/^Hint: /m)
      .and.not.match(STACK_TRACE);
    expect(routed('rollback-agent')).to.equal(green);

    const carried = await project.json(['rollback', green, '--carry-state']);
    ok(carried);
    expect(routed('rollback-agent')).to.equal(blue);
    const blueActor = await prodActor(blue);
    expect(await blueActor.version()).to.equal('1.0.0');
    expect(await blueActor.recall()).to.deep.equal(['from before', 'learned by green']);
    const client = await project.client('production');
    expect((await client.status(green)).status, 'the colour left behind is stopped').to.equal('stopped');

    // Forward again (a cut-over carries blue's state into green), then back discarding.
    ok(await project.run(['config', 'set', '--routing', green]));
    expect(await (await prodActor(green)).recall()).to.deep.equal(['learned by green', 'from before']);
    await (await prodActor(green)).remember('discarded on purpose');
    const discarded = await project.json(['rollback', green, '--yes']);
    ok(discarded);
    expect(discarded.json.plan).to.include({ state: 'discard' });
    expect(routed('rollback-agent')).to.equal(blue);
    expect(await blueActor.recall()).to.deep.equal(['from before', 'learned by green']);
    expect((await client.status(blue)).status).to.equal('running');
    expect((await client.status(green)).status).to.equal('stopped');
  });
});
