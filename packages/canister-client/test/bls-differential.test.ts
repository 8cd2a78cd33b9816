/**
 * @soulrecall/bls (mcl) against the reference, @noble/curves (what @dfinity/agent uses by
 * default), on the BLS signatures of real certificates: the devnet's (signed by its certifier
 * with its network keys) and a recorded mainnet certificate with a delegation. Each valid
 * (key, signature, message) is also tampered with in every way a certificate can be wrong; both
 * implementations must give the same answer for every case, and true exactly for the valid ones.
 */
import { Cbor, IC_ROOT_KEY, lookup_path, lookupResultToBuffer, reconstruct, type HashTree } from '@dfinity/agent';
import { bls12_381 } from '@noble/curves/bls12-381';
import { blsVerify, ensureBls } from '@soulrecall/bls';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Certifier } from '../../devnet/src/crypto/certifier.js';
import { loadOrCreateNetworkKeys } from '../../devnet/src/crypto/network-keys.js';
import { MAINNET_CERTIFICATE_HEX } from './support/mainnet-certificate.js';

interface SignedMessage {
  source: string;
  publicKey: Uint8Array;
  signature: Uint8Array;
  message: Uint8Array;
}

interface Case extends SignedMessage {
  variant: string;
  valid: boolean;
}

const DEVNET_CERTIFICATES = 76;
const STATE_ROOT = new Uint8Array([13, ...new TextEncoder().encode('ic-state-root')]);
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const rawKey = (der: Uint8Array) => der.slice(der.length - 96);

/** A deterministic stream of numbers, so a failing case can be found again. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

/**
 * The signed messages of a certificate: its delegation's (if any) and its own, each with the key that must have signed
 * it.
 */
async function signedMessagesOf(
  source: string,
  certificate: Uint8Array,
  rootKey: Uint8Array,
): Promise<SignedMessage[]> {
  const cert = Cbor.decode<{
    tree: HashTree;
    signature: Uint8Array;
    delegation?: { subnet_id: Uint8Array; certificate: Uint8Array };
  }>(certificate);
  const signed: SignedMessage[] = [];
  let key = rawKey(rootKey);
  if (cert.delegation) {
    const delegation = Cbor.decode<{ tree: HashTree; signature: Uint8Array }>(cert.delegation.certificate);
    signed.push({
      source: `${source} (delegation)`,
      publicKey: key,
      signature: delegation.signature,
      message: new Uint8Array([...STATE_ROOT, ...(await reconstruct(delegation.tree))]),
    });
    key = rawKey(
      lookupResultToBuffer(lookup_path(['subnet', cert.delegation.subnet_id, 'public_key'], delegation.tree))!,
    );
  }
  signed.push({
    source,
    publicKey: key,
    signature: cert.signature,
    message: new Uint8Array([...STATE_ROOT, ...(await reconstruct(cert.tree))]),
  });
  return signed;
}

/**
 * Compressed G1 encodings of points that are not points: an x with no y on the curve, and one on the curve outside the
 * subgroup.
 */
function invalidG1Points(next: () => number): { offCurve: Uint8Array; outsideSubgroup: Uint8Array } {
  const Fp = bls12_381.fields.Fp;
  const found: { offCurve?: Uint8Array; outsideSubgroup?: Uint8Array } = {};
  while (!found.offCurve || !found.outsideSubgroup) {
    const x = BigInt(next()) * BigInt(next()) * BigInt(next());
    const encoded = fromHex(x.toString(16).padStart(96, '0'));
    encoded[0]! |= 0x80;
    let y: bigint | undefined;
    try {
      y = Fp.sqrt(bls12_381.G1.weierstrassEquation(Fp.create(x)));
    } catch {
      found.offCurve ??= encoded;
      continue;
    }
    const point = new bls12_381.G1.ProjectivePoint(Fp.create(x), y, Fp.ONE);
    if (!point.isTorsionFree()) found.outsideSubgroup ??= encoded;
  }
  return found as { offCurve: Uint8Array; outsideSubgroup: Uint8Array };
}

/** The reference answer: @noble/curves, whose exceptions (malformed points) mean "not valid", as in @dfinity/agent. */
function nobleVerify({ publicKey, signature, message }: SignedMessage): boolean {
  try {
    return bls12_381.verifyShortSignature(signature, message, publicKey);
  } catch {
    return false;
  }
}

