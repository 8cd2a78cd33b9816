// The PostgreSQL side of the history store's synchronous bridge (see src/db/postgres.ts): runs in
// a worker thread with one pg connection, answers one request at a time on `port`, and wakes the
// blocked main thread through `signal`. Plain JavaScript so that the same file serves the
// compiled package and the TypeScript sources.
import { workerData } from 'node:worker_threads';

// pg probes for Cloudflare Workers at load by constructing a `Response`, which makes Node load its
// whole fetch implementation (undici): about 50 ms of every command's start on a busy 2-core
// machine. Nothing in this thread uses fetch, so the global is hidden while pg loads.
const responseGlobal = Object.getOwnPropertyDescriptor(globalThis, 'Response');
Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });
const { default: pg } = await import('pg');
if (responseGlobal) Object.defineProperty(globalThis, 'Response', responseGlobal);

const { url, port, signal, connectTimeoutMs, lockTimeoutMs } = workerData;
const flag = new Int32Array(signal);

// int8 (count, sums) as a number: soulrecall's counters stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

let client;
let broken = null;

function reply(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function describe(error) {
  return {
    code: typeof error?.code === 'string' ? error.code : null,
    message: error instanceof Error ? error.message : String(error),
    detail: error?.detail ?? null,
  };
}

async function connect() {
  // Session settings go with the startup packet: no extra round trip. random_page_cost 1.1 is
  // PostgreSQL's advice for SSD-backed servers; at the default 4 the planner walks the whole
  // audit log backwards by id for the timeline of an environment that has been quiet lately
  // (100 ms at 200k promotions) instead of reading that environment's index (under 1 ms).
  // It holds for soulrecall's sessions only, and an `options` in the URL still wins.
  client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'soulrecall',
    lock_timeout: Number(lockTimeoutMs),
    options: '-c random_page_cost=1.1',
  });
  // A server that goes away later fails the request in flight; remember it for the next ones.
  client.on('error', (error) => (broken = describe(error)));
  await client.connect();
}

port.on('message', async (request) => {
  try {
    if (request.type === 'connect') {
      await connect();
      reply({ ok: true });
    } else if (request.type === 'query') {
      if (broken) throw Object.assign(new Error(broken.message), { code: broken.code });
      const result = await client.query({ text: request.sql, values: request.params });
      reply({ ok: true, rows: result.rows, rowCount: result.rowCount ?? 0 });
    } else if (request.type === 'close') {
      await client?.end().catch(() => {});
      reply({ ok: true });
    }
  } catch (error) {
    reply({ ok: false, error: describe(error) });
  }
});
