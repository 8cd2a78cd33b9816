/**
 * The ExecutionEngine: serialises every operation on one queue, keeps each canister's committed
 * Wasm state on the main thread (so the worker can be replaced at any time), runs messages in
 * the execution worker and persists state to stateDir.
 */
import { sha256Hex } from '../bytes.js';
import * as fs from 'node:fs';
import type { CommittedWasmState } from './canister-runtime.js';
import { ExecutionError, isFailure, rejectFor, trapLogLine, type Failure } from './errors.js';
import { prepareModule } from './module-preparation.js';
import { checkUpgradeOptions, metadataOf, methodsOf, systemTasksOf } from './module-rules.js';
import { sharedCopy } from './stable-memory.js';
import { emptyCommitted, globalsMatch, sizeFailure, typedGlobals } from './state-transfer.js';
import { imageOf, type PersistedImage } from './state-log.js';
import { WasmStateStore } from './state-store.js';
import { unsupportedImports } from './system-api.js';
import type {
  CallbackOutcome,
  CallbackRequest,
  CallEffects,
  CanisterLogLine,
  ExecutionEngine,
  ExecutionEngineOptions,
  ImportOutcome,
  InstallOutcome,
  InstallRequest,
  MessageContext,
  MessageOutcome,
  PrincipalBytes,
  SystemTask,
  SystemTaskOutcome,
  WasmGlobalType,
  WasmStateExport,
} from './types.js';
import { Wasm } from './wasm-api.js';
import { readWasmSummary, type WasmModuleSummary } from './wasm-binary.js';
import { ExecutionWorkerHost, type WorkerRequestBody } from './worker-host.js';
import type { CanisterSnapshotWire, PreparedModuleWire, WorkerResponse } from './worker-protocol.js';

const CANISTER_REJECT = 4;
const NO_EFFECTS: CallEffects = { calls: [], cyclesAccepted: 0n };

interface InstalledModule {
  original: Uint8Array;
  sha256: string;
  summary: WasmModuleSummary;
}

interface CanisterRecord {
  key: string;
  canisterId: Uint8Array;
  module?: InstalledModule;
  committed?: CommittedWasmState;
  /** Worker generation holding this canister's current instance; anything else means "send the snapshot". */
  loadedGeneration: number;
  dirty: boolean;
  /** What its files on disk hold (with every write queued for it), to persist only what changed. */
  persisted?: PersistedImage;
}

type Done = Extract<WorkerResponse, { kind: 'done' }>;

function keyOf(canisterId: PrincipalBytes): string {
  return Buffer.from(canisterId).toString('hex');
}

/**
 * A copy that owns its buffer: posting a view (e.g. a Buffer slice of an HTTP body) to the
 * worker would clone the whole underlying ArrayBuffer.
 */
