#!/usr/bin/env node
// The baseline of bench/promote: the remote calls of one in-place promotion (status, stop,
// list snapshots + snapshot, upgrade with Wasm memory kept, start, status, health query) made straight through
// @dfinity/agent, as a hand-written deploy script would.
// As a script: node direct.mjs <host> <soulrecall-home> <canister-id> <module.wasm>
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Actor, HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { IdentityStore, managementIdlFactory } from '@soulrecall/canister-client';
import { Principal } from '@dfinity/principal';

const healthIdl = ({ IDL: I }) =>
  I.Service({ health: I.Func([], [I.Variant({ ok: I.Text, err: I.Text })], ['query']) });

export async function directUpgrade(host, identity, canisterId, wasm) {
  const agent = await HttpAgent.create({ host, identity, shouldFetchRootKey: true });
  const management = Actor.createActor(managementIdlFactory, {
    agent,
    canisterId: 'aaaaa-aa',
    effectiveCanisterId: canisterId,
  });
  const target = { canister_id: canisterId };
  await management.canister_status(target);
  await management.stop_canister(target);
  // A canister keeps at most 10 snapshots: like soulrecall, replace the oldest when full.
  const snapshots = await management.list_canister_snapshots(target);
  const oldest =
    snapshots.length >= 10
      ? [snapshots.reduce((a, b) => (a.taken_at_timestamp <= b.taken_at_timestamp ? a : b)).id]
      : [];
  await management.take_canister_snapshot({ ...target, replace_snapshot: oldest });
  await management.install_code({
    mode: { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }] },
    canister_id: canisterId,
    wasm_module: wasm,
    arg: IDL.encode([], []),
    sender_canister_version: [],
  });
  await management.start_canister(target);
  await management.canister_status(target);
  const health = await Actor.createActor(healthIdl, { agent, canisterId }).health();
  if (!('ok' in health)) throw new Error('baseline canister unhealthy');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host, home, canisterId, modulePath] = process.argv.slice(2);
  const identity = new IdentityStore({ dataDir: home }).resolve().identity;
  await directUpgrade(host, identity, Principal.fromText(canisterId), readFileSync(modulePath));
}
