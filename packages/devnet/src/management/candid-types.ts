import { IDL } from '@dfinity/candid';

/**
 * Candid types of the management canister as the current ic.did has them (the interface spec's, and
 * ic-management-canister-types, which icp-cli decodes with: a reply missing a field fails there),
 * used on both sides of the wire.
 */

/** One variant for log, snapshot and status visibility. */
const Visibility = IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) });
export const LogVisibility = Visibility;
const EnvironmentVariable = IDL.Record({ name: IDL.Text, value: IDL.Text });

export const CanisterSettings = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
  compute_allocation: IDL.Opt(IDL.Nat),
  memory_allocation: IDL.Opt(IDL.Nat),
  freezing_threshold: IDL.Opt(IDL.Nat),
  reserved_cycles_limit: IDL.Opt(IDL.Nat),
  log_visibility: IDL.Opt(Visibility),
  log_memory_limit: IDL.Opt(IDL.Nat),
  snapshot_visibility: IDL.Opt(Visibility),
  status_visibility: IDL.Opt(Visibility),
  minimum_incoming_canister_call_cycles: IDL.Opt(IDL.Nat),
  wasm_memory_limit: IDL.Opt(IDL.Nat),
  wasm_memory_threshold: IDL.Opt(IDL.Nat),
  environment_variables: IDL.Opt(IDL.Vec(EnvironmentVariable)),
});

export const DefiniteCanisterSettings = IDL.Record({
  controllers: IDL.Vec(IDL.Principal),
  compute_allocation: IDL.Nat,
  memory_allocation: IDL.Nat,
  freezing_threshold: IDL.Nat,
  reserved_cycles_limit: IDL.Nat,
  log_visibility: Visibility,
  log_memory_limit: IDL.Nat,
  snapshot_visibility: Visibility,
  status_visibility: Visibility,
  minimum_incoming_canister_call_cycles: IDL.Nat,
  wasm_memory_limit: IDL.Nat,
  wasm_memory_threshold: IDL.Nat,
  environment_variables: IDL.Vec(EnvironmentVariable),
});

export const InstallMode = IDL.Variant({
  install: IDL.Null,
  reinstall: IDL.Null,
  upgrade: IDL.Opt(
    IDL.Record({
      skip_pre_upgrade: IDL.Opt(IDL.Bool),
      wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
    }),
  ),
});

const CanisterIdArg = IDL.Record({ canister_id: IDL.Principal });
const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
const Snapshot = IDL.Record({ id: IDL.Vec(IDL.Nat8), taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });
const CreateResult = IDL.Record({ canister_id: IDL.Principal });

const CanisterStatusResult = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
  ready_for_migration: IDL.Bool,
  version: IDL.Nat64,
  settings: DefiniteCanisterSettings,
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  memory_size: IDL.Nat,
  memory_metrics: IDL.Record({
    wasm_memory_size: IDL.Nat,
    stable_memory_size: IDL.Nat,
    global_memory_size: IDL.Nat,
    wasm_binary_size: IDL.Nat,
    custom_sections_size: IDL.Nat,
    canister_history_size: IDL.Nat,
    wasm_chunk_store_size: IDL.Nat,
    snapshots_size: IDL.Nat,
    log_memory_store_size: IDL.Nat,
  }),
  cycles: IDL.Nat,
  reserved_cycles: IDL.Nat,
  idle_cycles_burned_per_day: IDL.Nat,
  query_stats: IDL.Record({
    num_calls_total: IDL.Nat,
    num_instructions_total: IDL.Nat,
    request_payload_bytes_total: IDL.Nat,
    response_payload_bytes_total: IDL.Nat,
  }),
});

const SenderVersion = { sender_canister_version: IDL.Opt(IDL.Nat64) };

