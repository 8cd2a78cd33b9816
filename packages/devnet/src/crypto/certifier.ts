import { bls12_381 } from '@noble/curves/bls12-381';
import * as cbor from '@dfinity/cbor';
import { concatBytes, domainSeparator, leb128, nowNanos } from '../bytes.js';
import { buildTree, treeRootHash, type TreeLeaf } from './hash-tree.js';
import type { NetworkKeys } from './network-keys.js';

const STATE_ROOT = domainSeparator('ic-state-root');

/**
 * Turns a set of leaves into a certificate signed by the root key (no delegation).
 * `/time` is always added. One BLS signature (~11 ms) per certificate, so callers build one per response.
 */
export class Certifier {
  constructor(private readonly keys: NetworkKeys) {}

  certify(leaves: TreeLeaf[], timeNanos: bigint = nowNanos()): Uint8Array {
    const tree = buildTree([
      ...leaves.filter((leaf) => !(leaf.path.length === 1 && leaf.path[0] === 'time')),
      { path: ['time'], value: leb128(timeNanos) },
    ]);
    const message = concatBytes(STATE_ROOT, treeRootHash(tree));
    const signature = bls12_381.signShortSignature(message, this.keys.rootSecretKey) as Uint8Array;
    return cbor.encodeWithSelfDescribedTag({ tree, signature });
  }
}
