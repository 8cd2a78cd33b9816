/** Every code a DevnetError carries; soulrecall's core maps each one to an exit code and a CLI hint. */
export const DEVNET_ERROR_CODES = [
  'PORT_IN_USE',
  'ALREADY_RUNNING',
  'STATE_DIR_UNWRITABLE',
  'NOT_RUNNING',
  'STALE_PID_FILE',
  'USAGE',
  'INVALID_AMOUNT',
  'INVALID_PRINCIPAL',
  'FUND_REFUSED',
  'START_FAILED',
  'LISTEN_FAILED',
] as const;

export type DevnetErrorCode = (typeof DEVNET_ERROR_CODES)[number];

/** Whether text (a code a background network printed in its log) is one of ours. */
export function isDevnetErrorCode(text: string): text is DevnetErrorCode {
  return (DEVNET_ERROR_CODES as readonly string[]).includes(text);
}

/** Hints of codes raised in more than one place (and re-raised from a background process's log). */
const DEFAULT_HINTS: Partial<Record<DevnetErrorCode, string>> = {
  PORT_IN_USE: 'Stop whatever listens there, or choose another port with --port.',
  STATE_DIR_UNWRITABLE: 'Choose another directory with --state-dir, or fix its permissions.',
};

/** An error of the devnet that a caller (CLI, tests) can act on: a stable `code` and a hint for the user. */
export class DevnetError extends Error {
  readonly code: DevnetErrorCode;
  readonly hint?: string;
  /** Facts a caller may word its own hint from (soulrecall's CLI names its commands). */
  readonly details?: Record<string, unknown>;

  constructor(
    code: DevnetErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DevnetError';
    this.code = code;
    this.hint = options.hint ?? DEFAULT_HINTS[code];
    if (options.details !== undefined) this.details = options.details;
  }
}
