import type { IDL } from '@dfinity/candid';

/**
 * The management canister (`aaaaa-aa`) interface, from the IC interface specification's ic.did:
 * the methods soulrecall uses, written once here. Replies decode by subtyping, so fields a newer
 * replica adds are ignored and optional fields it omits decode as empty.
 */
export const managementIdlFactory: IDL.InterfaceFactory = ({ IDL }) => {
  const canisterId = IDL.Principal;
  // One variant for log, snapshot and status visibility.
  const logVisibility = IDL.Variant({
    controllers: IDL.Null,
    public: IDL.Null,
    allowed_viewers: IDL.Vec(IDL.Principal),
  });
  const environmentVariable = IDL.Record({ name: IDL.Text, value: IDL.Text });
  const canisterSettings = IDL.Record({
    controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
    compute_allocation: IDL.Opt(IDL.Nat),
    memory_allocation: IDL.Opt(IDL.Nat),
    freezing_threshold: IDL.Opt(IDL.Nat),
    reserved_cycles_limit: IDL.Opt(IDL.Nat),
    log_visibility: IDL.Opt(logVisibility),
    log_memory_limit: IDL.Opt(IDL.Nat),
    snapshot_visibility: IDL.Opt(logVisibility),
    status_visibility: IDL.Opt(logVisibility),
    minimum_incoming_canister_call_cycles: IDL.Opt(IDL.Nat),
    wasm_memory_limit: IDL.Opt(IDL.Nat),
    wasm_memory_threshold: IDL.Opt(IDL.Nat),
    environment_variables: IDL.Opt(IDL.Vec(environmentVariable)),
  });
  // Reply side: optional so older replicas (without the newest fields) still decode.
  const definiteCanisterSettings = IDL.Record({
    controllers: IDL.Vec(IDL.Principal),
    compute_allocation: IDL.Nat,
    memory_allocation: IDL.Nat,
    freezing_threshold: IDL.Nat,
    reserved_cycles_limit: IDL.Opt(IDL.Nat),
    log_visibility: IDL.Opt(logVisibility),
    wasm_memory_limit: IDL.Opt(IDL.Nat),
    wasm_memory_threshold: IDL.Opt(IDL.Nat),
  });
  const installMode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    upgrade: IDL.Opt(
      IDL.Record({
        skip_pre_upgrade: IDL.Opt(IDL.Bool),
        wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
      }),
    ),
  });
  const canisterIdRecord = IDL.Record({ canister_id: canisterId });
  const chunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
  const snapshot = IDL.Record({ id: IDL.Vec(IDL.Nat8), taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });
  const canisterStatusResult = IDL.Record({
    status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
    settings: definiteCanisterSettings,
    module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    memory_size: IDL.Nat,
    cycles: IDL.Nat,
    reserved_cycles: IDL.Opt(IDL.Nat),
    idle_cycles_burned_per_day: IDL.Opt(IDL.Nat),
    version: IDL.Opt(IDL.Nat64),
  });
  const senderVersion = IDL.Opt(IDL.Nat64);
  const snapshotGlobal = IDL.Variant({
    i32: IDL.Int32,
    i64: IDL.Int64,
    f32: IDL.Float32,
    f64: IDL.Float64,
    v128: IDL.Nat,
  });
  const globalTimer = IDL.Opt(IDL.Variant({ inactive: IDL.Null, active: IDL.Nat64 }));
  const lowMemoryHookStatus = IDL.Opt(
    IDL.Variant({ condition_not_satisfied: IDL.Null, ready: IDL.Null, executed: IDL.Null }),
  );
  const snapshotRef = { canister_id: canisterId, snapshot_id: IDL.Vec(IDL.Nat8) };
  const slice = IDL.Record({ offset: IDL.Nat64, size: IDL.Nat64 });
  const offset = IDL.Record({ offset: IDL.Nat64 });
  return IDL.Service({
    provisional_create_canister_with_cycles: IDL.Func(
      [
        IDL.Record({
          amount: IDL.Opt(IDL.Nat),
          settings: IDL.Opt(canisterSettings),
          specified_id: IDL.Opt(IDL.Principal),
          sender_canister_version: senderVersion,
        }),
      ],
      [canisterIdRecord],
      [],
    ),
    install_code: IDL.Func(
      [
        IDL.Record({
          mode: installMode,
          canister_id: canisterId,
          wasm_module: IDL.Vec(IDL.Nat8),
          arg: IDL.Vec(IDL.Nat8),
          sender_canister_version: senderVersion,
        }),
      ],
      [],
      [],
    ),
    install_chunked_code: IDL.Func(
      [
        IDL.Record({
          mode: installMode,
          target_canister: canisterId,
          store_canister: IDL.Opt(canisterId),
          chunk_hashes_list: IDL.Vec(chunkHash),
          wasm_module_hash: IDL.Vec(IDL.Nat8),
          arg: IDL.Vec(IDL.Nat8),
          sender_canister_version: senderVersion,
        }),
      ],
      [],
      [],
    ),
    upload_chunk: IDL.Func([IDL.Record({ canister_id: canisterId, chunk: IDL.Vec(IDL.Nat8) })], [chunkHash], []),
    stored_chunks: IDL.Func([canisterIdRecord], [IDL.Vec(chunkHash)], []),
    clear_chunk_store: IDL.Func([canisterIdRecord], [], []),
    uninstall_code: IDL.Func([IDL.Record({ canister_id: canisterId, sender_canister_version: senderVersion })], [], []),
    canister_status: IDL.Func([canisterIdRecord], [canisterStatusResult], []),
    start_canister: IDL.Func([canisterIdRecord], [], []),
    stop_canister: IDL.Func([canisterIdRecord], [], []),
    delete_canister: IDL.Func([canisterIdRecord], [], []),
    update_settings: IDL.Func(
      [IDL.Record({ canister_id: canisterId, settings: canisterSettings, sender_canister_version: senderVersion })],
      [],
      [],
    ),
    take_canister_snapshot: IDL.Func(
      [IDL.Record({ canister_id: canisterId, replace_snapshot: IDL.Opt(IDL.Vec(IDL.Nat8)) })],
      [snapshot],
      [],
    ),
    load_canister_snapshot: IDL.Func(
      [IDL.Record({ canister_id: canisterId, snapshot_id: IDL.Vec(IDL.Nat8), sender_canister_version: senderVersion })],
      [],
      [],
    ),
    list_canister_snapshots: IDL.Func([canisterIdRecord], [IDL.Vec(snapshot)], []),
    delete_canister_snapshot: IDL.Func(
      [IDL.Record({ canister_id: canisterId, snapshot_id: IDL.Vec(IDL.Nat8) })],
      [],
      [],
    ),
    read_canister_snapshot_metadata: IDL.Func(
      [IDL.Record(snapshotRef)],
      [
        IDL.Record({
          source: IDL.Variant({ taken_from_canister: IDL.Reserved, metadata_upload: IDL.Reserved }),
          taken_at_timestamp: IDL.Nat64,
          wasm_module_size: IDL.Nat64,
          globals: IDL.Vec(snapshotGlobal),
          wasm_memory_size: IDL.Nat64,
          stable_memory_size: IDL.Nat64,
          wasm_chunk_store: IDL.Vec(chunkHash),
          canister_version: IDL.Nat64,
          certified_data: IDL.Vec(IDL.Nat8),
          global_timer: globalTimer,
          on_low_wasm_memory_hook_status: lowMemoryHookStatus,
        }),
      ],
      [],
    ),
    read_canister_snapshot_data: IDL.Func(
      [
        IDL.Record({
          ...snapshotRef,
          kind: IDL.Variant({ wasm_module: slice, wasm_memory: slice, stable_memory: slice, wasm_chunk: chunkHash }),
        }),
      ],
      [IDL.Record({ chunk: IDL.Vec(IDL.Nat8) })],
      [],
    ),
    upload_canister_snapshot_metadata: IDL.Func(
      [
        IDL.Record({
          canister_id: canisterId,
          replace_snapshot: IDL.Opt(IDL.Vec(IDL.Nat8)),
          wasm_module_size: IDL.Nat64,
          globals: IDL.Vec(snapshotGlobal),
          wasm_memory_size: IDL.Nat64,
          stable_memory_size: IDL.Nat64,
          certified_data: IDL.Vec(IDL.Nat8),
          global_timer: globalTimer,
          on_low_wasm_memory_hook_status: lowMemoryHookStatus,
        }),
      ],
      [IDL.Record({ snapshot_id: IDL.Vec(IDL.Nat8) })],
      [],
    ),
    upload_canister_snapshot_data: IDL.Func(
      [
        IDL.Record({
          ...snapshotRef,
          kind: IDL.Variant({ wasm_module: offset, wasm_memory: offset, stable_memory: offset, wasm_chunk: IDL.Null }),
          chunk: IDL.Vec(IDL.Nat8),
        }),
      ],
      [],
      [],
    ),
    fetch_canister_logs: IDL.Func(
      [canisterIdRecord],
      [
        IDL.Record({
          canister_log_records: IDL.Vec(
            IDL.Record({ idx: IDL.Nat64, timestamp_nanos: IDL.Nat64, content: IDL.Vec(IDL.Nat8) }),
          ),
        }),
      ],
      ['query'],
    ),
  });
};
