import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * The package.json of a local package as `npm install` would see it: `<folder>/package.json`, or
 * the one in a tarball (`npm pack` output: gzipped tar, `package/package.json`). Undefined when
 * it cannot be read, so that npm reports what is wrong with the file in its own words.
 */
export function readPackageJsonOf(path: string): Record<string, unknown> | undefined {
  try {
    if (!existsSync(path)) return undefined;
    const text = statSync(path).isDirectory() ? readFileSync(join(path, 'package.json'), 'utf8') : packageJsonInTarball(gunzipSync(readFileSync(path)));
    if (text === undefined) return undefined;
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The text of `<top folder>/package.json` in an (uncompressed) tar archive. */
function packageJsonInTarball(tar: Buffer): string | undefined {
  const BLOCK = 512;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return undefined; // end of archive
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0[\s\S]*$/, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if ((type === '0' || type === '') && /^[^/]+\/package\.json$/.test(name)) return tar.subarray(offset + BLOCK, offset + BLOCK + size).toString('utf8');
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}
