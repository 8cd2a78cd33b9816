// State copy: how fast a canister's state moves into another one (snapshot download → upload →
// load, what a blue-green promotion does twice), for 1, 50 and 200 MiB of state, with parallel
// (4 slices in flight) and sequential slices, on loopback and with added latency; then the
// median write pause of real blue-green promotions through the soulrecall binary. The network
// runs in its own process.
// Build first (npm run build); run: npm run bench:state-copy  [-- repetitions=3 promotions=5]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { CanisterClient, wasmArtifactFromBytes } from '@soulrecall/canister-client';
import { startNetworkInBackground, stopNetwork } from '@soulrecall/devnet';
import net from 'node:net';
import { delayingProxy, median } from '../support.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SIZES_MIB = [1, 50, 200];
const MODES = { sequential: 1, parallel: 4 };
const LATENCY_MS = 20;
const repetitions = Number(process.argv[2] ?? 3);
const promotions = Number(process.argv[3] ?? 5);

/**
 * A canister whose init fills `pages` pages of stable memory with pseudo-random bytes (xorshift),
 * so nothing is skipped as zeros; its `health` query replies `true`.
 */
function ballastModule(pages) {
  const module = binaryen.parseText(`(module
    (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
    (import "ic0" "msg_reply" (func $reply))
    (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
    (import "ic0" "stable64_write" (func $write (param i64 i64 i64)))
    (memory 2)
    (data (i32.const 0) "DIDL\\00\\01\\7e\\01")
    (func (export "canister_init") (local $page i64) (local $i i32) (local $x i64)
      (drop (call $grow (i64.const ${pages})))
      (local.set $x (i64.const 0x2545F4914F6CDD1D))
      (loop $pages
        (local.set $i (i32.const 0))
        (loop $words
          (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
          (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
          (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
          (i64.store (i32.add (i32.const 65536) (local.get $i)) (local.get $x))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br_if $words (i32.lt_u (local.get $i) (i32.const 65536))))
        (call $write (i64.mul (local.get $page) (i64.const 65536)) (i64.const 65536) (i64.const 65536))
        (local.set $page (i64.add (local.get $page) (i64.const 1)))
        (br_if $pages (i64.lt_u (local.get $page) (i64.const ${pages})))))
    (func (export "canister_query health") (call $append (i32.const 0) (i32.const 8)) (call $reply)))`);
  const binary = module.emitBinary();
  module.dispose();
  return binary;
}

/** One copy of `snapshotId` of `source` into `target`: [download ms, upload ms, load ms]. */
async function copyOnce(client, source, snapshotId, target, concurrency) {
  const t0 = process.hrtime.bigint();
  const content = await client.downloadSnapshot(source, snapshotId, { concurrency });
  const t1 = process.hrtime.bigint();
  const uploaded = await client.uploadSnapshot(target, content, { concurrency });
  const t2 = process.hrtime.bigint();
  await client.loadSnapshot(target, uploaded.snapshotId);
  const t3 = process.hrtime.bigint();
  await client.deleteSnapshot(target, uploaded.snapshotId);
  const ms = (a, b) => Number(b - a) / 1e6;
  return [ms(t0, t1), ms(t1, t2), ms(t2, t3)];
}

async function throughput(devnetUrl, scenarios) {
  const rows = [];
  for (const scenario of scenarios) {
    const client = await CanisterClient.connect(
      { name: 'bench', url: scenario.url, kind: 'url' },
      Ed25519KeyIdentity.generate(),
    );
    for (const mib of scenario.sizes) {
      const source = await client.createCanister();
      await client.install({ canisterId: source, module: wasmArtifactFromBytes(ballastModule(mib * 16)) });
      await client.stop(source);
      const snapshot = await client.takeSnapshot(source);
      const target = await client.createCanister();
      const times = { sequential: [], parallel: [] };
      // One warm-up round, not measured (JIT, caches), then modes alternate which goes first.
      for (let run = -1; run < repetitions; run++) {
        for (const mode of run % 2 === 0 ? ['sequential', 'parallel'] : ['parallel', 'sequential']) {
          const phases = await copyOnce(client, source, snapshot.id, target, MODES[mode]);
          if (run >= 0) times[mode].push(phases);
        }
      }
      const summary = (mode) => {
        const [download, upload, load] = [0, 1, 2].map((i) => median(times[mode].map((phases) => phases[i])));
        const total = median(times[mode].map((phases) => phases[0] + phases[1] + phases[2]));
        return { download, upload, load, total, mibPerSecond: mib / (total / 1000) };
      };
      rows.push({ scenario: scenario.name, mib, sequential: summary('sequential'), parallel: summary('parallel') });
      await client.delete(target);
      await client.delete(source);
    }
  }
  return rows;
}

