import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { CandidService, fromHex, toHex } from '../src/candid/service.js';
import { CanisterClientError } from '../src/errors.js';
import { managementIdlFactory } from '../src/management/idl.js';
import { ManagementCanister } from '../src/management/management-canister.js';
import type { SnapshotMetadata } from '../src/management/types.js';
import { decodeSnapshotArchive, encodeSnapshotArchive } from '../src/snapshots/archive.js';
import {
  downloadSnapshot,
  planSlices,
  uploadSnapshot,
  type SnapshotContent,
  type UploadCheckpoint,
} from '../src/snapshots/transfer.js';
import { RecordedTransport } from './support/recorded-transport.js';

const candid = new CandidService(managementIdlFactory);
const CANISTER = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface StoredSnapshot {
  source: 'taken_from_canister' | 'metadata_upload';
  sections: Record<string, Uint8Array>;
  chunks: Map<string, Uint8Array>;
  metadata: Record<string, unknown>;
}

/**
 * The snapshot data interface as a replica answers it, over recorded Candid (a unit-test fake
 * of pure logic: slicing, concurrency, resume, checks). The devnet tests run the real thing.
 */
function replicaSnapshots(options: { corruptChunk?: boolean; shortSlice?: boolean; loseUploads?: boolean } = {}) {
  const transport = new RecordedTransport();
  const snapshots = new Map<string, StoredSnapshot>();
  let next = 0;
  const stats = { maxInFlight: 0, reads: 0, writes: [] as string[] };
  let inFlight = 0;
  const slow = async () => {
    inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    inFlight -= 1;
  };
  const find = (id: Uint8Array) => {
    const snapshot = snapshots.get(toHex(id));
    if (!snapshot) throw new CanisterClientError('SNAPSHOT_NOT_FOUND', `Could not find the snapshot ID ${toHex(id)}`);
    return snapshot;
  };
  const metadataOf = (snapshot: StoredSnapshot) => ({
    ...snapshot.metadata,
    source: { [snapshot.source]: null },
    taken_at_timestamp: 1n,
    wasm_module_size: BigInt(snapshot.sections.wasm_module!.length),
    wasm_memory_size: BigInt(snapshot.sections.wasm_memory!.length),
    stable_memory_size: BigInt(snapshot.sections.stable_memory!.length),
    wasm_chunk_store: [...snapshot.chunks.keys()].map((hash) => ({ hash: fromHex(hash) })),
    canister_version: 7n,
  });
  const add = (content: SnapshotContent) => {
    const id = toHex(Uint8Array.of(0, next++));
    snapshots.set(id, {
      source: 'taken_from_canister',
      sections: { ...content.sections },
      chunks: new Map(content.chunks.map((chunk) => [chunk.hash, chunk.bytes])),
      metadata: {
        globals: [{ i32: 5 }, { i64: -3n }, { f64: -0 }],
        certified_data: content.metadata.certifiedData,
        global_timer: [{ active: 99n }],
        on_low_wasm_memory_hook_status: [{ condition_not_satisfied: null }],
      },
    });
    return id;
  };
  transport
    .on('read_canister_snapshot_metadata', (request) => {
      const [{ snapshot_id }] = candid.decodeArgs('read_canister_snapshot_metadata', request.arg) as [
        { snapshot_id: Uint8Array },
      ];
      return candid.encodeReply('read_canister_snapshot_metadata', [metadataOf(find(snapshot_id))]);
    })
    .on('read_canister_snapshot_data', async (request) => {
      await slow();
      stats.reads += 1;
      const [{ snapshot_id, kind }] = candid.decodeArgs('read_canister_snapshot_data', request.arg) as [
        { snapshot_id: Uint8Array; kind: Record<string, { offset?: bigint; size?: bigint; hash?: Uint8Array }> },
      ];
      const snapshot = find(snapshot_id);
      const [name, where] = Object.entries(kind)[0]!;
      if (name === 'wasm_chunk') {
        const bytes = snapshot.chunks.get(toHex(where.hash!))!;
        return candid.encodeReply('read_canister_snapshot_data', [
          { chunk: options.corruptChunk ? bytes.map((b) => b ^ 1) : bytes },
        ]);
      }
      const start = Number(where.offset);
      const bytes = snapshot.sections[name]!.subarray(start, start + Number(where.size) - (options.shortSlice ? 1 : 0));
      return candid.encodeReply('read_canister_snapshot_data', [{ chunk: bytes }]);
    })
    .on('upload_canister_snapshot_metadata', (request) => {
      const [args] = candid.decodeArgs('upload_canister_snapshot_metadata', request.arg) as [Record<string, any>];
      const id = toHex(Uint8Array.of(1, next++));
      snapshots.set(id, {
        source: 'metadata_upload',
        sections: {
          wasm_module: new Uint8Array(Number(args.wasm_module_size)),
          wasm_memory: new Uint8Array(Number(args.wasm_memory_size)),
          stable_memory: new Uint8Array(Number(args.stable_memory_size)),
        },
        chunks: new Map(),
        metadata: {
          globals: args.globals,
          certified_data: args.certified_data,
          global_timer: args.global_timer,
          on_low_wasm_memory_hook_status: args.on_low_wasm_memory_hook_status,
        },
      });
      return candid.encodeReply('upload_canister_snapshot_metadata', [{ snapshot_id: fromHex(id) }]);
    })
    .on('upload_canister_snapshot_data', async (request) => {
      await slow();
      const [{ snapshot_id, kind, chunk }] = candid.decodeArgs('upload_canister_snapshot_data', request.arg) as [
        { snapshot_id: Uint8Array; kind: Record<string, { offset: bigint } | null>; chunk: Uint8Array },
      ];
      const snapshot = find(snapshot_id);
      const [name, where] = Object.entries(kind)[0]!;
      stats.writes.push(
        name === 'wasm_chunk' ? `chunk:${sha256Hex(Uint8Array.from(chunk))}` : `${name}@${where!.offset}`,
      );
      if (options.loseUploads) return candid.encodeReply('upload_canister_snapshot_data', []);
      if (name === 'wasm_chunk') snapshot.chunks.set(sha256Hex(Uint8Array.from(chunk)), Uint8Array.from(chunk));
      else snapshot.sections[name]!.set(Uint8Array.from(chunk), Number(where!.offset));
      return candid.encodeReply('upload_canister_snapshot_data', []);
    });
  return { management: new ManagementCanister(transport), snapshots, stats, add };
}

