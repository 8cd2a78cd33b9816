import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore, type HistoryStore, type Promotion } from '@soulrecall/history-store';

export const URL = 'http://127.0.0.1:4943';
export const SHA_V1 = '1'.repeat(64);
export const SHA_V2 = '2'.repeat(64);
export const CANISTER = {
  local: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
  staging: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
  production: 'r7inp-6aaaa-aaaaa-aaabq-cai',
  other: 'rdmx6-jaaaa-aaaaa-aaadq-cai',
};
/** The identity that signed the deployments; the promotions themselves record no principal, as in the engine. */
export const PRINCIPAL = '2vxsx-fae';
export const START = Date.parse('2026-11-20T10:00:00.000Z');

/**
 * A store recorded the way the promotion engine records (same calls, same step names):
 * my-agent local v1 → staging (succeeded, made the route), staging → production (unhealthy,
 * snapshot restored, rolled back), and other-agent with one promotion. The clock moves one
 * second per store call, so every step has a duration.
 */
export function historyFixture(): {
  store: HistoryStore;
  dir: string;
  succeeded: Promotion;
  rolledBack: Promotion;
  other: Promotion;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
  let now = START;
  const store = openHistoryStore({
    dataDir: dir,
    clock: () => new Date((now += 1_000)),
    actor: { principal: null, osUser: 'alice', host: 'build-1' },
  });
  const agent = 'my-agent';
  for (const [environment, canisterId] of Object.entries(CANISTER).slice(0, 3))
    store.canisters.record({ canisterId, networkUrl: URL, environment, agent });

  const local = store.deployments.begin({
    agent,
    environment: 'local',
    canisterId: CANISTER.local,
    moduleSha256: SHA_V1,
    installMode: 'install',
    by: { principal: PRINCIPAL },
  });
  store.deployments.finish(local.id, { status: 'succeeded' });
  store.routes.set({ agent, environment: 'local', canisterId: CANISTER.local, cause: 'deploy' });

  // local → staging: the staging canister exists but is empty (no snapshot to take).
  let promotion = store.promotions.create({
    agent,
    fromEnvironment: 'local',
    toEnvironment: 'staging',
    strategy: 'in-place',
    sourceDeploymentId: local.id,
    targetCanisterId: CANISTER.staging,
    steps: ['lock', 'preflight', 'backup', 'install', 'verify', 'record', 'release'],
    options: { moduleSha256: SHA_V1, moduleOrigin: 'source-deployment', wasmPath: null },
  });
  store.promotions.start(promotion.id);
  const journal = (
    id: string,
    name: string,
    detail: object,
    status: 'succeeded' | 'failed' = 'succeeded',
    error?: string,
  ) => {
    const step = store.promotions.beginStep(id, name);
    store.promotions.endStep(id, step.index, { status, detail: detail as never, error });
    return step.index;
  };
  journal(promotion.id, 'lock', { pid: 1, host: 'build-1' });
  journal(promotion.id, 'preflight', { networkUrl: URL });
  const staging = store.deployments.begin({
    agent,
    environment: 'staging',
    canisterId: CANISTER.staging,
    moduleSha256: SHA_V1,
    installMode: 'install',
    promotionId: promotion.id,
    by: { principal: PRINCIPAL },
  });
  journal(promotion.id, 'backup', {
    deploymentId: staging.id,
    version: staging.version,
    previousModuleHash: null,
    backupId: null,
    snapshotId: null,
  });
  journal(promotion.id, 'install', { mode: 'install', moduleHash: SHA_V1 });
  journal(promotion.id, 'verify', { healthy: true });
  store.deployments.finish(staging.id, { status: 'succeeded' });
  store.routes.set({
    agent,
    environment: 'staging',
    canisterId: CANISTER.staging,
    cause: 'promotion',
    promotionId: promotion.id,
    reason: `promotion ${promotion.id}`,
  });
  journal(promotion.id, 'record', { deploymentId: staging.id, routeChanged: true });
  store.promotions.update(promotion.id, { targetDeploymentId: staging.id });
  journal(promotion.id, 'release', { released: true });
  const succeeded = store.promotions.succeed(promotion.id);

  // staging → production: production runs v1 already; v2 is unhealthy, so the snapshot goes back.
  const prodV1 = store.deployments.begin({
    agent,
    environment: 'production',
    canisterId: CANISTER.production,
    moduleSha256: SHA_V1,
    installMode: 'install',
    by: { principal: PRINCIPAL },
  });
  store.deployments.finish(prodV1.id, { status: 'succeeded' });
  store.routes.set({ agent, environment: 'production', canisterId: CANISTER.production, cause: 'deploy' });
  promotion = store.promotions.create({
    agent,
    fromEnvironment: 'staging',
    toEnvironment: 'production',
    strategy: 'in-place',
    sourceDeploymentId: staging.id,
    targetCanisterId: CANISTER.production,
    steps: ['lock', 'preflight', 'backup', 'install', 'verify', 'record', 'release'],
    options: { moduleSha256: SHA_V2, moduleOrigin: 'file', wasmPath: '/tmp/agent-v2.wasm' },
  });
  store.promotions.start(promotion.id);
  journal(promotion.id, 'lock', {});
  journal(promotion.id, 'preflight', {});
  const prodV2 = store.deployments.begin({
    agent,
    environment: 'production',
    canisterId: CANISTER.production,
    moduleSha256: SHA_V2,
    installMode: 'upgrade',
    promotionId: promotion.id,
    by: { principal: PRINCIPAL },
  });
  const backup = store.backups.record({
    environment: 'production',
    canisterId: CANISTER.production,
    snapshotId: '00ff01',
    deploymentId: prodV2.id,
    beforeDeployment: true,
    reason: 'pre-deploy',
  });
  journal(promotion.id, 'backup', {
    deploymentId: prodV2.id,
    version: prodV2.version,
    previousModuleHash: SHA_V1,
    backupId: backup.id,
    snapshotId: backup.snapshotId,
  });
  journal(promotion.id, 'install', { mode: 'upgrade', moduleHash: SHA_V2 });
  const verify = store.promotions.beginStep(promotion.id, 'verify');
  const restore = store.promotions.beginStep(promotion.id, 'restore');
  store.backups.recordRestore(backup.id, { reason: `automatic rollback of promotion ${promotion.id}: unhealthy` });
  store.promotions.endStep(promotion.id, restore.index, {
    status: 'succeeded',
    detail: { backupId: backup.id, healthyAfterRestore: true },
  });
  store.promotions.endStep(promotion.id, verify.index, { status: 'failed', error: 'health returned #err' });
  store.deployments.markRolledBack(prodV2.id, `unhealthy after promotion; snapshot ${backup.id} restored`);
  journal(promotion.id, 'release', { released: true });
  const rolledBack = store.promotions.markRolledBack(promotion.id, 'the new version was unhealthy; snapshot restored');

  store.canisters.record({ canisterId: CANISTER.other, networkUrl: URL, environment: 'staging', agent: 'other-agent' });
  const other = store.promotions.create({
    agent: 'other-agent',
    fromEnvironment: 'local',
    toEnvironment: 'staging',
    strategy: 'blue-green',
  });

  return {
    store,
    dir,
    succeeded,
    rolledBack,
    other,
    cleanup: () => (store.close(), rmSync(dir, { recursive: true, force: true })),
  };
}
