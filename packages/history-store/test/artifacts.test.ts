import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStoreError, sha256Hex } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { tempStore } from './helpers.js';

describe('artifacts', () => {
  let store: HistoryStore;
  let dir: string;
  let cleanup: () => void;
  const module = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x2a]);
  const sha = createHash('sha256').update(module).digest('hex');

  beforeEach(() => ({ store, dir, cleanup } = tempStore()));
  afterEach(() => cleanup());

  it('stores a module under artifacts/<sha256>.wasm and records size and first-seen time', () => {
    const artifact = store.artifacts.put(module);
    expect(artifact).to.include({ sha256: sha, size: module.length, path: join(dir, 'artifacts', `${sha}.wasm`) });
    expect(readFileSync(artifact.path)).to.deep.equal(module);
    expect(store.artifacts.info(sha)).to.deep.equal(artifact);
    expect(store.artifacts.list()).to.deep.equal([artifact]);
    expect(sha256Hex(module)).to.equal(sha);
    // No temporary files are left behind.
    expect(readdirSync(join(dir, 'artifacts'))).to.deep.equal([`${sha}.wasm`]);
  });

  it('is idempotent: the same bytes keep their first-seen time and one audit entry', () => {
    const first = store.artifacts.put(module);
    const again = store.artifacts.put(Buffer.from(module));
    expect(again).to.deep.equal(first);
    expect(store.audit.list({ action: 'artifact.put' })).to.have.length(1);
  });

  it('stores a module from a file', () => {
    const file = join(dir, 'agent.wasm');
    writeFileSync(file, module);
    expect(store.artifacts.putFile(file).sha256).to.equal(sha);
    expect(() => store.artifacts.putFile(join(dir, 'missing.wasm')))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });

  it('reads modules back verified, and reports whether it has them', () => {
    expect(store.artifacts.has(sha)).to.equal(false);
    store.artifacts.put(module);
    expect(store.artifacts.has(sha)).to.equal(true);
    expect(store.artifacts.get(sha)).to.deep.equal(module);
    expect(() => store.artifacts.get('0'.repeat(64)))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
    expect(() => store.artifacts.get('../../etc/passwd'))
      .to.throw(HistoryStoreError)
      .with.property('code', 'INVALID_ARGUMENT');
  });

  it('detects a damaged module file on read, and repairs it on the next put', () => {
    const artifact = store.artifacts.put(module);
    writeFileSync(artifact.path, Buffer.from('tampered'));
    expect(() => store.artifacts.get(sha))
      .to.throw(HistoryStoreError)
      .with.property('code', 'ARTIFACT_CORRUPT');
    store.artifacts.put(module);
    expect(store.artifacts.get(sha)).to.deep.equal(module);
  });

  it('reports a recorded module whose file disappeared as missing', () => {
    const artifact = store.artifacts.put(module);
    unlinkSync(artifact.path);
    expect(store.artifacts.info(sha)).to.not.equal(null);
    expect(store.artifacts.has(sha)).to.equal(false);
    expect(() => store.artifacts.get(sha))
      .to.throw(HistoryStoreError)
      .with.property('code', 'NOT_FOUND');
  });
});
