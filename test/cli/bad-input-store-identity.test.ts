import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityStore } from '@soulrecall/canister-client';
import { binPath, runProgram, type CliResult } from '../helpers/cli.js';
import { expectJsonRefusal, expectRefusal, treeDigest } from './bad-input-store-support.js';

/** Root ignores permission bits, so the read-only cases run the binary as `nobody` when the tests run as root. */
const asRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };
const user = asRoot ? NOBODY : {};

interface IdentityCase {
  args: string[];
  /** What the sentence must name besides the exit code: the directory and why. */
  error: RegExp;
}

/**
 * The identity commands in a data directory they cannot write: exit 11 (the data directory is
 * unwritable), one sentence naming the identities directory and why, a hint naming the data
 * directory, no stack trace, and the directory exactly as it was.
 */
describe('soulrecall binary: identity commands in an unwritable data directory', function () {
  this.timeout(300_000);
  const base = mkdtempSync(join(tmpdir(), 'soulrecall-identity-'));
  // oclif's own folders and the PEM to import stay writable/readable for whoever runs the binary.
  const scratch = join(base, 'scratch');
  const pem = join(scratch, 'laptop.pem');

  before(() => {
    chmodSync(base, 0o755);
    mkdirSync(scratch, { mode: 0o777 });
    chmodSync(scratch, 0o777);
    const source = new IdentityStore({ dataDir: join(base, 'source') });
    source.create('laptop');
    writeFileSync(pem, readFileSync(join(source.directory, 'laptop.pem')), { mode: 0o644 });
  });
  after(() => {
    spawnSync('chmod', ['-R', 'u+rwx', base]);
    rmSync(base, { recursive: true, force: true });
  });

  function run(home: string, args: string[], options: { uid?: number; gid?: number } = {}): Promise<CliResult> {
    const env = {
      ...process.env,
      SOULRECALL_HOME: home,
      SOULRECALL_DATA_DIR: join(scratch, 'oclif-data'),
      SOULRECALL_CONFIG_DIR: join(scratch, 'oclif-config'),
      SOULRECALL_CACHE_DIR: join(scratch, 'oclif-cache'),
      HOME: scratch,
      NO_COLOR: '1',
      DEBUG: '',
    };
    return runProgram(process.execPath, [binPath, ...args], { cwd: scratch, env, ...options });
  }

  /** Guards against a vacuous pass: whoever runs the binary really cannot create a file there. */
  function writableBy(dir: string, options: { uid?: number; gid?: number }): boolean {
    const probe = spawnSync(
      process.execPath,
      ['-e', `require('fs').writeFileSync(${JSON.stringify(join(dir, '.probe'))}, 'x')`],
      options,
    );
    rmSync(join(dir, '.probe'), { force: true });
    return probe.status === 0;
  }

  const commands = (error: RegExp): IdentityCase[] => [
    { args: ['identity', 'new', 'bob'], error },
    { args: ['identity', 'new', 'ci', '--key-type', 'secp256k1'], error },
    { args: ['identity', 'import', 'laptop', pem], error },
    { args: ['identity', 'list'], error },
    { args: ['identity', 'export-principal'], error },
  ];

  describe('a data directory path whose parent is a regular file (ENOTDIR, also as root)', () => {
    const home = join(base, 'not-a-directory', 'home');
    before(() => writeFileSync(join(base, 'not-a-directory'), 'a plain file where a folder should be\n'));

    for (const testCase of commands(/part of that path is a file, not a directory \(ENOTDIR\)/)) {
      it(`${testCase.args.join(' ').replace(pem, '<pem>')} → exit 11, nothing touched`, async () => {
        const before = treeDigest(join(base, 'not-a-directory'));
        const result = await run(home, testCase.args);
        expectRefusal(result, 11, testCase.error);
        expect(result.stderr).to.contain(`${join(home, 'identities')}:`);
        expect(result.stderr).to.match(/Hint: .*SOULRECALL_HOME/);
        expect(treeDigest(join(base, 'not-a-directory'))).to.deep.equal(before);
      });
    }

    it('--json carries DATA_DIR_UNWRITABLE and exit 11', async () => {
      expectJsonRefusal(await run(home, ['identity', 'new', 'bob', '--json']), 11, 'DATA_DIR_UNWRITABLE');
    });
  });

  describe(`a read-only data directory (run as ${asRoot ? 'nobody, since root ignores modes' : 'this user'})`, () => {
    const home = join(base, 'read-only-home');
    before(() => {
      mkdirSync(home);
      chmodSync(home, 0o555);
    });

    it('cannot be written by whoever runs the binary', () => {
      expect(writableBy(home, user)).to.equal(false);
    });

    for (const testCase of commands(/permission denied \(EACCES\)/)) {
      it(`${testCase.args.join(' ').replace(pem, '<pem>')} → exit 11, nothing touched`, async () => {
        const before = treeDigest(home);
        const result = await run(home, testCase.args, user);
        expectRefusal(result, 11, testCase.error);
        expect(result.stderr).to.contain(`${join(home, 'identities')}:`);
        expect(treeDigest(home)).to.deep.equal(before);
      });
    }
  });

  describe(`a read-only data directory that already holds identities (run as ${asRoot ? 'nobody' : 'this user'})`, () => {
    const home = join(base, 'read-only-identities');
    before(() => {
      new IdentityStore({ dataDir: home }).list(); // creates the default identity
      if (asRoot) spawnSync('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, home]);
      chmodSync(join(home, 'identities'), 0o555);
      chmodSync(home, 0o555);
    });

    it('cannot be written by whoever runs the binary', () => {
      expect(writableBy(join(home, 'identities'), user)).to.equal(false);
    });

    for (const testCase of [
      { args: ['identity', 'new', 'bob'] },
      { args: ['identity', 'use', 'default'] },
      { args: ['identity', 'import', 'laptop', pem] },
    ]) {
      it(`${testCase.args.join(' ').replace(pem, '<pem>')} → exit 11, nothing touched`, async () => {
        const before = treeDigest(home);
        const result = await run(home, testCase.args, user);
        expectRefusal(result, 11, /permission denied \(EACCES\)/);
        expect(result.stderr).to.contain(`${join(home, 'identities')}:`);
        expect(treeDigest(home)).to.deep.equal(before);
      });
    }

    it('still reads: identity list and export-principal work', async () => {
      for (const args of [
        ['identity', 'list'],
        ['identity', 'export-principal'],
      ]) {
        const result = await run(home, args, user);
        expect(result.exitCode, result.stderr).to.equal(0);
      }
    });
  });
});
