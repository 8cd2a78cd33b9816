/**
 * The execution worker: holds every canister's live instance and runs one request at a time.
 * The main thread may terminate it at any moment (time limit); it then rebuilds instances from
 * the committed state it holds, which this worker only writes in the COMMITTING phase.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CanisterRuntime, type CommittedWasmState, type LoadedModule } from './canister-runtime.js';
import { ExecutionError, isFailure, type Failure, trapLogLine } from './errors.js';
import { StableMemory } from './stable-memory.js';
import type { CallbackRequest, CanisterLogLine, MessageContext } from './types.js';
import { Wasm, type WasmMemory, type WasmModule } from './wasm-api.js';
import {
  frameEffects,
  frameOutcome,
  PHASE_COMMITTING,
  PHASE_EXECUTING,
  PHASE_IDLE,
  type CanisterSnapshotWire,
  type PreparedModuleWire,
  type WorkerRequest,
  type WorkerResponse,
} from './worker-protocol.js';

const shared = workerData as { control: SharedArrayBuffer; started: SharedArrayBuffer };
const control = new Int32Array(shared.control);
const started = new BigInt64Array(shared.started);
const runtimes = new Map<string, CanisterRuntime>();
const compiledModules = new Map<string, WasmModule>();

type Done = Extract<WorkerResponse, { kind: 'done' }>;
type DoneFields = Omit<Done, 'requestId' | 'kind'>;

function loadModule(wire: PreparedModuleWire): LoadedModule | Failure {
  let compiled = compiledModules.get(wire.sha256);
  if (!compiled) {
    try {
      compiled = new Wasm.Module(wire.bytes);
    } catch (error) {
      return { kind: 'invalid-module', message: error instanceof Error ? error.message : String(error) };
    }
    compiledModules.set(wire.sha256, compiled);
  }
  return {
    sha256: wire.sha256,
    compiled,
    prepared: {
      bytes: wire.bytes,
      globalExports: wire.globalExports,
      globalTypes: wire.globalTypes,
      summary: wire.summary,
    },
  };
}

function adoptSnapshot(
  canisterId: Uint8Array,
  key: string,
  snapshot: CanisterSnapshotWire | null | undefined,
  context: MessageContext,
): Failure | undefined {
  if (snapshot === undefined) return undefined;
  runtimes.delete(key);
  if (snapshot === null) return undefined;
  const module = loadModule(snapshot.module);
  if (isFailure(module)) return module;
  const runtime = CanisterRuntime.restore(canisterId, module, snapshot.committed, context);
  if (isFailure(runtime)) return runtime;
  runtimes.set(key, runtime);
  return undefined;
}

/** The runtime a message runs on, after adopting the snapshot it brings; a failure when there is nothing to run. */
function adoptedRuntime(request: Extract<WorkerRequest, { context: MessageContext }>): CanisterRuntime | Failure {
  const { canisterId, canisterKey, context } = request;
  const restoreFailure = adoptSnapshot(canisterId, canisterKey, request.snapshot, context);
  if (restoreFailure) return restoreFailure;
  return runtimes.get(canisterKey) ?? { kind: 'no-code' };
}

/** Commits unless the main thread has abandoned this message (it is about to terminate us). */
function commit(runtime: CanisterRuntime): CommittedWasmState | undefined {
  if (Atomics.compareExchange(control, 0, PHASE_EXECUTING, PHASE_COMMITTING) !== PHASE_EXECUTING) return undefined;
  return runtime.commit();
}

function withTrapLog(logs: CanisterLogLine[], failure: Failure | undefined, timeNanos: bigint): CanisterLogLine[] {
  const line = failure ? trapLogLine(timeNanos, failure) : undefined;
  return line ? [...logs, line] : logs;
}

type MessageRequest = Extract<WorkerRequest, { op: 'update' | 'query' | 'system-task' }>;

/** The export a message runs: a method, or the system task's own entry point. */
function exportFor(request: MessageRequest, runtime: CanisterRuntime): string {
  if (request.op === 'system-task') return `canister_${request.task}`;
  if (request.op === 'update') return `canister_update ${request.method}`;
  return runtime.hasExport(`canister_query ${request.method}`)
    ? `canister_query ${request.method}`
    : `canister_composite_query ${request.method}`;
}

