import crypto, { type KeyObject } from 'node:crypto';
import type { DerEncodedPublicKey, HttpAgentRequest, Identity, PublicKey, Signature } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { CanisterClientError } from '../errors.js';

/** The key types the IC accepts for signing requests, and soulrecall therefore reads. */
export const KEY_TYPES = ['ed25519', 'secp256k1', 'p256'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface ParsedIdentity {
  identity: NodeKeyIdentity;
  keyType: KeyType;
}

/** The environment variable a passphrase for encrypted keys is taken from (else a prompt on a terminal). */
export const PASSPHRASE_VARIABLE = 'SOULRECALL_IDENTITY_PASSPHRASE';

const SUPPORTED =
  'Use an Ed25519, secp256k1 or P-256 private key PEM (PKCS#8, SEC1 or encrypted PKCS#8), as dfx, quill, keysmith or openssl write it.';

function invalid(source: string, why: string): CanisterClientError {
  return new CanisterClientError('IDENTITY_INVALID', `${source} is not a usable identity: ${why}`, {
    hint: SUPPORTED,
    details: { source, reason: 'unsupported-key' },
  });
}

/**
 * Curve orders, to keep ECDSA signatures in low-S form: valid for every verifier, and the only form
 * strict secp256k1 verifiers (Bitcoin's rule, which @dfinity's own secp256k1 identity follows) accept.
 */
const CURVE_ORDER: Record<'secp256k1' | 'p256', bigint> = {
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
};

function lowS(signature: Buffer, order: bigint): Uint8Array {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  if (s <= order / 2n) return new Uint8Array(signature);
  const flipped = Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex');
  return new Uint8Array(Buffer.concat([signature.subarray(0, 32), flipped]));
}

/**
 * A signing identity over a node:crypto private key. One class for the three key types: the IC
 * takes the key's DER SubjectPublicKeyInfo as sender key (exactly what node:crypto exports) and a
 * raw signature (Ed25519's 64 bytes; ECDSA over SHA-256 as 64-byte r‖s).
 */
export class NodeKeyIdentity implements Identity {
  private readonly publicKey: PublicKey;
  private readonly principal: Principal;

  constructor(
    private readonly key: KeyObject,
    readonly keyType: KeyType,
  ) {
    const der = new Uint8Array(
      crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }),
    ) as DerEncodedPublicKey;
    this.publicKey = { toDer: () => der, derKey: der };
    this.principal = Principal.selfAuthenticating(der);
  }

  getPublicKey(): PublicKey {
    return this.publicKey;
  }

  getPrincipal(): Principal {
    return this.principal;
  }

  async sign(blob: Uint8Array): Promise<Signature> {
    if (this.keyType === 'ed25519') return new Uint8Array(crypto.sign(null, blob, this.key)) as Signature;
    const signature = crypto.sign('sha256', blob, { key: this.key, dsaEncoding: 'ieee-p1363' });
    return lowS(signature, CURVE_ORDER[this.keyType]) as Signature;
  }

  /**
   * Signs the request as @dfinity/agent's SignIdentity does, with its own code (request id,
   * domain separator, sender key). The class does not extend SignIdentity because importing
   * @dfinity/agent sets up @noble/curves' BLS12-381 (≈ 0.1 s), and commands that only read the
   * history store load identities too (bench/startup); a command that signs has connected, so
   * the agent is loaded by then.
   */
  async transformRequest(request: HttpAgentRequest): Promise<unknown> {
    const { SignIdentity } = await import('@dfinity/agent');
    return SignIdentity.prototype.transformRequest.call(this, request);
  }
}

function keyTypeOf(key: KeyObject, source: string): KeyType {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp256k1') return 'secp256k1';
    if (curve === 'prime256v1') return 'p256';
    throw invalid(
      source,
      `EC keys on ${curve ?? 'an unnamed curve'} cannot sign IC requests (secp256k1 and P-256 can)`,
    );
  }
  throw invalid(source, `${key.asymmetricKeyType?.toUpperCase() ?? 'this'} keys cannot sign IC requests`);
}

