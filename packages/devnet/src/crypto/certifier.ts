import * as cbor from '@dfinity/cbor';
import { blsSign } from '@soulrecall/bls';
import { concatBytes, domainSeparator, leb128, nowNanos } from '../bytes.js';
import { buildTree, treeRootHash, type TreeLeaf } from './hash-tree.js';
import type { NetworkKeys } from './network-keys.js';

const STATE_ROOT = domainSeparator('ic-state-root');

/**
 * Turns a set of leaves into a certificate signed by the root key (no delegation).
 * `/time` is always added. One BLS signature (@soulrecall/bls, ≈ 1.5 ms) per certificate, so callers
 * build one per response. The keys come from loadOrCreateNetworkKeys, which has initialised BLS.
 */
export class Certifier {
  constructor(private readonly keys: NetworkKeys) {}

  certify(leaves: TreeLeaf[], timeNanos: bigint = nowNanos()): Uint8Array {
    const tree = buildTree([
      ...leaves.filter((leaf) => !(leaf.path.length === 1 && leaf.path[0] === 'time')),
      { path: ['time'], value: leb128(timeNanos) },
    ]);
    const message = concatBytes(STATE_ROOT, treeRootHash(tree));
    const signature = blsSign(this.keys.rootSecretKey, message);
    return cbor.encodeWithSelfDescribedTag({ tree, signature });
  }
}
