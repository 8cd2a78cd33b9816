import { IDL } from '@dfinity/candid';
import type { CanisterClient } from '@soulrecall/canister-client';
import { startDevnet, type Devnet } from '@soulrecall/devnet';
import { openHistoryStore, type Lease } from '@soulrecall/history-store';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProjectConfig } from '../src/config/loader.js';
import { SoulrecallError } from '../src/errors.js';
import { createBackup, listBackups } from '../src/services/backup-commands.js';
import { MAX_SNAPSHOTS_PER_CANISTER, restoreBackup } from '../src/services/backups.js';
import { adoptPlannedCanister, deploy, ensureCanister, planDeploy } from '../src/services/deploy.js';
import { runDeploySequence, UnhealthyDeployment, type DeployStepRunner } from '../src/services/deploy-sequence.js';
import { rollback } from '../src/services/rollback.js';
import { Session } from '../src/services/session.js';

const agentDist = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'examples', 'agent', 'dist');
const v1 = join(agentDist, 'agent-v1.wasm');
const v2 = join(agentDist, 'agent-v2.wasm');
const broken = join(agentDist, 'agent-broken.wasm');

/** Services against an in-process devnet: the building blocks the promotion engine reuses, and their composition. */
describe('deploy, rollback and backup services (in-process devnet)', function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let home: string;
  let session: Session;
  const refuse = async (question: string) => {
    throw new SoulrecallError(`refused: ${question}`, { code: 'NOT_CONFIRMED' });
  };

  const remember = async (canisterId: string, text: string) => {
    const client = await session.client(session.config!.environments[0]!);
    await client.update(canisterId, 'remember', new Uint8Array(IDL.encode([IDL.Text], [text])));
  };
  const recall = async (canisterId: string): Promise<string[]> => {
    const client = await session.client(session.config!.environments[0]!);
    return IDL.decode(
      [IDL.Vec(IDL.Text)],
      await client.query(canisterId, 'recall', new Uint8Array(IDL.encode([], []))),
    ).at(0) as string[];
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    devnet = await startDevnet({ port: 0, stateDir: join(home, 'devnet') });
    const file = join(home, 'soulrecall.yaml');
    const text = `environments:
  local: { network: "${devnet.url}" }
  vault: { network: "${devnet.url}", protected: true }
agents:
  bot: { wasm: ${JSON.stringify(v1)}, health: { method: health } }
  bare: { wasm: ${JSON.stringify(broken)} }
`;
    writeFileSync(file, text);
    session = new Session({ config: parseProjectConfig(text, file), dataDir: join(home, 'data') });
  });
  after(async () => {
    session.close();
    await devnet.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('planDeploy validates everything without touching network or store', async () => {
    const config = session.config!;
    await planDeploy(config, { agent: 'nobody', environment: 'local' }).then(
      () => expect.fail('accepted'),
      (error: SoulrecallError) => expect(error.code).to.equal('AGENT_NOT_FOUND'),
    );
    await planDeploy(config, { agent: 'bot', environment: 'local', canisterId: 'nope' }).then(
      () => expect.fail('accepted'),
      (error: SoulrecallError) => expect(error.code).to.equal('INVALID_CANISTER_ID'),
    );
    const plan = await planDeploy(config, { agent: 'bot', environment: 'local' });
    expect(plan).to.include({ modulePath: v1, mode: 'auto', canisterId: null });
    expect(plan.module.enhancedOrthogonalPersistence).to.equal(true);
  });

  it('deploy composes create → install → health → record → route, with who on every record', async () => {
    const result = await deploy(session, { agent: 'bot', environment: 'local' });
    expect(result).to.include({ created: true, version: 1, mode: 'install', live: true, status: 'succeeded' });
    const principal = (await session.client(session.config!.environments[0]!)).principal;
    expect(result.deployment.by.principal).to.equal(principal);
    expect(session.store.canisters.get('local', result.canisterId)).to.include({ agent: 'bot', role: 'primary' });
    expect(session.store.routes.history({ agent: 'bot' })[0]!.by.principal).to.equal(principal);
    expect(session.store.artifacts.has(result.moduleSha256)).to.equal(true);
    expect(session.store.locks.list()).to.deep.equal([]);
    // The creation was journaled before the network call, then the canister recorded.
    const actions = session.store.audit
      .list({ agent: 'bot' })
      .map((entry) => entry.action)
      .reverse();
    expect(actions.indexOf('canister.create-requested')).to.be.lessThan(actions.indexOf('canister.record'));
  });

  it('the deploy sequence runs its steps through the runner a promotion passes its journal as: backup, install, verify, restore', async () => {
    const canisterId = session.store.routes.get('bot', 'local')!.canisterId;
    await remember(canisterId, 'first');
    const environment = session.config!.environments[0]!;
    const client = await session.client(environment);
    const ran: string[] = [];
    const recordingSteps: DeployStepRunner = {
      step: (definition, run) => (ran.push(definition.name), run()),
      always: (name, run) => (ran.push(name), run()),
    };
    const module = await client.readModule(broken);
    const input = {
      agent: session.config!.agents[0]!,
      environment,
      canisterId,
      module,
      mode: 'auto' as const,
      resumable: true,
    };
    const error = await runDeploySequence(session, client, input, recordingSteps).then(
      () => expect.fail('accepted'),
      (thrown: unknown) => thrown,
    );
    expect(ran).to.deep.equal(['backup', 'install', 'verify', 'restore']);
    expect(error).to.be.instanceOf(UnhealthyDeployment);
    const unhealthy = error as UnhealthyDeployment;
    expect(unhealthy.problems).to.match(/#err/);
    expect(unhealthy.deployment).to.include({ status: 'rolled-back', installMode: 'upgrade' });
    expect(unhealthy.restored?.healthAfterRestore?.healthy).to.equal(true);
    expect(await recall(canisterId)).to.deep.equal(['first']);
    expect(session.store.backups.require(unhealthy.restored!.backupId).restoreCount).to.equal(1);
    expect(session.store.deployments.get(unhealthy.deployment.id)).to.include({
      snapshotBackupId: unhealthy.restored!.backupId,
    });
  });

  it('deploy restores the snapshot automatically when the upgraded agent is unhealthy', async () => {
    const canisterId = session.store.routes.get('bot', 'local')!.canisterId;
    const error = await deploy(session, { agent: 'bot', environment: 'local', wasmPath: broken }).then(
      () => expect.fail('accepted'),
      (thrown: SoulrecallError) => thrown,
    );
    expect(error).to.include({ code: 'DEPLOY_ROLLED_BACK', exitCode: 12 });
    expect(error.details).to.include({ status: 'rolled-back', version: 3 });
    expect(session.store.deployments.getByVersion('bot', 'local', 3)).to.include({ status: 'rolled-back' });
    expect(await recall(canisterId)).to.deep.equal(['first']);
  });

  it('without a health method, healthy means running with the new module', async () => {
    const result = await deploy(session, { agent: 'bare', environment: 'local' });
    expect(result.health).to.include({ healthy: true, method: null, moduleHash: result.moduleSha256 });
  });

  it('a module over the chunking threshold is installed in chunks', async () => {
    // agent-v1 plus a 2.5 MiB custom section: still a valid module, now too big for one message.
    const base = readFileSync(v1);
    const name = Buffer.from('padding');
    const payload = Buffer.alloc(2_500_000, 7);
    const body = Buffer.concat([leb128(name.length), name, payload]);
    const large = join(home, 'large.wasm');
    writeFileSync(large, Buffer.concat([base, Buffer.from([0]), leb128(body.length), body]));
    const result = await deploy(session, { agent: 'bare', environment: 'local', wasmPath: large, mode: 'upgrade' });
    expect(result).to.include({ chunked: true, mode: 'upgrade', status: 'succeeded' });
    expect(result.health).to.include({ healthy: true, moduleHash: result.moduleSha256 });
  });

  it('at the snapshot limit, the snapshot before an upgrade replaces the oldest automatic one, never a manual backup', async () => {
    const canisterId = session.store.routes.get('bare', 'local')!.canisterId;
    const client = await session.client(session.config!.environments[0]!);
    while ((await client.listSnapshots(canisterId)).length < MAX_SNAPSHOTS_PER_CANISTER)
      await createBackup(session, { canisterId, reason: 'fill' });
    const recorded = () => session.store.backups.list({ canisterId, includeDeleted: true, limit: 1000 });
    const automatic = recorded().filter((backup) => backup.deploymentId !== null);
    expect(automatic, 'earlier deploys left automatic snapshots').to.not.have.length(0);
    const bySnapshot = new Map(recorded().map((backup) => [backup.snapshotId, backup]));
    const oldestAutomatic = (await client.listSnapshots(canisterId))
      .sort((a, b) => (a.takenAtNanos < b.takenAtNanos ? -1 : 1))
      .find((snapshot) => bySnapshot.get(snapshot.id)?.deploymentId !== null && bySnapshot.has(snapshot.id))!;
    const manual = recorded()
      .filter((backup) => backup.reason === 'fill')
      .map((backup) => backup.snapshotId);
    const result = await deploy(session, { agent: 'bare', environment: 'local', wasmPath: v2 });
    expect(result.snapshot).to.not.equal(null);
    const after = (await client.listSnapshots(canisterId)).map((snapshot) => snapshot.id);
    expect(after).to.have.length(MAX_SNAPSHOTS_PER_CANISTER);
    expect(after).to.include(result.snapshot!.snapshotId);
    expect(after).to.include.members(manual);
    expect(after).to.not.include(oldestAutomatic.id);
    expect(recorded().find((backup) => backup.snapshotId === oldestAutomatic.id)!.deletedAt).to.be.a('string');
  });

  it('refuses to take a snapshot when only manual backups fill the canister, rather than lose one', async () => {
    const canisterId = session.store.routes.get('bare', 'local')!.canisterId;
    const client = await session.client(session.config!.environments[0]!);
    for (const backup of session.store.backups
      .list({ canisterId, limit: 1000 })
      .filter((b) => b.deploymentId !== null)) {
      await client.deleteSnapshot(canisterId, backup.snapshotId);
      session.store.backups.markDeleted(backup.id, 'test: only manual backups left');
    }
    while ((await client.listSnapshots(canisterId)).length < MAX_SNAPSHOTS_PER_CANISTER)
      await createBackup(session, { canisterId, reason: 'fill' });
    const error = await createBackup(session, { canisterId, reason: 'one more' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SoulrecallError).with.property('code', 'SNAPSHOT_LIMIT');
    expect((await client.listSnapshots(canisterId)).length).to.equal(MAX_SNAPSHOTS_PER_CANISTER);
  });

  it('a protected environment and a reinstall go through confirm', async () => {
    await deploy(session, { agent: 'bot', environment: 'vault' }, { confirm: refuse }).then(
      () => expect.fail('accepted'),
      (error: SoulrecallError) => expect(error.message).to.match(/protected environment vault/),
    );
    expect(session.store.canisters.list({ environment: 'vault' })).to.deep.equal([]);
    await deploy(session, { agent: 'bot', environment: 'local', mode: 'reinstall' }, { confirm: refuse }).then(
      () => expect.fail('accepted'),
      (error: SoulrecallError) => expect(error.message).to.match(/erases the agent's memory/),
    );
    expect(session.store.deployments.latest({ agent: 'bot', environment: 'local' })!.version).to.equal(3);
  });

  it('refuses to deploy while a promotion holds the lease of the agent and environment (LOCK_HELD), and records nothing', async () => {
    const lease = session.store.locks.acquire({
      agent: 'bot',
      environment: 'local',
      operation: 'promotion',
      operationId: 'prm-held00',
    });
    const before = session.store.deployments.list({ agent: 'bot' }).length;
    try {
      await deploy(session, { agent: 'bot', environment: 'local', wasmPath: v2 }).then(
        () => expect.fail('accepted'),
        (error: { code: string }) => expect(error.code).to.equal('LOCK_HELD'),
      );
      expect(session.store.deployments.list({ agent: 'bot' })).to.have.length(before);
    } finally {
      session.store.locks.release(lease);
    }
    const done = await deploy(session, { agent: 'bot', environment: 'local', wasmPath: v2 });
    expect(done).to.include({ version: 4, mode: 'upgrade' });
  });

  it('a creation whose reply was lost (the process died in the create call) is found again, never made twice', async () => {
    const environment = session.config!.environments[0]!;
    const client = await session.client(environment);
    // The create call reaches the network and executes; the process dies before its reply.
    const dying = Object.create(client) as CanisterClient;
    dying.createPlanned = async (plan) => {
      await client.createPlanned(plan);
      throw new Error('killed before the reply arrived');
    };
    const plan = client.planCreation();
    await ensureCanister(session, dying, { agent: 'spare', environment, plan }).then(
      () => expect.fail('accepted'),
      (error: Error) => expect(error.message).to.equal('killed before the reply arrived'),
    );
    expect(plan.kind).to.equal('specified-id');
    const chosen = plan.kind === 'specified-id' ? plan.canisterId : '';
    // Journaled before the call, with the id it chose: the canister is not lost.
    const [requested] = session.store.audit.list({
      environment: 'local',
      action: 'canister.create-requested',
      limit: 1,
    });
    expect(requested!.detail.plan).to.deep.equal({ kind: 'specified-id', canisterId: chosen });
    expect(session.store.canisters.get('local', chosen)).to.equal(null);
    expect((await client.status(chosen)).status).to.equal('running');
    // The rerun of the same plan finds that canister instead of creating a second one.
    const rerun = await ensureCanister(session, client, { agent: 'spare', environment, plan });
    expect(rerun).to.deep.include({ created: true });
    expect(rerun.canister.canisterId).to.equal(chosen);
    expect(await adoptPlannedCanister(session, client, { agent: 'spare', environment, plan })).to.equal(chosen);
    expect(
      session.store.canisters.list({ agent: 'spare', environment: 'local' }).map((canister) => canister.canisterId),
    ).to.deep.equal([chosen]);
    // A plan whose call never reached the network: nothing to adopt, nothing recorded.
    expect(
      await adoptPlannedCanister(session, client, { agent: 'spare', environment, plan: client.planCreation() }),
    ).to.equal(null);
    expect(session.store.canisters.list({ agent: 'spare', environment: 'local' })).to.have.length(1);
  });

  it('backups: create, list, restore with confirmation', async () => {
    const canisterId = session.store.routes.get('bot', 'local')!.canisterId;
    const backup = await createBackup(session, { canisterId, reason: 'unit' });
    expect(backup).to.include({ agent: 'bot', environment: 'local', reason: 'unit' });
    expect(listBackups(session, { canisterId }).map((b) => b.id)).to.include(backup.id);
    await remember(canisterId, 'second');
    await restoreBackup(session, { backupId: backup.id }, { confirm: refuse }).then(
      () => expect.fail('accepted'),
      (error: SoulrecallError) => expect(error.code).to.equal('NOT_CONFIRMED'),
    );
    const restored = await restoreBackup(session, { backupId: backup.id }, {});
    expect(restored.health).to.include({ healthy: true });
    expect(await recall(canisterId)).not.to.include('second');
  });

  it('rollback: dry run, then restore of the snapshot before the current version', async () => {
    const canisterId = session.store.routes.get('bot', 'local')!.canisterId;
    const latest = session.store.deployments.latest({
      agent: 'bot',
      environment: 'local',
      canisterId,
      status: 'succeeded',
    })!;
    const plan = await rollback(session, { canisterId, dryRun: true });
    expect(plan.plan).to.include({ fromVersion: latest.version, toVersion: 1, strategy: 'restore-snapshot' });
    expect(session.store.deployments.require(latest.id).status).to.equal('succeeded');
    const done = await rollback(session, { canisterId });
    expect(done.rolledBack).to.include({ id: latest.id, status: 'rolled-back' });
    await rollback(session, { canisterId, toVersion: 99 }).then(
      () => expect.fail('accepted'),
      (error: SoulrecallError) => expect(error.code).to.equal('VERSION_NOT_FOUND'),
    );
  });

  it('deploy, restore and rollback stop before their next network call once another command took their lease over', async () => {
    const canisterId = session.store.routes.get('bot', 'local')!.canisterId;
    const client = await session.client(session.config!.environments[0]!);
    // Another process whose clock says the lease ran out (this one was suspended past it, say)
    // takes the lock over the moment `at` shows up in the progress.
    const otherStore = () =>
      openHistoryStore({
        dataDir: join(home, 'data'),
        project: session.project,
        clock: () => new Date(Date.now() + 10 * 60_000),
      });
    let taken: Lease | undefined;
    const takeOverAt = (at: RegExp) => (message: string) => {
      if (!at.test(message)) return;
      const other = otherStore();
      try {
        taken = other.locks.acquire({
          agent: 'bot',
          environment: 'local',
          operation: 'deploy',
          operationId: 'the-other-deploy',
        });
      } finally {
        other.close();
      }
    };
    const lost = (error: { code?: string }) => expect(error.code).to.equal('LOCK_LOST');
    const release = () => {
      const other = otherStore();
      try {
        expect(other.locks.get('bot', 'local')!.operationId, 'the new holder keeps its lock').to.equal(
          'the-other-deploy',
        );
        expect(other.locks.release(taken!)).to.equal(true);
      } finally {
        other.close();
      }
    };

    const before = (await client.status(canisterId)).moduleHash;
    const deployments = session.store.deployments.list({ agent: 'bot', environment: 'local' }).length;
    await deploy(
      session,
      { agent: 'bot', environment: 'local', wasmPath: v1 },
      { progress: takeOverAt(/^Installing version/) },
    ).then(() => expect.fail('accepted'), lost);
    expect((await client.status(canisterId)).moduleHash, 'the install never happened').to.equal(before);
    const [stopped] = session.store.deployments.list({ agent: 'bot', environment: 'local', limit: 1 });
    expect(session.store.deployments.list({ agent: 'bot', environment: 'local' })).to.have.length(deployments + 1);
    expect(stopped).to.include({ status: 'failed' });
    release();

    const backup = await createBackup(session, { canisterId, reason: 'lease test' });
    const memories = await recall(canisterId);
    await remember(canisterId, 'after the backup');
    await restoreBackup(session, { backupId: backup.id }, { progress: takeOverAt(/^Restoring/) }).then(
      () => expect.fail('accepted'),
      lost,
    );
    expect(await recall(canisterId), 'nothing was loaded').to.deep.equal([...memories, 'after the backup']);
    release();

    const upgraded = await deploy(session, { agent: 'bot', environment: 'local', wasmPath: v2 });
    await rollback(session, { canisterId }, { progress: takeOverAt(/^Rollback:/) }).then(
      () => expect.fail('accepted'),
      lost,
    );
    expect((await client.status(canisterId)).moduleHash, 'nothing was rolled back').to.equal(upgraded.moduleSha256);
    expect(session.store.deployments.require(upgraded.deploymentId).status).to.equal('succeeded');
    release();
  });

  it("the backup step asks for the canister's snapshots alongside its status, not after it", async () => {
    const canisterId = session.store.routes.get('bot', 'local')!.canisterId;
    const environment = session.config!.environments[0]!;
    const client = await session.client(environment);
    const log: string[] = [];
    const watched = new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property !== 'status' && property !== 'listSnapshots') return value.bind(target);
        return async (...args: unknown[]) => {
          log.push(`${property} started`);
          try {
            return await value.apply(target, args);
          } finally {
            log.push(`${property} done`);
          }
        };
      },
    });
    const steps: DeployStepRunner = { step: (_definition, run) => run(), always: (_name, run) => run() };
    const input = {
      agent: session.config!.agents[0]!,
      environment,
      canisterId,
      module: await client.readModule(v1),
      mode: 'auto' as const,
      resumable: true,
    };
    const result = await runDeploySequence(session, watched, input, steps);
    expect(result.backup).to.not.equal(null);
    expect(log.slice(0, 2)).to.have.members(['status started', 'listSnapshots started']);
  });
});

function leb128(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return Buffer.from(bytes);
}
