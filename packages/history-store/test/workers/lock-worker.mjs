// Takes the lock on bot/production and prints it; then exits ("exit") or waits to be killed ("hold").
import { writeSync } from 'node:fs';
import { openHistoryStore } from '../../dist/index.js';

const [dataDir, mode, ttlText, operationId] = process.argv.slice(2);
const store = openHistoryStore({ dataDir });
const lease = store.locks.acquire({
  agent: 'bot',
  environment: 'production',
  operation: 'promotion',
  operationId,
  ttlMs: Number(ttlText),
});
store.close();
writeSync(1, `lease ${JSON.stringify(lease)}\n`);
if (mode === 'hold') setInterval(() => {}, 1 << 30);
