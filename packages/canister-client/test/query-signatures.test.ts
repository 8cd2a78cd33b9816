import { expect } from 'chai';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { ed25519 } from '@noble/curves/ed25519';
import { nobleEd25519Verify, useNativeEd25519InAgent } from '../src/query-signatures.js';

const { Point } = ed25519;
const ORDER = Point.Fn.ORDER;
const P = 2n ** 255n - 19n;

const toLittleEndian = (n: bigint): Uint8Array =>
  new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse());
const fromLittleEndian = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
const randomScalar = (): bigint => (fromLittleEndian(crypto.randomBytes(64)) % (ORDER - 1n)) + 1n;
/** k = SHA-512(R ‖ A ‖ M) mod L, as both RFC 8032 and ZIP-215 define it. */
const challenge = (r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint =>
  fromLittleEndian(crypto.createHash('sha512').update(r).update(a).update(message).digest()) % ORDER;
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A point of order 8, the torsion that ZIP-215's cofactored equation clears and RFC 8032's does not. */
function pointOfOrder8(): InstanceType<typeof Point> {
  for (;;) {
    try {
      const point = Point.fromBytes(crypto.randomBytes(32), false);
      const torsion = point.multiply(ORDER - 1n).add(point); // [L]P: P's torsion part, times 5
      if (!torsion.double().double().is0()) return torsion;
    } catch {
      // not a point's encoding; draw again
    }
  }
}

/** A signature made by hand: R = [r]B, S = r + k·a, k hashed over the bytes of R and A. */
function signByHand(secret: bigint, publicKey: Uint8Array, message: Uint8Array) {
  const nonce = randomScalar();
  const r = Point.BASE.multiply(nonce).toBytes();
  const s = (nonce + challenge(r, publicKey, message) * secret) % ORDER;
  return { r, s };
}

interface Case {
  kind: string;
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
  /** What noble answers, where the case is built to have one answer. */
  expected?: boolean;
}

function differentialCases(): Case[] {
  const cases: Case[] = [];
  const torsion = pointOfOrder8();
  for (let i = 0; i < 250; i++) {
    const { privateKey, publicKey: keyObject } = crypto.generateKeyPairSync('ed25519');
    const publicKey = new Uint8Array(keyObject.export({ format: 'der', type: 'spki' }).subarray(-32));
    const message = new Uint8Array(crypto.randomBytes(i % 97));
    const signature = new Uint8Array(crypto.sign(null, message, privateKey));
    cases.push({ kind: 'valid (node:crypto)', signature, message, publicKey, expected: true });
    const tampered = signature.slice();
    tampered[i % 64]! ^= 1 << (i % 8);
    cases.push({ kind: 'a bit of the signature flipped', signature: tampered, message, publicKey });
    const otherMessage = concat(message, new Uint8Array([i & 0xff]));
    cases.push({ kind: 'another message', signature, message: otherMessage, publicKey, expected: false });
    if (i % 5 === 0) {
      const s = fromLittleEndian(signature.subarray(32)) + ORDER;
      if (s < 2n ** 256n) {
        const unreduced = concat(signature.subarray(0, 32), toLittleEndian(s));
        cases.push({ kind: 'S + L (not reduced)', signature: unreduced, message, publicKey, expected: false });
      }
      const otherKey = Point.BASE.multiply(randomScalar()).toBytes();
      cases.push({ kind: 'another key', signature, message, publicKey: otherKey, expected: false });
      cases.push({ kind: 'random bytes', signature: new Uint8Array(crypto.randomBytes(64)), message, publicKey });
    }
  }
  for (let i = 0; i < 100; i++) {
    // A key with a torsion component: ZIP-215 accepts the signature, RFC 8032 (OpenSSL) mostly does not.
    const secret = randomScalar();
    const publicKey = Point.BASE.multiply(secret).add(torsion).toBytes();
    const message = new Uint8Array(crypto.randomBytes(32));
    const { r, s } = signByHand(secret, publicKey, message);
    const signature = concat(r, toLittleEndian(s));
    cases.push({ kind: 'key with torsion (ZIP-215 only)', signature, message, publicKey, expected: true });
  }
  // R = the identity, encoded as y = 1 + p: noble hashes the canonical encoding, OpenSSL the bytes given.
  const identity = Point.ZERO.toBytes();
  const identityNotCanonical = toLittleEndian(1n + P);
  for (let i = 0; i < 50; i++) {
    const secret = randomScalar();
    const publicKey = Point.BASE.multiply(secret).toBytes();
    const message = new Uint8Array(crypto.randomBytes(32));
    const s = (challenge(identity, publicKey, message) * secret) % ORDER;
    const signature = concat(identityNotCanonical, toLittleEndian(s));
    cases.push({ kind: 'R not canonical (ZIP-215 only)', signature, message, publicKey, expected: true });
  }
  // The identity as the key, encoded as y = 1 + p: [S]B = R holds for every message.
  for (let i = 0; i < 20; i++) {
    const s = randomScalar();
    const signature = concat(Point.BASE.multiply(s).toBytes(), toLittleEndian(s));
    const message = new Uint8Array(crypto.randomBytes(16));
    cases.push({ kind: 'key not canonical', signature, message, publicKey: identityNotCanonical, expected: true });
  }
  return cases;
}

describe("the agent's Ed25519 check of query signatures, native first", () => {
  before(() => useNativeEd25519InAgent());

  it("replaces the agent's own copy of @noble/curves' check (npm resolves both to one file)", () => {
    const fromAgent = createRequire(createRequire(import.meta.url).resolve('@dfinity/agent'));
    const fromHere = createRequire(import.meta.url);
    expect(fromAgent.resolve('@noble/curves/ed25519')).to.equal(fromHere.resolve('@noble/curves/ed25519'));
    expect(ed25519.verify).to.not.equal(nobleEd25519Verify);
  });

  it('answers as noble does on over 1,000 valid, tampered and edge-case signatures', () => {
    const cases = differentialCases();
    expect(cases.length).to.be.at.least(1000);
    const answers = new Map<string, { true: number; false: number }>();
    for (const [index, { kind, signature, message, publicKey, expected }] of cases.entries()) {
      const reference = nobleEd25519Verify(signature, message, publicKey);
      if (expected !== undefined) expect(reference, `noble, ${kind} #${index}`).to.equal(expected);
      expect(ed25519.verify(signature, message, publicKey), `${kind} #${index}`).to.equal(reference);
      const tally = answers.get(kind) ?? { true: 0, false: 0 };
      tally[String(reference) as 'true' | 'false']++;
      answers.set(kind, tally);
    }
    // Each kind of case answered as built; flipped bits and random bytes are (almost surely) refused.
    expect(answers.get('a bit of the signature flipped')!.false).to.equal(250);
    expect(answers.get('random bytes')!.true).to.equal(0);
  });

  it('passes options and hex strings to noble unchanged', () => {
    const secret = randomScalar();
    const publicKey = Point.BASE.multiply(secret).add(pointOfOrder8()).toBytes();
    const message = new Uint8Array(crypto.randomBytes(32));
    const { r, s } = signByHand(secret, publicKey, message);
    const signature = concat(r, toLittleEndian(s));
    expect(ed25519.verify(signature, message, publicKey, { zip215: false })).to.equal(
      nobleEd25519Verify(signature, message, publicKey, { zip215: false }),
    );
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(ed25519.verify(hex(signature), hex(message), hex(publicKey))).to.equal(true);
  });
});
