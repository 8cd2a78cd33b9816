import fs from 'node:fs';
import path from 'node:path';
import { bls12_381 } from '@noble/curves/bls12-381';
import { ed25519 } from '@noble/curves/ed25519';
import { Principal } from '@dfinity/principal';
import { concatBytes, fromHex, toHex } from '../bytes.js';
import { writeFileAtomic } from '../state/atomic-file.js';

const BLS_DER_PREFIX = fromHex('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100');
const ED25519_DER_PREFIX = fromHex('302a300506032b6570032100');
const KEYS_FILE = 'network-keys.json';

/**
 * The network's identity: the BLS root key that signs certificates and one node's Ed25519 key that signs query replies.
 */
export interface NetworkKeys {
  rootSecretKey: Uint8Array;
  /** DER-wrapped G2 public key, what /api/v2/status returns as `root_key`. */
  rootKeyDer: Uint8Array;
  nodeSecretKey: Uint8Array;
  /** DER-wrapped Ed25519 public key (44 bytes). */
  nodeKeyDer: Uint8Array;
  nodeId: Principal;
  /** selfAuthenticating(root key DER): the subnet of a network whose certificates carry no delegation. */
  subnetId: Principal;
}

/** Loads the keys kept in the state directory, or creates them on the first start. */
export function loadOrCreateNetworkKeys(stateDir: string): NetworkKeys {
  const file = path.join(stateDir, KEYS_FILE);
  let rootSecretKey: Uint8Array;
  let nodeSecretKey: Uint8Array;
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { rootSecretKey: string; nodeSecretKey: string };
    rootSecretKey = fromHex(stored.rootSecretKey);
    nodeSecretKey = fromHex(stored.nodeSecretKey);
  } else {
    rootSecretKey = bls12_381.utils.randomPrivateKey();
    nodeSecretKey = ed25519.utils.randomPrivateKey();
    writeFileAtomic(
      file,
      JSON.stringify({ rootSecretKey: toHex(rootSecretKey), nodeSecretKey: toHex(nodeSecretKey) }),
      0o600,
    );
  }
  const rootKeyDer = concatBytes(BLS_DER_PREFIX, bls12_381.getPublicKeyForShortSignatures(rootSecretKey));
  const nodeKeyDer = concatBytes(ED25519_DER_PREFIX, ed25519.getPublicKey(nodeSecretKey));
  return {
    rootSecretKey,
    rootKeyDer,
    nodeSecretKey,
    nodeKeyDer,
    nodeId: Principal.selfAuthenticating(nodeKeyDer),
    subnetId: Principal.selfAuthenticating(rootKeyDer),
  };
}
