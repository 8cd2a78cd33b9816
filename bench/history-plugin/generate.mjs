import { createHash } from 'node:crypto';
import { openHistoryStore } from '@soulrecall/history-store';

export const STEPS = ['lock', 'preflight', 'backup', 'install', 'verify', 'record', 'release'];
const ENVIRONMENTS = ['local', 'staging', 'production'];
const URL = 'http://127.0.0.1:4943';

/** A syntactically plausible canister id per (agent, environment); the store does not check them. */
const canisterIdOf = (agentIndex, envIndex) => `bench-${String(agentIndex).padStart(4, '0')}-${envIndex}-cai`;
const sha = (n) => createHash('sha256').update(String(n)).digest('hex');

/**
 * Fills `dataDir` with `promotions` promotions spread over `agents` agents, written through the
 * history-store API as the engine writes them: a target deployment (begin, finish), the
 * promotion with its planned steps, start, every step begun and ended, update, succeed. Every
 * 10th promotion of an agent fails at verify instead. Batches run in one transaction each.
 */
export function generatePromotions({ dataDir, promotions, agents, batch = 2_000, onBatch = () => {} }) {
  const store = openHistoryStore({
    dataDir,
    actor: { principal: 'bench-principal', osUser: 'bench', host: 'bench-host' },
  });
  try {
    for (let a = 0; a < agents; a++) {
      ENVIRONMENTS.forEach((environment, e) =>
        store.canisters.record({ canisterId: canisterIdOf(a, e), networkUrl: URL, environment, agent: `agent-${a}` }),
      );
    }
    for (let done = 0; done < promotions;) {
      const size = Math.min(batch, promotions - done);
      store.transaction(() => {
        for (let i = done; i < done + size; i++) writePromotion(store, i, agents);
      });
      done += size;
      onBatch(done);
    }
  } finally {
    store.close();
  }
}

function writePromotion(store, i, agents) {
  const a = i % agents;
  const hop = Math.floor(i / agents) % 2; // local→staging, then staging→production
  const agent = `agent-${a}`;
  const from = ENVIRONMENTS[hop];
  const to = ENVIRONMENTS[hop + 1];
  const canisterId = canisterIdOf(a, hop + 1);
  const moduleSha256 = sha(i + 1);
  const promotion = store.promotions.create({
    agent,
    fromEnvironment: from,
    toEnvironment: to,
    strategy: 'in-place',
    targetCanisterId: canisterId,
    steps: STEPS,
    options: { moduleSha256, moduleOrigin: 'source-deployment' },
  });
  store.promotions.start(promotion.id);
  const fails = Math.floor(i / agents) % 10 === 9;
  let deploymentId;
  for (const name of STEPS) {
    const step = store.promotions.beginStep(promotion.id, name);
    if (name === 'backup')
      deploymentId = store.deployments.begin({
        agent,
        environment: to,
        canisterId,
        moduleSha256,
        installMode: 'upgrade',
        promotionId: promotion.id,
      }).id;
    if (fails && name === 'verify') {
      store.promotions.endStep(promotion.id, step.index, { status: 'failed', error: 'health returned #err' });
      store.deployments.finish(deploymentId, { status: 'failed', error: 'unhealthy' });
      store.promotions.fail(promotion.id, 'the new version is unhealthy');
      return;
    }
    store.promotions.endStep(promotion.id, step.index, {
      status: 'succeeded',
      detail: name === 'backup' ? { deploymentId } : null,
    });
  }
  store.deployments.finish(deploymentId, { status: 'succeeded' });
  store.promotions.update(promotion.id, { targetDeploymentId: deploymentId });
  store.promotions.succeed(promotion.id);
}
