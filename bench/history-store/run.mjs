// Benchmark of @soulrecall/history-store at scale, through its public API (built dist), on
// SQLite and on PostgreSQL side by side in one run.
//   npm run bench:history-store -- [--deployments N] [--promotions N] [--batch N] [--api-inserts N]
// Inserts deployments and promotions in batched transactions, then times the reads the CLI
// makes most and the lease a promotion takes. Prints a table and a JSON line; figures are
// medians of per-call timings.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openHistoryStore } from '../../packages/history-store/dist/index.js';
import { startPostgres } from '../../packages/history-store/test/postgres-server.ts';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const DEPLOYMENTS = option('deployments', 1_000_000);
const PROMOTIONS = option('promotions', 1_000_000);
const BATCH = option('batch', 10_000);
const AGENTS = 1_000;
const ENVIRONMENTS = ['local', 'staging', 'production'];
const READ_SAMPLES = 2_000;
/** Records inserted through the API per kind on each backend for the insert rates. */
const API_INSERTS = option('api-inserts', 20_000);
const LOCK_SAMPLES = 2_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const agentName = (i) => `agent-${String(i).padStart(4, '0')}`;
const canisterOf = (agent, environment) => `${agent}-${environment}-cai`;
const sha = (i) => i.toString(16).padStart(64, '0');

/** The agents, canisters and routes every run starts from. */
function seed(store) {
  store.transaction(() => {
    for (let a = 0; a < AGENTS; a++) {
      for (const environment of ENVIRONMENTS) {
        store.canisters.record({
          canisterId: canisterOf(agentName(a), environment),
          networkUrl: 'http://127.0.0.1:4943',
          environment,
          agent: agentName(a),
        });
        store.routes.set({
          agent: agentName(a),
          environment,
          canisterId: canisterOf(agentName(a), environment),
          cause: 'deploy',
        });
      }
    }
  });
}

/**
 * Runs `insertOne(i)` for i in [0, total) in transactions of BATCH. Returns records/s (median
 * over batches and overall) and table rows/s overall (records + their audit entries).
 */
