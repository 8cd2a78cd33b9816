import fs from 'node:fs';
import path from 'node:path';

/** Writes a file so that a crash leaves either the old or the new content: temp file, fsync, rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(temp, 'w', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
