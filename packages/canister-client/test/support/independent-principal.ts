import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

/**
 * What a key's principal must be, computed without soulrecall's or @dfinity's code: openssl
 * derives the DER SubjectPublicKeyInfo, and the self-authenticating principal is
 * SHA-224(SPKI) ‖ 0x02, shown as base32(CRC32 ‖ bytes) in groups of five (the IC interface spec).
 * Tests in this package and the CLI tests compare soulrecall's principals with these.
 */

/** Runs openssl with `input` on stdin; its stdout. */
export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The textual self-authenticating principal of a DER SubjectPublicKeyInfo. */
export function principalOfSpki(spki: Uint8Array): string {
  const body = Buffer.concat([crypto.createHash('sha224').update(spki).digest(), Buffer.of(0x02)]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(body));
  return base32(Buffer.concat([checksum, body]))
    .match(/.{1,5}/g)!
    .join('-');
}

/**
 * The principal of a private-key PEM, its public key derived by `openssl pkey -pubout`. dfx's
 * Ed25519 layout (which openssl cannot read) carries its public key: the SPKI is built from it.
 */
export function principalOfPem(pem: string, passphrase?: string): string {
  const ring = ringPublicKey(pem);
  if (ring) return principalOfSpki(Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), ring]));
  const args = [
    'pkey',
    '-pubout',
    '-outform',
    'DER',
    ...(passphrase === undefined ? [] : ['-passin', `pass:${passphrase}`]),
  ];
  return principalOfSpki(execFileSync('openssl', args, { input: pem, stdio: ['pipe', 'pipe', 'pipe'] }));
}

function ringPublicKey(pem: string): Buffer | undefined {
  const match = /^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=\n]+)-----END PRIVATE KEY-----/.exec(pem);
  const der = match ? Buffer.from(match[1], 'base64') : undefined;
  return der && der.length === 85 && der.subarray(48, 53).toString('hex') === 'a123032100'
    ? der.subarray(53)
    : undefined;
}

/**
 * An Ed25519 key as dfx writes it (ring's PKCS#8 v2: seed, then the public key in an explicit
 * `[1]` tag), from a key openssl generated.
 */
export function dfxRingEd25519Pem(): string {
  const key = crypto.createPrivateKey(openssl(['genpkey', '-algorithm', 'ed25519']));
  const seed = key.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const publicKey = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  const der = Buffer.concat([
    Buffer.from('3053020101300506032b657004220420', 'hex'),
    seed,
    Buffer.from('a123032100', 'hex'),
    publicKey,
  ]);
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}
