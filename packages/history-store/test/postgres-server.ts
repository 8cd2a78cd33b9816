/**
 * Test support (not a test): a real PostgreSQL 15 server for the tests, started once per test
 * process on a free loopback port with its data in a temporary folder, and stopped (folder
 * removed) when the process exits. PostgreSQL refuses to run as root, so as root it runs as
 * `nobody`. Each test gets a database of its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresExecutor } from '../src/db/postgres.js';

const BIN = '/usr/lib/postgresql/15/bin';
const NOBODY = { uid: 65534, gid: 65534 };
/** The role whose logins the server checks with a password (created by the tests that need it). */
export const PASSWORD_ROLE = 'alice';

export interface PostgresServer {
  port: number;
  /** URL of a database (default: the maintenance database `postgres`). */
  url(database?: string): string;
  /** A new, empty database; dropped by `dropDatabase` or with the server. */
  createDatabase(prefix?: string): string;
  dropDatabase(name: string): void;
  /** Runs SQL in a database (as the superuser). */
  sql<R = unknown>(database: string, text: string, params?: unknown[]): R[];
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port and data. */
  restart(): Promise<void>;
}

function asServerUser(): string[] {
  return process.getuid?.() === 0
    ? ['setpriv', `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', '--']
    : [];
}

function run(command: string[], options: { quiet?: boolean } = {}): void {
  const [file, ...args] = command;
  execFileSync(file!, args, { stdio: options.quiet ? 'ignore' : ['ignore', 'ignore', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function postgresAvailable(): boolean {
  return existsSync(join(BIN, 'postgres'));
}

let shared: Promise<PostgresServer> | undefined;

/**
 * The test process's server, started on first use. It serves every test file of the run, so no
 * test can stop it; it is killed when the process exits, and does not by itself keep the process
 * alive after the last test (mocha runs without --exit).
 */
export function sharedPostgres(): Promise<PostgresServer> {
  shared ??= startPostgres({ untilProcessExit: true });
  return shared;
}

export async function startPostgres(options: { untilProcessExit?: boolean } = {}): Promise<PostgresServer> {
  if (!postgresAvailable())
    throw new Error(`PostgreSQL 15 server binaries are missing (${BIN}); install postgresql-15 (see .ci/run)`);
  const root = mkdtempSync(join(tmpdir(), 'soulrecall-pg-'));
  const data = join(root, 'data');
  const sockets = join(root, 'sock');
  execFileSync('mkdir', ['-p', sockets]);
  if (process.getuid?.() === 0) {
    chownSync(root, NOBODY.uid, NOBODY.gid);
    chownSync(sockets, NOBODY.uid, NOBODY.gid);
  }
  run(
    [
      ...asServerUser(),
      join(BIN, 'initdb'),
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ],
    { quiet: true },
  );
  // One password-checked role for the tests of a wrong password; everyone else is trusted.
  appendFileSync(join(data, 'pg_hba.conf'), '');
  const hba = readFileSync(join(data, 'pg_hba.conf'), 'utf8');
  writeFileSync(join(data, 'pg_hba.conf'), `host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n${hba}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let admin: PostgresExecutor | undefined;

  const start = async () => {
    const [file, ...args] = [
      ...asServerUser(),
      join(BIN, 'postgres'),
      '-D',
      data,
      '-c',
      'listen_addresses=127.0.0.1',
      '-p',
      String(port),
      '-k',
      sockets,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ];
    child = spawn(file!, args, { stdio: 'ignore' });
    if (options.untilProcessExit) child.unref();
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        admin = new PostgresExecutor(url(), { connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const stop = async () => {
    admin?.close();
    admin = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGINT'); // fast shutdown: open connections are dropped, as when a server goes down
    await exited;
  };
  await start();
  const cleanup = () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', cleanup);

  const server: PostgresServer = {
    port,
    url,
    createDatabase(prefix = 't') {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      admin!.exec(`CREATE DATABASE ${name}`);
      return name;
    },
    dropDatabase(name) {
      admin?.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
    sql(database, text, params = []) {
      const executor = new PostgresExecutor(url(database));
      try {
        return executor.exec(text, params);
      } finally {
        executor.close();
      }
    },
    stop,
    restart: start,
  };
  return server;
}
