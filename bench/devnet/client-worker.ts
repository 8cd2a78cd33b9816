/**
 * One client of the throughput measurement in a thread of its own (run.ts starts CONCURRENCY of
 * them): its own agent and key, calling the counter until the deadline, then reporting how many
 * calls completed. Separate threads, as separate clients would be, so the clients' certificate
 * checks and the devnet's work do not queue on one thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Actor } from '@dfinity/agent';
import { counterIdl, type CounterActor } from '../../packages/devnet/test/support/wat-canister.js';
import { clientAgent } from './counter-devnet.js';

const { url, canisterId, kind } = workerData as { url: string; canisterId: string; kind: 'update' | 'query' };
const counter = Actor.createActor(counterIdl, { agent: await clientAgent(url), canisterId }) as unknown as CounterActor;
const call = () => (kind === 'update' ? counter.inc() : counter.get());
await call(); // connected and warmed up before the clock starts
// Ready; the clock starts when every client is, and `endAt` comes with the go.
parentPort!.once('message', async (endAt: number) => {
  let done = 0;
  while (Date.now() < endAt) {
    await call();
    done++;
  }
  parentPort!.postMessage(done);
});
parentPort!.postMessage('ready');
