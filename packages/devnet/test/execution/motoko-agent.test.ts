import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDL } from '@dfinity/candid';
import { expect } from 'chai';
import { EOP_SECTION, type ExecutionEngine, type MessageOutcome } from '../../src/execution/index.js';
import { canisterId, context, newEngine, temporaryDir } from './fixtures.js';

const agentDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/agent');

function agentModule(name: 'v1' | 'v2' | 'broken'): Uint8Array {
  return fs.readFileSync(path.join(agentDir, 'dist', `agent-${name}.wasm`));
}

const Health = IDL.Variant({ ok: IDL.Text, err: IDL.Text });
const Stats = IDL.Record({ calls: IDL.Nat, upgrades: IDL.Nat });
const noArgs = IDL.encode([], []);

function decoded<T>(outcome: MessageOutcome, type: IDL.Type): T {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got ${outcome.errorCode}: ${outcome.rejectMessage}`);
  return IDL.decode([type], outcome.reply)[0] as T;
}

describe('execution engine with the Motoko sample agent', function () {
  let stateDir: string;
  let engine: ExecutionEngine;
  const id = canisterId(3);

  before(function () {
    this.timeout(180_000);
    // Compiles only when the sources changed (build.mjs checks timestamps).
    execFileSync(process.execPath, [path.join(agentDir, 'build.mjs')], { stdio: 'ignore' });
  });

  beforeEach(async () => {
    stateDir = temporaryDir();
    engine = await newEngine(stateDir);
    const installed = await engine.install({
      canisterId: id,
      mode: 'install',
      wasm: agentModule('v1'),
      arg: noArgs,
      context: context(),
    });
    expect(installed.kind, installed.kind === 'reject' ? installed.rejectMessage : '').to.equal('installed');
  });

  afterEach(async () => {
    await engine.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const remember = (memory: string) => engine.update(id, 'remember', IDL.encode([IDL.Text], [memory]), context());
  const recall = async () => decoded<string[]>(await engine.query(id, 'recall', noArgs, context()), IDL.Vec(IDL.Text));
  const version = async () => decoded<string>(await engine.query(id, 'version', noArgs, context()), IDL.Text);

  it('remembers and recalls memories', async () => {
    expect(decoded<bigint>(await remember('first'), IDL.Nat)).to.equal(1n);
    expect(decoded<bigint>(await remember('second'), IDL.Nat)).to.equal(2n);
    expect(await recall()).to.deep.equal(['first', 'second']);
    expect(decoded<bigint>(await engine.query(id, 'memoryCount', noArgs, context()), IDL.Nat)).to.equal(2n);
    expect(await version()).to.equal('1.0.0');
    expect(decoded<{ ok?: string }>(await engine.query(id, 'health', noArgs, context()), Health)).to.have.property(
      'ok',
    );
    // Queries in between must not disturb the next update (Motoko tracks its state in memory).
    expect(decoded<bigint>(await remember('third'), IDL.Nat)).to.equal(3n);
  });

  it('exposes its Candid interface and the EOP marker as metadata', async () => {
    const fresh = canisterId(4);
    const installed = await engine.install({
      canisterId: fresh,
      mode: 'install',
      wasm: agentModule('v1'),
      arg: noArgs,
      context: context(),
    });
    if (installed.kind !== 'installed') throw new Error(installed.rejectMessage);
    const names = installed.metadata.map((m) => `${m.visibility} ${m.name}`);
    // moc marks the Candid interface private unless told otherwise.
    expect(names.some((n) => n.endsWith(' candid:service'))).to.equal(true);
    expect(`icp:${names.find((n) => n.includes('enhanced-orthogonal-persistence'))}`).to.equal(EOP_SECTION);
  });

  it('keeps memories across an upgrade to v2 with wasm_memory_persistence = keep', async () => {
    await remember('alpha');
    await remember('beta');
    const upgraded = await engine.install({
      canisterId: id,
      mode: 'upgrade',
      wasm: agentModule('v2'),
      arg: noArgs,
      wasmMemoryPersistence: 'keep',
      context: context(),
    });
    expect(upgraded.kind, upgraded.kind === 'reject' ? upgraded.rejectMessage : '').to.equal('installed');
    expect(await version()).to.equal('2.0.0');
    expect(await recall()).to.deep.equal(['beta', 'alpha']);
    expect(
      decoded<{ calls: bigint; upgrades: bigint }>(await engine.query(id, 'stats', noArgs, context()), Stats),
    ).to.deep.equal({ calls: 2n, upgrades: 1n });
    expect(decoded<bigint>(await remember('gamma'), IDL.Nat)).to.equal(3n);
  });

  it('refuses an upgrade without wasm_memory_persistence and leaves the canister as it was', async () => {
    await remember('keep me');
    const outcome = await engine.install({
      canisterId: id,
      mode: 'upgrade',
      wasm: agentModule('v2'),
      arg: noArgs,
      context: context(),
    });
    expect(outcome).to.include({ kind: 'reject', rejectCode: 5 });
    expect(outcome.kind === 'reject' && outcome.rejectMessage).to.contain(
      'Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option',
    );
    expect(await version()).to.equal('1.0.0');
    expect(await recall()).to.deep.equal(['keep me']);
  });

  it('reports the broken build as unhealthy', async () => {
    const upgraded = await engine.install({
      canisterId: id,
      mode: 'upgrade',
      wasm: agentModule('broken'),
      arg: noArgs,
      wasmMemoryPersistence: 'keep',
      context: context(),
    });
    expect(upgraded.kind).to.equal('installed');
    expect(await version()).to.equal('2.1.0-broken');
    expect(decoded<{ err?: string }>(await engine.query(id, 'health', noArgs, context()), Health)).to.have.property(
      'err',
    );
  });

  it('survives an engine restart and a reinstall wipes it', async () => {
    await remember('persisted');
    await engine.close();
    engine = await newEngine(stateDir);
    expect(await recall()).to.deep.equal(['persisted']);
    expect(decoded<bigint>(await remember('after restart'), IDL.Nat)).to.equal(2n);
    const reinstalled = await engine.install({
      canisterId: id,
      mode: 'reinstall',
      wasm: agentModule('v1'),
      arg: noArgs,
      context: context(),
    });
    expect(reinstalled.kind).to.equal('installed');
    expect(await recall()).to.deep.equal([]);
  });
});
