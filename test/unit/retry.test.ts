import { afterEach, describe, expect, it, vi } from 'vitest';
import { RetryPolicy, adaptive, exponential, linear } from '../../src/utils/retry.js';
import { DownloadError } from '../../src/utils/errors.js';

const fixed = { jitter: false, baseMs: 100, maxMs: 5000 } as const;

describe('retry strategies', () => {
  it.each([
    ['exponential', exponential(fixed), [100, 200, 400, 800, 1600, 3200, 5000]],
    ['linear', linear(fixed), [100, 200, 300, 400, 500, 600, 700]],
    ['adaptive at 0 % errors', adaptive(fixed), [100, 200, 400, 800, 1600, 3200, 5000]],
  ])('%s waits %j', (_name, strategy, delays) => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => strategy.delayMs(a, { errorRate: 0 }))).toEqual(delays);
  });

  it('adaptive stretches the delay with the error rate', () => {
    const s = adaptive(fixed);
    expect([0, 0.5, 1, 2].map((errorRate) => s.delayMs(2, { errorRate }))).toEqual([200, 400, 600, 600]);
  });

  it('full jitter draws uniformly below the computed delay', () => {
    const s = exponential({ baseMs: 1000, random: () => 0.25 });
    expect(s.delayMs(3, {})).toBe(1000);
  });
});

describe('RetryPolicy', () => {
  afterEach(() => vi.useRealTimers());

  it('retries retriable errors with the strategy delays, then succeeds, counting everything', async () => {
    vi.useFakeTimers();
    const policy = new RetryPolicy({ maxAttempts: 4, strategy: exponential(fixed) });
    let calls = 0;
    const started = Date.now();
    const pending = policy.run(async () => {
      calls++;
      if (calls < 3) throw new DownloadError('fetch.failed');
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    await expect(pending).resolves.toBe('ok');
    expect(Date.now() - started).toBe(300);
    expect(policy.stats).toEqual({ attempts: 3, successes: 1, failures: 0, retries: 2 });
  });

  it('never retries a final error and gives up after maxAttempts', async () => {
    const policy = new RetryPolicy({ maxAttempts: 3, strategy: exponential(fixed) });
    expect(policy.decide(new DownloadError('content.private'), 1)).toEqual({ retry: false, reason: 'content.private is not retriable' });
    expect(policy.decide(new DownloadError('fetch.failed'), 3)).toEqual({ retry: false, reason: 'gave up after 3 attempts' });
    expect(policy.decide(new DownloadError('internal', 'x', { aborted: true }), 1)).toEqual({ retry: false, reason: 'cancelled' });
    const sleeps: number[] = [];
    await expect(policy.run(async () => { throw new DownloadError('fetch.failed'); }, async (ms) => void sleeps.push(ms))).rejects.toMatchObject({ code: 'fetch.failed' });
    expect(sleeps).toEqual([100, 200]);
    expect(policy.stats.failures).toBe(1);
  });

  it('waits at least what a 429 asked for in Retry-After', () => {
    const policy = new RetryPolicy({ maxAttempts: 5, strategy: exponential(fixed) });
    expect(policy.decide(new DownloadError('fetch.rate_limited', undefined, { retryAfterSec: 30 }), 1)).toEqual({ retry: true, delayMs: 30_000 });
    expect(policy.decide(new DownloadError('fetch.rate_limited'), 2)).toEqual({ retry: true, delayMs: 200 });
  });

  it('uses the adaptive strategy with the live error rate', () => {
    let rate = 0;
    const policy = new RetryPolicy({ maxAttempts: 5, strategy: adaptive(fixed), errorRate: () => rate });
    expect(policy.decide(new DownloadError('fetch.failed'), 1)).toEqual({ retry: true, delayMs: 100 });
    rate = 1;
    expect(policy.decide(new DownloadError('fetch.failed'), 1)).toEqual({ retry: true, delayMs: 300 });
  });
});
