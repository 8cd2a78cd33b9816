import { spawn } from 'node:child_process';
import { Principal } from '@dfinity/principal';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareStateDir, startDevnetWithEngine, type Devnet, type EngineFactory } from './devnet.js';
import { DevnetError, isDevnetErrorCode } from './errors.js';
import { createExecutionEngine } from './execution/index.js';
import { FUND_PATH, NETWORK_INFO_PATH, type NetworkSelfDescription } from './http/server.js';
import { writeFileAtomic } from './state/atomic-file.js';

/** Written by a running network into its state directory: how to find and stop it. */
export interface NetworkRuntimeInfo {
  pid: number;
  port: number;
  url: string;
  startedAt: string;
}

export interface NetworkStatus {
  running: boolean;
  healthy: boolean;
  stateDir: string;
  port: number;
  pid?: number;
  url?: string;
  startedAt?: string;
  /** A pid file was left by a process that is gone. */
  stalePidFile: boolean;
}

export interface StartNetworkOptions {
  port: number;
  stateDir: string;
  host?: string;
  /** Deletes the state directory first (a fresh network with new keys). */
  clean?: boolean;
  messageTimeLimitMs?: number;
  /** Principals funded on the cycles ledger at start (see DevnetOptions.fundedPrincipals). */
  fundedPrincipals?: string[];
}

const PID_FILE = 'devnet.pid';
const INFO_FILE = 'devnet.json';
const LOG_FILE = 'devnet.log';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

const infoPath = (stateDir: string) => path.join(stateDir, INFO_FILE);
const pidPath = (stateDir: string) => path.join(stateDir, PID_FILE);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readRuntimeInfo(stateDir: string): NetworkRuntimeInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(infoPath(stateDir), 'utf8')) as NetworkRuntimeInfo;
  } catch {
    const pid = Number.parseInt(fs.existsSync(pidPath(stateDir)) ? fs.readFileSync(pidPath(stateDir), 'utf8') : '', 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, port: 0, url: '', startedAt: '' } : undefined;
  }
}

function removeRuntimeFiles(stateDir: string): void {
  fs.rmSync(pidPath(stateDir), { force: true });
  fs.rmSync(infoPath(stateDir), { force: true });
}

/** Whether something answers as a devnet at `url`. */
export async function isNetworkHealthy(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(new URL('/api/v2/status', url), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Fails with PORT_IN_USE when the port cannot be bound. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new DevnetError('PORT_IN_USE', `Port ${port} on ${host} is already in use.`)
          : error,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Refuses to start over a live network; clears files a dead one left behind. */
function claimStateDir(options: StartNetworkOptions): void {
  const info = readRuntimeInfo(options.stateDir);
  if (info && isProcessAlive(info.pid) && info.pid !== process.pid) {
    throw new DevnetError(
      'ALREADY_RUNNING',
      `A network is already running from ${options.stateDir} (pid ${info.pid}${info.url ? `, ${info.url}` : ''}).`,
      {
        hint: 'Use it, or stop it first.',
      },
    );
  }
  if (info) removeRuntimeFiles(options.stateDir);
  if (options.clean) fs.rmSync(options.stateDir, { recursive: true, force: true });
}

export interface RunningNetwork {
  devnet: Devnet;
  info: NetworkRuntimeInfo;
  /** Closes the network and removes its pid files. */
  stop(): Promise<void>;
}

/** Runs a network in this process and writes its pid files (what `network start` does in the foreground). */
export async function runNetwork(options: StartNetworkOptions, createEngine?: EngineFactory): Promise<RunningNetwork> {
  claimStateDir(options);
  const devnet = await startDevnetWithEngine(
    {
      port: options.port,
      host: options.host,
      stateDir: options.stateDir,
      messageTimeLimitMs: options.messageTimeLimitMs,
      fundedPrincipals: options.fundedPrincipals,
    },
    createEngine ?? createExecutionEngine,
  );
  const info: NetworkRuntimeInfo = {
    pid: process.pid,
    port: devnet.port,
    url: devnet.url,
    startedAt: devnet.startedAt,
  };
  writeFileAtomic(pidPath(devnet.stateDir), `${process.pid}\n`);
  writeFileAtomic(infoPath(devnet.stateDir), `${JSON.stringify(info, null, 2)}\n`);
  let stopping: Promise<void> | undefined;
  return {
    devnet,
    info,
    stop: () =>
      (stopping ??= devnet.close().finally(() => {
        if (readRuntimeInfo(devnet.stateDir)?.pid === process.pid) removeRuntimeFiles(devnet.stateDir);
      })),
  };
}

/** The entry script of a background network: compiled JS next to this module, or the TS source under tsx. */
function serverMainCommand(): { command: string; args: string[] } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.join(here, 'server-main.js');
  if (fs.existsSync(compiled)) return { command: process.execPath, args: [compiled] };
  return { command: process.execPath, args: ['--import', 'tsx', path.join(here, 'server-main.ts')] };
}

/** Starts `server-main` detached and waits until it answers /api/v2/status. */
export async function startNetworkInBackground(options: StartNetworkOptions): Promise<NetworkRuntimeInfo> {
  claimStateDir(options);
  await assertPortFree(options.port, options.host);
  prepareStateDir(options.stateDir);
  const logFile = path.join(options.stateDir, LOG_FILE);
  const log = fs.openSync(logFile, 'w');
  const { command, args } = serverMainCommand();
  const child = spawn(
    command,
    [
      ...args,
      '--port',
      String(options.port),
      '--state-dir',
      options.stateDir,
      ...(options.host ? ['--host', options.host] : []),
      ...(options.messageTimeLimitMs ? ['--message-time-limit-ms', String(options.messageTimeLimitMs)] : []),
      ...(options.fundedPrincipals ?? []).flatMap((principal) => ['--fund', principal]),
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? 1));
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== null) throw startFailure(logFile, `exited with code ${exitCode}`);
    const info = readRuntimeInfo(options.stateDir);
    if (info?.url && info.pid === child.pid && (await isNetworkHealthy(info.url))) return info;
    await sleep(100);
  }
  if (child.pid) process.kill(child.pid, 'SIGTERM');
  throw startFailure(logFile, `did not answer within ${START_TIMEOUT_MS / 1000} s`);
}

