/**
 * Messages between the engine (main thread) and the execution worker.
 * The worker holds live instances; the main thread holds, for every canister, the last committed
 * state (heap and stable memory in SharedArrayBuffers), so a worker can be killed at any time.
 */
import type { CommittedWasmState } from './canister-runtime.js';
import type { Failure } from './errors.js';
import type { CallFrame } from './system-api.js';
import type {
  CallbackRequest,
  CallEffects,
  CanisterLogLine,
  MessageContext,
  SystemTask,
  WasmGlobalType,
} from './types.js';
import type { WasmModuleSummary } from './wasm-binary.js';

/** Values of the control word the worker and the main thread share (Int32Array index 0). */
export const PHASE_IDLE = 0;
export const PHASE_EXECUTING = 1;
export const PHASE_COMMITTING = 2;
/** Set by the main thread when it gives up on a message; the worker must not commit after it. */
export const PHASE_ABANDONED = 3;

export interface PreparedModuleWire {
  sha256: string;
  bytes: Uint8Array;
  globalExports: string[];
  globalTypes: WasmGlobalType[];
  summary: WasmModuleSummary;
}

/** Everything a worker needs to (re)build a canister's runtime. */
export interface CanisterSnapshotWire {
  module: PreparedModuleWire;
  committed: CommittedWasmState;
}

interface BaseRequest {
  requestId: number;
  canisterId: Uint8Array;
  canisterKey: string;
  /** Present when the worker may not hold this canister's current state; null = no code. */
  snapshot?: CanisterSnapshotWire | null;
}

export type WorkerRequest =
  | (BaseRequest & {
      op: 'install';
      mode: 'install' | 'reinstall' | 'upgrade';
      module: PreparedModuleWire;
      arg: Uint8Array;
      skipPreUpgrade: boolean;
      keepMemory: boolean;
      context: MessageContext;
    })
  | (BaseRequest & { op: 'update' | 'query'; method: string; arg: Uint8Array; context: MessageContext })
  | (BaseRequest & { op: 'system-task'; task: SystemTask; context: MessageContext })
  | (BaseRequest & { op: 'callback'; callback: CallbackRequest; context: MessageContext })
  /**
   * Only the cleanup callback: its reply or reject callback ended where the worker could not run it (the time limit).
   */
  | (BaseRequest & { op: 'cleanup'; callback: CallbackRequest; context: MessageContext })
  | (BaseRequest & { op: 'evict' });

export type WorkerResponse =
  | {
      requestId: number;
      kind: 'done';
      logs: CanisterLogLine[];
      instructions: bigint;
      reply?: Uint8Array;
      rejectMessage?: string;
      failure?: Failure;
      committed?: CommittedWasmState;
      /**
       * The calls and accepted cycles of the message that committed (for a trapped callback: its cleanup's, which makes
       * no calls).
       */
      effects?: CallEffects;
      instanceLost?: boolean;
    }
  | { requestId: number; kind: 'error'; code: string; message: string };

export function frameEffects(frame: CallFrame): CallEffects {
  return { calls: frame.calls, cyclesAccepted: frame.cyclesAccepted };
}

export function frameOutcome(frame: CallFrame): { reply?: Uint8Array; rejectMessage?: string } {
  if (frame.response?.kind === 'reply') return { reply: frame.response.data };
  if (frame.response?.kind === 'reject') return { rejectMessage: frame.response.message };
  return {};
}
