#!/usr/bin/env node
/**
 * plugin-history startup benchmark: `soulrecall promote list <agent>` against a store of
 * 100,000 generated promotions, side by side with `soulrecall --help`, alternating, in one
 * run. Target: the median of `promote list` within twice the median of `--help`, with the
 * history in the local SQLite file and in a shared PostgreSQL database (the same records, copied
 * there by `history push`, read through SOULRECALL_HISTORY_URL).
 * Usage: node --import tsx bench/history-plugin/run.mjs [--promotions 100000] [--agents 100] [--runs 15] [--batch 2000]
 * [--home DIR] [--backends sqlite,postgres]
 * --home DIR keeps the generated store in DIR (created on the first run, reused when it has a history.db).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openHistoryStore } from '@soulrecall/history-store';
import { generatePromotions } from './generate.mjs';
import { postgresAvailable, startPostgres } from '../../packages/history-store/test/postgres-server.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const options = { promotions: 100_000, agents: 100, runs: 15, batch: 2_000, home: '', backends: 'sqlite,postgres' };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (!(key in options)) throw new Error(`unknown option ${process.argv[i]}`);
  options[key] =
    key === 'home'
      ? resolve(process.argv[i + 1])
      : key === 'backends'
        ? process.argv[i + 1]
        : Number(process.argv[i + 1]);
}
const log = (message) => process.stderr.write(`${message}\n`);

/**
 * Writes the oclif manifests users get from `npm run build` where missing; returns the ones it wrote, to remove
 * afterwards.
 */
function ensureManifests() {
  const oclif = join(repoRoot, 'node_modules', '.bin', 'oclif');
  const dirs = [repoRoot, ...readdirSync(join(repoRoot, 'plugins')).map((name) => join(repoRoot, 'plugins', name))];
  const written = [];
  for (const dir of dirs) {
    const manifest = join(dir, 'oclif.manifest.json');
    if (existsSync(manifest) || !existsSync(join(dir, 'package.json'))) continue;
    const result = spawnSync(oclif, ['manifest'], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`oclif manifest failed in ${dir}: ${result.stderr}`);
    written.push(manifest);
  }
  return written;
}

