import { compareBytes, domainSeparator, sha256Of, utf8 } from '../bytes.js';

/** Hash tree nodes in the wire shape of the IC interface specification. */
export type HashTree = [0] | [1, HashTree, HashTree] | [2, Uint8Array, HashTree] | [3, Uint8Array] | [4, Uint8Array];

/** A path label given as text (UTF-8) or raw bytes. */
export type Label = string | Uint8Array;

export interface TreeLeaf {
  path: Label[];
  value: Uint8Array;
}

type Branch = { children: Map<string, { label: Uint8Array; node: Node }> };
type Node = { value: Uint8Array } | Branch;

const toLabel = (label: Label): Uint8Array => (typeof label === 'string' ? utf8(label) : label);

/**
 * Builds a fully revealed tree holding exactly the given leaves, children sorted by label and
 * joined by balanced forks. Nothing is pruned: the agent's label search mishandles some pruned
 * shapes, so a certificate carries only what the request asked for.
 */
export function buildTree(leaves: TreeLeaf[]): HashTree {
  const root: Branch = { children: new Map() };
  for (const leaf of leaves) {
    let node: Node = root;
    leaf.path.forEach((part, index) => {
      if (!('children' in node)) throw new Error('hash tree path runs through a leaf');
      const label = toLabel(part);
      const key = Buffer.from(label).toString('hex');
      let entry = node.children.get(key);
      if (!entry) {
        entry = { label, node: index === leaf.path.length - 1 ? { value: leaf.value } : { children: new Map() } };
        node.children.set(key, entry);
      }
      node = entry.node;
    });
  }
  return toTree(root);
}

function toTree(node: Node): HashTree {
  if ('value' in node) return [3, node.value];
  const labeled = [...node.children.values()]
    .sort((a, b) => compareBytes(a.label, b.label))
    .map(({ label, node: child }): HashTree => [2, label, toTree(child)]);
  return joinWithForks(labeled);
}

function joinWithForks(trees: HashTree[]): HashTree {
  if (trees.length === 0) return [0];
  if (trees.length === 1) return trees[0]!;
  const middle = Math.ceil(trees.length / 2);
  return [1, joinWithForks(trees.slice(0, middle)), joinWithForks(trees.slice(middle))];
}

const EMPTY = domainSeparator('ic-hashtree-empty');
const FORK = domainSeparator('ic-hashtree-fork');
const LABELED = domainSeparator('ic-hashtree-labeled');
const LEAF = domainSeparator('ic-hashtree-leaf');

/** The root hash of a tree (what the certificate's signature covers). */
export function treeRootHash(tree: HashTree): Uint8Array {
  switch (tree[0]) {
    case 0:
      return sha256Of(EMPTY);
    case 1:
      return sha256Of(FORK, treeRootHash(tree[1]), treeRootHash(tree[2]));
    case 2:
      return sha256Of(LABELED, tree[1], treeRootHash(tree[2]));
    case 3:
      return sha256Of(LEAF, tree[1]);
    case 4:
      return tree[1];
  }
}
