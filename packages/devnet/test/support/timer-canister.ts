import binaryen from 'binaryen';
import { IDL } from '@dfinity/candid';

/**
 * A WAT canister with a global timer and a heartbeat, Candid replies so tests can use an Actor:
 * - `canister_global_timer`: fired += 1, lastFired = ic0.time, prints "timer", sets the timer
 *   again to time + rearm when `rearm` is not 0; traps "timer trap" afterwards with flag 1;
 *   calls ic0.msg_arg_data_size (a trap: a system task has no argument) with flag 16; loops
 *   forever (past the message time limit) with flag 32;
 * - `canister_heartbeat`: beats += 1, lastBeat = ic0.time, callerSize = ic0.msg_caller_size;
 *   prints "heartbeat" with flag 4; calls ic0.msg_reply (a trap: nothing to reply to) with flag
 *   8; traps "heartbeat trap" afterwards with flag 2;
 * - `set_timer(nat64) -> (nat64)`: ic0.global_timer_set, replies the previous deadline;
 * - `configure(rearm : nat64, flags : nat64)`; `get() -> (fired, lastFired, beats, lastBeat, callerSize)` (query).
 * Heap: 0 fired, 8 lastFired, 16 beats, 24 lastBeat, 32 rearm, 40 flags, 48 callerSize.
 */
const TIMER_WAT = String.raw`
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (memory 1)
  (data (i32.const 100) "DIDL\00\01\78")
  (data (i32.const 120) "DIDL\00\05\78\78\78\78\78")
  (data (i32.const 200) "timer trap")
  (data (i32.const 220) "heartbeat trap")
  (data (i32.const 240) "timer")
  (data (i32.const 260) "heartbeat")
  (data (i32.const 280) "DIDL\00\00")
  (func $flag (param $bit i64) (result i32) (i64.ne (i64.and (i64.load (i32.const 40)) (local.get $bit)) (i64.const 0)))
  (func (export "canister_global_timer")
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (i64.store (i32.const 8) (call $time))
    (call $print (i32.const 240) (i32.const 5))
    (if (i64.ne (i64.load (i32.const 32)) (i64.const 0))
      (then (drop (call $timer_set (i64.add (call $time) (i64.load (i32.const 32)))))))
    (if (call $flag (i64.const 16)) (then (drop (call $arg_size))))
    (if (call $flag (i64.const 32)) (then (loop $forever (br $forever))))
    (if (call $flag (i64.const 1)) (then (call $trap (i32.const 200) (i32.const 10)))))
  (func (export "canister_heartbeat")
    (i64.store (i32.const 16) (i64.add (i64.load (i32.const 16)) (i64.const 1)))
    (i64.store (i32.const 24) (call $time))
    (i64.store (i32.const 48) (i64.extend_i32_u (call $caller_size)))
    (if (call $flag (i64.const 4)) (then (call $print (i32.const 260) (i32.const 9))))
    (if (call $flag (i64.const 8)) (then (call $reply)))
    (if (call $flag (i64.const 2)) (then (call $trap (i32.const 220) (i32.const 14)))))
  ;; The argument is DIDL 00 01 78 and the nat64: its value starts at byte 7.
  (func (export "canister_update set_timer")
    (call $arg_copy (i32.const 300) (i32.const 7) (i32.const 8))
    (i64.store (i32.const 107) (call $timer_set (i64.load (i32.const 300))))
    (call $reply_append (i32.const 100) (i32.const 15))
    (call $reply))
  ;; DIDL 00 02 78 78, then rearm and flags.
  (func (export "canister_update configure")
    (call $arg_copy (i32.const 32) (i32.const 8) (i32.const 16))
    (call $reply_append (i32.const 280) (i32.const 6))
    (call $reply))
  (func (export "canister_query get")
    (i64.store (i32.const 131) (i64.load (i32.const 0)))
    (i64.store (i32.const 139) (i64.load (i32.const 8)))
    (i64.store (i32.const 147) (i64.load (i32.const 16)))
    (i64.store (i32.const 155) (i64.load (i32.const 24)))
    (i64.store (i32.const 163) (i64.load (i32.const 48)))
    (call $reply_append (i32.const 120) (i32.const 51))
    (call $reply))
)`;

export const TIMER_FLAGS = {
  trapTimer: 1n,
  trapHeartbeat: 2n,
  logHeartbeat: 4n,
  replyInHeartbeat: 8n,
  argInTimer: 16n,
  loopInTimer: 32n,
} as const;

export function timerWasm(): Uint8Array {
  const module = binaryen.parseText(TIMER_WAT);
  try {
    if (!module.validate()) throw new Error('invalid timer canister');
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

export interface TimerCounters {
  fired: bigint;
  lastFired: bigint;
  beats: bigint;
  lastBeat: bigint;
  callerSize: bigint;
}

const GET_RESULT = [IDL.Nat64, IDL.Nat64, IDL.Nat64, IDL.Nat64, IDL.Nat64];

export function timerCounters(reply: Uint8Array): TimerCounters {
  const [fired, lastFired, beats, lastBeat, callerSize] = IDL.decode(GET_RESULT, reply) as unknown as bigint[];
  return { fired: fired!, lastFired: lastFired!, beats: beats!, lastBeat: lastBeat!, callerSize: callerSize! };
}

export const setTimerArg = (deadline: bigint): Uint8Array => new Uint8Array(IDL.encode([IDL.Nat64], [deadline]));
export const configureArg = (rearm: bigint, flags: bigint): Uint8Array =>
  new Uint8Array(IDL.encode([IDL.Nat64, IDL.Nat64], [rearm, flags]));
export const previousDeadline = (reply: Uint8Array): bigint => IDL.decode([IDL.Nat64], reply)[0] as bigint;

export const timerIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({
    set_timer: I.Func([I.Nat64], [I.Nat64], []),
    configure: I.Func([I.Nat64, I.Nat64], [], []),
    get: I.Func([], GET_RESULT, ['query']),
  });

export type TimerActor = {
  set_timer(deadline: bigint): Promise<bigint>;
  configure(rearm: bigint, flags: bigint): Promise<void>;
  get(): Promise<[bigint, bigint, bigint, bigint, bigint]>;
};
