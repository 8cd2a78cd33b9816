/** An error of the devnet that a caller (CLI, tests) can act on: a stable `code` and a hint for the user. */
/** Hints of codes raised in more than one place (and re-raised from a background process's log). */
const DEFAULT_HINTS: Record<string, string> = {
  PORT_IN_USE: 'Stop whatever listens there (`soulrecall network stop`), or choose another port with --port.',
  STATE_DIR_UNWRITABLE: 'Choose another directory with --state-dir, or fix its permissions.',
};

export class DevnetError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DevnetError';
    this.code = code;
    this.hint = options.hint ?? DEFAULT_HINTS[code];
  }
}
