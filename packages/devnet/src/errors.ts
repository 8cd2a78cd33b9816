/** An error of the devnet that a caller (CLI, tests) can act on: a stable `code` and a hint for the user. */
export class DevnetError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DevnetError';
    this.code = code;
    this.hint = options.hint;
  }
}
