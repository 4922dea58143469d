import { describe, expect, it } from 'vitest';
import {
  AdaptiveLimiter,
  AdaptiveThrottle,
  MemoryRateLimiter,
  MemoryTokenBucket,
  MultiLevelLimiter,
  createRateLimiter,
  createRequestLimiter,
  type ScalableRateLimiter,
} from '../../src/utils/rate-limiter.js';
import { LIMITER_CASES, type LimiterStep } from '../support/rate-limiter-cases.js';

/** A clock the test moves by hand. */
function fakeClock(startMs = 0) {
  const clock = { ms: startMs, now: () => clock.ms };
  return clock;
}

async function runSteps(limiter: ScalableRateLimiter, clock: { ms: number }, steps: LimiterStep[]) {
  for (const [i, step] of steps.entries()) {
    clock.ms = step.atMs;
    const key = step.key ?? 'k';
    if (step.op === 'refund') {
      await limiter.refund(key, step.cost ?? 1);
      continue;
    }
    const decision = await limiter.consume(key, step.cost ?? 1);
    if (step.expect) expect({ step: i, ...decision }, `step ${i} at ${step.atMs} ms`).toMatchObject({ step: i, ...step.expect });
  }
}

describe('rate limiter algorithms (memory backend)', () => {
  for (const c of LIMITER_CASES) {
    it(c.name, async () => {
      const clock = fakeClock();
      await runSteps(createRateLimiter({ ...c.spec, now: clock.now }), clock, c.steps);
    });
  }

  it('admits exactly ratePerMinute over a long steady stream (token bucket, 1 call per 10 ms for 60 s)', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ algorithm: 'token-bucket', capacity: 10, ratePerMinute: 120, now: clock.now });
    let admitted = 0;
    for (clock.ms = 0; clock.ms < 60_000; clock.ms += 10) if ((await limiter.consume('k')).allowed) admitted++;
    // the initial burst of 10, then 2 per second for 60 s (the last refill lands at 60 000, outside)
    expect(admitted).toBe(10 + 119);
  });

  it('admits exactly limit per window over a long steady stream (sliding window)', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ algorithm: 'sliding-window', limit: 7, windowMs: 1000, now: clock.now });
    const admittedAt: number[] = [];
    for (clock.ms = 0; clock.ms < 10_000; clock.ms += 10) if ((await limiter.consume('k')).allowed) admittedAt.push(clock.ms);
    expect(admittedAt).toHaveLength(70);
    // no 1000 ms span ever holds more than 7
    for (let i = 7; i < admittedAt.length; i++) expect(admittedAt[i]! - admittedAt[i - 7]!).toBeGreaterThanOrEqual(1000);
  });

  it('spaces leaky-bucket work evenly: start times (now + delayMs) are one interval apart', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ algorithm: 'leaky-bucket', capacity: 5, ratePerMinute: 120, now: clock.now });
    const starts: number[] = [];
    for (clock.ms = 0; clock.ms < 3000; clock.ms += 100) {
      const d = await limiter.consume('k');
      if (d.allowed) starts.push(clock.ms + d.delayMs!);
    }
    expect(starts.slice(0, 6)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(500);
  });

  it('refuses a cost that could never fit, and a nonsense cost, with a RangeError', async () => {
    const limiter = createRateLimiter({ algorithm: 'token-bucket', capacity: 3, ratePerMinute: 60 });
    await expect(limiter.consume('k', 4)).rejects.toThrow(/exceeds the limiter's capacity 3/);
    await expect(limiter.consume('k', 0)).rejects.toThrow(RangeError);
    await expect(limiter.consume('k', Number.NaN)).rejects.toThrow(RangeError);
    expect(() => createRateLimiter({ algorithm: 'sliding-window', limit: 0, windowMs: 1000 })).toThrow(/limit must be a positive number/);
    expect(() => createRateLimiter({ algorithm: 'bogus' } as never)).toThrow(/unknown rate limit algorithm "bogus"/);
  });

  it('keeps MemoryTokenBucket working as before', async () => {
    const clock = fakeClock();
    const bucket = new MemoryTokenBucket({ capacity: 2, ratePerMinute: 60, now: clock.now });
    expect(await bucket.consume('u')).toEqual({ allowed: true, retryAfterMs: 0, remaining: 1, delayMs: 0 });
    expect((await bucket.consume('u')).remaining).toBe(0);
    expect(await bucket.consume('u')).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    await bucket.reset('u');
    expect((await bucket.consume('u')).remaining).toBe(1);
  });
});