function runMessage(request: MessageRequest): DoneFields {
  const { canisterKey, context, op } = request;
  const runtime = adoptedRuntime(request);
  if (isFailure(runtime)) return { logs: [], instructions: 0n, failure: runtime };

  const method = op === 'system-task' ? '' : request.method;
  const exportName = exportFor(request, runtime);
  if (!runtime.hasExport(exportName)) {
    return {
      logs: [],
      instructions: 0n,
      failure: { kind: 'no-method', method, methodKind: op === 'query' ? 'query' : 'update' },
    };
  }
  // Deactivated when scheduled (the engine did the same to its committed copy), so a trap keeps it off.
  if (op === 'system-task' && request.task === 'global_timer') runtime.deactivateGlobalTimer();
  const entry = op === 'system-task' ? request.task : op;
  const { frame, failure } = runtime.execute(
    entry,
    exportName,
    method,
    op === 'system-task' ? new Uint8Array(0) : request.arg,
    context,
  );
  const instructions = process.hrtime.bigint() - frame.startedAt;
  const logs = withTrapLog(frame.logs, failure, context.timeNanos);
  const replicated = op !== 'query';
  if (replicated && !failure) {
    const committed = commit(runtime);
    return { logs, instructions, committed, effects: frameEffects(frame), ...frameOutcome(frame) };
  }
  const next = runtime.rollback(replicated, context);
  if (isFailure(next)) runtimes.delete(canisterKey);
  else runtimes.set(canisterKey, next);
  return { logs, instructions, failure, ...(failure ? {} : frameOutcome(frame)) };
}

/** Undoes a failed message on `runtime`; returns the runtime to go on with, if it could be rebuilt. */
function rolledBack(runtime: CanisterRuntime, key: string, context: MessageContext): CanisterRuntime | undefined {
  const next = runtime.rollback(true, context);
  if (isFailure(next)) {
    runtimes.delete(key);
    return undefined;
  }
  runtimes.set(key, next);
  return next;
}

/**
 * A reply or reject callback, one atomic message. When it traps its changes are undone and the
 * call's cleanup callback runs as a message of its own, whose changes are kept unless it traps.
 */
function runCallback(request: Extract<WorkerRequest, { op: 'callback' }>): DoneFields {
  const { canisterKey, context, callback } = request;
  const runtime = adoptedRuntime(request);
  if (isFailure(runtime)) return { logs: [], instructions: 0n, failure: runtime };
  const entry = callback.response.kind === 'reply' ? 'reply_callback' : 'reject_callback';
  const { frame, failure } = runtime.executeCallback(
    entry,
    callback.response.kind === 'reply' ? callback.call.reply : callback.call.reject,
    callback,
    context,
  );
  const logs = withTrapLog(frame.logs, failure, context.timeNanos);
  if (!failure) {
    const committed = commit(runtime);
    return {
      logs,
      instructions: process.hrtime.bigint() - frame.startedAt,
      committed,
      effects: frameEffects(frame),
      ...frameOutcome(frame),
    };
  }
  const next = rolledBack(runtime, canisterKey, context);
  const instructions = () => process.hrtime.bigint() - frame.startedAt;
  if (!next || !callback.call.cleanup) return { logs, instructions: instructions(), failure };
  const cleaned = cleanUp(next, canisterKey, callback, context);
  return { ...cleaned, logs: [...logs, ...cleaned.logs], instructions: instructions(), failure };
}

/** The call's cleanup callback as a message of its own: kept unless it traps. */
function cleanUp(
  runtime: CanisterRuntime,
  canisterKey: string,
  callback: CallbackRequest,
  context: MessageContext,
): DoneFields {
  const { frame, failure } = runtime.executeCallback('cleanup', callback.call.cleanup!, callback, context);
  const logs = withTrapLog(frame.logs, failure, context.timeNanos);
  const instructions = process.hrtime.bigint() - frame.startedAt;
  if (failure) {
    rolledBack(runtime, canisterKey, context);
    return { logs, instructions, failure };
  }
  return { logs, instructions, committed: commit(runtime), effects: frameEffects(frame) };
}

