import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Principal } from '@dfinity/principal';
import { expect } from 'chai';
import { CanisterClientError } from '../src/errors.js';
import { identityFromPem } from '../src/identity/pem.js';
import { IdentityStore } from '../src/identity/store.js';
import { dfxRingEd25519Pem, openssl, principalOfPem, principalOfSpki } from './support/independent-principal.js';

function expectCode(fn: () => unknown, code: string): CanisterClientError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(CanisterClientError);
    expect((error as CanisterClientError).code, (error as Error).message).to.equal(code);
    return error as CanisterClientError;
  }
  expect.fail(`expected ${code}`);
}

const PASSPHRASE = 'correct horse battery staple';

/**
 * Key files as the tools write them, each made by openssl itself (dfx's Ed25519 form excepted: openssl cannot write
 * it).
 */
interface KeyFormat {
  name: string;
  keyType: 'ed25519' | 'secp256k1' | 'p256';
  pem: () => string;
  passphrase?: string;
  /** What the file starts with, to be sure the format under test is the one named. */
  begins: RegExp;
}

const ecParamsK1 = () => openssl(['ecparam', '-name', 'secp256k1', '-genkey']);
const edPkcs8 = () => openssl(['genpkey', '-algorithm', 'ed25519']);
const formats: KeyFormat[] = [
  {
    name: 'Ed25519 PKCS#8 (openssl genpkey)',
    keyType: 'ed25519',
    pem: edPkcs8,
    begins: /^-----BEGIN PRIVATE KEY-----/,
  },
  {
    name: "Ed25519 PKCS#8 v2 as dfx writes it (ring's layout, public key attached)",
    keyType: 'ed25519',
    pem: dfxRingEd25519Pem,
    begins: /^-----BEGIN PRIVATE KEY-----\nMFMCAQEw/,
  },
  {
    name: 'secp256k1 SEC1 after an EC PARAMETERS block (openssl ecparam -genkey; quill, keysmith)',
    keyType: 'secp256k1',
    pem: ecParamsK1,
    begins: /^-----BEGIN EC PARAMETERS-----\n[\s\S]*-----BEGIN EC PRIVATE KEY-----/,
  },
  {
    name: 'secp256k1 SEC1 alone (openssl ecparam -genkey -noout; dfx)',
    keyType: 'secp256k1',
    pem: () => openssl(['ecparam', '-name', 'secp256k1', '-genkey', '-noout']),
    begins: /^-----BEGIN EC PRIVATE KEY-----/,
  },
  {
    name: 'secp256k1 PKCS#8',
    keyType: 'secp256k1',
    pem: () => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']),
    begins: /^-----BEGIN PRIVATE KEY-----/,
  },
  {
    name: 'P-256 SEC1 after an EC PARAMETERS block',
    keyType: 'p256',
    pem: () => openssl(['ecparam', '-name', 'prime256v1', '-genkey']),
    begins: /^-----BEGIN EC PARAMETERS-----/,
  },
  {
    name: 'P-256 PKCS#8',
    keyType: 'p256',
    pem: () => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
    begins: /^-----BEGIN PRIVATE KEY-----/,
  },
  {
    name: 'encrypted PKCS#8 of an Ed25519 key (openssl pkcs8 -topk8 -v2 aes-256-cbc)',
    keyType: 'ed25519',
    pem: () => openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`], edPkcs8()),
    passphrase: PASSPHRASE,
    begins: /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
  },
  {
    name: 'encrypted PKCS#8 of a secp256k1 key',
    keyType: 'secp256k1',
    pem: () => openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`], ecParamsK1()),
    passphrase: PASSPHRASE,
    begins: /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
  },
  {
    name: 'legacy encrypted SEC1 (openssl ec -aes256)',
    keyType: 'secp256k1',
    pem: () => openssl(['ec', '-aes256', '-passout', `pass:${PASSPHRASE}`], ecParamsK1()),
    passphrase: PASSPHRASE,
    begins: /^-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED/,
  },
];

