import { execFileSync, fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openHistoryStore, type OpenHistoryStoreOptions } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { sharedPostgres, type PostgresServer } from './postgres-server.js';

const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = join(here, '..');
export const workersDir = join(here, 'workers');

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'soulrecall-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A store in a fresh temporary directory; `cleanup()` closes it and removes the directory. */
export function tempStore(options: Partial<OpenHistoryStoreOptions> = {}): {
  store: HistoryStore;
  dir: string;
  cleanup: () => void;
} {
  const dir = makeTempDir();
  const store = openHistoryStore({ dataDir: dir, ...options });
  return { store, dir, cleanup: () => (store.close(), removeDir(dir)) };
}

export type Backend = 'sqlite' | 'postgres';
export type TempStore = (options?: Partial<OpenHistoryStoreOptions>) => {
  store: HistoryStore;
  dir: string;
  cleanup: () => void;
};

/**
 * Runs a suite once per backend: on SQLite (a file in a temporary folder) and on PostgreSQL (a
 * database of its own on the test process's server). The suite gets the `tempStore` to use.
 */
export function describeBackends(title: string, suite: (tempStore: TempStore, backend: Backend) => void): void {
  describe(`${title} [sqlite]`, () => suite(tempStore, 'sqlite'));
  describe(`${title} [postgres]`, function () {
    this.timeout(60_000);
    let server: PostgresServer;
    before(async () => void (server = await sharedPostgres()));
    suite((options = {}) => {
      const dir = makeTempDir();
      const database = server.createDatabase('store');
      const store = openHistoryStore({ dataDir: dir, url: server.url(database), ...options });
      return { store, dir, cleanup: () => (store.close(), server.dropDatabase(database), removeDir(dir)) };
    }, 'postgres');
  });
}

/** A clock the test moves by hand. */
export function manualClock(start = '2026-01-01T00:00:00.000Z'): { now: () => Date; advance: (ms: number) => void } {
  let current = Date.parse(start);
  return { now: () => new Date(current), advance: (ms) => void (current += ms) };
}

export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);
export const LOCAL_URL = 'http://127.0.0.1:4943';

/** Records agent `bot` with a primary canister in `local`, the usual starting point. */
export function seedCanister(
  store: HistoryStore,
  canisterId = 'rrkah-fqaaa-aaaaa-aaaaq-cai',
  environment = 'local',
  agent = 'bot',
  role: 'primary' | 'blue' | 'green' = 'primary',
) {
  return store.canisters.record({ canisterId, networkUrl: LOCAL_URL, environment, agent, role });
}

let built = false;
/** Worker processes import the compiled package, so compile it once per test run. */
export function ensureBuilt(): void {
  if (built) return;
  const tsc = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', packageDir], { stdio: 'inherit' });
  built = true;
}

/** Forks a plain .mjs worker from test/workers (no tsx loader) with stdout piped. */
export function forkWorker(name: string, args: string[], options: ForkOptions = {}): ChildProcess {
  return fork(join(workersDir, name), args, { execArgv: [], stdio: ['pipe', 'pipe', 'pipe', 'ipc'], ...options });
}

/**
 * Reads a worker's stdout line by line. Lines are kept until asked for, so two lines arriving
 * in one chunk are both seen.
 */
export class LineReader {
  private buffer = '';
  private readonly lines: string[] = [];
  private stderr = '';
  private waiter: (() => void) | null = null;
  private exited: string | null = null;

  constructor(child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop() ?? '';
      this.lines.push(...parts);
      this.waiter?.();
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.once('exit', (code, signal) => {
      this.exited = `worker exited (${code ?? signal}); stderr: ${this.stderr}`;
      this.waiter?.();
    });
  }

  /** Resolves with the next line satisfying `match` (earlier non-matching lines are dropped). */
  async next(match: (line: string) => boolean): Promise<string> {
    for (;;) {
      while (this.lines.length > 0) {
        const line = this.lines.shift()!;
        if (match(line)) return line;
      }
      if (this.exited !== null) throw new Error(`${this.exited} before the expected line`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }
}

/** Resolves with the first stdout line that satisfies `match`. */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new LineReader(child).next(match);
}

export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolvePromise) => child.once('exit', (code, signal) => resolvePromise({ code, signal })));
}
