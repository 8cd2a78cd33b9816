import crypto from 'node:crypto';
import binaryen from 'binaryen';

const EOP_SECTION = 'icp:private enhanced-orthogonal-persistence';

/** Candid `(bool)` replies. */
const candidBool = (value: boolean): Uint8Array =>
  Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0x00, 0x01, 0x7e, value ? 1 : 0);

export interface FixtureOptions {
  /** What `health` (a query) replies: true or false. */
  healthy?: boolean;
  /** Distinguishes versions (changes the module hash) and is what `version` logs. */
  version?: number;
  /** Adds the Motoko EOP custom section. */
  eop?: boolean;
  /** Pads the module with a data segment of this many random bytes (to force chunked installs). */
  paddingBytes?: number;
  /** Extra custom sections, e.g. `icp:public candid:service`. */
  customSections?: Record<string, string>;
}

/**
 * A small wasm32 canister written in WAT: `health` (query: bool), `greet` (update: logs a line,
 * replies true), `boom` (query and update: traps), `canister_init` logs. Built with binaryen.
 */
export function canisterModule(options: FixtureOptions = {}): Uint8Array {
  const version = options.version ?? 1;
  const message = `hello from v${version}`;
  const wat = `(module
    (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
    (import "ic0" "msg_reply" (func $reply))
    (import "ic0" "debug_print" (func $print (param i32 i32)))
    (import "ic0" "trap" (func $trap (param i32 i32)))
    (memory $mem 1)
    (func (export "canister_init") (call $print (i32.const 32) (i32.const ${message.length})))
    (func (export "canister_query health") (call $append (i32.const 0) (i32.const 8)) (call $reply))
    (func (export "canister_update greet")
      (call $print (i32.const 32) (i32.const ${message.length}))
      (call $append (i32.const 16) (i32.const 8)) (call $reply))
    (func (export "canister_query boom") (call $trap (i32.const 32) (i32.const 5)))
    (func (export "canister_update boom_update") (call $trap (i32.const 32) (i32.const 5)))
  )`;
  const module = binaryen.parseText(wat);
  try {
    // Data segments through the API: the reply bytes, the log line, and optional padding.
    const segments: Array<[number, Uint8Array]> = [
      [0, candidBool(options.healthy !== false)],
      [16, candidBool(true)],
      [32, new TextEncoder().encode(message)],
    ];
    if (options.paddingBytes) segments.push([1024, new Uint8Array(crypto.randomBytes(options.paddingBytes))]);
    const pages = Math.ceil((1024 + (options.paddingBytes ?? 0)) / 65536) + 1;
    module.setMemory(
      pages,
      pages,
      '',
      segments.map(([offset, data]) => ({ offset: module.i32.const(offset), data, passive: false })),
    );
    if (!module.validate()) throw new Error('fixture module does not validate');
    let bytes = module.emitBinary();
    const sections = { ...options.customSections, ...(options.eop ? { [EOP_SECTION]: '' } : {}) };
    for (const [name, content] of Object.entries(sections))
      bytes = appendCustomSection(bytes, name, new TextEncoder().encode(content));
    return bytes;
  } finally {
    module.dispose();
  }
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/** Custom sections may appear anywhere; appending keeps the rest of the module untouched. */
export function appendCustomSection(module: Uint8Array, name: string, content: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const header = Uint8Array.from(uleb(nameBytes.length));
  const size = header.length + nameBytes.length + content.length;
  return new Uint8Array(Buffer.concat([module, Uint8Array.from([0, ...uleb(size)]), header, nameBytes, content]));
}
