#!/usr/bin/env node
// Redis job queue benchmark: jobs per second through add, and through claim + complete with
// several workers in flight, with and without a per-user cap (the cap makes a claim skip over
// capped users' jobs). Run after `npm run build`: `node bench/job-queue-redis.mjs`
// (REDIS_URL, default redis://127.0.0.1:6379; JOBS, default 5000). Keys live under a random
// prefix and are deleted at the end.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

const { RedisJobQueue } = await import(new URL('../dist/core/job-queue-redis.js', import.meta.url).href);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const jobs = Number(process.env.JOBS ?? 5000);
const run = `dlbot-bench:${randomUUID()}`;

async function pass(name, { workers, perUserLimit, users }) {
  const q = await RedisJobQueue.connect(url, { maxAttempts: 3, prefix: `${run}:${name}` });
  let started = performance.now();
  for (let i = 0; i < jobs; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, jobs - i) }, (_, k) => q.add({ url: `https://e.com/${i + k}`, request: {}, userId: `u${(i + k) % users}`, source: 'test' })));
  }
  const addPerSecond = Math.round(jobs / ((performance.now() - started) / 1000));
  started = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (;;) {
      const job = await q.claim(`w${w}`, { leaseMs: 30_000, ...(perUserLimit ? { perUserLimit } : {}) });
      if (!job) return;
      await q.complete(job.id, `w${w}`, { ok: true });
      done++;
    }
  }));
  const runPerSecond = Math.round(done / ((performance.now() - started) / 1000));
  await q.close();
  return { pass: name, jobs, workers, perUserLimit: perUserLimit ?? '-', users, 'add/s': addPerSecond, 'claim+complete/s': runPerSecond, finished: done };
}

const rows = [
  await pass('plain', { workers: 8, users: 100 }),
  await pass('capped', { workers: 8, perUserLimit: 1, users: 100 }),
  await pass('one-user-capped', { workers: 8, perUserLimit: 2, users: 1 }),
];
console.table(rows);

const admin = new Redis(url);
const keys = [];
for await (const batch of admin.scanStream({ match: `${run}:*`, count: 1000 })) keys.push(...batch);
for (let i = 0; i < keys.length; i += 1000) await admin.del(...keys.slice(i, i + 1000));
await admin.quit();