/** `promotions` blue-green promotions of the sample agent through the binary: their write pauses (ms). */
async function cutOverPauses(devnetUrl) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-bench-'));
  const env = { ...process.env, SOULRECALL_HOME: path.join(work, 'home'), NO_COLOR: '1' };
  const dist = path.join(repo, 'examples', 'agent', 'dist');
  fs.writeFileSync(
    path.join(work, 'soulrecall.yaml'),
    `pipeline: [staging, production]\nenvironments:\n  staging: { network: "${devnetUrl}" }\n  production: { network: "${devnetUrl}" }\nagents:\n  my-agent: { wasm: ${JSON.stringify(path.join(dist, 'agent-v1.wasm'))}, health: { method: health } }\n`,
  );
  // Asynchronous: the devnet answering these commands runs in this very process.
  const soulrecall = (...args) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repo, 'bin', 'run.js'), ...args, '--json'], {
        cwd: work,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) =>
        code === 0
          ? resolve(JSON.parse(stdout))
          : reject(new Error(`soulrecall ${args.join(' ')} exited ${code}: ${stdout}${stderr}`)),
      );
    });
  try {
    await soulrecall('deploy', 'my-agent', '-e', 'staging');
    await soulrecall('promote', 'my-agent', '--from', 'staging', '--to', 'production');
    const pauses = [];
    const promotionsMs = [];
    for (let i = 0; i < promotions; i++) {
      const started = Date.now();
      const result = await soulrecall(
        'promote',
        'my-agent',
        '--from',
        'staging',
        '--to',
        'production',
        '--blue-green',
        '--yes',
        '-w',
        path.join(dist, i % 2 === 0 ? 'agent-v2.wasm' : 'agent-v3.wasm'),
      );
      promotionsMs.push(Date.now() - started);
      pauses.push(result.detail.writePauseMs);
    }
    return { pauses, promotionsMs };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The network runs in its own process, as `soulrecall network start --background` runs it: the
// client and the replica each get a core, as they would on real machines.
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-bench-devnet-'));
const devnet = await startNetworkInBackground({
  port: await freePort(),
  host: '127.0.0.1',
  stateDir,
  messageTimeLimitMs: 120_000,
});
const proxy = await delayingProxy(devnet.url, LATENCY_MS);
try {
  const rows = await throughput(devnet.url, [
    { name: 'loopback', url: devnet.url, sizes: SIZES_MIB },
    { name: `+${LATENCY_MS} ms per request`, url: proxy.url, sizes: SIZES_MIB.filter((mib) => mib <= 50) },
  ]);
  console.log(
    `state copy (download + upload + load), median of ${repetitions} runs each, Node ${process.version}, ${os.cpus().length} CPUs`,
  );
  console.log(
    '| network | state | sequential (1): MiB/s (download / upload / load ms) | parallel (4): MiB/s (download / upload / load ms) | parallel / sequential |',
  );
  console.log('|---|---|---|---|---|');
  const cell = (s) =>
    `${s.mibPerSecond.toFixed(1)} (${s.download.toFixed(0)} / ${s.upload.toFixed(0)} / ${s.load.toFixed(0)})`;
  for (const row of rows)
    console.log(
      `| ${row.scenario} | ${row.mib} MiB | ${cell(row.sequential)} | ${cell(row.parallel)} | ${(row.parallel.mibPerSecond / row.sequential.mibPerSecond).toFixed(2)} |`,
    );

  const { pauses, promotionsMs } = await cutOverPauses(devnet.url);
  console.log(`\nblue-green promotions of the sample agent through the binary (${promotions} runs, loopback)`);
  console.log(
    `| write pause at the cut-over: median ${median(pauses)} ms (min ${Math.min(...pauses)}, max ${Math.max(...pauses)}) | whole promotion: median ${median(promotionsMs)} ms |`,
  );
} finally {
  await proxy.close();
  await stopNetwork(stateDir);
  fs.rmSync(stateDir, { recursive: true, force: true });
}