/**
 * A snapshot with a small module, a heap of `heapBytes` (mostly random, one zero page), stable memory and two chunks.
 */
function sampleContent(heapBytes = 5_500_000): SnapshotContent {
  const heap = new Uint8Array(randomBytes(heapBytes));
  heap.fill(0, 2_000_000, 4_000_000); // one whole slice of zeros: never uploaded
  const chunks = [randomBytes(1000), randomBytes(300)].map((bytes) => ({
    hash: sha256Hex(bytes),
    bytes: new Uint8Array(bytes),
  }));
  const metadata: SnapshotMetadata = {
    source: 'taken_from_canister',
    takenAtNanos: 1n,
    wasmModuleSize: 300,
    globals: [
      { type: 'i32', value: 5 },
      { type: 'i64', value: -3n },
      { type: 'f64', value: -0 },
    ],
    wasmMemorySize: heap.length,
    stableMemorySize: 65536,
    wasmChunkStore: chunks.map((chunk) => chunk.hash),
    canisterVersion: 7n,
    certifiedData: Uint8Array.of(1, 2, 3),
    globalTimer: 99n,
    onLowWasmMemoryHookStatus: 'condition_not_satisfied',
  };
  return {
    metadata,
    sections: {
      wasm_module: new Uint8Array(randomBytes(300)),
      wasm_memory: heap,
      stable_memory: new Uint8Array(randomBytes(65536)),
    },
    chunks,
  };
}

const bytesOf = (content: SnapshotContent) => Object.values(content.sections).map((bytes) => sha256Hex(bytes));

