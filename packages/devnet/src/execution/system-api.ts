/**
 * The ic0 System API (IC interface spec, "System API imports") over one canister's state.
 * Pointer and size parameters are i32 or i64 depending on the module's memory (memory64
 * lowering keeps the i64 signatures), so every parameter is accepted as number or BigInt and
 * every result is converted to the type the module declared.
 */
import { concatBytes } from '../bytes.js';
import type { Failure } from './errors.js';
import type {
  CallbackClosure,
  CallResponse,
  CanisterLogLine,
  MessageContext,
  OutgoingCall,
  SystemTask,
} from './types.js';
import type { WasmModuleSummary, WasmValueType } from './wasm-binary.js';
import { MAX_STABLE32_PAGES, MAX_STABLE_PAGES, type StableMemory } from './stable-memory.js';
import type { WasmImports, WasmMemory } from './wasm-api.js';
import { MEMORY_IMPORT_MODULE, MEMORY_IMPORT_NAME } from './module-preparation.js';

export type CallbackEntry = 'reply_callback' | 'reject_callback' | 'cleanup';
export type EntryPoint =
  'start' | 'init' | 'post_upgrade' | 'pre_upgrade' | 'update' | 'query' | SystemTask | CallbackEntry;

/** One execution of an exported function. */
export interface CallFrame {
  entry: EntryPoint;
  methodName: string;
  arg: Uint8Array;
  context: MessageContext;
  replyChunks: Uint8Array[];
  response?: { kind: 'reply'; data: Uint8Array } | { kind: 'reject'; message: string };
  logs: CanisterLogLine[];
  startedAt: bigint;
  /** Calls performed so far, and the one under construction (between call_new and call_perform). */
  calls: OutgoingCall[];
  pendingCall?: OutgoingCall;
  /** Cycles accepted from the call context, and moved onto calls (performed or under construction). */
  cyclesAccepted: bigint;
  cyclesMoved: bigint;
  /** In a callback: the response it runs for and the cycles refunded with it. */
  callResponse?: CallResponse;
  cyclesRefunded?: bigint;
}

/** What the System API reads and writes besides the Wasm memory. */
export interface CanisterSystemState {
  canisterId: Uint8Array;
  memory?: WasmMemory;
  stable: StableMemory;
  certifiedData: Uint8Array;
  globalTimerNanos: bigint;
  frame?: CallFrame;
}

export class CanisterTrap extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind === 'called-trap' || failure.kind === 'wasm-trap' ? failure.message : failure.kind);
  }
}

type Arg = number | bigint;
type Implementation = (...args: Arg[]) => number | bigint | void;

/** Every ic0 function of the interface specification, including the 32-bit-only legacy ones. */
export const IC0_FUNCTION_NAMES = [
  'msg_arg_data_size',
  'msg_arg_data_copy',
  'msg_caller_size',
  'msg_caller_copy',
  'msg_caller_info_data_size',
  'msg_caller_info_data_copy',
  'msg_caller_info_signer_size',
  'msg_caller_info_signer_copy',
  'msg_reject_code',
  'msg_reject_msg_size',
  'msg_reject_msg_copy',
  'msg_deadline',
  'msg_reply_data_append',
  'msg_reply',
  'msg_reject',
  'msg_cycles_available128',
  'msg_cycles_refunded128',
  'msg_cycles_accept128',
  'cycles_burn128',
  'canister_self_size',
  'canister_self_copy',
  'canister_cycle_balance128',
  'canister_liquid_cycle_balance128',
  'canister_status',
  'canister_version',
  'subnet_self_size',
  'subnet_self_copy',
  'msg_method_name_size',
  'msg_method_name_copy',
  'accept_message',
  'call_new',
  'call_on_cleanup',
  'call_data_append',
  'call_with_best_effort_response',
  'call_cycles_add128',
  'call_perform',
  'stable64_size',
  'stable64_grow',
  'stable64_write',
  'stable64_read',
  'root_key_size',
  'root_key_copy',
  'certified_data_set',
  'data_certificate_present',
  'data_certificate_size',
  'data_certificate_copy',
  'time',
  'global_timer_set',
  'performance_counter',
  'is_controller',
  'in_replicated_execution',
  'cost_call',
  'cost_create_canister',
  'cost_http_request',
  'cost_sign_with_ecdsa',
  'cost_sign_with_schnorr',
  'cost_vetkd_derive_key',
  'env_var_count',
  'env_var_name_size',
  'env_var_name_copy',
  'env_var_name_exists',
  'env_var_value_size',
  'env_var_value_copy',
  'debug_print',
  'trap',
  'msg_cycles_available',
  'msg_cycles_refunded',
  'msg_cycles_accept',
  'canister_cycle_balance',
  'call_cycles_add',
  'stable_size',
  'stable_grow',
  'stable_write',
  'stable_read',
  'mint_cycles128',
  'mint_cycles',
] as const;