// The snapshot data interface (download and upload of snapshots).
const SnapshotGlobal = IDL.Variant({
  i32: IDL.Int32,
  i64: IDL.Int64,
  f32: IDL.Float32,
  f64: IDL.Float64,
  v128: IDL.Nat,
});
const GlobalTimer = IDL.Opt(IDL.Variant({ inactive: IDL.Null, active: IDL.Nat64 }));
const LowWasmMemoryHookStatus = IDL.Opt(
  IDL.Variant({ condition_not_satisfied: IDL.Null, ready: IDL.Null, executed: IDL.Null }),
);
const SnapshotRef = { canister_id: IDL.Principal, snapshot_id: IDL.Vec(IDL.Nat8) };
const SnapshotSlice = IDL.Record({ offset: IDL.Nat64, size: IDL.Nat64 });
const SnapshotOffset = IDL.Record({ offset: IDL.Nat64 });

const SnapshotMetadataResult = IDL.Record({
  source: IDL.Variant({ taken_from_canister: IDL.Reserved, metadata_upload: IDL.Reserved }),
  taken_at_timestamp: IDL.Nat64,
  wasm_module_size: IDL.Nat64,
  globals: IDL.Vec(SnapshotGlobal),
  wasm_memory_size: IDL.Nat64,
  stable_memory_size: IDL.Nat64,
  wasm_chunk_store: IDL.Vec(ChunkHash),
  canister_version: IDL.Nat64,
  certified_data: IDL.Vec(IDL.Nat8),
  global_timer: GlobalTimer,
  on_low_wasm_memory_hook_status: LowWasmMemoryHookStatus,
});

