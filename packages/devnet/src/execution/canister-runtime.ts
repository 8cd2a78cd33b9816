/**
 * One canister's live Wasm instance inside the execution worker, with its last committed state.
 * Atomicity: the committed copy of heap, globals, stable memory, certified data and timer is
 * taken after every successful message; a failed message is undone by copying it back.
 */
import type { Failure } from './errors.js';
import type { PreparedModule } from './module-preparation.js';
import { sharedCopy, StableMemory, WASM_PAGE_BYTES } from './stable-memory.js';
import { TABLE_EXPORT_NAME } from './module-preparation.js';
import {
  CanisterTrap,
  SystemApi,
  type CallbackEntry,
  type CallFrame,
  type CanisterSystemState,
  type EntryPoint,
} from './system-api.js';
import type { CallbackClosure, CallbackRequest, MessageContext } from './types.js';
import {
  Wasm,
  type WasmGlobal,
  type WasmInstance,
  type WasmMemory,
  type WasmModule,
  type WasmTable,
} from './wasm-api.js';

/** The committed Wasm state; byte arrays live in SharedArrayBuffers the main thread also holds. */
export interface CommittedWasmState {
  heap: Uint8Array;
  stable: Uint8Array;
  globals: string[];
  certifiedData: Uint8Array;
  globalTimerNanos: bigint;
}

/** Decimal text of a global's value; `-0` keeps its sign (String(-0) is "0"). */
function globalText(value: number | bigint): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

export interface LoadedModule {
  sha256: string;
  prepared: PreparedModule;
  compiled: WasmModule;
}

export interface ExecutionResult {
  frame: CallFrame;
  failure?: Failure;
}

const MAX_WASM32_PAGES = 65536;

function emptyShared(): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(0));
}

function failureOf(error: unknown): Failure {
  if (error instanceof CanisterTrap) return error.failure;
  if (error instanceof Wasm.RuntimeError) return { kind: 'wasm-trap', message: error.message };
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return { kind: 'wasm-trap', message: 'stack overflow' };
  if (error instanceof Wasm.LinkError || error instanceof Wasm.CompileError) {
    return { kind: 'invalid-module', message: error.message };
  }
  return { kind: 'wasm-trap', message: error instanceof Error ? error.message : String(error) };
}

function newFrame(entry: EntryPoint, methodName: string, arg: Uint8Array, context: MessageContext): CallFrame {
  return {
    entry,
    methodName,
    arg,
    context,
    replyChunks: [],
    logs: [],
    startedAt: process.hrtime.bigint(),
    calls: [],
    cyclesAccepted: 0n,
    cyclesMoved: 0n,
  };
}

/** A memory as the prepared module expects it (imported `env.memory`), holding `contents` if given. */
function createMemory(module: LoadedModule, contents?: Uint8Array): WasmMemory | undefined {
  const limits = module.prepared.summary.memory;
  if (!limits) return undefined;
  const declared = Number(limits.initialPages);
  const pages = Math.max(declared, Math.ceil((contents?.length ?? 0) / WASM_PAGE_BYTES));
  const maximum = limits.maximumPages === undefined ? MAX_WASM32_PAGES : Number(limits.maximumPages);
  const memory = new Wasm.Memory({ initial: pages, maximum: Math.max(maximum, pages) });
  if (contents) new Uint8Array(memory.buffer).set(contents);
  return memory;
}

/** What a new instance starts over: chosen together (kept or fresh) by an install, an upgrade or a restore. */
export interface StartingState {
  /** The heap; undefined for a module without memory. */
  memory: WasmMemory | undefined;
  stable: StableMemory;
  /** Kept across upgrades; empty when omitted (a fresh install). */
  certifiedData?: Uint8Array;
}

export class CanisterRuntime {
  private constructor(
    readonly module: LoadedModule,
    readonly state: CanisterSystemState,
    private instance: WasmInstance,
    public committed: CommittedWasmState,
  ) {}

  /**
   * Instantiates `module` (running its start function) over the starting memory and stable memory.
   * Returns a failure instead of throwing when instantiation traps or does not link.
   */
  static create(
    canisterId: Uint8Array,
    module: LoadedModule,
    starting: StartingState,
    context: MessageContext,
  ): CanisterRuntime | Failure {
    const { memory, stable, certifiedData = new Uint8Array(0) } = starting;
    const state: CanisterSystemState = { canisterId, memory, stable, certifiedData, globalTimerNanos: 0n };
    state.frame = newFrame('start', '', new Uint8Array(0), context);
    try {
      const instance = new Wasm.Instance(module.compiled, new SystemApi(state).imports(module.prepared.summary));
      const empty: CommittedWasmState = {
        heap: emptyShared(),
        stable: stable.committed,
        globals: [],
        certifiedData,
        globalTimerNanos: 0n,
      };
      return new CanisterRuntime(module, state, instance, empty);
    } catch (error) {
      return failureOf(error);
    } finally {
      state.frame = undefined;
    }
  }

