/**
 * BLS12-381 as the Internet Computer uses it (the "minimal signature size" variant: signatures in
 * G1, 48 bytes compressed; public keys in G2, 96 bytes compressed; hash-to-curve with the DST
 * below), computed by mcl compiled to WebAssembly, about 5× faster than @noble/curves in
 * JavaScript. @noble/curves stays the reference: the tests compare the two case by case.
 *
 * mcl's settings are global to its WebAssembly instance, one per process (and per worker thread),
 * so they are made once, by `ensureBls()`; the synchronous functions need it to have finished.
 */
import { createRequire } from 'node:module';
import type * as Mcl from 'mcl-wasm';

// mcl-wasm is CommonJS, and its `mod` (the WebAssembly module) only exists once `init` has run:
// its exports object itself is used (live getters), not a snapshot that ESM interop may take.
// Loaded by `ensureBls()`, not here: commands that import canister-client but check no certificate
// (`list`, `promote list`) do not load it. Every function that uses it requires `ensureBls()` first.
let mcl: typeof Mcl;

/** The IC's hash-to-curve domain separation tag (mcl's default ends `_RO_POP_`, Ethereum's). */
export const IC_BLS_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';

/** The generator of G2, compressed (the standard one, as @noble/curves' `G2.BASE`). */
const G2_GENERATOR_HEX =
  '93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e' +
  '024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8';

export const PUBLIC_KEY_LENGTH = 96;
export const SIGNATURE_LENGTH = 48;
export const SECRET_KEY_LENGTH = 32;

interface Ready {
  generator: Mcl.G2;
  /** −G2 generator, precomputed for the Miller loop every verification shares. */
  negatedGenerator: Mcl.PrecomputedG2;
}

let ready: Ready | undefined;
let initialising: Promise<void> | undefined;
let verifications = 0;

/** How many times `blsVerify` has been called in this process: lets tests prove a path goes through it. */
export function blsVerificationCount(): number {
  return verifications;
}

/** The parts of mcl's WebAssembly module used here; mcl-wasm exports it untyped (as `mod`). */
interface RawMcl {
  HEAP8: Int8Array;
  stackSave(): number;
  stackAlloc(size: number): number;
  stackRestore(top: number): void;
  /** `int mclBnG1_setDst(const char *dst, size_t dstSize)`: the DST of `hashAndMapToG1`. */
  _mclBnG1_setDst(dst: number, dstSize: number): number;
}

/** Sets the G1 hash-to-curve DST: the string is copied onto mcl's stack, as mcl-wasm's own `wrapInput` does. */
function setG1Dst(dst: string): void {
  const raw = (mcl as unknown as { mod: RawMcl }).mod;
  const bytes = new TextEncoder().encode(dst);
  const stack = raw.stackSave();
  try {
    const pos = raw.stackAlloc(bytes.length);
    raw.HEAP8.set(bytes, pos);
    if (raw._mclBnG1_setDst(pos, bytes.length) !== 0) throw new Error(`mcl refused the hash-to-curve DST ${dst}`);
  } finally {
    raw.stackRestore(stack);
  }
}

async function initialise(): Promise<void> {
  mcl = createRequire(import.meta.url)('mcl-wasm') as typeof Mcl;
  await mcl.init(mcl.BLS12_381);
  // Compressed points in the ZCash/IETF format (flag bits), as the IC and @noble/curves encode them.
  mcl.setETHserialization(true);
  // Hash-to-curve of RFC 9380 (SSWU), not mcl's older try-and-increment.
  mcl.setMapToMode(mcl.IRTF);
  // Reject points outside the prime-order subgroup when deserialising, as @noble/curves does.
  mcl.verifyOrderG1(true);
  mcl.verifyOrderG2(true);
  setG1Dst(IC_BLS_DST);
  const generator = new mcl.G2();
  generator.deserialize(mcl.fromHexStr(G2_GENERATOR_HEX));
  ready = { generator, negatedGenerator: new mcl.PrecomputedG2(mcl.neg(generator)) };
}

/** Initialises mcl for the IC's scheme, once per process; every later call returns the same promise. */
export function ensureBls(): Promise<void> {
  initialising ??= initialise().catch((error: unknown) => {
    initialising = undefined;
    throw error;
  });
  return initialising;
}

function requireReady(): Ready {
  if (!ready) throw new Error('BLS is not initialised: await ensureBls() first');
  return ready;
}

