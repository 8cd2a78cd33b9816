import { Actor, type HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { nowNanos } from '../../src/bytes.js';
import { startDevnet, type Devnet } from '../../src/index.js';
// The real network process, killed with SIGKILL below (build the package first: npx tsc -b packages/devnet).
import { isProcessAlive, startNetworkInBackground } from '../../dist/network-control.js';
import {
  createCanister,
  installCode,
  installMode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
} from '../support/fixtures.js';
import { TIMER_FLAGS, timerIdl, timerWasm, type TimerActor, type TimerCounters } from '../support/timer-canister.js';

const SECOND = 1_000_000_000n;
/** How long a poll waits for something a round does (rounds are 500 ms apart); generous for a loaded machine. */
const POLL_DEADLINE_MS = 60_000;

/** Polls `probe` until it returns a value, failing with `what` after a generous deadline (never a timing assertion). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function kill(pid: number): Promise<void> {
  if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  await until(`process ${pid} to die`, async () => (isProcessAlive(pid) ? undefined : true));
}

describe('devnet: global timers and heartbeats', function () {
  this.timeout(180_000);
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  const owner = newIdentity();
  const wasm = timerWasm();

  const actor = (id: Principal) => Actor.createActor(timerIdl, { agent, canisterId: id }) as unknown as TimerActor;
  const counters = async (id: Principal): Promise<TimerCounters> => {
    const [fired, lastFired, beats, lastBeat, callerSize] = await actor(id).get();
    return { fired, lastFired, beats, lastBeat, callerSize };
  };
  const logs = async (id: Principal): Promise<string[]> => {
    const reply = await management(agent, id).fetch_canister_logs.withOptions({ effectiveCanisterId: id })({
      canister_id: id,
    });
    return reply.canister_log_records.map((record: { content: Uint8Array }) =>
      new TextDecoder().decode(record.content),
    );
  };
  const newTimerCanister = async (): Promise<Principal> => {
    const id = await createCanister(agent);
    await installCode(agent, id, wasm);
    return id;
  };
  /** Resolves once `clock`'s heartbeat has run `rounds` more times: that many rounds have passed. */
  const rounds = async (clock: Principal, count: bigint) => {
    const start = (await counters(clock)).beats;
    await until(`${count} rounds`, async () => ((await counters(clock)).beats >= start + count ? true : undefined));
  };

  beforeEach(async () => {
    dir = makeTempDir();
    devnet = await startDevnet({ port: 0, stateDir: dir });
    agent = await makeAgent(devnet.url, owner);
  });

  afterEach(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('fires a timer after its time, never before, and lets it set itself again', async () => {
    const id = await newTimerCanister();
    await actor(id).configure(SECOND / 2n, 0n);
    const deadline = nowNanos() + SECOND;
    expect(await actor(id).set_timer(deadline)).to.equal(0n);
    const first = await until('the timer to fire', async () => {
      const now = await counters(id);
      return now.fired >= 1n ? now : undefined;
    });
    expect(first.lastFired >= deadline).to.equal(true);
    // Set again from inside canister_global_timer, half a second after each run.
    const third = await until('the timer to fire three times', async () => {
      const now = await counters(id);
      return now.fired >= 3n ? now : undefined;
    });
    expect(third.lastFired >= first.lastFired + SECOND / 2n).to.equal(true);
  });

  it('does not fire a timer cancelled with 0, rounds after its deadline', async () => {
    const id = await newTimerCanister();
    const deadline = nowNanos() + SECOND / 2n;
    await actor(id).set_timer(deadline);
    expect(await actor(id).set_timer(0n)).to.equal(deadline);
    // Heartbeats run after the timer in each round: one at or after the deadline, then one more round.
    await until('a heartbeat after the deadline', async () =>
      (await counters(id)).lastBeat >= deadline ? true : undefined,
    );
    await rounds(id, 1n);
    expect((await counters(id)).fired).to.equal(0n);
  });

  it('rolls back a trapping timer, logs the trap, keeps it deactivated and keeps serving', async () => {
    const id = await newTimerCanister();
    await actor(id).configure(SECOND, TIMER_FLAGS.trapTimer);
    await actor(id).set_timer(nowNanos());
    await until('the trap in the log', async () =>
      (await logs(id)).includes('[TRAP]: timer trap') ? true : undefined,
    );
    expect((await counters(id)).fired).to.equal(0n);
    // The timer it set before trapping is discarded with the rest: nothing is active.
    expect(await actor(id).set_timer(0n)).to.equal(0n);
    expect((await logs(id)).filter((line) => line === '[TRAP]: timer trap')).to.have.length(1);
  });

  it('runs the heartbeat of a running canister as the management canister, and not while it is stopped', async () => {
    const id = await newTimerCanister();
    const clock = await newTimerCanister();
    await actor(id).configure(0n, TIMER_FLAGS.logHeartbeat);
    const beating = await until('three heartbeats', async () => {
      const now = await counters(id);
      return now.beats >= 3n ? now : undefined;
    });
    expect(beating.callerSize).to.equal(0n);
    const mgmt = management(agent, id);
    await mgmt.stop_canister({ canister_id: id });
    const whenStopped = (await logs(id)).length;
    await rounds(clock, 3n);
    expect((await logs(id)).length).to.equal(whenStopped);
    await mgmt.start_canister({ canister_id: id });
    await until('heartbeats after the start', async () => ((await logs(id)).length > whenStopped ? true : undefined));
  });

  it('keeps serving and logs each trap of a trapping heartbeat, whose changes are rolled back', async () => {
    const id = await newTimerCanister();
    await actor(id).configure(0n, TIMER_FLAGS.trapHeartbeat);
    // Heartbeats may have completed before that configuration; none after it.
    const before = (await counters(id)).beats;
    await until('two heartbeat traps', async () =>
      (await logs(id)).filter((line) => line === '[TRAP]: heartbeat trap').length >= 2 ? true : undefined,
    );
    expect((await counters(id)).beats).to.equal(before);
    await actor(id).configure(0n, 0n);
    await until('a heartbeat that completes', async () => ((await counters(id)).beats > before ? true : undefined));
  });

  it('deactivates the timer on upgrade', async () => {
    const id = await newTimerCanister();
    await actor(id).set_timer(nowNanos() + 3600n * SECOND);
    await installCode(agent, id, wasm, installMode.upgrade);
    expect(await actor(id).set_timer(0n)).to.equal(0n);
  });

  it('keeps a timer across a restart and fires it there without a call to the canister', async () => {
    const id = await newTimerCanister();
    const deadline = nowNanos() + 3n * SECOND;
    await actor(id).set_timer(deadline);
    await devnet.close();
    devnet = await startDevnet({ port: 0, stateDir: dir });
    agent = await makeAgent(devnet.url, owner);
    // The log is the management canister's: reading it does not touch the canister's Wasm state.
    await until('the timer to fire after the restart', async () =>
      (await logs(id)).includes('timer') ? true : undefined,
    );
    const after = await counters(id);
    expect(after.fired).to.equal(1n);
    expect(after.lastFired >= deadline).to.equal(true);
  });

  it('a timer that fired stays fired and deactivated after a SIGKILL of the network', async () => {
    await devnet.close();
    let network = await startNetworkInBackground({ port: 0, stateDir: dir });
    try {
      agent = await makeAgent(network.url, owner);
      const id = await newTimerCanister();
      await actor(id).set_timer(nowNanos());
      await until('the timer to fire', async () => ((await counters(id)).fired === 1n ? true : undefined));
      // An update runs after the timer's message (one message at a time per canister) and replies once it is persisted.
      await actor(id).configure(0n, 0n);
      await kill(network.pid);
      network = await startNetworkInBackground({ port: 0, stateDir: dir });
      agent = await makeAgent(network.url, owner);
      await rounds(id, 2n);
      expect((await counters(id)).fired).to.equal(1n);
      expect(await actor(id).set_timer(0n)).to.equal(0n);
    } finally {
      await kill(network.pid);
      // For afterEach, which closes it and removes the directory.
      devnet = await startDevnet({ port: 0, stateDir: dir });
    }
  });
});