const UPDATE_LIKE: EntryPoint[] = [
  'init',
  'post_upgrade',
  'pre_upgrade',
  'update',
  'global_timer',
  'heartbeat',
  'reply_callback',
  'reject_callback',
  'cleanup',
];
const RESPONDING: EntryPoint[] = ['update', 'query', 'reply_callback', 'reject_callback'];
const WITH_ARGUMENT: EntryPoint[] = ['init', 'post_upgrade', 'update', 'query', 'reply_callback'];
/** Where a message may make inter-canister calls (the spec's U, Ry, Rt, T, and heartbeats). */
const CALLING: EntryPoint[] = ['update', 'reply_callback', 'reject_callback', 'global_timer', 'heartbeat'];
/** Where cycles of the call context can be seen and accepted. */
const WITH_CALL_CYCLES: EntryPoint[] = ['update', 'reply_callback', 'reject_callback'];
const CALLBACKS: EntryPoint[] = ['reply_callback', 'reject_callback'];

/** Queries cannot call here: ic0.call_perform refuses (SYS_TRANSIENT), as the spec allows, instead of trapping. */
const CALL_PERFORM_UNAVAILABLE = 2;
/** The spec's cap on a bounded-wait call's timeout (MAX_CALL_TIMEOUT). */
const MAX_CALL_TIMEOUT_SECONDS = 300;
const MAX_CERTIFIED_DATA = 32;
const MAX_PRINCIPAL_BYTES = 29;

function toNumber(value: Arg): number {
  return typeof value === 'bigint' ? Number(BigInt.asUintN(64, value)) : value >>> 0;
}

function toBigInt(value: Arg): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

function trap(message: string): never {
  throw new CanisterTrap({ kind: 'wasm-trap', message });
}

function unsupported(name: string): never {
  const known = (IC0_FUNCTION_NAMES as readonly string[]).includes(name);
  const message = known ? `ic0.${name} is not supported by the devnet` : `ic0.${name} is not part of the System API`;
  throw new CanisterTrap({ kind: 'wasm-trap', message });
}

/** The 128-bit amount ic0 passes as two 64-bit halves. */
function join128(high: Arg, low: Arg): bigint {
  return (BigInt.asUintN(64, toBigInt(high)) << 64n) | BigInt.asUintN(64, toBigInt(low));
}

function fits64(name: string, amount: bigint): bigint {
  if (amount >= 1n << 64n) trap(`ic0.${name}: the amount does not fit in 64 bits`);
  return amount;
}

