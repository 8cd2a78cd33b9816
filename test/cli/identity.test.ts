import { expect } from 'chai';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityStore } from '@soulrecall/canister-client';
import {
  dfxRingEd25519Pem,
  openssl,
  principalOfPem,
} from '../../packages/canister-client/test/support/independent-principal.js';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';

const PASSPHRASE = 'correct horse battery staple';

/** identity new|list|use|import|export-principal through the real binary (no network needed). */
describe('soulrecall binary: identity', () => {
  const sandbox = new CliSandbox();
  const elsewhere = mkdtempSync(join(tmpdir(), 'soulrecall-'));
  const run = (args: string[], env?: NodeJS.ProcessEnv) => sandbox.run(args, { env });
  const json = async (args: string[], exitCode = 0) => {
    const result = await run([...args, '--json']);
    expect(result.exitCode, result.stderr + result.stdout).to.equal(exitCode);
    return JSON.parse(result.stdout);
  };

  after(() => {
    sandbox.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('list starts with the generated default identity, selected', async () => {
    const { identities } = await json(['identity', 'list']);
    expect(identities).to.have.length(1);
    expect(identities[0]).to.deep.include({ name: 'default', keyType: 'ed25519', selected: true });
  });

  it('new creates a key (mode 0600, never printed) and export-principal prints its principal', async () => {
    const created = await json(['identity', 'new', 'deployer']);
    expect(created).to.deep.include({ name: 'deployer', keyType: 'ed25519', selected: false });
    expect(created.principal).to.match(/^[a-z0-9]{5}(-[a-z0-9]{5})*-[a-z0-9]{3}$/);
    const pem = join(sandbox.home, 'identities', 'deployer.pem');
    expect(statSync(pem).mode & 0o777).to.equal(0o600);
    const secp = await run(['identity', 'new', 'ci', '--key-type', 'secp256k1']);
    expect(secp.exitCode, secp.stderr).to.equal(0);
    expect(secp.stdout + secp.stderr).to.not.include('PRIVATE KEY');
    expect((await json(['identity', 'export-principal', 'deployer'])).principal).to.equal(created.principal);
    const human = await run(['identity', 'export-principal', 'deployer']);
    expect(human.stdout).to.equal(`${created.principal}\n`);
  });

  it('new --key-type p256 creates a P-256 key that openssl reads to the same principal', async () => {
    const created = await json(['identity', 'new', 'edge', '--key-type', 'p256']);
    expect(created).to.deep.include({ name: 'edge', keyType: 'p256' });
    expect(principalOfPem(readFileSync(join(sandbox.home, 'identities', 'edge.pem'), 'utf8'))).to.equal(
      created.principal,
    );
  });

  it('use selects an identity; export-principal and list follow it', async () => {
    const used = await json(['identity', 'use', 'deployer']);
    expect(used).to.deep.include({ name: 'deployer', selected: true });
    expect((await json(['identity', 'export-principal'])).name).to.equal('deployer');
    const { identities } = await json(['identity', 'list']);
    expect(
      identities.filter((i: { selected: boolean }) => i.selected).map((i: { name: string }) => i.name),
    ).to.deep.equal(['deployer']);
    const table = await run(['identity', 'list']);
    expect(table.stdout).to.match(/^\*\s+deployer\s+\S+-\S+$/m);
    for (const line of table.stdout.trimEnd().split('\n')) expect(line.length).to.be.at.most(80);
  });

  it('import copies a PEM file under a name, keeping its principal', async () => {
    const other = new IdentityStore({ dataDir: elsewhere });
    const original = other.create('laptop');
    const imported = await json(['identity', 'import', 'laptop', join(other.directory, 'laptop.pem')]);
    expect(imported).to.deep.include({ name: 'laptop', principal: original.principal });
    expect(readFileSync(join(sandbox.home, 'identities', 'laptop.pem'), 'utf8')).to.include('PRIVATE KEY');
  });

  describe('import of the key files dfx, quill, keysmith and openssl write: the principal computed independently', () => {
    const formats: Array<{ name: string; keyType: string; pem: () => string; env?: NodeJS.ProcessEnv }> = [
      {
        name: 'secp256k1 after an EC PARAMETERS block (openssl ecparam -genkey; quill, keysmith)',
        keyType: 'secp256k1',
        pem: () => openssl(['ecparam', '-name', 'secp256k1', '-genkey']),
      },
      {
        name: 'P-256 SEC1',
        keyType: 'p256',
        pem: () => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']),
      },
      { name: "Ed25519 in dfx's layout", keyType: 'ed25519', pem: dfxRingEd25519Pem },
      {
        name: 'encrypted PKCS#8 with SOULRECALL_IDENTITY_PASSPHRASE',
        keyType: 'secp256k1',
        pem: () =>
          openssl(
            ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`],
            openssl(['ecparam', '-name', 'secp256k1', '-genkey']),
          ),
        env: { SOULRECALL_IDENTITY_PASSPHRASE: PASSPHRASE },
      },
    ];
    formats.forEach((format, index) => {
      it(format.name, async () => {
        const pem = format.pem();
        const path = join(elsewhere, `format-${index}.pem`);
        writeFileSync(path, pem);
        const result = await run(['identity', 'import', `format-${index}`, path, '--json'], format.env);
        expect(result.exitCode, result.stderr).to.equal(0);
        expect(JSON.parse(result.stdout)).to.deep.include({
          name: `format-${index}`,
          keyType: format.keyType,
          principal: principalOfPem(pem, format.env?.SOULRECALL_IDENTITY_PASSPHRASE),
        });
        // Stored as given: an encrypted key stays encrypted.
        expect(readFileSync(join(sandbox.home, 'identities', `format-${index}.pem`), 'utf8')).to.equal(pem);
      });
    });

    it('dfx:<name> under DFX_CONFIG_ROOT, as dfx looks it up, whatever HOME is', async () => {
      const root = join(elsewhere, 'dfx-root');
      const pem = openssl(['ecparam', '-name', 'secp256k1', '-genkey']);
      mkdirSync(join(root, '.config', 'dfx', 'identity', 'alice'), { recursive: true });
      writeFileSync(join(root, '.config', 'dfx', 'identity', 'alice', 'identity.pem'), pem);
      const result = await run(['identity', 'import', 'alice', 'dfx:alice', '--json'], {
        DFX_CONFIG_ROOT: root,
        HOME: elsewhere,
      });
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.deep.include({
        name: 'alice',
        keyType: 'secp256k1',
        principal: principalOfPem(pem),
      });
    });
  });

  /** Files the bad-input cases name, written before they run. */
  const file = (name: string) => join(elsewhere, name);
  before(() => {
    writeFileSync(file('junk.pem'), 'hello\n');
    writeFileSync(file('garbage-block.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    writeFileSync(file('rsa.pem'), openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']));
    writeFileSync(
      file('locked.pem'),
      openssl(
        ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`],
        openssl(['genpkey', '-algorithm', 'ed25519']),
      ),
    );
  });

  const bad: Array<{
    name: string;
    args: string[];
    exitCode: number;
    env?: NodeJS.ProcessEnv;
    error?: RegExp;
    hint?: RegExp;
  }> = [
    { name: 'use of an unknown identity', args: ['identity', 'use', 'nobody'], exitCode: 4 },
    { name: 'export-principal of an unknown identity', args: ['identity', 'export-principal', 'nobody'], exitCode: 4 },
    { name: 'new with a name that exists', args: ['identity', 'new', 'deployer'], exitCode: 9 },
    {
      name: 'import of a file that is not a key',
      args: ['identity', 'import', 'junk', file('junk.pem')],
      exitCode: 5,
      error: /junk\.pem is not a usable identity: it holds no PEM private key$/m,
    },
    {
      name: 'import of a garbage PEM',
      args: ['identity', 'import', 'garbage', file('garbage-block.pem')],
      exitCode: 5,
      error: /garbage-block\.pem is not a usable identity: its private key block cannot be read$/m,
      hint: /Ed25519, secp256k1 or P-256/,
    },
    {
      name: 'import of an RSA key',
      args: ['identity', 'import', 'rsa', file('rsa.pem')],
      exitCode: 5,
      error: /RSA keys cannot sign IC requests/,
    },
    {
      name: 'import of an encrypted key with a wrong SOULRECALL_IDENTITY_PASSPHRASE',
      args: ['identity', 'import', 'locked', file('locked.pem')],
      env: { SOULRECALL_IDENTITY_PASSPHRASE: 'not the passphrase' },
      exitCode: 5,
      error: /^Error: The passphrase does not decrypt \S+locked\.pem$/m,
      hint: /SOULRECALL_IDENTITY_PASSPHRASE/,
    },
    {
      name: 'import of an encrypted key with no terminal and no SOULRECALL_IDENTITY_PASSPHRASE',
      args: ['identity', 'import', 'locked', file('locked.pem')],
      env: { SOULRECALL_IDENTITY_PASSPHRASE: '' },
      exitCode: 5,
      error: /locked\.pem is an encrypted key and there is no terminal to ask for its passphrase$/m,
      hint: /Set SOULRECALL_IDENTITY_PASSPHRASE/,
    },
    {
      name: 'import of a dfx identity that is not under DFX_CONFIG_ROOT',
      args: ['identity', 'import', 'ghost', 'dfx:ghost'],
      env: { DFX_CONFIG_ROOT: elsewhere },
      exitCode: 4,
      error: /No dfx identity "ghost" at \S+\/\.config\/dfx\/identity\/ghost\/identity\.pem/,
      hint: /DFX_CONFIG_ROOT/,
    },
    { name: 'new with an unknown key type', args: ['identity', 'new', 'x', '--key-type', 'rsa'], exitCode: 2 },
  ];
  for (const testCase of bad) {
    it(`refuses ${testCase.name} with exit ${testCase.exitCode}, a sentence and a hint, nothing written`, async () => {
      const before = existsSync(join(sandbox.home, 'identities'))
        ? readdirSync(join(sandbox.home, 'identities')).sort()
        : [];
      const result = await sandbox.run(testCase.args, { env: testCase.env });
      expect(result.exitCode, result.stderr).to.equal(testCase.exitCode);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.match(/^Error: \S.*$/m);
      expect(result.stderr).to.match(/^Hint: \S/m);
      expect(result.stderr).to.not.match(STACK_TRACE);
      if (testCase.error) expect(result.stderr).to.match(testCase.error);
      if (testCase.hint) expect(result.stderr).to.match(testCase.hint);
      expect(result.stderr).to.not.include(PASSPHRASE);
      if (testCase.env?.SOULRECALL_IDENTITY_PASSPHRASE)
        expect(result.stderr).to.not.include(testCase.env.SOULRECALL_IDENTITY_PASSPHRASE);
      expect(readdirSync(join(sandbox.home, 'identities')).sort()).to.deep.equal(before);
    });
  }
});
