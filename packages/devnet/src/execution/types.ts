/**
 * The contract between the devnet's protocol layer (HTTP, certificates, management canister,
 * canister bookkeeping) and its execution layer (running canister Wasm with the ic0 System API).
 *
 * The protocol layer owns everything the management canister knows about a canister (status,
 * controllers, settings, cycles, chunk store, snapshots' bookkeeping, logs, module hash,
 * metadata). The execution layer owns the Wasm state (module, heap, globals, stable memory,
 * certified data, timer) and guarantees that every message is atomic: a trap, a limit or a
 * timeout leaves that state exactly as it was before the message.
 */

/** Principal bytes of a canister or caller (not text). */
export type PrincipalBytes = Uint8Array;

export type CanisterRunStatus = 'running' | 'stopping' | 'stopped';

/** What the System API of one message may observe about the world. */
export interface MessageContext {
  /** Caller principal (the sender of the ingress message, or of install_code during install/upgrade). */
  caller: PrincipalBytes;
  /** Time of the message in nanoseconds since the epoch (constant within a message). */
  timeNanos: bigint;
  /** Cycles balance reported by ic0.canister_cycle_balance*. */
  cyclesBalance: bigint;
  /** Status reported by ic0.canister_status. */
  status: CanisterRunStatus;
  /** Controllers, for ic0.is_controller. */
  controllers: PrincipalBytes[];
  /** Certificate (CBOR) covering this canister's certified data, offered to queries through ic0.data_certificate_*. */
  dataCertificate?: Uint8Array;
  /** Subnet id bytes for ic0.subnet_self_* (optional; those calls trap without it). */
  subnetId?: PrincipalBytes;
  /** Root key (DER) for ic0.root_key_* (optional; those calls trap without it). */
  rootKey?: Uint8Array;
}

/** A line the canister wrote with ic0.debug_print, or the message of a trap. */
export interface CanisterLogLine {
  timeNanos: bigint;
  content: Uint8Array;
}

/** Outcome of one message. A trap is reported as a reject with code 5 (CANISTER_ERROR). */
export type MessageOutcome =
  | { kind: 'reply'; reply: Uint8Array; logs: CanisterLogLine[]; instructions: bigint }
  | { kind: 'reject'; rejectCode: number; rejectMessage: string; errorCode: string; logs: CanisterLogLine[]; instructions: bigint };

export type InstallMode = 'install' | 'reinstall' | 'upgrade';

export interface InstallRequest {
  canisterId: PrincipalBytes;
  mode: InstallMode;
  /** Raw Wasm bytes (the protocol layer has already gunzipped a gzipped module). */
  wasm: Uint8Array;
  arg: Uint8Array;
  skipPreUpgrade?: boolean;
  wasmMemoryPersistence?: 'keep' | 'replace';
  context: MessageContext;
}

export interface CustomSectionMetadata {
  /** Name without the `icp:public ` / `icp:private ` prefix, e.g. `candid:service`. */
  name: string;
  visibility: 'public' | 'private';
  content: Uint8Array;
}

export type InstallOutcome =
  | { kind: 'installed'; metadata: CustomSectionMetadata[]; logs: CanisterLogLine[] }
  | { kind: 'reject'; rejectCode: number; rejectMessage: string; errorCode: string; logs: CanisterLogLine[] };

/** Opaque, serialisable Wasm state of a canister: what a snapshot holds besides the chunk store. */
export interface WasmStateExport {
  /** The raw (un-gzipped, un-lowered) module bytes; empty for a canister without code. */
  module: Uint8Array;
  heap: Uint8Array;
  stableMemory: Uint8Array;
  /** Values of the module's mutable globals, in declaration order (i64 as decimal strings). */
  globals: string[];
  certifiedData: Uint8Array;
  globalTimerNanos: string;
}

export interface ExecutionEngineOptions {
  /** Where the engine persists each canister's Wasm state (survives stop/start). */
  stateDir: string;
  /** Wall-clock limit of one message; past it the message traps and the canister is left as before. */
  messageTimeLimitMs: number;
}

export interface ExecutionEngine {
  install(request: InstallRequest): Promise<InstallOutcome>;
  /** Removes code and all Wasm state (uninstall_code). */
  uninstall(canisterId: PrincipalBytes): Promise<void>;
  /** Runs an update method; effects are kept only when it replies or rejects without trapping. */
  update(canisterId: PrincipalBytes, method: string, arg: Uint8Array, context: MessageContext): Promise<MessageOutcome>;
  /** Runs a query method; its effects are always discarded. */
  query(canisterId: PrincipalBytes, method: string, arg: Uint8Array, context: MessageContext): Promise<MessageOutcome>;
  hasCode(canisterId: PrincipalBytes): boolean;
  /** Exported method names, so the protocol layer can tell a missing method from a trap. */
  methods(canisterId: PrincipalBytes): { updates: string[]; queries: string[]; compositeQueries: string[] };
  /** Heap + stable memory + module size in bytes, for canister_status.memory_size. */
  memorySize(canisterId: PrincipalBytes): bigint;
  certifiedData(canisterId: PrincipalBytes): Uint8Array;
  exportState(canisterId: PrincipalBytes): Promise<WasmStateExport>;
  importState(canisterId: PrincipalBytes, state: WasmStateExport): Promise<void>;
  /** Forgets a deleted canister, including what is persisted for it. */
  remove(canisterId: PrincipalBytes): Promise<void>;
  /** Writes every changed canister to stateDir. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
