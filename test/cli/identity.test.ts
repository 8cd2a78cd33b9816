import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityStore } from '@soulrecall/canister-client';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';

/** identity new|list|use|import|export-principal through the real binary (no network needed). */
describe('soulrecall binary: identity', () => {
  const sandbox = new CliSandbox();
  const elsewhere = mkdtempSync(join(tmpdir(), 'soulrecall-'));
  const run = (args: string[]) => sandbox.run(args);
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

  it('use selects an identity; export-principal and list follow it', async () => {
    const used = await json(['identity', 'use', 'deployer']);
    expect(used).to.deep.include({ name: 'deployer', selected: true });
    expect((await json(['identity', 'export-principal'])).name).to.equal('deployer');
    const { identities } = await json(['identity', 'list']);
    expect(identities.filter((i: { selected: boolean }) => i.selected).map((i: { name: string }) => i.name)).to.deep.equal(['deployer']);
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

  const bad: Array<{ name: string; args: string[]; exitCode: number; code?: RegExp }> = [
    { name: 'use of an unknown identity', args: ['identity', 'use', 'nobody'], exitCode: 4 },
    { name: 'export-principal of an unknown identity', args: ['identity', 'export-principal', 'nobody'], exitCode: 4 },
    { name: 'new with a name that exists', args: ['identity', 'new', 'deployer'], exitCode: 9 },
    { name: 'import of a file that is not a key', args: ['identity', 'import', 'junk', 'NOT_A_KEY'], exitCode: 5 },
    { name: 'new with an unknown key type', args: ['identity', 'new', 'x', '--key-type', 'rsa'], exitCode: 2 },
  ];
  for (const testCase of bad) {
    it(`refuses ${testCase.name} with exit ${testCase.exitCode}, a sentence and a hint`, async () => {
      if (testCase.args.includes('NOT_A_KEY')) {
        writeFileSync(join(elsewhere, 'junk.pem'), 'hello\n');
        testCase.args[testCase.args.indexOf('NOT_A_KEY')] = join(elsewhere, 'junk.pem');
      }
      const result = await run(testCase.args);
      expect(result.exitCode, result.stderr).to.equal(testCase.exitCode);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.match(/^Error: \S.*$/m);
      expect(result.stderr).to.match(/^Hint: \S/m);
      expect(result.stderr).to.not.match(STACK_TRACE);
    });
  }
});
