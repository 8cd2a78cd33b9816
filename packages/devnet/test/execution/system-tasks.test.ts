import * as fs from 'node:fs';
import { expect } from 'chai';
import type { ExecutionEngine, MessageOutcome, SystemTaskOutcome } from '../../src/execution/index.js';
import {
  configureArg,
  previousDeadline,
  setTimerArg,
  TIMER_FLAGS,
  timerCounters,
  timerWasm,
  type TimerCounters,
} from '../support/timer-canister.js';
import { canisterId, context, COUNTER_WAT, newEngine, temporaryDir, watModule } from './fixtures.js';

const T = 1_700_000_000_000_000_000n;
const wasm = timerWasm();
const none = new Uint8Array(0);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function replyOf(outcome: MessageOutcome): Uint8Array {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got ${outcome.errorCode}: ${outcome.rejectMessage}`);
  return outcome.reply;
}

describe('execution engine: global timer and heartbeat', function () {
  let stateDir: string;
  let engine: ExecutionEngine;
  const id = canisterId(1);
  const at = (timeNanos: bigint) => context({ timeNanos });
  const get = async (): Promise<TimerCounters> => timerCounters(replyOf(await engine.query(id, 'get', none, at(T))));
  const setTimer = async (deadline: bigint, time = T) =>
    previousDeadline(replyOf(await engine.update(id, 'set_timer', setTimerArg(deadline), at(time))));
  const configure = async (rearm: bigint, flags: bigint) =>
    replyOf(await engine.update(id, 'configure', configureArg(rearm, flags), at(T)));
  const timer = async () => BigInt((await engine.exportState(id)).globalTimerNanos!);

  beforeEach(async () => {
    stateDir = temporaryDir();
    engine = await newEngine(stateDir);
    const installed = await engine.install({ canisterId: id, mode: 'install', wasm, arg: none, context: at(T) });
    expect(installed.kind).to.equal('installed');
  });

  afterEach(async () => {
    await engine.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('fires the timer once its time has passed, not before, and deactivates it', async () => {
    expect(await setTimer(T + 1000n)).to.equal(0n);
    expect(engine.systemTasksDue(id, T + 999n)).to.deep.equal(['heartbeat']);
    expect(await engine.runSystemTask(id, 'global_timer', at(T + 999n))).to.equal(undefined);
    expect((await get()).fired).to.equal(0n);

    expect(engine.systemTasksDue(id, T + 1000n)).to.deep.equal(['global_timer', 'heartbeat']);
    const outcome = await engine.runSystemTask(id, 'global_timer', at(T + 1500n));
    expect(outcome?.kind).to.equal('completed');
    expect(outcome?.logs.map((line) => text(line.content))).to.deep.equal(['timer']);
    const after = await get();
    expect(after.fired).to.equal(1n);
    expect(after.lastFired).to.equal(T + 1500n);
    expect(await timer()).to.equal(0n);
    expect(engine.systemTasksDue(id, T + 10_000n)).to.deep.equal(['heartbeat']);
  });

  it('lets the timer set itself again from inside canister_global_timer', async () => {
    await configure(500n, 0n);
    await setTimer(T + 100n);
    await engine.runSystemTask(id, 'global_timer', at(T + 100n));
    expect(await timer()).to.equal(T + 600n);
    expect(await engine.runSystemTask(id, 'global_timer', at(T + 599n))).to.equal(undefined);
    expect((await engine.runSystemTask(id, 'global_timer', at(T + 600n)))?.kind).to.equal('completed');
    expect(await get()).to.include({ fired: 2n, lastFired: T + 600n });
    expect(await timer()).to.equal(T + 1100n);
  });

  it('cancels the timer with 0, which returns the deadline it replaced', async () => {
    await setTimer(T + 100n);
    expect(await setTimer(0n)).to.equal(T + 100n);
    expect(engine.systemTasksDue(id, T + 1_000_000n)).to.deep.equal(['heartbeat']);
    expect(await engine.runSystemTask(id, 'global_timer', at(T + 1_000_000n))).to.equal(undefined);
    expect((await get()).fired).to.equal(0n);
  });

  it('rolls back a trapping timer, logs the trap and keeps the timer deactivated (even the one it set)', async () => {
    await configure(500n, TIMER_FLAGS.trapTimer);
    await setTimer(T + 100n);
    const outcome = (await engine.runSystemTask(id, 'global_timer', at(T + 100n))) as Extract<
      SystemTaskOutcome,
      { kind: 'reject' }
    >;
    expect(outcome.kind).to.equal('reject');
    expect(outcome.errorCode).to.equal('IC0503');
    expect(outcome.logs.map((line) => text(line.content))).to.deep.equal(['timer', '[TRAP]: timer trap']);
    expect((await get()).fired).to.equal(0n);
    expect(await timer()).to.equal(0n);
    expect(engine.systemTasksDue(id, T + 10_000n)).to.deep.equal(['heartbeat']);
    // The canister keeps serving.
    expect(await setTimer(T + 50n)).to.equal(0n);
  });

  it('keeps the timer deactivated when canister_global_timer runs past the time limit', async () => {
    await engine.close();
    engine = await newEngine(stateDir, 1000);
    await configure(500n, TIMER_FLAGS.loopInTimer);
    await setTimer(T + 100n);
    const outcome = await engine.runSystemTask(id, 'global_timer', at(T + 100n));
    expect(outcome?.kind === 'reject' && outcome.errorCode).to.equal('IC0522');
    expect(outcome?.logs.map((line) => text(line.content))).to.include('[TRAP]: time limit of 1000 ms exceeded');
    expect(await timer()).to.equal(0n);
    expect(await get()).to.include({ fired: 0n });
  });

  it('runs the heartbeat each time it is asked, and rolls back one that traps', async () => {
    for (const time of [T + 1n, T + 2n, T + 3n])
      expect((await engine.runSystemTask(id, 'heartbeat', at(time)))?.kind).to.equal('completed');
    expect(await get()).to.include({ beats: 3n, lastBeat: T + 3n });
    await configure(0n, TIMER_FLAGS.trapHeartbeat | TIMER_FLAGS.logHeartbeat);
    const trapped = await engine.runSystemTask(id, 'heartbeat', at(T + 4n));
    expect(trapped?.kind === 'reject' && trapped.errorCode).to.equal('IC0503');
    expect(trapped?.logs.map((line) => text(line.content))).to.deep.equal(['heartbeat', '[TRAP]: heartbeat trap']);
    expect(await get()).to.include({ beats: 3n, lastBeat: T + 3n });
  });

  describe('System API refusals inside system tasks', () => {
    const cases = [
      {
        task: 'heartbeat',
        flags: TIMER_FLAGS.replyInHeartbeat,
        message: 'ic0.msg_reply cannot be called from canister_heartbeat',
      },
      {
        task: 'global_timer',
        flags: TIMER_FLAGS.argInTimer,
        message: 'ic0.msg_arg_data_size cannot be called from canister_global_timer',
      },
    ] as const;
    for (const { task, flags, message } of cases) {
      it(`${task}: ${message}`, async () => {
        await configure(0n, flags);
        await setTimer(T);
        const outcome = await engine.runSystemTask(id, task, at(T));
        expect(outcome?.kind === 'reject' && outcome.errorCode).to.equal('IC0502');
        expect(outcome?.kind === 'reject' && outcome.rejectMessage).to.contain(message);
        expect(outcome?.logs.map((line) => text(line.content))).to.include(`[TRAP]: ${message}`);
      });
    }
  });

  it('has no task for a canister without the exports, without code, or uninstalled', async () => {
    const plain = canisterId(2);
    await engine.install({
      canisterId: plain,
      mode: 'install',
      wasm: watModule(COUNTER_WAT),
      arg: none,
      context: at(T),
    });
    expect(engine.systemTasksDue(plain, T)).to.deep.equal([]);
    expect(await engine.runSystemTask(plain, 'heartbeat', at(T))).to.equal(undefined);
    expect(engine.systemTasksDue(canisterId(3), T)).to.deep.equal([]);
    expect(await engine.runSystemTask(canisterId(3), 'global_timer', at(T))).to.equal(undefined);
    await setTimer(T);
    await engine.uninstall(id);
    expect(engine.systemTasksDue(id, T + 1n)).to.deep.equal([]);
  });

  it('deactivates the timer on upgrade and reinstall, as the spec says for every install_code', async () => {
    for (const mode of ['upgrade', 'reinstall'] as const) {
      await setTimer(T + 100n);
      const installed = await engine.install({ canisterId: id, mode, wasm, arg: none, context: at(T) });
      expect(installed.kind).to.equal('installed');
      expect(await timer(), mode).to.equal(0n);
      expect(engine.systemTasksDue(id, T + 1000n), mode).to.deep.equal(['heartbeat']);
    }
  });

  it('keeps the timer across a restart of the engine, and fires it then', async () => {
    await setTimer(T + 100n);
    await engine.close();
    engine = await newEngine(stateDir);
    // Found without a call to the canister: what a devnet's rounds ask after a restart.
    expect(engine.systemTasksDue(id, T + 100n)).to.deep.equal(['global_timer', 'heartbeat']);
    expect((await engine.runSystemTask(id, 'global_timer', at(T + 100n)))?.kind).to.equal('completed');
    await engine.close();
    engine = await newEngine(stateDir);
    expect(await get()).to.include({ fired: 1n, lastFired: T + 100n });
    expect(engine.systemTasksDue(id, T + 200n)).to.deep.equal(['heartbeat']);
  });
});
