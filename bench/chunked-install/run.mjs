// Chunked install: parallel vs sequential chunk upload, for 2, 5 and 10 MiB modules, against
// an in-process devnet. Build first: npx tsc -b packages/canister-client packages/devnet
// Run: node bench/chunked-install/run.mjs [repetitions=5]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import binaryen from 'binaryen';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { CanisterClient, wasmArtifactFromBytes } from '@soulrecall/canister-client';
import { startDevnet } from '@soulrecall/devnet';
import { delayingProxy, median } from '../support.mjs';

const SIZES_MIB = [2, 5, 10];
const MODES = { sequential: 1, parallel: 4 };
const repetitions = Number(process.argv[2] ?? 5);

/** A tiny wasm32 canister (a `health` query) padded with a random data segment to `bytes`. */
function paddedModule(bytes) {
  const module = binaryen.parseText(`(module
    (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
    (import "ic0" "msg_reply" (func $reply))
    (memory 1)
    (func (export "canister_query health") (call $append (i32.const 0) (i32.const 8)) (call $reply)))`);
  const padding = new Uint8Array(crypto.randomBytes(bytes));
  const pages = Math.ceil((1024 + bytes) / 65536) + 1;
  module.setMemory(pages, pages, '', [
    { offset: module.i32.const(0), data: Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0, 1, 0x7e, 1), passive: false },
    { offset: module.i32.const(1024), data: padding, passive: false },
  ]);
  const binary = module.emitBinary();
  module.dispose();
  return binary;
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
const devnet = await startDevnet({ port: 0, stateDir });
const LATENCY_MS = 50;
const proxy = await delayingProxy(devnet.url, LATENCY_MS);
try {
  const scenarios = [
    { name: 'loopback', url: devnet.url },
    { name: `+${LATENCY_MS} ms per request`, url: proxy.url },
  ];
  const rows = [];
  for (const scenario of scenarios) {
    const client = await CanisterClient.connect(
      { name: 'bench', url: scenario.url, kind: 'url' },
      Ed25519KeyIdentity.generate(),
    );
    for (const mib of SIZES_MIB) {
      const times = { sequential: [], parallel: [] };
      let chunks = 0;
      // One warm-up round per size, not measured (JIT, devnet caches).
      for (let run = -1; run < repetitions; run++) {
        // Alternate which mode goes first so neither always benefits from a warmer process.
        const order = run % 2 === 0 ? ['sequential', 'parallel'] : ['parallel', 'sequential'];
        for (const mode of order) {
          // A fresh module and canister per install: nothing is in any chunk store already.
          const module = wasmArtifactFromBytes(paddedModule(mib * 1024 * 1024 - 200));
          const canisterId = await client.createCanister();
          const started = process.hrtime.bigint();
          const result = await client.install({ canisterId, module, chunkConcurrency: MODES[mode] });
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (!result.chunked || (await client.moduleHash(canisterId)) !== module.sha256)
            throw new Error('install did not verify');
          chunks = result.chunkStats.chunks;
          if (run >= 0) times[mode].push(ms);
        }
      }
      const sequential = median(times.sequential);
      const parallel = median(times.parallel);
      rows.push({ scenario: scenario.name, mib, chunks, sequential, parallel, ratio: sequential / parallel });
    }
  }
  console.log(
    `chunked install, median of ${repetitions} runs each (ms), Node ${process.version}, ${os.cpus().length} CPUs`,
  );
  console.log('| network | module | chunks | sequential (1) | parallel (4) | sequential / parallel |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.scenario} | ${row.mib} MiB | ${row.chunks} | ${row.sequential.toFixed(0)} | ${row.parallel.toFixed(0)} | ${row.ratio.toFixed(2)} |`,
    );
  }
} finally {
  await proxy.close();
  await devnet.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
}
