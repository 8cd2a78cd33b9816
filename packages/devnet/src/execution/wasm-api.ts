/**
 * Typed access to the JavaScript WebAssembly API. The repository compiles with `lib: ES2023` and
 * Node's types, which declare no `WebAssembly` global; this module types the part the engine
 * uses without adding DOM typings to the whole package.
 */
export type WasmImportValue = ((...args: never[]) => unknown) | WasmMemory | WasmGlobal;
export type WasmImports = Record<string, Record<string, WasmImportValue>>;

export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmTable {
  get(index: number): unknown;
}

export interface WasmGlobal {
  value: number | bigint;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmErrorConstructor {
  new (message?: string): Error;
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  RuntimeError: WasmErrorConstructor;
  LinkError: WasmErrorConstructor;
  CompileError: WasmErrorConstructor;
}

export const Wasm: WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
