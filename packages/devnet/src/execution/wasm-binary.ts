/**
 * A small reader for the parts of a Wasm binary the engine needs without compiling it:
 * function types, imports, memory limits, exports and custom sections. Node 20 cannot compile
 * Motoko's memory64/table64 modules, and V8 has no type reflection, so both the original and
 * the prepared module are read with this.
 */
import { ExecutionError } from './errors.js';

export type WasmValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'other';

export interface WasmFunctionImport {
  module: string;
  name: string;
  params: WasmValueType[];
  results: WasmValueType[];
}

export interface WasmMemoryLimits {
  initialPages: bigint;
  maximumPages?: bigint;
  memory64: boolean;
  imported: boolean;
}

export interface WasmExport {
  name: string;
  /** 0 function, 1 table, 2 memory, 3 global. */
  kind: number;
}

export interface WasmCustomSection {
  name: string;
  content: Uint8Array;
}

export interface WasmModuleSummary {
  functionImports: WasmFunctionImport[];
  memory?: WasmMemoryLimits;
  exports: WasmExport[];
  customSections: WasmCustomSection[];
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

class ByteReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  byte(): number {
    if (this.offset >= this.bytes.length) throw invalid('unexpected end of module');
    return this.bytes[this.offset++]!;
  }

  u32(): number {
    return Number(this.leb());
  }

  leb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw invalid('malformed LEB128 number');
    }
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw invalid('section runs past the end of the module');
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

function invalid(reason: string): ExecutionError {
  return new ExecutionError('INVALID_WASM', `Invalid Wasm module: ${reason}.`);
}

function valueType(code: number): WasmValueType {
  switch (code) {
    case 0x7f:
      return 'i32';
    case 0x7e:
      return 'i64';
    case 0x7d:
      return 'f32';
    case 0x7c:
      return 'f64';
    default:
      return 'other';
  }
}

function readLimits(reader: ByteReader, imported: boolean): WasmMemoryLimits {
  const flags = reader.byte();
  const memory64 = (flags & 0x04) !== 0;
  const initialPages = reader.leb();
  const maximumPages = (flags & 0x01) !== 0 ? reader.leb() : undefined;
  if ((flags & 0x08) !== 0) reader.u32(); // custom page size log2; not used by canisters
  return { initialPages, maximumPages, memory64, imported };
}

function skipTableType(reader: ByteReader): void {
  const refType = reader.byte();
  if (refType === 0x63 || refType === 0x64) reader.leb(); // (ref null? ht)
  const flags = reader.byte();
  reader.leb();
  if ((flags & 0x01) !== 0) reader.leb();
}

export function isWasmBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads the summary of a Wasm module; throws ExecutionError('INVALID_WASM') on malformed input. */
export function readWasmSummary(bytes: Uint8Array): WasmModuleSummary {
  if (!isWasmBinary(bytes)) throw invalid('missing the \\0asm header');
  const reader = new ByteReader(bytes);
  reader.offset = 8;
  const types: { params: WasmValueType[]; results: WasmValueType[] }[] = [];
  const summary: WasmModuleSummary = { functionImports: [], exports: [], customSections: [] };

  while (!reader.done) {
    const id = reader.byte();
    const size = reader.u32();
    const section = new ByteReader(reader.take(size));
    switch (id) {
      case 0: {
        const name = section.name();
        summary.customSections.push({ name, content: section.bytes.subarray(section.offset) });
        break;
      }
      case 1: {
        const count = section.u32();
        for (let i = 0; i < count; i++) {
          const form = section.byte();
          if (form !== 0x60) {
            // Not a plain function type (GC proposals); record a placeholder to keep indices.
            types.push({ params: [], results: [] });
            break;
          }
          const params = Array.from({ length: section.u32() }, () => valueType(section.byte()));
          const results = Array.from({ length: section.u32() }, () => valueType(section.byte()));
          types.push({ params, results });
        }
        break;
      }
      case 2: {
        const count = section.u32();
        for (let i = 0; i < count; i++) {
          const module = section.name();
          const name = section.name();
          const kind = section.byte();
          if (kind === 0x00) {
            const type = types[section.u32()] ?? { params: [], results: [] };
            summary.functionImports.push({ module, name, params: type.params, results: type.results });
          } else if (kind === 0x01) {
            skipTableType(section);
          } else if (kind === 0x02) {
            summary.memory = readLimits(section, true);
          } else if (kind === 0x03) {
            section.byte();
            section.byte();
          } else {
            section.u32(); // tag
            section.u32();
          }
        }
        break;
      }
      case 5: {
        const count = section.u32();
        if (count > 0 && !summary.memory) summary.memory = readLimits(section, false);
        break;
      }
      case 7: {
        const count = section.u32();
        for (let i = 0; i < count; i++) {
          const name = section.name();
          const kind = section.byte();
          section.u32();
          summary.exports.push({ name, kind });
        }
        break;
      }
      default:
        break;
    }
  }
  return summary;
}