describe('PEM identities: the formats dfx, quill, keysmith and openssl write', () => {
  for (const format of formats) {
    it(`${format.name}: same principal as computed independently, and signatures that verify`, async () => {
      const pem = format.pem();
      expect(pem).to.match(format.begins);
      const parsed = identityFromPem(pem, 'key.pem', format.passphrase);
      expect(parsed.keyType).to.equal(format.keyType);
      expect(parsed.identity.getPrincipal().toText()).to.equal(principalOfPem(pem, format.passphrase));
      // The sender key is the DER SubjectPublicKeyInfo; the signature is what the IC checks against it.
      const publicKey = crypto.createPublicKey({
        key: Buffer.from(parsed.identity.getPublicKey().toDer()),
        format: 'der',
        type: 'spki',
      });
      const message = crypto.randomBytes(48);
      const signature = Buffer.from(await parsed.identity.sign(message));
      expect(signature).to.have.length(64);
      const verified =
        format.keyType === 'ed25519'
          ? crypto.verify(null, message, publicKey, signature)
          : crypto.verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      expect(verified).to.equal(true);
    });
  }

  it('ECDSA signatures are always low-S (the form the IC accepts for secp256k1)', async () => {
    const order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const { identity } = identityFromPem(ecParamsK1());
    for (let i = 0; i < 32; i++) {
      const s = BigInt(
        `0x${Buffer.from(await identity.sign(crypto.randomBytes(16)))
          .subarray(32)
          .toString('hex')}`,
      );
      expect(s <= order / 2n).to.equal(true);
    }
  });

  it('a passphrase given for a key that is not encrypted is ignored', () => {
    const pem = edPkcs8();
    expect(identityFromPem(pem, 'key.pem', 'unused').identity.getPrincipal().toText()).to.equal(principalOfPem(pem));
  });
});