describe('BLS differential: @soulrecall/bls (mcl) answers as @noble/curves does', function () {
  this.timeout(180_000);
  const cases: Case[] = [];
  let tempDir: string;

  before(async () => {
    await ensureBls();
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-bls-'));
    const stateDir = (name: string) => fs.mkdirSync(path.join(tempDir, name), { recursive: true })!;
    const keys = await loadOrCreateNetworkKeys(stateDir('devnet'));
    const otherKeys = await loadOrCreateNetworkKeys(stateDir('other-devnet'));
    const certifier = new Certifier(keys);
    const next = numbers(19);
    const signed: SignedMessage[] = [];
    for (let i = 0; i < DEVNET_CERTIFICATES; i++) {
      const value = crypto.getRandomValues(new Uint8Array(1 + (next() % 64)));
      const certificate = certifier.certify(
        [{ path: ['request_status', new Uint8Array([i]), 'reply'], value }],
        BigInt(Date.now()) * 1_000_000n + BigInt(i),
      );
      signed.push(...(await signedMessagesOf(`devnet certificate ${i}`, certificate, keys.rootKeyDer)));
    }
    const mainnet = await signedMessagesOf(
      'mainnet certificate',
      fromHex(MAINNET_CERTIFICATE_HEX),
      fromHex(IC_ROOT_KEY),
    );
    expect(mainnet).to.have.length(2);
    signed.push(...mainnet);

    const { offCurve, outsideSubgroup } = invalidG1Points(next);
    const identityG1 = new Uint8Array(48);
    identityG1[0] = 0xc0;
    const identityG2 = new Uint8Array(96);
    identityG2[0] = 0xc0;
    const devnetKey = rawKey(keys.rootKeyDer);
    for (const [index, item] of signed.entries()) {
      // Another valid signature of the same key (for the mainnet ones: the other mainnet signature).
      const sameKey = signed.filter(
        (other) => other !== item && Buffer.from(other.publicKey).equals(Buffer.from(item.publicKey)),
      );
      const different = (
        sameKey[index % Math.max(sameKey.length, 1)] ??
        signed.find((other) => other.source.startsWith('mainnet') && other !== item)!
      ).signature;
      const wrongKey = Buffer.from(item.publicKey).equals(Buffer.from(devnetKey))
        ? rawKey(otherKeys.rootKeyDer)
        : mainnet.find((other) => other !== item)!.publicKey;
      const variants: Array<[string, Partial<SignedMessage>, boolean]> = [
        ['valid', {}, true],
        ['flipped message bit', { message: flipBit(item.message, next() % (item.message.length * 8)) }, false],
        ['flipped signature bit', { signature: flipBit(item.signature, next() % (48 * 8)) }, false],
        ['a different valid signature', { signature: different }, false],
        ['wrong public key', { publicKey: wrongKey }, false],
        ['signature one byte short', { signature: item.signature.subarray(0, 47) }, false],
        ['signature one byte long', { signature: new Uint8Array([...item.signature, 0]) }, false],
        ['signature not on the curve', { signature: offCurve }, false],
        ['signature on the curve, outside the subgroup', { signature: outsideSubgroup }, false],
        ['identity signature', { signature: identityG1 }, false],
        ['identity public key', { publicKey: identityG2 }, false],
        ['identity public key and signature', { publicKey: identityG2, signature: identityG1 }, false],
        ['public key and signature swapped', { publicKey: item.signature, signature: item.publicKey }, false],
      ];
      for (const [variant, change, valid] of variants) cases.push({ ...item, ...change, variant, valid });
    }
  });
  after(() => fs.rmSync(tempDir, { recursive: true, force: true }));

  it('at least 1,000 cases, from devnet and mainnet certificates, valid and tampered', () => {
    expect(cases.length).to.be.at.least(1000);
    expect(cases.filter((c) => c.source.startsWith('mainnet') && c.valid)).to.have.length(2);
    expect(cases.filter((c) => c.valid).length).to.equal(DEVNET_CERTIFICATES + 2);
  });

  it('mcl and noble agree on every case, and say true exactly for the valid ones', () => {
    const disagreements: string[] = [];
    for (const item of cases) {
      const mcl = blsVerify(item.publicKey, item.signature, item.message);
      const noble = nobleVerify(item);
      if (mcl !== noble || mcl !== item.valid)
        disagreements.push(`${item.source}, ${item.variant}: mcl ${mcl}, noble ${noble}, expected ${item.valid}`);
    }
    expect(disagreements).to.deep.equal([]);
  });
});