function timeNode(nodeArgs, env, cwd) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, nodeArgs, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${nodeArgs.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}
const timeCli = (args, env) => timeNode([join(repoRoot, 'bin', 'run.js'), ...args], env, env.SOULRECALL_HOME);
/** Attribution: the cost of importing one package in a bare Node process (run from the repo so it resolves). */
const timeImport = (specifier, env) =>
  timeNode(['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], env, repoRoot);
const IMPORTS = [
  '@oclif/core',
  '@soulrecall/history-store',
  '@dfinity/agent',
  '@soulrecall/canister-client',
  '@soulrecall/core',
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const home = options.home || mkdtempSync(join(tmpdir(), 'soulrecall-bench-history-'));
const reuse = options.home !== '' && existsSync(join(home, 'history.db'));
const backends = options.backends.split(',');
if (backends.includes('postgres') && !postgresAvailable())
  throw new Error('PostgreSQL 15 is not installed here (apt-get install postgresql-15), or say --backends sqlite');
let manifests = [];
let server;
try {
  const started = performance.now();
  if (reuse) log(`reusing the store in ${home}`);
  else {
    log(
      `generating ${options.promotions} promotions (with their step journals) over ${options.agents} agents in ${home}`,
    );
    generatePromotions({
      dataDir: home,
      promotions: options.promotions,
      agents: options.agents,
      batch: options.batch,
      onBatch: (done) =>
        done % 20_000 === 0 && log(`  ${done} promotions, ${((performance.now() - started) / 1000).toFixed(0)} s`),
    });
  }
  const generateSeconds = reuse ? null : (performance.now() - started) / 1000;

  manifests = ensureManifests();
  log(
    manifests.length
      ? `wrote ${manifests.length} missing oclif manifests (removed at the end)`
      : 'oclif manifests already present',
  );
  const env = { ...process.env, SOULRECALL_HOME: home, NO_COLOR: '1', DEBUG: '' };
  delete env.SOULRECALL_HISTORY_URL;
  const envOf = { sqlite: env };
  let pushSeconds = null;
  if (backends.includes('postgres')) {
    server = await startPostgres();
    const url = server.url(server.createDatabase('bench_history'));
    log('copying the store into PostgreSQL (history push)');
    const t0 = performance.now();
    const source = openHistoryStore({ dataDir: home });
    const target = openHistoryStore({ dataDir: join(home, 'pg-client'), url });
    try {
      source.pushTo(target);
    } finally {
      target.close();
      source.close();
    }
    pushSeconds = (performance.now() - t0) / 1000;
    envOf.postgres = { ...env, SOULRECALL_HISTORY_URL: url };
  }
  const agent = 'agent-7';
  const listArgs = ['promote', 'list', agent];
  // Warm-up: the first runs pay for cold file caches; both backends must list the same 20.
  // The reference is oclif's start-up with every plugin's configuration. It was `--version` until
  // 2026-12-07, when bin/run.js began answering `--version` before oclif loads (bench/startup).
  timeCli(['--help'], env);
  const listedBy = backends.map((backend) =>
    JSON.parse(timeCli([...listArgs, '--json'], envOf[backend]).stdout).promotions.map((p) => p.id),
  );
  if (listedBy[0].length !== 20) throw new Error(`expected 20 promotions of ${agent}, got ${listedBy[0].length}`);
  if (listedBy.some((ids) => ids.join() !== listedBy[0].join()))
    throw new Error('the backends list different promotions');

  const version = [];
  const list = Object.fromEntries(backends.map((backend) => [backend, []]));
  const imports = Object.fromEntries(IMPORTS.map((specifier) => [specifier, []]));
  for (let i = 0; i < options.runs; i++) {
    version.push(timeCli(['--help'], env).ms);
    for (const backend of backends) list[backend].push(timeCli(listArgs, envOf[backend]).ms);
    for (const specifier of IMPORTS) imports[specifier].push(timeImport(specifier, env).ms);
  }
  const bareNode = median(Array.from({ length: options.runs }, () => timeNode(['-e', ''], env, repoRoot).ms));
  const result = {
    promotions: options.promotions,
    agents: options.agents,
    promotionsOfAgent: Math.ceil(options.promotions / options.agents),
    runs: options.runs,
    generateSeconds: generateSeconds === null ? null : Number(generateSeconds.toFixed(1)),
    pushSeconds: pushSeconds === null ? null : Number(pushSeconds.toFixed(1)),
    versionMedianMs: Number(median(version).toFixed(1)),
    promoteListMedianMs: Object.fromEntries(
      backends.map((backend) => [backend, Number(median(list[backend]).toFixed(1))]),
    ),
    ratio: Object.fromEntries(
      backends.map((backend) => [backend, Number((median(list[backend]) / median(version)).toFixed(2))]),
    ),
    bareNodeMedianMs: Number(bareNode.toFixed(1)),
    importMedianMs: Object.fromEntries(
      IMPORTS.map((specifier) => [specifier, Number(median(imports[specifier]).toFixed(1))]),
    ),
    versionMs: version.map((ms) => Math.round(ms)),
    promoteListMs: Object.fromEntries(backends.map((backend) => [backend, list[backend].map((ms) => Math.round(ms))])),
    node: process.version,
  };
  const rows = [
    ['soulrecall --help', result.versionMedianMs],
    ...backends.map((backend) => [
      `soulrecall promote list ${agent} (${backend})`,
      result.promoteListMedianMs[backend],
    ]),
    ['node -e "" (bare Node start)', result.bareNodeMedianMs],
    ...IMPORTS.map((specifier) => [`node: import('${specifier}')`, result.importMedianMs[specifier]]),
  ];
  console.log(
    `| command | median of ${options.runs} |\n|---|---|\n${rows.map(([name, ms]) => `| ${name} | ${ms} ms |`).join('\n')}\n\n${backends.map((backend) => `ratio promote list (${backend}) / --version: ${result.ratio[backend]}`).join('\n')} (target ≤ 2)`,
  );
  console.log(JSON.stringify(result));
} finally {
  await server?.stop();
  for (const manifest of manifests) rmSync(manifest, { force: true });
  if (!options.home) rmSync(home, { recursive: true, force: true });
}