/** The error a background network reported (server-main prints `error <CODE>: <message>`), or a generic one. */
function startFailure(logFile: string, what: string): DevnetError {
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  const reported = /^error ([A-Z_]+): (.*)$/m.exec(log);
  if (reported && isDevnetErrorCode(reported[1]!)) return new DevnetError(reported[1], reported[2]!);
  return new DevnetError('START_FAILED', `The network process ${what}.`, { hint: `See its log: ${logFile}` });
}

/** What a soulrecall network on `port` says about itself; undefined when nothing there answers as one. */
export async function askPort(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 2000,
): Promise<NetworkSelfDescription | undefined> {
  try {
    const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}${NETWORK_INFO_PATH}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body: unknown = response.ok ? await response.json() : undefined;
    const said = body as Partial<NetworkSelfDescription> | undefined;
    const valid =
      Number.isInteger(said?.pid) &&
      said!.pid! > 0 &&
      said?.port === port &&
      typeof said.stateDir === 'string' &&
      path.isAbsolute(said.stateDir) &&
      typeof said.startedAt === 'string';
    return valid ? (said as NetworkSelfDescription) : undefined;
  } catch {
    return undefined;
  }
}

export interface NetworkLocation {
  stateDir: string;
  /** `port`: the network on the port named this directory; `state-dir`: given, or the port's default. */
  foundBy: 'port' | 'state-dir';
}

/**
 * The state directory of the network the user means by `--port` (the handle they know, as with
 * `dfx stop`): the one given with --state-dir; else the one the network answering on the port
 * names, when that directory's runtime file names the same process (so whatever else answers
 * on a port can never direct a stop at another process); else the port's default directory,
 * whose pid file still tells of a network that runs without answering, or that is gone.
 */
export async function locateNetwork(options: {
  port: number;
  stateDir?: string;
  defaultStateDir: string;
  host?: string;
}): Promise<NetworkLocation> {
  if (options.stateDir !== undefined) return { stateDir: path.resolve(options.stateDir), foundBy: 'state-dir' };
  // Port 0 means "any free port" when starting; nothing listens there.
  const said = options.port === 0 ? undefined : await askPort(options.port, options.host);
  if (said && readRuntimeInfo(said.stateDir)?.pid === said.pid) return { stateDir: said.stateDir, foundBy: 'port' };
  return { stateDir: options.defaultStateDir, foundBy: 'state-dir' };
}

/**
 * Stops the network running from `stateDir` (SIGTERM, then waits for it to exit). `port` is the
 * one the user named, for the message when nothing runs.
 */
export async function stopNetwork(stateDir: string, port?: number): Promise<NetworkRuntimeInfo> {
  const info = readRuntimeInfo(stateDir);
  if (!info) {
    const message =
      port === undefined
        ? `No network is running from ${stateDir}.`
        : `No network started by \`soulrecall network start\` is running on port ${port} (and ${stateDir} has no pid file).`;
    throw new DevnetError('NOT_RUNNING', message, { hint: 'Start one in the background.' });
  }
  if (!isProcessAlive(info.pid)) {
    removeRuntimeFiles(stateDir);
    throw new DevnetError(
      'STALE_PID_FILE',
      `The network of ${stateDir} is not running: its process ${info.pid} is gone. Removed the stale pid file.`,
      {
        hint: 'Start it again.',
      },
    );
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isProcessAlive(info.pid)) {
    if (Date.now() > deadline) {
      process.kill(info.pid, 'SIGKILL');
      break;
    }
    await sleep(50);
  }
  removeRuntimeFiles(stateDir);
  return info;
}