/** Whether the PEM is password-protected: encrypted PKCS#8, or a legacy OpenSSL-encrypted SEC1 block. */
export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /Proc-Type:\s*4,ENCRYPTED/i.test(pem);
}

/**
 * The Ed25519 PKCS#8 v2 layout ring writes (dfx's Ed25519 identities): the public key is tagged
 * `[1]` explicitly, which OpenSSL refuses. Recognised by its fixed bytes only (85 of them: prefix,
 * seed, `a1 23 03 21 00`, public key), re-encoded as the v1 form OpenSSL reads, and kept only when
 * the public key it carries is the seed's.
 */
const RING_V2_PREFIX = Buffer.from('3053020101300506032b657004220420', 'hex');
const RING_V2_PUBLIC_TAG = Buffer.from('a123032100', 'hex');
const PKCS8_V1_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ringEd25519(pem: string): KeyObject | undefined {
  const body = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem)?.[1];
  if (body === undefined) return undefined;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (
    der.length !== 85 ||
    !der.subarray(0, 16).equals(RING_V2_PREFIX) ||
    !der.subarray(48, 53).equals(RING_V2_PUBLIC_TAG)
  )
    return undefined;
  const key = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_V1_ED25519_PREFIX, der.subarray(16, 48)]),
    format: 'der',
    type: 'pkcs8',
  });
  const derived = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  return derived.equals(der.subarray(53)) ? key : undefined;
}

/**
 * Parses a private-key PEM with node:crypto: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`,
 * also after an `EC PARAMETERS` block as `openssl ecparam -genkey` writes it), encrypted PKCS#8
 * (`ENCRYPTED PRIVATE KEY`, with `passphrase`) and the Ed25519 form dfx writes. `source` names
 * the file in errors; a passphrase is never shown.
 */
export function identityFromPem(pem: string, source = 'the PEM', passphrase?: string): ParsedIdentity {
  const encrypted = isEncryptedPem(pem);
  if (encrypted && passphrase === undefined) {
    throw new CanisterClientError(
      'IDENTITY_PASSPHRASE_REQUIRED',
      `${source} is an encrypted key and there is no terminal to ask for its passphrase`,
      {
        hint: `Set ${PASSPHRASE_VARIABLE} to its passphrase, or run the command in a terminal to be asked for it.`,
        details: { source },
      },
    );
  }
  let key: KeyObject | undefined;
  try {
    key = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase: encrypted ? passphrase : undefined });
  } catch (error) {
    if (encrypted) {
      throw new CanisterClientError('IDENTITY_PASSPHRASE_WRONG', `The passphrase does not decrypt ${source}`, {
        hint: `Give the passphrase the key was encrypted with (${PASSPHRASE_VARIABLE}, when set, is the one used).`,
        details: { source },
        cause: error,
      });
    }
    key = ringEd25519(pem);
    if (!key)
      throw invalid(
        source,
        /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)
          ? 'its private key block cannot be read'
          : 'it holds no PEM private key',
      );
  }
  const keyType = keyTypeOf(key, source);
  return { identity: new NodeKeyIdentity(key, keyType), keyType };
}

/**
 * A fresh identity and its PEM, in the forms other tools read: Ed25519 as PKCS#8, ECDSA keys as
 * SEC1 `EC PRIVATE KEY` (as dfx writes secp256k1 keys).
 */
export function generateIdentity(keyType: KeyType): { identity: NodeKeyIdentity; pem: string } {
  const key =
    keyType === 'ed25519'
      ? crypto.generateKeyPairSync('ed25519').privateKey
      : crypto.generateKeyPairSync('ec', { namedCurve: keyType === 'secp256k1' ? 'secp256k1' : 'prime256v1' })
          .privateKey;
  const pem = key.export({ format: 'pem', type: keyType === 'ed25519' ? 'pkcs8' : 'sec1' }).toString();
  return { identity: new NodeKeyIdentity(key, keyType), pem };
}
