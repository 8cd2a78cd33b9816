import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { closedPortUrl } from '../helpers/project.js';

/**
 * `plugins install` of something soulrecall cannot load is refused before npm runs: one
 * `Error:` sentence and a `Hint:`, the README's exit code, nothing installed, and the CLI works
 * as before afterwards.
 */
describe('soulrecall binary: bad input to plugins install', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  const work = join(sandbox.home, 'work');
  const pack = (pkg: Record<string, unknown>): string => {
    const folder = join(work, String(pkg.name));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), JSON.stringify(pkg));
    return join(
      work,
      execFileSync('npm', ['pack', '--pack-destination', work], {
        cwd: folder,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
        .trim()
        .split('\n')
        .pop()!,
    );
  };
  const dataDir = join(sandbox.home, 'oclif-data');
  /** What plugin-plugins has installed: its package.json and node_modules in oclif's data dir. */
  const installed = () => ({
    packageJson: existsSync(join(dataDir, 'package.json')),
    modules: existsSync(join(dataDir, 'node_modules')) ? readdirSync(join(dataDir, 'node_modules')) : [],
  });

  let cases: { name: string; args: string[]; env?: NodeJS.ProcessEnv; exitCode: number; error: RegExp }[];
  before(async () => {
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'notes.tgz'), 'these are not the bytes you are looking for\n');
    cases = [
      {
        name: 'a tarball that is not a plugin',
        args: [`file:${pack({ name: 'plain-package', version: '1.0.0' })}`],
        exitCode: 5,
        error: /^Error: plain-package is not a soulrecall plugin: its package\.json has no "oclif" section\.$/m,
      },
      {
        name: 'a plugin for another @soulrecall/core',
        args: [
          `file:${pack({ name: 'future-plugin', version: '1.0.0', oclif: { commands: './dist/commands' }, peerDependencies: { '@soulrecall/core': '^9.0.0' } })}`,
        ],
        exitCode: 5,
        error: /^Error: future-plugin needs @soulrecall\/core \^9\.0\.0, and this soulrecall has 0\.1\.0\.$/m,
      },
      {
        name: 'a file that is not a tarball',
        args: [`file:${join(work, 'notes.tgz')}`],
        exitCode: 5,
        error: /notes\.tgz is not an npm package: it is not a tarball holding package\/package\.json\.$/m,
      },
      {
        name: 'a tarball that does not exist',
        args: [`file:${join(work, 'nowhere.tgz')}`],
        exitCode: 4,
        error: /nowhere\.tgz does not exist\.$/m,
      },
      {
        name: 'a registry that is down',
        args: ['@soulrecall/plugin-notify'],
        env: { SOULRECALL_NPM_REGISTRY: `${await closedPortUrl()}/` },
        exitCode: 6,
        error: /^Error: The npm registry at http:\/\/127\.0\.0\.1:\d+\/ cannot be reached: connection refused\.$/m,
      },
    ];
  });
  after(() => sandbox.cleanup());

  it('refuses each one in one sentence with a hint, installs nothing, and the CLI still works', async () => {
    for (const { name, args, env, exitCode, error } of cases) {
      const before = installed();
      const result = await sandbox.run(['plugins', 'install', ...args], { env });
      expect(result.exitCode, `${name}\n${result.stderr}`).to.equal(exitCode);
      expect(result.stderr, name).to.match(error);
      expect(result.stderr.trim().split('\n'), name).to.have.length(2);
      expect(result.stderr, name).to.match(/^Hint: .+/m);
      expect(result.stderr, name).to.not.match(STACK_TRACE);
      expect(installed(), name).to.deep.equal(before);
      // `help` loads every plugin's manifest (`--version` is answered before any plugin loads).
      const help = await sandbox.run(['help']);
      expect(help.exitCode, name).to.equal(0);
      const list = await sandbox.run(['env', 'list', '--help']);
      expect(list.exitCode, name).to.equal(0);
    }
  });
});
