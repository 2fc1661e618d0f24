import { describe, expect, it } from 'vitest';
import { describeSustainableRate } from './commit-budget.js';
import { abortableSleep, parseRetryAfter, retryingFetch } from './retry-after.js';

describe('Retry-After', () => {
  it('parses delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('retries 429s up to maxRetries, sleeping what the server asked', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const inner = (async () => {
      calls++;
      return calls < 3 ? new Response('slow down', { status: 429, headers: { 'retry-after': String(calls) } }) : new Response('ok');
    }) as typeof fetch;
    const f = retryingFetch({ maxRetries: 3, maxWaitMs: 10_000, sleep: async (ms) => void sleeps.push(ms), now: () => 0 }, inner);
    expect(await (await f('http://127.0.0.1:9/x')).text()).toBe('ok');
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('hands a 503 without Retry-After straight back', async () => {
    const inner = (async () => new Response('down', { status: 503 })) as typeof fetch;
    const f = retryingFetch({ maxRetries: 3, maxWaitMs: 10_000, sleep: async () => expect.fail('must not sleep'), now: () => 0 }, inner);
    expect((await f('http://127.0.0.1:9/x')).status).toBe(503);
  });

  it('the real sleep ends at once when the request is aborted', async () => {
    const controller = new AbortController();
    const pending = abortableSleep(3_600_000, controller.signal);
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow();
  });

  it('states the sustainable rate', () => {
    expect(describeSustainableRate(3, 128)).toBe('3 repo(s) x 128 commits/hour = 384 artifacts/hour (one every 9.4 s); TTL cleanup spends one more commit per repo per run');
  });
});
