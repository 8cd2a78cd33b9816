import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, STACK_TRACE } from '../helpers/cli.js';
import { FaultCampaign } from '../helpers/fault-campaign.js';
import { killHard, startPaused } from '../helpers/paused.js';
import { agentWasm } from '../helpers/project.js';

/**
 * Each interruption the field reports found, made to happen at a known instant (the
 * SOULRECALL_PAUSE_AFTER_STEP fault-injection point, or a --verify-cmd that kills the network),
 * then resumed or aborted: afterwards every invariant holds (README, "Interruptions").
 */
describe('soulrecall binary: interruptions at known instants, then resume or abort', function () {
  this.timeout(300_000);
  const campaign = new FaultCampaign();
  const store = () => campaign.sandbox.openStore(campaign.dir);
  let module = agentWasm.v2;

  const promote = (strategy: 'in-place' | 'blue-green') => [
    'promote',
    'my-agent',
    '--from',
    'staging',
    '--to',
    'production',
    '-w',
    module,
    '--yes',
    ...(strategy === 'blue-green' ? ['--blue-green'] : []),
  ];
  const nextModule = async () => {
    module = (await (await campaign.actor(campaign.live()!)).version()) === '2.0.0' ? agentWasm.v3 : agentWasm.v2;
  };
  const sound = async (promotionId: string | null) => expect(await campaign.violations(promotionId)).to.deep.equal([]);

  before(async () => campaign.setUp());
  after(async () => campaign.tearDown());
  beforeEach(async () => nextModule());

  for (const step of ['lock', 'release']) {
    it(`SOULRECALL_PAUSE_AFTER_STEP=${step} pauses there; killed, the promotion resumes`, async () => {
      const paused = await startPaused(campaign, promote('in-place'), step);
      await killHard(paused);
      const id = campaign.lastPromotionId()!;
      expect((await campaign.run(['promote', 'resume', id])).exitCode).to.equal(0);
      await sound(id);
    });
  }

  it('abort of a first deployment killed after its record step removes the route and the canister it created', async () => {
    // A second agent that has no canister in production yet.
    const yaml = join(campaign.dir, 'soulrecall.yaml');
    writeFileSync(
      yaml,
      `${readFileSync(yaml, 'utf8')}  new-agent: { wasm: ${JSON.stringify(agentWasm.v1)}, health: { method: health } }\n`,
    );
    await campaign.ok(['deploy', 'new-agent', '-e', 'staging', '--yes']);
    const paused = await startPaused(
      campaign,
      ['promote', 'new-agent', '--from', 'staging', '--to', 'production'],
      'record',
    );
    await killHard(paused);
    const id = (() => {
      const opened = store();
      try {
        return opened.promotions.list({ agent: 'new-agent', limit: 1 })[0]!.id;
      } finally {
        opened.close();
      }
    })();
    const created = JSON.parse(readFileSync(join(campaign.dir, 'canister_ids.json'), 'utf8'))['new-agent']
      .production as string;
    const aborted = await campaign.run(['promote', 'abort', id]);
    expect(aborted.exitCode, aborted.stderr).to.equal(0);
    const opened = store();
    try {
      expect(opened.promotions.require(id).status).to.equal('aborted');
      expect(opened.routes.get('new-agent', 'production')).to.equal(null);
      expect(opened.canisters.get('production', created)!.decommissionedAt).to.be.a('string');
    } finally {
      opened.close();
    }
    expect(JSON.parse(readFileSync(join(campaign.dir, 'canister_ids.json'), 'utf8'))['new-agent'].production).to.equal(
      undefined,
    );
    await sound(id);
  });

  it('a blue-green abort after the switch routes back to blue, carrying what green learned', async () => {
    const blue = campaign.live()!;
    const paused = await startPaused(campaign, promote('blue-green'), 'switch');
    await killHard(paused);
    const id = campaign.lastPromotionId()!;
    const green = campaign.live()!;
    expect(green).to.not.equal(blue);
    await campaign.remember('learned by green after the switch');
    const aborted = await campaign.run(['promote', 'abort', id]);
    expect(aborted.exitCode, aborted.stderr).to.equal(0);
    expect(campaign.live()).to.equal(blue);
    await sound(id);
  });

  it('canister_ids.json behind the store (a kill between the two writes) is rewritten by resume', async () => {
    const paused = await startPaused(campaign, promote('blue-green'), 'switch');
    await killHard(paused);
    const id = campaign.lastPromotionId()!;
    const file = join(campaign.dir, 'canister_ids.json');
    const ids = JSON.parse(readFileSync(file, 'utf8'));
    const green = ids['my-agent'].production;
    const opened = store();
    const blue = (() => {
      try {
        return opened.promotions.require(id).targetCanisterId!;
      } finally {
        opened.close();
      }
    })();
    ids['my-agent'].production = blue; // as if the process had died before writing the file
    writeFileSync(file, JSON.stringify(ids));
    const doctor = await campaign.run(['doctor', '--json']);
    expect(doctor.exitCode).to.equal(9);
    expect(JSON.parse(doctor.stdout).findings.map((f: { kind: string }) => f.kind)).to.include.members([
      'route-file-mismatch',
      'unfinished-promotion',
    ]);
    expect((await campaign.run(['promote', 'resume', id])).exitCode).to.equal(0);
    expect(campaign.live()).to.equal(green);
    await sound(id);
  });

  it('SIGTERM ends with exit code 130 and the journal says where; during --verify-cmd too', async () => {
    for (const [strategy, extra] of [
      ['in-place', []],
      ['blue-green', ['--verify-cmd', 'echo verify-cmd started; sleep 30']],
    ] as const) {
      const before = campaign.lastPromotionId();
      const child = spawn(process.execPath, [binPath, ...promote(strategy), ...extra], {
        cwd: campaign.dir,
        env: campaign.sandbox.env(),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      // In-place: as early as soulrecall runs at all; blue-green: while --verify-cmd runs. The wait
      // ends with the child too: one that dies first must fail the test, not poll on after it.
      const running = () => child.exitCode === null && child.signalCode === null;
      if (strategy === 'blue-green')
        while (!stderr.includes('verify-cmd started') && running())
          await new Promise((resolve) => setTimeout(resolve, 50));
      else await new Promise((resolve) => setTimeout(resolve, 400));
      child.kill('SIGTERM');
      expect(await exited, stderr).to.equal(130);
      const latest = campaign.lastPromotionId();
      const id = latest === before ? null : latest; // killed before it was recorded at all
      const opened = store();
      const status = id ? opened.promotions.require(id).status : null;
      opened.close();
      expect(status, 'a SIGTERM never lets the promotion go on').to.not.equal('succeeded');
      if (id && status !== 'aborted') expect((await campaign.run(['promote', 'abort', id])).exitCode).to.equal(0);
      await sound(id);
    }
  });

  it('the network killed during --verify-cmd and restarted: resume verifies again and finishes', async () => {
    const network = campaign.production();
    const pidFile = join(network.stateDir, 'devnet.pid');
    // Kills the network the first time only: resume runs the recorded --verify-cmd again.
    const once = join(campaign.sandbox.home, 'network-killed-once');
    const verify = `if [ ! -e ${JSON.stringify(once)} ]; then touch ${JSON.stringify(once)}; kill -9 $(cat ${JSON.stringify(pidFile)}); exit 1; fi`;
    const result = await campaign.run([...promote('blue-green'), '--verify-cmd', verify]);
    expect(result.exitCode).to.not.equal(0);
    expect(result.stderr).to.not.match(STACK_TRACE);
    await campaign.restartProduction();
    const id = campaign.lastPromotionId()!;
    const resumed = await campaign.run(['promote', 'resume', id]);
    // The first verification could not finish its verdict (the network was gone): the promotion
    // is resumable, and resuming runs the verification again.
    expect(resumed.exitCode, resumed.stderr).to.equal(0);
    await sound(id);
  });

  it('the network SIGKILLed after the backup step and restarted: abort loads the snapshot back', async () => {
    const paused = await startPaused(campaign, promote('in-place'), 'install');
    process.kill(campaign.production().info.pid, 'SIGKILL');
    await killHard(paused);
    await campaign.restartProduction();
    const id = campaign.lastPromotionId()!;
    const aborted = await campaign.run(['promote', 'abort', id]);
    expect(aborted.exitCode, aborted.stderr).to.equal(0);
    expect(aborted.stdout + aborted.stderr).to.not.match(/IC0305/);
    await sound(id);
  });
});
