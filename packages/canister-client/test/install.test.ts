import type { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { wasmArtifactFromBytes } from '../src/artifact.js';
import { CandidService, toHex } from '../src/candid/service.js';
import { CanisterClientError } from '../src/errors.js';
import { CHUNKED_INSTALL_THRESHOLD, forEachBounded, splitIntoChunks } from '../src/management/chunked-upload.js';
import { managementIdlFactory } from '../src/management/idl.js';
import { installModule } from '../src/management/install.js';
import { ManagementCanister } from '../src/management/management-canister.js';
import { CanisterStateReader } from '../src/read-state.js';
import { RecordedTransport } from './support/recorded-transport.js';
import { canisterModule } from './support/wasm-fixtures.js';
import { createHash } from 'node:crypto';

const management = new CandidService(managementIdlFactory);
const CANISTER = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

/** A transport that behaves like a replica's chunk store and install methods. */
function replicaLike(options: { installedHash?: string; failInstall?: boolean } = {}) {
  const transport = new RecordedTransport();
  const store = new Map<string, Uint8Array>();
  if (options.installedHash)
    transport.stateTree.set(`canister/${CANISTER}/module_hash`, Buffer.from(options.installedHash, 'hex'));
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  transport
    .on('stored_chunks', () => management.encodeReply('stored_chunks', [[...store.values()].map((hash) => ({ hash }))]))
    .on('upload_chunk', async (request) => {
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      const [{ chunk }] = management.decodeArgs('upload_chunk', request.arg) as [{ chunk: Uint8Array }];
      const hash = sha256(Uint8Array.from(chunk));
      store.set(toHex(hash), hash);
      return management.encodeReply('upload_chunk', [{ hash }]);
    })
    .on('clear_chunk_store', () => {
      store.clear();
      return management.encodeReply('clear_chunk_store', []);
    })
    .on('install_chunked_code', () => {
      if (options.failInstall) throw new CanisterClientError('CANISTER_TRAPPED', 'init trapped');
      return management.encodeReply('install_chunked_code', []);
    })
    .on('install_code', () => {
      if (options.failInstall) throw new CanisterClientError('CANISTER_TRAPPED', 'upgrade trapped');
      return management.encodeReply('install_code', []);
    })
    .on('stop_canister', () => management.encodeReply('stop_canister', []))
    .on('start_canister', () => management.encodeReply('start_canister', []));
  const install = (moduleBytes: Uint8Array, extra: Record<string, unknown> = {}) =>
    installModule(new ManagementCanister(transport), new CanisterStateReader(transport), {
      canisterId: CANISTER,
      module: wasmArtifactFromBytes(moduleBytes),
      ...extra,
    });
  return { transport, store, stats, install };
}

function installArg(transport: RecordedTransport, method = 'install_code'): Record<string, unknown> {
  const call = transport.calls.find((c) => c.method === method);
  expect(call, `${method} was called`).to.not.equal(undefined);
  expect(call!.effectiveCanisterId?.toText()).to.equal(CANISTER);
  return management.decodeArgs(method, call!.arg)[0] as Record<string, unknown>;
}

describe('install (recorded replies)', () => {
  it('auto installs into an empty canister', async () => {
    const { transport, install } = replicaLike();
    const result = await install(canisterModule());
    expect(result.mode).to.equal('install');
    expect(result.previousModuleHash).to.equal(null);
    expect(installArg(transport).mode).to.deep.equal({ install: null });
  });

  it('auto upgrades a canister that has code, without touching Wasm memory for non-EOP modules', async () => {
    const { transport, install } = replicaLike({ installedHash: 'ab'.repeat(32) });
    const result = await install(canisterModule());
    expect(result).to.include({
      mode: 'upgrade',
      previousModuleHash: 'ab'.repeat(32),
      wasmMemoryPersistence: undefined,
    });
    expect(installArg(transport).mode).to.deep.equal({ upgrade: [] });
  });

  it('upgrades Motoko EOP modules with wasm_memory_persistence = keep', async () => {
    const { transport, install } = replicaLike({ installedHash: 'ab'.repeat(32) });
    const result = await install(canisterModule({ eop: true }));
    expect(result.wasmMemoryPersistence).to.equal('keep');
    expect(installArg(transport).mode).to.deep.equal({
      upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }],
    });
  });

  it('reinstall and install modes are passed through as asked', async () => {
    const { transport, install } = replicaLike({ installedHash: 'ab'.repeat(32) });
    expect((await install(canisterModule({ eop: true }), { mode: 'reinstall' })).mode).to.equal('reinstall');
    expect(installArg(transport).mode).to.deep.equal({ reinstall: null });
  });

  it('stops before and starts after an upgrade, also when the upgrade fails', async () => {
    const ok = replicaLike({ installedHash: 'ab'.repeat(32) });
    await ok.install(canisterModule(), { stopBeforeUpgrade: true });
    expect(ok.transport.methods()).to.deep.equal(['stop_canister', 'install_code', 'start_canister']);
    const failing = replicaLike({ installedHash: 'ab'.repeat(32), failInstall: true });
    let error: unknown;
    await failing.install(canisterModule(), { stopBeforeUpgrade: true }).catch((e: unknown) => (error = e));
    expect((error as CanisterClientError).code).to.equal('CANISTER_TRAPPED');
    expect(failing.transport.methods()).to.deep.equal(['stop_canister', 'install_code', 'start_canister']);
  });

  it('installs big modules through the chunk store: ≤ 1 MiB chunks, whole-module hash, store cleared', async () => {
    const { transport, store, stats, install } = replicaLike();
    const bytes = canisterModule({ paddingBytes: 3 * 1024 * 1024 });
    expect(bytes.length).to.be.greaterThan(CHUNKED_INSTALL_THRESHOLD);
    const result = await install(bytes, { chunkConcurrency: 3 });
    expect(result.chunked).to.equal(true);
    expect(result.chunkStats).to.deep.include({ chunks: 4, uploaded: 4, skipped: 0, bytesUploaded: bytes.length });
    expect(stats.maxInFlight).to.equal(3);
    const arg = installArg(transport, 'install_chunked_code') as {
      chunk_hashes_list: Array<{ hash: Uint8Array }>;
      wasm_module_hash: Uint8Array;
      target_canister: Principal;
    };
    expect(arg.target_canister.toText()).to.equal(CANISTER);
    expect(toHex(arg.wasm_module_hash)).to.equal(toHex(sha256(bytes)));
    expect(arg.chunk_hashes_list.map((h) => toHex(h.hash))).to.deep.equal(splitIntoChunks(bytes).map((c) => c.hash));
    for (const call of transport.calls.filter((c) => c.method === 'upload_chunk'))
      expect(call.arg.length).to.be.lessThan(1024 * 1024 + 100);
    expect(transport.methods().at(-1)).to.equal('clear_chunk_store');
    expect(store.size).to.equal(0);
  });

  it('sequential upload (concurrency 1) never has two chunks in flight', async () => {
    const { stats, install } = replicaLike();
    await install(canisterModule({ paddingBytes: 2 * 1024 * 1024 }), { chunkConcurrency: 1 });
    expect(stats.maxInFlight).to.equal(1);
  });

  it('after a failed chunked install the chunks stay, and the retry uploads none of them again', async () => {
    const bytes = canisterModule({ paddingBytes: 3 * 1024 * 1024 });
    const failing = replicaLike({ failInstall: true });
    await failing.install(bytes).catch(() => undefined);
    expect(failing.store.size).to.equal(4);
    expect(failing.transport.methods()).to.not.include('clear_chunk_store');
    // Same replica state, now installing works.
    const retry = replicaLike();
    for (const [key, value] of failing.store) retry.store.set(key, value);
    const result = await retry.install(bytes);
    expect(result.chunkStats).to.deep.include({ uploaded: 0, skipped: 4 });
    expect(retry.transport.methods()).to.not.include('upload_chunk');
  });

  it('chunked: "always" forces the chunk store for small modules, "never" forbids it', async () => {
    const small = replicaLike();
    expect((await small.install(canisterModule(), { chunked: 'always' })).chunked).to.equal(true);
    const big = replicaLike();
    expect(
      (await big.install(canisterModule({ paddingBytes: 2 * 1024 * 1024 }), { chunked: 'never' })).chunked,
    ).to.equal(false);
  });

  it('forEachBounded stops taking new work after a failure', async () => {
    const started: number[] = [];
    const failure = forEachBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('boom');
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    await failure.then(
      () => expect.fail('should fail'),
      (error: Error) => expect(error.message).to.equal('boom'),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(started.length).to.be.lessThan(6);
  });
});
