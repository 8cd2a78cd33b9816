import fs from 'node:fs';
import path from 'node:path';
import { Principal } from '@dfinity/principal';
import { Certifier } from './crypto/certifier.js';
import { loadOrCreateNetworkKeys } from './crypto/network-keys.js';
import { DevnetError } from './errors.js';
import type { ExecutionEngine, ExecutionEngineOptions } from './execution/types.js';
import { ProtocolHandlers } from './http/handlers.js';
import { DevnetHttpServer } from './http/server.js';
import { CanisterStore } from './state/canister-store.js';
import { Subnet } from './subnet.js';
import { SystemTaskScheduler } from './system-tasks.js';
import { CyclesMintingCanister } from './system-canisters/cycles-minting-canister.js';
import { SystemCanisters } from './system-canisters/system-canister.js';
import { CyclesLedger } from './system-canisters/cycles-ledger.js';
import { defaultAccount } from './system-canisters/ledger-book.js';

const toPrincipal = (principal: Principal | string): Principal =>
  typeof principal === 'string' ? Principal.fromText(principal) : principal;

export interface DevnetOptions {
  /** 0 picks a free port; default 4943. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where keys, canisters and their Wasm state are kept across restarts. */
  stateDir: string;
  /** Wall-clock limit of one message (default 5000 ms). */
  messageTimeLimitMs?: number;
  /**
   * Principals whose cycles-ledger account holds at least `fundedCycles` once the network has
   * started (topped up to it, never reduced, so a restart does not mint again).
   */
  fundedPrincipals?: Array<Principal | string>;
  /** Default DEFAULT_FUNDED_CYCLES (100 T). */
  fundedCycles?: bigint;
}

/** What a funded principal starts with: enough for fifty canisters of icp-cli's default 2 T cycles. */
export const DEFAULT_FUNDED_CYCLES = 100_000_000_000_000n;

export interface Devnet {
  url: string;
  port: number;
  /** DER-wrapped BLS root key (what /api/v2/status returns). */
  rootKey: Uint8Array;
  stateDir: string;
  /** ISO time the network started, as it tells at NETWORK_INFO_PATH. */
  startedAt: string;
  /** Mints cycles into the principal's cycles-ledger account (the devnet's faucet); returns its new balance. */
  fund(principal: Principal | string, cycles: bigint): bigint;
  /** The principal's balance on the cycles ledger (its default account). */
  cyclesBalance(principal: Principal | string): bigint;
  close(): Promise<void>;
}

export type EngineFactory = (options: ExecutionEngineOptions) => Promise<ExecutionEngine>;

/** Creates the state directory and proves it writable (a probe file: root ignores permission bits). */
export function prepareStateDir(stateDir: string): void {
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    const probe = path.join(stateDir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    throw new DevnetError(
      'STATE_DIR_UNWRITABLE',
      `The state directory ${stateDir} is not writable: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Starts a network with the given execution engine (tests may pass their own). */
export async function startDevnetWithEngine(options: DevnetOptions, createEngine: EngineFactory): Promise<Devnet> {
  const stateDir = path.resolve(options.stateDir);
  const host = options.host ?? '127.0.0.1';
  prepareStateDir(stateDir);
  const keys = await loadOrCreateNetworkKeys(stateDir);
  const engine = await createEngine({
    stateDir: path.join(stateDir, 'wasm'),
    messageTimeLimitMs: options.messageTimeLimitMs ?? 5000,
  });
  const store = new CanisterStore(stateDir, (scope) => engine.flush(scope?.map((id) => id.toUint8Array())));
  const certifier = new Certifier(keys);
  const ledger = new CyclesLedger(stateDir);
  for (const principal of options.fundedPrincipals ?? [])
    ledger.fundAtLeast(toPrincipal(principal), options.fundedCycles ?? DEFAULT_FUNDED_CYCLES);
  const subnet = new Subnet(
    store,
    engine,
    certifier,
    keys,
    new SystemCanisters([new CyclesMintingCanister(keys.subnetId), ledger]),
  );
  const startedAt = new Date().toISOString();
  let port = 0;
  // The faucet mints between messages: the ledger's own updates run one at a time beside it, never interleaved (single
  // thread, no await inside).
  const fund = (principal: Principal | string, cycles: bigint) => ledger.fund(toPrincipal(principal), cycles);
  const server = new DevnetHttpServer(
    new ProtocolHandlers(keys, certifier, subnet),
    () => ({ pid: process.pid, port, stateDir, startedAt }),
    fund,
  );
  try {
    port = await server.listen(options.port ?? 4943, host);
  } catch (error) {
    await engine.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new DevnetError('PORT_IN_USE', `Port ${options.port} on ${host} is already in use.`, { cause: error });
    }
    throw new DevnetError('LISTEN_FAILED', `Could not listen on ${host}:${options.port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const systemTasks = new SystemTaskScheduler(subnet);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    rootKey: keys.rootKeyDer,
    stateDir,
    startedAt,
    fund,
    cyclesBalance: (principal) => ledger.book.balanceOf(defaultAccount(toPrincipal(principal))),
    close() {
      closing ??= (async () => {
        await server.close();
        await systemTasks.stop();
        await subnet.idle();
        await store.close();
        await engine.close();
      })();
      return closing;
    },
  };
}
