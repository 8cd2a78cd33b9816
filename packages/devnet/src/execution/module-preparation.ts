/**
 * Turns a canister module into one Node 20 can run and the engine can snapshot:
 * - memory64/table64 are lowered (binaryen) because V8 in Node 20 cannot compile table64;
 * - the memory becomes an import (`env.memory`), so the engine owns it: an upgrade with
 *   `wasm_memory_persistence = keep` instantiates the new module over the old heap, and a
 *   rollback can hand a fresh instance the committed heap;
 * - the function table is exported (callbacks of inter-canister calls are table indices);
 * - every mutable global is exported, so globals can be saved and restored (with its type, which
 *   snapshots report and an uploaded snapshot must match). v128 globals are left out: the
 *   JavaScript API can neither read nor write them, so they keep their initial value.
 * Runs on the main thread, once per module (cached by sha256): binaryen is heavy and synchronous.
 */
import type binaryenNamespace from 'binaryen';
import type { WasmGlobalType } from './types.js';
import type { WasmModuleSummary } from './wasm-binary.js';
import { readWasmSummary } from './wasm-binary.js';

export const MEMORY_IMPORT_MODULE = 'env';
export const MEMORY_IMPORT_NAME = 'memory';
export const GLOBAL_EXPORT_PREFIX = '__devnet_global_';
/** The function table, exported so that the callbacks of inter-canister calls (table indices) can be invoked. */
export const TABLE_EXPORT_NAME = '__devnet_table';

export interface PreparedModule {
  /** Bytes Node 20 compiles. */
  bytes: Uint8Array;
  /** Names under which the mutable globals are exported, in declaration order. */
  globalExports: string[];
  /** Wasm type of each exported global (same order as globalExports). */
  globalTypes: WasmGlobalType[];
  /** Summary of the prepared bytes (imports with their types, memory limits, exports). */
  summary: WasmModuleSummary;
}

// A type-only import: the module itself stays lazily loaded (it is heavy), see loadBinaryen.
type Binaryen = typeof binaryenNamespace;
let binaryenPromise: Promise<Binaryen> | undefined;

function loadBinaryen(): Promise<Binaryen> {
  binaryenPromise ??= import('binaryen').then((m) => m.default);
  return binaryenPromise;
}

/** binaryen 132 knows the compact-imports encoding, which V8 in Node 20 cannot read; its typings lag behind. */
function compactImports(binaryen: Binaryen): number {
  return (binaryen.Features as unknown as Record<string, number>)['CompactImports'] ?? 0;
}

/** The snapshot type of a global, or undefined for one the engine cannot save (v128, references). */
function globalTypeOf(binaryen: Binaryen, type: number): Exclude<WasmGlobalType, 'v128'> | undefined {
  if (type === binaryen.i32) return 'i32';
  if (type === binaryen.i64) return 'i64';
  if (type === binaryen.f32) return 'f32';
  if (type === binaryen.f64) return 'f64';
  return undefined;
}

export async function prepareModule(original: Uint8Array): Promise<PreparedModule> {
  // Validates the header and sections before binaryen sees the bytes (binaryen aborts hard on garbage).
  readWasmSummary(original);
  const binaryen = await loadBinaryen();
  const features = binaryen.Features;
  const module = binaryen.readBinary(original);
  try {
    // CompactImports would make binaryen emit an import encoding Node 20 does not know.
    module.setFeatures(features.All & ~compactImports(binaryen));
    module.runPasses(['memory64-lowering', 'table64-lowering']);
    module.setFeatures(features.All & ~compactImports(binaryen) & ~features.Memory64);

    const existingExports = new Map<string, { kind: number; value: string }>();
    for (let i = 0; i < module.getNumExports(); i++) {
      const info = binaryen.getExportInfo(module.getExportByIndex(i));
      existingExports.set(info.name, { kind: info.kind, value: info.value });
    }

    if (module.hasMemory()) {
      const memoryExport = [...existingExports.values()].find((e) => e.kind === binaryen.ExternalMemory);
      const info = module.getMemoryInfo();
      if (!info.module) module.addMemoryImport(memoryExport?.value ?? '0', MEMORY_IMPORT_MODULE, MEMORY_IMPORT_NAME);
    }

    if (module.getNumTables() > 0) {
      const table = binaryen.getTableInfo(module.getTableByIndex(0));
      module.addTableExport(table.name, TABLE_EXPORT_NAME);
    }

    const globalTypes: WasmGlobalType[] = [];
    const globalExports: string[] = [];
    for (let i = 0; i < module.getNumGlobals(); i++) {
      const info = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
      const type = globalTypeOf(binaryen, info.type);
      if (!info.mutable || info.module || !type) continue;
      const exportName = `${GLOBAL_EXPORT_PREFIX}${i}`;
      module.addGlobalExport(info.name, exportName);
      globalExports.push(exportName);
      globalTypes.push(type);
    }

    const bytes = module.emitBinary();
    return { bytes, globalExports, globalTypes, summary: readWasmSummary(bytes) };
  } finally {
    module.dispose();
  }
}
