import type { HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import 'binaryen';
import { startDevnet, type Devnet } from '../src/index.js';
import {
  createCanister,
  installCode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
} from './support/fixtures.js';
import {
  acceptAnswer,
  CALL_FLAGS,
  callAnswer,
  callArg,
  callingState,
  callingWasm,
  rawQuery,
  rawUpdate,
  u64Arg,
  type CallAnswer,
  type CallSpec,
} from './support/calling-canister.js';

const PROVISIONAL_CYCLES = 100_000_000_000_000n;

describe('devnet: inter-canister calls', function () {
  this.timeout(180_000);
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  const wasm = callingWasm();

  const newCallingCanister = async (): Promise<Principal> => {
    const id = await createCanister(agent);
    await installCode(agent, id, wasm);
    return id;
  };
  const call = async (caller: Principal, spec: CallSpec): Promise<CallAnswer> =>
    callAnswer(await rawUpdate(agent, caller, 'call', callArg(spec)));
  const state = async (id: Principal) => callingState(await rawQuery(agent, id, 'state'));
  const status = async (id: Principal) =>
    (await management(agent, id).canister_status({ canister_id: id })) as {
      status: Record<string, null>;
      cycles: bigint;
    };
  /** After a bad case the network keeps serving: a plain call from `caller` to `callee` still works. */
  const stillServes = async (caller: Principal, callee: Principal) => {
    const answer = await call(caller, { callee, method: 'echo', payload: new Uint8Array([7]) });
    expect(answer).to.deep.equal({ kind: 'reply', refunded: 0n, data: new Uint8Array([7]) });
  };

  let a: Principal;
  let b: Principal;

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnet({ port: 0, stateDir: dir });
    agent = await makeAgent(devnet.url, newIdentity());
    a = await newCallingCanister();
    b = await newCallingCanister();
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it("A calls B and replies with B's answer; B sees A as its caller", async () => {
    const answer = await call(a, { callee: b, method: 'echo', payload: new TextEncoder().encode('hello') });
    expect(answer).to.deep.equal({ kind: 'reply', refunded: 0n, data: new TextEncoder().encode('hello') });
    const accepted = await call(a, { callee: b, method: 'accept', payload: u64Arg(0n) });
    expect(accepted.kind).to.equal('reply');
    expect(acceptAnswer((accepted as { data: Uint8Array }).data).caller.toText()).to.equal(a.toText());
  });

  it('moves attached cycles: the callee keeps what it accepts, the rest is refunded, the totals add up', async () => {
    const before = { a: (await state(a)).balance, b: (await state(b)).balance };
    expect(before.a).to.equal(PROVISIONAL_CYCLES);
    const answer = await call(a, { callee: b, method: 'accept', payload: u64Arg(300n), cycles: 1_000n });
    if (answer.kind !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(answer)}`);
    expect(answer.refunded).to.equal(700n);
    expect(acceptAnswer(answer.data)).to.include({ available: 1_000n, accepted: 300n });
    const after = { a: (await state(a)).balance, b: (await state(b)).balance };
    expect(after.a).to.equal(before.a - 300n);
    expect(after.b).to.equal(before.b + 300n);
    expect((await status(a)).cycles).to.equal(after.a);
  });

  describe('rejects reach the reject callback and the caller keeps running', () => {
    const missing = Principal.fromText('2vxsx-fae');
    const cases: Array<{ name: string; spec: () => CallSpec; rejectCode: number; message: RegExp }> = [
      {
        name: 'the callee does not exist',
        spec: () => ({ callee: missing, method: 'echo' }),
        rejectCode: 3,
        message: /not found/,
      },
      { name: 'the callee traps', spec: () => ({ callee: b, method: 'trap' }), rejectCode: 5, message: /callee trap/ },
      {
        name: 'the callee has no such method',
        spec: () => ({ callee: b, method: 'nope' }),
        rejectCode: 5,
        message: /has no update method 'nope'/,
      },
      { name: 'the callee rejects', spec: () => ({ callee: b, method: 'reject' }), rejectCode: 4, message: /^no$/ },
      {
        name: 'the management canister has no such method',
        spec: () => ({ callee: Principal.managementCanister(), method: 'nope' }),
        rejectCode: 4,
        message: /has no method 'nope'/,
      },
    ];
    for (const { name, spec, rejectCode, message } of cases) {
      it(`${name}: reject code ${rejectCode}, attached cycles refunded`, async () => {
        const answer = await call(a, { ...spec(), cycles: 50n });
        if (answer.kind !== 'reject') throw new Error(`expected a reject, got ${JSON.stringify(answer)}`);
        expect(answer.rejectCode).to.equal(rejectCode);
        expect(answer.message).to.match(message);
        expect(answer.refunded).to.equal(50n);
        await stillServes(a, b);
      });
    }

    it('the callee is stopped: reject code 5', async () => {
      const stopped = await newCallingCanister();
      await management(agent, stopped).stop_canister({ canister_id: stopped });
      const answer = await call(a, { callee: stopped, method: 'echo' });
      expect(answer).to.include({ kind: 'reject', rejectCode: 5 });
      expect((answer as { message: string }).message).to.match(/is stopped/);
      await stillServes(a, b);
    });
  });

  it('a reply callback that traps: its changes are rolled back, the cleanup callback runs, the ingress call is rejected', async () => {
    const before = await state(a);
    const outcome = await rawUpdate(
      agent,
      a,
      'call',
      callArg({ callee: b, method: 'echo', flags: CALL_FLAGS.cleanup | CALL_FLAGS.trapInReply }),
    ).then(
      () => 'replied',
      (error: Error) => error.message,
    );
    expect(outcome).to.match(/callback trap/);
    const after = await state(a);
    expect(after.replies, 'the trapped callback bumped it: rolled back').to.equal(before.replies);
    expect(after.trapMarker).to.equal(0n);
    expect(after.cleanups).to.equal(before.cleanups + 1n);
    expect(after.callsMade, 'committed by the first message').to.equal(before.callsMade + 1n);
    await stillServes(a, b);
  });

  describe('a reply callback stopped by the time limit', () => {
    // Like a trap (the spec's resource limits trap too): its changes are gone and the cleanup
    // callback runs. Motoko keeps a table of its callbacks, which only the cleanup empties; a left
    // entry makes every later upgrade refuse ("outstanding message callbacks").
    let limited: Devnet;
    let limitedDir: string;
    let limitedAgent: HttpAgent;
    before(async () => {
      limitedDir = makeTempDir();
      limited = await startDevnet({ port: 0, stateDir: limitedDir, messageTimeLimitMs: 1_000 });
      limitedAgent = await makeAgent(limited.url, newIdentity());
    });
    after(async () => {
      await limited.close();
      removeDir(limitedDir);
    });

    it('is rejected as a time limit, its changes are rolled back, and the cleanup callback runs', async () => {
      const [caller, callee] = [await createCanister(limitedAgent), await createCanister(limitedAgent)];
      await installCode(limitedAgent, caller, wasm);
      await installCode(limitedAgent, callee, wasm);
      const flags = CALL_FLAGS.cleanup | CALL_FLAGS.spinInReply;
      const outcome = await rawUpdate(limitedAgent, caller, 'call', callArg({ callee, method: 'echo', flags })).then(
        () => 'replied',
        (error: Error) => error.message,
      );
      expect(outcome).to.match(/time limit|exceeded/i);
      const after = callingState(await rawQuery(limitedAgent, caller, 'state'));
      expect(after.replies, 'the stopped callback bumped it: rolled back').to.equal(0n);
      expect(after.trapMarker).to.equal(0n);
      expect(after.cleanups).to.equal(1n);
      expect(after.callsMade).to.equal(1n);
      const answer = callAnswer(
        await rawUpdate(
          limitedAgent,
          caller,
          'call',
          callArg({ callee, method: 'echo', payload: new Uint8Array([7]) }),
        ),
      );
      expect(answer).to.deep.equal({ kind: 'reply', refunded: 0n, data: new Uint8Array([7]) });
    });
  });

  it('a transfer larger than the balance traps the call: nothing is sent, no cycles move', async () => {
    const before = { a: (await state(a)).balance, b: (await state(b)).balance, calls: (await state(a)).callsMade };
    const outcome = await rawUpdate(
      agent,
      a,
      'call',
      callArg({ callee: b, method: 'accept', payload: u64Arg(1n), cycles: before.a + 1n }),
    ).then(
      () => 'replied',
      (error: Error) => error.message,
    );
    expect(outcome).to.match(/cannot transfer/);
    const after = await state(a);
    expect(after.balance).to.equal(before.a);
    expect(after.callsMade).to.equal(before.calls);
    expect((await state(b)).balance).to.equal(before.b);
    await stillServes(a, b);
  });

  it('a bounded-wait call that outlives its timeout gets SYS_UNKNOWN (6)', async () => {
    const answer = await call(a, { callee: b, method: 'spin', flags: CALL_FLAGS.boundedWait, timeoutSeconds: 1 });
    expect(answer).to.include({ kind: 'reject', rejectCode: 6 });
    await stillServes(a, b);
  });

  it('a canister calls raw_rand and canister_status on the management canister', async () => {
    const rand = await call(a, {
      callee: Principal.managementCanister(),
      method: 'raw_rand',
      payload: new Uint8Array(IDL.encode([], [])),
    });
    if (rand.kind !== 'reply') throw new Error(`raw_rand: ${JSON.stringify(rand)}`);
    expect((IDL.decode([IDL.Vec(IDL.Nat8)], rand.data)[0] as Uint8Array).length).to.equal(32);
    const statusArg = new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: a }]));
    const own = await call(a, {
      callee: Principal.managementCanister(),
      method: 'canister_status',
      payload: statusArg,
    });
    expect(own.kind, 'a canister may read its own status').to.equal('reply');
    const other = await call(a, {
      callee: Principal.managementCanister(),
      method: 'canister_status',
      payload: new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: b }])),
    });
    expect(other, 'A does not control B').to.include({ kind: 'reject', rejectCode: 5 });
    expect((other as { message: string }).message).to.match(/Only the controllers/);
  });

  it('a canister creates a canister with cycles, installs code in it, deposits cycles, and controls it', async () => {
    const createArg = new Uint8Array(IDL.encode([IDL.Record({ settings: IDL.Opt(IDL.Null) })], [{ settings: [] }]));
    const created = await call(a, {
      callee: Principal.managementCanister(),
      method: 'create_canister',
      payload: createArg,
      cycles: 5_000n,
    });
    if (created.kind !== 'reply') throw new Error(`create_canister: ${JSON.stringify(created)}`);
    expect(created.refunded).to.equal(0n);
    const child = (
      IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created.data)[0] as { canister_id: Principal }
    ).canister_id;
    const installArg = IDL.encode(
      [
        IDL.Record({
          mode: IDL.Variant({ install: IDL.Null }),
          canister_id: IDL.Principal,
          wasm_module: IDL.Vec(IDL.Nat8),
          arg: IDL.Vec(IDL.Nat8),
        }),
      ],
      [{ mode: { install: null }, canister_id: child, wasm_module: wasm, arg: new Uint8Array() }],
    );
    const installed = await call(a, {
      callee: Principal.managementCanister(),
      method: 'install_code',
      payload: new Uint8Array(installArg),
    });
    expect(installed.kind).to.equal('reply');
    const depositArg = new Uint8Array(
      IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: child }]),
    );
    const deposited = await call(a, {
      callee: Principal.managementCanister(),
      method: 'deposit_cycles',
      payload: depositArg,
      cycles: 1_000n,
    });
    expect(deposited).to.include({ kind: 'reply', refunded: 0n });
    expect((await state(child)).balance).to.equal(6_000n);
    expect(await call(a, { callee: child, method: 'echo', payload: new Uint8Array([1]) })).to.deep.include({
      kind: 'reply',
    });
    // The user did not create it: A is its only controller.
    const refused = await management(agent, child)
      .canister_status({ canister_id: child })
      .then(
        () => 'allowed',
        (error: Error) => error.message,
      );
    expect(refused).to.match(/Only the controllers/);
  });

  it('stop_canister waits until the canister has no open call context (stopping meanwhile)', async () => {
    const stopper = await newCallingCanister();
    let answered = false;
    const pending = call(stopper, { callee: b, method: 'spin', cycles: 1n }).then((answer) => {
      answered = true;
      return answer;
    });
    // Its first message has run once the cycles it attached left its balance: the call context is open.
    while ((await status(stopper)).cycles === PROVISIONAL_CYCLES)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const stopping = management(agent, stopper).stop_canister({ canister_id: stopper });
    let seen = '';
    while (!answered && seen !== 'stopping') seen = Object.keys((await status(stopper)).status)[0]!;
    expect(seen).to.equal('stopping');
    await stopping;
    // Stopped only after the reply callback ran: it got the unaccepted cycle back.
    expect(await status(stopper)).to.deep.include({ status: { stopped: null }, cycles: PROVISIONAL_CYCLES });
    expect(await pending).to.include({ kind: 'reply' });
    await stillServes(a, b);
  });
});
