import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ed25519PublicKey } from '@dfinity/identity';
import { Secp256k1PublicKey } from '@dfinity/identity-secp256k1';
import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { CanisterClientError } from '../src/errors.js';
import { identityFromPem } from '../src/identity/pem.js';
import { IdentityStore } from '../src/identity/store.js';

function expectCode(fn: () => unknown, code: string): CanisterClientError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(CanisterClientError);
    expect((error as CanisterClientError).code).to.equal(code);
    return error as CanisterClientError;
  }
  expect.fail(`expected ${code}`);
}

/** The principal a key should have, computed independently from node:crypto's public key. */
function expectedEd25519Principal(key: crypto.KeyObject): string {
  const raw = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  return Principal.selfAuthenticating(new Uint8Array(Ed25519PublicKey.fromRaw(new Uint8Array(raw)).toDer())).toText();
}
function expectedSecp256k1Principal(key: crypto.KeyObject): string {
  const raw = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-65);
  return Principal.selfAuthenticating(new Uint8Array(Secp256k1PublicKey.fromRaw(new Uint8Array(raw)).toDer())).toText();
}

describe('PEM identities', () => {
  it('reads an Ed25519 PKCS#8 PEM (openssl / node form) with the right principal', () => {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const parsed = identityFromPem(pem);
    expect(parsed.keyType).to.equal('ed25519');
    expect(parsed.identity.getPrincipal().toText()).to.equal(expectedEd25519Principal(privateKey));
  });

  it('reads the PKCS#8 v2 Ed25519 form dfx writes (with the public key attached)', () => {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
    const publicKey = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
    const der = Buffer.concat([Buffer.from('3053020101300506032b657004220420', 'hex'), seed, Buffer.from('a123032100', 'hex'), publicKey]);
    const pem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    expect(identityFromPem(pem).identity.getPrincipal().toText()).to.equal(expectedEd25519Principal(privateKey));
  });

  it('reads a secp256k1 `EC PRIVATE KEY` (SEC1, as dfx writes it) and a secp256k1 PKCS#8', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    expect(sec1).to.contain('BEGIN EC PRIVATE KEY');
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const expected = expectedSecp256k1Principal(privateKey);
    for (const pem of [sec1, pkcs8]) {
      const parsed = identityFromPem(pem);
      expect(parsed.keyType).to.equal('secp256k1');
      expect(parsed.identity.getPrincipal().toText()).to.equal(expected);
    }
  });

  it('refuses encrypted keys with IDENTITY_ENCRYPTED and a hint', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(sec1).to.contain('Proc-Type: 4,ENCRYPTED');
    for (const pem of [pkcs8, sec1]) expect(expectCode(() => identityFromPem(pem), 'IDENTITY_ENCRYPTED').hint).to.match(/openssl|dfx identity export/);
  });

  it('refuses unreadable and unsupported keys with IDENTITY_INVALID', () => {
    const p256 = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const pem of ['hello', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', p256, rsa, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----']) {
      expectCode(() => identityFromPem(pem), 'IDENTITY_INVALID');
    }
  });
});

