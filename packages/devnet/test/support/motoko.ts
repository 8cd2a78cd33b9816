import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Compiles a Motoko actor with the `motoko` npm package (moc in JavaScript), with the `core`
 * library loaded for `mo:core/...` imports. moc runs in a child process: the package is large and
 * keeps its own global state. Run from the repository root (where `motoko` resolves).
 */
export function compileMotoko(source: string, dir: string): Uint8Array {
  const out = path.join(dir, 'main.wasm');
  const compile =
    `import mo from 'motoko'; import fs from 'node:fs'; import { createRequire } from 'node:module';` +
    `mo.loadPackage(createRequire(import.meta.url)('motoko/packages/latest/core.json'));` +
    `mo.write('Main.mo', ${JSON.stringify(source)}); fs.writeFileSync(${JSON.stringify(out)}, mo.wasm('Main.mo', 'ic').wasm);`;
  execFileSync(process.execPath, ['--input-type=module', '-e', compile], { cwd: process.cwd(), stdio: 'inherit' });
  return new Uint8Array(fs.readFileSync(out));
}