  /** Rebuilds a runtime from committed state (after a worker restart or a state import). */
  static restore(
    canisterId: Uint8Array,
    module: LoadedModule,
    committed: CommittedWasmState,
    context: MessageContext,
  ): CanisterRuntime | Failure {
    // The start function runs on a scratch memory; the committed heap replaces it afterwards.
    const scratch: StartingState = {
      memory: createMemory(module, new Uint8Array(committed.heap.length)),
      stable: new StableMemory(committed.stable),
      certifiedData: committed.certifiedData,
    };
    const runtime = CanisterRuntime.create(canisterId, module, scratch, context);
    if (!(runtime instanceof CanisterRuntime)) return runtime;
    runtime.committed = committed;
    runtime.resetToCommitted();
    return runtime;
  }

  static freshMemory(module: LoadedModule): WasmMemory | undefined {
    return createMemory(module);
  }

  /** A copy of the current heap in a new memory, for an upgrade that keeps the Wasm memory. */
  copyOfMemory(module: LoadedModule): WasmMemory | undefined {
    return createMemory(module, this.state.memory ? new Uint8Array(this.state.memory.buffer) : undefined);
  }

  hasExport(name: string): boolean {
    return typeof this.instance.exports[name] === 'function';
  }

  execute(
    entry: EntryPoint,
    exportName: string,
    methodName: string,
    arg: Uint8Array,
    context: MessageContext,
  ): ExecutionResult {
    const frame = newFrame(entry, methodName, arg, context);
    return this.run(frame, () => (this.instance.exports[exportName] as () => void)());
  }

  /**
   * Runs a callback of a call this canister made: the table function `closure.fun` with its
   * environment value (its argument type is the module's: i64 under memory64).
   */
  executeCallback(
    entry: CallbackEntry,
    closure: CallbackClosure,
    request: CallbackRequest,
    context: MessageContext,
  ): ExecutionResult {
    const data =
      entry === 'reply_callback' && request.response.kind === 'reply' ? request.response.data : new Uint8Array(0);
    const frame = {
      ...newFrame(entry, '', data, context),
      callResponse: request.response,
      cyclesRefunded: request.refunded,
    };
    return this.run(frame, () => {
      const table = this.instance.exports[TABLE_EXPORT_NAME] as WasmTable | undefined;
      const callback = table?.get(Number(closure.fun)) as ((env: number | bigint) => void) | null | undefined;
      if (typeof callback !== 'function')
        throw new CanisterTrap({
          kind: 'wasm-trap',
          message: `the callback ${closure.fun} is not a function of the canister's table`,
        });
      callback(closure.env);
    });
  }

  private run(frame: CallFrame, invoke: () => void): ExecutionResult {
    this.state.frame = frame;
    try {
      invoke();
      // An update that performed calls may reply later, from a callback.
      if (frame.entry === 'update' && !frame.response && frame.calls.length > 0) return { frame };
      if ((frame.entry === 'update' || frame.entry === 'query') && !frame.response)
        return { frame, failure: { kind: 'no-reply' } };
      return { frame };
    } catch (error) {
      return { frame, failure: failureOf(error) };
    } finally {
      this.state.frame = undefined;
    }
  }

  /** Turns the global timer off in the current and the committed state (a timer is deactivated once scheduled). */
  deactivateGlobalTimer(): void {
    this.state.globalTimerNanos = 0n;
    this.committed = { ...this.committed, globalTimerNanos: 0n };
  }

  private globalExports(): WasmGlobal[] {
    return this.module.prepared.globalExports.map((name) => this.instance.exports[name] as WasmGlobal);
  }

  /** Makes the current state the committed one (copying the heap into the shared snapshot). */
  commit(): CommittedWasmState {
    const heap = this.state.memory ? new Uint8Array(this.state.memory.buffer) : new Uint8Array(0);
    let committedHeap = this.committed.heap;
    if (committedHeap.length === heap.length) committedHeap.set(heap);
    else committedHeap = sharedCopy(heap);
    this.state.stable.commit();
    this.committed = {
      heap: committedHeap,
      stable: this.state.stable.committed,
      globals: this.globalExports().map((g) => globalText(g.value)),
      certifiedData: this.state.certifiedData,
      globalTimerNanos: this.state.globalTimerNanos,
    };
    return this.committed;
  }

  /**
   * Undoes everything since the last commit. Wasm memory cannot shrink: when a message grew it,
   * `exact` rebuilds the instance at the committed size (trapping updates, failed installs);
   * otherwise the grown pages stay, zeroed (queries, whose growth is harmless and frequent).
   * Returns the runtime to use from now on.
   */
  rollback(exact: boolean, context: MessageContext): CanisterRuntime | Failure {
    this.state.stable.rollback();
    const memory = this.state.memory;
    if (memory && memory.buffer.byteLength !== this.committed.heap.length && exact) {
      return CanisterRuntime.restore(this.state.canisterId, this.module, this.committed, context);
    }
    this.resetToCommitted();
    return this;
  }

  private resetToCommitted(): void {
    const memory = this.state.memory;
    if (memory) {
      const heap = new Uint8Array(memory.buffer);
      heap.set(this.committed.heap);
      if (heap.length > this.committed.heap.length) heap.fill(0, this.committed.heap.length);
    }
    const globals = this.globalExports();
    this.committed.globals.forEach((value, i) => {
      const global = globals[i];
      if (global) global.value = typeof global.value === 'bigint' ? BigInt(value) : Number(value);
    });
    this.state.certifiedData = this.committed.certifiedData;
    this.state.globalTimerNanos = this.committed.globalTimerNanos;
  }
}
