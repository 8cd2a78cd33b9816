import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Actor, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { startDevnet } from '../src/index.js';
import {
  CANISTER_RANGE_SIZE,
  canisterIdAt,
  canisterIndexOf,
  chooseCanisterRange,
  isSystemCanisterId,
  rangeContains,
  SYSTEM_CANISTER_IDS,
} from '../src/state/canister-ids.js';
import { decodeStateJson, encodeStateJson } from '../src/state/json-codec.js';
import {
  createCanister,
  installCode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
} from './support/fixtures.js';
import { downloadSnapshot, readMetadata } from './support/snapshot-transfer.js';
import { counterIdl, counterWasm, type CounterActor } from './support/wat-canister.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const registryOf = (dir: string) =>
  decodeStateJson<{ nextCanisterIndex: bigint; canisterRange?: { start: bigint; size: bigint } }>(
    fs.readFileSync(path.join(dir, 'canisters.json'), 'utf8'),
  );
const createWithId = (agent: HttpAgent, id: Principal) =>
  management(agent).provisional_create_canister_with_cycles({
    amount: [],
    settings: [],
    specified_id: [id],
    sender_canister_version: [],
  });

describe('canister id ranges: one range per network', function () {
  this.timeout(120_000);
  let root: string;

  beforeEach(() => {
    root = makeTempDir();
  });

  afterEach(() => removeDir(root));

  it('chooses a block of 2^20 ids far above the IC system ranges that holds no system canister', () => {
    const fixed = (byte: number) => () => new Uint8Array(8).fill(byte);
    for (const random of [fixed(0), fixed(0xff), fixed(0x5a), undefined]) {
      const range = chooseCanisterRange(random);
      expect(range.size).to.equal(CANISTER_RANGE_SIZE);
      expect(range.start % CANISTER_RANGE_SIZE).to.equal(0n);
      expect(range.start >= 1n << 44n && range.start + range.size <= 1n << 63n).to.equal(true);
      for (const id of SYSTEM_CANISTER_IDS) expect(rangeContains(range, Principal.fromText(id))).to.equal(false);
    }
    for (const id of [
      'rwlgt-iiaaa-aaaaa-aaaaa-cai',
      'ryjl3-tyaaa-aaaaa-aaaba-cai',
      'rkp4c-7iaaa-aaaaa-aaaca-cai',
      'um5iw-rqaaa-aaaaq-qaaba-cai',
    ]) {
      expect(isSystemCanisterId(Principal.fromText(id)), id).to.equal(true);
    }
    expect(isSystemCanisterId(canisterIdAt(CANISTER_RANGE_SIZE))).to.equal(false);
  });

  it('gives two new networks different ids, and a restarted one continues its own sequence', async () => {
    const owner = newIdentity();
    const dirs = [path.join(root, 'a'), path.join(root, 'b')];
    const networks = await Promise.all(dirs.map((stateDir) => startDevnet({ port: 0, stateDir })));
    const firsts: Principal[] = [];
    try {
      for (const network of networks) firsts.push(await createCanister(await makeAgent(network.url, owner)));
    } finally {
      await Promise.all(networks.map((network) => network.close()));
    }
    expect(firsts[0]!.toText()).to.not.equal(firsts[1]!.toText());
    for (const [i, first] of firsts.entries()) {
      const range = registryOf(dirs[i]!).canisterRange!;
      expect(canisterIndexOf(first)).to.equal(range.start);
    }

    const again = await startDevnet({ port: 0, stateDir: dirs[0]! });
    try {
      const agent = await makeAgent(again.url, owner);
      expect((await createCanister(agent)).toText()).to.equal(canisterIdAt(canisterIndexOf(firsts[0]!)! + 1n).toText());
      // specified_id works for any id, inside the range or not, and allocation skips an id taken that way.
      const next = canisterIdAt(canisterIndexOf(firsts[0]!)! + 2n);
      await createWithId(agent, next);
      await createWithId(agent, canisterIdAt(3n));
      expect((await createCanister(agent)).toText()).to.equal(canisterIdAt(canisterIndexOf(firsts[0]!)! + 3n).toText());
    } finally {
      await again.close();
    }
  });

  it('keeps the canisters and the old-format snapshots of a state directory from before ranges, and gives it a range for new ones', async () => {
    const dir = path.join(root, 'old');
    const owner = newIdentity();
    const first = await startDevnet({ port: 0, stateDir: dir });
    const zero = canisterIdAt(0n);
    let snapshotId: Uint8Array;
    try {
      const agent = await makeAgent(first.url, owner);
      // As the previous version numbered them: index 0, 1, ...
      await createWithId(agent, zero);
      await createWithId(agent, canisterIdAt(1n));
      await installCode(agent, zero, counterWasm());
      const actor = Actor.createActor(counterIdl, { agent, canisterId: zero }) as unknown as CounterActor;
      await actor.inc();
      await actor.bump_globals();
      snapshotId = (
        (await management(agent, zero).take_canister_snapshot({ canister_id: zero, replace_snapshot: [] })) as {
          id: Uint8Array;
        }
      ).id;
    } finally {
      await first.close();
    }
    // Rewrite the state as the previous version left it: no range, and the snapshot as one JSON file.
    const registry = registryOf(dir) as Record<string, unknown>;
    delete registry.canisterRange;
    registry.nextCanisterIndex = 2n;
    fs.writeFileSync(path.join(dir, 'canisters.json'), encodeStateJson(registry));
    const snapshotDir = path.join(dir, 'snapshots', zero.toText(), hex(snapshotId));
    const read = (name: string) => new Uint8Array(fs.readFileSync(path.join(snapshotDir, name)));
    const legacy = {
      wasm: {
        module: read('wasm-module.bin'),
        heap: read('wasm-memory.bin'),
        stableMemory: read('stable-memory.bin'),
        globals: ['1', '10', '1'],
        certifiedData: new Uint8Array(),
        globalTimerNanos: '0',
      },
      chunks: [],
      moduleHash: undefined,
      metadata: [],
    };
    fs.rmSync(snapshotDir, { recursive: true });
    fs.writeFileSync(`${snapshotDir}.json`, encodeStateJson(legacy));

    const second = await startDevnet({ port: 0, stateDir: dir });
    try {
      const agent = await makeAgent(second.url, owner);
      const actor = Actor.createActor(counterIdl, { agent, canisterId: zero }) as unknown as CounterActor;
      expect(await actor.get()).to.equal(1n);
      const fresh = await createCanister(agent);
      const range = registryOf(dir).canisterRange!;
      expect(canisterIndexOf(fresh)).to.equal(range.start);
      expect(range.start >= 1n << 44n).to.equal(true);

      const mgmt = management(agent, zero);
      const metadata = await readMetadata(mgmt, zero, snapshotId);
      expect(metadata.source).to.deep.equal({ taken_from_canister: null });
      expect(metadata.globals).to.deep.equal([{ i32: 1 }, { i64: 10n }, { f64: 1 }]);
      expect(fs.existsSync(`${snapshotDir}.json`)).to.equal(false);
      expect(hex((await downloadSnapshot(mgmt, zero, snapshotId)).sections.wasm_module)).to.equal(hex(counterWasm()));
      await actor.inc();
      await mgmt.load_canister_snapshot({ canister_id: zero, snapshot_id: snapshotId, sender_canister_version: [] });
      expect(await actor.get()).to.equal(1n);
      expect(await actor.get_total()).to.equal(10n);
    } finally {
      await second.close();
    }
  });
});
