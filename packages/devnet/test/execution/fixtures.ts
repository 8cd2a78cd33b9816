/** Shared test fixtures: a hand-written WAT canister, message contexts and engine set-up. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import binaryen from 'binaryen';
import { createExecutionEngine } from '../../src/execution/index.js';
import type { ExecutionEngine, MessageContext } from '../../src/execution/index.js';

/**
 * Heap layout: 100 = i64 heap counter, 1020 = init arg length, 1024.. = init arg bytes,
 * 2000.. = scratch for replies, 3000.. = constant strings.
 */
export const COUNTER_WAT = `
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject" (func $reject (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "data_certificate_present" (func $cert_present (result i32)))
  (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (memory 1)
  (global $counter (mut i64) (i64.const 0))
  (data (i32.const 3000) "init ran")
  (data (i32.const 3100) "boom")
  (data (i32.const 3200) "hello from wat")
  (data (i32.const 3300) "nope")

  (func $bump
    (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
    (i64.store (i32.const 100) (i64.add (i64.load (i32.const 100)) (i64.const 1))))

  (func $ensure_stable
    (if (i64.eqz (call $stable_size)) (then (drop (call $stable_grow (i64.const 1))))))

  ;; Replies with 24 bytes: global counter, heap counter, stable word 0 (0 without stable memory).
  (func $reply_counters
    (i64.store (i32.const 2000) (global.get $counter))
    (i64.store (i32.const 2008) (i64.load (i32.const 100)))
    (i64.store (i32.const 2016) (i64.const 0))
    (if (i64.ne (call $stable_size) (i64.const 0))
      (then (call $stable_read (i64.const 2016) (i64.const 0) (i64.const 8))))
    (call $reply_append (i32.const 2000) (i32.const 24))
    (call $reply))

  (func (export "canister_init")
    (i32.store (i32.const 1020) (call $arg_size))
    (call $arg_copy (i32.const 1024) (i32.const 0) (call $arg_size))
    (call $print (i32.const 3000) (i32.const 8)))

  (func (export "canister_update inc") (call $bump) (call $reply_counters))
  (func (export "canister_query get") (call $reply_counters))
  (func (export "canister_query inc_in_query") (call $bump) (call $ensure_stable)
    (i64.store (i32.const 2100) (i64.const 99))
    (call $stable_write (i64.const 0) (i64.const 2100) (i64.const 8))
    (call $reply_counters))
  (func (export "canister_query init_arg")
    (call $reply_append (i32.const 1024) (i32.load (i32.const 1020)))
    (call $reply))

  ;; Stores the 8-byte argument at stable offset 0.
  (func (export "canister_update stable_set")
    (call $ensure_stable)
    (call $arg_copy (i32.const 2100) (i32.const 0) (i32.const 8))
    (call $stable_write (i64.const 0) (i64.const 2100) (i64.const 8))
    (call $reply_counters))

  (func (export "canister_update change_then_trap")
    (call $bump)
    (call $ensure_stable)
    (i64.store (i32.const 2100) (i64.const 12345))
    (call $stable_write (i64.const 0) (i64.const 2100) (i64.const 8))
    (call $certify (i32.const 3100) (i32.const 4))
    (call $trap (i32.const 3100) (i32.const 4)))

  (func (export "canister_update grow_then_fail")
    (call $bump)
    (drop (memory.grow (i32.const 3)))
    unreachable)

  (func (export "canister_update loop_forever") (loop $again (br $again)))
  (func (export "canister_update print")
    (call $print (i32.const 3200) (i32.const 14))
    (call $reply_counters))
  (func (export "canister_update reject") (call $reject (i32.const 3300) (i32.const 4)))
  (func (export "canister_update certify")
    (call $arg_copy (i32.const 2100) (i32.const 0) (call $arg_size))
    (call $certify (i32.const 2100) (call $arg_size))
    (call $reply))
  (func (export "canister_update try_call")
    (i64.store (i32.const 2000) (i64.extend_i32_u (call $call_perform)))
    (call $reply_append (i32.const 2000) (i32.const 8))
    (call $reply))
  (func (export "canister_update no_reply"))
  ;; Replies with the data certificate, or nothing when there is none.
  (func (export "canister_query certificate")
    (if (call $cert_present)
      (then
        (call $cert_copy (i32.const 2200) (i32.const 0) (call $cert_size))
        (call $reply_append (i32.const 2200) (call $cert_size))))
    (call $reply))
  ;; Replies with one byte: 1 when the caller is a controller.
  (func (export "canister_query caller_is_controller")
    (call $caller_copy (i32.const 2300) (i32.const 0) (call $caller_size))
    (i32.store8 (i32.const 2400) (call $is_controller (i32.const 2300) (call $caller_size)))
    (call $reply_append (i32.const 2400) (i32.const 1))
    (call $reply))
)`;

/** Traps in canister_post_upgrade after writing stable memory: an upgrade to it must change nothing. */
export const TRAPPING_UPGRADE_WAT = `
(module
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory 1)
  (data (i32.const 0) "\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\ffpost_upgrade failed")
  (func (export "canister_post_upgrade")
    (drop (call $stable_grow (i64.const 1)))
    (call $stable_write (i64.const 0) (i64.const 0) (i64.const 8))
    (call $trap (i32.const 8) (i32.const 19)))
  (func (export "canister_update other") unreachable)
)`;

/** Imports System API functions the devnet cannot offer. */
export const UNSUPPORTED_CALLS_WAT = `
(module
  (import "ic0" "mint_cycles128" (func $mint (param i64 i64 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (func (export "canister_update mint") (call $mint (i64.const 0) (i64.const 1) (i32.const 0)) (call $reply))
)`;

/** Never finishes canister_init: installing it must hit the time limit and change nothing. */
export const LOOPING_INIT_WAT = `
(module
  (memory 1)
  (func (export "canister_init") (loop $again (br $again)))
)`;

/** Compiles WAT; `enhancedOrthogonalPersistence` adds the custom section Motoko EOP modules carry. */
export function watModule(text: string, options: { enhancedOrthogonalPersistence?: boolean } = {}): Uint8Array {
  const module = binaryen.parseText(text);
  try {
    if (options.enhancedOrthogonalPersistence) {
      module.addCustomSection(
        'icp:private enhanced-orthogonal-persistence',
        new TextEncoder().encode('64-bit, layout version 1'),
      );
    }
    module.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory);
    if (!module.validate()) throw new Error('invalid WAT fixture');
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

export const CONTROLLER = new Uint8Array([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 2,
]);

export function context(overrides: Partial<MessageContext> = {}): MessageContext {
  return {
    caller: CONTROLLER,
    timeNanos: 1_700_000_000_000_000_000n,
    cyclesBalance: 100_000_000_000_000n,
    status: 'running',
    controllers: [CONTROLLER],
    ...overrides,
  };
}

/** Canister ids like the devnet's: ten bytes, last two 0x01 0x01. */
export function canisterId(index: number): Uint8Array {
  return new Uint8Array([0, 0, 0, 0, 0, 0, 0, index, 1, 1]);
}

export function temporaryDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
}

export async function newEngine(stateDir: string, messageTimeLimitMs = 5000): Promise<ExecutionEngine> {
  return createExecutionEngine({ stateDir, messageTimeLimitMs });
}

export interface Counters {
  global: bigint;
  heap: bigint;
  stable: bigint;
}

export function counters(reply: Uint8Array): Counters {
  const view = Buffer.from(reply);
  return { global: view.readBigInt64LE(0), heap: view.readBigInt64LE(8), stable: view.readBigInt64LE(16) };
}

export function word(value: bigint): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(value);
  return out;
}
