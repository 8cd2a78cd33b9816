// Benchmarks the devnet's execution engine (packages/devnet/src/execution) on the Motoko sample agent.
// Prerequisites: `npx tsc -b packages/devnet` and `node examples/agent/build.mjs`.
// Usage: node bench/devnet-execution/run.mjs [iterations]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { createExecutionEngine } = await import(path.join(root, 'packages/devnet/dist/execution/index.js'));
const { IDL } = createRequire(path.join(root, 'packages/devnet/package.json'))('@dfinity/candid');
const iterations = Number(process.argv[2] ?? 300);

const wasm = (name) => fs.readFileSync(path.join(root, 'examples/agent/dist', `agent-${name}.wasm`));
const context = () => ({
  caller: new Uint8Array([4]),
  timeNanos: BigInt(Date.now()) * 1_000_000n,
  cyclesBalance: 10n ** 13n,
  status: 'running',
  controllers: [],
});
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return ms(start);
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
const engine = await createExecutionEngine({ stateDir, messageTimeLimitMs: 5000 });
const noArgs = IDL.encode([], []);
const id = (n) => new Uint8Array([0, 0, 0, 0, 0, 0, 0, n, 1, 1]);
try {
  const firstInstall = await timed(() =>
    engine.install({ canisterId: id(1), mode: 'install', wasm: wasm('v1'), arg: noArgs, context: context() }),
  );
  const cachedInstalls = [];
  for (let i = 2; i < 12; i++) {
    cachedInstalls.push(
      await timed(() =>
        engine.install({ canisterId: id(i), mode: 'install', wasm: wasm('v1'), arg: noArgs, context: context() }),
      ),
    );
  }
  const updates = [];
  const queries = [];
  for (let i = 0; i < iterations; i++) {
    updates.push(
      await timed(() => engine.update(id(1), 'remember', IDL.encode([IDL.Text], [`memory ${i}`]), context())),
    );
    queries.push(await timed(() => engine.query(id(1), 'memoryCount', noArgs, context())));
  }
  const upgrades = [];
  for (let i = 0; i < 5; i++) {
    const name = i % 2 === 0 ? 'v2' : 'v1';
    upgrades.push(
      await timed(() =>
        engine.install({
          canisterId: id(1),
          mode: 'upgrade',
          wasm: wasm(name),
          arg: noArgs,
          wasmMemoryPersistence: 'keep',
          context: context(),
        }),
      ),
    );
  }
  const flush = await timed(() => engine.flush());

  const rows = [
    ['first install (binaryen lowering + worker start + compile)', firstInstall],
    ['install of an already prepared module (median of 10)', median(cachedInstalls)],
    [`update call remember (median of ${iterations})`, median(updates)],
    [`query memoryCount (median of ${iterations})`, median(queries)],
    ['upgrade with keep, v1 <-> v2 (median of 5)', median(upgrades)],
    ['flush of 11 canisters', flush],
  ];
  console.log(`node ${process.version}, ${os.cpus().length} cpus`);
  for (const [label, value] of rows) console.log(`${label.padEnd(62)} ${value.toFixed(2).padStart(9)} ms`);
  console.log(`ratio first install / cached install: ${(firstInstall / median(cachedInstalls)).toFixed(1)}x`);
  console.log(`ratio update / query: ${(median(updates) / median(queries)).toFixed(2)}x`);
} finally {
  await engine.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
}