function utf8Lossy(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

function u128(value: bigint): Uint8Array {
  const out = new Uint8Array(16);
  let rest = value < 0n ? 0n : value;
  for (let i = 0; i < 16; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

export class SystemApi {
  constructor(private readonly state: CanisterSystemState) {}

  private frame(name: string, allowed?: EntryPoint[]): CallFrame {
    const frame = this.state.frame;
    if (!frame) trap(`ic0.${name} called outside of a message`);
    if (
      frame.entry === 'start' &&
      !['debug_print', 'trap', 'performance_counter'].includes(name) &&
      !name.startsWith('stable')
    ) {
      trap(`ic0.${name} cannot be called from the (start) function`);
    }
    if (allowed && !allowed.includes(frame.entry)) trap(`ic0.${name} cannot be called from canister_${frame.entry}`);
    return frame;
  }

  private heap(): Uint8Array {
    if (!this.state.memory) trap('the canister has no memory');
    return new Uint8Array(this.state.memory.buffer);
  }

  private readHeap(name: string, src: Arg, size: Arg): Uint8Array {
    const heap = this.heap();
    const start = toNumber(src);
    const length = toNumber(size);
    if (start + length > heap.length) trap(`ic0.${name}: heap out of bounds`);
    return heap.slice(start, start + length);
  }

  private writeHeap(name: string, dst: Arg, data: Uint8Array): void {
    const heap = this.heap();
    const start = toNumber(dst);
    if (start + data.length > heap.length) trap(`ic0.${name}: heap out of bounds`);
    heap.set(data, start);
  }

  /** The `_copy` half of a blob accessor: copies blob[offset..offset+size] to heap[dst..]. */
  private copyOut(name: string, blob: Uint8Array, dst: Arg, offset: Arg, size: Arg): void {
    const from = toNumber(offset);
    const length = toNumber(size);
    if (from + length > blob.length) trap(`ic0.${name}: offset + size exceeds the blob's length ${blob.length}`);
    this.writeHeap(name, dst, blob.subarray(from, from + length));
  }

  private respond(name: string): CallFrame {
    const frame = this.frame(name, RESPONDING);
    if (frame.response || frame.context.responded) trap(`ic0.${name}: the call has already been responded to`);
    return frame;
  }

  /** The call under construction; traps without one (ic0.call_new has not been called). */
  private pendingCall(name: string): OutgoingCall {
    const call = this.frame(name, CALLING).pendingCall;
    if (!call) trap(`ic0.${name} called without a call under construction (ic0.call_new)`);
    return call;
  }

  /**
   * Drops the call under construction: its cycles go back to the balance (spec: call_new again, or returning without
   * call_perform).
   */
  private abandonPendingCall(frame: CallFrame): void {
    if (!frame.pendingCall) return;
    frame.cyclesMoved -= frame.pendingCall.cycles;
    frame.pendingCall = undefined;
  }

  private inQuery(): boolean {
    return this.state.frame?.entry === 'query';
  }

  private balance(frame: CallFrame): bigint {
    return frame.context.cyclesBalance + frame.cyclesAccepted - frame.cyclesMoved;
  }

  private available(frame: CallFrame): bigint {
    return (frame.context.cyclesAvailable ?? 0n) - frame.cyclesAccepted;
  }

  /** Accepts up to `max` of the call context's cycles; returns the amount accepted. */
  private accept(name: string, max: bigint): bigint {
    const frame = this.frame(name, WITH_CALL_CYCLES);
    const amount = max < this.available(frame) ? max : this.available(frame);
    frame.cyclesAccepted += amount;
    return amount;
  }

  private addCycles(name: string, amount: bigint): void {
    const call = this.pendingCall(name);
    const frame = this.state.frame!;
    if (amount > this.balance(frame))
      trap(`ic0.${name}: cannot transfer ${amount} cycles, the canister's balance is ${this.balance(frame)}`);
    call.cycles += amount;
    frame.cyclesMoved += amount;
  }

  private closure(fun: Arg, env: Arg): CallbackClosure {
    return { fun, env };
  }

  private log(content: Uint8Array): void {
    const frame = this.state.frame;
    frame?.logs.push({ timeNanos: frame.context.timeNanos, content });
  }

  /** The implementations by ic0 name; results are converted by `imports()`. */
  private implementations(): Record<string, Implementation> {
    const s = this.state;
    const blob = (name: string, get: () => Uint8Array, allowed?: EntryPoint[]) => ({
      [`${name}_size`]: () => {
        this.frame(`${name}_size`, allowed);
        return get().length;
      },
      [`${name}_copy`]: (dst: Arg, offset: Arg, size: Arg) => {
        this.frame(`${name}_copy`, allowed);
        this.copyOut(`${name}_copy`, get(), dst, offset, size);
      },
    });
    const stableRead = (name: string, dst: Arg, offset: Arg, size: Arg) => {
      const from = toNumber(offset);
      const length = toNumber(size);
      if (!s.stable.inBounds(from, length)) trap(`ic0.${name}: stable memory out of bounds`);
      this.writeHeap(name, dst, s.stable.read(from, length));
    };
    const stableWrite = (name: string, offset: Arg, src: Arg, size: Arg) => {
      const data = this.readHeap(name, src, size);
      const to = toNumber(offset);
      if (!s.stable.inBounds(to, data.length)) trap(`ic0.${name}: stable memory out of bounds`);
      s.stable.write(to, data);
    };

    return {
      ...blob('msg_arg_data', () => this.frame('msg_arg_data', WITH_ARGUMENT).arg, WITH_ARGUMENT),
      ...blob('msg_caller', () => this.frame('msg_caller').context.caller),
      ...blob('msg_caller_info_data', () => new Uint8Array(0)),
      ...blob('msg_caller_info_signer', () => new Uint8Array(0)),
      ...blob('canister_self', () => s.canisterId),
      ...blob('subnet_self', () => this.frame('subnet_self').context.subnetId ?? unsupported('subnet_self')),
      ...blob('root_key', () => this.frame('root_key').context.rootKey ?? unsupported('root_key')),
      ...blob('msg_method_name', () => new TextEncoder().encode(this.frame('msg_method_name').methodName)),
      ...blob('data_certificate', () => {
        const frame = this.frame('data_certificate', ['query']);
        return frame.context.dataCertificate ?? trap('ic0.data_certificate_copy: no data certificate is available');
      }),
      msg_reject_code: () => {
        const response = this.frame('msg_reject_code').callResponse;
        return response?.kind === 'reject' ? response.rejectCode : 0;
      },
      ...blob(
        'msg_reject_msg',
        () => {
          const response = this.frame('msg_reject_msg', ['reject_callback']).callResponse;
          return response?.kind === 'reject' ? new TextEncoder().encode(response.rejectMessage) : new Uint8Array(0);
        },
        ['reject_callback'],
      ),
      msg_deadline: () => this.frame('msg_deadline').context.deadlineNanos ?? 0n,
      msg_reply_data_append: (src, size) => {
        const frame = this.respond('msg_reply_data_append');
        frame.replyChunks.push(this.readHeap('msg_reply_data_append', src, size));
      },
      msg_reply: () => {
        const frame = this.respond('msg_reply');
        frame.response = { kind: 'reply', data: concatBytes(...frame.replyChunks) };
      },
      msg_reject: (src, size) => {
        const frame = this.respond('msg_reject');
        frame.response = { kind: 'reject', message: utf8Lossy(this.readHeap('msg_reject', src, size)) };
      },
      msg_cycles_available128: (dst) =>
        this.writeHeap(
          'msg_cycles_available128',
          dst,
          u128(this.available(this.frame('msg_cycles_available128', WITH_CALL_CYCLES))),
        ),
      msg_cycles_refunded128: (dst) =>
        this.writeHeap(
          'msg_cycles_refunded128',
          dst,
          u128(this.frame('msg_cycles_refunded128', CALLBACKS).cyclesRefunded ?? 0n),
        ),
      msg_cycles_accept128: (high, low, dst) =>
        this.writeHeap('msg_cycles_accept128', dst, u128(this.accept('msg_cycles_accept128', join128(high, low)))),
      cycles_burn128: (_high, _low, dst) => this.writeHeap('cycles_burn128', dst, u128(0n)),
      msg_cycles_available: () =>
        fits64('msg_cycles_available', this.available(this.frame('msg_cycles_available', WITH_CALL_CYCLES))),
      msg_cycles_refunded: () =>
        fits64('msg_cycles_refunded', this.frame('msg_cycles_refunded', CALLBACKS).cyclesRefunded ?? 0n),
      msg_cycles_accept: (max) => this.accept('msg_cycles_accept', BigInt.asUintN(64, toBigInt(max))),
      canister_cycle_balance128: (dst) =>
        this.writeHeap('canister_cycle_balance128', dst, u128(this.balance(this.frame('canister_cycle_balance128')))),
      canister_liquid_cycle_balance128: (dst) =>
        this.writeHeap(
          'canister_liquid_cycle_balance128',
          dst,
          u128(this.balance(this.frame('canister_liquid_cycle_balance128'))),
        ),
      canister_cycle_balance: () =>
        fits64('canister_cycle_balance', this.balance(this.frame('canister_cycle_balance'))),
      canister_status: () => ({ running: 1, stopping: 2, stopped: 3 })[this.frame('canister_status').context.status],
      canister_version: () => (this.frame('canister_version'), 0n),
      accept_message: () => undefined,
      // eslint-disable-next-line max-params -- the IC System API fixes this signature (ic0.call_new takes 8 values).
      call_new: (calleeSrc, calleeSize, nameSrc, nameSize, replyFun, replyEnv, rejectFun, rejectEnv) => {
        // Queries (and composite queries) cannot call here: call_perform refuses below.
        if (this.inQuery()) return;
        const frame = this.frame('call_new', CALLING);
        this.abandonPendingCall(frame);
        const callee = this.readHeap('call_new', calleeSrc, calleeSize);
        if (callee.length > MAX_PRINCIPAL_BYTES) trap('ic0.call_new: the callee is not a valid principal');
        frame.pendingCall = {
          callee,
          method: utf8Lossy(this.readHeap('call_new', nameSrc, nameSize)),
          arg: new Uint8Array(0),
          cycles: 0n,
          reply: this.closure(replyFun, replyEnv),
          reject: this.closure(rejectFun, rejectEnv),
        };
      },
      call_on_cleanup: (fun, env) => {
        if (this.inQuery()) return;
        const call = this.pendingCall('call_on_cleanup');
        if (call.cleanup) trap('ic0.call_on_cleanup called twice for the same call');
        call.cleanup = this.closure(fun, env);
      },
      call_data_append: (src, size) => {
        if (this.inQuery()) return;
        const call = this.pendingCall('call_data_append');
        call.arg = concatBytes(call.arg, this.readHeap('call_data_append', src, size));
      },
      call_with_best_effort_response: (timeout) => {
        if (this.inQuery()) return;
        const call = this.pendingCall('call_with_best_effort_response');
        if (call.timeoutSeconds !== undefined)
          trap('ic0.call_with_best_effort_response called twice for the same call');
        call.timeoutSeconds = Math.min(toNumber(timeout), MAX_CALL_TIMEOUT_SECONDS);
      },
      call_cycles_add128: (high, low) => {
        if (this.inQuery()) return;
        this.addCycles('call_cycles_add128', join128(high, low));
      },
      call_cycles_add: (amount) => {
        if (this.inQuery()) return;
        this.addCycles('call_cycles_add', BigInt.asUintN(64, toBigInt(amount)));
      },
      call_perform: () => {
        if (this.inQuery()) return CALL_PERFORM_UNAVAILABLE;
        const call = this.pendingCall('call_perform');
        const frame = this.state.frame!;
        frame.calls.push(call);
        frame.pendingCall = undefined;
        return 0;
      },
      stable64_size: () => s.stable.sizePages,
      stable64_grow: (pages) => s.stable.grow(toBigInt(pages), MAX_STABLE_PAGES),
      stable64_read: (dst, offset, size) => stableRead('stable64_read', dst, offset, size),
      stable64_write: (offset, src, size) => stableWrite('stable64_write', offset, src, size),
      stable_size: () => {
        if (s.stable.sizePages > MAX_STABLE32_PAGES)
          trap('ic0.stable_size: stable memory exceeds 4 GiB, use the 64-bit API');
        return s.stable.sizePages;
      },
      stable_grow: (pages) => s.stable.grow(toBigInt(pages), MAX_STABLE32_PAGES),
      stable_read: (dst, offset, size) => stableRead('stable_read', dst, offset, size),
      stable_write: (offset, src, size) => stableWrite('stable_write', offset, src, size),
      certified_data_set: (src, size) => {
        this.frame('certified_data_set', UPDATE_LIKE);
        const data = this.readHeap('certified_data_set', src, size);
        if (data.length > MAX_CERTIFIED_DATA)
          trap(`ic0.certified_data_set: certified data is limited to ${MAX_CERTIFIED_DATA} bytes`);
        s.certifiedData = data;
      },
      data_certificate_present: () => {
        const frame = this.frame('data_certificate_present');
        return frame.entry === 'query' && frame.context.dataCertificate ? 1 : 0;
      },
      time: () => this.frame('time').context.timeNanos,
      global_timer_set: (timestamp) => {
        this.frame('global_timer_set', UPDATE_LIKE);
        const previous = s.globalTimerNanos;
        s.globalTimerNanos = toBigInt(timestamp);
        return previous;
      },
      performance_counter: () => {
        const frame = this.state.frame;
        // No instruction counting in V8: elapsed nanoseconds stand in for instructions.
        return frame ? process.hrtime.bigint() - frame.startedAt : 0n;
      },
      is_controller: (src, size) => {
        const frame = this.frame('is_controller');
        const principal = this.readHeap('is_controller', src, size);
        if (principal.length > MAX_PRINCIPAL_BYTES) trap('ic0.is_controller: the argument is not a valid principal');
        return frame.context.controllers.some((c) => Buffer.from(c).equals(principal)) ? 1 : 0;
      },
      in_replicated_execution: () => (this.frame('in_replicated_execution').entry === 'query' ? 0 : 1),
      cost_call: (_m, _p, dst) => this.writeHeap('cost_call', dst, u128(0n)),
      cost_create_canister: (dst) => this.writeHeap('cost_create_canister', dst, u128(0n)),
      cost_http_request: (_r, _m, dst) => this.writeHeap('cost_http_request', dst, u128(0n)),
      cost_sign_with_ecdsa: (_s, _z, _c, dst) => (this.writeHeap('cost_sign_with_ecdsa', dst, u128(0n)), 0),
      cost_sign_with_schnorr: (_s, _z, _a, dst) => (this.writeHeap('cost_sign_with_schnorr', dst, u128(0n)), 0),
      cost_vetkd_derive_key: (_s, _z, _c, dst) => (this.writeHeap('cost_vetkd_derive_key', dst, u128(0n)), 0),
      env_var_count: () => 0,
      env_var_name_size: () => trap('ic0.env_var_name_size: index out of range (no environment variables)'),
      env_var_name_copy: () => trap('ic0.env_var_name_copy: index out of range (no environment variables)'),
      env_var_name_exists: () => 0,
      env_var_value_size: () => trap('ic0.env_var_value_size: no such environment variable'),
      env_var_value_copy: () => trap('ic0.env_var_value_copy: no such environment variable'),
      debug_print: (src, size) => {
        this.frame('debug_print');
        this.log(this.readHeap('debug_print', src, size));
      },
      trap: (src, size) => {
        this.frame('trap');
        throw new CanisterTrap({ kind: 'called-trap', message: utf8Lossy(this.readHeap('trap', src, size)) });
      },
    };
  }

  /** The import object for a module: ic0 functions typed as the module declares them, and the memory. */
  imports(summary: WasmModuleSummary): WasmImports {
    const implementations = this.implementations();
    const ic0: Record<string, (...args: Arg[]) => number | bigint | undefined> = {};
    for (const imported of summary.functionImports) {
      if (imported.module !== 'ic0') continue;
      const implementation = implementations[imported.name];
      const result: WasmValueType | undefined = imported.results[0];
      const name = imported.name;
      ic0[name] = (...args: Arg[]) => {
        const value = implementation ? implementation(...args) : unsupported(name);
        if (result === undefined) return undefined;
        if (result === 'i64') return toBigInt(value ?? 0);
        return Number(value ?? 0);
      };
    }
    const imports: WasmImports = { ic0 };
    if (this.state.memory) imports[MEMORY_IMPORT_MODULE] = { [MEMORY_IMPORT_NAME]: this.state.memory };
    return imports;
  }
}

/** Imports a module has that the devnet (like the replica) cannot provide. */
export function unsupportedImports(summary: WasmModuleSummary): string[] {
  return summary.functionImports
    .filter((i) => i.module !== 'ic0')
    .map((i) => `Module imports function '${i.name}' from '${i.module}' that is not exported by the runtime.`);
}
