import crypto from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';

/**
 * @noble/curves' own Ed25519 check (ZIP-215 rules), kept as the reference and as the final word
 * on every signature the native check does not accept.
 */
export const nobleEd25519Verify: typeof ed25519.verify = ed25519.verify;

const ORDER = ed25519.Point.Fn.ORDER;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Node keys are a handful per subnet; the bound only keeps a long-lived process from growing. */
const MAX_CACHED_KEYS = 1024;
const strictKeys = new Map<string, crypto.KeyObject | null>();

/**
 * The key as node:crypto holds it, once per key, or null when its encoding is not canonical
 * (y ≥ p, or x = 0 with the sign bit set): OpenSSL would hash the bytes as given while noble
 * hashes the re-encoded point, so only canonical keys can take the native path.
 */
function strictKey(publicKey: Uint8Array): crypto.KeyObject | null {
  const hex = Buffer.from(publicKey).toString('hex');
  let key = strictKeys.get(hex);
  if (key === undefined) {
    key = isCanonicalPoint(publicKey)
      ? crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
      : null;
    if (strictKeys.size >= MAX_CACHED_KEYS) strictKeys.clear();
    strictKeys.set(hex, key);
  }
  return key;
}

function isCanonicalPoint(bytes: Uint8Array): boolean {
  try {
    return Buffer.from(ed25519.Point.fromBytes(bytes, false).toBytes()).equals(bytes);
  } catch {
    return false;
  }
}

function scalarBelowOrder(littleEndian: Uint8Array): boolean {
  return BigInt(`0x${Buffer.from(littleEndian).reverse().toString('hex')}`) < ORDER;
}

/**
 * noble's answer, computed natively when it can be: OpenSSL checks RFC 8032's strict, cofactorless
 * equation, in ≈ 0.1 ms where noble takes ≈ 2 ms. A signature that passes it with a canonical key
 * and S < L passes ZIP-215's cofactored equation too (R is then canonical, because OpenSSL compares
 * it byte for byte with an encoding it computes, so both hash the same bytes), so OpenSSL's `true`
 * is noble's `true`. Everything else — a `false`, another input type, options — goes to noble, which
 * decides: signatures only ZIP-215 accepts (small-order components) still verify, as before.
 */
const nativeFirstEd25519Verify: typeof ed25519.verify = (signature, message, publicKey, options) => {
  if (
    options === undefined &&
    signature instanceof Uint8Array &&
    signature.length === 64 &&
    message instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    publicKey.length === 32 &&
    scalarBelowOrder(signature.subarray(32))
  ) {
    const key = strictKey(publicKey);
    if (key !== null && crypto.verify(null, message, key, signature)) return true;
  }
  return options === undefined
    ? nobleEd25519Verify(signature, message, publicKey)
    : nobleEd25519Verify(signature, message, publicKey, options);
};

/**
 * @dfinity/agent checks the node signature on every query reply with @noble/curves'
 * `ed25519.verify` and takes no other verifier (soulrecall keeps the check). This makes that
 * function answer as above: the same answers, natively for the signatures replicas make. The
 * agent's copy of noble is this one (a test checks that npm resolves both to one file), so the
 * agent's checks go through it. Idempotent.
 */
export function useNativeEd25519InAgent(): void {
  ed25519.verify = nativeFirstEd25519Verify;
}
