import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { bytesEqual, fromHex } from '../bytes.js';

const OID_ED25519 = fromHex('06032b6570');
const OID_EC_PUBLIC_KEY = fromHex('06072a8648ce3d0201');
const OID_SECP256K1 = fromHex('06052b8104000a');
const OID_P256 = fromHex('06082a8648ce3d030107');

export type KeyScheme = 'ed25519' | 'secp256k1' | 'p256';

export interface SenderPublicKey {
  scheme: KeyScheme;
  raw: Uint8Array;
}

/** Reads a DER tag-length-value at `offset`; returns the value's bounds. */
function readTlv(der: Uint8Array, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (der[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start, end };
}

const containsAt = (bytes: Uint8Array, start: number, needle: Uint8Array): boolean =>
  bytesEqual(bytes.subarray(start, start + needle.length), needle);

/** Parses a DER SubjectPublicKeyInfo of a scheme that signs ingress messages; throws for anything else. */
export function parseSenderPublicKey(der: Uint8Array): SenderPublicKey {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error('public key is not a DER SubjectPublicKeyInfo');
  const algorithm = readTlv(der, outer.start);
  const bitString = readTlv(der, algorithm.end);
  if (algorithm.tag !== 0x30 || bitString.tag !== 0x03 || der[bitString.start] !== 0)
    throw new Error('malformed SubjectPublicKeyInfo');
  const raw = der.slice(bitString.start + 1, bitString.end);
  if (containsAt(der, algorithm.start, OID_ED25519) && raw.length === 32) return { scheme: 'ed25519', raw };
  if (containsAt(der, algorithm.start, OID_EC_PUBLIC_KEY)) {
    const curveOffset = algorithm.start + OID_EC_PUBLIC_KEY.length;
    if (containsAt(der, curveOffset, OID_SECP256K1)) return { scheme: 'secp256k1', raw };
    if (containsAt(der, curveOffset, OID_P256)) return { scheme: 'p256', raw };
  }
  throw new Error('unsupported public key algorithm (Ed25519, ECDSA secp256k1 and P-256 are supported)');
}

/** Verifies a signature the way a replica does for the given scheme (ECDSA: 64-byte r‖s over SHA-256). */
export function verifySignature(key: SenderPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (key.scheme) {
      case 'ed25519':
        return ed25519.verify(signature, message, key.raw);
      case 'secp256k1':
        return signature.length === 64 && secp256k1.verify(signature, sha256(message), key.raw, { lowS: false });
      case 'p256':
        return signature.length === 64 && p256.verify(signature, sha256(message), key.raw, { lowS: false });
    }
  } catch {
    return false;
  }
}
