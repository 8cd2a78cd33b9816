// After tsc: replaces dist/db/kysely.js (a re-export of 'kysely') with one self-contained file,
// so a command loads one module instead of Kysely's 280 (see src/db/kysely.ts). Running it again
// on its own output is harmless.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../dist/db/kysely.js', import.meta.url));
await build({
  entryPoints: [target],
  outfile: target,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
// tsc's source map describes the file that was just replaced.
rmSync(`${target}.map`, { force: true });
