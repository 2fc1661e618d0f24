import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type Logger } from '@neural-condense/sdk';

/** Waits `ms`, rejecting at once when `signal` aborts. Injectable so tests never wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real sleep: a timer that the request's signal cancels. */
export const abortableSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : {});
};

/** Milliseconds a `Retry-After` header asks for (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How the retrying fetch behaves. */
export interface RetryPolicy {
  maxRetries: number;
  /** Longest wait honoured; a longer Retry-After is handed back to the caller as the 429. */
  maxWaitMs: number;
  sleep: Sleep;
  now: () => number;
  logger?: Logger;
}

/**
 * A fetch for the Hub client that honours 429 (and 503) answers: it waits the server's
 * `Retry-After` (bounded by `maxWaitMs` and the request's signal) and sends the request
 * again. Hub request bodies are strings and Blobs, so a retry can resend them.
 */
export function retryingFetch(policy: RetryPolicy, inner: typeof fetch = fetch): typeof fetch {
  const logger = policy.logger ?? silentLogger;
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const res = await inner(input, init);
      if ((res.status !== 429 && res.status !== 503) || attempt >= policy.maxRetries) return res;
      const asked = parseRetryAfter(res.headers.get('retry-after'), policy.now());
      // Without Retry-After, back off briefly on 429 only; a bare 503 goes back to the caller.
      const waitMs = asked ?? (res.status === 429 ? 1000 * 2 ** attempt : undefined);
      if (waitMs === undefined || waitMs > policy.maxWaitMs) return res;
      await res.body?.cancel();
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      logger.warn({ status: res.status, waitMs, attempt: attempt + 1, url: new URL(url).pathname }, 'hub: rate limited, waiting Retry-After');
      await policy.sleep(waitMs, init?.signal ?? undefined);
    }
  };
}
