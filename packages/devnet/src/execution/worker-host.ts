/**
 * Main-thread side of the execution worker: starts it on demand, sends one request at a time,
 * and enforces the time limit by terminating the worker (V8 can stop a Wasm infinite loop that
 * way). Every restart bumps `generation`, which tells the engine that the new worker holds no
 * instances yet.
 */
import { Worker } from 'node:worker_threads';
import { ExecutionError } from './errors.js';
import { PHASE_ABANDONED, PHASE_EXECUTING, type WorkerRequest, type WorkerResponse } from './worker-protocol.js';

export type WorkerRequestBody = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, 'requestId'>
    : never
  : never;

export type WorkerResult = WorkerResponse | { kind: 'timeout' };

/** How often a request that outlived its limit is looked at again while it is committing. */
const RECHECK_MS = 20;

/**
 * Compiled, the worker is dist/execution/worker.js. Run from TypeScript sources (tests under
 * tsx), workers do not inherit tsx's loader: a tiny bootstrap registers it first.
 */
function spawnWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export class ExecutionWorkerHost {
  generation = 0;
  private worker: Worker | undefined;
  private control = new Int32Array(new SharedArrayBuffer(4));
  /** [request id that started executing, Date.now() when it started], written by the worker. */
  private started = new BigInt64Array(new SharedArrayBuffer(16));
  private nextRequestId = 1;
  private inFlight:
    { requestId: number; settle: (result: WorkerResult) => void; fail: (error: Error) => void } | undefined;

  private start(): Worker {
    this.control = new Int32Array(new SharedArrayBuffer(4));
    this.started = new BigInt64Array(new SharedArrayBuffer(16));
    const worker = spawnWorker({ control: this.control.buffer, started: this.started.buffer });
    this.generation++;
    worker.on('message', (response: WorkerResponse) => {
      const pending = this.inFlight;
      if (!pending || pending.requestId !== response.requestId) return;
      this.inFlight = undefined;
      worker.unref();
      pending.settle(response);
    });
    const crashed = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const pending = this.inFlight;
      this.inFlight = undefined;
      pending?.fail(new ExecutionError('WORKER_FAILED', `The execution worker stopped: ${reason}`));
    };
    worker.on('error', (error) => crashed(error.message));
    worker.on('exit', (code) => crashed(`exit code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Sends a request; resolves `{kind:'timeout'}` when it ran past `timeLimitMs` (the worker is then replaced). */
  request(body: WorkerRequestBody, timeLimitMs: number | undefined): Promise<WorkerResult> {
    if (this.inFlight)
      throw new ExecutionError('WORKER_FAILED', 'The execution worker is busy (requests must be serialised).');
    const worker = this.worker ?? this.start();
    const requestId = this.nextRequestId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onTimeout = () => {
        if (this.inFlight?.requestId !== requestId || timeLimitMs === undefined) return;
        // The clock runs from when the worker started executing (a fresh worker needs time to boot).
        if (Atomics.load(this.started, 0) !== BigInt(requestId)) {
          timer = setTimeout(onTimeout, RECHECK_MS);
          return;
        }
        const remaining = Number(Atomics.load(this.started, 1)) + timeLimitMs - Date.now();
        if (remaining > 0) {
          timer = setTimeout(onTimeout, remaining);
          return;
        }
        // Give up only while the message is still executing; a commit in progress finishes first.
        if (Atomics.compareExchange(this.control, 0, PHASE_EXECUTING, PHASE_ABANDONED) === PHASE_EXECUTING) {
          this.inFlight = undefined;
          this.worker = undefined;
          void worker.terminate();
          resolve({ kind: 'timeout' });
        } else {
          timer = setTimeout(onTimeout, RECHECK_MS);
        }
      };
      this.inFlight = {
        requestId,
        settle: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      worker.ref();
      worker.postMessage({ ...body, requestId } as WorkerRequest);
      if (timeLimitMs !== undefined) timer = setTimeout(onTimeout, timeLimitMs);
    });
  }

  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
