// Records `count` deployments of one agent/environment; waits for "go" so all workers overlap.
// An optional fourth argument is the URL of a PostgreSQL store (default: SQLite in dataDir).
import { openHistoryStore } from '../../dist/index.js';

const [dataDir, countText, workerName, url] = process.argv.slice(2);
const errors = [];
const versions = [];
const store = openHistoryStore({ dataDir, url, actor: { principal: workerName } });
store.canisters.record({
  canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
  networkUrl: 'http://127.0.0.1:4943',
  environment: 'local',
  agent: 'bot',
});
process.send({ type: 'ready' });
process.once('message', () => {
  for (let i = 0; i < Number(countText); i++) {
    try {
      const deployment = store.deployments.begin({
        agent: 'bot',
        environment: 'local',
        canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
        moduleSha256: 'c'.repeat(64),
        installMode: 'upgrade',
      });
      store.deployments.finish(deployment.id, { status: i % 10 === 9 ? 'failed' : 'succeeded' });
      versions.push(deployment.version);
    } catch (error) {
      errors.push(`${error.code ?? ''} ${error.message}`);
    }
  }
  store.close();
  process.send({ type: 'done', versions, errors }, () => process.exit(0));
});