/** Argument and result types of each management method the devnet implements. */
export const ManagementMethods = {
  create_canister: { arg: IDL.Record({ settings: IDL.Opt(CanisterSettings), ...SenderVersion }), ret: [CreateResult] },
  provisional_create_canister_with_cycles: {
    arg: IDL.Record({
      amount: IDL.Opt(IDL.Nat),
      settings: IDL.Opt(CanisterSettings),
      specified_id: IDL.Opt(IDL.Principal),
      ...SenderVersion,
    }),
    ret: [CreateResult],
  },
  provisional_top_up_canister: { arg: IDL.Record({ canister_id: IDL.Principal, amount: IDL.Nat }), ret: [] },
  install_code: {
    arg: IDL.Record({
      mode: InstallMode,
      canister_id: IDL.Principal,
      wasm_module: IDL.Vec(IDL.Nat8),
      arg: IDL.Vec(IDL.Nat8),
      ...SenderVersion,
    }),
    ret: [],
  },
  install_chunked_code: {
    arg: IDL.Record({
      mode: InstallMode,
      target_canister: IDL.Principal,
      store_canister: IDL.Opt(IDL.Principal),
      chunk_hashes_list: IDL.Vec(ChunkHash),
      wasm_module_hash: IDL.Vec(IDL.Nat8),
      arg: IDL.Vec(IDL.Nat8),
      ...SenderVersion,
    }),
    ret: [],
  },
  uninstall_code: { arg: IDL.Record({ canister_id: IDL.Principal, ...SenderVersion }), ret: [] },
  canister_status: { arg: CanisterIdArg, ret: [CanisterStatusResult] },
  start_canister: { arg: CanisterIdArg, ret: [] },
  stop_canister: { arg: CanisterIdArg, ret: [] },
  delete_canister: { arg: CanisterIdArg, ret: [] },
  update_settings: {
    arg: IDL.Record({ canister_id: IDL.Principal, settings: CanisterSettings, ...SenderVersion }),
    ret: [],
  },
  upload_chunk: { arg: IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) }), ret: [ChunkHash] },
  stored_chunks: { arg: CanisterIdArg, ret: [IDL.Vec(ChunkHash)] },
  clear_chunk_store: { arg: CanisterIdArg, ret: [] },
  take_canister_snapshot: {
    arg: IDL.Record({ canister_id: IDL.Principal, replace_snapshot: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
    ret: [Snapshot],
  },
  load_canister_snapshot: {
    arg: IDL.Record({ canister_id: IDL.Principal, snapshot_id: IDL.Vec(IDL.Nat8), ...SenderVersion }),
    ret: [],
  },
  list_canister_snapshots: { arg: CanisterIdArg, ret: [IDL.Vec(Snapshot)] },
  delete_canister_snapshot: {
    arg: IDL.Record({ canister_id: IDL.Principal, snapshot_id: IDL.Vec(IDL.Nat8) }),
    ret: [],
  },
  read_canister_snapshot_metadata: { arg: IDL.Record(SnapshotRef), ret: [SnapshotMetadataResult] },
  read_canister_snapshot_data: {
    arg: IDL.Record({
      ...SnapshotRef,
      kind: IDL.Variant({
        wasm_module: SnapshotSlice,
        wasm_memory: SnapshotSlice,
        stable_memory: SnapshotSlice,
        wasm_chunk: ChunkHash,
      }),
    }),
    ret: [IDL.Record({ chunk: IDL.Vec(IDL.Nat8) })],
  },
  upload_canister_snapshot_metadata: {
    arg: IDL.Record({
      canister_id: IDL.Principal,
      replace_snapshot: IDL.Opt(IDL.Vec(IDL.Nat8)),
      wasm_module_size: IDL.Nat64,
      globals: IDL.Vec(SnapshotGlobal),
      wasm_memory_size: IDL.Nat64,
      stable_memory_size: IDL.Nat64,
      certified_data: IDL.Vec(IDL.Nat8),
      global_timer: GlobalTimer,
      on_low_wasm_memory_hook_status: LowWasmMemoryHookStatus,
    }),
    ret: [IDL.Record({ snapshot_id: IDL.Vec(IDL.Nat8) })],
  },
  upload_canister_snapshot_data: {
    arg: IDL.Record({
      ...SnapshotRef,
      kind: IDL.Variant({
        wasm_module: SnapshotOffset,
        wasm_memory: SnapshotOffset,
        stable_memory: SnapshotOffset,
        wasm_chunk: IDL.Null,
      }),
      chunk: IDL.Vec(IDL.Nat8),
    }),
    ret: [],
  },
  fetch_canister_logs: {
    arg: CanisterIdArg,
    ret: [
      IDL.Record({
        canister_log_records: IDL.Vec(
          IDL.Record({ idx: IDL.Nat64, timestamp_nanos: IDL.Nat64, content: IDL.Vec(IDL.Nat8) }),
        ),
      }),
    ],
  },
  raw_rand: { arg: undefined, ret: [IDL.Vec(IDL.Nat8)] },
  deposit_cycles: { arg: CanisterIdArg, ret: [] },
} as const;

export type ManagementMethodName = keyof typeof ManagementMethods;

/** Methods that change nothing: every other one persists what it changed before its reply is sent. */
export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  'canister_status',
  'stored_chunks',
  'list_canister_snapshots',
  'read_canister_snapshot_metadata',
  'read_canister_snapshot_data',
  'fetch_canister_logs',
  'raw_rand',
]);

/**
 * Methods that keep the cycles a calling canister attached (the new canister's, the target's); every other one refunds
 * them.
 */
export const CYCLES_KEEPING_METHODS: ReadonlySet<string> = new Set(['create_canister', 'deposit_cycles']);

/** Methods only canisters may call; an ingress message to them is refused like a replica does. */
export const CANISTER_ONLY_METHODS: ReadonlySet<string> = new Set(['create_canister', 'raw_rand']);

/** Methods whose argument names no canister, so any effective canister id is accepted. */
export const METHODS_WITHOUT_TARGET: ReadonlySet<string> = new Set([
  'provisional_create_canister_with_cycles',
  'create_canister',
  'raw_rand',
]);

/** An IDL factory of the management canister for Actor.createActor (tests and clients). */
export const managementIdlFactory: IDL.InterfaceFactory = ({ IDL: idl }) =>
  idl.Service(
    Object.fromEntries(
      Object.entries(ManagementMethods).map(([name, { arg, ret }]) => [
        name,
        idl.Func(arg ? [arg] : [], [...ret], name === 'fetch_canister_logs' ? ['query'] : []),
      ]),
    ),
  );
