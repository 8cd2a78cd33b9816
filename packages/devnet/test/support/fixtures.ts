import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Actor, HttpAgent, type ActorMethod, type ActorSubclass, type Identity } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Principal } from '@dfinity/principal';
import { CanisterSettings, managementIdlFactory } from '../../src/management/candid-types.js';

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const newIdentity = (): Identity => Ed25519KeyIdentity.generate();

/**
 * An agent with every verification on: root key fetched from the network, certificates and query signatures checked.
 */
export function makeAgent(url: string, identity: Identity): Promise<HttpAgent> {
  return HttpAgent.create({ host: url, shouldFetchRootKey: true, identity, retryTimes: 0 });
}

// The management actor's methods are typed loosely in tests: each test knows what it calls.
export type ManagementActor = ActorSubclass<Record<string, ActorMethod<any[], any>>>;

/** A management canister actor whose calls target `canisterId` (the effective canister id). */
export function management(agent: HttpAgent, canisterId?: Principal): ManagementActor {
  return Actor.createActor(managementIdlFactory, {
    agent,
    canisterId: 'aaaaa-aa',
    effectiveCanisterId: canisterId,
  }) as ManagementActor;
}

/** Creates an empty canister controlled by the agent's identity. */
export async function createCanister(agent: HttpAgent, specifiedId?: Principal): Promise<Principal> {
  const specified_id = specifiedId ? [specifiedId] : [];
  const { canister_id } = (await management(agent).provisional_create_canister_with_cycles({
    amount: [],
    settings: [],
    specified_id,
    sender_canister_version: [],
  })) as {
    canister_id: Principal;
  };
  return canister_id;
}

export const installMode = {
  install: { install: null },
  reinstall: { reinstall: null },
  upgrade: { upgrade: [] },
};

export async function installCode(
  agent: HttpAgent,
  canisterId: Principal,
  wasm: Uint8Array,
  mode: object = installMode.install,
  arg = new Uint8Array(),
): Promise<void> {
  await management(agent, canisterId).install_code({
    mode,
    canister_id: canisterId,
    wasm_module: wasm,
    arg,
    sender_canister_version: [],
  });
}

/** `canister_settings` with the given fields and every other field of the interface left out (unchanged). */
export function settingsWith(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...Object.fromEntries(CanisterSettings._fields.map(([name]) => [name, []])), ...fields };
}
