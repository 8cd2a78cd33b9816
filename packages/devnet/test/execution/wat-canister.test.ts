import * as fs from 'node:fs';
import { expect } from 'chai';
import type { ExecutionEngine, MessageOutcome } from '../../src/execution/index.js';
import {
  canisterId,
  context,
  COUNTER_WAT,
  counters,
  LOOPING_INIT_WAT,
  newEngine,
  UNSUPPORTED_CALLS_WAT,
  temporaryDir,
  TRAPPING_UPGRADE_WAT,
  watModule,
  word,
} from './fixtures.js';

const wasm = watModule(COUNTER_WAT);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function replyOf(outcome: MessageOutcome): Uint8Array {
  if (outcome.kind !== 'reply')
    throw new Error(`expected a reply, got ${outcome.rejectCode} ${outcome.errorCode}: ${outcome.rejectMessage}`);
  return outcome.reply;
}

describe('execution engine with a WAT canister', function () {
  let stateDir: string;
  let engine: ExecutionEngine;
  const id = canisterId(1);

  beforeEach(async () => {
    stateDir = temporaryDir();
    engine = await newEngine(stateDir);
    const installed = await engine.install({
      canisterId: id,
      mode: 'install',
      wasm,
      arg: Buffer.from('hello init'),
      context: context(),
    });
    expect(installed.kind).to.equal('installed');
  });

  afterEach(async () => {
    await engine.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('passes the init argument and logs what canister_init prints', async () => {
    const fresh = canisterId(9);
    const installed = await engine.install({
      canisterId: fresh,
      mode: 'install',
      wasm,
      arg: Buffer.from('xyz'),
      context: context(),
    });
    expect(installed.kind).to.equal('installed');
    expect(installed.logs.map((l) => text(l.content))).to.deep.equal(['init ran']);
    expect(text(replyOf(await engine.query(fresh, 'init_arg', new Uint8Array(0), context())))).to.equal('xyz');
  });

  it('answers updates and queries and reports the exported methods', async () => {
    expect(engine.hasCode(id)).to.equal(true);
    expect(engine.methods(id).updates).to.include('inc');
    expect(engine.methods(id).queries).to.include.members(['get', 'init_arg']);
    expect(counters(replyOf(await engine.update(id, 'inc', new Uint8Array(0), context())))).to.deep.equal({
      global: 1n,
      heap: 1n,
      stable: 0n,
    });
    expect(counters(replyOf(await engine.update(id, 'inc', new Uint8Array(0), context())))).to.deep.equal({
      global: 2n,
      heap: 2n,
      stable: 0n,
    });
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 2n,
      heap: 2n,
      stable: 0n,
    });
    expect(engine.memorySize(id) > 65536n).to.equal(true);
  });

  it('discards every effect of a query', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    const inQuery = counters(replyOf(await engine.query(id, 'inc_in_query', new Uint8Array(0), context())));
    expect(inQuery).to.deep.equal({ global: 2n, heap: 2n, stable: 99n });
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 1n,
      heap: 1n,
      stable: 0n,
    });
  });

  it('leaves heap, globals, stable memory and certified data unchanged after a trap', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    await engine.update(id, 'stable_set', word(7n), context());
    await engine.update(id, 'certify', Buffer.from('good'), context());
    const outcome = await engine.update(id, 'change_then_trap', new Uint8Array(0), context());
    expect(outcome.kind).to.equal('reject');
    if (outcome.kind !== 'reject') return;
    expect(outcome.rejectCode).to.equal(5);
    expect(outcome.errorCode).to.equal('IC0503');
    expect(outcome.rejectMessage).to.contain("Canister called `ic0.trap` with message: 'boom'");
    expect(outcome.logs.map((l) => text(l.content))).to.include('[TRAP]: boom');
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 1n,
      heap: 1n,
      stable: 7n,
    });
    expect(text(engine.certifiedData(id))).to.equal('good');
  });

  it('rolls back a memory growth when a message traps', async () => {
    const sizeBefore = engine.memorySize(id);
    const outcome = await engine.update(id, 'grow_then_fail', new Uint8Array(0), context());
    expect(outcome.kind === 'reject' && outcome.errorCode).to.equal('IC0502');
    expect(engine.memorySize(id)).to.equal(sizeBefore);
    expect(counters(replyOf(await engine.update(id, 'inc', new Uint8Array(0), context())))).to.deep.equal({
      global: 1n,
      heap: 1n,
      stable: 0n,
    });
  });

  it('collects debug_print lines, keeps msg_reject effects and traps on ic0.call_perform without ic0.call_new', async () => {
    const printed = await engine.update(id, 'print', new Uint8Array(0), context());
    expect(printed.logs.map((l) => text(l.content))).to.deep.equal(['hello from wat']);
    const rejected = await engine.update(id, 'reject', new Uint8Array(0), context());
    expect(rejected).to.include({ kind: 'reject', rejectCode: 4, rejectMessage: 'nope' });
    const call = await engine.update(id, 'try_call', new Uint8Array(0), context());
    expect(call).to.include({ kind: 'reject', rejectCode: 5 });
    expect((call as { rejectMessage: string }).rejectMessage).to.contain(
      'ic0.call_perform called without a call under construction',
    );
  });

  it('traps with a clear message on System API functions the devnet does not offer', async () => {
    const other = canisterId(6);
    expect(
      (
        await engine.install({
          canisterId: other,
          mode: 'install',
          wasm: watModule(UNSUPPORTED_CALLS_WAT),
          arg: new Uint8Array(0),
          context: context(),
        })
      ).kind,
    ).to.equal('installed');
    const outcome = await engine.update(other, 'mint', new Uint8Array(0), context());
    expect(outcome).to.include({ kind: 'reject', rejectCode: 5, errorCode: 'IC0502' });
    expect(outcome.kind === 'reject' && outcome.rejectMessage).to.contain(
      'ic0.mint_cycles128 is not supported by the devnet',
    );
  });

  it('offers the data certificate to queries and answers is_controller', async () => {
    const certificate = Buffer.from('a certificate');
    expect(
      text(
        replyOf(await engine.query(id, 'certificate', new Uint8Array(0), context({ dataCertificate: certificate }))),
      ),
    ).to.equal('a certificate');
    expect(replyOf(await engine.query(id, 'certificate', new Uint8Array(0), context())).length).to.equal(0);
    expect([...replyOf(await engine.query(id, 'caller_is_controller', new Uint8Array(0), context()))]).to.deep.equal([
      1,
    ]);
    const stranger = new Uint8Array([9, 9, 9]);
    expect([
      ...replyOf(await engine.query(id, 'caller_is_controller', new Uint8Array(0), context({ caller: stranger }))),
    ]).to.deep.equal([0]);
  });

  it('rejects missing methods and missing replies like a replica', async () => {
    const missing = await engine.update(id, 'nothing_here', new Uint8Array(0), context());
    expect(missing).to.include({ kind: 'reject', rejectCode: 5, errorCode: 'IC0536' });
    expect(missing.kind === 'reject' && missing.rejectMessage).to.contain("has no update method 'nothing_here'");
    const missingQuery = await engine.query(id, 'inc', new Uint8Array(0), context());
    expect(missingQuery.kind === 'reject' && missingQuery.rejectMessage).to.contain("has no query method 'inc'");
    const silent = await engine.update(id, 'no_reply', new Uint8Array(0), context());
    expect(silent).to.include({ kind: 'reject', errorCode: 'IC0506' });
  });

  it('keeps stable memory but drops the heap on upgrade', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    await engine.update(id, 'stable_set', word(42n), context());
    const upgraded = await engine.install({
      canisterId: id,
      mode: 'upgrade',
      wasm,
      arg: Buffer.from('v2'),
      context: context(),
    });
    expect(upgraded.kind).to.equal('installed');
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 0n,
      heap: 0n,
      stable: 42n,
    });
  });

  it('refuses wasm_memory_persistence = keep for a module without the EOP section', async () => {
    const upgraded = await engine.install({
      canisterId: id,
      mode: 'upgrade',
      wasm,
      arg: new Uint8Array(0),
      wasmMemoryPersistence: 'keep',
      context: context(),
    });
    expect(upgraded).to.include({ kind: 'reject', rejectCode: 5 });
    expect(upgraded.kind === 'reject' && upgraded.rejectMessage).to.contain(
      'requires that the new canister module supports enhanced orthogonal persistence',
    );
  });

  it('keeps the heap (not the globals) on an upgrade with wasm_memory_persistence = keep', async () => {
    const eop = watModule(COUNTER_WAT, { enhancedOrthogonalPersistence: true });
    const other = canisterId(5);
    await engine.install({ canisterId: other, mode: 'install', wasm: eop, arg: new Uint8Array(0), context: context() });
    await engine.update(other, 'inc', new Uint8Array(0), context());
    const refused = await engine.install({
      canisterId: other,
      mode: 'upgrade',
      wasm: eop,
      arg: new Uint8Array(0),
      context: context(),
    });
    expect(refused).to.include({ kind: 'reject', errorCode: 'IC0504' });
    const upgraded = await engine.install({
      canisterId: other,
      mode: 'upgrade',
      wasm: eop,
      arg: new Uint8Array(0),
      wasmMemoryPersistence: 'keep',
      context: context(),
    });
    expect(upgraded.kind).to.equal('installed');
    expect(counters(replyOf(await engine.query(other, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 0n,
      heap: 1n,
      stable: 0n,
    });
    const replaced = await engine.install({
      canisterId: other,
      mode: 'upgrade',
      wasm: eop,
      arg: new Uint8Array(0),
      wasmMemoryPersistence: 'replace',
      context: context(),
    });
    expect(replaced.kind).to.equal('installed');
    expect(counters(replyOf(await engine.query(other, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 0n,
      heap: 0n,
      stable: 0n,
    });
  });

  it('leaves the canister as it was when canister_post_upgrade traps', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    await engine.update(id, 'stable_set', word(3n), context());
    const outcome = await engine.install({
      canisterId: id,
      mode: 'upgrade',
      wasm: watModule(TRAPPING_UPGRADE_WAT),
      arg: new Uint8Array(0),
      context: context(),
    });
    expect(outcome).to.include({ kind: 'reject', errorCode: 'IC0503' });
    expect(outcome.logs.map((l) => text(l.content))).to.include('[TRAP]: post_upgrade failed');
    expect(engine.methods(id).updates).to.include('inc');
    expect(counters(replyOf(await engine.update(id, 'inc', new Uint8Array(0), context())))).to.deep.equal({
      global: 2n,
      heap: 2n,
      stable: 3n,
    });
  });

  it('wipes stable memory on reinstall', async () => {
    await engine.update(id, 'stable_set', word(42n), context());
    const reinstalled = await engine.install({
      canisterId: id,
      mode: 'reinstall',
      wasm,
      arg: new Uint8Array(0),
      context: context(),
    });
    expect(reinstalled.kind).to.equal('installed');
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 0n,
      heap: 0n,
      stable: 0n,
    });
  });

  it('rejects an invalid module and leaves the canister as it was', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    const outcome = await engine.install({
      canisterId: id,
      mode: 'reinstall',
      wasm: Buffer.from('not wasm at all'),
      arg: new Uint8Array(0),
      context: context(),
    });
    expect(outcome).to.include({ kind: 'reject', rejectCode: 5 });
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context()))).heap).to.equal(1n);
  });

  it('uninstalls code and state', async () => {
    await engine.uninstall(id);
    expect(engine.hasCode(id)).to.equal(false);
    const outcome = await engine.update(id, 'inc', new Uint8Array(0), context());
    expect(outcome).to.include({ kind: 'reject', errorCode: 'IC0537' });
  });

  it('exports and imports the Wasm state', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    await engine.update(id, 'stable_set', word(5n), context());
    const saved = await engine.exportState(id);
    expect(Buffer.from(saved.module).equals(Buffer.from(wasm))).to.equal(true);
    await engine.update(id, 'inc', new Uint8Array(0), context());
    await engine.update(id, 'stable_set', word(6n), context());

    await engine.importState(id, saved);
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 1n,
      heap: 1n,
      stable: 5n,
    });

    const copy = canisterId(7);
    await engine.importState(copy, saved);
    expect(counters(replyOf(await engine.update(copy, 'inc', new Uint8Array(0), context())))).to.deep.equal({
      global: 2n,
      heap: 2n,
      stable: 5n,
    });
  });

  it('persists state across close and a new engine', async () => {
    await engine.update(id, 'inc', new Uint8Array(0), context());
    await engine.update(id, 'stable_set', word(9n), context());
    await engine.update(id, 'certify', Buffer.from('cert'), context());
    await engine.close();
    expect(fs.existsSync(`${stateDir}/${Buffer.from(id).toString('hex')}`)).to.equal(true);

    engine = await newEngine(stateDir);
    expect(engine.hasCode(id)).to.equal(true);
    expect(text(engine.certifiedData(id))).to.equal('cert');
    expect(counters(replyOf(await engine.query(id, 'get', new Uint8Array(0), context())))).to.deep.equal({
      global: 1n,
      heap: 1n,
      stable: 9n,
    });
    await engine.remove(id);
    expect(engine.hasCode(id)).to.equal(false);
  });
});

