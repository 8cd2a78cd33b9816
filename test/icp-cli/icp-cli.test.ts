import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendCustomSection } from '../../packages/canister-client/test/support/wasm-fixtures.js';
import { CliSandbox } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { ICP_ENVIRONMENT, IcpCli } from '../helpers/icp-cli.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/** Cycles the imported identity holds on the devnet's cycles ledger before icp-cli pays for anything. */
const FUNDED = 100_000_000_000_000n;
/** What `icp canister create` asks for by default, and the ledger's fee on top. */
const CREATION_CYCLES = 2_000_000_000_000n;
const LEDGER_FEE = 100_000_000n;
/** icp-cli writes amounts with `_` between groups of three digits. */
const grouped = (n: bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '_');

/**
 * DFINITY's icp-cli drives a devnet as it drives any local network: the sample agent deployed by
 * soulrecall, then called, inspected, reconfigured, stopped and started, snapshotted and restored,
 * and upgraded with icp-cli alone, with soulrecall's identity imported (no devnet-specific flag);
 * then canisters paid for the mainnet way (CMC and cycles ledger), a module over the 2 MiB
 * ingress limit (chunked), and a reinstall.
 */
describe('icp-cli against a devnet', function () {
  this.timeout(300_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  let project: TestProject;
  let icp: IcpCli;
  let canisterId: string;
  let moduleSha256: string;
  let principal: string;

  const e = ['-e', ICP_ENVIRONMENT];
  const call = async (method: string, args = '()', extra: string[] = []) =>
    (await icp.ok(['canister', 'call', ...e, canisterId, method, args, ...extra])).stdout.trim();
  const status = () => icp.json(['canister', 'status', ...e, canisterId]);

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['local'] });
    ({ canisterId, moduleSha256 } = await project.deploy('my-agent', 'local'));
    icp = IcpCli.connect(project.devnets.local!.url);
    await icp.importIdentity('soulrecall', join(sandbox.home, 'identities', 'default.pem'));
    principal = (await icp.ok(['identity', 'principal'])).stdout.trim();
    project.devnets.local!.fund(principal, FUNDED);
  });

  after(async () => {
    icp?.cleanup();
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('makes update and query calls that the agent answers (and soulrecall’s client sees)', async () => {
    expect(await call('remember', '("likes tea")')).to.equal('(1 : nat)');
    expect(await call('memoryCount', '()', ['--query'])).to.equal('(1 : nat)');
    expect(await call('version')).to.equal('("1.0.0")');
    const agent = await project.agent('local', canisterId);
    expect(await agent.recall()).to.deep.equal(['likes tea']);
  });

  it('reads the canister status with every setting decoded', async () => {
    const reply = await status();
    expect(reply.id).to.equal(canisterId);
    expect(reply.status).to.equal('Running');
    expect(reply.module_hash).to.equal(`0x${moduleSha256}`);
    expect(reply.settings).to.include({
      compute_allocation: '0',
      freezing_threshold: '2_592_000',
      log_memory_limit: '65_536',
    });
    expect(reply.settings.log_visibility).to.deep.equal({ type: 'Controllers' });
    expect(reply.settings.status_visibility).to.deep.equal({ type: 'Controllers' });
  });

  it('updates settings: a controller added, an environment variable, log limit and visibility, all read back', async () => {
    const operator = await icp.newIdentity('operator');
    await icp.ok([
      'canister',
      'settings',
      'update',
      ...e,
      canisterId,
      '--add-controller',
      operator,
      '--add-environment-variable',
      'MODEL=llama',
      '--log-memory-limit',
      '8kib',
      '--status-visibility',
      'public',
    ]);
    const { settings } = await status();
    expect(settings.controllers).to.include(operator);
    expect(settings.environment_variables).to.deep.equal([{ name: 'MODEL', value: 'llama' }]);
    expect(settings.log_memory_limit).to.equal('8_192');
    expect(settings.status_visibility).to.deep.equal({ type: 'Public' });
    // The added controller controls it: it may stop and start the canister.
    await icp.ok(['canister', 'stop', ...e, canisterId, '--identity', 'operator']);
    await icp.ok(['canister', 'start', ...e, canisterId, '--identity', 'operator']);
  });

  it('stops and starts the canister; a stopped canister refuses calls', async () => {
    await icp.ok(['canister', 'stop', ...e, canisterId]);
    expect((await status()).status).to.equal('Stopped');
    const refused = await icp.run(['canister', 'call', ...e, canisterId, 'remember', '("while stopped")']);
    expect(refused.exitCode).to.not.equal(0);
    expect(refused.stderr).to.contain('IC0508');
    await icp.ok(['canister', 'start', ...e, canisterId]);
    expect((await status()).status).to.equal('Running');
  });

  it('shows the canister’s logs', async () => {
    const { stdout } = await icp.ok(['canister', 'logs', ...e, canisterId]);
    expect(stdout).to.contain('remembered memory #1');
  });

  it('takes, lists and restores a snapshot (the canister stopped, as icp-cli asks)', async () => {
    await icp.ok(['canister', 'stop', ...e, canisterId]);
    const created = (await icp.ok(['canister', 'snapshot', 'create', ...e, canisterId])).stdout;
    const snapshotId = /snapshot ([0-9a-f]+)/.exec(created)?.[1];
    expect(snapshotId, created).to.be.a('string');
    expect((await icp.ok(['canister', 'snapshot', 'list', ...e, canisterId])).stdout).to.contain(snapshotId!);
    await icp.ok(['canister', 'start', ...e, canisterId]);
    expect(await call('remember', '("after the snapshot")')).to.equal('(2 : nat)');

    await icp.ok(['canister', 'stop', ...e, canisterId]);
    await icp.ok(['canister', 'snapshot', 'restore', ...e, canisterId, snapshotId!]);
    await icp.ok(['canister', 'start', ...e, canisterId]);
    expect(await call('memoryCount', '()', ['--query'])).to.equal('(1 : nat)');
  });

  it('upgrades to a new module with `icp canister install`, keeping the memories', async () => {
    await icp.ok(['canister', 'install', ...e, canisterId, '--wasm', agentWasm.v2, '--mode', 'upgrade', '--yes']);
    expect(await call('version')).to.equal('("2.0.0")');
    expect(await call('recall', '()', ['--query'])).to.contain('likes tea');
    expect(await call('memoryCount', '()', ['--query'])).to.equal('(1 : nat)');
  });

  it('shows the funded balance with `icp cycles balance`', async () => {
    expect((await icp.ok(['cycles', 'balance', ...e, '--quiet'])).stdout.trim()).to.equal(`${grouped(FUNDED)} cycles`);
  });

  let created: string;
  it('creates a canister with `icp canister create` through the CMC and the cycles ledger, paid from the balance', async () => {
    created = (await icp.ok(['canister', 'create', ...e, '--detached', '--quiet'])).stdout.trim();
    const reply = await icp.json(['canister', 'status', ...e, created]);
    expect(reply).to.include({ id: created, status: 'Running', module_hash: null, cycles: grouped(CREATION_CYCLES) });
    expect(reply.settings.controllers).to.deep.equal([principal]);
    const left = FUNDED - CREATION_CYCLES - LEDGER_FEE;
    expect((await icp.ok(['cycles', 'balance', ...e, '--quiet'])).stdout.trim()).to.equal(`${grouped(left)} cycles`);
    expect(project.devnets.local!.cyclesBalance(principal)).to.equal(left);
  });

  it('installs a module over the 2 MiB ingress limit (uploaded in chunks), then reinstalls it, which clears the memories', async function () {
    // Two installs of the Motoko agent; each prepares the module anew.
    this.timeout(600_000);
    const padded = appendCustomSection(readFileSync(agentWasm.v1), 'padding', randomBytes(2.5 * 1024 * 1024));
    const bigWasm = join(icp.home, 'agent-big.wasm');
    writeFileSync(bigWasm, padded);
    await icp.ok(['canister', 'install', ...e, created, '--wasm', bigWasm, '--yes']);
    const installed = await icp.json(['canister', 'status', ...e, created]);
    expect(installed.module_hash).to.equal(`0x${createHash('sha256').update(padded).digest('hex')}`);
    const callBig = async (method: string, args = '()') =>
      (await icp.ok(['canister', 'call', ...e, created, method, args])).stdout.trim();
    expect(await callBig('remember', '("before the reinstall")')).to.equal('(1 : nat)');

    await icp.ok(['canister', 'install', ...e, created, '--wasm', bigWasm, '--mode', 'reinstall', '--yes']);
    expect(await callBig('memoryCount')).to.equal('(0 : nat)');
    expect(await callBig('recall')).to.equal('(vec {})');
  });
});
