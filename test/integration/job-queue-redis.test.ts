import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisJobQueue } from '../../src/core/job-queue-redis.js';
import type { JobData } from '../../src/core/job-queue.js';
import { Worker } from '../../src/core/worker.js';
import { RetryPolicy, exponential } from '../../src/utils/retry.js';
import { DownloadError } from '../../src/utils/errors.js';
import { silentLogger } from '../../src/utils/logger.js';
import { startServer, type TestServer } from '../support/http-server.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const WORKER = join(import.meta.dirname, '..', 'support', 'queue-worker.mjs');
/** Every key this file writes lives under this prefix; afterAll deletes them. */
const RUN = `dlbot-test:${randomUUID()}`;
let dir: string;
let server: TestServer;
let admin: Redis;

const job = (n: number, userId = 'u1'): JobData => ({ url: `https://example.com/v/${n}`, request: { quality: 'best' }, userId, source: 'test' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-redis-queue-'));
  admin = new Redis(REDIS_URL);
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
  if (admin) {
    const keys: string[] = [];
    for await (const batch of admin.scanStream({ match: `${RUN}:*`, count: 500 })) keys.push(...(batch as string[]));
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('RedisJobQueue', () => {
  let now = 1_000_000;
  let q: RedisJobQueue;
  let prefix: string;
  // a fresh queue per test: independent cases, and the fake clock makes lease expiry exact
  beforeEach(async () => {
    prefix = `${RUN}:${randomUUID()}`;
    q = await RedisJobQueue.connect(REDIS_URL, { maxAttempts: 2, prefix, now: () => now });
  });
  afterEach(async () => {
    await q.close();
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
    expect(await q.position(a.id)).toBeUndefined();
    await q.complete(a.id, 'w', { files: 1 });
    expect(await q.get(a.id)).toMatchObject({ state: 'done', result: { files: 1 }, attempts: 1, data: job(1), priority: 0, delivered: false });
    await q.complete(b.id, 'w');
    await q.cancel(c.id);
    expect(await q.counts()).toEqual({ queued: 0, running: 0, done: 2, cancelled: 1, dead: 0 });
  });

  it('keeps FIFO within a priority for a job retried later (it keeps its place) and counts delayed jobs in positions', async () => {
    const a = await q.add(job(1));
    const b = await q.add(job(2));
    await q.claim('w', { leaseMs: 1000 });
    expect(await q.fail(a.id, 'w', { code: 'fetch.failed', message: 'boom' }, { retryInMs: 100 })).toBe('retry');
    expect(await q.position(a.id)).toBe(1); // waiting out its delay, still first in line
    expect(await q.position(b.id)).toBe(2);
    expect((await q.claim('w', { leaseMs: 1000 }))!.id).toBe(b.id); // a is not due yet
    now += 100;
    expect((await q.claim('w', { leaseMs: 1000 }))!.id).toBe(a.id);
  });

  it('returns the active job for a repeated idempotency key', async () => {
    const first = await q.add(job(4), { key: 'chat1:msg9' });
    const again = await q.add(job(4), { key: 'chat1:msg9' });
    expect(again.id).toBe(first.id);
    expect((await q.counts()).queued).toBe(1);
    await q.cancel(first.id);
    const fresh = await q.add(job(4), { key: 'chat1:msg9' });
    expect(fresh.id).not.toBe(first.id);
    expect(fresh.key).toBe('chat1:msg9');
    // a running job still holds its key; a finished one frees it
    await q.claim('w', { leaseMs: 1000 });
    expect((await q.add(job(4), { key: 'chat1:msg9' })).id).toBe(fresh.id);
    await q.complete(fresh.id, 'w');
    expect((await q.add(job(4), { key: 'chat1:msg9' })).id).not.toBe(fresh.id);
  });

  it('caps running jobs per user', async () => {
    const x1 = await q.add(job(5, 'x'));
    const x2 = await q.add(job(6, 'x'));
    const y1 = await q.add(job(7, 'y'));
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(x1.id);
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(y1.id);
    expect(await q.claim('w', { leaseMs: 1000, perUserLimit: 1 })).toBeNull();
    expect(await q.position(x2.id)).toBe(1);
    await q.complete(x1.id, 'w');
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(x2.id);
    await q.complete(x2.id, 'w');
    await q.complete(y1.id, 'w');
  });

  it('looks past a capped user\'s long line to the next user\'s job', async () => {
    for (let i = 0; i < 46; i++) await q.add(job(i, 'x')); // the claim reads the line in pages of 8, 32, …
    const y = await q.add(job(99, 'y'));
    await q.claim('w', { leaseMs: 1000, perUserLimit: 1 });
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(y.id);
    expect(await q.claim('w', { leaseMs: 1000, perUserLimit: 1 })).toBeNull();
    expect(await q.counts()).toMatchObject({ queued: 45, running: 2 });
  });

  it('does not count a user job whose lease ran out against the cap', async () => {
    const x1 = await q.add(job(1, 'x'));
    const x2 = await q.add(job(2, 'x'));
    await q.claim('gone', { leaseMs: 100 });
    expect(await q.claim('w', { leaseMs: 100, perUserLimit: 1 })).toBeNull();
    now += 101;
    // x1's lease ran out: it is first in line again, and no longer holds the user's slot
    expect((await q.claim('w', { leaseMs: 100, perUserLimit: 1 }))!.id).toBe(x1.id);
    expect(await q.claim('w', { leaseMs: 100, perUserLimit: 1 })).toBeNull();
    expect((await q.claim('w', { leaseMs: 100 }))!.id).toBe(x2.id);
  });

  it('reclaims a job whose lease ran out, and sends it to the DLQ when that was its last attempt', async () => {
    const j = await q.add(job(8));
    await q.claim('dead-worker', { leaseMs: 100 });
    now += 101;
    const again = await q.claim('w2', { leaseMs: 100 });
    expect(again).toMatchObject({ id: j.id, attempts: 2, workerId: 'w2', state: 'running' });
    expect(await q.heartbeat(j.id, 'dead-worker', 100)).toBe(false); // the old worker lost it
    now += 101;
    expect(await q.claim('w3', { leaseMs: 100 })).toBeNull();
    const dead = await q.listDead();
    expect(dead.map((d) => d.id)).toEqual([j.id]);
    expect(dead[0]!.errors.at(-1)).toMatchObject({ code: 'internal', message: 'The worker stopped while running the job.', attempt: 2 });
    expect(await q.counts()).toMatchObject({ running: 0, dead: 1 });
  });

  it('lets a late worker keep its job when it renews before anyone reclaims it', async () => {
    const j = await q.add(job(1));
    await q.claim('slow', { leaseMs: 100 });
    now += 150;
    expect(await q.heartbeat(j.id, 'slow', 100, { percent: 40 })).toBe(true);
    expect(await q.claim('other', { leaseMs: 100 })).toBeNull();
    expect(await q.get(j.id)).toMatchObject({ state: 'running', workerId: 'slow', progress: { percent: 40 }, attempts: 1 });
  });

  it('retries after a delay, then moves to the DLQ with the error history; admin can retry or purge', async () => {
    const j = await q.add(job(9));
    await q.claim('w', { leaseMs: 1000 });
    expect(await q.fail(j.id, 'w', { code: 'fetch.failed', message: 'boom' }, { retryInMs: 500 })).toBe('retry');
    expect(await q.claim('w', { leaseMs: 1000 })).toBeNull(); // not before run_at
    now += 500;
    await q.claim('w', { leaseMs: 1000 });
    expect(await q.fail(j.id, 'w', { code: 'fetch.failed', message: 'boom again' })).toBe('dead');
    expect(await q.fail(j.id, 'w', { code: 'fetch.failed', message: 'late' })).toBe('lost');
    expect((await q.get(j.id))!.errors.map((e) => [e.code, e.message, e.attempt])).toEqual([['fetch.failed', 'boom', 1], ['fetch.failed', 'boom again', 2]]);
    expect(await q.retryDead(j.id)).toBe(true);
    expect(await q.retryDead(j.id)).toBe(false);
    expect(await q.get(j.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const again = await q.claim('w', { leaseMs: 1000 });
    expect(again).toMatchObject({ id: j.id, attempts: 1 });
    expect(await q.fail(again!.id, 'w', { code: 'content.private', message: 'private «ünïcode» "quoted"' }, { final: true })).toBe('dead');
    expect((await q.get(j.id))!.errors.at(-1)).toMatchObject({ code: 'content.private', message: 'private «ünïcode» "quoted"', attempt: 1 });
    expect(await q.purgeDead()).toBe(1);
    expect(await q.get(j.id)).toBeUndefined();
    expect((await q.counts()).dead).toBe(0);
  });

  it('cancels a running job: its next heartbeat says no, and its completion is ignored', async () => {
    const j = await q.add(job(1, 'x'));
    await q.claim('w', { leaseMs: 1000, perUserLimit: 1 });
    expect(await q.cancel(j.id)).toBe(true);
    expect(await q.cancel(j.id)).toBe(false);
    expect(await q.heartbeat(j.id, 'w', 1000)).toBe(false);
    await q.complete(j.id, 'w', { late: true });
    expect(await q.get(j.id)).toMatchObject({ state: 'cancelled' });
    expect((await q.get(j.id))!.result).toBeUndefined();
    // the cancelled job no longer holds the user's slot
    const next = await q.add(job(2, 'x'));
    expect((await q.claim('w', { leaseMs: 1000, perUserLimit: 1 }))!.id).toBe(next.id);
  });

  it('marks delivery once', async () => {
    const j = await q.add(job(10));
    expect(await q.markDelivered(j.id)).toBe(true);
    expect(await q.markDelivered(j.id)).toBe(false);
    expect((await q.get(j.id))!.delivered).toBe(true);
    expect(await q.markDelivered('no-such-job')).toBe(false);
  });

  it('delivers atomically once: the caller commands run with the flag, never a second time', async () => {
    const j = await q.add(job(11));
    const list = `${prefix}:deliveries`;
    await q.claim('w', { leaseMs: 1000 });
    // heartbeats change the job hash while deliveries race: WATCH retries, still one delivery
    const beats = Array.from({ length: 20 }, () => q.heartbeat(j.id, 'w', 1000));
    const results = await Promise.all([1, 2, 3, 4].map(() => q.deliverAtomically(j.id, (multi) => multi.rpush(list, j.id))));
    await Promise.all(beats);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await admin.lrange(list, 0, -1)).toEqual([j.id]);
    expect((await q.get(j.id))!.delivered).toBe(true);
    expect(await q.markDelivered(j.id)).toBe(false);
    expect(await q.deliverAtomically('no-such-job', (multi) => multi.rpush(list, 'x'))).toBe(false);
  });

  it('gives up a delivery at once when the caller\'s part fails, not after the outage timeout', async () => {
    const j = await q.add(job(12));
    const started = Date.now();
    await expect(q.deliverAtomically(j.id, () => { throw new Error('bad recipient'); })).rejects.toThrow('bad recipient');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await q.get(j.id))!.delivered).toBe(false); // nothing was sent
    // a command Redis rejects inside EXEC: the rest of the transaction (the flag) still applied
    await admin.set(`${prefix}:not-a-list`, 'x');
    await expect(q.deliverAtomically(j.id, (multi) => multi.rpush(`${prefix}:not-a-list`, j.id))).rejects.toThrow(/WRONGTYPE/);
    expect((await q.get(j.id))!.delivered).toBe(true);
  });

  it('rejects a priority it cannot order exactly', async () => {
    await expect(q.add(job(1), { priority: 2 ** 21 })).rejects.toThrow(RangeError);
    await expect(q.add(job(1), { priority: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('Worker on Redis', () => {
  it('runs jobs, retries a retriable failure, sends a final one to the DLQ, and aborts a cancelled one', async () => {
    const q = await RedisJobQueue.connect(REDIS_URL, { maxAttempts: 3, prefix: `${RUN}:worker` });
    let flaky = 0;
    const worker = new Worker(
      q,
      async ({ job: j, signal }) => {
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
    expect(await q.get(flakyJob.id)).toMatchObject({ attempts: 2, result: 'ok' });
    await worker.stop(100);
    await q.close();
  });
});

/** Forks test/support/queue-worker.mjs (it imports dist/: `npm run build` first) against a Redis queue. */
function spawnWorker(url: string, prefix: string, id: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, ['redis', url, `${server.origin}/media`, id, dir], {
      env: { ...process.env, QUEUE_PREFIX: prefix },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', () => resolve(child));
    child.once('error', reject);
  });
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(0) : child.once('exit', r)));
  child.kill('SIGKILL');
  await exited;
}

async function stopGracefully(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(0) : child.once('exit', r)));
  child.kill('SIGTERM');
  await exited;
}

/** Every job ended done with exactly one delivery, or dead with at most one; no delivery of an unknown id. */
async function expectDeliveredOnceOrDead(q: RedisJobQueue, redis: Redis, prefix: string, ids: string[]) {
  const entries = await redis.lrange(`${prefix}:deliveries`, 0, -1);
  const delivered = new Map<string, number>();
  for (const id of entries) delivered.set(id, (delivered.get(id) ?? 0) + 1);
  for (const id of ids) {
    const j = (await q.get(id))!;
    expect(['done', 'dead'], `job ${id}`).toContain(j.state);
    if (j.state === 'done') expect(delivered.get(id), `deliveries of ${id}`).toBe(1);
    else expect(delivered.get(id) ?? 0).toBeLessThanOrEqual(1);
  }
  expect([...delivered.keys()].every((id) => ids.includes(id))).toBe(true);
  expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  const dead = await q.listDead(ids.length);
  // why the dead ones died: with kills only, the lease ran out on their last attempt
  return dead.map((j) => j.errors.at(-1)?.code ?? '?').join(',') || 'none';
}

describe('crash safety (Redis)', () => {
  it('kill -9 of a worker mid-download, 10 times in a row: every job delivered exactly once or dead-lettered, none lost', async () => {
    const prefix = `${RUN}:crash`;
    // a crash costs the job an attempt; 5 leave room for the 10 kills to land on the same job twice
    const q = await RedisJobQueue.connect(REDIS_URL, { maxAttempts: 5, prefix });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await q.add(job(i, `user${i % 4}`))).id);
    for (let i = 0; i < 10; i++) {
      const child = await spawnWorker(REDIS_URL, prefix, `victim-${i}`);
      await sleep(150 + Math.floor(Math.random() * 250));
      await killHard(child);
    }
    const killedAt = Date.now();
    const left = await q.counts();
    const orphans = (await Promise.all(ids.map((id) => q.get(id)))).filter((j) => j!.state === 'running').map((j) => j!.id);
    const survivor = await spawnWorker(REDIS_URL, prefix, 'survivor');
    const started = Date.now();
    // the dead worker's leases run out (600 ms) and the survivor takes its jobs over
    await expect.poll(async () => (await Promise.all(orphans.map((id) => q.get(id)))).every((j) => j!.state !== 'running' || j!.workerId === 'survivor'), { timeout: 30_000, interval: 10 }).toBe(true);
    const takeoverMs = Date.now() - killedAt;
    await expect.poll(async () => { const c = await q.counts(); return c.queued + c.running; }, { timeout: 60_000, interval: 50 }).toBe(0);
    const recoveryMs = Date.now() - started;
    await stopGracefully(survivor);
    const deadCodes = await expectDeliveredOnceOrDead(q, admin, prefix, ids);
    const counts = await q.counts();
    expect(counts.done).toBeGreaterThan(0);
    expect(counts.done + counts.dead).toBe(ids.length);
    const attempts = (await Promise.all(ids.map((id) => q.get(id)))).reduce((n, j) => n + j!.attempts, 0);
    console.info(`redis crash run: the killed worker's ${orphans.length} jobs taken over ${takeoverMs} ms after the kill (survivor start included); ${left.queued} queued + ${left.running} orphaned drained ${recoveryMs} ms after the survivor started; done ${counts.done}, dead ${counts.dead} (${deadCodes}), attempts ${attempts}`);
    await q.close();
  }, 120_000);
});

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const reply = await run('redis-cli', ['-p', String(port), 'ping']).then((r) => r.stdout.trim(), () => '');
    if (reply === 'PONG') return;
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not come up`);
}

describe('Redis restart', () => {
  it('workers reconnect after Redis is killed mid-run and restarted from its AOF; every job still ends delivered once or dead', async () => {
    const port = await freePort();
    const data = await mkdtemp(join(tmpdir(), 'dlbot-redis-aof-'));
    const url = `redis://127.0.0.1:${port}`;
    const startRedis = async () => {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', data], { stdio: 'ignore' });
      await waitForRedis(port);
      return child;
    };
    let redisServer = await startRedis();
    const prefix = 'restart';
    const q = await RedisJobQueue.connect(url, { maxAttempts: 5, prefix });
    const direct = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
    direct.on('error', () => undefined);
    const workers: ChildProcess[] = [];
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await q.add(job(i, `user${i % 4}`))).id);
      workers.push(await spawnWorker(url, prefix, 'a'), await spawnWorker(url, prefix, 'b'));
      await sleep(300); // mid-download: four jobs leased, some heartbeats in flight
      const before = await q.counts();
      expect(before.running).toBeGreaterThan(0);
      await killHard(redisServer);
      // down longer than the 600 ms lease: every lease has run out when Redis returns
      const outageMs = 1000;
      await sleep(outageMs);
      redisServer = await startRedis();
      const upAt = Date.now();
      const doneBefore = before.done;
      // the first completion after the restart: the workers reconnected and finish work again
      await expect.poll(async () => (await q.counts()).done, { timeout: 30_000, interval: 20 }).toBeGreaterThan(doneBefore);
      const firstDoneMs = Date.now() - upAt;
      await expect.poll(async () => { const c = await q.counts(); return c.queued + c.running; }, { timeout: 30_000, interval: 50 }).toBe(0);
      const recoveryMs = Date.now() - upAt;
      // the workers are alive (not crashed by the outage) and still serving
      expect(workers.every((w) => w.exitCode === null && w.signalCode === null)).toBe(true);
      const deadCodes = await expectDeliveredOnceOrDead(q, direct, prefix, ids);
      const counts = await q.counts();
      expect(counts.done + counts.dead).toBe(ids.length);
      expect(counts.done).toBeGreaterThan(0);
      const attempts = (await Promise.all(ids.map((id) => q.get(id)))).reduce((n, j) => n + j!.attempts, 0);
      console.info(`redis restart (${attempts} attempts for ${ids.length} jobs): SIGKILLed Redis with ${before.running} jobs running and ${before.queued} queued, down ${outageMs} ms; first job completed ${firstDoneMs} ms and queue drained ${recoveryMs} ms after Redis was back; done ${counts.done}, dead ${counts.dead} (${deadCodes})`);
    } finally {
      await Promise.all(workers.map(stopGracefully));
      await q.close();
      direct.disconnect();
      await killHard(redisServer);
      await rm(data, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * A TCP proxy in front of Redis that, once armed with a marker, cuts the connection right after
 * Redis answered the command carrying it: the command ran, its reply is lost, and ioredis resends
 * it on the next connection — what a Redis restart or a network blip does to a command in flight.
 */
async function startCuttingProxy(targetPort: number) {
  let marker: string | undefined;
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connectTcp(targetPort, '127.0.0.1');
    let cutOnReply = false;
    client.on('data', (chunk: Buffer) => {
      if (marker && chunk.includes(marker)) {
        cutOnReply = true;
        marker = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cutOnReply) return void client.write(chunk);
      cuts++;
      client.destroy();
      upstream.destroy();
    });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cutAfter: (text: string) => void (marker = text),
    get cuts() {
      return cuts;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('commands resent after a lost reply', () => {
  it('an add, a claim, a delivery and a markDelivered whose replies were lost take effect once', async () => {
    const proxy = await startCuttingProxy(6379);
    const prefix = `${RUN}:resend`;
    const q = await RedisJobQueue.connect(proxy.url, { maxAttempts: 2, prefix });
    try {
      // run every script once so Redis has them cached: a NOSCRIPT reply would be cut instead of the real one
      const warm = await q.add(job(0));
      await q.claim('warm', { leaseMs: 1000 });
      await q.markDelivered(warm.id);
      await q.complete(warm.id, 'warm');

      proxy.cutAfter('https://example.com/v/resent');
      const a = await q.add({ ...job(1), url: 'https://example.com/v/resent' });
      expect(proxy.cuts).toBe(1);
      expect((await q.counts()).queued).toBe(1); // no twin from the resend
      const b = await q.add(job(2));

      proxy.cutAfter('claimer-after-cut');
      const claimed = await q.claim('claimer-after-cut', { leaseMs: 5000 });
      expect(proxy.cuts).toBe(2);
      expect(claimed).toMatchObject({ id: a.id, attempts: 1 });
      expect(await q.counts()).toMatchObject({ running: 1, queued: 1 }); // the resend did not take b too
      expect(await q.position(b.id)).toBe(1);

      proxy.cutAfter(`${prefix}:deliveries`);
      expect(await q.deliverAtomically(a.id, (multi) => multi.rpush(`${prefix}:deliveries`, a.id))).toBe(true);
      expect(proxy.cuts).toBe(3);
      expect(await admin.lrange(`${prefix}:deliveries`, 0, -1)).toEqual([a.id]);
      expect(await q.deliverAtomically(a.id, (multi) => multi.rpush(`${prefix}:deliveries`, a.id))).toBe(false);

      proxy.cutAfter(b.id);
      expect(await q.markDelivered(b.id)).toBe(true); // its own resent call still gets its "yes"
      expect(proxy.cuts).toBe(4);
      expect(await q.markDelivered(b.id)).toBe(false);
    } finally {
      await q.close();
      await proxy.close();
    }
  });
});
