import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CanisterClientError } from './errors.js';
import {
  EOP_SECTION,
  GZIP_MAGIC,
  WASM_MAGIC,
  WasmFormatError,
  customSectionNames,
  startsWith,
} from './wasm-sections.js';

/** The IC refuses larger modules; a bigger file is certainly a mistake. */
export const MAX_WASM_BYTES = 100 * 1024 * 1024;

/** A module that passed validation, ready to install. */
export interface WasmArtifact {
  /** Where it was read from (a path, or a caller-given label). */
  source: string;
  /** The exact bytes to install (gzip bytes for a gzipped module). */
  bytes: Uint8Array;
  size: number;
  /** sha256 of `bytes`, hex: what the network reports as `module_hash` after install. */
  sha256: string;
  gzipped: boolean;
  /** Carries `icp:private enhanced-orthogonal-persistence` (Motoko EOP): upgrades must keep Wasm memory. */
  enhancedOrthogonalPersistence: boolean;
  customSections: string[];
}

export interface ArtifactLimits {
  maxBytes?: number;
}

function invalid(source: string, why: string): CanisterClientError {
  return new CanisterClientError('WASM_INVALID', `${source} is not a WebAssembly module: ${why}`, {
    hint: 'Point at the built canister module (a .wasm or .wasm.gz file), not its source or another file.',
    details: { source },
  });
}

function tooLarge(source: string, size: number, maxBytes: number): CanisterClientError {
  return new CanisterClientError('WASM_TOO_LARGE', `${source} is ${size} bytes, over the ${maxBytes}-byte limit`, {
    hint: 'Shrink the module (optimise it, or gzip it).',
    details: { source, size, maxBytes },
  });
}

/** Validates bytes already in memory (see `readWasmArtifact` for files). */
export function wasmArtifactFromBytes(
  bytes: Uint8Array,
  source = 'the module',
  limits: ArtifactLimits = {},
): WasmArtifact {
  const maxBytes = limits.maxBytes ?? MAX_WASM_BYTES;
  if (bytes.length === 0) {
    throw new CanisterClientError('WASM_EMPTY', `${source} is empty`, {
      hint: 'Rebuild the canister; the build left an empty file.',
      details: { source },
    });
  }
  if (bytes.length > maxBytes) throw tooLarge(source, bytes.length, maxBytes);
  const gzipped = startsWith(bytes, GZIP_MAGIC);
  if (!gzipped && !startsWith(bytes, WASM_MAGIC))
    throw invalid(source, 'it starts with neither `\\0asm` nor the gzip magic');
  let raw = bytes;
  if (gzipped) {
    try {
      raw = new Uint8Array(gunzipSync(bytes, { maxOutputLength: maxBytes * 4 }));
    } catch (error) {
      throw invalid(source, `gzip data is corrupt (${(error as Error).message})`);
    }
    if (!startsWith(raw, WASM_MAGIC)) throw invalid(source, 'the gzip data does not contain a Wasm module');
  }
  let customSections: string[];
  try {
    customSections = customSectionNames(raw);
  } catch (error) {
    if (error instanceof WasmFormatError) throw invalid(source, error.message);
    throw error;
  }
  return {
    source,
    bytes,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    gzipped,
    enhancedOrthogonalPersistence: customSections.includes(EOP_SECTION),
    customSections,
  };
}

/** Reads and validates a module file, so nothing malformed is ever sent to a network. */
export async function readWasmArtifact(file: string, limits: ArtifactLimits = {}): Promise<WasmArtifact> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CanisterClientError('WASM_NOT_FOUND', `No module at ${file}`, {
        hint: 'Build the agent first, or pass the right path with `--wasm`.',
        details: { source: file },
      });
    }
    throw error;
  }
  if (!stat.isFile()) throw invalid(file, 'it is not a regular file');
  const maxBytes = limits.maxBytes ?? MAX_WASM_BYTES;
  if (stat.size > maxBytes) throw tooLarge(file, stat.size, maxBytes); // without reading it all
  return wasmArtifactFromBytes(new Uint8Array(await fs.promises.readFile(file)), file, limits);
}