describe('snapshot download and upload', () => {
  it('plans slices of at most 2,000,000 bytes per section, then one per chunk, in a fixed order', () => {
    const slices = planSlices(sampleContent().metadata);
    expect(slices.map((slice) => slice.key).slice(0, 5)).to.deep.equal([
      'wasm_module@0',
      'wasm_memory@0',
      'wasm_memory@2000000',
      'wasm_memory@4000000',
      'stable_memory@0',
    ]);
    expect(slices.filter((slice) => slice.key.startsWith('chunk:'))).to.have.length(2);
    expect(Math.max(...slices.map((slice) => slice.size))).to.equal(2_000_000);
  });

  it('downloads every slice in parallel and reassembles the snapshot byte for byte', async () => {
    const replica = replicaSnapshots();
    const original = sampleContent();
    const id = replica.add(original);
    const progress: number[] = [];
    const downloaded = await downloadSnapshot(replica.management, CANISTER, id, {
      concurrency: 4,
      onProgress: (p) => progress.push(p.slicesDone),
    });
    expect(bytesOf(downloaded)).to.deep.equal(bytesOf(original));
    expect(downloaded.chunks.map((chunk) => chunk.hash)).to.deep.equal(original.metadata.wasmChunkStore);
    expect(downloaded.metadata.globals).to.deep.equal(original.metadata.globals);
    expect(Object.is(downloaded.metadata.globals[2]!.value, -0)).to.equal(true);
    expect(downloaded.metadata).to.include({
      globalTimer: 99n,
      onLowWasmMemoryHookStatus: 'condition_not_satisfied',
      canisterVersion: 7n,
    });
    expect(replica.stats.maxInFlight).to.equal(4);
    expect(progress[progress.length - 1]).to.equal(downloaded.stats.slices);
  });

  it('concurrency 1 downloads one slice at a time', async () => {
    const replica = replicaSnapshots();
    const id = replica.add(sampleContent(100_000));
    await downloadSnapshot(replica.management, CANISTER, id, { concurrency: 1 });
    expect(replica.stats.maxInFlight).to.equal(1);
  });

  for (const [name, fault, pattern] of [
    ['a chunk whose bytes do not match its hash', { corruptChunk: true }, /does not match its hash/],
    ['a slice shorter than asked for', { shortSlice: true }, /returned \d+ bytes of wasm_module/],
  ] as const) {
    it(`refuses ${name} (SNAPSHOT_CORRUPT)`, async () => {
      const replica = replicaSnapshots(fault);
      const id = replica.add(sampleContent(100_000));
      const error = await downloadSnapshot(replica.management, CANISTER, id).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(CanisterClientError).with.property('code', 'SNAPSHOT_CORRUPT');
      expect((error as Error).message).to.match(pattern);
    });
  }

  it('uploads as a new snapshot, never sends zero slices, and the result reads back identical', async () => {
    const replica = replicaSnapshots();
    const original = sampleContent();
    const result = await uploadSnapshot(replica.management, CANISTER, original);
    expect(result.resumed).to.equal(false);
    expect(replica.stats.writes).to.not.include('wasm_memory@2000000');
    expect(result.skipped).to.equal(1);
    expect(result.transferred).to.equal(result.slices - 1);
    const back = await downloadSnapshot(replica.management, CANISTER, result.snapshotId);
    expect(bytesOf(back)).to.deep.equal(bytesOf(original));
    expect(back.metadata).to.include({ source: 'metadata_upload', globalTimer: 99n });
    expect(back.metadata.globals).to.deep.equal(original.metadata.globals);
  });

  it('resumes an interrupted upload: the same snapshot, only the slices not yet done', async () => {
    const replica = replicaSnapshots();
    const original = sampleContent();
    const checkpoints: UploadCheckpoint[] = [];
    let writes = 0;
    // The "crash": the third slice write throws, after two were acknowledged and checkpointed.
    const failing = replicaSnapshots();
    failing.management.uploadSnapshotData = async (...args) => {
      if (++writes === 3) throw new Error('connection reset');
      return replica.management.uploadSnapshotData(...args);
    };
    failing.management.uploadSnapshotMetadata = (...args) => replica.management.uploadSnapshotMetadata(...args);
    failing.management.readSnapshotMetadata = (...args) => replica.management.readSnapshotMetadata(...args);
    const error = await uploadSnapshot(failing.management, CANISTER, original, {
      concurrency: 1,
      onCheckpoint: (checkpoint) => void checkpoints.push(checkpoint),
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).to.equal('connection reset');
    const last = checkpoints[checkpoints.length - 1]!;
    expect(last.done).to.have.length(2);

    replica.stats.writes.length = 0;
    const resumed = await uploadSnapshot(replica.management, CANISTER, original, { resume: last });
    expect(resumed).to.include({ snapshotId: last.snapshotId, resumed: true });
    for (const key of last.done) expect(replica.stats.writes).to.not.include(key);
    expect(replica.snapshots.size).to.equal(1);
    expect(bytesOf(await downloadSnapshot(replica.management, CANISTER, last.snapshotId))).to.deep.equal(
      bytesOf(original),
    );
  });

  it('starts afresh when the snapshot of the checkpoint is gone', async () => {
    const replica = replicaSnapshots();
    const result = await uploadSnapshot(replica.management, CANISTER, sampleContent(100_000), {
      resume: { snapshotId: 'ffff', done: ['wasm_module@0'] },
    });
    expect(result.resumed).to.equal(false);
    expect(result.snapshotId).to.not.equal('ffff');
  });

  it('fails when the network does not end up with what was uploaded', async () => {
    const replica = replicaSnapshots({ loseUploads: true });
    const error = await uploadSnapshot(replica.management, CANISTER, sampleContent(100_000)).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(CanisterClientError).with.property('code', 'SNAPSHOT_CORRUPT');
  });
});

describe('snapshot files', () => {
  const manifest = { canisterId: CANISTER.toText(), agent: 'bot', by: 'tester' };
  const encoded = encodeSnapshotArchive(sampleContent(200_000), manifest);

  it('round-trips content, metadata and manifest, addressed by the sha256 of the file', () => {
    const decoded = decodeSnapshotArchive(encoded.bytes, 'backup.snapshot');
    expect(decoded.sha256).to.equal(encoded.sha256).and.equal(sha256Hex(encoded.bytes));
    expect(decoded.manifest).to.deep.equal(manifest);
    expect(decoded.content.metadata.globals).to.deep.equal(sampleContent().metadata.globals);
    expect(decoded.content.metadata.certifiedData).to.deep.equal(Uint8Array.of(1, 2, 3));
    expect(encodeSnapshotArchive(decoded.content, manifest).sha256).to.equal(encoded.sha256);
  });

  const flip = (at: number) => {
    const bytes = new Uint8Array(encoded.bytes);
    bytes[at] ^= 0xff;
    return bytes;
  };
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['an empty file', () => new Uint8Array(0), /is not a soulrecall snapshot file/],
    [
      'another kind of file',
      () => new Uint8Array(Buffer.from('\0asm\x01\0\0\0 not a snapshot')),
      /is not a soulrecall snapshot file/,
    ],
    ['a file cut inside its header', () => encoded.bytes.subarray(0, 40), /is truncated: it ends inside its header/],
    [
      'a file cut short by one byte',
      () => encoded.bytes.subarray(0, encoded.bytes.length - 1),
      /is truncated: it holds \d+ of its \d+ bytes/,
    ],
    [
      'a file with bytes appended',
      () => new Uint8Array(Buffer.concat([encoded.bytes, Buffer.from('x')])),
      /bytes more than its header describes/,
    ],
    [
      'a changed byte of the heap',
      () => flip(encoded.bytes.length - 70_000),
      /was changed or damaged: its (wasm_memory|stable_memory) does not match/,
    ],
    [
      'a changed byte of a chunk',
      () => flip(encoded.bytes.length - 1),
      /was changed or damaged: its chunk [0-9a-f]+ does not match/,
    ],
    ['a damaged header', () => flip(14), /damaged header|was changed or damaged/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`refuses ${name} (SNAPSHOT_ARCHIVE_INVALID) with one sentence and a hint`, () => {
      let error: unknown;
      try {
        decodeSnapshotArchive(bytes(), 'backup.snapshot');
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(CanisterClientError).with.property('code', 'SNAPSHOT_ARCHIVE_INVALID');
      expect((error as Error).message)
        .to.match(/^backup\.snapshot /)
        .and.match(message);
      expect((error as CanisterClientError).hint).to.be.a('string');
    });
  }
});
