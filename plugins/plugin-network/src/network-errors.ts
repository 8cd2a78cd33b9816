import { ExitCode, SoulrecallError } from '@soulrecall/core';

/** Exit codes of the devnet's error codes (network-control throws them with a code and a hint). */
const EXIT_CODES: Record<string, number> = {
  PORT_IN_USE: ExitCode.Conflict,
  ALREADY_RUNNING: ExitCode.Conflict,
  STATE_DIR_UNWRITABLE: ExitCode.InvalidInput,
  NOT_RUNNING: ExitCode.NotFound,
  STALE_PID_FILE: ExitCode.NotFound,
  USAGE: ExitCode.Usage,
};

/** Turns an error of @soulrecall/devnet into a SoulrecallError with a documented exit code; others pass through. */
export function toNetworkError(error: unknown): unknown {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return error;
  const { code, hint } = error as Error & { code: string; hint?: string };
  if (!(code in EXIT_CODES) && code !== 'START_FAILED' && code !== 'LISTEN_FAILED') return error;
  return new SoulrecallError(error.message, { code, exitCode: EXIT_CODES[code] ?? ExitCode.Internal, hint, cause: error });
}