export async function networkStatus(stateDir: string, port: number): Promise<NetworkStatus> {
  const info = readRuntimeInfo(stateDir);
  if (!info) return { running: false, healthy: false, stateDir, port, stalePidFile: false };
  const alive = isProcessAlive(info.pid);
  if (!alive)
    return { running: false, healthy: false, stateDir, port: info.port || port, pid: info.pid, stalePidFile: true };
  return {
    running: true,
    healthy: info.url ? await isNetworkHealthy(info.url) : false,
    stateDir,
    port: info.port || port,
    pid: info.pid,
    url: info.url || undefined,
    startedAt: info.startedAt || undefined,
    stalePidFile: false,
  };
}

export interface FundResult {
  principal: string;
  /** Cycles added. */
  cycles: string;
  /** The principal's cycles-ledger balance afterwards. */
  balance: string;
}

/**
 * Gives `principal` cycles on the cycles ledger of the network at `url` (its faucet, FUND_PATH).
 * NOT_RUNNING when nothing answers there; FUND_REFUSED with the network's reason otherwise.
 */
export async function fundPrincipal(url: string, principal: string, cycles: bigint): Promise<FundResult> {
  let response: Response;
  try {
    response = await fetch(new URL(FUND_PATH, url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ principal, cycles: cycles.toString() }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new DevnetError('NOT_RUNNING', `No network answers at ${url}.`, {
      hint: 'Start one in the background.',
      cause: error,
    });
  }
  const body = await response.text();
  if (!response.ok) {
    throw new DevnetError('FUND_REFUSED', `The network at ${url} did not fund ${principal}: ${body}`, {
      hint: 'Is it a soulrecall network? Only those have a faucet.',
    });
  }
  return JSON.parse(body) as FundResult;
}

const CYCLE_SUFFIXES: Record<string, bigint> = {
  '': 1n,
  k: 1_000n,
  m: 1_000_000n,
  b: 1_000_000_000n,
  t: 1_000_000_000_000n,
};

/**
 * A positive number of cycles: digits with an optional k, m, b or t (thousand … trillion), as icp-cli writes amounts.
 */
export function parseCyclesAmount(text: string): bigint {
  const match = /^([0-9][0-9_]*)(?:\.([0-9]+))?([kmbt]?)$/i.exec(text.trim());
  const scale = match ? CYCLE_SUFFIXES[match[3]!.toLowerCase()]! : 0n;
  const whole = match ? BigInt(match[1]!.replaceAll('_', '')) * scale : 0n;
  const fraction = match?.[2] ? (BigInt(match[2]) * scale) / 10n ** BigInt(match[2].length) : 0n;
  // A fraction finer than one cycle is not a whole number of cycles.
  const exact = !match?.[2] || (BigInt(match[2]) * scale) % 10n ** BigInt(match[2].length) === 0n;
  if (!match || !exact || whole + fraction <= 0n) {
    throw new DevnetError('INVALID_AMOUNT', `"${text}" is not a positive whole number of cycles.`, {
      hint: 'Write cycles as digits with an optional k, m, b or t, e.g. 100t or 2500000000000.',
    });
  }
  return whole + fraction;
}

/**
 * `soulrecall network fund`: gives `principal` cycles on the cycles ledger of the network running
 * from `stateDir`. INVALID_PRINCIPAL for a principal that does not parse, NOT_RUNNING when no
 * network runs there (or it does not answer).
 */
export async function fundRunningNetwork(
  stateDir: string,
  port: number,
  principal: string,
  cycles: bigint,
): Promise<FundResult> {
  let owner: Principal;
  try {
    owner = Principal.fromText(principal.trim());
  } catch {
    throw new DevnetError('INVALID_PRINCIPAL', `"${principal}" is not a principal.`, {
      hint: 'A principal looks like `2vxsx-fae` or `aaaaa-aa` (groups of up to five characters separated by dashes).',
    });
  }
  const status = await networkStatus(stateDir, port);
  if (!status.running || !status.url) {
    throw new DevnetError(
      'NOT_RUNNING',
      `No network started by \`soulrecall network start\` is running on port ${port}.`,
      {
        hint: 'Start one in the background, or name the port it runs on.',
        details: { port },
      },
    );
  }
  return fundPrincipal(status.url, owner.toText(), cycles);
}