/** A G1 or G2 point from its compressed bytes, or undefined for anything that is not one (of the subgroup). */
function pointFrom<T extends Mcl.G1 | Mcl.G2>(point: T, bytes: Uint8Array, length: number): T | undefined {
  if (bytes.length !== length) return undefined;
  try {
    point.deserialize(bytes);
    return point;
  } catch {
    return undefined;
  }
}

/**
 * Public keys seen recently, precomputed for the Miller loop: a process checks certificates of a
 * handful of keys (a network's root key, its subnets' keys), so each is decoded and checked for
 * subgroup membership once. Bounded; the oldest goes first.
 */
const KEY_CACHE_SIZE = 16;
const keyCache = new Map<string, Mcl.PrecomputedG2 | null>();

/** `publicKey` precomputed, or null when it is not a G2 point of the subgroup (or is the identity). */
function precomputedKey(publicKey: Uint8Array): Mcl.PrecomputedG2 | null {
  const id = Buffer.from(publicKey).toString('hex');
  const cached = keyCache.get(id);
  if (cached !== undefined) return cached;
  const key = pointFrom(new mcl.G2(), publicKey, PUBLIC_KEY_LENGTH);
  // The identity would make both sides 1 whatever the message: never a valid key.
  const precomputed = key && !key.isZero() ? new mcl.PrecomputedG2(key) : null;
  if (keyCache.size >= KEY_CACHE_SIZE) {
    const [oldestId, oldest] = keyCache.entries().next().value!;
    keyCache.delete(oldestId);
    oldest?.destroy();
  }
  keyCache.set(id, precomputed);
  return precomputed;
}

/**
 * Whether `signature` (48-byte G1) is `publicKey`'s (96-byte G2) signature of `message`: the
 * pairing check e(H(message), publicKey) = e(signature, G2 generator), as @noble/curves'
 * `bls12_381.verifyShortSignature`. False, never an exception, for malformed or identity points
 * and wrong lengths. Throws only when `ensureBls()` has not finished.
 */
export function blsVerify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  const { negatedGenerator } = requireReady();
  verifications++;
  const key = precomputedKey(publicKey);
  const sig = pointFrom(new mcl.G1(), signature, SIGNATURE_LENGTH);
  if (!key || !sig || sig.isZero()) return false;
  const hashed = mcl.hashAndMapToG1(message);
  // e(H, key) · e(sig, −G) = 1, with one final exponentiation for both Miller loops.
  return mcl.finalExp(mcl.precomputedMillerLoop2(hashed, key, sig, negatedGenerator)).isOne();
}

/**
 * `blsVerify` for callers that take a verifier which may be asynchronous (@dfinity/agent's `blsVerify` option): it
 * initialises first.
 */
export async function verifyBlsSignature(
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  await ensureBls();
  return blsVerify(publicKey, signature, message);
}

/** A secret key (32 bytes, big-endian, non-zero and below the group order) as mcl's scalar; throws otherwise. */
function secretScalar(secretKey: Uint8Array): Mcl.Fr {
  if (secretKey.length !== SECRET_KEY_LENGTH)
    throw new Error(`a BLS secret key has ${SECRET_KEY_LENGTH} bytes, not ${secretKey.length}`);
  const scalar = new mcl.Fr();
  scalar.deserialize(secretKey);
  if (scalar.isZero()) throw new Error('a BLS secret key cannot be zero');
  return scalar;
}

/**
 * A new secret key: a uniformly random non-zero scalar from mcl's CSPRNG (crypto.getRandomValues), 32 bytes big-endian.
 */
export function generateBlsSecretKey(): Uint8Array {
  requireReady();
  const scalar = new mcl.Fr();
  do scalar.setByCSPRNG();
  while (scalar.isZero());
  return scalar.serialize();
}

/** The 96-byte compressed G2 public key of `secretKey`, as @noble/curves' `getPublicKeyForShortSignatures`. */
export function blsPublicKey(secretKey: Uint8Array): Uint8Array {
  const { generator } = requireReady();
  return mcl.mul(generator, secretScalar(secretKey)).serialize();
}

/** The 48-byte G1 signature of `message` (deterministic: the same bytes as @noble/curves' `signShortSignature`). */
export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  requireReady();
  return mcl.mul(mcl.hashAndMapToG1(message), secretScalar(secretKey)).serialize();
}
