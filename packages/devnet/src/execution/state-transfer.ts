/**
 * Helpers of the engine's state export and import (snapshots): typed globals, the committed
 * state of a canister without code, and the bound on what the devnet can hold in memory.
 */
import type { CommittedWasmState } from './canister-runtime.js';
import type { Failure } from './errors.js';
import { MAX_STABLE_PAGES, WASM_PAGE_BYTES } from './stable-memory.js';
import type { WasmGlobalType, WasmGlobalValue } from './types.js';

/** Wasm32 memory (what every module runs as after lowering): at most 4 GiB. */
const MAX_HEAP_BYTES = 65536 * WASM_PAGE_BYTES;
const MAX_STABLE_BYTES = Number(MAX_STABLE_PAGES) * WASM_PAGE_BYTES;

export function emptyCommitted(): CommittedWasmState {
  return {
    heap: new Uint8Array(0),
    stable: new Uint8Array(0),
    globals: [],
    certifiedData: new Uint8Array(0),
    globalTimerNanos: 0n,
  };
}

/** The committed values (decimal text) paired with the prepared module's global types. */
export function typedGlobals(types: WasmGlobalType[], values: string[]): WasmGlobalValue[] {
  return values.map((value, i) => ({ type: types[i] ?? 'i64', value }));
}

/** Like the replica: the same number of globals, each of the same type (values may differ). */
export function globalsMatch(types: WasmGlobalType[], globals: WasmGlobalValue[]): boolean {
  return types.length === globals.length && globals.every((global, i) => global.type === types[i]);
}

/** Heap and stable memory the engine holds in memory; larger (valid on a replica) cannot be loaded here. */
export function sizeFailure(heapBytes: number, stableBytes: number): Failure | undefined {
  if (heapBytes > MAX_HEAP_BYTES) {
    return {
      kind: 'contract',
      message: `The snapshot's Wasm memory of ${heapBytes} bytes exceeds the limit of ${MAX_HEAP_BYTES} bytes of a 32-bit Wasm memory.`,
    };
  }
  if (stableBytes > MAX_STABLE_BYTES) {
    return {
      kind: 'contract',
      message: `The snapshot's stable memory of ${stableBytes} bytes exceeds the devnet's limit of ${MAX_STABLE_BYTES} bytes.`,
    };
  }
  return undefined;
}
