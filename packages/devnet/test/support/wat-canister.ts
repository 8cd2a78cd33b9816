import binaryen from 'binaryen';
import type { IDL } from '@dfinity/candid';

/**
 * A small canister written in WAT against the ic0 System API. Replies are Candid (`nat64` or
 * empty), so tests can use a normal Actor:
 * - `inc` / `get`: a counter in the Wasm heap (lost on upgrade, like any heap state);
 * - `stable_inc` / `stable_get`: a counter in stable memory (kept on upgrade);
 * - `inc_then_trap`: bumps the heap counter, then traps (must change nothing);
 * - `log`: debug_print "hello log"; `spin`: loops forever;
 * - `bump_globals` / `get_total`: mutable globals $calls (i32, +1), $total (i64, +10) and
 *   $ratio (f64, ×2), so snapshots have globals of three types; replies $total;
 * - `certify`: sets the certified data to the 8 heap-counter bytes;
 * - `set_timer(nat64)`: sets the global timer, replies the previous deadline.
 */
const COUNTER_WAT = String.raw`
(module
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "stable64_grow" (func $sgrow (param i64) (result i64)))
  (import "ic0" "stable64_size" (func $ssize (result i64)))
  (import "ic0" "stable64_write" (func $swrite (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $sread (param i64 i64 i64)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (memory $mem 1)
  (global $calls (mut i32) (i32.const 0))
  (global $total (mut i64) (i64.const 0))
  (global $ratio (mut f64) (f64.const 0.5))
  (export "memory" (memory $mem))
  (data (i32.const 16) "DIDL\00\01\78")
  (data (i32.const 64) "DIDL\00\00")
  (data (i32.const 96) "hello log")
  (data (i32.const 128) "oops")
  (data (i32.const 160) "init")
  (func $reply_nat64 (param $v i64)
    (i64.store (i32.const 23) (local.get $v))
    (call $reply_append (i32.const 16) (i32.const 15))
    (call $reply))
  (func $reply_empty
    (call $reply_append (i32.const 64) (i32.const 6))
    (call $reply))
  (func $bump (result i64)
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (i64.load (i32.const 0)))
  (func $stable_value (result i64)
    (if (result i64) (i64.eqz (call $ssize))
      (then (i64.const 0))
      (else
        (call $sread (i64.const 200) (i64.const 0) (i64.const 8))
        (i64.load (i32.const 200)))))
  (func (export "canister_init") (call $print (i32.const 160) (i32.const 4)))
  (func (export "canister_update inc") (call $reply_nat64 (call $bump)))
  (func (export "canister_query get") (call $reply_nat64 (i64.load (i32.const 0))))
  (func (export "canister_update stable_inc") (local $v i64)
    (if (i64.eqz (call $ssize)) (then (drop (call $sgrow (i64.const 1)))))
    (local.set $v (i64.add (call $stable_value) (i64.const 1)))
    (i64.store (i32.const 200) (local.get $v))
    (call $swrite (i64.const 0) (i64.const 200) (i64.const 8))
    (call $reply_nat64 (local.get $v)))
  (func (export "canister_query stable_get") (call $reply_nat64 (call $stable_value)))
  (func (export "canister_update inc_then_trap")
    (drop (call $bump))
    (call $trap (i32.const 128) (i32.const 4)))
  (func (export "canister_update log")
    (call $print (i32.const 96) (i32.const 9))
    (call $reply_empty))
  (func (export "canister_update spin") (loop $forever (br $forever)))
  (func (export "canister_update bump_globals")
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (global.set $total (i64.add (global.get $total) (i64.const 10)))
    (global.set $ratio (f64.mul (global.get $ratio) (f64.const 2)))
    (call $reply_nat64 (global.get $total)))
  (func (export "canister_query get_total") (call $reply_nat64 (global.get $total)))
  (func (export "canister_update certify")
    (call $certify (i32.const 0) (i32.const 8))
    (call $reply_empty))
  ;; The argument is DIDL 00 01 78 followed by the nat64: its value starts at byte 7.
  (func (export "canister_update set_timer")
    (call $arg_copy (i32.const 300) (i32.const 7) (i32.const 8))
    (call $reply_nat64 (call $timer_set (i64.load (i32.const 300)))))
)`;

export interface CounterModuleOptions {
  /** Bytes of an extra custom section, to make the module big (chunked install, benchmarks). */
  paddingBytes?: number;
  /** A marker that changes the module hash (to tell two versions apart). */
  version?: number;
}

export function counterWasm(options: CounterModuleOptions = {}): Uint8Array {
  const module = binaryen.parseText(COUNTER_WAT);
  try {
    const encoder = new TextEncoder();
    module.addCustomSection(
      'icp:public candid:service',
      encoder.encode('service : { inc : () -> (nat64); get : () -> (nat64) query }'),
    );
    module.addCustomSection('icp:private secret', encoder.encode('for controllers only'));
    module.addCustomSection('version', encoder.encode(String(options.version ?? 1)));
    if (options.paddingBytes) module.addCustomSection('padding', new Uint8Array(options.paddingBytes).fill(7));
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

export const counterIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    inc: IDL.Func([], [IDL.Nat64], []),
    get: IDL.Func([], [IDL.Nat64], ['query']),
    stable_inc: IDL.Func([], [IDL.Nat64], []),
    stable_get: IDL.Func([], [IDL.Nat64], ['query']),
    inc_then_trap: IDL.Func([], [], []),
    log: IDL.Func([], [], []),
    spin: IDL.Func([], [], []),
    missing: IDL.Func([], [], []),
    bump_globals: IDL.Func([], [IDL.Nat64], []),
    get_total: IDL.Func([], [IDL.Nat64], ['query']),
    certify: IDL.Func([], [], []),
    set_timer: IDL.Func([IDL.Nat64], [IDL.Nat64], []),
  });

export type CounterActor = {
  inc(): Promise<bigint>;
  get(): Promise<bigint>;
  stable_inc(): Promise<bigint>;
  stable_get(): Promise<bigint>;
  inc_then_trap(): Promise<void>;
  log(): Promise<void>;
  spin(): Promise<void>;
  missing(): Promise<void>;
  bump_globals(): Promise<bigint>;
  get_total(): Promise<bigint>;
  certify(): Promise<void>;
  set_timer(deadline: bigint): Promise<bigint>;
};
