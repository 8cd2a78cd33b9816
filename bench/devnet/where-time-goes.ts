/**
 * Where an update call's time goes, measured in one process so every figure shares the machine's
 * load: the pieces of a certified update timed alone (the devnet's BLS signature of the
 * certificate, @dfinity/agent's BLS check of it, the durable append + fdatasync of changed pages,
 * Ed25519 request signing and checking), next to the whole round trip with and without the
 * client's verification. `npm run bench:devnet` runs it after run.ts; alone, from the repository root:
 * `node --import tsx bench/devnet/where-time-goes.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Actor, HttpAgent } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Principal } from '@dfinity/principal';
import { bls12_381 } from '@noble/curves/bls12-381';
import { ed25519 } from '@noble/curves/ed25519';
import { managementIdlFactory, startDevnet } from '@soulrecall/devnet';
import { counterIdl, counterWasm, type CounterActor } from '../../packages/devnet/test/support/wat-canister.js';

const SAMPLES = 100;
const PAGE = 64 * 1024;

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
async function timed(task: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-bench-'));
  const devnet = await startDevnet({ port: 0, stateDir });
  try {
    const agent = await HttpAgent.create({
      host: devnet.url,
      shouldFetchRootKey: true,
      identity: Ed25519KeyIdentity.generate(),
    });
    const mgmt = (id?: Principal) =>
      Actor.createActor(managementIdlFactory, { agent, canisterId: 'aaaaa-aa', effectiveCanisterId: id }) as any;
    const none = { amount: [], settings: [], specified_id: [], sender_canister_version: [] };
    const id: Principal = (await mgmt().provisional_create_canister_with_cycles(none)).canister_id;
    const install = { mode: { install: null }, canister_id: id, wasm_module: counterWasm(), arg: new Uint8Array() };
    await mgmt(id).install_code({ ...install, sender_canister_version: [] });
    const counter = Actor.createActor(counterIdl, { agent, canisterId: id }) as unknown as CounterActor;
    await counter.inc();
    const emptyArg = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);

    // The same primitives with the same libraries the devnet and @dfinity/agent use.
    const secret = bls12_381.utils.randomPrivateKey();
    const publicKey = bls12_381.getPublicKeyForShortSignatures(secret);
    const message = crypto.getRandomValues(new Uint8Array(45));
    const signature = bls12_381.signShortSignature(message, secret);
    const edSecret = ed25519.utils.randomPrivateKey();
    const edPublic = ed25519.getPublicKey(edSecret);
    const edSignature = ed25519.sign(message, edSecret);
    const logFile = path.join(stateDir, 'append.log');
    const fd = fs.openSync(logFile, 'a');
    const pages = new Uint8Array(2 * PAGE).fill(7);

    const figures: Array<[string, number]> = [
      ['update, certified and verified (Actor)', await timed(() => counter.inc())],
      [
        'update, no client verification (agent.call)',
        await timed(() => agent.call(id, { methodName: 'inc', arg: emptyArg })),
      ],
      ['query, signed and verified', await timed(() => counter.get())],
      ['BLS sign (devnet, per certificate)', await timed(() => bls12_381.signShortSignature(message, secret))],
      [
        'BLS verify (agent, per certificate)',
        await timed(() => bls12_381.verifyShortSignature(signature, message, publicKey)),
      ],
      [
        'append 2 pages + fdatasync (durable write)',
        await timed(() => (fs.writeSync(fd, pages), fs.fdatasyncSync(fd))),
      ],
      ['Ed25519 sign (agent, per request)', await timed(() => ed25519.sign(message, edSecret))],
      ['Ed25519 verify (devnet, per request)', await timed(() => ed25519.verify(edSignature, message, edPublic))],
    ];
    fs.closeSync(fd);
    console.log(
      `node ${process.version}, ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (const [what, ms] of figures) console.log(`${what.padEnd(46)} median ${ms.toFixed(2)} ms (${SAMPLES} runs)`);
  } finally {
    await devnet.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