/** A cleanup callback alone, for a reply or reject callback the engine stopped at the time limit. */
function runCleanup(request: Extract<WorkerRequest, { op: 'cleanup' }>): DoneFields {
  const { canisterKey, context, callback } = request;
  const runtime = adoptedRuntime(request);
  if (isFailure(runtime)) return { logs: [], instructions: 0n, failure: runtime };
  return cleanUp(runtime, canisterKey, callback, context);
}

function runInstall(request: Extract<WorkerRequest, { op: 'install' }>): DoneFields {
  const { canisterId, canisterKey, context, mode } = request;
  const restoreFailure = adoptSnapshot(canisterId, canisterKey, request.snapshot, context);
  if (restoreFailure && mode === 'upgrade') return { logs: [], instructions: 0n, failure: restoreFailure };
  const module = loadModule(request.module);
  if (isFailure(module)) return { logs: [], instructions: 0n, failure: module };
  const started = process.hrtime.bigint();
  const logs: CanisterLogLine[] = [];
  const old = runtimes.get(canisterKey);
  const fail = (failure: Failure): DoneFields => {
    if (old) {
      const restored = old.rollback(true, context);
      if (isFailure(restored)) runtimes.delete(canisterKey);
      else runtimes.set(canisterKey, restored);
    }
    return {
      logs: withTrapLog(logs, failure, context.timeNanos),
      instructions: process.hrtime.bigint() - started,
      failure,
    };
  };

  let memory: WasmMemory | undefined;
  let stable: StableMemory;
  let certifiedData: Uint8Array = new Uint8Array(0);
  if (mode === 'upgrade') {
    if (!old) return fail({ kind: 'no-code' });
    if (!request.skipPreUpgrade && old.hasExport('canister_pre_upgrade')) {
      const { frame, failure } = old.execute('pre_upgrade', 'canister_pre_upgrade', '', new Uint8Array(0), context);
      logs.push(...frame.logs);
      if (failure) return fail(failure);
    }
    memory = request.keepMemory ? old.copyOfMemory(module) : CanisterRuntime.freshMemory(module);
    stable = old.state.stable;
    certifiedData = old.state.certifiedData;
  } else {
    memory = CanisterRuntime.freshMemory(module);
    stable = new StableMemory();
  }

  const created = CanisterRuntime.create(canisterId, module, { memory, stable, certifiedData }, context);
  if (isFailure(created)) return fail(created);
  const entry = mode === 'upgrade' ? 'post_upgrade' : 'init';
  if (created.hasExport(`canister_${entry}`)) {
    const { frame, failure } = created.execute(entry, `canister_${entry}`, '', request.arg, context);
    logs.push(...frame.logs);
    if (failure) return fail(failure);
  }
  const committed = commit(created);
  if (committed) runtimes.set(canisterKey, created);
  return { logs, instructions: process.hrtime.bigint() - started, committed };
}

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  if (request.op === 'evict') {
    runtimes.delete(request.canisterKey);
    return { requestId: request.requestId, kind: 'done', logs: [], instructions: 0n };
  }
  Atomics.store(started, 1, BigInt(Date.now()));
  Atomics.store(started, 0, BigInt(request.requestId));
  Atomics.store(control, 0, PHASE_EXECUTING);
  try {
    const fields =
      request.op === 'install'
        ? runInstall(request)
        : request.op === 'callback'
          ? runCallback(request)
          : request.op === 'cleanup'
            ? runCleanup(request)
            : runMessage(request);
    // A runtime that could not be rebuilt after a failure is gone: the engine must resend its snapshot.
    const instanceLost = !runtimes.has(request.canisterKey);
    return { requestId: request.requestId, kind: 'done', ...fields, instanceLost };
  } finally {
    Atomics.store(control, 0, PHASE_IDLE);
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (response) => parentPort!.postMessage(response),
    (error: unknown) => {
      const code = error instanceof ExecutionError ? error.code : 'WORKER_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      parentPort!.postMessage({ requestId: request.requestId, kind: 'error', code, message } satisfies WorkerResponse);
    },
  );
});
