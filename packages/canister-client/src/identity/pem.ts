import { SignIdentity } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';
import { CanisterClientError } from '../errors.js';
import { DER_TAG, DerError, type DerNode, children, parseDer, sameBytes } from './der.js';

export type KeyType = 'ed25519' | 'secp256k1';

export interface ParsedIdentity {
  identity: SignIdentity;
  keyType: KeyType;
}

// Object identifiers, as DER content bytes.
const OID_ED25519 = Uint8Array.of(0x2b, 0x65, 0x70); // 1.3.101.112
const OID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01); // 1.2.840.10045.2.1
const OID_SECP256K1 = Uint8Array.of(0x2b, 0x81, 0x04, 0x00, 0x0a); // 1.3.132.0.10
const OID_PRIME256V1 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07); // 1.2.840.10045.3.1.7

const ENCRYPTED_HINT =
  'soulrecall cannot prompt for key passwords. Decrypt the key into a new file (`openssl pkcs8 -in key.pem -out plain.pem` or `openssl ec -in key.pem -out plain.pem`), ' +
  'or for a dfx identity run `dfx identity export <name> > plain.pem`, then `soulrecall identity import <name> plain.pem`.';

function invalid(source: string, why: string): CanisterClientError {
  return new CanisterClientError('IDENTITY_INVALID', `${source} is not a usable identity: ${why}`, {
    hint: 'Use an unencrypted Ed25519 or secp256k1 PEM (as written by dfx or `soulrecall identity new`).',
    details: { source },
  });
}

/** Reads the first PEM block: its label and DER bytes. */
function pemBlock(pem: string, source: string): { label: string; der: Uint8Array } {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match) throw invalid(source, 'no PEM block found');
  const body = match[2];
  if (/Proc-Type:\s*4,ENCRYPTED/i.test(body)) throw encrypted(source);
  const base64 = body.replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
  return { label: match[1], der: new Uint8Array(Buffer.from(base64, 'base64')) };
}

function encrypted(source: string): CanisterClientError {
  return new CanisterClientError('IDENTITY_ENCRYPTED', `${source} is an encrypted key`, { hint: ENCRYPTED_HINT, details: { source } });
}

/** SEC1 `ECPrivateKey` (the body of `EC PRIVATE KEY`, also nested in PKCS#8). */
function secp256k1FromSec1(node: DerNode, source: string, curveFromPkcs8?: Uint8Array): ParsedIdentity {
  const fields = children(node);
  const secret = fields.find((field) => field.tag === DER_TAG.OCTET_STRING);
  if (!secret || secret.content.length !== 32) throw invalid(source, 'EC private key has no 32-byte secret');
  const curveField = fields.find((field) => field.tag === DER_TAG.CONTEXT_0);
  const curve = curveField ? children(curveField)[0]?.content : curveFromPkcs8;
  if (curve && sameBytes(curve, OID_PRIME256V1)) throw invalid(source, 'P-256 (prime256v1) keys are not supported; use secp256k1 or Ed25519');
  if (!curve || !sameBytes(curve, OID_SECP256K1)) throw invalid(source, 'EC key on an unsupported curve (only secp256k1)');
  return { identity: Secp256k1KeyIdentity.fromSecretKey(secret.content.slice()), keyType: 'secp256k1' };
}

function fromPkcs8(der: Uint8Array, source: string): ParsedIdentity {
  const [, algorithm, privateKey] = children(parseDer(der));
  if (!algorithm || !privateKey || privateKey.tag !== DER_TAG.OCTET_STRING) throw invalid(source, 'malformed PKCS#8');
  const [oid, params] = children(algorithm);
  if (sameBytes(oid.content, OID_ED25519)) {
    const inner = parseDer(privateKey.content);
    if (inner.tag !== DER_TAG.OCTET_STRING || inner.content.length !== 32) throw invalid(source, 'Ed25519 key is not 32 bytes');
    return { identity: Ed25519KeyIdentity.fromSecretKey(inner.content.slice()), keyType: 'ed25519' };
  }
  if (sameBytes(oid.content, OID_EC_PUBLIC_KEY)) return secp256k1FromSec1(parseDer(privateKey.content), source, params?.content);
  throw invalid(source, 'unsupported key algorithm (only Ed25519 and secp256k1)');
}

/**
 * Parses an unencrypted private-key PEM: PKCS#8 `PRIVATE KEY` (Ed25519 as dfx writes it, or
 * secp256k1) or SEC1 `EC PRIVATE KEY` (secp256k1, as dfx writes it). `source` names the file in errors.
 */
export function identityFromPem(pem: string, source = 'the PEM'): ParsedIdentity {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) throw encrypted(source);
  const { label, der } = pemBlock(pem, source);
  try {
    if (label === 'PRIVATE KEY') return fromPkcs8(der, source);
    if (label === 'EC PRIVATE KEY') return secp256k1FromSec1(parseDer(der), source);
  } catch (error) {
    if (error instanceof CanisterClientError) throw error;
    if (error instanceof DerError || error instanceof RangeError) throw invalid(source, `unreadable key (${error.message})`);
    throw invalid(source, error instanceof Error ? error.message : String(error));
  }
  throw invalid(source, `unsupported PEM block "${label}"`);
}

/** PKCS#8 v1 PEM of an Ed25519 secret key (the form openssl and dfx read). */
export function ed25519Pem(secretKey: Uint8Array): string {
  const prefix = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
  const base64 = Buffer.concat([prefix, secretKey]).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A fresh Ed25519 identity and its PEM. */
export function generateEd25519(): { identity: Ed25519KeyIdentity; pem: string } {
  const identity = Ed25519KeyIdentity.generate();
  const secret = new Uint8Array(identity.getKeyPair().secretKey);
  return { identity, pem: ed25519Pem(secret.subarray(0, 32)) };
}

/** SEC1 `EC PRIVATE KEY` PEM of a secp256k1 secret key (the public key is optional in SEC1). */
export function secp256k1Pem(secretKey: Uint8Array): string {
  const prefix = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x01, 0x04, 0x20);
  const curve = Uint8Array.of(0xa0, 0x07, 0x06, 0x05, ...OID_SECP256K1);
  const base64 = Buffer.concat([prefix, secretKey, curve]).toString('base64');
  return `-----BEGIN EC PRIVATE KEY-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END EC PRIVATE KEY-----\n`;
}

/** A fresh secp256k1 identity and its PEM. */
export function generateSecp256k1(): { identity: Secp256k1KeyIdentity; pem: string } {
  const identity = Secp256k1KeyIdentity.generate();
  const secret = new Uint8Array(identity.getKeyPair().secretKey);
  return { identity, pem: secp256k1Pem(secret) };
}
