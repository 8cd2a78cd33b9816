import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Actor, type HttpAgent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
// Loaded here first, as in motoko-canister.test.ts: the engine's lazy import('binaryen') fails under tsx otherwise.
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
import { downloadSnapshot, uploadSnapshot } from './support/snapshot-transfer.js';

const agentDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/agent');
const agentModule = (name: 'v1' | 'v2') =>
  new Uint8Array(fs.readFileSync(path.join(agentDir, 'dist', `agent-${name}.wasm`)));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const agentIdl: IDL.InterfaceFactory = ({ IDL: idl }) =>
  idl.Service({
    remember: idl.Func([idl.Text], [idl.Nat], []),
    recall: idl.Func([], [idl.Vec(idl.Text)], ['query']),
    version: idl.Func([], [idl.Text], ['query']),
  });
type AgentActor = {
  remember(memory: string): Promise<bigint>;
  recall(): Promise<string[]>;
  version(): Promise<string>;
};

describe('devnet snapshot download and upload with the Motoko sample agent', function () {
  this.timeout(180_000);
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  const actorOf = (canisterId: Principal) =>
    Actor.createActor(agentIdl, { agent, canisterId }) as unknown as AgentActor;

  before(async () => {
    // Compiles only when the sources changed (build.mjs checks timestamps).
    execFileSync(process.execPath, [path.join(agentDir, 'build.mjs')], { stdio: 'ignore' });
    dir = makeTempDir();
    devnet = await startDevnet({ port: 0, stateDir: dir });
    agent = await makeAgent(devnet.url, newIdentity());
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('moves the memories of one canister into a new one, which then upgrades to v2 keeping them', async () => {
    const source = await createCanister(agent);
    await installCode(agent, source, agentModule('v1'));
    await actorOf(source).remember('alpha');
    await actorOf(source).remember('beta');
    const sourceMgmt = management(agent, source);
    await sourceMgmt.stop_canister({ canister_id: source });
    const { id } = (await sourceMgmt.take_canister_snapshot({ canister_id: source, replace_snapshot: [] })) as {
      id: Uint8Array;
    };
    await sourceMgmt.start_canister({ canister_id: source });
    const downloaded = await downloadSnapshot(sourceMgmt, source, id);
    expect(downloaded.sections.wasm_memory.length).to.be.greaterThan(2_000_000); // read in several slices
    expect(downloaded.metadata.globals.length).to.be.greaterThan(0);

    const target = await createCanister(agent);
    const targetMgmt = management(agent, target);
    const uploaded = await uploadSnapshot(targetMgmt, target, downloaded);
    await targetMgmt.load_canister_snapshot({
      canister_id: target,
      snapshot_id: uploaded,
      sender_canister_version: [],
    });
    const status = (await targetMgmt.canister_status({ canister_id: target })) as { module_hash: [Uint8Array] };
    expect(hex(status.module_hash[0])).to.equal(hex(sha256(agentModule('v1'))));
    const copy = actorOf(target);
    expect(await copy.recall()).to.deep.equal(['alpha', 'beta']);
    expect(await copy.version()).to.equal('1.0.0');

    // Stopped first, as Motoko asks: the loaded timer fires at once, and its self-calls must not
    // be outstanding when pre_upgrade runs (stop waits for them).
    await targetMgmt.stop_canister({ canister_id: target });
    await installCode(agent, target, agentModule('v2'), {
      upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }],
    });
    await targetMgmt.start_canister({ canister_id: target });
    expect(await copy.version()).to.equal('2.0.0');
    // v2 recalls the newest memory first.
    expect(await copy.recall()).to.deep.equal(['beta', 'alpha']);
    expect(await copy.remember('gamma')).to.equal(3n);
    // The source is untouched.
    expect(await actorOf(source).recall()).to.deep.equal(['alpha', 'beta']);
  });
});
