/**
 * What both devnet benchmarks start from: a devnet in a temporary state directory, an agent with
 * every verification on, checking certificates as soulrecall does (@soulrecall/bls, through
 * canister-client's `useWasmBlsInAgent`), checking query signatures as soulrecall does (native first, through
 * `useNativeEd25519InAgent`) and signing requests as soulrecall's identities do
 * (canister-client's `NodeKeyIdentity`, node:crypto), and the WAT counter canister installed and warmed up;
 * plus the timing helpers, so both scripts measure the same way.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Actor, HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { NodeKeyIdentity } from '@soulrecall/canister-client';
import { useNativeEd25519InAgent, useWasmBlsInAgent } from '@soulrecall/canister-client/agent';
import { managementIdlFactory, startDevnet } from '@soulrecall/devnet';
import { counterIdl, counterWasm, type CounterActor } from '../../packages/devnet/test/support/wat-canister.js';

/** Candid's empty argument list, for canisters that take (or ignore) one. */
export const EMPTY_CANDID_ARG = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);

export interface CounterDevnet {
  stateDir: string;
  url: string;
  agent: HttpAgent;
  /** The management canister's actor (its IDL is not typed here). */
  mgmt: (id?: Principal) => any;
  /** A new canister with provisional cycles. */
  create: () => Promise<Principal>;
  counterId: Principal;
  counter: CounterActor;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90) };
};

/** `times` sequential runs of `task`, each timed in milliseconds. */
export async function timed(times: number, task: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** An agent as soulrecall makes one: every verification on, @soulrecall/bls, a node:crypto key of its own. */
export async function clientAgent(url: string): Promise<HttpAgent> {
  useWasmBlsInAgent();
  useNativeEd25519InAgent();
  return HttpAgent.create({
    host: url,
    shouldFetchRootKey: true,
    identity: new NodeKeyIdentity(crypto.generateKeyPairSync('ed25519').privateKey, 'ed25519'),
  });
}

/** Runs `measure` against a fresh devnet with the counter installed; the devnet and its files go after. */
export async function withCounterDevnet(measure: (setup: CounterDevnet) => Promise<void>): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-bench-'));
  const devnet = await startDevnet({ port: 0, stateDir });
  try {
    const agent = await clientAgent(devnet.url);
    const mgmt = (id?: Principal) =>
      Actor.createActor(managementIdlFactory, { agent, canisterId: 'aaaaa-aa', effectiveCanisterId: id }) as any;
    const none = { amount: [], settings: [], specified_id: [], sender_canister_version: [] };
    const create = async (): Promise<Principal> =>
      (await mgmt().provisional_create_canister_with_cycles(none)).canister_id;
    const counterId = await create();
    const install = {
      mode: { install: null },
      canister_id: counterId,
      wasm_module: counterWasm(),
      arg: new Uint8Array(),
    };
    await mgmt(counterId).install_code({ ...install, sender_canister_version: [] });
    const counter = Actor.createActor(counterIdl, { agent, canisterId: counterId }) as unknown as CounterActor;
    await counter.inc();
    await counter.get();
    await measure({ stateDir, url: devnet.url, agent, mgmt, create, counterId, counter });
  } finally {
    await devnet.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
