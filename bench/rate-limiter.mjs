#!/usr/bin/env node
// Rate limiter benchmark: decisions per second of each algorithm in memory and in Redis (one
// client, N calls in flight), plus the memory held by 100 000 idle-able keys before and after
// a sweep. Run after `npm run build`: `node bench/rate-limiter.mjs` (REDIS_URL, default
// redis://127.0.0.1:6379; BENCH_DIST overrides the compiled tree).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const dist = process.env.BENCH_DIST ?? new URL('../dist/', import.meta.url).href;
const { createRateLimiter, MemoryRateLimiter } = await import(new URL('utils/rate-limiter.js', dist.endsWith('/') ? dist : `${dist}/`).href);

const specs = [
  { algorithm: 'token-bucket', capacity: 1e9, ratePerMinute: 1e9 },
  { algorithm: 'sliding-window', limit: 50, windowMs: 1000 },
  { algorithm: 'leaky-bucket', capacity: 1e9, ratePerMinute: 1e9 },
];

async function rate(limiter, calls, inFlight, keys) {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < calls) {
      const i = next++;
      await limiter.consume(`user:${i % keys}`);
    }
  }));
  return Math.round(calls / ((performance.now() - started) / 1000));
}

const rows = [];
for (const spec of specs) rows.push({ backend: 'memory', algorithm: spec.algorithm, 'decisions/s': await rate(createRateLimiter(spec), 300_000, 1, 1000) });

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `dlbot-bench:rl:${randomBytes(4).toString('hex')}:`;
for (const spec of specs) {
  for (const inFlight of [1, 32]) {
    const limiter = createRateLimiter({ ...spec, redis, prefix: `${prefix}${spec.algorithm}:` });
    rows.push({ backend: `redis (${inFlight} in flight)`, algorithm: spec.algorithm, 'decisions/s': await rate(limiter, 20_000, inFlight, 1000) });
  }
}
for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) if (keys.length) await redis.del(...keys);
await redis.quit();
console.table(rows);

// idle cleanup: 100 000 users each spend one token, then the clock moves past their refill
let nowMs = 0;
const limiter = new MemoryRateLimiter({ algorithm: 'token-bucket', capacity: 5, ratePerMinute: 60 }, { now: () => nowMs, sweepIntervalMs: 1e12 });
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
for (let i = 0; i < 100_000; i++) await limiter.consume(`user:${i}`);
globalThis.gc?.();
const heapFull = process.memoryUsage().heapUsed;
nowMs = 1000;
const swept = limiter.sweep();
globalThis.gc?.();
const heapAfter = process.memoryUsage().heapUsed;
const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
console.log(`100 000 keys: +${mb(heapFull - heapBefore)} heap; sweep dropped ${swept}, heap back to +${mb(heapAfter - heapBefore)}${globalThis.gc ? '' : ' (run with --expose-gc for exact numbers)'}`);
