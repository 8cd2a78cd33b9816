import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Principal } from '@dfinity/principal';
import { blsPublicKey, ensureBls, generateBlsSecretKey } from '@soulrecall/bls';
import { concatBytes, fromHex, toHex } from '../bytes.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { ED25519_SPKI_PREFIX } from './signature-schemes.js';

const BLS_DER_PREFIX = fromHex('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100');
/** PKCS#8 header of an Ed25519 private key given by its 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const KEYS_FILE = 'network-keys.json';

/**
 * The network's identity: the BLS root key that signs certificates and one node's Ed25519 key that signs query replies.
 */
export interface NetworkKeys {
  rootSecretKey: Uint8Array;
  /** DER-wrapped G2 public key, what /api/v2/status returns as `root_key`. */
  rootKeyDer: Uint8Array;
  /** The node's Ed25519 seed, as stored; `nodeSigningKey` is the same key for node:crypto. */
  nodeSecretKey: Uint8Array;
  nodeSigningKey: crypto.KeyObject;
  /** DER-wrapped Ed25519 public key (44 bytes). */
  nodeKeyDer: Uint8Array;
  nodeId: Principal;
  /** selfAuthenticating(root key DER): the subnet of a network whose certificates carry no delegation. */
  subnetId: Principal;
}

/** Loads the keys kept in the state directory, or creates them on the first start (BLS initialised first). */
export async function loadOrCreateNetworkKeys(stateDir: string): Promise<NetworkKeys> {
  await ensureBls();
  const file = path.join(stateDir, KEYS_FILE);
  let rootSecretKey: Uint8Array;
  let nodeSecretKey: Uint8Array;
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { rootSecretKey: string; nodeSecretKey: string };
    rootSecretKey = fromHex(stored.rootSecretKey);
    nodeSecretKey = fromHex(stored.nodeSecretKey);
  } else {
    rootSecretKey = generateBlsSecretKey();
    nodeSecretKey = new Uint8Array(crypto.randomBytes(32));
    writeFileAtomic(
      file,
      JSON.stringify({ rootSecretKey: toHex(rootSecretKey), nodeSecretKey: toHex(nodeSecretKey) }),
      0o600,
    );
  }
  const rootKeyDer = concatBytes(BLS_DER_PREFIX, blsPublicKey(rootSecretKey));
  const nodeSigningKey = crypto.createPrivateKey({
    key: Buffer.from(concatBytes(ED25519_PKCS8_PREFIX, nodeSecretKey)),
    format: 'der',
    type: 'pkcs8',
  });
  const nodePublicKey = crypto.createPublicKey(nodeSigningKey).export({ format: 'der', type: 'spki' });
  const nodeKeyDer = new Uint8Array(nodePublicKey);
  if (!Buffer.from(nodeKeyDer.subarray(0, ED25519_SPKI_PREFIX.length)).equals(ED25519_SPKI_PREFIX))
    throw new Error('unexpected Ed25519 SPKI encoding');
  return {
    rootSecretKey,
    rootKeyDer,
    nodeSecretKey,
    nodeSigningKey,
    nodeKeyDer,
    nodeId: Principal.selfAuthenticating(nodeKeyDer),
    subnetId: Principal.selfAuthenticating(rootKeyDer),
  };
}