function tight(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** Prepared modules by sha256 of the original; content-addressed, so shared by every engine in the process. */
const preparedModules = new Map<string, PreparedModuleWire>();

class Engine implements ExecutionEngine {
  private readonly records = new Map<string, CanisterRecord>();
  private readonly store: WasmStateStore;
  private readonly worker = new ExecutionWorkerHost();
  private queue: Promise<unknown> = Promise.resolve();
  /** Canisters not loaded whose persisted module has no system task (see recordWithSystemTasks). */
  private readonly withoutSystemTasks = new Set<string>();
  /** One chain of disk writes per canister, so a durable flush of one never waits for another's. */
  private readonly diskWrites = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: ExecutionEngineOptions) {
    this.store = new WasmStateStore(options.stateDir);
  }

  /** Runs `task` after every earlier operation: the worker executes one message at a time. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ExecutionError('ENGINE_CLOSED', 'The execution engine is closed.'));
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private record(canisterId: PrincipalBytes): CanisterRecord {
    const key = keyOf(canisterId);
    let record = this.records.get(key);
    if (!record) {
      record = { key, canisterId: new Uint8Array(canisterId), loadedGeneration: -1, dirty: false };
      const stored = this.store.load(key);
      if (stored && stored.module.length > 0) {
        // A tight copy: `stored.module` is a view into the whole state file (heap and stable memory too).
        record.module = {
          original: new Uint8Array(stored.module),
          sha256: stored.moduleSha256,
          summary: readWasmSummary(stored.module),
        };
        record.committed = {
          heap: sharedCopy(stored.heap),
          stable: sharedCopy(stored.stable),
          globals: stored.globals,
          certifiedData: stored.certifiedData,
          globalTimerNanos: stored.globalTimerNanos,
        };
        record.persisted = { ...imageOf(stored, stored.moduleSha256, stored.generation), logBytes: stored.logBytes };
      }
      this.records.set(key, record);
    }
    return record;
  }

  private async preparedModule(module: InstalledModule): Promise<PreparedModuleWire> {
    const cached = preparedModules.get(module.sha256);
    if (cached) return cached;
    let wire: PreparedModuleWire;
    const stored = this.store.loadPrepared(module.sha256);
    if (stored) {
      wire = { sha256: module.sha256, ...stored, summary: readWasmSummary(stored.bytes) };
    } else {
      // On the main thread: binaryen is loaded once per process (it is big), and preparing
      // takes ~100 ms for a Motoko module, once per module thanks to the caches.
      wire = { sha256: module.sha256, ...(await prepareModule(module.original)) };
      await this.store.savePrepared(module.sha256, wire.bytes, wire);
    }
    preparedModules.set(module.sha256, wire);
    return wire;
  }

  /**
   * A module the engine can run, prepared, or the invalid-module failure an install or a snapshot
   * load rejects with (the replica's IC0505).
   */
  private async checkedModule(
    wasm: Uint8Array,
  ): Promise<{ module: InstalledModule; prepared: PreparedModuleWire } | Failure> {
    try {
      const summary = readWasmSummary(wasm);
      const badImports = unsupportedImports(summary);
      if (badImports.length > 0)
        return { kind: 'invalid-module', message: `Wasm module has an invalid import section. ${badImports[0]}` };
      const module: InstalledModule = { original: new Uint8Array(wasm), sha256: sha256Hex(wasm), summary };
      const prepared = await this.preparedModule(module);
      // The worker compiles lazily; a snapshot load must not accept a module that would never run.
      if (!Wasm.validate(prepared.bytes)) return { kind: 'invalid-module', message: 'Wasm module failed validation.' };
      return { module, prepared };
    } catch (error) {
      return { kind: 'invalid-module', message: (error as Error).message };
    }
  }

  /** The snapshot to send when the current worker does not hold this canister (null: no code). */
  private async snapshotFor(record: CanisterRecord): Promise<CanisterSnapshotWire | null | undefined> {
    if (record.loadedGeneration === this.worker.generation) return undefined;
    if (!record.module || !record.committed) return null;
    return { module: await this.preparedModule(record.module), committed: record.committed };
  }

  /** Sends a canister request; a timeout or crash becomes a failure and forgets the worker's copy. */
  private async run(record: CanisterRecord, body: WorkerRequestBody): Promise<Done> {
    let result;
    try {
      result = await this.worker.request(body, this.options.messageTimeLimitMs);
    } catch (error) {
      record.loadedGeneration = -1;
      return lostMessage({ kind: 'wasm-trap', message: (error as Error).message });
    }
    if (result.kind === 'timeout') {
      record.loadedGeneration = -1;
      return lostMessage({ kind: 'time-limit', limitMs: this.options.messageTimeLimitMs });
    }
    if (result.kind !== 'done') {
      record.loadedGeneration = -1;
      throw new ExecutionError(
        'WORKER_FAILED',
        result.kind === 'error' ? result.message : 'Unexpected worker response.',
      );
    }
    record.loadedGeneration = result.instanceLost ? -1 : this.worker.generation;
    return result;
  }

  private failureLogs(logs: CanisterLogLine[], failure: Failure, context: MessageContext): CanisterLogLine[] {
    // The worker adds the trap line itself; a time limit is only known here.
    if (failure.kind !== 'time-limit') return logs;
    const line = trapLogLine(context.timeNanos, failure);
    return line ? [...logs, line] : logs;
  }

  install(request: InstallRequest): Promise<InstallOutcome> {
    return this.serial(async () => {
      const record = this.record(request.canisterId);
      const reject = (failure: Failure, logs: CanisterLogLine[] = []): InstallOutcome => ({
        kind: 'reject',
        ...rejectFor(request.canisterId, failure),
        logs: this.failureLogs(logs, failure, request.context),
      });

      const checked = await this.checkedModule(request.wasm);
      if (isFailure(checked)) return reject(checked);
      const { module, prepared } = checked;
      if (request.mode === 'upgrade') {
        if (!record.module) return reject({ kind: 'no-code' });
        const violation = checkUpgradeOptions(record.module.summary, module.summary, request.wasmMemoryPersistence);
        if (violation) return reject(violation);
      }
      const done = await this.run(record, {
        op: 'install',
        canisterId: record.canisterId,
        canisterKey: record.key,
        snapshot: await this.snapshotFor(record),
        mode: request.mode,
        module: prepared,
        arg: tight(request.arg),
        skipPreUpgrade: request.skipPreUpgrade ?? false,
        keepMemory: request.wasmMemoryPersistence === 'keep',
        context: request.context,
      });
      if (done.failure || !done.committed)
        return reject(done.failure ?? { kind: 'wasm-trap', message: 'the installation was abandoned' }, done.logs);
      record.module = module;
      record.committed = done.committed;
      record.dirty = true;
      return { kind: 'installed', metadata: metadataOf(module.summary), logs: done.logs };
    });
  }

  private message(
    op: 'update' | 'query',
    canisterId: PrincipalBytes,
    method: string,
    arg: Uint8Array,
    context: MessageContext,
  ): Promise<MessageOutcome> {
    return this.serial(async () => {
      const record = this.record(canisterId);
      const reject = (failure: Failure, logs: CanisterLogLine[] = [], instructions = 0n): MessageOutcome => ({
        kind: 'reject',
        ...rejectFor(canisterId, failure),
        logs: this.failureLogs(logs, failure, context),
        instructions,
      });
      if (!record.module) return reject({ kind: 'no-code' });
      const methods = methodsOf(record.module.summary);
      const known =
        op === 'update'
          ? methods.updates.includes(method)
          : methods.queries.includes(method) || methods.compositeQueries.includes(method);
      if (!known) return reject({ kind: 'no-method', method, methodKind: op });

      const done = await this.run(record, {
        op,
        canisterId: record.canisterId,
        canisterKey: record.key,
        snapshot: await this.snapshotFor(record),
        method,
        arg: tight(arg),
        context,
      });
      if (done.failure) return reject(done.failure, done.logs, done.instructions);
      this.adoptCommitted(record, done);
      const effects = done.effects ?? NO_EFFECTS;
      if (done.reply)
        return { kind: 'reply', reply: done.reply, logs: done.logs, instructions: done.instructions, effects };
      if (done.rejectMessage === undefined)
        return { kind: 'pending', logs: done.logs, instructions: done.instructions, effects };
      return {
        kind: 'reject',
        rejectCode: CANISTER_REJECT,
        rejectMessage: done.rejectMessage,
        errorCode: 'IC0406',
        logs: done.logs,
        instructions: done.instructions,
        effects,
      };
    });
  }

  systemTasksDue(canisterId: PrincipalBytes, nowNanos: bigint): SystemTask[] {
    const record = this.records.get(keyOf(canisterId)) ?? this.recordWithSystemTasks(canisterId);
    if (!record?.module || !record.committed) return [];
    const timer = record.committed.globalTimerNanos;
    return systemTasksOf(record.module.summary).filter(
      (task) => task === 'heartbeat' || (timer !== 0n && nowNanos >= timer),
    );
  }

  /**
   * The record of a canister not loaded yet, if its module has a system task: the scheduler asks
   * about every canister after a restart, and one that can have no task need not be loaded.
   */
  private recordWithSystemTasks(canisterId: PrincipalBytes): CanisterRecord | undefined {
    const key = keyOf(canisterId);
    if (this.withoutSystemTasks.has(key)) return undefined;
    const module = this.store.peekModule(key);
    if (module && systemTasksOf(readWasmSummary(module)).length > 0) return this.record(canisterId);
    this.withoutSystemTasks.add(key);
    return undefined;
  }

  runSystemTask(
    canisterId: PrincipalBytes,
    task: SystemTask,
    context: MessageContext,
  ): Promise<SystemTaskOutcome | undefined> {
    return this.serial(async (): Promise<SystemTaskOutcome | undefined> => {
      if (!this.systemTasksDue(canisterId, context.timeNanos).includes(task)) return undefined;
      const record = this.record(canisterId);
      if (task === 'global_timer') {
        // Deactivated once scheduled, whatever the execution does: a trapping timer is not retried.
        record.committed = { ...record.committed!, globalTimerNanos: 0n };
        record.dirty = true;
      }
      const done = await this.run(record, {
        op: 'system-task',
        canisterId: record.canisterId,
        canisterKey: record.key,
        snapshot: await this.snapshotFor(record),
        task,
        context,
      });
      if (done.failure)
        return {
          kind: 'reject',
          ...rejectFor(canisterId, done.failure),
          logs: this.failureLogs(done.logs, done.failure, context),
          instructions: done.instructions,
        };
      this.adoptCommitted(record, done);
      return {
        kind: 'completed',
        logs: done.logs,
        instructions: done.instructions,
        effects: done.effects ?? NO_EFFECTS,
      };
    });
  }

  callback(canisterId: PrincipalBytes, request: CallbackRequest, context: MessageContext): Promise<CallbackOutcome> {
    return this.serial(async (): Promise<CallbackOutcome> => {
      const record = this.record(canisterId);
      if (!record.module) {
        const failure: Failure = { kind: 'no-code' };
        return { kind: 'trapped', ...rejectFor(canisterId, failure), effects: NO_EFFECTS, logs: [], instructions: 0n };
      }
      const target = { canisterId: record.canisterId, canisterKey: record.key, callback: request, context };
      const done = await this.run(record, { op: 'callback', ...target, snapshot: await this.snapshotFor(record) });
      let logs = done.failure ? this.failureLogs(done.logs, done.failure, context) : done.logs;
      let cleaned: Done | undefined;
      if (done.failure && !done.committed && record.loadedGeneration === -1 && request.call.cleanup) {
        // The worker was stopped at the time limit (or lost the canister) before the cleanup could
        // run. The spec runs it after any trap, resource limits included: Motoko frees its callback
        // table entry there, and an entry left makes every later upgrade refuse.
        cleaned = await this.run(record, { op: 'cleanup', ...target, snapshot: await this.snapshotFor(record) });
        logs = [
          ...logs,
          ...(cleaned.failure ? this.failureLogs(cleaned.logs, cleaned.failure, context) : cleaned.logs),
        ];
      }
      // A trapped callback may still have committed: its cleanup callback's changes.
      const kept = cleaned ?? done;
      this.adoptCommitted(record, kept);
      const common = {
        effects: kept.effects ?? NO_EFFECTS,
        logs,
        instructions: done.instructions + (cleaned?.instructions ?? 0n),
      };
      if (done.failure) return { kind: 'trapped', ...rejectFor(canisterId, done.failure), ...common };
      if (done.reply) return { kind: 'reply', reply: done.reply, ...common };
      if (done.rejectMessage !== undefined) return { kind: 'reject', rejectMessage: done.rejectMessage, ...common };
      return { kind: 'completed', ...common };
    });
  }

  private adoptCommitted(record: CanisterRecord, done: Done): void {
    if (!done.committed) return;
    record.committed = done.committed;
    record.dirty = true;
  }

  update(
    canisterId: PrincipalBytes,
    method: string,
    arg: Uint8Array,
    context: MessageContext,
  ): Promise<MessageOutcome> {
    return this.message('update', canisterId, method, arg, context);
  }

  query(canisterId: PrincipalBytes, method: string, arg: Uint8Array, context: MessageContext): Promise<MessageOutcome> {
    return this.message('query', canisterId, method, arg, context);
  }

  private async evict(record: CanisterRecord): Promise<void> {
    if (record.loadedGeneration === this.worker.generation) {
      await this.worker.request({ op: 'evict', canisterId: record.canisterId, canisterKey: record.key }, undefined);
    }
    record.loadedGeneration = -1;
  }

  uninstall(canisterId: PrincipalBytes): Promise<void> {
    return this.serial(async () => {
      const record = this.record(canisterId);
      await this.evict(record);
      record.module = undefined;
      record.committed = undefined;
      record.dirty = true;
    });
  }

  hasCode(canisterId: PrincipalBytes): boolean {
    return this.record(canisterId).module !== undefined;
  }

  methods(canisterId: PrincipalBytes): { updates: string[]; queries: string[]; compositeQueries: string[] } {
    const module = this.record(canisterId).module;
    return module ? methodsOf(module.summary) : { updates: [], queries: [], compositeQueries: [] };
  }

  memorySize(canisterId: PrincipalBytes): bigint {
    const record = this.record(canisterId);
    if (!record.module || !record.committed) return 0n;
    return BigInt(record.committed.heap.length + record.committed.stable.length + record.module.original.length);
  }

  certifiedData(canisterId: PrincipalBytes): Uint8Array {
    return new Uint8Array(this.record(canisterId).committed?.certifiedData ?? new Uint8Array(0));
  }

  exportState(canisterId: PrincipalBytes): Promise<WasmStateExport> {
    return this.serial(async () => {
      const record = this.record(canisterId);
      const committed = record.committed ?? emptyCommitted();
      const types = record.module ? (await this.preparedModule(record.module)).globalTypes : [];
      return {
        module: new Uint8Array(record.module?.original ?? new Uint8Array(0)),
        heap: new Uint8Array(committed.heap),
        stableMemory: new Uint8Array(committed.stable),
        globals: typedGlobals(types, committed.globals),
        certifiedData: new Uint8Array(committed.certifiedData),
        globalTimerNanos: committed.globalTimerNanos.toString(),
      };
    });
  }

  importState(canisterId: PrincipalBytes, state: WasmStateExport): Promise<ImportOutcome> {
    return this.serial(async (): Promise<ImportOutcome> => {
      const record = this.record(canisterId);
      if (state.module.length === 0) {
        await this.evict(record);
        record.module = undefined;
        record.committed = undefined;
        record.dirty = true;
        return { kind: 'imported', metadata: [] };
      }
      const reject = (failure: Failure): ImportOutcome => ({ kind: 'reject', ...rejectFor(canisterId, failure) });
      const checked = await this.checkedModule(state.module);
      if (isFailure(checked)) return reject(checked);
      if (!globalsMatch(checked.prepared.globalTypes, state.globals)) return reject({ kind: 'globals-mismatch' });
      const tooLarge = sizeFailure(state.heap.length, state.stableMemory.length);
      if (tooLarge) return reject(tooLarge);
      await this.evict(record);
      const timer =
        state.globalTimerNanos === undefined
          ? (record.committed?.globalTimerNanos ?? 0n)
          : BigInt(state.globalTimerNanos);
      record.module = checked.module;
      record.committed = {
        heap: sharedCopy(state.heap),
        stable: sharedCopy(state.stableMemory),
        globals: state.globals.map((global) => global.value),
        certifiedData: new Uint8Array(state.certifiedData),
        globalTimerNanos: timer,
      };
      record.dirty = true;
      return { kind: 'imported', metadata: metadataOf(checked.module.summary) };
    });
  }

  async mutableGlobalTypes(wasm: Uint8Array): Promise<WasmGlobalType[]> {
    const checked = await this.checkedModule(wasm);
    if (isFailure(checked))
      throw new ExecutionError(
        'INVALID_WASM',
        checked.kind === 'invalid-module' ? checked.message : 'Invalid Wasm module.',
      );
    return checked.prepared.globalTypes;
  }

  remove(canisterId: PrincipalBytes): Promise<void> {
    return this.serial(async () => {
      const record = this.record(canisterId);
      await this.evict(record);
      this.records.delete(record.key);
      this.withoutSystemTasks.delete(record.key);
      await this.writeToDisk(record.key, () => this.store.remove(record.key));
    });
  }

  /** A canister's disk writes run in order on their own chain, so messages need not wait for fsync. */
  private writeToDisk(key: string, task: () => Promise<void>): Promise<void> {
    const run = (this.diskWrites.get(key) ?? Promise.resolve()).then(task);
    const settled = run.catch(() => undefined);
    this.diskWrites.set(key, settled);
    void settled.then(() => {
      if (this.diskWrites.get(key) === settled) this.diskWrites.delete(key);
    });
    return run;
  }

  /**
   * Writes what changed, durably: for every changed canister, or only `canisterIds` (a message
   * or a management call persists what it changed before its reply, without waiting for the
   * writes of other canisters).
   */
  async flush(canisterIds?: PrincipalBytes[]): Promise<void> {
    const only = canisterIds ? new Set(canisterIds.map(keyOf)) : undefined;
    const writes = await this.serial(async () => {
      const pending: Array<{ key: string; write: () => Promise<void> }> = [];
      for (const record of this.records.values()) {
        if (!record.dirty || (only && !only.has(record.key))) continue;
        record.dirty = false;
        const plan = this.store.planWrite(record.key, record.module, record.committed, record.persisted);
        record.persisted = plan.image;
        if (plan.write) pending.push({ key: record.key, write: plan.write });
      }
      return pending;
    });
    await Promise.all(writes.map(({ key, write }) => this.writeToDisk(key, write)));
    // Writes queued earlier (by a background flush) are done too: for these canisters, or all.
    await Promise.all(only ? [...only].map((key) => this.diskWrites.get(key)) : [...this.diskWrites.values()]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.worker.terminate();
  }
}

export async function createExecutionEngine(options: ExecutionEngineOptions): Promise<ExecutionEngine> {
  await fs.promises.mkdir(options.stateDir, { recursive: true });
  return new Engine(options);
}

/** A message the worker did not finish (it crashed or ran past the time limit): nothing it did is kept. */
function lostMessage(failure: Failure): Done {
  return { requestId: 0, kind: 'done', logs: [], instructions: 0n, failure };
}
