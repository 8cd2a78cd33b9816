/**
 * Errors of the execution layer and the replica-like rejects they turn into.
 * Reject code 5 is CANISTER_ERROR; the IC05xx error codes follow the replica's ErrorCode enum.
 */
import { Principal } from '@dfinity/principal';
import type { CanisterLogLine } from './types.js';

export type ExecutionErrorCode = 'INVALID_WASM' | 'NO_CODE' | 'WORKER_FAILED' | 'ENGINE_CLOSED' | 'STATE_CORRUPT';

export class ExecutionError extends Error {
  constructor(
    readonly code: ExecutionErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ExecutionError';
  }
}

/** How a message ended abnormally; carried from the System API to the reject it becomes. */
export type Failure =
  | { kind: 'called-trap'; message: string }
  | { kind: 'wasm-trap'; message: string }
  | { kind: 'no-reply' }
  | { kind: 'no-method'; method: string; methodKind: 'update' | 'query' }
  | { kind: 'time-limit'; limitMs: number }
  | { kind: 'invalid-module'; message: string }
  | { kind: 'no-code' }
  | { kind: 'contract'; message: string }
  | { kind: 'unsupported-install'; message: string }
  | { kind: 'globals-mismatch' };

export function isFailure<T extends object>(value: T | Failure): value is Failure {
  return 'kind' in value && typeof (value as Failure).kind === 'string';
}

export interface RejectFields {
  rejectCode: number;
  rejectMessage: string;
  errorCode: string;
}

const CANISTER_ERROR = 5;

export function canisterText(canisterId: Uint8Array): string {
  return Principal.fromUint8Array(canisterId).toText();
}

/** Turns a failure into the reject a replica would answer with (wording kept close to the replica's). */
export function rejectFor(canisterId: Uint8Array, failure: Failure): RejectFields {
  const id = canisterText(canisterId);
  const prefix = `Error from Canister ${id}: `;
  switch (failure.kind) {
    case 'called-trap':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0503',
        rejectMessage: `${prefix}Canister called \`ic0.trap\` with message: '${failure.message}'.\nConsider gracefully handling failures from this canister or altering the canister to handle exceptions. See documentation: https://internetcomputer.org/docs/current/references/execution-errors#trapped-explicitly`,
      };
    case 'wasm-trap':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0502',
        rejectMessage: `${prefix}Canister trapped: ${failure.message}.\nConsider gracefully handling failures from this canister or altering the canister to handle exceptions. See documentation: https://internetcomputer.org/docs/current/references/execution-errors#trapped`,
      };
    case 'no-reply':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0506',
        rejectMessage: `${prefix}Canister did not reply to the call.`,
      };
    case 'no-method':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0536',
        rejectMessage: `${prefix}Canister ${id} has no ${failure.methodKind} method '${failure.method}'.`,
      };
    case 'time-limit':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0522',
        rejectMessage: `${prefix}Canister ${id} exceeded the time limit of ${failure.limitMs} ms for a single message execution (the devnet's stand-in for the instruction limit); its state is unchanged.`,
      };
    case 'invalid-module':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0505',
        rejectMessage: `${prefix}Canister's Wasm module is not valid: ${failure.message}`,
      };
    case 'no-code':
      return {
        rejectCode: CANISTER_ERROR,
        errorCode: 'IC0537',
        rejectMessage: `${prefix}Attempted to execute a message, but the canister contains no Wasm module.`,
      };
    case 'contract':
      return { rejectCode: CANISTER_ERROR, errorCode: 'IC0504', rejectMessage: `${prefix}${failure.message}` };
    case 'unsupported-install':
      return { rejectCode: CANISTER_ERROR, errorCode: 'IC0505', rejectMessage: `${prefix}${failure.message}` };
    case 'globals-mismatch':
      // The replica's CanisterSnapshotInconsistent: an invalid payload (reject code 4), no canister prefix.
      return {
        rejectCode: 4,
        errorCode: 'IC0408',
        rejectMessage: 'Wasm exported globals of canister module and snapshot metadata do not match.',
      };
  }
}

/** The log line a replica writes when a message traps. */
export function trapLogLine(timeNanos: bigint, failure: Failure): CanisterLogLine | undefined {
  let text: string | undefined;
  if (failure.kind === 'called-trap') text = `[TRAP]: ${failure.message}`;
  else if (failure.kind === 'wasm-trap') text = `[TRAP]: ${failure.message}`;
  else if (failure.kind === 'time-limit') text = `[TRAP]: time limit of ${failure.limitMs} ms exceeded`;
  return text === undefined ? undefined : { timeNanos, content: new TextEncoder().encode(text) };
}
