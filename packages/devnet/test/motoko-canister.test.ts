import { expect } from 'chai';
import { Actor, CanisterStatus, type HttpAgent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
// Loaded here first: the engine's lazy import('binaryen') from TypeScript sources under tsx fails otherwise (see
// report).
import 'binaryen';
import { startDevnet, type Devnet } from '../src/index.js';
import { createCanister, installCode, makeAgent, makeTempDir, newIdentity, removeDir } from './support/fixtures.js';
import { compileMotoko } from './support/motoko.js';

const SOURCE =
  'persistent actor { var n : Nat = 0; public func inc() : async Nat { n += 1; n }; public query func get() : async Nat { n } }';
const counterIdl: IDL.InterfaceFactory = ({ IDL: idl }) =>
  idl.Service({ inc: idl.Func([], [idl.Nat], []), get: idl.Func([], [idl.Nat], ['query']) });
type Counter = { inc(): Promise<bigint>; get(): Promise<bigint> };

/**
 * `relay` awaits another canister; `start` sets a recurring timer whose job awaits it too (Motoko runs timer jobs in
 * self-calls).
 */
const CALLING_SOURCE = `
import Timer "mo:core/Timer";
import Principal "mo:core/Principal";
persistent actor {
  var ticks : Nat = 0;
  var last : Nat = 0;
  type Peer = actor { ping : Nat -> async Nat };
  public func ping(n : Nat) : async Nat { n + 1 };
  public func relay(peer : Principal, n : Nat) : async Nat {
    let p : Peer = actor (Principal.toText(peer));
    await p.ping(n)
  };
  public func start(peer : Principal) : async () {
    ignore Timer.recurringTimer<system>(#seconds 1, func () : async () {
      let p : Peer = actor (Principal.toText(peer));
      ticks += 1;
      last := await p.ping(ticks);
    });
  };
  public query func state() : async (Nat, Nat) { (ticks, last) };
};
`;
const callingIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({
    ping: I.Func([I.Nat], [I.Nat], []),
    relay: I.Func([I.Principal, I.Nat], [I.Nat], []),
    start: I.Func([I.Principal], [], []),
    state: I.Func([], [I.Nat, I.Nat], ['query']),
  });
type CallingService = {
  relay(peer: Principal, n: bigint): Promise<bigint>;
  start(peer: Principal): Promise<void>;
  state(): Promise<[bigint, bigint]>;
};

describe('devnet with a Motoko canister (enhanced orthogonal persistence)', function () {
  this.timeout(180_000);
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  let wasm: Uint8Array;
  let callingWasm: Uint8Array;

  before(async () => {
    dir = makeTempDir();
    wasm = compileMotoko(SOURCE, dir);
    callingWasm = compileMotoko(CALLING_SOURCE, dir);
    devnet = await startDevnet({ port: 0, stateDir: dir });
    agent = await makeAgent(devnet.url, newIdentity());
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('runs it, publishes its Candid, and keeps its memory on an upgrade with wasm_memory_persistence = keep', async () => {
    const id = await createCanister(agent);
    await installCode(agent, id, wasm);
    const actor = Actor.createActor(counterIdl, { agent, canisterId: id }) as unknown as Counter;
    expect(await actor.inc()).to.equal(1n);
    expect(await actor.inc()).to.equal(2n);
    const candid = await CanisterStatus.request({ canisterId: id, agent, paths: ['candid'] });
    expect(candid.get('candid')).to.contain('inc');
    const refused = await installCode(agent, id, wasm, { upgrade: [] }).then(
      () => 'upgraded',
      (error: Error) => error.message,
    );
    expect(refused).to.contain('wasm_memory_persistence');
    await installCode(agent, id, wasm, {
      upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }],
    });
    expect(await actor.get()).to.equal(2n);
  });

  const install = async (): Promise<Principal> => {
    const id = await createCanister(agent);
    await installCode(agent, id, callingWasm);
    return id;
  };

  it('an awaited call to another Motoko canister, and a recurring timer whose job awaits it', async () => {
    const a = await install();
    const b = await install();
    const actor = Actor.createActor(callingIdl, { agent, canisterId: a }) as unknown as CallingService;
    expect(await actor.relay(b, 41n)).to.equal(42n);
    await actor.start(b);
    const deadline = Date.now() + 60_000;
    let [ticks, last] = await actor.state();
    while (ticks < 2n || last < 2n) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for two timer runs (ticks ${ticks}, last ${last})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      [ticks, last] = await actor.state();
    }
    // Each job stored the answer to its own tick: ping(tick) = tick + 1.
    expect(last >= 2n && last <= ticks + 1n, `ticks ${ticks}, last ${last}`).to.equal(true);
    expect(await actor.relay(b, 1n), 'still serving').to.equal(2n);
  });
});
