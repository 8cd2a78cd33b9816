import { pollForResponse, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { watModule } from '../execution/fixtures.js';

/**
 * A WAT canister that makes inter-canister calls and answers them; arguments and replies are raw
 * bytes (not Candid), so a test controls every byte of a call.
 *
 * `call` performs one call described by its argument (see `callArg`) with `$on_reply` /
 * `$on_reject` (and `$on_cleanup` with flag CLEANUP) as callbacks, whose env is the flags, and
 * replies from the callback:
 * - reply callback: `R` · refunded cycles (u128 LE) · the callee's reply; it bumps the reply
 *   counter first; with flag TRAP_IN_REPLY it sets the trap marker and traps instead; with flag
 *   SPIN_IN_REPLY it sets the trap marker and runs forever (until the network's time limit);
 * - reject callback: `J` · reject code (1 byte) · refunded cycles (u128 LE) · reject message;
 * - cleanup callback: bumps the cleanup counter;
 * - `call` itself bumps the "calls made" counter (committed with its first message);
 * - `P` · code when ic0.call_perform refused the call.
 * As a callee: `echo` replies its argument; `accept(u64 LE)` accepts up to that many cycles and
 * replies available-before (u128) · accepted (u128) · its caller; `trap` traps; `reject` rejects
 * with "no"; `spin` replies after ~3 s of execution. `state` (query): counters (replies, trap
 * marker, cleanups, calls made; u64 each) · cycle balance (u128).
 */
const CALLING_WAT = String.raw`
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject" (func $reject (param i32 i32)))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
  (import "ic0" "msg_cycles_refunded128" (func $refunded (param i32)))
  (import "ic0" "msg_cycles_available128" (func $available (param i32)))
  (import "ic0" "msg_cycles_accept128" (func $accept (param i64 i64 i32)))
  (import "ic0" "canister_cycle_balance128" (func $balance (param i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_cycles_add128" (func $call_cycles_add128 (param i64 i64)))
  (import "ic0" "call_with_best_effort_response" (func $best_effort (param i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "performance_counter" (func $perf (param i32) (result i64)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory 4)
  (table 3 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_cleanup)
  (type $callback (func (param i32)))
  (data (i32.const 200) "callback trap")
  (data (i32.const 220) "callee trap")
  (data (i32.const 240) "no")
  (func $bump (param $at i32) (i64.store (local.get $at) (i64.add (i64.load (local.get $at)) (i64.const 1))))
  (func $on_reply (param $flags i32) (local $n i32)
    (call $bump (i32.const 8))
    (if (i32.and (local.get $flags) (i32.const 4))
      (then (i64.store (i32.const 16) (i64.const 1)) (call $trap (i32.const 200) (i32.const 13))))
    (if (i32.and (local.get $flags) (i32.const 8))
      (then (i64.store (i32.const 16) (i64.const 1)) (loop $forever (br $forever))))
    (i32.store8 (i32.const 1024) (i32.const 82))
    (call $refunded (i32.const 1025))
    (local.set $n (call $arg_size))
    (call $arg_copy (i32.const 1041) (i32.const 0) (local.get $n))
    (call $reply_append (i32.const 1024) (i32.add (i32.const 17) (local.get $n)))
    (call $reply))
  (func $on_reject (param $flags i32) (local $n i32)
    (i32.store8 (i32.const 1024) (i32.const 74))
    (i32.store8 (i32.const 1025) (call $reject_code))
    (call $refunded (i32.const 1026))
    (local.set $n (call $reject_msg_size))
    (call $reject_msg_copy (i32.const 1042) (i32.const 0) (local.get $n))
    (call $reply_append (i32.const 1024) (i32.add (i32.const 18) (local.get $n)))
    (call $reply))
  (func $on_cleanup (param $flags i32) (call $bump (i32.const 24)))
  (func (export "canister_update call")
    (local $flags i32) (local $clen i32) (local $mlen i32) (local $method i32) (local $payload i32) (local $code i32)
    (call $arg_copy (i32.const 4096) (i32.const 0) (call $arg_size))
    (local.set $flags (i32.load8_u (i32.const 4096)))
    (local.set $clen (i32.load8_u (i32.const 4109)))
    (local.set $method (i32.add (i32.const 4111) (local.get $clen)))
    (local.set $mlen (i32.load8_u (i32.sub (local.get $method) (i32.const 1))))
    (local.set $payload (i32.add (local.get $method) (local.get $mlen)))
    (call $bump (i32.const 32))
    (call $call_new (i32.const 4110) (local.get $clen) (local.get $method) (local.get $mlen)
      (i32.const 0) (local.get $flags) (i32.const 1) (local.get $flags))
    (if (i32.and (local.get $flags) (i32.const 2)) (then (call $call_on_cleanup (i32.const 2) (local.get $flags))))
    (call $call_data_append (local.get $payload) (i32.sub (i32.add (i32.const 4096) (call $arg_size)) (local.get $payload)))
    (if (i64.ne (i64.load (i32.const 4097)) (i64.const 0)) (then (call $call_cycles_add128 (i64.const 0) (i64.load (i32.const 4097)))))
    (if (i32.and (local.get $flags) (i32.const 1)) (then (call $best_effort (i32.load (i32.const 4105)))))
    (local.set $code (call $call_perform))
    (if (local.get $code)
      (then
        (i32.store8 (i32.const 1024) (i32.const 80))
        (i32.store8 (i32.const 1025) (local.get $code))
        (call $reply_append (i32.const 1024) (i32.const 2))
        (call $reply))))
  (func (export "canister_update echo")
    (call $arg_copy (i32.const 4096) (i32.const 0) (call $arg_size))
    (call $reply_append (i32.const 4096) (call $arg_size))
    (call $reply))
  (func (export "canister_update accept")
    (call $arg_copy (i32.const 4096) (i32.const 0) (i32.const 8))
    (call $available (i32.const 1024))
    (call $accept (i64.const 0) (i64.load (i32.const 4096)) (i32.const 1040))
    (call $caller_copy (i32.const 1056) (i32.const 0) (call $caller_size))
    (call $reply_append (i32.const 1024) (i32.add (i32.const 32) (call $caller_size)))
    (call $reply))
  (func (export "canister_update trap") (call $trap (i32.const 220) (i32.const 11)))
  (func (export "canister_update reject") (call $reject (i32.const 240) (i32.const 2)))
  (func (export "canister_update spin")
    (loop $busy (br_if $busy (i64.lt_u (call $perf (i32.const 0)) (i64.const 3000000000))))
    (call $reply_append (i32.const 0) (i32.const 0))
    (call $reply))
  (func (export "canister_query state")
    (call $balance (i32.const 40))
    (call $reply_append (i32.const 8) (i32.const 48))
    (call $reply)))
`;

export const CALL_FLAGS = { boundedWait: 1, cleanup: 2, trapInReply: 4, spinInReply: 8 } as const;

export function callingWasm(): Uint8Array {
  return watModule(CALLING_WAT);
}

export interface CallSpec {
  callee: Principal;
  method: string;
  payload?: Uint8Array;
  cycles?: bigint;
  flags?: number;
  timeoutSeconds?: number;
}

/**
 * The argument of `call`: flags · cycles (u64 LE) · timeout (u32 LE) · callee length · callee · method length · method
 * · payload.
 */
export function callArg(spec: CallSpec): Uint8Array {
  const callee = spec.callee.toUint8Array();
  const method = new TextEncoder().encode(spec.method);
  const payload = spec.payload ?? new Uint8Array(0);
  const out = new Uint8Array(15 + callee.length + method.length + payload.length);
  const view = new DataView(out.buffer);
  out[0] = spec.flags ?? 0;
  view.setBigUint64(1, spec.cycles ?? 0n, true);
  view.setUint32(9, spec.timeoutSeconds ?? 0, true);
  out[13] = callee.length;
  out.set(callee, 14);
  out[14 + callee.length] = method.length;
  out.set(method, 15 + callee.length);
  out.set(payload, 15 + callee.length + method.length);
  return out;
}

function u128(bytes: Uint8Array, at: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return view.getBigUint64(at, true) | (view.getBigUint64(at + 8, true) << 64n);
}

export type CallAnswer =
  | { kind: 'reply'; refunded: bigint; data: Uint8Array }
  | { kind: 'reject'; rejectCode: number; refunded: bigint; message: string }
  | { kind: 'refused'; code: number };

/** Decodes what `call` replied. */
export function callAnswer(reply: Uint8Array): CallAnswer {
  const tag = String.fromCharCode(reply[0]!);
  if (tag === 'R') return { kind: 'reply', refunded: u128(reply, 1), data: reply.slice(17) };
  if (tag === 'J')
    return {
      kind: 'reject',
      rejectCode: reply[1]!,
      refunded: u128(reply, 2),
      message: new TextDecoder().decode(reply.slice(18)),
    };
  if (tag === 'P') return { kind: 'refused', code: reply[1]! };
  throw new Error(`not an answer of the calling canister: ${Buffer.from(reply).toString('hex')}`);
}

export interface CallingState {
  replies: bigint;
  trapMarker: bigint;
  cleanups: bigint;
  callsMade: bigint;
  balance: bigint;
}

export function callingState(reply: Uint8Array): CallingState {
  const view = new DataView(reply.buffer, reply.byteOffset);
  return {
    replies: view.getBigUint64(0, true),
    trapMarker: view.getBigUint64(8, true),
    cleanups: view.getBigUint64(16, true),
    callsMade: view.getBigUint64(24, true),
    balance: u128(reply, 32),
  };
}

/** `accept`'s reply: cycles available before accepting, cycles accepted, the caller. */
export function acceptAnswer(data: Uint8Array): { available: bigint; accepted: bigint; caller: Principal } {
  return { available: u128(data, 0), accepted: u128(data, 16), caller: Principal.fromUint8Array(data.slice(32)) };
}

export const u64Arg = (value: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
};

/** An update call with a raw argument through the agent (certificate verified); a reject throws the agent's error. */
export async function rawUpdate(
  agent: HttpAgent,
  canisterId: Principal,
  methodName: string,
  arg: Uint8Array,
): Promise<Uint8Array> {
  const { requestId } = await agent.call(canisterId, { methodName, arg, effectiveCanisterId: canisterId });
  const { reply } = await pollForResponse(agent, canisterId, requestId);
  return new Uint8Array(reply);
}

/** A query with a raw argument through the agent (reply signature verified). */
export async function rawQuery(
  agent: HttpAgent,
  canisterId: Principal,
  methodName: string,
  arg: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array> {
  const response = await agent.query(canisterId, { methodName, arg });
  if (response.status !== 'replied') throw new Error(`query ${methodName} rejected: ${response.reject_message}`);
  return new Uint8Array(response.reply.arg);
}
