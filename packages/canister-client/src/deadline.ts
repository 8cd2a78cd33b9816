import { AsyncLocalStorage } from 'node:async_hooks';
import { CanisterClientError } from './errors.js';

/** How long one network operation may take, unless told otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Replaces the default for every connection that does not pass `requestTimeoutMs` itself. */
export const REQUEST_TIMEOUT_ENV = 'SOULRECALL_REQUEST_TIMEOUT_MS';
/** setTimeout's limit; a longer delay would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The timeout of a connection: the caller's `requestTimeoutMs`, else SOULRECALL_REQUEST_TIMEOUT_MS,
 * else 30 s. A value that is not a positive whole number of milliseconds is refused rather than
 * silently replaced, so a typo cannot turn into "no timeout" or "fail at once".
 */
export function resolveRequestTimeout(explicit?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (explicit !== undefined) {
    if (Number.isInteger(explicit) && explicit > 0 && explicit <= MAX_TIMEOUT_MS) return explicit;
    throw new CanisterClientError(
      'INVALID_ARGUMENT',
      `requestTimeoutMs must be a whole number of milliseconds between 1 and ${MAX_TIMEOUT_MS}, not ${explicit}`,
    );
  }
  const raw = env[REQUEST_TIMEOUT_ENV]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const value = Number(raw);
  if (/^\d+$/.test(raw) && value > 0 && value <= MAX_TIMEOUT_MS) return value;
  throw new CanisterClientError(
    'INVALID_ARGUMENT',
    `${REQUEST_TIMEOUT_ENV} must be a whole number of milliseconds between 1 and ${MAX_TIMEOUT_MS}, not "${raw}"`,
    {
      hint: `Set it to e.g. 60000, or unset it for the default (${DEFAULT_REQUEST_TIMEOUT_MS} ms).`,
      details: { variable: REQUEST_TIMEOUT_ENV, value: raw },
    },
  );
}

/** The abort reason of an operation whose deadline passed; carries the deadline for the message. */
export class DeadlineExceededError extends Error {
  override readonly name = 'TimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
  }
}

export interface Deadline {
  readonly timeoutMs: number;
  /** Epoch milliseconds when the operation gives up. */
  readonly at: number;
  /** Aborted (with a DeadlineExceededError) when the deadline passes. */
  readonly signal: AbortSignal;
}

// @dfinity/agent makes its HTTP requests itself (status, call, read_state polls, subnet keys for
// query signatures); the operation they belong to is found through the async context, so that
// every one of them is cut off by the same deadline.
const active = new AsyncLocalStorage<Deadline>();

/** The deadline of the operation the caller runs in, if any. */
export function currentDeadline(): Deadline | undefined {
  return active.getStore();
}

/**
 * Runs `operation` with one deadline for everything it does: the requests it makes, their
 * retries and the waits between them. When the deadline passes, its in-flight requests are
 * aborted and this rejects with a DeadlineExceededError at once, even if `operation` itself
 * would go on waiting (a server that never answers, or drips one byte a second).
 */
export async function withDeadline<T>(timeoutMs: number, operation: (deadline: Deadline) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const deadline: Deadline = { timeoutMs, at: Date.now() + timeoutMs, signal: controller.signal };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const reason = new DeadlineExceededError(timeoutMs);
      controller.abort(reason);
      reject(reason);
    }, timeoutMs);
  });
  const running = active.run(deadline, () => operation(deadline));
  // Once the deadline has won, the operation's own (later) failure is of no interest.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
