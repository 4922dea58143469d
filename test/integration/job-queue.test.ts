import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteJobQueue, type JobData } from '../../src/core/job-queue.js';
import { Worker } from '../../src/core/worker.js';
import { openDatabase, type SqliteDatabase } from '../../src/utils/store.js';
import { RetryPolicy, exponential } from '../../src/utils/retry.js';
import { DownloadError } from '../../src/utils/errors.js';
import { silentLogger } from '../../src/utils/logger.js';
import { startServer, type TestServer } from '../support/http-server.js';

const WORKER = join(import.meta.dirname, '..', 'support', 'queue-worker.mjs');
let dir: string;
let server: TestServer;

const job = (n: number, userId = 'u1'): JobData => ({ url: `https://example.com/v/${n}`, request: { quality: 'best' }, userId, source: 'test' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-queue-'));
  // a slow "media" server: 256 kB in 8 pieces over ~400 ms, so kills land mid-download
  server = await startServer({
    '/media': async (_req, res) => {
      res.writeHead(200, { 'content-length': String(8 * 32 * 1024) });
      for (let i = 0; i < 8 && !res.destroyed; i++) {
        res.write(Buffer.alloc(32 * 1024, i));
        await sleep(50);
      }
      res.end();
    },
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SqliteJobQueue', () => {
  let db: SqliteDatabase;
  let now = 1_000_000;
  let q: SqliteJobQueue;
  beforeAll(() => {
    db = openDatabase(':memory:');
    q = new SqliteJobQueue(db, { maxAttempts: 2, now: () => now });
  });

  it('hands out higher priority first, then oldest first, and tells queue positions', async () => {
    const a = await q.add(job(1));
    now++;
    const b = await q.add(job(2), { priority: 5 });
    now++;
    const c = await q.add(job(3));
    expect(await q.position(b.id)).toBe(1);
    expect(await q.position(a.id)).toBe(2);
    expect(await q.position(c.id)).toBe(3);
    expect((await q.claim('w', { leaseMs: 1000 }))!.id).toBe(b.id);
    expect((await q.claim('w', { leaseMs: 1000 }))!.id).toBe(a.id);
    expect(await q.position(c.id)).toBe(1);
    await q.complete(a.id, 'w', { files: 1 });
    expect(await q.get(a.id)).toMatchObject({ state: 'done', result: { files: 1 }, attempts: 1 });
    await q.complete(b.id, 'w');
    await q.cancel(c.id);
  });

  it('returns the active job for a repeated idempotency key', async () => {
    const first = await q.add(job(4), { key: 'chat1:msg9' });
    const again = await q.add(job(4), { key: 'chat1:msg9' });
    expect(again.id).toBe(first.id);
    await q.cancel(first.id);
    expect((await q.add(job(4), { key: 'chat1:msg9' })).id).not.toBe(first.id);
    await q.purgeDead();
    db.exec(`UPDATE jobs SET state = 'cancelled' WHERE state = 'queued'`);
  });

  it('caps running jobs per user', async () => {
    const x1 = await q.add(job(5, 'x'));
    const x2 = await q.add(job(6, 'x'));
    const y1 = await q.add(job(7, 'y'));
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(x1.id);
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(y1.id);
    expect(await q.claim('w', { leaseMs: 1000, perUserLimit: 1 })).toBeNull();
    await q.complete(x1.id, 'w');
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(x2.id);
    await q.complete(x2.id, 'w');
    await q.complete(y1.id, 'w');
  });

  it('reclaims a job whose lease ran out, and sends it to the DLQ when that was its last attempt', async () => {
    const j = await q.add(job(8));
    await q.claim('dead-worker', { leaseMs: 100 });
    now += 101;
    const again = await q.claim('w2', { leaseMs: 100 });
    expect(again).toMatchObject({ id: j.id, attempts: 2, workerId: 'w2' });
    expect(await q.heartbeat(j.id, 'dead-worker', 100)).toBe(false); // the old worker lost it
    now += 101;
    expect(await q.claim('w3', { leaseMs: 100 })).toBeNull();
    const dead = await q.listDead();
    expect(dead.map((d) => d.id)).toEqual([j.id]);
    expect(dead[0]!.errors.at(-1)).toMatchObject({ code: 'internal', message: 'The worker stopped while running the job.' });
  });

  it('retries after a delay, then moves to the DLQ with the error history; admin can retry or purge', async () => {
    const j = await q.add(job(9));
    await q.claim('w', { leaseMs: 1000 });
    expect(await q.fail(j.id, 'w', { code: 'fetch.failed', message: 'boom' }, { retryInMs: 500 })).toBe('retry');
    expect(await q.claim('w', { leaseMs: 1000 })).toBeNull(); // not before run_at
    now += 500;
    await q.claim('w', { leaseMs: 1000 });
    expect(await q.fail(j.id, 'w', { code: 'fetch.failed', message: 'boom again' })).toBe('dead');
    expect((await q.get(j.id))!.errors.map((e) => [e.code, e.attempt])).toEqual([['fetch.failed', 1], ['fetch.failed', 2]]);
    expect(await q.retryDead(j.id)).toBe(true);
    expect(await q.get(j.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const again = await q.claim('w', { leaseMs: 1000 });
    await q.fail(again!.id, 'w', { code: 'content.private', message: 'private' }, { final: true });
    expect(await q.purgeDead()).toBeGreaterThanOrEqual(1);
    expect((await q.counts()).dead).toBe(0);
  });

  it('marks delivery once', async () => {
    const j = await q.add(job(10));
    expect(await q.markDelivered(j.id)).toBe(true);
    expect(await q.markDelivered(j.id)).toBe(false);
  });
});

describe('Worker', () => {
  it('runs jobs, retries a retriable failure, sends a final one to the DLQ, and aborts a cancelled one', async () => {
    const q = new SqliteJobQueue(openDatabase(':memory:'), { maxAttempts: 3 });
    let flaky = 0;
    const seen: string[] = [];
    const worker = new Worker(
      q,
      async ({ job: j, signal }) => {
        seen.push(j.data.url);
        if (j.data.url.endsWith('/flaky') && ++flaky < 2) throw new DownloadError('fetch.failed');
        if (j.data.url.endsWith('/private')) throw new DownloadError('content.private');
        if (j.data.url.endsWith('/slow')) await sleep(5000, undefined, { signal });
        return 'ok';
      },
      { id: 'w', concurrency: 2, leaseMs: 300, heartbeatMs: 50, pollMs: 20, retry: new RetryPolicy({ maxAttempts: 3, strategy: exponential({ baseMs: 10, jitter: false }) }), logger: silentLogger },
    );
    const flakyJob = await q.add({ ...job(0), url: 'https://e.com/flaky' });
    const privateJob = await q.add({ ...job(0), url: 'https://e.com/private' });
    const slowJob = await q.add({ ...job(0), url: 'https://e.com/slow' });
    worker.start();
    await expect.poll(async () => (await q.get(flakyJob.id))!.state, { timeout: 5000 }).toBe('done');
    await expect.poll(async () => (await q.get(privateJob.id))!.state).toBe('dead');
    await expect.poll(() => worker.active).toBe(1);
    await q.cancel(slowJob.id);
    await expect.poll(() => worker.active, { timeout: 2000 }).toBe(0);
    expect(await q.get(slowJob.id)).toMatchObject({ state: 'cancelled' });
    expect((await q.get(flakyJob.id))!.attempts).toBe(2);
    await worker.stop(100);
  });
});

/** Spawns worker processes and SIGKILLs them mid-download; then one survivor drains the queue. */
async function crashRun(backend: 'sqlite' | 'redis', where: string, env: Record<string, string>, jobs: number) {
  const spawnWorker = (id: string): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = fork(WORKER, [backend, where, `${server.origin}/media`, id, dir], { env: { ...process.env, ...env }, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      child.once('message', () => resolve(child));
      child.once('error', reject);
    });
  for (let i = 0; i < 10; i++) {
    const child = await spawnWorker(`victim-${i}`);
    await sleep(150 + Math.floor(Math.random() * 250));
    const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(0) : child.once('exit', r)));
    child.kill('SIGKILL');
    await exited;
  }
  const survivor = await spawnWorker('survivor');
  return {
    survivor,
    stop: async () => {
      const exited = new Promise((r) => (survivor.exitCode !== null ? r(0) : survivor.once('exit', r)));
      survivor.kill('SIGTERM');
      await exited;
    },
    jobs,
  };
}

describe('crash safety (SQLite)', () => {
  it('kill -9 of a worker mid-download, 10 times in a row: every job delivered exactly once or dead-lettered, none lost', async () => {
    const path = join(dir, 'crash.db');
    const db = openDatabase(path);
    db.exec('CREATE TABLE IF NOT EXISTS deliveries (job_id TEXT NOT NULL, worker TEXT NOT NULL)');
    // a crash costs the job an attempt; 5 leave room for the 10 kills to land on the same job twice
    const q = new SqliteJobQueue(db, { maxAttempts: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await q.add(job(i, `user${i % 4}`))).id);
    const run = await crashRun('sqlite', path, {}, ids.length);
    const started = Date.now();
    await expect.poll(async () => { const c = await q.counts(); return c.queued + c.running; }, { timeout: 60_000, interval: 200 }).toBe(0);
    const recoveryMs = Date.now() - started;
    await run.stop();
    const deliveries = db.prepare('SELECT job_id, count(*) AS n FROM deliveries GROUP BY job_id').all() as Array<{ job_id: string; n: number }>;
    const delivered = new Map(deliveries.map((d) => [d.job_id, d.n]));
    for (const id of ids) {
      const j = (await q.get(id))!;
      expect(['done', 'dead'], `job ${id}`).toContain(j.state);
      if (j.state === 'done') expect(delivered.get(id), `deliveries of ${id}`).toBe(1);
      else expect(delivered.get(id) ?? 0).toBeLessThanOrEqual(1);
    }
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    expect((await q.counts()).done).toBeGreaterThan(0);
    console.info(`sqlite crash run: drained ${ids.length} jobs ${recoveryMs} ms after the last kill; done ${(await q.counts()).done}, dead ${(await q.counts()).dead}`);
    db.close();
  }, 180_000);
});

describe('housekeeping', () => {
  it('purges finished jobs older than the retention and old API result directories, keeping the rest', async () => {
    const { keepTidy } = await import('../../src/core/app.js');
    const { mkdir, utimes, readdir: list } = await import('node:fs/promises');
    let now = 10_000_000_000;
    const db = openDatabase(':memory:');
    const bot = new SqliteJobQueue(db, { maxAttempts: 2, now: () => now });
    const api = new SqliteJobQueue(db, { maxAttempts: 2, now: () => now, table: 'api_jobs' });
    const old = await bot.add(job(1));
    await bot.claim('w', { leaseMs: 1000 });
    await bot.complete(old.id, 'w');
    const waiting = await bot.add(job(2));
    now += 8 * 24 * 3600 * 1000;
    const recent = await api.add(job(3));
    await api.claim('w', { leaseMs: 1000 });
    await api.complete(recent.id, 'w');
    const results = join(dir, 'results');
    await mkdir(join(results, 'old-job'), { recursive: true });
    await mkdir(join(results, 'new-job'), { recursive: true });
    const twoDaysAgo = new Date(now - 2 * 24 * 3600 * 1000);
    await utimes(join(results, 'old-job'), twoDaysAgo, twoDaysAgo);
    await keepTidy({ bot, api }, results, silentLogger, now);
    expect(await bot.get(old.id)).toBeUndefined();
    expect((await bot.get(waiting.id))!.state).toBe('queued');
    expect((await api.get(recent.id))!.state).toBe('done');
    expect(await list(results)).toEqual(['new-job']);
  });
});