describe('idle cleanup (memory)', () => {
  it('drops a key exactly when its state is as good as fresh, and answers the same afterwards', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ algorithm: 'token-bucket', capacity: 3, ratePerMinute: 60 }, { now: clock.now });
    await limiter.consume('a', 2); // full again after 2000 ms
    await limiter.consume('b', 1); // after 1000 ms
    expect(limiter.size).toBe(2);
    clock.ms = 999;
    expect(limiter.sweep()).toBe(0);
    clock.ms = 1000;
    expect(limiter.sweep()).toBe(1);
    expect(limiter.size).toBe(1);
    clock.ms = 2000;
    expect(limiter.sweep()).toBe(1);
    expect(limiter.size).toBe(0);
    expect(await limiter.consume('a', 3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('sweeps lazily on the first call after sweepIntervalMs, for every algorithm', async () => {
    for (const spec of [
      { algorithm: 'token-bucket', capacity: 5, ratePerMinute: 600 },
      { algorithm: 'sliding-window', limit: 5, windowMs: 100 },
      { algorithm: 'leaky-bucket', capacity: 5, ratePerMinute: 600 },
    ] as const) {
      const clock = fakeClock();
      const limiter = new MemoryRateLimiter(spec, { now: clock.now, sweepIntervalMs: 1000 });
      for (let user = 0; user < 100; user++) await limiter.consume(`user:${user}`);
      expect(limiter.size, spec.algorithm).toBe(100);
      clock.ms = 1000;
      await limiter.consume('someone-else');
      expect(limiter.size, spec.algorithm).toBe(1);
    }
  });

  it('never stores a key whose only call left it full (a refund back to capacity)', async () => {
    const limiter = new MemoryRateLimiter({ algorithm: 'leaky-bucket', capacity: 2, ratePerMinute: 60 }, { now: () => 0 });
    await limiter.consume('k', 2);
    await limiter.refund('k', 2);
    expect(limiter.size).toBe(0);
  });
});

describe('MultiLevelLimiter', () => {
  function levels(clock: { now: () => number }) {
    const user = new MemoryRateLimiter({ algorithm: 'token-bucket', capacity: 2, ratePerMinute: 60 }, { now: clock.now });
    const platform = new MemoryRateLimiter({ algorithm: 'token-bucket', capacity: 3, ratePerMinute: 60 }, { now: clock.now });
    const global = new MemoryRateLimiter({ algorithm: 'sliding-window', limit: 4, windowMs: 60_000 }, { now: clock.now });
    const multi = new MultiLevelLimiter([
      { name: 'user', limiter: user },
      { name: 'platform', limiter: platform },
      { name: 'global', limiter: global },
    ]);
    return { user, platform, global, multi };
  }

  it('stops at the user level: a user over their limit does not spend platform or global budget', async () => {
    const clock = fakeClock();
    const { multi, platform, global } = levels(clock);
    const req = { user: '1', platform: 'tiktok' };
    expect(await multi.consume(req)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await multi.consume(req)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await multi.consume(req);
    expect(refused).toMatchObject({ allowed: false, deniedBy: 'user', retryAfterMs: 1000 });
    expect(Object.keys(refused.levels)).toEqual(['user']);
    // global and platform saw exactly two spends: 4 - 2 and 3 - 2 remain
    expect(await global.consume('global', 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await platform.consume('platform:tiktok')).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refunds the levels already spent when a later level refuses', async () => {
    const clock = fakeClock();
    const { multi, user, platform } = levels(clock);
    for (const u of ['1', '2', '3', '4']) expect((await multi.consume({ user: u, platform: u === '4' ? 'vk' : 'x' })).allowed).toBe(true);
    // global (4 per minute) is exhausted now: user 5 is refused there, and gets their token back
    const refused = await multi.consume({ user: '5', platform: 'vk' });
    expect(refused).toMatchObject({ allowed: false, deniedBy: 'global', retryAfterMs: 60_000 });
    expect(await user.consume('user:5', 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await platform.consume('platform:vk', 2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('skips a level the request does not name and reports the tightest remaining', async () => {
    const clock = fakeClock();
    const { multi } = levels(clock);
    const d = await multi.consume({ user: '1' });
    expect(Object.keys(d.levels)).toEqual(['user', 'global']);
    expect(d.remaining).toBe(1);
    expect(multi.keyFor('platform', { platform: 'youtube' })).toBe('platform:youtube');
    expect(multi.keyFor('global', {})).toBe('global');
  });

  it('passes the longest leaky-bucket delay through', async () => {
    const clock = fakeClock();
    const multi = new MultiLevelLimiter([
      { name: 'user', limiter: new MemoryRateLimiter({ algorithm: 'token-bucket', capacity: 5, ratePerMinute: 60 }, { now: clock.now }) },
      { name: 'platform', limiter: new MemoryRateLimiter({ algorithm: 'leaky-bucket', capacity: 5, ratePerMinute: 30 }, { now: clock.now }) },
    ]);
    expect((await multi.consume({ user: 'a', platform: 'x' })).delayMs).toBe(0);
    expect((await multi.consume({ user: 'b', platform: 'x' })).delayMs).toBe(2000);
  });

  it('rejects duplicate level names', () => {
    const l = new MemoryTokenBucket({ capacity: 1, ratePerMinute: 1 });
    expect(() => new MultiLevelLimiter([{ name: 'user', limiter: l }, { name: 'user', limiter: l }])).toThrow(/unique/);
  });
});

describe('adaptive throttling', () => {
  it('halves on 429, takes 0.75 on 5xx, at most once per cooldown, down to the floor', () => {
    const clock = fakeClock();
    const throttle = new AdaptiveThrottle({ now: clock.now, cooldownMs: 1000, restorePerMinute: 0 });
    expect(throttle.onResult('p', 'rate_limited')).toBe(0.5);
    clock.ms = 999;
    expect(throttle.onResult('p', 'rate_limited')).toBe(0.5);
    clock.ms = 1999;
    expect(throttle.onResult('p', 'server_error')).toBe(0.375);
    for (let i = 0; i < 10; i++) {
      clock.ms += 1000;
      throttle.onResult('p', 'rate_limited');
    }
    expect(throttle.factor('p')).toBe(0.1);
    expect(throttle.factor('other')).toBe(1);
    expect(throttle.onResult('other', 'ok')).toBe(1);
  });

  it('restores additively over time and forgets a key once back at full rate', () => {
    const clock = fakeClock();
    const throttle = new AdaptiveThrottle({ now: clock.now, restorePerMinute: 0.1 });
    throttle.onResult('p', 'rate_limited');
    clock.ms = 60_000;
    expect(throttle.factor('p')).toBeCloseTo(0.6, 12);
    clock.ms = 150_000;
    expect(throttle.factor('p')).toBeCloseTo(0.75, 12);
    // a new 429 decreases from where the restore had got to
    expect(throttle.onResult('p', 'rate_limited')).toBeCloseTo(0.375, 12);
    clock.ms = 150_000 + 375_000;
    expect(throttle.factor('p')).toBe(1);
    expect(throttle.size).toBe(0);
  });

  it('lowers the admitted rate of only that key while throttled, and recovers it', async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveLimiter(
      createRateLimiter({ algorithm: 'token-bucket', capacity: 1, ratePerMinute: 60, now: clock.now }),
      new AdaptiveThrottle({ now: clock.now, restorePerMinute: 0.5 }),
    );
    const admittedIn = async (key: string, fromMs: number, toMs: number) => {
      let n = 0;
      for (clock.ms = fromMs; clock.ms < toMs; clock.ms += 50) if ((await limiter.consume(key)).allowed) n++;
      return n;
    };
    expect(await admittedIn('platform:a', 0, 10_000)).toBe(10);
    expect(limiter.onResult('platform:a', 'rate_limited')).toBe(0.5);
    // half rate: one every 2 s; the other key is untouched
    expect(await admittedIn('platform:a', 10_000, 20_000)).toBe(5);
    expect(await admittedIn('platform:b', 20_000, 30_000)).toBe(10);
    // one minute after the 429 the factor is back to 1 (0.5 per minute)
    clock.ms = 70_000;
    expect(limiter.factor('platform:a')).toBe(1);
    expect(await admittedIn('platform:a', 70_000, 80_000)).toBe(10);
  });

  it('reaches adaptive levels through MultiLevelLimiter.onResult', async () => {
    const clock = fakeClock();
    const multi = createRequestLimiter({ userPerMinute: 6, now: clock.now });
    multi.onResult({ user: '1', platform: 'tiktok' }, 'rate_limited');
    // platform capacity 60/min: at half rate the 61st request waits 2 s instead of 1 s
    for (let i = 0; i < 60; i++) await multi.consume({ user: String(i), platform: 'tiktok' });
    expect(await multi.consume({ user: 'x', platform: 'tiktok' })).toMatchObject({ allowed: false, deniedBy: 'platform', retryAfterMs: 2000 });
  });
});
