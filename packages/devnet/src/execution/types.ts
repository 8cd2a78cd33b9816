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
  /** Cycles of the call context not accepted yet (ic0.msg_cycles_available128); 0 for ingress. */
  cyclesAvailable?: bigint;
  /** Deadline of a bounded-wait call in ns (ic0.msg_deadline); 0 for a guaranteed-response call. */
  deadlineNanos?: bigint;
  /** Whether the call context has been replied or rejected already (a callback may not respond again). */
  responded?: boolean;
}

/**
 * A callback of an inter-canister call (ic0.call_new / call_on_cleanup): an index into the
 * canister's function table and the environment value passed to it, both as the module gave them
 * (number or BigInt: memory64 modules pass i64).
 */
export interface CallbackClosure {
  fun: number | bigint;
  env: number | bigint;
}

/** A call a message performed (ic0.call_perform); the system delivers it once the message commits. */
export interface OutgoingCall {
  callee: PrincipalBytes;
  method: string;
  arg: Uint8Array;
  cycles: bigint;
  /** Seconds a bounded-wait call (ic0.call_with_best_effort_response) waits; absent: guaranteed response. */
  timeoutSeconds?: number;
  reply: CallbackClosure;
  reject: CallbackClosure;
  cleanup?: CallbackClosure;
}

/** What a committed message did to the call world besides its Wasm state. */
export interface CallEffects {
  /** Calls to deliver, in the order they were performed. */
  calls: OutgoingCall[];
  /** Cycles the message accepted from its call context (ic0.msg_cycles_accept128). */
  cyclesAccepted: bigint;
}

/** The response a callback runs for: the callee's reply or a reject (from the callee or the system). */
export type CallResponse =
  { kind: 'reply'; data: Uint8Array } | { kind: 'reject'; rejectCode: number; rejectMessage: string };

/** A response delivered to the calling canister's callback. */
export interface CallbackRequest {
  call: OutgoingCall;
  response: CallResponse;
  /** Cycles the callee did not accept, back on the caller's balance (ic0.msg_cycles_refunded128). */
  refunded: bigint;
}

/**
 * Outcome of a callback. `reply`/`reject`: the callback responded to its call context;
 * `completed`: it returned without responding; `trapped`: the reply or reject callback trapped and
 * its changes are gone; the cleanup callback (if any) ran after it and its changes are kept
 * unless it trapped too. `effects` are empty unless the callback itself committed.
 */
export type CallbackOutcome =
  | ({ kind: 'reply'; reply: Uint8Array } & CallbackCommon)
  | ({ kind: 'reject'; rejectMessage: string } & CallbackCommon)
  | ({ kind: 'completed' } & CallbackCommon)
  | ({ kind: 'trapped'; rejectCode: number; rejectMessage: string; errorCode: string } & CallbackCommon);

interface CallbackCommon {
  effects: CallEffects;
  logs: CanisterLogLine[];
  instructions: bigint;
}

/** A line the canister wrote with ic0.debug_print, or the message of a trap. */
export interface CanisterLogLine {
  timeNanos: bigint;
  content: Uint8Array;
}

/** Outcome of one message. A trap is reported as a reject with code 5 (CANISTER_ERROR). */
export type MessageOutcome =
  | { kind: 'reply'; reply: Uint8Array; logs: CanisterLogLine[]; instructions: bigint; effects?: CallEffects }
  | {
      kind: 'reject';
      rejectCode: number;
      rejectMessage: string;
      errorCode: string;
      logs: CanisterLogLine[];
      instructions: bigint;
      effects?: CallEffects;
    }
  /** An update that performed calls and has not responded yet: its call context stays open. */
  | { kind: 'pending'; logs: CanisterLogLine[]; instructions: bigint; effects: CallEffects };

/**
 * A message the system sends a canister by itself (interface spec, "Heartbeat" and "Global
 * timer"): `canister_heartbeat`, or `canister_global_timer` once the canister's timer has passed.
 */
export type SystemTask = 'global_timer' | 'heartbeat';

/**
 * Outcome of a system task: it has no caller to reply to, so it either completes or traps (a reject like an update's).
 */
