#!/usr/bin/env node
// bench/promote: wall time of one in-place promotion of the sample agent between two devnets
// (the real `soulrecall promote` process, start to exit) against the same remote calls made
// directly with @dfinity/agent in this script (status, stop, snapshot, upgrade, start, status,
// health query), measured alternately in one run. Also times `soulrecall env list` (process
// start-up: oclif, the config, the store, no network) so the overhead can be attributed.
// Usage: node bench/promote/run.mjs [iterations]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Actor, HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { IdentityStore, managementIdlFactory } from '@soulrecall/canister-client';
import { median } from '../support.mjs';
import { directUpgrade } from './direct.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repo, 'bin', 'run.js');
const iterations = Number(process.argv[2] ?? 9);
const work = mkdtempSync(join(tmpdir(), 'soulrecall-bench-promote-'));
const project = join(work, 'project');
const home = join(work, 'home');
const env = { ...process.env, SOULRECALL_HOME: home, CI: '1' };
const modules = ['agent-v1.wasm', 'agent-v2.wasm'].map((name) => join(repo, 'examples', 'agent', 'dist', name));

const freePort = () =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
function soulrecall(...args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: project, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`soulrecall ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const [sourcePort, targetPort] = [await freePort(), await freePort()];
mkdirSync(project, { recursive: true });
writeFileSync(
  join(project, 'soulrecall.yaml'),
  `pipeline: [source, target]
environments:
  source: { network: "http://127.0.0.1:${sourcePort}" }
  target: { network: "http://127.0.0.1:${targetPort}" }
agents:
  my-agent: { wasm: ${modules[0]}, health: { method: health } }
`,
);
const timings = { cli: [], direct: [], directProcess: [], startup: [] };
const stepTimings = {};
try {
  for (const port of [sourcePort, targetPort])
    soulrecall('network', 'start', '--port', String(port), '--background', '--state-dir', join(work, `net-${port}`));
  soulrecall('deploy', 'my-agent', '-e', 'source');
  soulrecall('promote', 'my-agent', '-f', 'source', '-t', 'target');
  // The baseline gets its own canister on the target network, installed with the same module.
  const identity = new IdentityStore({ dataDir: home }).resolve();
  const host = `http://127.0.0.1:${targetPort}`;
  const agent = await HttpAgent.create({ host, identity: identity.identity, shouldFetchRootKey: true });
  const management = Actor.createActor(managementIdlFactory, {
    agent,
    canisterId: 'aaaaa-aa',
    effectiveCanisterId: 'aaaaa-aa',
  });
  const { canister_id: baselineCanister } = await management.provisional_create_canister_with_cycles({
    amount: [],
    settings: [],
    specified_id: [],
    sender_canister_version: [],
  });
  await Actor.createActor(managementIdlFactory, {
    agent,
    canisterId: 'aaaaa-aa',
    effectiveCanisterId: baselineCanister,
  }).install_code({
    mode: { install: null },
    canister_id: baselineCanister,
    wasm_module: readFileSync(modules[0]),
    arg: IDL.encode([], []),
    sender_canister_version: [],
  });

  for (let i = 0; i < iterations; i++) {
    const module = modules[(i + 1) % 2];
    soulrecall('deploy', 'my-agent', '-e', 'source', '-w', module);
    const promoted = soulrecall('promote', 'my-agent', '-f', 'source', '-t', 'target', '--json');
    timings.cli.push(promoted.ms);
    // Where the promotion's time went, from its own journal (read after the timing).
    const shown = JSON.parse(soulrecall('promote', 'show', JSON.parse(promoted.stdout).promotionId, '--json').stdout);
    for (const step of shown.steps) {
      if (step.startedAt && step.finishedAt)
        (stepTimings[step.name] ??= []).push(Date.parse(step.finishedAt) - Date.parse(step.startedAt));
    }
    const started = process.hrtime.bigint();
    await directUpgrade(host, identity.identity, baselineCanister, readFileSync(module));
    timings.direct.push(Number(process.hrtime.bigint() - started) / 1e6);
    // The same script as its own process, as a user would run it instead of soulrecall.
    const processStarted = process.hrtime.bigint();
    const script = spawnSync(
      process.execPath,
      [join(repo, 'bench', 'promote', 'direct.mjs'), host, home, baselineCanister.toText(), module],
      { encoding: 'utf8' },
    );
    if (script.status !== 0) throw new Error(`direct.mjs failed: ${script.stderr}`);
    timings.directProcess.push(Number(process.hrtime.bigint() - processStarted) / 1e6);
    timings.startup.push(soulrecall('env', 'list').ms);
  }
} finally {
  for (const port of [sourcePort, targetPort])
    spawnSync(
      process.execPath,
      [bin, 'network', 'stop', '--port', String(port), '--state-dir', join(work, `net-${port}`)],
      { cwd: project, env },
    );
  rmSync(work, { recursive: true, force: true });
}
const cli = median(timings.cli);
const direct = median(timings.direct);
const startup = median(timings.startup);
const directProcess = median(timings.directProcess);
console.log(
  JSON.stringify(
    {
      iterations,
      medianMs: {
        promoteCli: Math.round(cli),
        directAgentCalls: Math.round(direct),
        directScriptProcess: Math.round(directProcess),
        cliStartup: Math.round(startup),
      },
      ratio: +(cli / direct).toFixed(2),
      ratioToScriptProcess: +(cli / directProcess).toFixed(2),
      ratioWithoutStartup: +((cli - startup) / direct).toFixed(2),
      medianStepMs: Object.fromEntries(Object.entries(stepTimings).map(([name, values]) => [name, median(values)])),
    },
    null,
    2,
  ),
);
