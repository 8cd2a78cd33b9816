// After tsc: replaces each named module of a package's dist (a re-export of one npm dependency,
// e.g. history-store's dist/db/kysely.js, core's dist/config/yaml.js) with one self-contained
// file, so that a command loads one module instead of the dependency's hundreds; Node 20 spends
// about 0.3-0.5 ms on each module it loads (bench/startup). Run from the package's folder, as its
// `bundle` script does. tsc -b leaves an unchanged module alone, so a file that is already a
// bundle (it starts with BANNER) is skipped.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

// A CommonJS dependency (yaml) keeps its require() of Node built-ins, which ES modules lack.
const BANNER =
  "// Bundled by scripts/bundle-dependency.mjs.\nimport { createRequire as soulrecallBundleRequire } from 'node:module';\nconst require = soulrecallBundleRequire(import.meta.url);";

const targets = process.argv.slice(2).map((file) => resolve(file));
if (targets.length === 0) throw new Error('usage: node scripts/bundle-dependency.mjs <dist module>...');
for (const target of targets) {
  if (readFileSync(target, 'utf8').startsWith(BANNER)) continue;
  await build({
    entryPoints: [target],
    outfile: target,
    allowOverwrite: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: BANNER },
  });
  // tsc's source map describes the file that was just replaced.
  rmSync(`${target}.map`, { force: true });
}
