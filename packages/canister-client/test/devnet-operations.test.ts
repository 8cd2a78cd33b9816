import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { CanisterClient } from '../src/canister-client.js';
import { wasmArtifactFromBytes } from '../src/artifact.js';
import { splitIntoChunks } from '../src/management/chunked-upload.js';
import { EMPTY_CANDID_ARGS } from '../src/management/install.js';
import { MANAGEMENT_CANISTER_ID } from '../src/principal.js';
import { expectClientError, useDevnet } from './support/devnet.js';
import { canisterModule } from './support/wasm-fixtures.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('canister operations against the devnet', function () {
  this.timeout(120_000);
  const fixture = useDevnet();
  let client: CanisterClient;
  let canisterId: string;

  before(async () => {
    client = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    canisterId = await client.createCanister();
  });

  it('creates a canister controlled by the caller, empty', async () => {
    const status = await client.status(canisterId);
    expect(status).to.include({ canisterId, status: 'running', moduleHash: null });
    expect(status.settings.controllers).to.deep.equal([client.principal]);
    expect(status.cycles > 0n).to.equal(true);
  });

  it('installs (auto → install) and reads module hash, controllers and candid:service via read_state', async () => {
    const module = wasmArtifactFromBytes(
      canisterModule({
        version: 1,
        customSections: { 'icp:public candid:service': 'service : { health : () -> (bool) query }' },
      }),
    );
    const result = await client.install({ canisterId, module });
    expect(result).to.include({ mode: 'install', previousModuleHash: null, moduleHash: module.sha256, chunked: false });
    expect((await client.status(canisterId)).moduleHash).to.equal(module.sha256);
    expect(await client.info(canisterId)).to.deep.equal({
      canisterId,
      moduleHash: module.sha256,
      controllers: [client.principal],
    });
    expect(await client.candidInterface(canisterId)).to.equal('service : { health : () -> (bool) query }');
    expect(await client.metadata(canisterId, 'no-such-section')).to.equal(undefined);
  });

  it('upgrades (auto → upgrade) with stop before and start after', async () => {
    const v2 = wasmArtifactFromBytes(canisterModule({ version: 2 }));
    const events: string[] = [];
    const result = await client.install({
      canisterId,
      module: v2,
      stopBeforeUpgrade: true,
      onProgress: (event) => events.push(event.step),
    });
    expect(result).to.include({ mode: 'upgrade', moduleHash: v2.sha256, stoppedForUpgrade: true });
    expect(events).to.deep.equal(['mode', 'stop', 'install', 'start']);
    const status = await client.status(canisterId);
    expect(status).to.include({ status: 'running', moduleHash: v2.sha256 });
  });

  it('reinstalls, and installs gzipped modules (module hash = sha256 of the gzip bytes)', async () => {
    const gz = wasmArtifactFromBytes(new Uint8Array(gzipSync(canisterModule({ version: 3 }))));
    const result = await client.install({ canisterId, module: gz, mode: 'reinstall' });
    expect(result.mode).to.equal('reinstall');
    expect(await client.moduleHash(canisterId)).to.equal(gz.sha256);
  });

  it('collects logs (fetch_canister_logs as a query)', async () => {
    await client.update(canisterId, 'greet', EMPTY_CANDID_ARGS);
    const logs = await client.logs(canisterId);
    expect(logs.map((record) => record.text)).to.include('hello from v3');
    expect(logs.at(-1)!.timestamp).to.be.instanceOf(Date);
  });

  it('stops and starts; a stopped canister rejects calls with CANISTER_STOPPED', async () => {
    await client.stop(canisterId);
    expect((await client.status(canisterId)).status).to.equal('stopped');
    await expectClientError(client.update(canisterId, 'greet', EMPTY_CANDID_ARGS), 'CANISTER_STOPPED');
    const verdict = await client.health(canisterId, { method: 'health' });
    expect(verdict).to.include({ healthy: false, status: 'stopped', reachable: true });
    await client.start(canisterId);
    expect((await client.status(canisterId)).status).to.equal('running');
  });

  it('classifies traps, missing methods and invalid arguments', async () => {
    await expectClientError(client.update(canisterId, 'boom_update', EMPTY_CANDID_ARGS), 'CANISTER_TRAPPED');
    await expectClientError(client.query(canisterId, 'boom', EMPTY_CANDID_ARGS), 'CANISTER_TRAPPED');
    await expectClientError(client.query(canisterId, 'no_such_method', EMPTY_CANDID_ARGS), 'METHOD_NOT_FOUND');
    await expectClientError(client.status('not-a-principal'), 'INVALID_ARGUMENT');
    // The replica's own verdicts on a malformed argument and an unknown management method.
    const management = { canisterId: MANAGEMENT_CANISTER_ID, effectiveCanisterId: Principal.fromText(canisterId) };
    await expectClientError(
      client.transport.update({ ...management, method: 'canister_status', arg: Uint8Array.of(1, 2, 3) }),
      'INVALID_ARGUMENT',
    );
    await expectClientError(
      client.transport.update({ ...management, method: 'no_such_method', arg: EMPTY_CANDID_ARGS }),
      'METHOD_NOT_FOUND',
    );
  });

  it('updates settings and controllers', async () => {
    const other = Ed25519KeyIdentity.generate().getPrincipal().toText();
    await client.updateSettings(canisterId, { freezingThreshold: 1234n, logVisibility: 'public' });
    let status = await client.status(canisterId);
    expect(status.settings).to.include({ freezingThreshold: 1234n, logVisibility: 'public' });
    await client.setControllers(canisterId, [client.principal, other]);
    expect((await client.controllers(canisterId)).sort()).to.deep.equal([client.principal, other].sort());
    await client.setControllers(canisterId, [client.principal]);
    status = await client.status(canisterId);
    expect(status.settings.controllers).to.deep.equal([client.principal]);
  });

  it('takes, lists, loads and deletes snapshots', async () => {
    const before = await client.moduleHash(canisterId);
    await client.stop(canisterId);
    const snapshot = await client.takeSnapshot(canisterId);
    expect(snapshot.id).to.match(/^[0-9a-f]+$/);
    expect((await client.listSnapshots(canisterId)).map((s) => s.id)).to.deep.equal([snapshot.id]);
    await client.start(canisterId);
    await client.install({ canisterId, module: wasmArtifactFromBytes(canisterModule({ version: 4 })) });
    expect(await client.moduleHash(canisterId)).to.not.equal(before);
    await client.stop(canisterId);
    await client.loadSnapshot(canisterId, snapshot.id);
    await client.start(canisterId);
    expect(await client.moduleHash(canisterId)).to.equal(before);
    await client.deleteSnapshot(canisterId, snapshot.id);
    expect(await client.listSnapshots(canisterId)).to.deep.equal([]);
  });

  it('deletes a canister (stopping it first); afterwards it is CANISTER_NOT_FOUND', async () => {
    const doomed = await client.createCanister();
    await client.delete(doomed);
    await expectClientError(client.status(doomed), 'CANISTER_NOT_FOUND');
    const verdict = await client.health(doomed);
    expect(verdict).to.include({ healthy: false, reachable: true });
  });

  describe('chunked install of a 5 MiB module', () => {
    let big: ReturnType<typeof wasmArtifactFromBytes>;
    let target: string;
    before(async () => {
      big = wasmArtifactFromBytes(canisterModule({ version: 5, paddingBytes: 5 * 1024 * 1024 }));
      target = await client.createCanister();
    });

    it("installs through the chunk store; the on-chain module hash equals the file's sha256", async () => {
      const result = await client.install({ canisterId: target, module: big });
      expect(result.chunked).to.equal(true);
      expect(result.chunkStats).to.deep.include({ chunks: 6, uploaded: 6, skipped: 0 });
      expect(await client.moduleHash(target)).to.equal(sha256(big.bytes));
      expect((await client.status(target)).moduleHash).to.equal(big.sha256);
      expect(await client.management.storedChunks(target)).to.deep.equal([]); // cleared after success
      const verdict = await client.health(target, { method: 'health' });
      expect(verdict.healthy).to.equal(true);
    });

    it('a re-run after an interruption uploads only the chunks the store does not have', async () => {
      // The interrupted attempt got two chunks into the store before dying.
      const chunks = splitIntoChunks(big.bytes);
      for (const chunk of chunks.slice(0, 2)) await client.management.uploadChunk(target, chunk.bytes);
      expect((await client.management.storedChunks(target)).sort()).to.deep.equal(
        chunks
          .slice(0, 2)
          .map((c) => c.hash)
          .sort(),
      );
      const before = { ...client.stats };
      const result = await client.install({ canisterId: target, module: big, mode: 'reinstall' });
      expect(result.chunkStats).to.deep.include({ chunks: 6, uploaded: 4, skipped: 2 });
      expect(client.stats.chunksUploaded - before.chunksUploaded).to.equal(4);
      expect(client.stats.chunksSkipped - before.chunksSkipped).to.equal(2);
      expect(await client.moduleHash(target)).to.equal(big.sha256);
    });
  });
});
