import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { expect } from 'chai';
import { CanisterClient } from '../src/canister-client.js';
import { EMPTY_CANDID_ARGS } from '../src/management/install.js';
import { decodeSnapshotArchive, encodeSnapshotArchive } from '../src/snapshots/archive.js';
import type { UploadCheckpoint } from '../src/snapshots/transfer.js';
import { expectClientError, useDevnet } from './support/devnet.js';

const dist = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'), 'examples/agent/dist');

/** Snapshot download and upload against the devnet (real HTTP, every verification on). */
describe('snapshot download and upload against the devnet', function () {
  this.timeout(300_000);
  const fixture = useDevnet();
  let client: CanisterClient;
  let source: string;
  let snapshotId: string;

  const recall = async (canisterId: string) =>
    IDL.decode([IDL.Vec(IDL.Text)], await client.query(canisterId, 'recall', EMPTY_CANDID_ARGS))[0];

  before(async () => {
    client = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    source = await client.createCanister();
    await client.install({ canisterId: source, module: path.join(dist, 'agent-v1.wasm') });
    for (const memory of ['likes tea', 'lives in Zurich'])
      await client.update(source, 'remember', new Uint8Array(IDL.encode([IDL.Text], [memory])));
    snapshotId = (await client.takeSnapshot(source)).id;
  });

  it('moves the agent into a new canister through a snapshot file, resuming an upload cut off half-way', async () => {
    const downloaded = await client.downloadSnapshot(source, snapshotId);
    expect(downloaded.metadata).to.include({ source: 'taken_from_canister' });
    expect(downloaded.sections.wasm_memory.length).to.equal(downloaded.metadata.wasmMemorySize).and.be.greaterThan(0);
    // Through a file and back, as an off-chain backup travels.
    const { content } = decodeSnapshotArchive(encodeSnapshotArchive(downloaded, { canisterId: source }).bytes);

    const target = await client.createCanister();
    const checkpoints: UploadCheckpoint[] = [];
    const cutOff = await client
      .uploadSnapshot(target, content, {
        concurrency: 1,
        onCheckpoint: (checkpoint) => {
          checkpoints.push(checkpoint);
          if (checkpoint.done.length === 1) throw new Error('the connection dropped');
        },
      })
      .catch((error: unknown) => error);
    expect((cutOff as Error).message).to.equal('the connection dropped');
    const resumed = await client.uploadSnapshot(target, content, { resume: checkpoints[checkpoints.length - 1] });
    expect(resumed).to.include({ resumed: true, snapshotId: checkpoints[0]!.snapshotId });
    expect(resumed.skipped).to.be.at.least(1);
    expect((await client.listSnapshots(target)).map((snapshot) => snapshot.id)).to.deep.equal([resumed.snapshotId]);

    await client.loadSnapshot(target, resumed.snapshotId);
    expect(await recall(target)).to.deep.equal(['likes tea', 'lives in Zurich']);
    expect((await client.status(target)).moduleHash).to.equal((await client.status(source)).moduleHash);
    const upgrade = await client.install({
      canisterId: target,
      module: path.join(dist, 'agent-v2.wasm'),
      stopBeforeUpgrade: true,
    });
    expect(upgrade.wasmMemoryPersistence).to.equal('keep');
    expect(await recall(target)).to.deep.equal(['lives in Zurich', 'likes tea']);
  });

  it('an unknown snapshot is SNAPSHOT_NOT_FOUND; another identity is NOT_A_CONTROLLER', async () => {
    await expectClientError(client.downloadSnapshot(source, `${snapshotId.slice(0, -2)}ff`), 'SNAPSHOT_NOT_FOUND');
    const stranger = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    await expectClientError(stranger.readSnapshotMetadata(source, snapshotId), 'NOT_A_CONTROLLER');
  });
});
