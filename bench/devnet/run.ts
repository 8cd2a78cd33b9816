/**
 * Devnet benchmark: update and query latency and throughput through @dfinity/agent with every
 * verification on, and install time of a 250 KB and a 5 MB module.
 * Run from the repository root: `npx tsx bench/devnet/run.ts` (after `npx tsc -b packages/devnet`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Actor, HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { managementIdlFactory, startDevnet } from '@soulrecall/devnet';
import { counterIdl, counterWasm, type CounterActor } from '../../packages/devnet/test/support/wat-canister.js';

const UPDATES = 200;
const QUERIES = 400;
const THROUGHPUT_SECONDS = 5;
const CONCURRENCY = 8;
const CHUNK = 1024 * 1024;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90) };
};

async function timed(times: number, task: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function throughput(task: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + THROUGHPUT_SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await task();
        done++;
      }
    }),
  );
  return done / THROUGHPUT_SECONDS;
}

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-bench-'));
  const devnet = await startDevnet({ port: 0, stateDir });
  try {
    const agent = await HttpAgent.create({ host: devnet.url, shouldFetchRootKey: true, identity: Ed25519KeyIdentity.generate() });
    const mgmt = (id?: Principal) => Actor.createActor(managementIdlFactory, { agent, canisterId: 'aaaaa-aa', effectiveCanisterId: id }) as any;
    const create = async (): Promise<Principal> => (await mgmt().provisional_create_canister_with_cycles({ amount: [], settings: [], specified_id: [], sender_canister_version: [] })).canister_id;

    const id = await create();
    await mgmt(id).install_code({ mode: { install: null }, canister_id: id, wasm_module: counterWasm(), arg: new Uint8Array(), sender_canister_version: [] });
    const counter = Actor.createActor(counterIdl, { agent, canisterId: id }) as unknown as CounterActor;
    await counter.inc();
    await counter.get();

    const update = summary(await timed(UPDATES, () => counter.inc()));
    // The same call without the client's certificate check (agent.call only posts and decodes): the
    // difference to the line above is what @dfinity/agent spends verifying the BLS signature.
    const emptyArg = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);
    const rawUpdate = summary(await timed(UPDATES, () => agent.call(id, { methodName: 'inc', arg: emptyArg })));
    const query = summary(await timed(QUERIES, () => counter.get()));
    const updatesPerSecond = await throughput(() => counter.inc());
    const queriesPerSecond = await throughput(() => counter.get());

    const install = async (bytes: Uint8Array): Promise<number> => {
      const target = await create();
      const start = performance.now();
      if (bytes.length <= 1.5 * CHUNK) {
        await mgmt(target).install_code({ mode: { install: null }, canister_id: target, wasm_module: bytes, arg: new Uint8Array(), sender_canister_version: [] });
      } else {
        const hashes = [];
        for (let offset = 0; offset < bytes.length; offset += CHUNK) hashes.push(await mgmt(target).upload_chunk({ canister_id: target, chunk: bytes.slice(offset, offset + CHUNK) }));
        await mgmt(target).install_chunked_code({
          mode: { install: null }, target_canister: target, store_canister: [], chunk_hashes_list: hashes, wasm_module_hash: sha256(bytes), arg: new Uint8Array(), sender_canister_version: [],
        });
      }
      return performance.now() - start;
    };
    const small = counterWasm({ paddingBytes: 250_000 });
    const large = counterWasm({ paddingBytes: 5_000_000 });
    const installTimes = async (bytes: Uint8Array, times: number) => {
      const samples: number[] = [];
      for (let i = 0; i < times; i++) samples.push(await install(bytes));
      return summary(samples);
    };
    const installSmall = await installTimes(small, 5);
    const installLarge = await installTimes(large, 3);

    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})`);
    console.log(`update call (v3, certified)   median ${fmt(update.median)}  p90 ${fmt(update.p90)}  (${UPDATES} sequential)`);
    console.log(`update call, no client verify median ${fmt(rawUpdate.median)}  p90 ${fmt(rawUpdate.p90)}  (agent.call, same run)`);
    console.log(`query (signed)                median ${fmt(query.median)}  p90 ${fmt(query.p90)}  (${QUERIES} sequential)`);
    console.log(`update throughput             ${updatesPerSecond.toFixed(0)} calls/s (${CONCURRENCY} concurrent, ${THROUGHPUT_SECONDS} s)`);
    console.log(`query throughput              ${queriesPerSecond.toFixed(0)} queries/s (${CONCURRENCY} concurrent, ${THROUGHPUT_SECONDS} s)`);
    console.log(`install 250 KB (install_code) median ${fmt(installSmall.median)}  (${(small.length / 1024).toFixed(0)} KiB module, 5 runs)`);
    console.log(`install 5 MB (chunked)        median ${fmt(installLarge.median)}  (${(large.length / 1024 / 1024).toFixed(1)} MiB module, upload + install, 3 runs)`);
  } finally {
    await devnet.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
