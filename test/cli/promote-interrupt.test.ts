import { expect } from 'chai';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { killHard, startPaused } from '../helpers/paused.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/**
 * A promotion killed with SIGKILL mid-way: its journal says where it stopped, `promote resume`
 * finishes it, `promote abort` undoes it; while it holds the lock a second promotion into the
 * same target fails fast naming it.
 */
describe('soulrecall binary: interrupted and concurrent promotions', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;
  let stagingCanister: string;
  const memories = ['first memory', 'second memory'];

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['local', 'staging'], protectedStages: [] });
    await project.deploy('my-agent', 'local');
    const first = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(first.exitCode, first.stderr).to.equal(0);
    stagingCanister = first.json.targetCanisterId;
    const actor = await project.agent('staging', stagingCanister);
    for (const memory of memories) await actor.remember(memory);
    await project.deploy('my-agent', 'local', agentWasm.v2);
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('killed after the backup step: a concurrent promotion fails fast naming it (exit 9); `promote resume` finishes it with memories intact', async () => {
    const paused = await startPaused(project, ['promote', 'my-agent', '-f', 'local', '-t', 'staging'], 'backup');
    const [running] = project.withStore((store) =>
      store.promotions.list({ agent: 'my-agent', status: 'running', limit: 5 }),
    );
    expect(running, 'the paused promotion is running').to.exist;
    const promotionId = running!.id;
    const before = project.withStore((store) => store.promotions.list({ limit: 1000 }).length);

    const second = await project.run(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(second.exitCode).to.equal(9);
    expect(second.stderr).to.match(
      new RegExp(
        `^Error: promotion ${promotionId} is running on my-agent/staging since .* \\(pid ${paused.child.pid} `,
        'm',
      ),
    );
    expect(second.stderr).to.match(new RegExp(`^Hint: .*promote abort ${promotionId}`, 'm'));
    expect(second.stderr).not.to.match(STACK_TRACE);
    const secondJson = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(secondJson.exitCode).to.equal(9);
    expect(secondJson.json.error).to.include({ code: 'LOCK_HELD', exitCode: 9 });
    // Each refused attempt is on the record, closed as aborted and naming the holder; it took nothing.
    const refused = project.withStore((store) => store.promotions.list({ limit: 1000 })).slice(0, -before);
    expect(refused.map((p) => p.status)).to.deep.equal(['aborted', 'aborted']);
    expect(refused.every((p) => p.error?.startsWith(`refused: promotion ${promotionId} is running`))).to.equal(true);

    // Resuming while its owner is alive is refused too, and leaves the owner's journal alone.
    const early = await project.json(['promote', 'resume', promotionId]);
    expect(early.exitCode).to.equal(9);
    expect(early.json.error.code).to.equal('LOCK_HELD');

    await killHard(paused);
    project.withStore((store) => {
      const promotion = store.promotions.require(promotionId);
      expect(promotion.status).to.equal('running');
      expect(promotion.steps.map((step) => `${step.name}:${step.status}`)).to.deep.equal([
        'lock:succeeded',
        'preflight:succeeded',
        'backup:succeeded',
        'install:pending',
        'verify:pending',
        'record:pending',
        'release:pending',
      ]);
      expect(store.locks.get('my-agent', 'staging')).to.include({ operationId: promotionId, pid: paused.child.pid });
    });
    const actor = await project.agent('staging', stagingCanister);
    expect(await actor.version(), 'killed before the install').to.equal('1.0.0');

    const resumed = await project.json(['promote', 'resume', promotionId]);
    expect(resumed.exitCode, resumed.stderr).to.equal(0);
    expect(resumed.json).to.include({ status: 'succeeded', promotionId, targetCanisterId: stagingCanister });
    expect(resumed.json.notes).to.deep.equal([`Resumed ${promotionId}.`]);
    expect(await actor.version()).to.equal('2.0.0');
    expect(await actor.recall()).to.deep.equal([...memories].reverse());
    project.withStore((store) => {
      const promotion = store.promotions.require(promotionId);
      expect(promotion.status).to.equal('succeeded');
      const names = promotion.steps.map((step) => step.name);
      expect(
        names.filter((name) => name === 'backup'),
        'the backup is not taken twice',
      ).to.have.length(1);
      expect(
        names.filter((name) => name === 'lock'),
        'the lock is taken again on resume',
      ).to.have.length(2);
      expect(store.locks.get('my-agent', 'staging')).to.equal(null);
    });
  });

  it('killed after the install step: `promote abort` restores the snapshot, releases the lock, and a new promotion then works', async () => {
    await project.deploy('my-agent', 'local', agentWasm.v1);
    const paused = await startPaused(project, ['promote', 'my-agent', '-f', 'local', '-t', 'staging'], 'install');
    await killHard(paused);
    const actor = await project.agent('staging', stagingCanister);
    expect(await actor.version(), 'the install ran before the kill').to.equal('1.0.0');
    await actor.remember('written after the install');
    const [killed] = project.withStore((store) =>
      store.promotions.list({ agent: 'my-agent', status: 'running', limit: 5 }),
    );
    const promotionId = killed!.id;

    const aborted = await project.json(['promote', 'abort', promotionId]);
    expect(aborted.exitCode, aborted.stderr).to.equal(0);
    expect(aborted.json).to.include({ status: 'aborted', promotionId });
    expect(aborted.json.notes.join(' ')).to.match(/restored snapshot bak-\w+ on /);
    expect(await actor.version()).to.equal('2.0.0');
    expect(await actor.recall(), 'the state from before the promotion').to.deep.equal([...memories].reverse());
    project.withStore((store) => {
      const promotion = store.promotions.require(promotionId);
      expect(promotion.status).to.equal('aborted');
      expect(promotion.steps.find((step) => step.name === 'install')!.status).to.equal('undone');
      expect(store.locks.get('my-agent', 'staging')).to.equal(null);
    });

    const again = await project.run(['promote', 'abort', promotionId]);
    expect(again.exitCode).to.equal(9);
    expect(again.stderr).to.match(/^Error: Promotion prm-\w+ is aborted; there is nothing to abort\./m);

    const next = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(next.json.status).to.equal('succeeded');
    expect(await actor.version()).to.equal('1.0.0');
    expect(await actor.recall()).to.deep.equal(memories);
  });
});
