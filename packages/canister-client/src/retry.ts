import { currentDeadline } from './deadline.js';
import { CanisterClientError } from './errors.js';

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** Delay before the first retry; doubles each time, with jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_READ_RETRY: RetryPolicy = { retries: 3, initialDelayMs: 200, maxDelayMs: 2_000 };

/**
 * Retries `operation` while `isTransient(error)` says so. Used for reads only: replaying an
 * update whose outcome is unknown could apply it twice. With `deadlineAt` (epoch ms), a retry
 * that could not even start before the deadline is not waited for: the last error, which says
 * what actually went wrong, is thrown instead of a bare timeout.
 */
export async function withRetries<T>(
  operation: () => Promise<T>,
  isTransient: (error: unknown) => boolean,
  policy: RetryPolicy,
  deadlineAt?: number,
): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.retries || !isTransient(error)) throw error;
      const jittered = delay * (0.5 + Math.random() / 2);
      if (deadlineAt !== undefined && Date.now() + jittered >= deadlineAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, jittered));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The fetch given to @dfinity/agent (which has no timeout of its own). Each request is bounded
 * by the deadline of the operation it belongs to (see withDeadline), or by `fallbackTimeoutMs`
 * when made outside one. The body is read here, under the same signal, so a server that sends
 * headers and then drips the body (or cuts it short) is caught here too, with an error that
 * says so instead of the agent's generic one.
 */
export function deadlineFetch(fallbackTimeoutMs: number, url: string): typeof fetch {
  return async (input, init) => {
    const limit = currentDeadline()?.signal ?? AbortSignal.timeout(fallbackTimeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, limit]) : limit;
    const response = await fetch(input, { ...init, signal });
    let body: ArrayBuffer;
    try {
      body = await response.arrayBuffer();
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      throw new CanisterClientError(
        'HTTP_ERROR',
        `${url} closed the connection before its reply was complete (HTTP ${response.status})`,
        {
          hint: 'The network, or a proxy in front of it, cut the reply short; try again, and check the network if it keeps happening.',
          details: { url, incomplete: true },
          cause: error,
        },
      );
    }
    const buffered = new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // The agent looks at the URL (e.g. to tell a missing v3 API from other 404s).
    Object.defineProperty(buffered, 'url', { value: response.url });
    return buffered;
  };
}
