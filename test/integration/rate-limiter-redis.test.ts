import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { MultiLevelLimiter, RedisRateLimiter, createRateLimiter, type AlgorithmSpec } from '../../src/utils/rate-limiter.js';
import { LuaScript } from '../../src/utils/rate-limiter/redis-scripts.js';
import { LIMITER_CASES } from '../support/rate-limiter-cases.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key this run writes starts with this, so parallel runs never share state. */
const PREFIX = `dlbot-test:rl:${process.pid}-${randomBytes(4).toString('hex')}:`;
let redis: Redis;
let other: Redis;
let caseNo = 0;
const prefix = () => `${PREFIX}${++caseNo}:`;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  other = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await Promise.all([redis.connect(), other.connect()]);
});

afterAll(async () => {
  if (!redis) return;
  for await (const keys of redis.scanStream({ match: `${PREFIX}*`, count: 500 })) {
    if ((keys as string[]).length) await redis.del(...(keys as string[]));
  }
  await Promise.all([redis.quit(), other.quit()]);
});

describe('rate limiter algorithms (Redis backend, same table as the memory backend)', () => {
  for (const c of LIMITER_CASES) {
    it(c.name, async () => {
      const clock = { ms: 0 };
      const limiter = createRateLimiter({ ...c.spec, redis, prefix: prefix(), now: () => clock.ms });
      expect(limiter).toBeInstanceOf(RedisRateLimiter);
      for (const [i, step] of c.steps.entries()) {
        clock.ms = step.atMs;
        const key = step.key ?? 'k';
        if (step.op === 'refund') {
          await limiter.refund(key, step.cost ?? 1);
          continue;
        }
        const decision = await limiter.consume(key, step.cost ?? 1);
        if (step.expect) expect({ step: i, ...decision }, `step ${i} at ${step.atMs} ms`).toMatchObject({ step: i, ...step.expect });
      }
    });
  }
});

describe('Redis limiters shared by several processes', () => {
  const specs: AlgorithmSpec[] = [
    { algorithm: 'token-bucket', capacity: 25, ratePerMinute: 1 },
    { algorithm: 'sliding-window', limit: 25, windowMs: 60_000 },
    { algorithm: 'leaky-bucket', capacity: 25, ratePerMinute: 1 },
  ];
  for (const spec of specs) {
    it(`two instances on two connections spend one ${spec.algorithm} budget: exactly 25 of 80 concurrent calls pass`, async () => {
      const p = prefix();
      // Redis' own clock decides (no `now`), as in production
      const a = createRateLimiter({ ...spec, redis, prefix: p });
      const b = createRateLimiter({ ...spec, redis: other, prefix: p });
      const calls = Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).consume('user:1'));
      const decisions = await Promise.all(calls);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
      expect((await a.consume('user:1')).allowed).toBe(false);
      expect((await b.consume('user:1')).allowed).toBe(false);
      // a reset through one instance is seen by the other
      await a.reset('user:1');
      expect(await b.consume('user:1')).toMatchObject({ allowed: true, remaining: 24 });
    });
  }

  it('does not mix limiters with different prefixes', async () => {
    const spec = { algorithm: 'token-bucket', capacity: 1, ratePerMinute: 1 } as const;
    const a = createRateLimiter({ ...spec, redis, prefix: prefix() });
    const b = createRateLimiter({ ...spec, redis, prefix: prefix() });
    expect((await a.consume('k')).allowed).toBe(true);
    expect((await b.consume('k')).allowed).toBe(true);
  });
});

describe('idle keys in Redis', () => {
  it('sets PEXPIRE to the instant the key would be fresh again', async () => {
    const p = prefix();
    const clock = { ms: 1_000_000 };
    const now = () => clock.ms;
    const token = createRateLimiter({ algorithm: 'token-bucket', capacity: 10, ratePerMinute: 60, redis, prefix: p + 'tb:', now });
    const window = createRateLimiter({ algorithm: 'sliding-window', limit: 10, windowMs: 5000, redis, prefix: p + 'sw:', now });
    const leaky = createRateLimiter({ algorithm: 'leaky-bucket', capacity: 10, ratePerMinute: 60, redis, prefix: p + 'lb:', now });
    await token.consume('k', 3); // 3 tokens short → full in 3000 ms
    await window.consume('k', 1); // the entry leaves after 5000 ms
    await leaky.consume('k', 4); // 4 queued → drained in 4000 ms
    const ttl = async (key: string) => redis.pttl(key);
    // PTTL counts down in real time; a generous lower bound keeps this independent of load
    expect(await ttl(`${p}tb:k`)).toBeLessThanOrEqual(3000);
    expect(await ttl(`${p}tb:k`)).toBeGreaterThan(2000);
    expect(await ttl(`${p}sw:k`)).toBeLessThanOrEqual(5000);
    expect(await ttl(`${p}sw:k`)).toBeGreaterThan(4000);
    expect(await ttl(`${p}lb:k`)).toBeLessThanOrEqual(4000);
    expect(await ttl(`${p}lb:k`)).toBeGreaterThan(3000);
    // a refund back to a full bucket deletes the key at once
    await token.refund('k', 3);
    expect(await redis.exists(`${p}tb:k`)).toBe(0);
  });

  it('lets Redis drop a key once it has gone idle', async () => {
    const p = prefix();
    const limiter = createRateLimiter({ algorithm: 'sliding-window', limit: 5, windowMs: 100, redis, prefix: p });
    await limiter.consume('k');
    expect(await redis.exists(`${p}k`)).toBe(1);
    let exists = 1;
    for (let i = 0; i < 40 && exists; i++) {
      await sleep(50);
      exists = await redis.exists(`${p}k`);
    }
    expect(exists).toBe(0);
  });
});

describe('multi-level and adaptive limits on Redis', () => {
  it('a user over their limit never touches the global key', async () => {
    const p = prefix();
    const user = createRateLimiter({ algorithm: 'token-bucket', capacity: 1, ratePerMinute: 1, redis, prefix: p });
    const global = createRateLimiter({ algorithm: 'sliding-window', limit: 100, windowMs: 60_000, redis, prefix: p });
    const multi = new MultiLevelLimiter([
      { name: 'user', limiter: user },
      { name: 'global', limiter: global },
    ]);
    expect((await multi.consume({ user: '7' })).allowed).toBe(true);
    await global.reset('global');
    const refused = await multi.consume({ user: '7' });
    expect(refused).toMatchObject({ allowed: false, deniedBy: 'user' });
    expect(await redis.exists(`${p}global`)).toBe(0);
  });

  it('runs the scaled rate factor inside the script', async () => {
    const clock = { ms: 0 };
    const limiter = createRateLimiter({ algorithm: 'token-bucket', capacity: 1, ratePerMinute: 60, redis, prefix: prefix(), now: () => clock.ms });
    await limiter.consume('k', 1, { rateFactor: 0.25 });
    expect(await limiter.consume('k', 1, { rateFactor: 0.25 })).toMatchObject({ allowed: false, retryAfterMs: 4000 });
  });
});

describe('LuaScript', () => {
  it('loads a script Redis does not know yet (NOSCRIPT) and then runs it by SHA', async () => {
    const script = new LuaScript(`-- ${randomBytes(8).toString('hex')}\nreturn {KEYS[1], ARGV[1]}`);
    expect(await script.run(redis, 'a-key', ['x'])).toEqual(['a-key', 'x']);
    expect(await script.run(other, 'b-key', [2])).toEqual(['b-key', '2']);
  });
});