export type SystemTaskOutcome =
  | { kind: 'completed'; logs: CanisterLogLine[]; instructions: bigint; effects: CallEffects }
  | Extract<MessageOutcome, { kind: 'reject' }>;

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

/** Wasm value types a mutable global may have (the snapshot interface's `globals` variants). */
export type WasmGlobalType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

/**
 * One mutable global of a snapshot. `value` is decimal text, so every type round-trips through
 * JSON: i32/i64 signed, f32/f64 as JavaScript prints the number (`-0`, `NaN`, `Infinity` included),
 * v128 unsigned.
 */
export interface WasmGlobalValue {
  type: WasmGlobalType;
  value: string;
}

/** Serialisable Wasm state of a canister: what a snapshot holds besides the chunk store. */
export interface WasmStateExport {
  /** The raw (un-gzipped, un-lowered) module bytes; empty for a canister without code. */
  module: Uint8Array;
  heap: Uint8Array;
  stableMemory: Uint8Array;
  /** The module's mutable globals with their types, in declaration order. */
  globals: WasmGlobalValue[];
  certifiedData: Uint8Array;
  /**
   * Deadline of the global timer in nanoseconds (0 = inactive). Always set by exportState; absent
   * in importState, the canister keeps its current timer (a snapshot upload that gave none).
   */
  globalTimerNanos?: string;
}

/**
 * Outcome of importState. A reject leaves the canister as it was: the module is not one the
 * engine runs (IC0505), or the globals do not match its mutable globals in number and type (IC0408).
 */
export type ImportOutcome =
  | { kind: 'imported'; metadata: CustomSectionMetadata[] }
  | { kind: 'reject'; rejectCode: number; rejectMessage: string; errorCode: string };

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
  /**
   * The system tasks due for the canister at `nowNanos`, in the order to run them: `global_timer`
   * when it exports `canister_global_timer` and its timer is set and has passed, then `heartbeat`
   * when it exports `canister_heartbeat`. Empty for a canister without code.
   */
  systemTasksDue(canisterId: PrincipalBytes, nowNanos: bigint): SystemTask[];
  /**
   * Runs a system task as one atomic message at `context.timeNanos`: its effects are kept only when
   * it returns without trapping. The global timer is deactivated before `canister_global_timer`
   * runs (the canister may set it again) and stays so when it traps. Undefined when the task is not
   * due then (nothing ran).
   */
  runSystemTask(
    canisterId: PrincipalBytes,
    task: SystemTask,
    context: MessageContext,
  ): Promise<SystemTaskOutcome | undefined>;
  /**
   * Runs the reply or reject callback of a call the canister made, as one atomic message; when it
   * traps, its changes are undone and the call's cleanup callback runs (atomic too).
   */
  callback(canisterId: PrincipalBytes, request: CallbackRequest, context: MessageContext): Promise<CallbackOutcome>;
  hasCode(canisterId: PrincipalBytes): boolean;
  /** Exported method names, so the protocol layer can tell a missing method from a trap. */
  methods(canisterId: PrincipalBytes): { updates: string[]; queries: string[]; compositeQueries: string[] };
  /** Heap + stable memory + module size in bytes, for canister_status.memory_size. */
  memorySize(canisterId: PrincipalBytes): bigint;
  certifiedData(canisterId: PrincipalBytes): Uint8Array;
  exportState(canisterId: PrincipalBytes): Promise<WasmStateExport>;
  /** Replaces the canister's code and Wasm state (load_canister_snapshot); validated like an install. */
  importState(canisterId: PrincipalBytes, state: WasmStateExport): Promise<ImportOutcome>;
  /**
   * Types of the mutable globals a snapshot of this (raw) module holds, in order; throws ExecutionError INVALID_WASM.
   */
  mutableGlobalTypes(wasm: Uint8Array): Promise<WasmGlobalType[]>;
  /** Forgets a deleted canister, including what is persisted for it. */
  remove(canisterId: PrincipalBytes): Promise<void>;
  /** Writes every changed canister to stateDir. */
  flush(canisterIds?: PrincipalBytes[]): Promise<void>;
  close(): Promise<void>;
}
