import zlib from 'node:zlib';
import { expect } from 'chai';
import { Actor, CanisterStatus, type HttpAgent, type Identity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { startDevnet, type Devnet } from '../src/index.js';
import {
  createCanister,
  installCode,
  installMode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
  settingsWith,
} from './support/fixtures.js';
import { counterIdl, counterWasm, type CounterActor } from './support/wat-canister.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: Error) => error.message,
  );

describe('devnet canisters through @dfinity/agent (real engine, WAT canister)', function () {
  this.timeout(120_000);
  let dir: string;
  let devnet: Devnet;
  let owner: Identity;
  let agent: HttpAgent;

  const counter = (canisterId: Principal, withAgent = agent) =>
    Actor.createActor(counterIdl, { agent: withAgent, canisterId }) as unknown as CounterActor;

  async function freshCounter(): Promise<{ id: Principal; actor: CounterActor }> {
    const id = await createCanister(agent);
    await installCode(agent, id, counterWasm());
    return { id, actor: counter(id) };
  }

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnet({ port: 0, stateDir: dir });
    owner = newIdentity();
    agent = await makeAgent(devnet.url, owner);
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('creates, installs, calls and queries', async () => {
    const { id, actor } = await freshCounter();
    expect(await actor.inc()).to.equal(1n);
    expect(await actor.inc()).to.equal(2n);
    expect(await actor.get()).to.equal(2n);
    const status = await management(agent, id).canister_status({ canister_id: id });
    expect(Object.keys(status.status)).to.deep.equal(['running']);
    expect(hex(status.module_hash[0])).to.equal(hex(sha256(counterWasm())));
    expect(status.settings.controllers.map((p: Principal) => p.toText())).to.deep.equal([
      owner.getPrincipal().toText(),
    ]);
    expect(status.cycles > 0n).to.equal(true);
    expect(status.memory_size > 0n).to.equal(true);
  });

  it('keeps state unchanged when a call traps', async () => {
    const { actor } = await freshCounter();
    await actor.inc();
    const message = await rejection(actor.inc_then_trap());
    expect(message).to.contain('IC0503').and.to.contain('oops');
    expect(await actor.get()).to.equal(1n);
    expect(await rejection(actor.missing())).to.contain('IC0536');
  });

  it('keeps stable memory on upgrade and wipes everything on reinstall', async () => {
    const { id, actor } = await freshCounter();
    await actor.stable_inc();
    await actor.stable_inc();
    await actor.inc();
    await installCode(agent, id, counterWasm({ version: 2 }), installMode.upgrade);
    expect(await actor.stable_get()).to.equal(2n);
    expect(await actor.get()).to.equal(0n);
    await installCode(agent, id, counterWasm({ version: 3 }), installMode.reinstall);
    expect(await actor.stable_get()).to.equal(0n);
    expect(await rejection(installCode(agent, id, counterWasm(), installMode.install))).to.contain('IC0538');
  });

  it('accepts a gzipped module and hashes the bytes it was given', async () => {
    const id = await createCanister(agent);
    const gzipped = new Uint8Array(zlib.gzipSync(counterWasm()));
    await installCode(agent, id, gzipped);
    expect(await counter(id).inc()).to.equal(1n);
    const status = await CanisterStatus.request({ canisterId: id, agent, paths: ['module_hash'] });
    expect(status.get('module_hash')).to.equal(hex(sha256(gzipped)));
  });

  it('installs a module over 2 MiB through the chunk store', async () => {
    const id = await createCanister(agent);
    const big = counterWasm({ paddingBytes: 2_500_000 });
    const mgmt = management(agent, id);
    const hashes: { hash: Uint8Array }[] = [];
    for (let offset = 0; offset < big.length; offset += 1024 * 1024) {
      hashes.push(await mgmt.upload_chunk({ canister_id: id, chunk: big.slice(offset, offset + 1024 * 1024) }));
    }
    expect((await mgmt.stored_chunks({ canister_id: id })).length).to.equal(hashes.length);
    const wrongHash = await rejection(
      mgmt.install_chunked_code({
        mode: installMode.install,
        target_canister: id,
        store_canister: [],
        chunk_hashes_list: hashes,
        wasm_module_hash: new Uint8Array(32),
        arg: new Uint8Array(),
        sender_canister_version: [],
      }),
    );
    expect(wrongHash).to.contain('does not match');
    await mgmt.install_chunked_code({
      mode: installMode.install,
      target_canister: id,
      store_canister: [],
      chunk_hashes_list: hashes,
      wasm_module_hash: sha256(big),
      arg: new Uint8Array(),
      sender_canister_version: [],
    });
    expect(await counter(id).inc()).to.equal(1n);
    const status = await mgmt.canister_status({ canister_id: id });
    expect(hex(status.module_hash[0])).to.equal(hex(sha256(big)));
    await mgmt.clear_chunk_store({ canister_id: id });
    expect(await mgmt.stored_chunks({ canister_id: id })).to.deep.equal([]);
  });

  it('restores code and memory from a snapshot', async () => {
    const { id, actor } = await freshCounter();
    const mgmt = management(agent, id);
    await actor.inc();
    await actor.stable_inc();
    await mgmt.stop_canister({ canister_id: id });
    const snapshot = await mgmt.take_canister_snapshot({ canister_id: id, replace_snapshot: [] });
    await mgmt.start_canister({ canister_id: id });
    await actor.inc();
    await actor.stable_inc();
    await installCode(agent, id, counterWasm({ version: 9 }), installMode.reinstall);
    await mgmt.stop_canister({ canister_id: id });
    await mgmt.load_canister_snapshot({ canister_id: id, snapshot_id: snapshot.id, sender_canister_version: [] });
    await mgmt.start_canister({ canister_id: id });
    expect(await actor.get()).to.equal(1n);
    expect(await actor.stable_get()).to.equal(1n);
    const status = await mgmt.canister_status({ canister_id: id });
    expect(hex(status.module_hash[0])).to.equal(hex(sha256(counterWasm())));
    const listed = await mgmt.list_canister_snapshots({ canister_id: id });
    expect(listed.map((s: { id: Uint8Array }) => hex(s.id))).to.deep.equal([hex(snapshot.id)]);
    const replaced = await mgmt.take_canister_snapshot({ canister_id: id, replace_snapshot: [snapshot.id] });
    expect(
      (await mgmt.list_canister_snapshots({ canister_id: id })).map((s: { id: Uint8Array }) => hex(s.id)),
    ).to.deep.equal([hex(replaced.id)]);
    await mgmt.delete_canister_snapshot({ canister_id: id, snapshot_id: replaced.id });
    expect(await mgmt.list_canister_snapshots({ canister_id: id })).to.deep.equal([]);
    expect(
      await rejection(
        mgmt.load_canister_snapshot({ canister_id: id, snapshot_id: replaced.id, sender_canister_version: [] }),
      ),
    ).to.contain('IC0305');
  });

  it('lets only controllers control a canister', async () => {
    const { id } = await freshCounter();
    const stranger = newIdentity();
    const strangerAgent = await makeAgent(devnet.url, stranger);
    const theirs = management(strangerAgent, id);
    expect(await rejection(installCode(strangerAgent, id, counterWasm(), installMode.reinstall))).to.contain('IC0512');
    expect(await rejection(theirs.stop_canister({ canister_id: id }))).to.contain('IC0512');
    expect(await rejection(theirs.canister_status({ canister_id: id }))).to.contain('IC0512');
    await management(agent, id).update_settings({
      canister_id: id,
      settings: settingsWith({ controllers: [[owner.getPrincipal(), stranger.getPrincipal()]] }),
      sender_canister_version: [],
    });
    const status = await theirs.canister_status({ canister_id: id });
    expect(status.settings.controllers).to.have.length(2);
  });

  it('stops and starts a canister; a stopped one rejects calls and can be deleted', async () => {
    const { id, actor } = await freshCounter();
    const mgmt = management(agent, id);
    await mgmt.stop_canister({ canister_id: id });
    expect(await rejection(actor.inc())).to.contain('IC0508');
    await mgmt.start_canister({ canister_id: id });
    expect(await actor.inc()).to.equal(1n);
    await mgmt.stop_canister({ canister_id: id });
    await mgmt.delete_canister({ canister_id: id });
    expect(await rejection(actor.inc())).to.contain('IC0301');
  });

  it('keeps canister logs across upgrades, clears them on reinstall and honours log_visibility', async () => {
    const { id, actor } = await freshCounter();
    const mgmt = management(agent, id);
    await actor.log();
    const contents = async (actorAgent = agent) =>
      // Actor queries take the effective canister id from per-call options, not from the actor's config.
      (
        (
          await management(actorAgent, id).fetch_canister_logs.withOptions({ effectiveCanisterId: id })({
            canister_id: id,
          })
        ).canister_log_records as { content: Uint8Array; idx: bigint }[]
      ).map((r) => new TextDecoder().decode(r.content));
    expect(await contents()).to.deep.equal(['init', 'hello log']);
    await installCode(agent, id, counterWasm({ version: 2 }), installMode.upgrade);
    expect(await contents()).to.include('hello log');
    const strangerAgent = await makeAgent(devnet.url, newIdentity());
    expect(await rejection(contents(strangerAgent))).to.contain('not allowed');
    await mgmt.update_settings({
      canister_id: id,
      settings: settingsWith({ log_visibility: [{ public: null }] }),
      sender_canister_version: [],
    });
    expect(await contents(strangerAgent)).to.include('hello log');
    await installCode(agent, id, counterWasm({ version: 3 }), installMode.reinstall);
    expect(await contents()).to.deep.equal(['init']);
  });

  it('certifies public metadata to anyone and private metadata to controllers only', async () => {
    const { id } = await freshCounter();
    const utf8 = (text: string) => new TextEncoder().encode(text);
    const candid = await CanisterStatus.request({
      canisterId: id,
      agent: await makeAgent(devnet.url, newIdentity()),
      paths: ['candid'],
    });
    expect(candid.get('candid')).to.contain('service');
    const secretPath = [[utf8('canister'), id.toUint8Array(), utf8('metadata'), utf8('secret')]];
    const mine = await CanisterStatus.request({
      canisterId: id,
      agent,
      paths: [{ kind: 'metadata', key: 'secret', path: 'secret', decodeStrategy: 'utf-8' }],
    });
    expect(mine.get('secret')).to.equal('for controllers only');
    const stranger = await makeAgent(devnet.url, newIdentity());
    expect(await rejection(stranger.readState(id, { paths: secretPath }))).to.contain('403');
  });
});
