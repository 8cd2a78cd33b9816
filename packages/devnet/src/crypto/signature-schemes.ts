import crypto from 'node:crypto';
import { bytesEqual, concatBytes, fromHex } from '../bytes.js';

const OID_ED25519 = fromHex('06032b6570');
const OID_EC_PUBLIC_KEY = fromHex('06072a8648ce3d0201');
const OID_SECP256K1 = fromHex('06052b8104000a');
const OID_P256 = fromHex('06082a8648ce3d030107');

export type KeyScheme = 'ed25519' | 'secp256k1' | 'p256';

export interface SenderPublicKey {
  scheme: KeyScheme;
  raw: Uint8Array;
}

/**
 * SubjectPublicKeyInfo headers, by key length, that turn a raw key into DER node:crypto (OpenSSL)
 * reads: Ed25519 (32 bytes), EC points of secp256k1 and P-256 uncompressed (65) or compressed (33).
 * The DER the sender sent is not passed on, so OpenSSL sees exactly the key parseSenderPublicKey accepted.
 */
/** The DER SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410); the 32 raw bytes follow. */
export const ED25519_SPKI_PREFIX = fromHex('302a300506032b6570032100');

const SPKI_PREFIXES: Record<KeyScheme, Record<number, Uint8Array>> = {
  ed25519: { 32: ED25519_SPKI_PREFIX },
  secp256k1: {
    65: fromHex('3056301006072a8648ce3d020106052b8104000a034200'),
    33: fromHex('3036301006072a8648ce3d020106052b8104000a032200'),
  },
  p256: {
    65: fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200'),
    33: fromHex('3039301306072a8648ce3d020106082a8648ce3d030107032200'),
  },
};

/** Keys of recent senders (a client signs every request with the same key), bounded. */
const KEY_CACHE_SIZE = 64;
const keyObjects = new Map<string, crypto.KeyObject>();

function keyObjectOf(key: SenderPublicKey): crypto.KeyObject {
  const prefix = SPKI_PREFIXES[key.scheme][key.raw.length];
  if (!prefix) throw new Error(`no ${key.scheme} public key has ${key.raw.length} bytes`);
  const id = `${key.scheme}:${Buffer.from(key.raw).toString('hex')}`;
  let object = keyObjects.get(id);
  if (!object) {
    object = crypto.createPublicKey({ key: Buffer.from(concatBytes(prefix, key.raw)), format: 'der', type: 'spki' });
    if (keyObjects.size >= KEY_CACHE_SIZE) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(id, object);
  }
  return object;
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

/**
 * Verifies a signature the way a replica does for the given scheme (ECDSA: 64-byte r‖s over
 * SHA-256, high S accepted), natively with node:crypto (OpenSSL).
 */
export function verifySignature(key: SenderPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const publicKey = keyObjectOf(key);
    if (key.scheme === 'ed25519') return signature.length === 64 && crypto.verify(null, message, publicKey, signature);
    return (
      signature.length === 64 &&
      crypto.verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
    );
  } catch {
    return false;
  }
}