function insertBatched(store, total, insertOne, what) {
  const rowCount = () => store.audit.list({ limit: 1 })[0].id;
  const ratesPerBatch = [];
  const auditBefore = rowCount();
  const started = performance.now();
  for (let done = 0; done < total; done += BATCH) {
    const size = Math.min(BATCH, total - done);
    const t0 = performance.now();
    store.transaction(() => {
      for (let i = done; i < done + size; i++) insertOne(i);
    });
    ratesPerBatch.push(size / ((performance.now() - t0) / 1000));
    if ((done / BATCH) % 20 === 19) process.stderr.write(`  ${what}: ${done + size} inserted\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const rowsWritten = total + (rowCount() - auditBefore);
  return {
    medianRecordsPerSecond: median(ratesPerBatch),
    overallRecordsPerSecond: total / seconds,
    tableRowsPerSecond: rowsWritten / seconds,
    rowsWritten,
    seconds,
  };
}

function insertDeployments(store, total, offset = 0) {
  return insertBatched(
    store,
    total,
    (n) => {
      const i = n + offset;
      const agent = agentName(i % AGENTS);
      const environment = ENVIRONMENTS[Math.floor(i / AGENTS) % ENVIRONMENTS.length];
      const deployment = store.deployments.begin({
        agent,
        environment,
        canisterId: canisterOf(agent, environment),
        moduleSha256: sha(i),
        installMode: 'upgrade',
      });
      // Every agent/environment alternates: one deployment finishes, the next stays pending.
      if (Math.floor(i / (AGENTS * ENVIRONMENTS.length)) % 2 === 0)
        store.deployments.finish(deployment.id, { status: 'succeeded' });
    },
    'deployments',
  );
}

function insertPromotions(store, total) {
  return insertBatched(
    store,
    total,
    (i) => {
      store.promotions.create({
        agent: agentName(i % AGENTS),
        fromEnvironment: 'staging',
        toEnvironment: 'production',
        strategy: i % 2 ? 'blue-green' : 'in-place',
      });
    },
    'promotions',
  );
}

function timeCalls(label, call, samples = READ_SAMPLES) {
  process.stderr.write(`  timing: ${label}\n`);
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    call(i);
    times.push(performance.now() - t0);
  }
  return { label, medianMs: median(times), p95Ms: percentile(times, 0.95) };
}

function timeReads(store, deployments, promotions) {
  const perAgentEnv = deployments / (AGENTS * ENVIRONMENTS.length);
  return [
    timeCalls('latest 20 promotions of one agent', (i) => {
      const list = store.promotions.list({ agent: agentName((i * 7919) % AGENTS), limit: 20 });
      if (list.length !== Math.min(20, promotions / AGENTS)) throw new Error('wrong promotion count');
    }),
    timeCalls('deployment N of agent/env', (i) => {
      const version = 1 + ((i * 104729) % Math.max(1, Math.floor(perAgentEnv)));
      if (!store.deployments.getByVersion(agentName((i * 31) % AGENTS), ENVIRONMENTS[i % 3], version))
        throw new Error('missing deployment');
    }),
    timeCalls('live route', (i) => {
      if (!store.routes.get(agentName((i * 13) % AGENTS), ENVIRONMENTS[i % 3])) throw new Error('missing route');
    }),
    timeCalls('history timeline of one agent (50)', (i) =>
      store.timeline({ agent: agentName((i * 17) % AGENTS), limit: 50 }),
    ),
    timeCalls('history timeline of one environment (50)', (i) =>
      store.timeline({ environment: ENVIRONMENTS[i % 3], limit: 50 }),
    ),
    timeCalls('list canisters of one agent', (i) => store.canisters.list({ agent: agentName((i * 19) % AGENTS) })),
    timeCalls('previous successful deployment', (i) => {
      const agent = agentName((i * 23) % AGENTS);
      store.deployments.previousSuccessful({
        agent,
        environment: 'production',
        beforeVersion: Math.floor(perAgentEnv),
      });
    }),
  ];
}

/** A promotion's lease: acquire then release on one agent/environment, timed as a pair and each. */
function timeLocks(store) {
  const acquire = [];
  const release = [];
  for (let i = 0; i < LOCK_SAMPLES; i++) {
    const t0 = performance.now();
    const lease = store.locks.acquire({
      agent: agentName(i % AGENTS),
      environment: 'production',
      operation: 'promotion',
      operationId: `prm-bench${i}`,
    });
    const t1 = performance.now();
    store.locks.release(lease);
    release.push(performance.now() - t1);
    acquire.push(t1 - t0);
  }
  return {
    acquireP50Ms: median(acquire),
    releaseP50Ms: median(release),
    acquireP95Ms: percentile(acquire, 0.95),
    releaseP95Ms: percentile(release, 0.95),
  };
}

const BACKENDS = (
  process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'sqlite,postgres'
).split(',');
const results = {};
const cleanups = [];
let server;
try {
  const dir = mkdtempSync(join(tmpdir(), 'soulrecall-bench-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const openFresh = (backend, name) => {
    if (backend === 'sqlite')
      return openHistoryStore({
        dataDir: join(dir, name),
        actor: { principal: 'bench' },
        cacheSizeMiB: option('cache-mib', 64),
      });
    return openHistoryStore({
      dataDir: join(dir, name),
      url: server.url(server.createDatabase(name)),
      actor: { principal: 'bench' },
    });
  };
  if (BACKENDS.includes('postgres')) server = await startPostgres();

  // The large store is built once on SQLite through the API, then copied into PostgreSQL with
  // `history push` (its batched inserts): the same rows on both, read the same way.
  process.stderr.write(`building ${DEPLOYMENTS} deployments + ${PROMOTIONS} promotions on SQLite\n`);
  const large = openFresh('sqlite', 'large');
  seed(large);
  const deploymentInsert = insertDeployments(large, DEPLOYMENTS);
  const promotionInsert = insertPromotions(large, PROMOTIONS);
  const sizeMb = statSync(join(dir, 'large', 'history.db')).size / 1e6;

  for (const backend of BACKENDS) {
    process.stderr.write(`${backend}: API inserts\n`);
    const small = openFresh(backend, `inserts_${backend}`);
    seed(small);
    const inserts =
      backend === 'sqlite' && API_INSERTS >= DEPLOYMENTS
        ? { deployments: deploymentInsert, promotions: promotionInsert }
        : { deployments: insertDeployments(small, API_INSERTS), promotions: insertPromotions(small, API_INSERTS) };
    const locks = timeLocks(small);
    small.close();
    let reader = large;
    let loadSeconds = null;
    if (backend === 'postgres') {
      process.stderr.write('postgres: copying the large store with history push\n');
      reader = openFresh('postgres', 'large_pg');
      const t0 = performance.now();
      large.pushTo(reader);
      loadSeconds = (performance.now() - t0) / 1000;
    }
    process.stderr.write(`${backend}: reads\n`);
    const reads = timeReads(reader, DEPLOYMENTS, PROMOTIONS);
    if (reader !== large) reader.close();
    results[backend] = { inserts, locks, reads, loadSeconds };
  }
  large.close();

  const fmt = (n) => (n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: 3 }));
  console.log(
    `history-store benchmark: reads at ${fmt(DEPLOYMENTS)} deployments + ${fmt(PROMOTIONS)} promotions (${AGENTS} agents × ${ENVIRONMENTS.length} environments); API inserts ${fmt(API_INSERTS)} per kind, batches of ${fmt(BATCH)}`,
  );
  console.log(`node ${process.version}, SQLite file ${fmt(sizeMb)} MB`);
  console.log('');
  const header = ['measure', ...BACKENDS].map((h, i) => (i === 0 ? h.padEnd(46) : h.padStart(14))).join('');
  console.log(header);
  const row = (label, pick, unit) =>
    console.log([label.padEnd(46), ...BACKENDS.map((b) => `${fmt(pick(results[b]))}${unit}`.padStart(14))].join(''));
  row('deployments inserted/s (median batch)', (r) => Math.round(r.inserts.deployments.medianRecordsPerSecond), '');
  row('promotions inserted/s (median batch)', (r) => Math.round(r.inserts.promotions.medianRecordsPerSecond), '');
  row('lock acquire p50', (r) => r.locks.acquireP50Ms, ' ms');
  row('lock release p50', (r) => r.locks.releaseP50Ms, ' ms');
  for (let i = 0; i < results[BACKENDS[0]].reads.length; i++)
    row(`${results[BACKENDS[0]].reads[i].label} p50`, (r) => r.reads[i].medianMs, ' ms');
  if (results.postgres) row('large store copied by history push', (r) => r.loadSeconds, ' s');
  console.log(
    JSON.stringify({
      deployments: DEPLOYMENTS,
      promotions: PROMOTIONS,
      apiInserts: API_INSERTS,
      batch: BATCH,
      sizeMb,
      results,
      largeStoreInserts: { deployments: deploymentInsert, promotions: promotionInsert },
    }),
  );
} finally {
  await server?.stop();
  for (const cleanup of cleanups) cleanup();
}
