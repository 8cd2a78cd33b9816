/**
 * The one error type this package throws. Callers switch on `code` (a stable string),
 * show `message` and `hint` to users, and may log `details` (never secrets).
 */
export const CANISTER_CLIENT_ERROR_CODES = [
  // connections
  'NETWORK_UNREACHABLE',
  'HTTP_ERROR',
  'TRUST_ERROR',
  // replica rejects (REPLICA_REJECTED is the generic one; the others are specific)
  'REPLICA_REJECTED',
  'CANISTER_NOT_FOUND',
  'NOT_A_CONTROLLER',
  'CANISTER_STOPPED',
  'CANISTER_TRAPPED',
  'METHOD_NOT_FOUND',
  'INVALID_ARGUMENT',
  'INSUFFICIENT_CYCLES',
  'SNAPSHOT_NOT_FOUND',
  // identities
  'IDENTITY_NOT_FOUND',
  'IDENTITY_INVALID',
  'IDENTITY_ENCRYPTED',
  'IDENTITY_PASSPHRASE_REQUIRED',
  'IDENTITY_PASSPHRASE_WRONG',
  'IDENTITY_EXISTS',
  // artifacts
  'WASM_NOT_FOUND',
  'WASM_EMPTY',
  'WASM_INVALID',
  'WASM_TOO_LARGE',
  // snapshot files (off-chain snapshots)
  'SNAPSHOT_ARCHIVE_INVALID',
  // replies we could not make sense of
  'UNEXPECTED_REPLY',
  'SNAPSHOT_CORRUPT',
  // mainnet canister creation through the cycles ledger
  'CYCLES_LEDGER_ERROR',
] as const;

export type CanisterClientErrorCode = (typeof CANISTER_CLIENT_ERROR_CODES)[number];

export interface ReplicaRejectDetails {
  rejectCode: number;
  /** The replica's error code such as `IC0301`, when it sent one. */
  errorCode?: string;
  rejectMessage: string;
  canisterId?: string;
  method?: string;
}

export interface CanisterClientErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class CanisterClientError extends Error {
  override readonly name = 'CanisterClientError';
  readonly code: CanisterClientErrorCode;
  readonly hint?: string;
  readonly details: Record<string, unknown>;

  constructor(code: CanisterClientErrorCode, message: string, options: CanisterClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** Present on every replica reject (REPLICA_REJECTED and the specific reject codes). */
  get reject(): ReplicaRejectDetails | undefined {
    const reject = this.details.reject;
    return reject && typeof reject === 'object' ? (reject as ReplicaRejectDetails) : undefined;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

export function isCanisterClientError(error: unknown, code?: CanisterClientErrorCode): error is CanisterClientError {
  return error instanceof CanisterClientError && (code === undefined || error.code === code);
}
