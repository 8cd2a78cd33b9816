/** Reads the names of a Wasm module's custom sections without instantiating it. */

export const WASM_MAGIC = Uint8Array.of(0x00, 0x61, 0x73, 0x6d);
export const GZIP_MAGIC = Uint8Array.of(0x1f, 0x8b, 0x08);
/** The custom section moc writes into modules built with enhanced orthogonal persistence. */
export const EOP_SECTION = 'icp:private enhanced-orthogonal-persistence';

export class WasmFormatError extends Error {}

export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((value, index) => bytes[index] === value);
}

function readUleb(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let cursor = offset;
  for (;;) {
    if (cursor >= bytes.length) throw new WasmFormatError('truncated LEB128');
    const byte = bytes[cursor++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: cursor };
    shift += 7;
    if (shift > 35) throw new WasmFormatError('LEB128 too long');
  }
}

/** Walks the section headers of a raw (not gzipped) module; throws WasmFormatError when malformed. */
export function customSectionNames(module: Uint8Array): string[] {
  if (!startsWith(module, WASM_MAGIC)) throw new WasmFormatError('missing \\0asm magic');
  if (module.length < 8 || module[4] !== 1 || module[5] !== 0 || module[6] !== 0 || module[7] !== 0) {
    throw new WasmFormatError('unsupported Wasm version');
  }
  const names: string[] = [];
  let offset = 8;
  while (offset < module.length) {
    const id = module[offset];
    const { value: size, next } = readUleb(module, offset + 1);
    const end = next + size;
    if (end > module.length) throw new WasmFormatError(`section ${id} runs past the end of the module`);
    if (id === 0) {
      const { value: nameLength, next: nameStart } = readUleb(module, next);
      if (nameStart + nameLength > end) throw new WasmFormatError('custom section name runs past its section');
      names.push(new TextDecoder().decode(module.subarray(nameStart, nameStart + nameLength)));
    } else if (id > 13) {
      throw new WasmFormatError(`unknown section id ${id}`);
    }
    offset = end;
  }
  return names;
}
