// Commits one promotion, then blocks forever inside a second transaction that has already
// inserted a promotion and its steps. The parent kills it with SIGKILL at that point.
import { writeSync } from 'node:fs';
import { openHistoryStore } from '../../dist/index.js';

const [dataDir] = process.argv.slice(2);
const store = openHistoryStore({ dataDir });
const committed = store.promotions.create({
  agent: 'bot',
  fromEnvironment: 'staging',
  toEnvironment: 'production',
  strategy: 'in-place',
  steps: ['deploy'],
});
writeSync(1, `committed ${committed.id}\n`);
store.transaction(() => {
  const doomed = store.promotions.create({
    agent: 'bot',
    fromEnvironment: 'staging',
    toEnvironment: 'production',
    strategy: 'blue-green',
    steps: ['deploy', 'switch'],
  });
  store.promotions.start(doomed.id);
  store.promotions.beginStep(doomed.id, 'deploy', { canisterId: 'x' });
  // Written synchronously: the parent must learn we are inside before we block.
  writeSync(1, `inside ${doomed.id}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