describe('execution engine time limit', function () {
  it('stops an infinite loop, keeps the canister as it was and serves the next messages', async () => {
    const stateDir = temporaryDir();
    const engine = await newEngine(stateDir, 500);
    try {
      const looping = canisterId(1);
      const other = canisterId(2);
      for (const id of [looping, other]) {
        expect(
          (await engine.install({ canisterId: id, mode: 'install', wasm, arg: new Uint8Array(0), context: context() }))
            .kind,
        ).to.equal('installed');
        await engine.update(id, 'inc', new Uint8Array(0), context());
      }
      // The main thread keeps running (timers fire) while the canister loops in the worker.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      const outcome = await engine.update(looping, 'loop_forever', new Uint8Array(0), context());
      clearInterval(ticker);
      expect(ticks).to.be.greaterThan(2);
      expect(outcome).to.include({ kind: 'reject', rejectCode: 5, errorCode: 'IC0522' });
      expect(outcome.logs.map((l) => text(l.content))).to.include('[TRAP]: time limit of 500 ms exceeded');
      expect(outcome.kind === 'reject' && outcome.rejectMessage).to.contain('exceeded the time limit of 500 ms');

      expect(counters(replyOf(await engine.update(looping, 'inc', new Uint8Array(0), context())))).to.deep.equal({
        global: 2n,
        heap: 2n,
        stable: 0n,
      });
      expect(counters(replyOf(await engine.query(other, 'get', new Uint8Array(0), context())))).to.deep.equal({
        global: 1n,
        heap: 1n,
        stable: 0n,
      });

      const install = await engine.install({
        canisterId: other,
        mode: 'reinstall',
        wasm: watModule(LOOPING_INIT_WAT),
        arg: new Uint8Array(0),
        context: context(),
      });
      expect(install).to.include({ kind: 'reject', rejectCode: 5 });
      expect(engine.methods(other).updates).to.include('inc');
      expect(counters(replyOf(await engine.update(other, 'inc', new Uint8Array(0), context())))).to.deep.equal({
        global: 2n,
        heap: 2n,
        stable: 0n,
      });
    } finally {
      await engine.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