describe('PEM identities: bad input', () => {
  const encrypted = () =>
    openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`], edPkcs8());
  const ringWithForeignPublicKey = () => {
    const der = Buffer.from(dfxRingEd25519Pem().replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der[der.length - 1] ^= 0xff;
    return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  };
  const cases: Array<{ name: string; pem: () => string; passphrase?: string; code: string; message: RegExp }> = [
    {
      name: 'text that is no PEM',
      pem: () => 'hello\n',
      code: 'IDENTITY_INVALID',
      message: /holds no PEM private key/,
    },
    { name: 'an empty file', pem: () => '', code: 'IDENTITY_INVALID', message: /holds no PEM private key/ },
    {
      name: 'a garbage PRIVATE KEY block',
      pem: () => '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      code: 'IDENTITY_INVALID',
      message: /private key block cannot be read/,
    },
    {
      name: 'a public key',
      pem: () => openssl(['pkey', '-pubout'], edPkcs8()),
      code: 'IDENTITY_INVALID',
      message: /holds no PEM private key/,
    },
    {
      name: 'an RSA key',
      pem: () => openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']),
      code: 'IDENTITY_INVALID',
      message: /RSA keys cannot sign IC requests/,
    },
    {
      name: 'an EC key on secp384r1',
      pem: () => openssl(['ecparam', '-name', 'secp384r1', '-genkey']),
      code: 'IDENTITY_INVALID',
      message: /secp384r1 cannot sign IC requests/,
    },
    {
      name: "dfx's Ed25519 layout carrying another key's public key",
      pem: ringWithForeignPublicKey,
      code: 'IDENTITY_INVALID',
      message: /cannot be read/,
    },
    {
      name: 'an encrypted key without a passphrase',
      pem: encrypted,
      code: 'IDENTITY_PASSPHRASE_REQUIRED',
      message: /is an encrypted key/,
    },
    {
      name: 'an encrypted key with a wrong passphrase',
      pem: encrypted,
      passphrase: 'not it',
      code: 'IDENTITY_PASSPHRASE_WRONG',
      message: /^The passphrase does not decrypt key\.pem$/,
    },
    {
      name: 'an encrypted key with an empty passphrase',
      pem: encrypted,
      passphrase: '',
      code: 'IDENTITY_PASSPHRASE_WRONG',
      message: /does not decrypt/,
    },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: ${testCase.code}, one sentence naming the file, a hint`, () => {
      const error = expectCode(() => identityFromPem(testCase.pem(), 'key.pem', testCase.passphrase), testCase.code);
      expect(error.message).to.match(testCase.message);
      expect(error.message).to.contain('key.pem');
      expect(error.message).not.to.match(/\n|\.$/);
      expect(error.hint).to.match(/^\S.*\.$/);
      if (testCase.passphrase) expect(`${error.message}${error.hint}`).not.to.contain(testCase.passphrase);
    });
  }
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

  /** A dfx identity as dfx lays it out: `<root>/.config/dfx/identity/<name>/identity.pem`. */
  function dfxIdentity(root: string, name: string, pem: string): string {
    const dir = path.join(root, '.config', 'dfx', 'identity', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'identity.pem'), pem);
    return dir;
  }

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
    const pem = ecParamsK1();
    dfxIdentity(home, 'alice', pem);
    const store = new IdentityStore({ dataDir, home, dfxConfigRoot: undefined });
    const viaDfx = store.resolve('dfx:alice');
    expect(viaDfx.source).to.equal('dfx:alice');
    expect(viaDfx.principal).to.equal(principalOfPem(pem));
    expect(store.import('alice-copy', 'dfx:alice').principal).to.equal(viaDfx.principal);
    const pemFile = path.join(home, 'key.pem');
    fs.writeFileSync(pemFile, edPkcs8());
    const viaPath = store.resolve(pemFile);
    expect(viaPath.source).to.equal(pemFile);
    expect(store.import('from-file', pemFile).principal).to.equal(viaPath.principal);
  });

  it('follows $HOME when no home is given, and $DFX_CONFIG_ROOT over $HOME as dfx does', () => {
    const saved = { HOME: process.env.HOME, DFX_CONFIG_ROOT: process.env.DFX_CONFIG_ROOT };
    const root = path.join(home, 'dfx-root');
    process.env.HOME = home;
    delete process.env.DFX_CONFIG_ROOT;
    try {
      const bob = edPkcs8();
      dfxIdentity(home, 'bob', bob);
      expect(new IdentityStore({ dataDir }).resolve('dfx:bob').principal).to.equal(principalOfPem(bob));
      const carol = ecParamsK1();
      dfxIdentity(root, 'carol', carol);
      process.env.DFX_CONFIG_ROOT = root;
      const store = new IdentityStore({ dataDir });
      expect(store.dfxPemPath('carol')).to.equal(
        path.join(root, '.config', 'dfx', 'identity', 'carol', 'identity.pem'),
      );
      expect(store.resolve('dfx:carol').principal).to.equal(principalOfPem(carol));
      // With a root set, HOME's identities are not dfx's any more.
      const error = expectCode(() => store.resolve('dfx:bob'), 'IDENTITY_NOT_FOUND');
      expect(error.message).to.contain(root);
      expect(error.hint).to.contain('DFX_CONFIG_ROOT');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('explains missing and password-protected dfx identities', () => {
    const store = new IdentityStore({ dataDir, home, dfxConfigRoot: home });
    expectCode(() => store.resolve('dfx:ghost'), 'IDENTITY_NOT_FOUND');
    expectCode(() => store.resolve('nobody'), 'IDENTITY_NOT_FOUND');
    expectCode(() => store.resolve('/no/such/key.pem'), 'IDENTITY_NOT_FOUND');
    const dfxDir = path.join(home, '.config', 'dfx', 'identity', 'locked');
    fs.mkdirSync(dfxDir, { recursive: true });
    fs.writeFileSync(path.join(dfxDir, 'identity.pem.encrypted'), 'xx');
    expect(expectCode(() => store.resolve('dfx:locked'), 'IDENTITY_ENCRYPTED').hint).to.contain(
      'dfx identity export locked',
    );
    // dfx keeps keyring identities as a folder without identity.pem.
    fs.mkdirSync(path.join(home, '.config', 'dfx', 'identity', 'in-keyring'), { recursive: true });
    expect(expectCode(() => store.resolve('dfx:in-keyring'), 'IDENTITY_NOT_FOUND').hint).to.contain('system keyring');
  });

  it('imports an encrypted PKCS#8 key and keeps it encrypted: each use needs the passphrase', () => {
    const pem = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`], ecParamsK1());
    const file = path.join(home, 'enc.pem');
    fs.writeFileSync(file, pem);
    const expected = principalOfPem(pem, PASSPHRASE);
    const withVariable = new IdentityStore({ dataDir, home, passphrase: PASSPHRASE });
    expect(withVariable.import('enc', file)).to.deep.include({ principal: expected, keyType: 'secp256k1' });
    const stored = path.join(dataDir, 'identities', 'enc.pem');
    expect(fs.readFileSync(stored, 'utf8')).to.equal(pem);
    expect(fs.statSync(stored).mode & 0o777).to.equal(0o600);

    const without = new IdentityStore({ dataDir, home });
    const required = expectCode(() => without.load('enc'), 'IDENTITY_PASSPHRASE_REQUIRED');
    expect(required.details.source).to.equal(stored);
    expect(required.hint).to.contain('SOULRECALL_IDENTITY_PASSPHRASE');
    // A passphrase typed at a prompt is remembered for that file.
    without.providePassphrase(stored, 'wrong');
    expectCode(() => without.load('enc'), 'IDENTITY_PASSPHRASE_WRONG');
    without.providePassphrase(stored, PASSPHRASE);
    expect(without.load('enc').principal).to.equal(expected);
    expectCode(
      () => new IdentityStore({ dataDir, home, passphrase: 'wrong' }).resolve('enc'),
      'IDENTITY_PASSPHRASE_WRONG',
    );
  });

  it('reads SOULRECALL_IDENTITY_PASSPHRASE when no passphrase is given; an empty one is none', () => {
    const pem = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`], edPkcs8());
    const file = path.join(home, 'enc.pem');
    fs.writeFileSync(file, pem);
    const saved = process.env.SOULRECALL_IDENTITY_PASSPHRASE;
    try {
      process.env.SOULRECALL_IDENTITY_PASSPHRASE = PASSPHRASE;
      expect(new IdentityStore({ dataDir, home }).resolve(file).principal).to.equal(principalOfPem(pem, PASSPHRASE));
      process.env.SOULRECALL_IDENTITY_PASSPHRASE = '';
      expectCode(() => new IdentityStore({ dataDir, home }).resolve(file), 'IDENTITY_PASSPHRASE_REQUIRED');
    } finally {
      if (saved === undefined) delete process.env.SOULRECALL_IDENTITY_PASSPHRASE;
      else process.env.SOULRECALL_IDENTITY_PASSPHRASE = saved;
    }
  });

  it('writes PEMs that openssl reads back to the same principal', () => {
    const store = new IdentityStore({ dataDir, home });
    for (const keyType of ['ed25519', 'secp256k1', 'p256'] as const) {
      const created = store.create(keyType, keyType);
      const pem = fs.readFileSync(path.join(dataDir, 'identities', `${keyType}.pem`), 'utf8');
      expect(principalOfPem(pem)).to.equal(created.principal);
      expect(store.load(keyType).keyType).to.equal(keyType);
    }
  });

  it('never puts key material in errors or listings', () => {
    const store = new IdentityStore({ dataDir, home });
    store.create('deployer');
    const pem = fs.readFileSync(path.join(dataDir, 'identities', 'deployer.pem'), 'utf8');
    const secret = pem.split('\n')[1];
    expect(JSON.stringify(store.list())).not.to.contain(secret);
  });
});

describe('the independent principal computation the tests compare with', () => {
  it("agrees with @dfinity/principal on a fixed key (a check of the test's own helper)", () => {
    // The Ed25519 public key of RFC 8032's first test vector, as a SubjectPublicKeyInfo.
    const spki = Buffer.from(
      '302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      'hex',
    );
    expect(principalOfSpki(spki)).to.equal(Principal.selfAuthenticating(new Uint8Array(spki)).toText());
  });
});
