/**
 * The error every soulrecall command fails with. Its exit code follows from its code
 * (EXIT_CODE_OF); errors of the packages below core become one in `toSoulrecallError`.
 */
import {
  EXIT_CODE_OF,
  FS_ERRNOS,
  isSoulrecallErrorCode,
  type ExitCodeValue,
  type SoulrecallErrorCode,
} from './error-codes.js';
import { cliHintFor } from './error-hints.js';

export * from './error-codes.js';

export interface SoulrecallErrorOptions {
  /** Stable machine-readable code, e.g. `CONFIG_UNKNOWN_KEY`: in the `--json` output; it decides the exit code. */
  code: SoulrecallErrorCode;
  /** What the user can do about it, one sentence. */
  hint?: string;
  cause?: unknown;
  /** Extra structured facts for `--json` output. */
  details?: Record<string, unknown>;
}

/** The `--json` shape of an error. */
export interface SoulrecallErrorJson {
  code: SoulrecallErrorCode;
  message: string;
  hint?: string;
  exitCode: ExitCodeValue;
  details?: Record<string, unknown>;
}

export class SoulrecallError extends Error {
  readonly code: SoulrecallErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: SoulrecallErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SoulrecallError';
    this.code = options.code;
    this.exitCode = EXIT_CODE_OF[options.code];
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): SoulrecallErrorJson {
    return { code: this.code, message: this.message, hint: this.hint, exitCode: this.exitCode, details: this.details };
  }
}

/** Whether an error from any soulrecall package carries this code (works across package copies, unlike instanceof). */
export function hasErrorCode(error: unknown, code: SoulrecallErrorCode): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

interface CodedError extends Error {
  code?: unknown;
  hint?: unknown;
  exitCode?: unknown;
  details?: unknown;
  oclif?: { exit?: number };
}

const isFsErrno = (code: string): code is (typeof FS_ERRNOS)[number] => (FS_ERRNOS as readonly string[]).includes(code);

/**
 * Normalises anything thrown into a SoulrecallError. An error of a lower package (or of another
 * copy of core, in a plugin that brought its own) keeps its message, code and details; its exit
 * code comes from EXIT_CODE_OF like every other's.
 */
export function toSoulrecallError(thrown: unknown): SoulrecallError {
  if (thrown instanceof SoulrecallError) return thrown;
  if (!(thrown instanceof Error)) {
    return new SoulrecallError(`Unexpected failure: ${String(thrown)}`, {
      code: 'INTERNAL',
      hint: 'Run again with --verbose and report it if it persists.',
    });
  }
  const error = thrown as CodedError;
  const hint = typeof error.hint === 'string' ? error.hint : undefined;
  const details =
    typeof error.details === 'object' && error.details !== null
      ? (error.details as Record<string, unknown>)
      : undefined;
  // oclif's own parse errors (unknown flag, missing argument) carry an exit code in `oclif.exit`.
  if (error.oclif && typeof error.oclif.exit === 'number') {
    // oclif ends its parse errors with "See more help with --help", which the hint already says:
    // one sentence, one hint.
    const message = error.message.replace(/\n+See more help with --help\s*$/, '');
    return new SoulrecallError(message, { code: 'USAGE', hint: hint ?? 'See --help for usage.', cause: error });
  }
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && isSoulrecallErrorCode(code)) {
    // Another copy of core (a plugin's own) has worded its hint already; a lower package's gets the CLI's.
    const fromCore = typeof error.exitCode === 'number';
    return new SoulrecallError(error.message, {
      code,
      hint: fromCore ? hint : cliHintFor(code, { hint, details }),
      cause: error,
      details,
    });
  }
  if (code !== undefined && isFsErrno(code)) {
    // A hint the error already carries (a promotion's "then `promote resume <id>`") is the way forward
    // after the fix: keep it.
    const fix = 'Check the permissions and free space of the folder named above.';
    return new SoulrecallError(error.message, {
      code: `FS_${code}`,
      hint: hint ? `${fix} ${hint}` : fix,
      cause: error,
    });
  }
  return new SoulrecallError(`Unexpected failure: ${error.message}`, {
    code: 'INTERNAL',
    hint: hint ?? 'Run again with --verbose to see the stack trace, and report it if it persists.',
    cause: error,
    // A code soulrecall does not know (Node's ENOENT, a newer plugin's) is still worth reporting.
    details: code === undefined ? details : { ...details, causeCode: code },
  });
}
