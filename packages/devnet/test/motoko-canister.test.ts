import { expect } from 'chai';
import { Actor, CanisterStatus, type HttpAgent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import { execFileSync } from 'node:child_process';
// Loaded here first: the engine's lazy import('binaryen') from TypeScript sources under tsx fails otherwise (see report).
import 'binaryen';
import fs from 'node:fs';
import path from 'node:path';
import { startDevnet, type Devnet } from '../src/index.js';
import { createCanister, installCode, makeAgent, makeTempDir, newIdentity, removeDir } from './support/fixtures.js';

const SOURCE = 'persistent actor { var n : Nat = 0; public func inc() : async Nat { n += 1; n }; public query func get() : async Nat { n } }';
const counterIdl: IDL.InterfaceFactory = ({ IDL: idl }) => idl.Service({ inc: idl.Func([], [idl.Nat], []), get: idl.Func([], [idl.Nat], ['query']) });
type Counter = { inc(): Promise<bigint>; get(): Promise<bigint> };

describe('devnet with a Motoko canister (enhanced orthogonal persistence)', function () {
  this.timeout(120_000);
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  let wasm: Uint8Array;

  before(async () => {
    dir = makeTempDir();
    // moc runs in a child process: the motoko package is large and keeps its own global state.
    const out = path.join(dir, 'main.wasm');
    const compile = `import mo from 'motoko'; import fs from 'node:fs'; mo.write('Main.mo', ${JSON.stringify(SOURCE)}); fs.writeFileSync(${JSON.stringify(out)}, mo.wasm('Main.mo', 'ic').wasm);`;
    execFileSync(process.execPath, ['--input-type=module', '-e', compile], { cwd: process.cwd(), stdio: 'inherit' });
    wasm = new Uint8Array(fs.readFileSync(out));
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
    await installCode(agent, id, wasm, { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }] });
    expect(await actor.get()).to.equal(2n);
  });
});
