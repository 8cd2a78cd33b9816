// Opens (and so creates or adopts) the PostgreSQL store each message names, then reports.
// Started once and reused, so many databases are opened at once without a process start each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore } from '../../dist/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'soulrecall-open-worker-'));
process.on('message', ({ url }) => {
  try {
    openHistoryStore({ dataDir, url, actor: { principal: 'open-worker' } }).close();
    process.send({ ok: true });
  } catch (error) {
    process.send({ ok: false, code: error.code ?? null, message: error.message });
  }
});
process.on('disconnect', () => {
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
process.send({ ready: true });
