import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { applyDelta, decodeDeltas, diffState, encodeDelta, imageOf } from '../../src/execution/state-log.js';
import { WasmStateStore, newGeneration } from '../../src/execution/state-store.js';
import { makeTempDir, removeDir } from '../support/fixtures.js';

const PAGE = 65536;
const state = (heapPages: number, stablePages: number) => ({
  heap: new Uint8Array(heapPages * PAGE),
  stable: new Uint8Array(stablePages * PAGE),
  globals: ['1', '2'],
  certifiedData: new Uint8Array(0),
  globalTimerNanos: 0n,
});

describe('devnet state log: only changed pages, torn tails ignored', () => {
  it('diffs by 64 KiB page, including growth, and replays to the same state', () => {
    const before = state(4, 1);
    const image = imageOf(before, 'aa', newGeneration());
    const after = { ...state(5, 2), globals: ['1', '3'], certifiedData: Uint8Array.of(9), globalTimerNanos: 7n };
    after.heap.set(before.heap);
    after.heap[PAGE * 2 + 10] = 1;
    after.heap[PAGE * 4] = 2; // a page the heap grew into
    after.stable[PAGE + 5] = 3;
    const delta = diffState(image, after)!;
    expect(delta.pages.map((page) => `${page.area}:${page.index}`)).to.deep.equal(['heap:2', 'heap:4', 'stable:1']);
    const [decoded] = decodeDeltas(encodeDelta(delta));
    const replayed = applyDelta(imageOf(before, 'aa', 'g'), decoded!);
    expect(Buffer.from(replayed.heap).equals(Buffer.from(after.heap))).to.equal(true);
    expect(Buffer.from(replayed.stable).equals(Buffer.from(after.stable))).to.equal(true);
    expect(replayed).to.deep.include({ globals: ['1', '3'], globalTimerNanos: 7n });
    applyDelta(image, delta);
    expect(diffState(image, after), 'nothing changed since').to.equal(null);
  });

  it('a record cut short or damaged ends the replay there', () => {
    const image = imageOf(state(1, 0), 'aa', 'g');
    const one = { ...state(1, 0), globals: ['5', '6'] };
    one.heap[0] = 1;
    const first = encodeDelta(diffState(image, one)!);
    const second = encodeDelta({ ...diffState(image, one)!, globals: ['7', '8'] });
    expect(decodeDeltas(Buffer.concat([first, second]))).to.have.length(2);
    expect(decodeDeltas(Buffer.concat([first, second.subarray(0, second.length - 3)]))).to.have.length(1);
    const damaged = Buffer.from(second);
    damaged[damaged.length - 1] ^= 1;
    expect(decodeDeltas(Buffer.concat([first, damaged]))).to.have.length(1);
  });

  it('loads base + log, and ignores a log left by an older base', async () => {
    const dir = makeTempDir();
    try {
      const store = new WasmStateStore(dir);
      const base = state(1, 0);
      const module = { original: Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0), sha256: 'ab'.repeat(32) };
      const committed = { ...base };
      let plan = store.planWrite('c1', module, committed, undefined);
      await plan.write!();
      committed.heap = new Uint8Array(base.heap);
      committed.heap[3] = 42;
      plan = store.planWrite('c1', module, committed, plan.image);
      await plan.write!();
      expect(store.load('c1')!.heap[3]).to.equal(42);
      // A new base whose log removal did not happen: the old log (other generation) is not replayed.
      const log = fs.readFileSync(path.join(dir, 'c1', 'wasm-state.log'));
      committed.heap = new Uint8Array(base.heap);
      await store.save('c1', { ...committed, module: module.original, moduleSha256: module.sha256 }, newGeneration());
      fs.writeFileSync(path.join(dir, 'c1', 'wasm-state.log'), log);
      expect(store.load('c1')!.heap[3]).to.equal(0);
    } finally {
      removeDir(dir);
    }
  });
});
