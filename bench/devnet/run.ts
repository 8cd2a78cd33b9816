/**
 * Devnet benchmark: update and query latency and throughput through @dfinity/agent with every
 * verification on, the inter-canister round trip of the sample agent calling its tool, and
 * install time of a 250 KB and a 5 MB module.
 * Run from the repository root: `npm run bench:devnet` (builds first: the sample agent's modules
 * come from examples/agent/dist).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Actor } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { counterWasm } from '../../packages/devnet/test/support/wat-canister.js';
import { agentIdl, agentWasm, toolWasm, type AgentActor } from '../../test/helpers/sample-agent.js';
import { EMPTY_CANDID_ARG, summary, timed, withCounterDevnet } from './counter-devnet.js';

const UPDATES = 200;
const QUERIES = 400;
const ROUND_TRIPS = 200;
const THROUGHPUT_SECONDS = 5;
const CONCURRENCY = 8;
const CHUNK = 1024 * 1024;
const CLIENT_WORKER = new URL('./client-worker.ts', import.meta.url).href;

/** Calls per second of CONCURRENCY clients, each in its own thread with its own agent (client-worker.ts). */
async function clientThroughput(url: string, canisterId: Principal, kind: 'update' | 'query'): Promise<number> {
  const clients = Array.from({ length: CONCURRENCY }, () => {
    // Node 20 will not start a worker from a .ts file, and --import does not reach workers:
    // the worker registers tsx itself, then imports the client.
    const worker = new Worker(
      `import('tsx/esm/api').then(({ register }) => (register(), import(${JSON.stringify(CLIENT_WORKER)})))`,
      { eval: true, workerData: { url, canisterId: canisterId.toText(), kind } },
    );
    /** The worker's next message: 'ready' once connected, then its count of calls. */
    const next = <T>() =>
      new Promise<T>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    return { worker, next, ready: next<string>() };
  });
  // Every client is connected and warmed up before the clock starts for all of them at once.
  await Promise.all(clients.map((client) => client.ready));
  const endAt = Date.now() + THROUGHPUT_SECONDS * 1000;
  const counts = await Promise.all(
    clients.map(async ({ worker, next }) => {
      const done = next<number>();
      worker.postMessage(endAt);
      const count = await done;
      await worker.terminate();
      return count;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0) / THROUGHPUT_SECONDS;
}

/** Calls per second of CONCURRENCY callers sharing this thread and one agent with the devnet. */
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
  await withCounterDevnet(async ({ url, agent, mgmt, create, counterId: id, counter }) => {
    const update = summary(await timed(UPDATES, () => counter.inc()));
    // The same call without the client's certificate check (agent.call only posts and decodes): the
    // difference to the line above is what @dfinity/agent spends verifying the BLS signature.
    const emptyArg = EMPTY_CANDID_ARG;
    const rawUpdate = summary(await timed(UPDATES, () => agent.call(id, { methodName: 'inc', arg: emptyArg })));
    const query = summary(await timed(QUERIES, () => counter.get()));
    const updatesPerSecond = await throughput(() => counter.inc());
    const queriesPerSecond = await throughput(() => counter.get());
    const clientUpdatesPerSecond = await clientThroughput(url, id, 'update');
    const clientQueriesPerSecond = await clientThroughput(url, id, 'query');

    const installInto = async (target: Principal, bytes: Uint8Array, arg = new Uint8Array()): Promise<void> => {
      if (bytes.length <= 1.5 * CHUNK) {
        await mgmt(target).install_code({
          mode: { install: null },
          canister_id: target,
          wasm_module: bytes,
          arg,
          sender_canister_version: [],
        });
      } else {
        const hashes = [];
        for (let offset = 0; offset < bytes.length; offset += CHUNK)
          hashes.push(
            await mgmt(target).upload_chunk({ canister_id: target, chunk: bytes.slice(offset, offset + CHUNK) }),
          );
        await mgmt(target).install_chunked_code({
          mode: { install: null },
          target_canister: target,
          store_canister: [],
          chunk_hashes_list: hashes,
          wasm_module_hash: sha256(bytes),
          arg,
          sender_canister_version: [],
        });
      }
    };
    const install = async (bytes: Uint8Array): Promise<number> => {
      const target = await create();
      const start = performance.now();
      await installInto(target, bytes);
      return performance.now() - start;
    };

    // The inter-canister round trip: an ingress update to the sample agent, which awaits its tool
    // canister (`reflect` → `summarise`) and replies with the tool's answer. Three messages commit
    // durably (the agent's call, the tool's update, the agent's reply callback) before the one
    // certified reply. The baseline is an update of the same agent that calls nobody (`setTool`).
    const sampleModule = (file: string): Uint8Array => {
      if (!fs.existsSync(file))
        throw new Error(`${file} is missing: build the sample agent first (npm run bench:devnet builds).`);
      return new Uint8Array(fs.readFileSync(file));
    };
    const agentId = await create();
    const toolId = await create();
    // Motoko actors take a Candid argument: an empty one (the counter ignores its argument).
    await installInto(agentId, sampleModule(agentWasm.v1), emptyArg);
    await installInto(toolId, sampleModule(toolWasm), emptyArg);
    const sampleAgent = Actor.createActor(agentIdl, { agent, canisterId: agentId }) as unknown as AgentActor;
    await sampleAgent.setTool(toolId);
    await sampleAgent.remember('the user prefers green tea');
    const answer = await sampleAgent.reflect();
    if (!answer.startsWith('1 memory, 5 words')) throw new Error(`reflect did not answer through the tool: ${answer}`);
    const agentUpdate = summary(await timed(ROUND_TRIPS, () => sampleAgent.setTool(toolId)));
    const roundTrip = summary(await timed(ROUND_TRIPS, () => sampleAgent.reflect()));
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
    const latency = (label: string, { median, p90 }: { median: number; p90: number }, note: string) =>
      console.log(`${label.padEnd(30)}median ${fmt(median)}  p90 ${fmt(p90)}  (${note})`);
    const rate = (label: string, perSecond: number, unit: string, how: string) =>
      console.log(
        `${label.padEnd(30)}${perSecond.toFixed(0)} ${unit}/s (${CONCURRENCY} ${how}, ${THROUGHPUT_SECONDS} s)`,
      );
    console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'})`);
    latency('update call (v3, certified)', update, `${UPDATES} sequential`);
    latency('update call, no client verify', rawUpdate, 'agent.call, same run');
    latency('query (signed)', query, `${QUERIES} sequential`);
    latency('agent update, no call', agentUpdate, `sample agent setTool, ${ROUND_TRIPS} sequential`);
    latency('inter-canister round trip', roundTrip, `reflect → tool summarise → reply, ${ROUND_TRIPS} sequential`);
    rate('update throughput', clientUpdatesPerSecond, 'calls', 'clients, a thread and an agent each');
    rate('query throughput', clientQueriesPerSecond, 'queries', 'clients, a thread and an agent each');
    rate('update throughput, one thread', updatesPerSecond, 'calls', "callers on one agent in the devnet's thread");
    rate('query throughput, one thread', queriesPerSecond, 'queries', "callers on one agent in the devnet's thread");
    const smallNote = `${(small.length / 1024).toFixed(0)} KiB module, 5 runs`;
    const largeNote = `${(large.length / 1024 / 1024).toFixed(1)} MiB module, upload + install, 3 runs`;
    console.log(`${'install 250 KB (install_code)'.padEnd(30)}median ${fmt(installSmall.median)}  (${smallNote})`);
    console.log(`${'install 5 MB (chunked)'.padEnd(30)}median ${fmt(installLarge.median)}  (${largeNote})`);
  });
}

await main();
