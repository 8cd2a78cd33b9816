import { expect } from 'chai';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { ed25519 } from '@noble/curves/ed25519';
import { useSmallEd25519Table } from '../src/query-signatures.js';

describe("the agent's Ed25519 check of query signatures, with a smaller base-point table", () => {
  it("tunes the agent's own copy of @noble/curves (npm resolves both to one file)", () => {
    const fromAgent = createRequire(createRequire(import.meta.url).resolve('@dfinity/agent'));
    const fromHere = createRequire(import.meta.url);
    expect(fromAgent.resolve('@noble/curves/ed25519')).to.equal(fromHere.resolve('@noble/curves/ed25519'));
  });

  it('gives the same answers: node:crypto signatures verify, tampered ones do not', () => {
    useSmallEd25519Table();
    for (let i = 0; i < 40; i++) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
      const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
      const message = crypto.randomBytes(32 + i);
      const signature = new Uint8Array(crypto.sign(null, message, privateKey));
      expect(ed25519.verify(signature, message, raw), `valid #${i}`).to.equal(true);
      const tampered = signature.slice();
      tampered[i % 64]! ^= 1 << (i % 8);
      expect(ed25519.verify(tampered, message, raw), `tampered signature #${i}`).to.equal(false);
      const otherMessage = Buffer.from(message);
      otherMessage[0]! ^= 1;
      expect(ed25519.verify(signature, otherMessage, raw), `other message #${i}`).to.equal(false);
    }
  });
});
