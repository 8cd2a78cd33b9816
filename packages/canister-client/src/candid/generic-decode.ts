import { idlLabelToId } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

/**
 * A Candid message decoded without knowing its type in advance: Candid messages carry their
 * own type table, so this reads the table and then the values it describes. Field and
 * variant names travel only as hashes; `name` is filled in for labels in KNOWN_LABELS.
 */
export type CandidValue =
  | { kind: 'null' }
  | { kind: 'reserved' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nat' | 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'text'; value: string }
  | { kind: 'principal'; value: string }
  | { kind: 'blob'; value: Uint8Array }
  | { kind: 'opt'; value?: CandidValue }
  | { kind: 'vec'; items: CandidValue[] }
  | { kind: 'record'; fields: CandidField[] }
  | { kind: 'variant'; field: CandidField }
  | { kind: 'func'; canister: string; method: string }
  | { kind: 'service'; canister: string };

export interface CandidField {
  id: number;
  name?: string;
  value: CandidValue;
}

export class CandidDecodeError extends Error {}

const KNOWN_LABELS = [
  'ok',
  'Ok',
  'err',
  'Err',
  'error',
  'Error',
  'healthy',
  'Healthy',
  'unhealthy',
  'Unhealthy',
  'status',
  'message',
  'reason',
  'details',
  'version',
  'uptime',
  'checks',
  'name',
  'value',
  'degraded',
  'running',
  'stopped',
];
const LABEL_BY_ID = new Map(KNOWN_LABELS.map((label) => [idlLabelToId(label), label]));
export const labelId = (label: string): number => idlLabelToId(label);

type TypeRef = number; // < 0: primitive code; >= 0: index into the type table
type TableEntry =
  | { code: -18 | -19; inner: TypeRef } // opt, vec
  | { code: -20 | -21; fields: Array<{ id: number; type: TypeRef }> } // record, variant
  | { code: -22 | -23 }; // func, service: values are references, their types are skipped

const MAX_DEPTH = 100;

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.offset >= this.bytes.length;
  }
  byte(): number {
    if (this.offset >= this.bytes.length) throw new CandidDecodeError('unexpected end of message');
    return this.bytes[this.offset++];
  }
  take(length: number): Uint8Array {
    if (length < 0 || this.offset + length > this.bytes.length)
      throw new CandidDecodeError('unexpected end of message');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
  uleb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.byte();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  sleb(): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      byte = this.byte();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    return byte & 0x40 ? result - (1n << shift) : result;
  }
  length(): number {
    const value = this.uleb();
    if (value > BigInt(this.bytes.length)) throw new CandidDecodeError('length exceeds message');
    return Number(value);
  }
  fixed(bytes: number, signed: boolean): bigint {
    const data = this.take(bytes);
    let value = 0n;
    for (let i = bytes - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i]);
    return signed && data[bytes - 1] & 0x80 ? value - (1n << BigInt(bytes * 8)) : value;
  }
}

function readTypeTable(reader: Reader): TableEntry[] {
  const count = reader.length();
  const table: TableEntry[] = [];
  for (let i = 0; i < count; i++) {
    const code = Number(reader.sleb());
    if (code === -18 || code === -19) table.push({ code, inner: Number(reader.sleb()) });
    else if (code === -20 || code === -21) {
      const fields = [];
      for (let n = reader.length(); n > 0; n--) fields.push({ id: Number(reader.uleb()), type: Number(reader.sleb()) });
      table.push({ code, fields });
    } else if (code === -22) {
      for (let n = reader.length(); n > 0; n--) reader.sleb();
      for (let n = reader.length(); n > 0; n--) reader.sleb();
      reader.take(reader.length());
      table.push({ code });
    } else if (code === -23) {
      for (let n = reader.length(); n > 0; n--) {
        reader.take(reader.length());
        reader.sleb();
      }
      table.push({ code });
    } else throw new CandidDecodeError(`unsupported type code ${code} in the type table`);
  }
  return table;
}

function readPrincipal(reader: Reader): string {
  if (reader.byte() !== 1) throw new CandidDecodeError('opaque reference');
  return Principal.fromUint8Array(reader.take(reader.length()).slice()).toText();
}

