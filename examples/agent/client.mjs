#!/usr/bin/env node
// A minimal client of the sample agent, as an application would be: it finds the live canister
// of an environment where soulrecall keeps it, as dfx does (the local network's in
// .dfx/local/canister_ids.json, the others' in canister_ids.json), and calls it with
// @dfinity/agent, every verification on.
//
//   node client.mjs <env> <network-url> remember "text" | recall | version | set-tool | reflect | ticks
//   (run in the project folder)
//
// `set-tool` points the agent at the environment's `my-tool` canister. It is an operator's step
// (the agent accepts it only from a controller), so it signs with soulrecall's selected identity,
// the one soulrecall deployed with; every other command is an anonymous user's call.
import { existsSync, readFileSync } from 'node:fs';
import { Actor, HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';

const COMMANDS = ['remember', 'recall', 'version', 'set-tool', 'reflect', 'ticks'];

const idlFactory = ({ IDL: I }) =>
  I.Service({
    remember: I.Func([I.Text], [I.Nat], []),
    recall: I.Func([], [I.Vec(I.Text)], ['query']),
    version: I.Func([], [I.Text], ['query']),
    setTool: I.Func([I.Principal], [], []),
    reflect: I.Func([], [I.Text], []),
    timerTicks: I.Func([], [I.Nat], ['query']),
  });

const [environment, host, command, ...rest] = process.argv.slice(2);
if (!environment || !host || !COMMANDS.includes(command)) {
  console.error(
    `usage: node client.mjs <env> <network-url> ${COMMANDS.map((c) => (c === 'remember' ? 'remember "text"' : c)).join(' | ')}`,
  );
  process.exit(2);
}
const idsFile = existsSync(`.dfx/${environment}/canister_ids.json`)
  ? `.dfx/${environment}/canister_ids.json`
  : 'canister_ids.json';
const ids = existsSync(idsFile) ? JSON.parse(readFileSync(idsFile, 'utf8')) : {};
function liveCanister(name) {
  const canisterId = ids[name]?.[environment];
  if (!canisterId) {
    console.error(`${idsFile} has no live canister of ${name} in ${environment}`);
    process.exit(4);
  }
  return canisterId;
}

async function operatorIdentity() {
  // Loaded only for set-tool: soulrecall's own packages, where soulrecall keeps its identities.
  const { dataDir } = await import('@soulrecall/core');
  const { IdentityStore } = await import('@soulrecall/canister-client');
  return new IdentityStore({ dataDir: dataDir() }).resolve().identity;
}

const canisterId = liveCanister('my-agent');
const identity = command === 'set-tool' ? await operatorIdentity() : undefined;
const agent = await HttpAgent.create({ host, shouldFetchRootKey: true, identity });
const actor = Actor.createActor(idlFactory, { agent, canisterId });
try {
  if (command === 'remember')
    console.log(`remembered; ${await actor.remember(rest.join(' '))} memories in ${canisterId}`);
  if (command === 'recall') console.log(JSON.stringify(await actor.recall()));
  if (command === 'version') console.log(await actor.version());
  if (command === 'set-tool') {
    const toolId = liveCanister('my-tool');
    await actor.setTool(Principal.fromText(toolId));
    console.log(`${canisterId} now consults the tool ${toolId}`);
  }
  if (command === 'reflect') console.log(`the tool answered: ${await actor.reflect()}`);
  if (command === 'ticks') console.log(`the agent's timer has fired ${await actor.timerTicks()} times`);
} catch (error) {
  // The agent's rejection is one sentence (agent.mo); @dfinity/agent's message wraps it in request details.
  console.error(`${canisterId} refused ${command}: ${error?.cause?.code?.rejectMessage ?? error?.message ?? error}`);
  process.exit(1);
}
