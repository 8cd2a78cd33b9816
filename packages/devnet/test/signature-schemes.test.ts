import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { expect } from 'chai';
import { type KeyScheme, type SenderPublicKey, verifySignature } from '../src/crypto/signature-schemes.js';

const randomBytes = (length: number) => crypto.getRandomValues(new Uint8Array(length));
const flipBit = (bytes: Uint8Array, bit: number) => {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
};

interface Signer {
  scheme: KeyScheme;
  /** Public keys of one secret key, in every encoding a sender may use. */
  publicKeys(secret: Uint8Array): Uint8Array[];
  secret(): Uint8Array;
  /** Signatures of one message: for ECDSA both the low-S one and its high-S twin (the IC accepts both). */
  sign(message: Uint8Array, secret: Uint8Array): Uint8Array[];
  /** @noble/curves' answer, the reference the devnet used before node:crypto. */
  reference(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

function ecdsa(scheme: 'secp256k1' | 'p256', curve: typeof secp256k1 | typeof p256): Signer {
  return {
    scheme,
    secret: () => curve.utils.randomPrivateKey(),
    publicKeys: (secret) => [curve.getPublicKey(secret, false), curve.getPublicKey(secret, true)],
    sign(message, secret) {
      const low = curve.sign(sha256(message), secret, { lowS: true });
      const high = new curve.Signature(low.r, curve.CURVE.n - low.s);
      return [low.toCompactRawBytes(), high.toCompactRawBytes()];
    },
    reference: (signature, message, publicKey) =>
      signature.length === 64 && curve.verify(signature, sha256(message), publicKey, { lowS: false }),
  };
}

const SIGNERS: Signer[] = [
  {
    scheme: 'ed25519',
    secret: () => ed25519.utils.randomPrivateKey(),
    publicKeys: (secret) => [ed25519.getPublicKey(secret)],
    sign: (message, secret) => [ed25519.sign(message, secret)],
    reference: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey),
  },
  ecdsa('secp256k1', secp256k1),
  ecdsa('p256', p256),
];

describe('devnet request signatures: node:crypto answers as @noble/curves does', () => {
  for (const signer of SIGNERS) {
    it(`${signer.scheme}: valid signatures pass, tampered ones and other keys' fail, as with noble`, () => {
      let cases = 0;
      for (let i = 0; i < 25; i++) {
        const secret = signer.secret();
        const other = signer.publicKeys(signer.secret())[0]!;
        const message = randomBytes(1 + i * 3);
        for (const raw of signer.publicKeys(secret)) {
          const key: SenderPublicKey = { scheme: signer.scheme, raw };
          for (const signature of signer.sign(message, secret)) {
            const variants: Array<[Uint8Array, Uint8Array, Uint8Array, boolean]> = [
              [signature, message, raw, true],
              [signature, flipBit(message, i % (message.length * 8)), raw, false],
              [flipBit(signature, (i * 13) % 512), message, raw, false],
              [signature.subarray(0, 63), message, raw, false],
              [new Uint8Array([...signature, 0]), message, raw, false],
              [signature, message, other, false],
            ];
            for (const [sig, msg, publicKey, valid] of variants) {
              const answer = verifySignature({ ...key, raw: publicKey }, msg, sig);
              const reference = (() => {
                try {
                  return signer.reference(sig, msg, publicKey);
                } catch {
                  return false;
                }
              })();
              expect(answer, `${signer.scheme} case ${cases}`).to.equal(reference);
              expect(answer, `${signer.scheme} case ${cases}`).to.equal(valid);
              cases++;
            }
          }
        }
      }
    });
  }

  it('a key of the wrong length for its scheme is refused, not thrown', () => {
    expect(verifySignature({ scheme: 'ed25519', raw: randomBytes(31) }, randomBytes(8), randomBytes(64))).to.equal(
      false,
    );
    expect(verifySignature({ scheme: 'p256', raw: randomBytes(64) }, randomBytes(8), randomBytes(64))).to.equal(false);
  });
});
