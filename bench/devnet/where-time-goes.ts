/**
 * Where an update call's time goes, measured in one process so every figure shares the machine's
 * load: the pieces of a certified update timed alone (the devnet's BLS signature of the
 * certificate and the client's BLS check of it, with @soulrecall/bls as soulrecall does and with
 * @noble/curves, @dfinity/agent's default, for reference; the durable append + fdatasync of changed
 * pages; Ed25519 request signing, and checking with node:crypto as the devnet does and with noble,
 * and the agent's check of a query reply's node signature, native first as soulrecall sets it and noble's own),
 * next to the whole round trip with and without the client's verification. `npm run bench:devnet` runs it after run.ts;
 * alone, from the repository root:
 * `node --import tsx bench/devnet/where-time-goes.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381';
import { ed25519 } from '@noble/curves/ed25519';
import { blsSign, blsVerify } from '@soulrecall/bls';
import { nobleEd25519Verify } from '@soulrecall/canister-client/agent';
import { EMPTY_CANDID_ARG, summary, timed, withCounterDevnet } from './counter-devnet.js';

const SAMPLES = 100;
const PAGE = 64 * 1024;

/** The median of SAMPLES sequential runs of `task`, in milliseconds. */
async function medianOf(task: () => unknown): Promise<number> {
  return summary(await timed(SAMPLES, task)).median;
}

async function main(): Promise<void> {
  await withCounterDevnet(async ({ stateDir, agent, counterId: id, counter }) => {
    const emptyArg = EMPTY_CANDID_ARG;

    // The same primitives with the libraries the devnet and the client use, and noble for reference.
    const secret = bls12_381.utils.randomPrivateKey();
    const publicKey = bls12_381.getPublicKeyForShortSignatures(secret);
    const message = crypto.getRandomValues(new Uint8Array(45));
    const signature = bls12_381.signShortSignature(message, secret);
    const edSecret = ed25519.utils.randomPrivateKey();
    const edPublic = ed25519.getPublicKey(edSecret);
    const edSignature = ed25519.sign(message, edSecret);
    const edKeyObject = crypto.createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), edPublic]),
      format: 'der',
      type: 'spki',
    });
    const edPrivateKeyObject = crypto.createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), edSecret]),
      format: 'der',
      type: 'pkcs8',
    });
    const logFile = path.join(stateDir, 'append.log');
    const fd = fs.openSync(logFile, 'a');
    const pages = new Uint8Array(2 * PAGE).fill(7);

    const figures: Array<[string, number]> = [
      ['update, certified and verified (Actor)', await medianOf(() => counter.inc())],
      [
        'update, no client verification (agent.call)',
        await medianOf(() => agent.call(id, { methodName: 'inc', arg: emptyArg })),
      ],
      ['query, signed and verified', await medianOf(() => counter.get())],
      ['BLS sign (devnet, per certificate; mcl)', await medianOf(() => blsSign(secret, message))],
      ['BLS sign (noble, for reference)', await medianOf(() => bls12_381.signShortSignature(message, secret))],
      ['BLS verify (client, per certificate; mcl)', await medianOf(() => blsVerify(publicKey, signature, message))],
      [
        'BLS verify (noble, agent default)',
        await medianOf(() => bls12_381.verifyShortSignature(signature, message, publicKey)),
      ],
      [
        'append 2 pages + fdatasync (durable write)',
        await medianOf(() => (fs.writeSync(fd, pages), fs.fdatasyncSync(fd))),
      ],
      [
        'Ed25519 sign (client, per request; node)',
        await medianOf(() => crypto.sign(null, message, edPrivateKeyObject)),
      ],
      ['Ed25519 sign (noble, @dfinity/identity)', await medianOf(() => ed25519.sign(message, edSecret))],
      [
        'Ed25519 verify (devnet, per request; node)',
        await medianOf(() => crypto.verify(null, message, edKeyObject, edSignature)),
      ],
      [
        'Ed25519 verify (agent, per query reply; native first)',
        await medianOf(() => ed25519.verify(edSignature, message, edPublic)),
      ],
      [
        'Ed25519 verify (noble, agent default)',
        await medianOf(() => nobleEd25519Verify(edSignature, message, edPublic)),
      ],
    ];
    fs.closeSync(fd);
    console.log(
      `node ${process.version}, ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (const [what, ms] of figures) console.log(`${what.padEnd(54)} median ${ms.toFixed(2)} ms (${SAMPLES} runs)`);
  });
}

await main();
