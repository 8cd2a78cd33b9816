import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStoreError, sha256Hex } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { SHA_A, seedCanister, tempStore } from './helpers.js';

describe('off-chain backups (snapshot files)', () => {
  let store: HistoryStore;
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ store, dir, cleanup } = tempStore({ actor: { principal: 'ops' } }));
    seedCanister(store, 'c1', 'production');
  });
  afterEach(() => cleanup());

  it('stores snapshot files content-addressed under <data dir>/backups, once', () => {
    const bytes = new TextEncoder().encode('a snapshot file');
    const stored = store.snapshotFiles.put(bytes);
    expect(stored).to.deep.equal({
      sha256: sha256Hex(bytes),
      size: bytes.length,
      path: join(dir, 'backups', `${sha256Hex(bytes)}.snapshot`),
    });
    const written = statSync(stored.path).mtimeMs;
    expect(store.snapshotFiles.put(bytes).path).to.equal(stored.path);
    expect(statSync(stored.path).mtimeMs).to.equal(written);
    expect(readFileSync(stored.path)).to.deep.equal(Buffer.from(bytes));
    expect(store.snapshotFiles.has(stored.sha256)).to.equal(true);
    store.snapshotFiles.remove(stored.sha256);
    expect(existsSync(stored.path)).to.equal(false);
    expect(() => store.snapshotFiles.read(stored.sha256))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(() => store.snapshotFiles.pathOf('../etc/passwd'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('records where a backup lives: on the network, then also on disk, then on disk only once its canister is deleted', () => {
    const backup = store.backups.record({
      environment: 'production',
      canisterId: 'c1',
      snapshotId: '01',
      moduleSha256: SHA_A,
    });
    expect(backup).to.include({ source: 'taken', moduleSha256: SHA_A, archive: null, deletedAt: null });
    const file = store.snapshotFiles.put(Uint8Array.of(1, 2, 3));
    const downloaded = store.backups.attachArchive(backup.id, { sha256: file.sha256, size: file.size });
    expect(downloaded.archive).to.include({ sha256: file.sha256, size: 3, path: file.path });
    expect(store.timeline({ kinds: ['backup'] })[0]!.summary).to.match(/^downloaded backup bak-/);
    expect(store.backups.withArchive(file.sha256).map((b) => b.id)).to.deep.equal([backup.id]);

    store.canisters.decommission({ environment: 'production', canisterId: 'c1', reason: 'gone' });
    const after = store.backups.require(backup.id);
    expect(after.deletedAt).to.be.a('string');
    expect(after.archive?.sha256).to.equal(file.sha256);
    // Still listed: it lives on disk. A backup without a file is gone and listed only on request.
    const other = store.backups.list({ includeDeleted: true }).length;
    expect(store.backups.list().map((b) => b.id)).to.deep.equal([backup.id]);
    expect(other).to.equal(1);
  });

  it('records an uploaded snapshot with its file from the start', () => {
    const backup = store.backups.record({
      environment: 'production',
      canisterId: 'c1',
      snapshotId: '02',
      source: 'uploaded',
      archive: { sha256: 'b'.repeat(64), size: 10 },
    });
    expect(backup.source).to.equal('uploaded');
    expect(backup.archive).to.include({ sha256: 'b'.repeat(64), size: 10 });
    expect(() =>
      store.backups.record({
        environment: 'production',
        canisterId: 'c1',
        snapshotId: '03',
        archive: { sha256: 'nope', size: 1 },
      }),
    )
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
    expect(() => store.backups.attachArchive(backup.id, { sha256: 'NOPE', size: 1 }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('records the write pause of a promotion', () => {
    const promotion = store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: 'production',
      strategy: 'blue-green',
    });
    expect(promotion.writePauseMs).to.equal(null);
    expect(store.promotions.update(promotion.id, { writePauseMs: 412 }).writePauseMs).to.equal(412);
    expect(store.promotions.list({ agent: 'bot' })[0]!.writePauseMs).to.equal(412);
    expect(() => store.promotions.update(promotion.id, { writePauseMs: -1 }))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });
});
