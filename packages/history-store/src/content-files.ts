import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { translateError } from './errors.js';

/**
 * Writes bytes so that `path` either does not exist or holds all of them: temp file, fsync,
 * rename, fsync dir. Used for every content-addressed file of the data directory (modules,
 * snapshot files), so a crash never leaves a half-written one under its final name.
 */
export function writeFileAtomically(dir: string, path: string, bytes: Uint8Array): void {
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o644);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or never created.
    }
    throw translateError(error, dir);
  }
}
