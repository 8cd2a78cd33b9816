/**
 * Errors and exit codes shared by every soulrecall command.
 *
 * Packages below core (canister-client, history-store, devnet) cannot import this module (core
 * depends on them), so they throw their own typed errors carrying a string `code` and a `hint`.
 * `toSoulrecallError` maps those codes onto the exit codes below, in one place.
 */

/** Documented exit codes (README "Exit codes"). Scripts may rely on them. */
export const ExitCode = {
  Success: 0,
  /** An unexpected failure: a bug or an environment problem soulrecall does not recognise. */
  Internal: 1,
  /** Bad command line: unknown flag, missing argument, invalid flag value. */
  Usage: 2,
  /** soulrecall.yaml missing or invalid. */
  Config: 3,
  /** Something named on the command line does not exist: agent, environment, canister, promotion, backup. */
  NotFound: 4,
  /** An input file or value is unusable: not a Wasm module, not a principal, bad identity file. */
  InvalidInput: 5,
  /** The network could not be reached (connection refused, timeout, TLS or HTTP failure). */
  Unreachable: 6,
  /** The network refused the request: not a controller, canister stopped, canister trapped. */
  Rejected: 7,
  /** A health check said unhealthy. */
  Unhealthy: 8,
  /** The operation conflicts with the current state: a lock is held, the canister is live, drift. */
  Conflict: 9,
  /** Confirmation was required and not given (or refused). */
  NotConfirmed: 10,
  /** The history store could not be read or written. */
  Store: 11,
  /** The operation failed and soulrecall undid it (state restored). */
  RolledBack: 12,
  /** The words typed name no command (a shell's "command not found"). */
  CommandNotFound: 127,
  /** Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it). */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface SoulrecallErrorOptions {
  /** Stable machine-readable code, e.g. `CONFIG_UNKNOWN_KEY`. Part of the `--json` output. */
  code: string;
  exitCode: number;
  /** What the user can do about it, one sentence. */
  hint?: string;
  cause?: unknown;
  /** Extra structured facts for `--json` output. */
  details?: Record<string, unknown>;
}

export class SoulrecallError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: SoulrecallErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SoulrecallError';
    this.code = options.code;
    this.exitCode = options.exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The `--json` shape of an error. */
  toJSON(): { code: string; message: string; hint?: string; exitCode: number; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint, exitCode: this.exitCode, details: this.details };
  }
}

/** Exit codes of error codes thrown by the packages below core; matched by exact code, then by prefix. */
const exitCodeByErrorCode: ReadonlyArray<[string, number]> = [
  ['LOCK_HELD', ExitCode.Conflict],
  ['LOCK_LOST', ExitCode.Conflict],
  ['CONFLICT', ExitCode.Conflict],
  ['INVALID_TRANSITION', ExitCode.Conflict],
  ['ARTIFACT_CORRUPT', ExitCode.Store],
  ['TRUST_ERROR', ExitCode.Unreachable],
  ['UNEXPECTED_REPLY', ExitCode.Unreachable],
  ['INSUFFICIENT_CYCLES', ExitCode.Rejected],
  ['CYCLES_LEDGER_ERROR', ExitCode.Rejected],
  ['DRIFT', ExitCode.Conflict],
  ['NETWORK_UNREACHABLE', ExitCode.Unreachable],
  ['HTTP_ERROR', ExitCode.Unreachable],
  ['TIMEOUT', ExitCode.Unreachable],
  ['CANISTER_NOT_FOUND', ExitCode.NotFound],
  ['SNAPSHOT_NOT_FOUND', ExitCode.NotFound],
  ['SNAPSHOT_ARCHIVE_INVALID', ExitCode.InvalidInput],
  ['SNAPSHOT_CORRUPT', ExitCode.Unreachable],
  ['NOT_FOUND', ExitCode.NotFound],
  ['NOT_A_CONTROLLER', ExitCode.Rejected],
  ['CANISTER_STOPPED', ExitCode.Rejected],
  ['CANISTER_TRAPPED', ExitCode.Rejected],
  ['METHOD_NOT_FOUND', ExitCode.Rejected],
  ['REPLICA_REJECTED', ExitCode.Rejected],
  ['UNHEALTHY', ExitCode.Unhealthy],
  ['INVALID_ARGUMENT', ExitCode.InvalidInput],
  ['WASM_NOT_FOUND', ExitCode.NotFound],
  ['WASM_', ExitCode.InvalidInput],
  ['IDENTITY_NOT_FOUND', ExitCode.NotFound],
  ['IDENTITY_EXISTS', ExitCode.Conflict],
  ['IDENTITY_', ExitCode.InvalidInput],
  ['STORE_', ExitCode.Store],
  ['CONFIG_', ExitCode.Config],
  ['NETWORK_', ExitCode.Unreachable],
  // @soulrecall/devnet's network control (`network start|stop|status`).
  ['PORT_IN_USE', ExitCode.Conflict],
  ['ALREADY_RUNNING', ExitCode.Conflict],
  ['STATE_DIR_UNWRITABLE', ExitCode.InvalidInput],
  ['NOT_RUNNING', ExitCode.NotFound],
  ['STALE_PID_FILE', ExitCode.NotFound],
  ['USAGE', ExitCode.Usage],
  ['INVALID_AMOUNT', ExitCode.Usage],
  ['INVALID_PRINCIPAL', ExitCode.InvalidInput],
  ['FUND_REFUSED', ExitCode.Rejected],
  ['START_FAILED', ExitCode.Internal],
  ['LISTEN_FAILED', ExitCode.Internal],
];

