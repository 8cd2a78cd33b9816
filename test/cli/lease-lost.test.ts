import { openHistoryStore, type HistoryStore, type Lease } from '@soulrecall/history-store';
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadProjectConfig } from '@soulrecall/core';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { startPaused, type PausedPromotion } from '../helpers/paused.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/**
 * The lost-lease policy, on the binary: a deploy or a promotion whose lease renewal fails
 * (here: it was paused past its lease, and another command took the lock over after it expired)
 * stops before its next remote step, with LOCK_LOST (exit 9), a hint saying what state the
 * canister is in, and the stop journaled. Nothing on the network changes after the loss.
 */
describe('soulrecall binary: a lease renewal that fails stops the operation before its next remote step', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;
  let localCanister: string;
  let stagingCanister: string;

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['local', 'staging'], protectedStages: [] });
    localCanister = (await project.deploy('my-agent', 'local')).canisterId;
    const first = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
    expect(first.exitCode, first.stderr).to.equal(0);
    stagingCanister = first.json.targetCanisterId;
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  /** Another soulrecall process whose clock is past the paused holder's lease: for it the lease has expired. */
  const otherProcess = (): HistoryStore =>
    openHistoryStore({
      dataDir: sandbox.home,
      project: loadProjectConfig({ cwd: project.dir }).project,
      clock: () => new Date(Date.now() + 10 * 60_000),
    });

  function takeOver(environment: string, operationId: string): Lease {
    const other = otherProcess();
    try {
      return other.locks.acquire({ agent: 'my-agent', environment, operation: 'deploy', operationId });
    } finally {
      other.close();
    }
  }

  function giveBack(lease: Lease): void {
    const other = otherProcess();
    try {
      expect(other.locks.release(lease), 'the new holder kept its lock throughout').to.equal(true);
    } finally {
      other.close();
    }
  }

  /**
   * The paused process's renewal timer (every 20 s) finds the lock taken: waits until what it journals at that moment
   * is there.
   */
  async function renewalFailed(found: () => boolean, paused: PausedPromotion): Promise<void> {
    for (let waited = 0; !found(); waited += 1000) {
      if (waited > 90_000) throw new Error(`the paused process never noticed its lost lease:\n${paused.stderr()}`);
      await sleep(1000);
    }
  }

  it('deploy: paused after its snapshot, it finds its renewal refused, then stops before the install (exit 9); the canister keeps its module', async () => {
    const client = await project.client('local');
    const moduleBefore = (await client.status(localCanister)).moduleHash;
    const paused = await startPaused(
      project,
      ['deploy', 'my-agent', '-e', 'local', '-w', agentWasm.v2, '--json'],
      'backup',
    );
    let stdout = '';
    paused.child.stdout!.on('data', (chunk) => (stdout += chunk));
    const stdoutEnded = new Promise((resolve) => paused.child.stdout!.on('end', resolve));
    const holder = project.withStore((store) => store.locks.get('my-agent', 'local'));
    expect(holder, 'the paused deploy holds the lock').to.include({ operation: 'deploy', pid: paused.child.pid });

    const taken = takeOver('local', 'dep-the-other-one');
    const lostEntry = () =>
      project.withStore((store) =>
        store.audit
          .list({ agent: 'my-agent', limit: 20 })
          .find((entry) => entry.action === 'lock.lost' && entry.subject === holder!.operationId),
      );
    await renewalFailed(() => lostEntry() !== undefined, paused);
    expect(lostEntry()!.summary).to.equal(
      `deploy ${holder!.operationId} lost its lock on my-agent/local (another command took it over after it expired), so it stopped before changing anything more.`,
    );

    paused.child.kill('SIGUSR2');
    expect(await paused.exited).to.equal(9);
    await stdoutEnded;
    const error = JSON.parse(stdout).error;
    expect(error).to.include({ code: 'LOCK_LOST', exitCode: 9, message: lostEntry()!.summary });
    expect(error.hint).to.match(
      new RegExp(
        `^It made no network call after that: canister ${localCanister} is as its last completed step left it \\(\`soulrecall status ${localCanister}\` shows what it runs\\), and \`soulrecall doctor\` shows who holds the lock now; deploy again`,
      ),
    );
    expect(paused.stderr()).not.to.match(STACK_TRACE);

    expect((await client.status(localCanister)).moduleHash, 'no install after the loss').to.equal(moduleBefore);
    expect(await (await project.agent('local', localCanister)).version()).to.equal('1.0.0');
    project.withStore((store) => {
      const [stopped] = store.deployments.list({ agent: 'my-agent', environment: 'local', limit: 1 });
      expect(stopped, 'the deployment is journaled as stopped').to.include({
        status: 'failed',
        error: lostEntry()!.summary,
        version: 2,
      });
      expect(stopped!.snapshotBackupId, 'the snapshot before it was taken while the lease was held').to.be.a('string');
      expect(store.locks.get('my-agent', 'local')).to.include({ operationId: 'dep-the-other-one' });
    });
    giveBack(taken);
  });

  it('promotion: paused after its backup, it finds its renewal refused, journals a failed lock step and stops before the install; resume finishes it', async () => {
    await project.deploy('my-agent', 'local', agentWasm.v2);
    const staging = await project.agent('staging', stagingCanister);
    await staging.remember('kept across the stop');
    const paused = await startPaused(project, ['promote', 'my-agent', '-f', 'local', '-t', 'staging'], 'backup');
    const [running] = project.withStore((store) =>
      store.promotions.list({ agent: 'my-agent', status: 'running', limit: 5 }),
    );
    const promotionId = running!.id;

    const taken = takeOver('staging', 'dep-the-other-one');
    const steps = () => project.withStore((store) => store.promotions.require(promotionId).steps);
    await renewalFailed(() => steps().some((step) => step.name === 'lock' && step.status === 'failed'), paused);

    paused.child.kill('SIGUSR2');
    expect(await paused.exited).to.equal(9);
    expect(paused.stderr()).to.match(
      new RegExp(
        `^Error: promotion ${promotionId} lost its lock on my-agent/staging \\(another command took it over after it expired\\), so it stopped before changing anything more\\.$`,
        'm',
      ),
    );
    expect(paused.stderr()).to.match(
      new RegExp(
        `^Hint: It made no network call after that: \`soulrecall promote show ${promotionId}\` shows the steps that completed, and \`soulrecall doctor\` who holds the lock now\\. Then \`soulrecall promote resume ${promotionId}\` continues`,
        'm',
      ),
    );
    expect(paused.stderr()).not.to.match(STACK_TRACE);
    expect(steps().map((step) => `${step.name}:${step.status}`)).to.deep.equal([
      'lock:succeeded',
      'preflight:succeeded',
      'backup:succeeded',
      'install:pending',
      'verify:pending',
      'record:pending',
      'release:succeeded',
      'lock:failed',
    ]);
    expect(steps().find((step) => step.name === 'lock' && step.status === 'failed')!.error).to.match(
      new RegExp(`^promotion ${promotionId} lost its lock on my-agent/staging`),
    );
    expect(project.withStore((store) => store.promotions.require(promotionId).status)).to.equal('failed');
    expect(await staging.version(), 'no install after the loss').to.equal('1.0.0');
    expect(project.withStore((store) => store.locks.get('my-agent', 'staging'))).to.include({
      operationId: 'dep-the-other-one',
    });

    giveBack(taken);
    const resumed = await project.json(['promote', 'resume', promotionId]);
    expect(resumed.exitCode, resumed.stderr).to.equal(0);
    expect(resumed.json).to.include({ status: 'succeeded', promotionId });
    expect(await staging.version()).to.equal('2.0.0');
    expect(await staging.recall()).to.include('kept across the stop');
  });
});
