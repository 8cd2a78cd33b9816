import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Actor, type HttpAgent, type Identity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
// The real network process: the compiled package, as `soulrecall network start --background` runs it.
import { isProcessAlive, startNetworkInBackground, type NetworkRuntimeInfo } from '../dist/network-control.js';
import {
  createCanister,
  installCode,
  installMode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
} from './support/fixtures.js';
import { downloadSnapshot, readMetadata, uploadSnapshot } from './support/snapshot-transfer.js';
import { counterIdl, counterWasm, type CounterActor } from './support/wat-canister.js';

const serverMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/server-main.js');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every management method that changes state persists it before its reply: a network killed
 * (SIGKILL, nothing flushed on the way out) right after a reply has the change after a restart.
 */
describe('devnet durability: acknowledged management calls survive a SIGKILL', function () {
  this.timeout(120_000);
  let stateDir: string;
  let network: NetworkRuntimeInfo;
  let owner: Identity;
  let agent: HttpAgent;
  let id: Principal;

  const counter = () => Actor.createActor(counterIdl, { agent, canisterId: id }) as unknown as CounterActor;
  const mgmt = () => management(agent, id);

  async function start(): Promise<void> {
    network = await startNetworkInBackground({ port: 0, stateDir });
    agent = await makeAgent(network.url, owner);
  }

  /** Kills the network at once and starts it again on the same state directory. */
  async function killAndRestart(): Promise<void> {
    process.kill(network.pid, 'SIGKILL');
    for (let tries = 0; isProcessAlive(network.pid); tries++) {
      if (tries > 200) throw new Error(`network process ${network.pid} did not die`);
      await sleep(25);
    }
    await start();
  }

  before(async function () {
    if (!fs.existsSync(serverMain))
      throw new Error(`${serverMain} is missing: build the package first (npx tsc -b packages/devnet).`);
    stateDir = makeTempDir();
    owner = newIdentity();
    await start();
    id = await createCanister(agent);
    await installCode(agent, id, counterWasm());
    await counter().inc();
    await counter().inc();
  });

  after(async () => {
    if (network && isProcessAlive(network.pid)) process.kill(network.pid, 'SIGKILL');
    removeDir(stateDir);
  });

  let snapshotId: Uint8Array;

  it('keeps a snapshot taken just before the kill: listed, readable and loadable', async () => {
    snapshotId = (
      (await mgmt().take_canister_snapshot({ canister_id: id, replace_snapshot: [] })) as { id: Uint8Array }
    ).id;
    await killAndRestart();
    const listed = (await mgmt().list_canister_snapshots({ canister_id: id })) as { id: Uint8Array }[];
    expect(listed.map((s) => hex(s.id))).to.deep.equal([hex(snapshotId)]);
    const downloaded = await downloadSnapshot(mgmt(), id, snapshotId);
    expect(hex(downloaded.sections.wasm_module)).to.equal(hex(counterWasm()));
    expect(Buffer.from(downloaded.sections.wasm_memory.subarray(0, 8)).readBigUInt64LE()).to.equal(2n);
    await mgmt().load_canister_snapshot({ canister_id: id, snapshot_id: snapshotId, sender_canister_version: [] });
    expect(await counter().get()).to.equal(2n);
  });

  it('keeps uploaded snapshot data written just before the kill', async () => {
    const downloaded = await downloadSnapshot(mgmt(), id, snapshotId);
    downloaded.sections.wasm_memory.set([7, 0, 0, 0, 0, 0, 0, 0]);
    const uploaded = await uploadSnapshot(mgmt(), id, downloaded);
    await killAndRestart();
    const readBack = await downloadSnapshot(mgmt(), id, uploaded);
    for (const section of ['wasm_module', 'wasm_memory', 'stable_memory'] as const)
      expect(hex(readBack.sections[section])).to.equal(hex(downloaded.sections[section]));
    expect((await readMetadata(mgmt(), id, uploaded)).source).to.deep.equal({ metadata_upload: null });
    snapshotId = uploaded;
  });

  it('keeps a snapshot load done just before the kill', async () => {
    // A reinstall (itself persisted before its reply) gives other code and a zero counter to load over.
    await installCode(agent, id, counterWasm({ version: 9 }), installMode.reinstall);
    expect(await counter().get()).to.equal(0n);
    await mgmt().load_canister_snapshot({ canister_id: id, snapshot_id: snapshotId, sender_canister_version: [] });
    await killAndRestart();
    expect(await counter().get()).to.equal(7n);
    const status = (await mgmt().canister_status({ canister_id: id })) as { module_hash: [Uint8Array] };
    expect(hex(status.module_hash[0])).to.equal(hex(sha256(counterWasm())));
  });

  it('keeps the effects of update calls acknowledged just before the kill: heap, stable memory, globals, certified data, logs', async () => {
    await mgmt().start_canister({ canister_id: id });
    const before = await counter().get();
    // Many small messages, each killed-safe on its own: the last one is replied to right before the kill.
    for (let i = 0; i < 5; i++) await counter().inc();
    await counter().stable_inc();
    await counter().bump_globals();
    await counter().certify();
    await counter().log();
    await killAndRestart();
    expect(await counter().get()).to.equal(before + 5n);
    expect(await counter().stable_get()).to.be.greaterThan(0n);
    const total = await counter().get_total();
    expect(total).to.be.greaterThan(0n);
    const logs = (await mgmt().fetch_canister_logs.withOptions({ effectiveCanisterId: id })({ canister_id: id })) as {
      canister_log_records: { content: Uint8Array }[];
    };
    expect(logs.canister_log_records.map((r) => new TextDecoder().decode(r.content))).to.include('hello log');
    // And again after more messages on the restored state (the log continues from the loaded base).
    await counter().inc();
    await killAndRestart();
    expect(await counter().get()).to.equal(before + 6n);
    expect(await counter().get_total()).to.equal(total);
  });

  it('keeps a canister stopped just before the kill', async () => {
    await mgmt().stop_canister({ canister_id: id });
    await killAndRestart();
    const status = (await mgmt().canister_status({ canister_id: id })) as { status: Record<string, null> };
    expect(Object.keys(status.status)).to.deep.equal(['stopped']);
  });
});
