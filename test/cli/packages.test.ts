import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { PUBLISHED_PACKAGES } from '../helpers/registry.js';

interface Packed {
  name: string;
  files: { path: string }[];
}

/**
 * What `npm pack` puts in each published package (read without writing a tarball): the built
 * JavaScript, its type declarations and oclif's manifest, never sources, tests or build state.
 * registry-install.test.ts installs these same packages and runs them.
 */
describe('published packages hold what they need and nothing else', function () {
  this.timeout(120_000);
  for (const dir of [...PUBLISHED_PACKAGES, 'examples/plugin-notify']) {
    it(`${dir === '.' ? 'soulrecall' : dir}`, () => {
      const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8'));
      const [packed] = JSON.parse(
        execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
          cwd: join(repoRoot, dir),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ) as Packed[];
      const files = packed!.files.map((file) => file.path);
      expect(pkg.private, 'publishable').to.not.equal(true);
      if (pkg.name.startsWith('@')) expect(pkg.publishConfig).to.deep.equal({ access: 'public' });
      // Every entry point the package declares is in it.
      const entries = [
        pkg.main,
        pkg.types,
        ...Object.values(pkg.bin ?? {}),
        ...Object.values(pkg.exports ?? {}).flatMap((entry) =>
          typeof entry === 'string' ? [entry] : Object.values(entry as Record<string, string>),
        ),
      ]
        .filter(Boolean)
        .map((path) => String(path).replace(/^\.\//, ''));
      for (const entry of entries) expect(files, `${entry} is packed`).to.include(entry);
      if (pkg.oclif) expect(files).to.include('oclif.manifest.json');
      for (const hook of Object.values(pkg.oclif?.hooks ?? {}))
        expect(files).to.include(String(hook).replace(/^\.\//, ''));
      expect(
        files.filter(
          (file) => /^(src|test|bench|scripts)\//.test(file) || /\.tsbuildinfo$|\.test\.|tsconfig/.test(file),
        ),
        'no sources, tests or build state',
      ).to.deep.equal([]);
    });
  }
});