function readValue(reader: Reader, table: TableEntry[], type: TypeRef, depth: number): CandidValue {
  if (depth > MAX_DEPTH) throw new CandidDecodeError('value nested too deeply');
  if (type >= 0) {
    const entry = table[type];
    if (!entry) throw new CandidDecodeError(`type index ${type} out of range`);
    switch (entry.code) {
      case -18:
        return reader.byte() === 1
          ? { kind: 'opt', value: readValue(reader, table, entry.inner, depth + 1) }
          : { kind: 'opt' };
      case -19: {
        const length = reader.length();
        if (entry.inner === -5) return { kind: 'blob', value: reader.take(length).slice() };
        const items: CandidValue[] = [];
        for (let i = 0; i < length; i++) items.push(readValue(reader, table, entry.inner, depth + 1));
        return { kind: 'vec', items };
      }
      case -20:
        return {
          kind: 'record',
          fields: entry.fields.map((field) => ({
            id: field.id,
            name: LABEL_BY_ID.get(field.id),
            value: readValue(reader, table, field.type, depth + 1),
          })),
        };
      case -21: {
        const index = reader.length();
        const field = entry.fields[index];
        if (!field) throw new CandidDecodeError('variant index out of range');
        return {
          kind: 'variant',
          field: {
            id: field.id,
            name: LABEL_BY_ID.get(field.id),
            value: readValue(reader, table, field.type, depth + 1),
          },
        };
      }
      case -22: {
        if (reader.byte() !== 1) throw new CandidDecodeError('opaque function reference');
        const canister = readPrincipal(reader);
        return { kind: 'func', canister, method: new TextDecoder().decode(reader.take(reader.length())) };
      }
      case -23:
        return { kind: 'service', canister: readPrincipal(reader) };
    }
  }
  switch (type) {
    case -1:
      return { kind: 'null' };
    case -2:
      return { kind: 'bool', value: reader.byte() === 1 };
    case -3:
      return { kind: 'nat', value: reader.uleb() };
    case -4:
      return { kind: 'int', value: reader.sleb() };
    case -5:
      return { kind: 'nat', value: reader.fixed(1, false) };
    case -6:
      return { kind: 'nat', value: reader.fixed(2, false) };
    case -7:
      return { kind: 'nat', value: reader.fixed(4, false) };
    case -8:
      return { kind: 'nat', value: reader.fixed(8, false) };
    case -9:
      return { kind: 'int', value: reader.fixed(1, true) };
    case -10:
      return { kind: 'int', value: reader.fixed(2, true) };
    case -11:
      return { kind: 'int', value: reader.fixed(4, true) };
    case -12:
      return { kind: 'int', value: reader.fixed(8, true) };
    case -13:
      return { kind: 'float', value: new DataView(reader.take(4).slice().buffer).getFloat32(0, true) };
    case -14:
      return { kind: 'float', value: new DataView(reader.take(8).slice().buffer).getFloat64(0, true) };
    case -15:
      return { kind: 'text', value: new TextDecoder().decode(reader.take(reader.length())) };
    case -16:
      return { kind: 'reserved' };
    case -17:
      throw new CandidDecodeError('a value of type empty cannot exist');
    case -24:
      return { kind: 'principal', value: readPrincipal(reader) };
    default:
      throw new CandidDecodeError(`unknown type code ${type}`);
  }
}

/** Decodes every value of a Candid message (`DIDL...`). Throws CandidDecodeError when malformed. */
export function decodeCandidUntyped(message: Uint8Array): CandidValue[] {
  const reader = new Reader(message);
  const magic = new TextDecoder().decode(reader.take(4));
  if (magic !== 'DIDL') throw new CandidDecodeError('missing DIDL magic');
  const table = readTypeTable(reader);
  const types: TypeRef[] = [];
  for (let n = reader.length(); n > 0; n--) types.push(Number(reader.sleb()));
  return types.map((type) => readValue(reader, table, type, 0));
}

/** A JSON-friendly rendering for reports: bigints as strings, unknown labels as `_<hash>`. */
export function candidToPlain(value: CandidValue): unknown {
  const label = (field: CandidField) => field.name ?? `_${field.id}`;
  switch (value.kind) {
    case 'null':
    case 'reserved':
      return null;
    case 'bool':
    case 'float':
    case 'text':
    case 'principal':
      return value.value;
    case 'nat':
    case 'int':
      return value.value.toString();
    case 'blob':
      return Buffer.from(value.value).toString('hex');
    case 'opt':
      return value.value === undefined ? null : candidToPlain(value.value);
    case 'vec':
      return value.items.map(candidToPlain);
    case 'record':
      return Object.fromEntries(value.fields.map((field) => [label(field), candidToPlain(field.value)]));
    case 'variant':
      return { [label(value.field)]: candidToPlain(value.field.value) };
    case 'func':
      return `${value.canister}.${value.method}`;
    case 'service':
      return value.canister;
  }
}
