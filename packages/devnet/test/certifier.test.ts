import * as cbor from '@dfinity/cbor';
import { Certificate, reconstruct, type HashTree } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { bls12_381 } from '@noble/curves/bls12-381';
import { ed25519 } from '@noble/curves/ed25519';
import { expect } from 'chai';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { concatBytes, domainSeparator, nowNanos, utf8 } from '../src/bytes.js';
import { Certifier } from '../src/crypto/certifier.js';
import { loadOrCreateNetworkKeys } from '../src/crypto/network-keys.js';
import { makeTempDir, removeDir } from './support/fixtures.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('devnet certificates: signed with @soulrecall/bls exactly as @noble/curves signed them', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir();
  });
  after(() => removeDir(dir));

  it('the same signature bytes as noble for the same key and message, and the same root key', async () => {
    const keys = await loadOrCreateNetworkKeys(dir);
    expect(hex(keys.rootKeyDer.subarray(-96))).to.equal(
      hex(bls12_381.getPublicKeyForShortSignatures(keys.rootSecretKey)),
    );
    const certifier = new Certifier(keys);
    for (let i = 0; i < 10; i++) {
      const bytes = certifier.certify([
        { path: ['canister', new Uint8Array([i]), 'certified_data'], value: utf8(`data ${i}`) },
      ]);
      const { tree, signature } = cbor.decode(bytes) as { tree: HashTree; signature: Uint8Array };
      const message = concatBytes(domainSeparator('ic-state-root'), await reconstruct(tree));
      expect(hex(signature)).to.equal(hex(bls12_381.signShortSignature(message, keys.rootSecretKey) as Uint8Array));
      // @dfinity/agent with its default verifier (noble) accepts it.
      await Certificate.create({
        certificate: bytes,
        rootKey: keys.rootKeyDer,
        canisterId: Principal.fromUint8Array(new Uint8Array([i])),
      });
    }
  });

  it('keys written by an earlier devnet (noble era) give the same root key, node key and node signatures', async () => {
    const earlier = path.join(dir, 'earlier');
    fs.mkdirSync(earlier);
    const rootSecretKey = bls12_381.utils.randomPrivateKey();
    const nodeSecretKey = crypto.getRandomValues(new Uint8Array(32));
    fs.writeFileSync(
      path.join(earlier, 'network-keys.json'),
      JSON.stringify({ rootSecretKey: hex(rootSecretKey), nodeSecretKey: hex(nodeSecretKey) }),
    );
    const keys = await loadOrCreateNetworkKeys(earlier);
    expect(hex(keys.rootKeyDer.subarray(-96))).to.equal(hex(bls12_381.getPublicKeyForShortSignatures(rootSecretKey)));
    expect(hex(keys.nodeKeyDer.subarray(-32))).to.equal(hex(ed25519.getPublicKey(nodeSecretKey)));
    const message = utf8(`query reply at ${nowNanos()}`);
    const signature = new Uint8Array(sign(null, message, keys.nodeSigningKey));
    expect(hex(signature)).to.equal(hex(ed25519.sign(message, nodeSecretKey)));
  });
});
