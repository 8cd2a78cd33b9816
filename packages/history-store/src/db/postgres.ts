import type { CompiledQuery } from 'kysely';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RunResult, SqlExecutor } from './executor.js';

/** How long one request may take before the server counts as unreachable. */
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How long a writer waits for another writer's transaction (SQLite's busy timeout). */
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/**
 * The advisory lock every write transaction takes first: writers run one at a time, as on
 * SQLite, so "read the next version, insert it" and "read the lease, take it" cannot race
 * between machines. Any constant works; this one spells "SRHS".
 */
const WRITE_LOCK_KEY = 0x53524853;

/** What the worker reports when a request failed: pg's SQLSTATE or Node's errno code. */
export class PostgresRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly detail: string | null,
  ) {
    super(message);
  }
}

interface Reply {
  ok: boolean;
  rows?: unknown[];
  rowCount?: number;
  error?: { code: string | null; message: string; detail: string | null };
}

/** The URL as it may be shown: everything but the password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface PostgresExecutorOptions {
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  lockTimeoutMs?: number;
}

/** A worker with its connection under way; its first reply answers the connect. */
interface StartedWorker {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

function startWorker(url: string, options: PostgresExecutorOptions): StartedWorker {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('../../worker/postgres-worker.mjs', import.meta.url), {
    workerData: {
      url,
      port: port2,
      signal: flag.buffer,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    },
    transferList: [port2],
    // The worker runs plain JavaScript: no TypeScript loader needed there.
    execArgv: [],
  });
  // Neither may keep a finished command alive.
  worker.unref();
  port1.unref();
  port1.postMessage({ type: 'connect' });
  return { worker, port: port1, flag };
}

let prestarted: { url: string; started: StartedWorker } | undefined;

/**
 * Starts the worker and its connection for `url` now, without waiting, for the next executor
 * opened on that URL with default timeouts to take over. The CLI calls it before loading oclif:
 * the thread and pg come up on the other core meanwhile instead of after (about 100 ms of every
 * command against a shared store on a 2-core machine). Unused, it ends with the process.
 */
export function prestartPostgres(url: string): void {
  prestarted ??= { url, started: startWorker(url, {}) };
}

/**
 * PostgreSQL behind the store's synchronous API. node-postgres is asynchronous, so it runs in a
 * worker thread; each request blocks this thread on an Atomics wait until the worker answers
 * (or the request timeout passes). The store's calls are short and a command does nothing else
 * while it waits for its journal, so blocking costs nothing a user could notice.
 */
export class PostgresExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  readonly location: string;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private readonly requestTimeoutMs: number;
  private depth = 0;
  private open = true;
  /** Set once the server stopped answering: every later request fails the same way, fast. */
  private lost?: PostgresRequestError;

  constructor(url: string, options: PostgresExecutorOptions = {}) {
    this.location = redactUrl(url);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const adopt =
      prestarted?.url === url && options.connectTimeoutMs === undefined && options.lockTimeoutMs === undefined;
    const started = adopt ? prestarted!.started : startWorker(url, options);
    if (adopt) prestarted = undefined;
    ({ worker: this.worker, port: this.port, flag: this.flag } = started);
    try {
      this.answer(this.requestTimeoutMs);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  all<R>(query: CompiledQuery): R[] {
    return this.request({ type: 'query', sql: query.sql, params: query.parameters }).rows as R[];
  }

  run<R>(query: CompiledQuery): RunResult<R> {
    const reply = this.request({ type: 'query', sql: query.sql, params: query.parameters });
    return { changes: reply.rowCount ?? 0, rows: (reply.rows ?? []) as R[] };
  }

  /** One statement outside the query builder (transaction control, DDL, catalog reads). */
  exec<R = unknown>(sql: string, params: readonly unknown[] = []): R[] {
    return this.request({ type: 'query', sql, params }).rows as R[];
  }

  transaction<T>(fn: () => T): T {
    const savepoint = `soulrecall_${this.depth}`;
    if (this.depth === 0) {
      this.exec('BEGIN');
      try {
        this.exec('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK_KEY]);
      } catch (error) {
        this.rollbackQuietly('ROLLBACK');
        throw error;
      }
    } else {
      this.exec(`SAVEPOINT ${savepoint}`);
    }
    this.depth += 1;
    try {
      const result = fn();
      this.depth -= 1;
      this.exec(this.depth === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
      return result;
    } catch (error) {
      if (this.depth > 0) this.depth -= 1;
      this.rollbackQuietly(this.depth === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.call({ type: 'close' }, 2_000);
    } catch {
      // Closing a connection the server already dropped has nothing left to do.
    }
    void this.worker.terminate();
    this.port.close();
  }

  private rollbackQuietly(statement: string): void {
    try {
      this.exec(statement);
    } catch {
      // The server is gone or the transaction already aborted: nothing was committed either way.
    }
  }

  private request(message: Record<string, unknown>): Reply {
    if (this.lost) throw this.lost;
    if (!this.open) throw new TypeError('The database connection is not open');
    this.post(message);
    return this.answer(this.requestTimeoutMs);
  }

  /** Waits for the worker's reply to what was posted last; a failed request becomes its error. */
  private answer(timeoutMs: number): Reply {
    const reply = this.wait(timeoutMs);
    if (!reply.ok) {
      const error = new PostgresRequestError(reply.error!.message, reply.error!.code, reply.error!.detail);
      // A dropped connection stays dropped: no later statement may run outside the transaction it was in.
      if (
        /^(ECONNRESET|EPIPE|57P0[123]|08\w{3})$/.test(error.code ?? '') ||
        /Connection terminated/i.test(error.message)
      )
        this.lost = error;
      throw error;
    }
    return reply;
  }

  private call(message: Record<string, unknown>, timeoutMs: number): Reply {
    this.post(message);
    return this.wait(timeoutMs);
  }

  /** Hands a message to the worker, with the reply flag cleared first so `wait` sees only its answer. */
  private post(message: Record<string, unknown>): void {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(message);
  }

  private wait(timeoutMs: number): Reply {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received) return received.message as Reply;
      const left = deadline - performance.now();
      if (left <= 0) {
        // The worker may still be waiting on the server: this connection is unusable from now on.
        this.lost = new PostgresRequestError(`no answer from the server within ${timeoutMs} ms`, 'ETIMEDOUT', null);
        void this.worker.terminate();
        throw this.lost;
      }
      // Woken by the worker's notify, or after a short pause: under load the reply was seen to
      // trail the wake-up (the 1M-row benchmark once found the port empty), so look again.
      Atomics.wait(this.flag, 0, 0, Math.min(left, 10));
      Atomics.store(this.flag, 0, 0);
    }
  }
}
