import { expect } from 'chai';
import { Actor, CanisterStatus, type HttpAgent, type Identity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { startDevnet, type Devnet } from '../src/index.js';
import { canisterIdAt } from '../src/state/canister-ids.js';
import {
  createCanister,
  installCode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
  type ManagementActor,
} from './support/fixtures.js';
import {
  downloadSnapshot,
  metadataUpload,
  readMetadata,
  uploadSnapshot,
  type SnapshotMetadata,
} from './support/snapshot-transfer.js';
import { counterIdl, counterWasm, type CounterActor } from './support/wat-canister.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: Error) => error.message,
  );
const GiB = 1024n * 1024n * 1024n;
const TIMER = 1_900_000_000_000_000_000n;

describe('devnet snapshot data interface (read and upload snapshots)', function () {
  this.timeout(120_000);
  let dir: string;
  let devnet: Devnet;
  let owner: Identity;
  let agent: HttpAgent;

  const counter = (canisterId: Principal) =>
    Actor.createActor(counterIdl, { agent, canisterId }) as unknown as CounterActor;
  const mgmtOf = (canisterId: Principal): ManagementActor => management(agent, canisterId);

  /** A counter canister with heap, stable memory, globals, certified data, a timer and one chunk. */
  async function busyCounter(): Promise<{ id: Principal; chunk: Uint8Array }> {
    const id = await createCanister(agent);
    await installCode(agent, id, counterWasm());
    const actor = counter(id);
    for (let i = 0; i < 3; i++) await actor.inc();
    await actor.stable_inc();
    await actor.stable_inc();
    await actor.bump_globals();
    await actor.bump_globals();
    await actor.certify();
    await actor.set_timer(TIMER);
    const chunk = new TextEncoder().encode('a chunk of the chunk store');
    await mgmtOf(id).upload_chunk({ canister_id: id, chunk });
    return { id, chunk };
  }

  const take = async (id: Principal, replace: Uint8Array[] = []) =>
    (await mgmtOf(id).take_canister_snapshot({ canister_id: id, replace_snapshot: replace })) as {
      id: Uint8Array;
      taken_at_timestamp: bigint;
      total_size: bigint;
    };

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

  it('reads a taken snapshot out, uploads it into a new canister and loads it there: heap, stable memory, globals, certified data, chunks and timer', async () => {
    const { id: source, chunk } = await busyCounter();
    const sourceMgmt = mgmtOf(source);
    const version = ((await sourceMgmt.canister_status({ canister_id: source })) as { version: bigint }).version;
    const snapshot = await take(source);

    const downloaded = await downloadSnapshot(sourceMgmt, source, snapshot.id, 4096);
    const { metadata } = downloaded;
    expect(metadata.source).to.deep.equal({ taken_from_canister: null });
    expect(metadata.taken_at_timestamp).to.equal(snapshot.taken_at_timestamp);
    expect(metadata.canister_version).to.equal(version);
    expect(metadata.wasm_module_size).to.equal(BigInt(counterWasm().length));
    expect(hex(downloaded.sections.wasm_module)).to.equal(hex(counterWasm()));
    expect(metadata.wasm_memory_size).to.equal(65536n);
    expect(metadata.stable_memory_size).to.equal(65536n);
    expect(Buffer.from(downloaded.sections.wasm_memory.subarray(0, 8)).readBigUInt64LE()).to.equal(3n);
    expect(Buffer.from(downloaded.sections.stable_memory.subarray(0, 8)).readBigUInt64LE()).to.equal(2n);
    expect(metadata.globals).to.deep.equal([{ i32: 2 }, { i64: 20n }, { f64: 2 }]);
    expect(Buffer.from(metadata.certified_data).readBigUInt64LE()).to.equal(3n);
    expect(metadata.global_timer).to.deep.equal([{ active: TIMER }]);
    expect(metadata.on_low_wasm_memory_hook_status).to.deep.equal([{ condition_not_satisfied: null }]);
    expect(metadata.wasm_chunk_store.map((c) => hex(c.hash))).to.deep.equal([hex(sha256(chunk))]);
    expect(downloaded.chunks.map(hex)).to.deep.equal([hex(chunk)]);

    const target = await createCanister(agent);
    const targetMgmt = mgmtOf(target);
    const targetVersion = ((await targetMgmt.canister_status({ canister_id: target })) as { version: bigint }).version;
    const uploaded = await uploadSnapshot(targetMgmt, target, downloaded, {}, 30_000);
    const uploadedMetadata = await readMetadata(targetMgmt, target, uploaded);
    expect(uploadedMetadata.source).to.deep.equal({ metadata_upload: null });
    expect(uploadedMetadata.canister_version).to.equal(targetVersion);
    const readBack = await downloadSnapshot(targetMgmt, target, uploaded);
    for (const section of ['wasm_module', 'wasm_memory', 'stable_memory'] as const)
      expect(hex(readBack.sections[section])).to.equal(hex(downloaded.sections[section]));
    expect(readBack.chunks.map(hex)).to.deep.equal([hex(chunk)]);

    await targetMgmt.load_canister_snapshot({
      canister_id: target,
      snapshot_id: uploaded,
      sender_canister_version: [],
    });
    const status = (await targetMgmt.canister_status({ canister_id: target })) as {
      module_hash: [Uint8Array];
      version: bigint;
    };
    expect(hex(status.module_hash[0])).to.equal(hex(sha256(counterWasm())));
    expect(status.version).to.equal(targetVersion + 1n);
    const actor = counter(target);
    expect(await actor.get()).to.equal(3n);
    expect(await actor.stable_get()).to.equal(2n);
    expect(await actor.get_total()).to.equal(20n);
    expect(
      ((await targetMgmt.stored_chunks({ canister_id: target })) as { hash: Uint8Array }[]).map((c) => hex(c.hash)),
    ).to.deep.equal([hex(sha256(chunk))]);
    const candid = await CanisterStatus.request({ canisterId: target, agent, paths: ['candid'] });
    expect(candid.get('candid')).to.contain('service');
    // A snapshot of the loaded canister holds the same globals and certified data.
    const again = await readMetadata(targetMgmt, target, (await take(target)).id);
    expect(again.globals).to.deep.equal(metadata.globals);
    expect(hex(again.certified_data)).to.equal(hex(metadata.certified_data));
    // The uploaded timer was restored: set_timer answers the previous deadline.
    expect(await actor.set_timer(555n)).to.equal(TIMER);
    expect(await actor.inc()).to.equal(4n);

    // An upload without a timer leaves the canister's timer as it is.
    const withoutTimer = await uploadSnapshot(targetMgmt, target, downloaded, { global_timer: [] });
    expect((await readMetadata(targetMgmt, target, withoutTimer)).global_timer).to.deep.equal([]);
    await targetMgmt.load_canister_snapshot({
      canister_id: target,
      snapshot_id: withoutTimer,
      sender_canister_version: [],
    });
    expect(await actor.set_timer(0n)).to.equal(555n);
    expect(await actor.get()).to.equal(3n);
  });

  it('creates all-zero uploaded sections without allocating them and reports snapshots_size', async () => {
    const id = await createCanister(agent);
    const mgmt = mgmtOf(id);
    const big = { wasm_module_size: 100n * 1024n * 1024n, wasm_memory_size: 4n * GiB, stable_memory_size: 500n * GiB };
    const { snapshot_id } = (await mgmt.upload_canister_snapshot_metadata({
      ...metadataUpload(id, {
        globals: [],
        certified_data: new Uint8Array(),
        global_timer: [],
        on_low_wasm_memory_hook_status: [],
      } as unknown as SnapshotMetadata),
      ...big,
    })) as { snapshot_id: Uint8Array };
    const metadata = await readMetadata(mgmt, id, snapshot_id);
    expect(metadata).to.include(big);
    expect(metadata.wasm_chunk_store).to.deep.equal([]);
    const end = await mgmt.read_canister_snapshot_data({
      canister_id: id,
      snapshot_id,
      kind: { stable_memory: { offset: 500n * GiB - 16n, size: 16n } },
    });
    expect([...(end.chunk as Uint8Array)]).to.deep.equal(new Array(16).fill(0));
    await mgmt.upload_canister_snapshot_data({
      canister_id: id,
      snapshot_id,
      kind: { stable_memory: { offset: 500n * GiB - 4n } },
      chunk: new Uint8Array([1, 2, 3, 4]),
    });
    const written = await mgmt.read_canister_snapshot_data({
      canister_id: id,
      snapshot_id,
      kind: { stable_memory: { offset: 500n * GiB - 6n, size: 6n } },
    });
    expect([...(written.chunk as Uint8Array)]).to.deep.equal([0, 0, 1, 2, 3, 4]);
    await mgmt.upload_canister_snapshot_data({
      canister_id: id,
      snapshot_id,
      kind: { wasm_chunk: null },
      chunk: new Uint8Array(1000).fill(9),
    });
    // Uploading a chunk that is already there changes nothing.
    await mgmt.upload_canister_snapshot_data({
      canister_id: id,
      snapshot_id,
      kind: { wasm_chunk: null },
      chunk: new Uint8Array(1000).fill(9),
    });
    expect((await readMetadata(mgmt, id, snapshot_id)).wasm_chunk_store).to.have.length(1);
    const [listed] = (await mgmt.list_canister_snapshots({ canister_id: id })) as { total_size: bigint }[];
    expect(listed!.total_size).to.equal(big.wasm_module_size + big.wasm_memory_size + big.stable_memory_size + 1000n);
    const status = (await mgmt.canister_status({ canister_id: id })) as { memory_metrics: { snapshots_size: bigint } };
    expect(status.memory_metrics.snapshots_size).to.equal(listed!.total_size);
    await mgmt.delete_canister_snapshot({ canister_id: id, snapshot_id });
    expect(
      ((await mgmt.canister_status({ canister_id: id })) as { memory_metrics: { snapshots_size: bigint } })
        .memory_metrics.snapshots_size,
    ).to.equal(0n);
  });

  it('replaces a snapshot through upload_canister_snapshot_metadata and refuses an 11th one', async () => {
    const { id } = await busyCounter();
    const mgmt = mgmtOf(id);
    const taken = await take(id);
    const metadata = await readMetadata(mgmt, id, taken.id);
    const ids: Uint8Array[] = [taken.id];
    for (let i = 1; i < 10; i++)
      ids.push(
        ((await mgmt.upload_canister_snapshot_metadata(metadataUpload(id, metadata))) as { snapshot_id: Uint8Array })
          .snapshot_id,
      );
    const limit = 'has reached the maximum number of snapshots allowed: 10.';
    expect(await rejection(mgmt.upload_canister_snapshot_metadata(metadataUpload(id, metadata))))
      .to.contain('IC0406')
      .and.contain(limit);
    expect(await rejection(take(id)))
      .to.contain('IC0406')
      .and.contain(limit);
    const { snapshot_id } = (await mgmt.upload_canister_snapshot_metadata(
      metadataUpload(id, metadata, { replace_snapshot: [taken.id] }),
    )) as { snapshot_id: Uint8Array };
    const listed = ((await mgmt.list_canister_snapshots({ canister_id: id })) as { id: Uint8Array }[]).map((s) =>
      hex(s.id),
    );
    expect(listed).to.have.length(10);
    expect(listed).to.include(hex(snapshot_id)).and.not.include(hex(taken.id));
    expect(await rejection(readMetadata(mgmt, id, taken.id))).to.contain('IC0305');
  });

  describe('rejects like a replica', () => {
    let a: Principal;
    let b: Principal;
    let takenA: Uint8Array;
    let uploadedA: Uint8Array;
    let takenB: Uint8Array;
    let metadataA: SnapshotMetadata;
    let moduleSize: bigint;
    let stranger: HttpAgent;
    const unknownCanister = canisterIdAt(5n);

    before(async () => {
      a = (await busyCounter()).id;
      b = (await busyCounter()).id;
      takenA = (await take(a)).id;
      takenB = (await take(b)).id;
      metadataA = await readMetadata(mgmtOf(a), a, takenA);
      moduleSize = metadataA.wasm_module_size;
      uploadedA = (
        (await mgmtOf(a).upload_canister_snapshot_metadata(metadataUpload(a, metadataA))) as { snapshot_id: Uint8Array }
      ).snapshot_id;
      stranger = await makeAgent(devnet.url, newIdentity());
    });

    const slice = (section: string, offset: bigint, size: bigint) => ({ [section]: { offset, size } });
    // Calls as `caller` (the owner's agent, or a stranger's) on `canister`, which is also the effective canister id.
    const readData = (caller: HttpAgent, canister: Principal, snapshot: Uint8Array, kind: object) =>
      management(caller, canister).read_canister_snapshot_data({ canister_id: canister, snapshot_id: snapshot, kind });
    const uploadData = (
      caller: HttpAgent,
      canister: Principal,
      snapshot: Uint8Array,
      kind: object,
      chunk: Uint8Array,
    ) =>
      management(caller, canister).upload_canister_snapshot_data({
        canister_id: canister,
        snapshot_id: snapshot,
        kind,
        chunk,
      });
    const uploadMetadata = (caller: HttpAgent, canister: Principal, overrides: Record<string, unknown> = {}) =>
      management(caller, canister).upload_canister_snapshot_metadata(metadataUpload(canister, metadataA, overrides));
    const readMeta = (caller: HttpAgent, canister: Principal, snapshot: Uint8Array) =>
      management(caller, canister).read_canister_snapshot_metadata({ canister_id: canister, snapshot_id: snapshot });
    const mine = () => agent;
    const withSeq = (canister: Principal, seq: number) =>
      new Uint8Array([...canister.toUint8Array(), 0, 0, 0, 0, 0, 0, 0, seq]);
    const zeros32 = new Uint8Array(32);
    const zerosText = `[${new Array(32).fill('00').join(', ')}]`;

    const cases: { name: string; call: () => Promise<unknown>; code: string; message: () => string }[] = [
      {
        name: 'read metadata: not a controller',
        call: () => readMeta(stranger, a, takenA),
        code: 'IC0512',
        message: () => `Only the controllers of the canister ${a.toText()} can control it.`,
      },
      {
        name: 'read data: not a controller',
        call: () => readData(stranger, a, takenA, slice('wasm_module', 0n, 1n)),
        code: 'IC0512',
        message: () => 'Only the controllers of the canister',
      },
      {
        name: 'upload metadata: not a controller',
        call: () => uploadMetadata(stranger, a),
        code: 'IC0512',
        message: () => 'Only the controllers of the canister',
      },
      {
        name: 'upload data: not a controller',
        call: () => uploadData(stranger, a, uploadedA, { wasm_chunk: null }, new Uint8Array(1)),
        code: 'IC0512',
        message: () => 'Only the controllers of the canister',
      },
      {
        name: 'read metadata: unknown canister',
        call: () => readMeta(mine(), unknownCanister, takenA),
        code: 'IC0301',
        message: () => `Canister ${unknownCanister.toText()} not found.`,
      },
      {
        name: 'read metadata: unknown snapshot',
        call: () => readMeta(mine(), a, withSeq(a, 99)),
        code: 'IC0305',
        message: () => `Could not find the snapshot ID ${hex(withSeq(a, 99))} for canister ${a.toText()}.`,
      },
      {
        name: 'read data: unknown snapshot',
        call: () => readData(mine(), a, new Uint8Array([1, 2, 3]), slice('wasm_module', 0n, 1n)),
        code: 'IC0305',
        message: () => 'Could not find the snapshot ID 010203',
      },
      {
        name: 'upload data: unknown snapshot',
        call: () => uploadData(mine(), a, withSeq(a, 99), { wasm_chunk: null }, new Uint8Array(1)),
        code: 'IC0305',
        message: () => 'Could not find the snapshot ID',
      },
      {
        name: 'read metadata: snapshot of another canister',
        call: () => readMeta(mine(), a, takenB),
        code: 'IC0406',
        message: () => `The snapshot ${hex(takenB)} does not belong to canister ${a.toText()}.`,
      },
      {
        name: 'read data: snapshot of another canister',
        call: () => readData(mine(), a, takenB, slice('wasm_module', 0n, 1n)),
        code: 'IC0406',
        message: () => 'does not belong to canister',
      },
      {
        name: 'upload metadata: replacing a snapshot of another canister',
        call: () => uploadMetadata(mine(), a, { replace_snapshot: [takenB] }),
        code: 'IC0406',
        message: () => 'does not belong to canister',
      },
      {
        name: 'upload data: snapshot of another canister',
        call: () => uploadData(mine(), a, takenB, { wasm_chunk: null }, new Uint8Array(1)),
        code: 'IC0406',
        message: () => 'does not belong to canister',
      },
      {
        name: 'read data: slice too large',
        call: () => readData(mine(), a, takenA, slice('wasm_memory', 0n, 2_000_001n)),
        code: 'IC0408',
        message: () => 'Requested slice too large: 2000001 > 2000000',
      },
      ...(
        [
          ['wasm_module', () => moduleSize - 1n, 2n],
          ['wasm_memory', () => 65536n, 1n],
          ['stable_memory', () => 0n, 65537n],
        ] as const
      ).map(([section, offset, size]) => ({
        name: `read data: ${section} slice out of range`,
        call: () => readData(mine(), a, takenA, slice(section, offset(), size)),
        code: 'IC0408',
        message: () =>
          `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset()}, size: ${size}`,
      })),
      ...(
        [
          ['wasm_module', () => moduleSize - 2n],
          ['wasm_memory', () => 65535n],
          ['stable_memory', () => 65534n],
        ] as const
      ).map(([section, offset]) => ({
        name: `upload data: ${section} write out of range`,
        call: () => uploadData(mine(), a, uploadedA, { [section]: { offset: offset() } }, new Uint8Array(3)),
        code: 'IC0408',
        message: () => `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset()}, size: 3`,
      })),
      {
        name: 'read data: unknown chunk hash',
        call: () => readData(mine(), a, takenA, { wasm_chunk: { hash: zeros32 } }),
        code: 'IC0504',
        message: () => `Error from Wasm chunk store: WasmChunkHash ${zerosText} not found.`,
      },
      {
        name: 'read data: malformed chunk hash',
        call: () => readData(mine(), a, takenA, { wasm_chunk: { hash: new Uint8Array([1, 171]) } }),
        code: 'IC0504',
        message: () => 'Error from Wasm chunk store: Bytes [01, ab] are not a valid WasmChunkHash.',
      },
      {
        name: 'upload data: into a taken snapshot',
        call: () => uploadData(mine(), a, takenA, { wasm_module: { offset: 0n } }, new Uint8Array(1)),
        code: 'IC0409',
        message: () => 'Only canister snapshots created by metadata upload can be mutated.',
      },
      {
        name: 'upload data: a chunk over 1 MiB',
        call: () => uploadData(mine(), a, uploadedA, { wasm_chunk: null }, new Uint8Array(1024 * 1024 + 1)),
        code: 'IC0504',
        message: () => 'Wasm chunk size 1048577 exceeds the maximum chunk size of 1048576.',
      },
      ...(
        [
          [{ wasm_module_size: 0n }, 'WasmModuleEmpty'],
          [{ wasm_module_size: 100n * 1024n * 1024n + 1n }, 'WasmModuleTooLarge'],
          [{ wasm_memory_size: 1000n }, 'WasmMemoryNotPageAligned'],
          [{ wasm_memory_size: 4n * GiB + 65536n }, 'WasmMemoryTooLarge'],
          [{ stable_memory_size: 65537n }, 'StableMemoryNotPageAligned'],
          [{ stable_memory_size: 500n * GiB + 65536n }, 'StableMemoryTooLarge'],
          [{ certified_data: new Uint8Array(33) }, 'CertifiedDataTooLarge'],
          [{ globals: new Array(1001).fill({ i32: 0 }) }, 'ExportedGlobalsTooLarge'],
        ] as const
      ).map(([overrides, what]) => ({
        name: `upload metadata: invalid metadata (${what})`,
        call: () => uploadMetadata(mine(), a, overrides),
        code: 'IC0408',
        message: () => `Snapshot Metadata contains invalid data: ${what}`,
      })),
    ];

    for (const { name, call, code, message } of cases) {
      it(name, async () => {
        const error = await rejection(call());
        expect(error).to.contain(code);
        expect(error).to.contain(message());
      });
    }

    it('upload data: at most 100 chunks in an uploaded snapshot', async () => {
      const { snapshot_id } = (await uploadMetadata(mine(), a)) as { snapshot_id: Uint8Array };
      for (let i = 0; i < 100; i++) await uploadData(mine(), a, snapshot_id, { wasm_chunk: null }, new Uint8Array([i]));
      const error = await rejection(uploadData(mine(), a, snapshot_id, { wasm_chunk: null }, new Uint8Array([200])));
      expect(error)
        .to.contain('IC0504')
        .and.contain(
          'Wasm chunk store has already reached maximum capacity of 104857600 bytes or the maximum number of entries, 100.',
        );
      await mgmtOf(a).delete_canister_snapshot({ canister_id: a, snapshot_id });
    });

    it('load: globals that do not match the module in number or type', async () => {
      const upload = async (globals: unknown[]) => {
        const downloaded = await downloadSnapshot(mgmtOf(a), a, takenA);
        return uploadSnapshot(mgmtOf(a), a, downloaded, { globals });
      };
      for (const globals of [
        [],
        [{ i32: 2 }, { i32: 20 }, { f64: 2 }],
        [{ i32: 2 }, { i64: 20n }, { f64: 2 }, { i32: 1 }],
      ]) {
        const snapshot = await upload(globals);
        const error = await rejection(
          mgmtOf(a).load_canister_snapshot({ canister_id: a, snapshot_id: snapshot, sender_canister_version: [] }),
        );
        expect(error)
          .to.contain('IC0408')
          .and.contain('Wasm exported globals of canister module and snapshot metadata do not match.');
        await mgmtOf(a).delete_canister_snapshot({ canister_id: a, snapshot_id: snapshot });
      }
      // The canister is as it was.
      expect(await counter(a).get()).to.equal(3n);
    });

    it('load: an uploaded module that is not valid Wasm', async () => {
      const { snapshot_id } = (await uploadMetadata(mine(), a, { wasm_module_size: 64n })) as {
        snapshot_id: Uint8Array;
      };
      const error = await rejection(
        mgmtOf(a).load_canister_snapshot({ canister_id: a, snapshot_id, sender_canister_version: [] }),
      );
      expect(error).to.contain('IC0505').and.contain("Canister's Wasm module is not valid");
      await mgmtOf(a).delete_canister_snapshot({ canister_id: a, snapshot_id });
      expect(await counter(a).get()).to.equal(3n);
    });

    it('take: a canister without code', async () => {
      const empty = await createCanister(agent);
      const error = await rejection(take(empty));
      expect(error).to.contain('IC0406').and.contain(`Failed to create snapshot for empty canister ${empty.toText()}:`);
    });
  });
});