describe('IdentityStore', () => {
  let dataDir: string;
  let home: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('generates a `default` Ed25519 identity on first use, mode 0600, stable afterwards', () => {
    const store = new IdentityStore({ dataDir, home });
    const first = store.resolve();
    expect(first.keyType).to.equal('ed25519');
    expect(first.source).to.equal('soulrecall:default');
    const file = path.join(dataDir, 'identities', 'default.pem');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(new IdentityStore({ dataDir, home }).resolve().principal).to.equal(first.principal);
  });

  it('creates, lists, selects and exports principals; never overwrites', () => {
    const store = new IdentityStore({ dataDir, home });
    const deployer = store.create('deployer');
    const k1 = store.create('k1', 'secp256k1');
    expect(k1.keyType).to.equal('secp256k1');
    expect(fs.statSync(path.join(dataDir, 'identities', 'k1.pem')).mode & 0o777).to.equal(0o600);
    expectCode(() => store.create('deployer'), 'IDENTITY_EXISTS');
    expectCode(() => store.create('../evil'), 'INVALID_ARGUMENT');
    store.use('deployer');
    expect(store.selected()).to.equal('deployer');
    expect(store.resolve().principal).to.equal(deployer.principal);
    expect(store.exportPrincipal()).to.equal(deployer.principal);
    expect(store.exportPrincipal('k1')).to.equal(k1.principal);
    const listed = store.list();
    expect(listed.map((entry) => entry.name)).to.deep.equal(['default', 'deployer', 'k1']);
    expect(listed.filter((entry) => entry.selected).map((entry) => entry.name)).to.deep.equal(['deployer']);
    expectCode(() => store.use('nobody'), 'IDENTITY_NOT_FOUND');
  });

  it('imports a PEM file and a dfx identity; resolves paths and dfx:<name> under HOME', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const dfxDir = path.join(home, '.config', 'dfx', 'identity', 'alice');
    fs.mkdirSync(dfxDir, { recursive: true });
    fs.writeFileSync(path.join(dfxDir, 'identity.pem'), privateKey.export({ format: 'pem', type: 'sec1' }));
    const store = new IdentityStore({ dataDir, home });
    const viaDfx = store.resolve('dfx:alice');
    expect(viaDfx.source).to.equal('dfx:alice');
    expect(viaDfx.principal).to.equal(expectedSecp256k1Principal(privateKey));
    expect(store.import('alice-copy', 'dfx:alice').principal).to.equal(viaDfx.principal);
    const pemFile = path.join(home, 'key.pem');
    fs.writeFileSync(pemFile, crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const viaPath = store.resolve(pemFile);
    expect(viaPath.source).to.equal(pemFile);
    expect(store.import('from-file', pemFile).principal).to.equal(viaPath.principal);
  });

  it('follows $HOME when no home is given', () => {
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const dfxDir = path.join(home, '.config', 'dfx', 'identity', 'bob');
      fs.mkdirSync(dfxDir, { recursive: true });
      fs.writeFileSync(path.join(dfxDir, 'identity.pem'), crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
      expect(new IdentityStore({ dataDir }).resolve('dfx:bob').keyType).to.equal('ed25519');
    } finally {
      process.env.HOME = saved;
    }
  });

  it('explains missing and password-protected dfx identities', () => {
    const store = new IdentityStore({ dataDir, home });
    expectCode(() => store.resolve('dfx:ghost'), 'IDENTITY_NOT_FOUND');
    expectCode(() => store.resolve('nobody'), 'IDENTITY_NOT_FOUND');
    expectCode(() => store.resolve('/no/such/key.pem'), 'IDENTITY_NOT_FOUND');
    const dfxDir = path.join(home, '.config', 'dfx', 'identity', 'locked');
    fs.mkdirSync(dfxDir, { recursive: true });
    fs.writeFileSync(path.join(dfxDir, 'identity.pem.encrypted'), 'xx');
    expectCode(() => store.resolve('dfx:locked'), 'IDENTITY_ENCRYPTED');
  });

  it('writes PEMs that other tools (OpenSSL via node:crypto) read back to the same key', () => {
    const store = new IdentityStore({ dataDir, home });
    const ed = store.create('ed');
    const k1 = store.create('k1', 'secp256k1');
    const edKey = crypto.createPrivateKey(fs.readFileSync(path.join(dataDir, 'identities', 'ed.pem')));
    const k1Key = crypto.createPrivateKey(fs.readFileSync(path.join(dataDir, 'identities', 'k1.pem')));
    expect(expectedEd25519Principal(edKey)).to.equal(ed.principal);
    expect(expectedSecp256k1Principal(k1Key)).to.equal(k1.principal);
  });

  it('never puts key material in errors or listings', () => {
    const store = new IdentityStore({ dataDir, home });
    store.create('deployer');
    const pem = fs.readFileSync(path.join(dataDir, 'identities', 'deployer.pem'), 'utf8');
    const secret = pem.split('\n')[1];
    expect(JSON.stringify(store.list())).not.to.contain(secret);
  });
});
