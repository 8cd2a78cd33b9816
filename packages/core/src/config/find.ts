import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// Apart from the loader so that shell completion, which runs on every TAB, can find the project
// file without loading the history store the loader's validation imports.

export const CONFIG_FILE_NAME = 'soulrecall.yaml';

/** The nearest soulrecall.yaml in `cwd` or a parent folder, or undefined. */
export function findConfigFile(cwd: string): string | undefined {
  let folder = resolve(cwd);
  for (;;) {
    const candidate = join(folder, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}
