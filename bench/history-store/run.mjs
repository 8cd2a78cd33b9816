// Benchmark of @soulrecall/history-store at scale, through its public API (built dist).
//   node bench/history-store/run.mjs [--deployments N] [--promotions N] [--batch N]
// Inserts deployments and promotions in batched transactions, then times the reads the CLI
// makes most. Prints a table and a JSON line; figures are medians of per-call timings.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openHistoryStore } from '../../packages/history-store/dist/index.js';

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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const agentName = (i) => `agent-${String(i).padStart(4, '0')}`;
const canisterOf = (agent, environment) => `${agent}-${environment}-cai`;
const sha = (i) => i.toString(16).padStart(64, '0');

const dir = mkdtempSync(join(tmpdir(), 'soulrecall-bench-'));
const store = openHistoryStore({ dataDir: dir, actor: { principal: 'bench' }, cacheSizeMiB: option('cache-mib', 64) });

try {
  store.transaction(() => {
    for (let a = 0; a < AGENTS; a++) {
      for (const environment of ENVIRONMENTS) {
        store.canisters.record({ canisterId: canisterOf(agentName(a), environment), networkUrl: 'http://127.0.0.1:4943', environment, agent: agentName(a) });
        store.routes.set({ agent: agentName(a), environment, canisterId: canisterOf(agentName(a), environment), cause: 'deploy' });
      }
    }
  });

  /** Table rows written so far (records plus their audit entries). */
  const rowCount = () => store.audit.list({ limit: 1 })[0].id;

  /**
   * Runs `insertOne(i)` for i in [0, total) in transactions of BATCH. Returns records/s (median
   * over batches and overall) and table rows/s overall (records + their audit entries).
   */
  function insertBatched(total, insertOne, what) {
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
    return { medianRecordsPerSecond: median(ratesPerBatch), overallRecordsPerSecond: total / seconds, tableRowsPerSecond: rowsWritten / seconds, rowsWritten, seconds };
  }

  const deploymentInsert = insertBatched(DEPLOYMENTS, (i) => {
    const agent = agentName(i % AGENTS);
    const environment = ENVIRONMENTS[Math.floor(i / AGENTS) % ENVIRONMENTS.length];
    const deployment = store.deployments.begin({ agent, environment, canisterId: canisterOf(agent, environment), moduleSha256: sha(i), installMode: 'upgrade' });
    // Every agent/environment alternates: one deployment finishes, the next stays pending.
    if (Math.floor(i / (AGENTS * ENVIRONMENTS.length)) % 2 === 0) store.deployments.finish(deployment.id, { status: 'succeeded' });
  }, 'deployments');

  const promotionInsert = insertBatched(PROMOTIONS, (i) => {
    store.promotions.create({ agent: agentName(i % AGENTS), fromEnvironment: 'staging', toEnvironment: 'production', strategy: i % 2 ? 'blue-green' : 'in-place' });
  }, 'promotions');

  function timeCalls(label, call) {
    process.stderr.write(`  timing: ${label}\n`);
    const samples = [];
    for (let i = 0; i < READ_SAMPLES; i++) {
      const t0 = performance.now();
      call(i);
      samples.push(performance.now() - t0);
    }
    return { label, medianMs: median(samples), p95Ms: percentile(samples, 0.95) };
  }

  const perAgentEnv = DEPLOYMENTS / (AGENTS * ENVIRONMENTS.length);
  const reads = [
    timeCalls('latest 20 promotions of one agent', (i) => {
      const list = store.promotions.list({ agent: agentName((i * 7919) % AGENTS), limit: 20 });
      if (list.length !== Math.min(20, PROMOTIONS / AGENTS)) throw new Error('wrong promotion count');
    }),
    timeCalls('deployment N of agent/env', (i) => {
      const version = 1 + ((i * 104729) % Math.max(1, Math.floor(perAgentEnv)));
      if (!store.deployments.getByVersion(agentName((i * 31) % AGENTS), ENVIRONMENTS[i % 3], version)) throw new Error('missing deployment');
    }),
    timeCalls('live route', (i) => {
      if (!store.routes.get(agentName((i * 13) % AGENTS), ENVIRONMENTS[i % 3])) throw new Error('missing route');
    }),
    timeCalls('history timeline of one agent (50)', (i) => store.timeline({ agent: agentName((i * 17) % AGENTS), limit: 50 })),
    timeCalls('history timeline of one environment (50)', (i) => store.timeline({ environment: ENVIRONMENTS[i % 3], limit: 50 })),
    timeCalls('list canisters of one agent', (i) => store.canisters.list({ agent: agentName((i * 19) % AGENTS) })),
    timeCalls('previous successful deployment', (i) => {
      const agent = agentName((i * 23) % AGENTS);
      store.deployments.previousSuccessful({ agent, environment: 'production', beforeVersion: Math.floor(perAgentEnv) });
    }),
  ];

  const sizeMb = statSync(join(dir, 'history.db')).size / 1e6;
  const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 3 });
  console.log(`history-store benchmark: ${fmt(DEPLOYMENTS)} deployments, ${fmt(PROMOTIONS)} promotions, ${AGENTS} agents × ${ENVIRONMENTS.length} environments, batches of ${fmt(BATCH)}`);
  console.log(`node ${process.version}, database ${fmt(sizeMb)} MB`);
  console.log('');
  const insertLine = (label, r) =>
    console.log(`${label.padEnd(44)} median ${fmt(Math.round(r.medianRecordsPerSecond))}/s per batch, overall ${fmt(Math.round(r.overallRecordsPerSecond))}/s; table rows incl. audit ${fmt(Math.round(r.tableRowsPerSecond))}/s (${fmt(r.seconds)} s)`);
  insertLine('deployments (begin; every 2nd also finish)', deploymentInsert);
  insertLine('promotions (create)', promotionInsert);
  console.log('');
  for (const read of reads) console.log(`${read.label.padEnd(42)} median ${fmt(read.medianMs)} ms   p95 ${fmt(read.p95Ms)} ms   (${READ_SAMPLES} calls)`);
  console.log(JSON.stringify({ deployments: DEPLOYMENTS, promotions: PROMOTIONS, batch: BATCH, deploymentInsert, promotionInsert, reads, sizeMb }));
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
