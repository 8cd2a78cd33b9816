import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { readWasmArtifact, wasmArtifactFromBytes } from '../src/artifact.js';
import { CanisterClientError } from '../src/errors.js';
import { EOP_SECTION } from '../src/wasm-sections.js';
import { canisterModule } from './support/wasm-fixtures.js';

describe('module artifacts', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, bytes: Uint8Array | string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const expectCode = async (promise: Promise<unknown>, code: string) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${code}`).to.be.instanceOf(CanisterClientError);
    expect((error as CanisterClientError).code).to.equal(code);
    expect((error as CanisterClientError).hint).to.be.a('string');
  };

  it('reads a module with its sha256, size and custom sections', async () => {
    const bytes = canisterModule({ customSections: { 'icp:public candid:service': 'service : {}' } });
    const artifact = await readWasmArtifact(write('a.wasm', bytes));
    expect(artifact.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    expect(artifact).to.include({ size: bytes.length, gzipped: false, enhancedOrthogonalPersistence: false });
    expect(artifact.customSections).to.deep.equal(['icp:public candid:service']);
  });

  it('detects the Motoko EOP section, also inside a gzipped module (hash of the gzip bytes)', async () => {
    const gz = new Uint8Array(gzipSync(canisterModule({ eop: true })));
    const artifact = await readWasmArtifact(write('a.wasm.gz', gz));
    expect(artifact).to.include({
      gzipped: true,
      enhancedOrthogonalPersistence: true,
      sha256: createHash('sha256').update(gz).digest('hex'),
    });
    expect(artifact.customSections).to.include(EOP_SECTION);
  });

  it('WASM_NOT_FOUND, WASM_EMPTY, WASM_INVALID, WASM_TOO_LARGE', async () => {
    await expectCode(readWasmArtifact(path.join(dir, 'missing.wasm')), 'WASM_NOT_FOUND');
    await expectCode(readWasmArtifact(write('empty.wasm', '')), 'WASM_EMPTY');
    await expectCode(readWasmArtifact(write('src.mo', 'actor { }')), 'WASM_INVALID');
    await expectCode(readWasmArtifact(dir), 'WASM_INVALID');
    await expectCode(readWasmArtifact(write('bad.gz', Uint8Array.of(0x1f, 0x8b, 0x08, 1, 2, 3))), 'WASM_INVALID');
    await expectCode(readWasmArtifact(write('text.gz', gzipSync('hello'))), 'WASM_INVALID');
    const truncated = canisterModule().subarray(0, 40);
    await expectCode(readWasmArtifact(write('truncated.wasm', truncated)), 'WASM_INVALID');
    await expectCode(readWasmArtifact(write('big.wasm', canisterModule()), { maxBytes: 100 }), 'WASM_TOO_LARGE');
  });

  it('validates bytes already in memory the same way', () => {
    expect(() => wasmArtifactFromBytes(Uint8Array.of(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0))).to.throw(
      CanisterClientError,
      /version/,
    );
    expect(wasmArtifactFromBytes(canisterModule(), 'agent.wasm').source).to.equal('agent.wasm');
  });
});