export function exitCodeForErrorCode(code: string): number | undefined {
  const exact = exitCodeByErrorCode.find(([known]) => known === code);
  if (exact) return exact[1];
  const prefixed = exitCodeByErrorCode.find(([known]) => known.endsWith('_') && code.startsWith(known));
  return prefixed?.[1];
}

/** Whether an error from any soulrecall package carries this code (works across package copies, unlike instanceof). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

interface CodedError extends Error {
  code?: unknown;
  hint?: unknown;
  exitCode?: unknown;
  details?: unknown;
  oclif?: { exit?: number };
}

/** Normalises anything thrown into a SoulrecallError with a documented exit code. */
export function toSoulrecallError(thrown: unknown): SoulrecallError {
  if (thrown instanceof SoulrecallError) return thrown;
  if (!(thrown instanceof Error)) {
    return new SoulrecallError(`Unexpected failure: ${String(thrown)}`, {
      code: 'INTERNAL',
      exitCode: ExitCode.Internal,
      hint: 'Run again with --verbose and report it if it persists.',
    });
  }
  const error = thrown as CodedError;
  const hint = typeof error.hint === 'string' ? error.hint : undefined;
  const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined;
  // oclif's own parse errors (unknown flag, missing argument) carry their exit code in `oclif.exit`.
  if (error.oclif && typeof error.oclif.exit === 'number') {
    // oclif ends its parse errors with "See more help with --help", which the hint already says: one sentence, one hint.
    const message = error.message.replace(/\n+See more help with --help\s*$/, '');
    return new SoulrecallError(message, { code: 'USAGE', exitCode: error.oclif.exit === 1 ? ExitCode.Usage : error.oclif.exit, hint: hint ?? 'See --help for usage.', cause: error });
  }
  if (typeof error.code === 'string') {
    const exitCode = typeof error.exitCode === 'number' ? error.exitCode : exitCodeForErrorCode(error.code);
    if (exitCode !== undefined) return new SoulrecallError(error.message, { code: error.code, exitCode, hint, cause: error, details });
  }
  if (typeof error.code === 'string' && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC'].includes(error.code)) {
    // A hint the error already carries (a promotion's "then `promote resume <id>`") is the way forward after the fix: keep it.
    const fix = 'Check the permissions and free space of the folder named above.';
    return new SoulrecallError(error.message, { code: `FS_${error.code}`, exitCode: ExitCode.Internal, hint: hint ? `${fix} ${hint}` : fix, cause: error });
  }
  return new SoulrecallError(`Unexpected failure: ${error.message}`, {
    code: typeof error.code === 'string' ? error.code : 'INTERNAL',
    exitCode: ExitCode.Internal,
    hint: hint ?? 'Run again with --verbose to see the stack trace, and report it if it persists.',
    cause: error,
  });
}
