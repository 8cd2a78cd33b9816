import { bls12_381 } from '@noble/curves/bls12-381';
import { expect } from 'chai';
import {
  blsPublicKey,
  blsSign,
  blsVerificationCount,
  blsVerify,
  ensureBls,
  generateBlsSecretKey,
  IC_BLS_DST,
  verifyBlsSignature,
} from '../src/index.js';

const POP_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const randomBytes = (length: number) => crypto.getRandomValues(new Uint8Array(length));

/** A signature of `message` under `secretKey` hashed to G1 with `dst`, made by @noble/curves. */
function nobleSignatureWithDst(secretKey: Uint8Array, message: Uint8Array, dst: string): Uint8Array {
  const scalar = bls12_381.G1.normPrivateKeyToScalar(secretKey);
  const hashed = bls12_381.G1.hashToCurve(message, { DST: dst }) as unknown as InstanceType<
    typeof bls12_381.G1.ProjectivePoint
  >;
  return hashed.multiply(scalar).toRawBytes(true);
}

describe('@soulrecall/bls: the IC scheme on mcl', () => {
  before(() => ensureBls());

  it('initialises once: every call returns the same promise', () => {
    expect(ensureBls()).to.equal(ensureBls());
  });

  it('hashes to G1 with the IC DST, not mcl’s default (_RO_POP_): a _RO_POP_ signature is refused', () => {
    expect(IC_BLS_DST).to.equal('BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_');
    const secretKey = bls12_381.utils.randomPrivateKey();
    const publicKey = bls12_381.getPublicKeyForShortSignatures(secretKey);
    const message = randomBytes(45);
    const withIcDst = nobleSignatureWithDst(secretKey, message, IC_BLS_DST);
    const withPopDst = nobleSignatureWithDst(secretKey, message, POP_DST);
    // The helper signs as noble's IC-compatible short signatures do, so only the DST differs.
    expect(hex(withIcDst)).to.equal(hex(bls12_381.signShortSignature(message, secretKey) as Uint8Array));
    expect(blsVerify(publicKey, withIcDst, message)).to.equal(true);
    expect(blsVerify(publicKey, withPopDst, message)).to.equal(false);
    expect(bls12_381.verifyShortSignature(withPopDst, message, publicKey)).to.equal(false);
  });

  it('signs byte for byte as @noble/curves does, and derives the same public key', () => {
    for (let i = 0; i < 20; i++) {
      const secretKey = bls12_381.utils.randomPrivateKey();
      const message = randomBytes(1 + i * 7);
      expect(hex(blsSign(secretKey, message))).to.equal(
        hex(bls12_381.signShortSignature(message, secretKey) as Uint8Array),
      );
      expect(hex(blsPublicKey(secretKey))).to.equal(hex(bls12_381.getPublicKeyForShortSignatures(secretKey)));
    }
  });

  it('generates secret keys that @noble/curves reads as the same scalar', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const secretKey = generateBlsSecretKey();
      expect(secretKey).to.have.length(32);
      keys.add(hex(secretKey));
      expect(hex(blsPublicKey(secretKey))).to.equal(hex(bls12_381.getPublicKeyForShortSignatures(secretKey)));
    }
    expect(keys.size).to.equal(10);
  });

  it('refuses secret keys that are not scalars of the group', () => {
    expect(() => blsSign(new Uint8Array(32), randomBytes(8))).to.throw(/zero/);
    expect(() => blsSign(new Uint8Array(31).fill(1), randomBytes(8))).to.throw(/32 bytes/);
    // The group order r itself (big-endian) is out of range.
    const order = Buffer.from('73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001', 'hex');
    expect(() => blsSign(order, randomBytes(8))).to.throw();
  });

  it('answers false, never throws, for wrong lengths and points that are not points', () => {
    const secretKey = bls12_381.utils.randomPrivateKey();
    const publicKey = blsPublicKey(secretKey);
    const message = randomBytes(32);
    const signature = blsSign(secretKey, message);
    expect(blsVerify(publicKey, signature, message)).to.equal(true);
    expect(blsVerify(publicKey.subarray(0, 95), signature, message)).to.equal(false);
    expect(blsVerify(publicKey, signature.subarray(0, 47), message)).to.equal(false);
    expect(blsVerify(publicKey, new Uint8Array([...signature, 0]), message)).to.equal(false);
    expect(blsVerify(signature, publicKey, message)).to.equal(false);
    expect(blsVerify(new Uint8Array(96), new Uint8Array(48), message)).to.equal(false);
  });

  it('refuses the identity as signature and as public key (it would satisfy the pairing for any message)', () => {
    const identityG1 = new Uint8Array(48);
    identityG1[0] = 0xc0;
    const identityG2 = new Uint8Array(96);
    identityG2[0] = 0xc0;
    const secretKey = bls12_381.utils.randomPrivateKey();
    const message = randomBytes(16);
    expect(blsVerify(blsPublicKey(secretKey), identityG1, message)).to.equal(false);
    expect(blsVerify(identityG2, blsSign(secretKey, message), message)).to.equal(false);
    expect(blsVerify(identityG2, identityG1, message)).to.equal(false);
  });

  it('the asynchronous form gives the same answers and counts its checks', async () => {
    const secretKey = bls12_381.utils.randomPrivateKey();
    const message = randomBytes(16);
    const before = blsVerificationCount();
    expect(await verifyBlsSignature(blsPublicKey(secretKey), blsSign(secretKey, message), message)).to.equal(true);
    expect(await verifyBlsSignature(blsPublicKey(secretKey), blsSign(secretKey, message), randomBytes(16))).to.equal(
      false,
    );
    expect(blsVerificationCount()).to.equal(before + 2);
  });
});
