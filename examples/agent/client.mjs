#!/usr/bin/env node
// A minimal client of the sample agent, as an application would be: it finds the live canister
// of an environment where soulrecall keeps it, as dfx does (the local network's in
// .dfx/local/canister_ids.json, the others' in canister_ids.json), and calls it with
// @dfinity/agent, every verification on.
//
//   node client.mjs <env> <network-url> remember "text" | recall | version   (run in the project folder)
import { existsSync, readFileSync } from 'node:fs';
import { Actor, HttpAgent } from '@dfinity/agent';

const idlFactory = ({ IDL: I }) =>
  I.Service({
    remember: I.Func([I.Text], [I.Nat], []),
    recall: I.Func([], [I.Vec(I.Text)], ['query']),
    version: I.Func([], [I.Text], ['query']),
  });

const [environment, host, command, ...rest] = process.argv.slice(2);
if (!environment || !host || !['remember', 'recall', 'version'].includes(command)) {
  console.error('usage: node client.mjs <env> <network-url> remember "text" | recall | version');
  process.exit(2);
}
const idsFile = existsSync(`.dfx/${environment}/canister_ids.json`) ? `.dfx/${environment}/canister_ids.json` : 'canister_ids.json';
const ids = existsSync(idsFile) ? JSON.parse(readFileSync(idsFile, 'utf8')) : {};
const canisterId = ids['my-agent']?.[environment];
if (!canisterId) {
  console.error(`${idsFile} has no live canister of my-agent in ${environment}`);
  process.exit(4);
}
const agent = await HttpAgent.create({ host, shouldFetchRootKey: true });
const actor = Actor.createActor(idlFactory, { agent, canisterId });
if (command === 'remember') console.log(`remembered; ${await actor.remember(rest.join(' '))} memories in ${canisterId}`);
if (command === 'recall') console.log(JSON.stringify(await actor.recall()));
if (command === 'version') console.log(await actor.version());
