import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { killHard, startPaused } from '../helpers/paused.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/** The journal steps of a blue-green promotion that copies state, in order. */
const STEPS = [
  'create-green',
  'rehearse-copy',
  'rehearse-upgrade',
  'verify-green',
  'stop-blue',
  'final-copy',
  'final-upgrade',
  'final-verify',
  'switch',
  'retire-blue',
];

/**
 * A blue-green promotion with state copy killed with SIGKILL right after each of its steps, then
 * `promote resume`, and separately `promote abort`: afterwards exactly one colour is live and
 * running, it holds every memory written before (including one written while the promotion was
 * stopped, when blue was still serving), no green is left behind, and the lock is free.
 */
describe('soulrecall binary: blue-green with state copy killed after every step, then resumed or aborted', function () {
  this.timeout(900_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;
  const written: string[] = [];
  let module: string = agentWasm.v2;

  const routed = (): string =>
    JSON.parse(readFileSync(join(project.dir, 'canister_ids.json'), 'utf8'))['my-agent'].production;

  async function remember(text: string): Promise<void> {
    await (await project.agent('production', routed())).remember(text);
    written.push(text);
  }

  /** One colour live and running with every memory written so far; nothing left over; the lock free. */
  async function assertSound(context: string): Promise<void> {
    const live = routed();
    const client = await project.client('production');
    expect((await client.status(live)).status, `${context}: the live canister runs`).to.equal('running');
    const memories = await (await project.agent('production', live)).recall();
    expect([...memories].sort(), `${context}: every memory is in the live canister`).to.deep.equal([...written].sort());
    project.withStore((store) => {
      expect(store.routes.get('my-agent', 'production')?.canisterId).to.equal(live);
      expect(store.locks.get('my-agent', 'production'), `${context}: the lock is free`).to.equal(null);
      const others = store.canisters
        .list({ agent: 'my-agent', environment: 'production' })
        .filter((canister) => canister.canisterId !== live && canister.role === 'green');
      expect(
        others.map((canister) => canister.canisterId),
        `${context}: no green left beside the live canister`,
      ).to.deep.equal([]);
    });
    for (const canister of project.withStore((store) =>
      store.canisters.list({ agent: 'my-agent', environment: 'production' }),
    )) {
      if (canister.canisterId !== live)
        expect(
          (await client.status(canister.canisterId)).status,
          `${context}: ${canister.canisterId} (not live) takes no writes`,
        ).to.equal('stopped');
    }
  }

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['staging', 'production'], protectedStages: [] });
    await project.deploy('my-agent', 'staging');
    expect((await project.run(['promote', 'my-agent', '--from', 'staging', '--to', 'production'])).exitCode).to.equal(
      0,
    );
    await remember('before any promotion');
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  for (const step of STEPS) {
    for (const then of ['resume', 'abort'] as const) {
      it(`killed after ${step}, then ${then}`, async () => {
        const paused = await startPaused(
          project,
          ['promote', 'my-agent', '--from', 'staging', '--to', 'production', '--blue-green', '-w', module, '--yes'],
          step,
        );
        const [running] = project.withStore((store) =>
          store.promotions.list({ agent: 'my-agent', status: 'running', limit: 1 }),
        );
        await killHard(paused);
        const beforeCutOver = STEPS.indexOf(step) < STEPS.indexOf('stop-blue');
        // While the promotion is stopped before its cut-over, blue still serves and takes writes.
        if (beforeCutOver) await remember(`written while stopped after ${step} (${then})`);

        const result = await project.json(['promote', then, running!.id]);
        expect(result.exitCode, `${result.stderr}\n${result.stdout}`).to.equal(0);
        const promotion = project.withStore((store) => store.promotions.require(running!.id));
        expect(promotion.status).to.equal(then === 'resume' ? 'succeeded' : 'aborted');
        expect(
          promotion.steps.filter((s) => s.status === 'running'),
          'no step is left running',
        ).to.deep.equal([]);
        await assertSound(`after ${step} + ${then}`);
        if (then === 'resume') expect(promotion.writePauseMs).to.be.a('number');
        // The next trial promotes the module the live canister does not run.
        module =
          (await (await project.agent('production', routed())).version()) === '2.0.0' ? agentWasm.v3 : agentWasm.v2;
        await remember(`after ${step} + ${then}`);
      });
    }
  }
});
