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
 * update whose outcome is unknown could apply it twice.
 */
export async function withRetries<T>(
  operation: () => Promise<T>,
  isTransient: (error: unknown) => boolean,
  policy: RetryPolicy,
): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.retries || !isTransient(error)) throw error;
      const jittered = delay * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, jittered));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}

/** A fetch that gives up after `timeoutMs` per HTTP request (the agent has no timeout of its own). */
export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}
