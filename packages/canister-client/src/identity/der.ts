/** Just enough DER to read private-key PEM files (PKCS#8 and SEC1). */
export interface DerNode {
  tag: number;
  /** The content bytes (without tag and length). */
  content: Uint8Array;
}

export class DerError extends Error {}

function readNode(bytes: Uint8Array, offset: number): { node: DerNode; next: number } {
  if (offset + 2 > bytes.length) throw new DerError('truncated DER');
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let cursor = offset + 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 4) throw new DerError('unsupported DER length');
    length = 0;
    for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[cursor++];
  }
  if (cursor + length > bytes.length) throw new DerError('truncated DER');
  return { node: { tag, content: bytes.subarray(cursor, cursor + length) }, next: cursor + length };
}

/** Parses a single DER value that must span all of `bytes`. */
export function parseDer(bytes: Uint8Array): DerNode {
  const { node, next } = readNode(bytes, 0);
  if (next !== bytes.length) throw new DerError('trailing bytes after DER value');
  return node;
}

/** The children of a constructed value (SEQUENCE, or a context tag). */
export function children(node: DerNode): DerNode[] {
  const result: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const { node: child, next } = readNode(node.content, offset);
    result.push(child);
    offset = next;
  }
  return result;
}

export const DER_TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, OID: 0x06, SEQUENCE: 0x30, CONTEXT_0: 0xa0, CONTEXT_1: 0xa1 } as const;

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
