import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { HybridCache, type HybridCacheOptions } from '../../src/utils/cache.js';
import type { RedisTierOptions } from '../../src/utils/cache-redis.js';
import { openDatabase, type SqliteDatabase } from '../../src/utils/store.js';

// Every run writes under its own prefix on the machine's real Redis and removes it afterwards.
const PREFIX = `dlbot:test:cache:${process.pid}:${randomUUID()}:`;
const clients: Redis[] = [];
const caches: HybridCache[] = [];
const dbs: SqliteDatabase[] = [];
let dir: string;
let admin: Redis;

function client(): Redis {
  const c = new Redis({ host: '127.0.0.1', port: 6379, commandTimeout: 2000, maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}

/** One "process": its own Redis connection, its own memory and optionally its own disk tier. */
function instance(options: Partial<HybridCacheOptions> & { withDisk?: boolean; redisOptions?: Partial<RedisTierOptions> } = {}): HybridCache {
  const { withDisk, redisOptions, ...rest } = options;
  const db = withDisk ? openDatabase(join(dir, `${randomUUID()}.db`)) : undefined;
  if (db) dbs.push(db);
  const cache = new HybridCache({
    memoryMaxBytes: 1_000_000,
    sweepIntervalMs: 0,
    redis: { client: client(), prefix: PREFIX, ...redisOptions },
    ...(db ? { disk: { db } } : {}),
    ...rest,
  });
  caches.push(cache);
  return cache;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlbot-cache-redis-'));
  admin = client();
});

afterEach(() => {
  for (const cache of caches.splice(0)) cache.close();
  for (const db of dbs.splice(0)) db.close();
});

afterAll(async () => {
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length > 0) await admin.del(...keys);
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  rmSync(dir, { recursive: true, force: true });
});

describe('HybridCache Redis tier', () => {
  it('is shared: what one instance sets, another reads, then serves from its own memory', async () => {
    const a = instance();
    const b = instance();
    const info = { platform: 'vimeo', id: '76979871', formats: [{ id: 'hls-1080p', height: 1080 }] };
    await a.set('info:vimeo:76979871', info, 60);

    const ttlMs = await admin.pttl(`${PREFIX}info:vimeo:76979871`);
    expect(ttlMs).toBeGreaterThan(50_000);
    expect(ttlMs).toBeLessThanOrEqual(60_000);

    expect(await b.get('info:vimeo:76979871')).toEqual(info);
    expect(b.stats()).toMatchObject({ hits: 1, misses: 0, memory: { hits: 0, misses: 1 }, redis: { hits: 1, misses: 0, errors: 0 } });
    expect(await b.get('info:vimeo:76979871')).toEqual(info);
    expect(b.stats()).toMatchObject({ hits: 2, memory: { hits: 1, entries: 1 }, redis: { hits: 1 } });
  });

  it('falls through memory → disk → Redis and counts a miss in every tier when nobody has it', async () => {
    const a = instance({ withDisk: true });
    expect(await a.get('nobody-has-this')).toBeUndefined();
    expect(a.stats()).toMatchObject({
      hits: 0,
      misses: 1,
      memory: { misses: 1 },
      disk: { misses: 1 },
      redis: { misses: 1, errors: 0 },
    });
  });

  it('delete reaches every process through Redis', async () => {
    const a = instance();
    await a.set('link:short', 'https://www.tiktok.com/@x/video/1', 60);
    await a.delete('link:short');
    const fresh = instance();
    expect(await fresh.get('link:short')).toBeUndefined();
    expect(await admin.exists(`${PREFIX}link:short`)).toBe(0);
  });

  it('writes through by policy: below minPriority or above maxEntryBytes stays local', async () => {
    const a = instance({ redisOptions: { minPriority: 'normal', maxEntryBytes: 1000 } });
    await a.set('p:low', 1, 60, { priority: 'low' });
    await a.set('p:normal', 2, 60);
    await a.set('p:high', 3, 60, { priority: 'high' });
    await a.set('p:big', 'x'.repeat(2000), 60);
    expect(await admin.exists(`${PREFIX}p:low`)).toBe(0);
    expect(await admin.exists(`${PREFIX}p:normal`)).toBe(1);
    expect(await admin.exists(`${PREFIX}p:high`)).toBe(1);
    expect(await admin.exists(`${PREFIX}p:big`)).toBe(0);
    expect(await a.get('p:low')).toBe(1); // still cached locally
  });

  it('keeps the writer’s placement: an entry pinned to disk stays on disk in the reader', async () => {
    const a = instance();
    const b = instance({ withDisk: true, promoteAfterHits: 1 });
    await a.set('pinned', { big: true }, 60, { tier: 'disk' });
    expect(await b.get('pinned')).toEqual({ big: true });
    expect(await b.get('pinned')).toEqual({ big: true });
    expect(b.stats()).toMatchObject({ promotions: 0, memory: { entries: 0 }, disk: { entries: 1, hits: 1 }, redis: { hits: 1 } });
  });

  it('a local copy expires when Redis’s TTL runs out, not later', async () => {
    let nowMs = Date.now();
    const a = instance();
    const b = instance({ now: () => nowMs });
    await a.set('short-lived', 'v', 5);
    expect(await b.get('short-lived')).toBe('v');
    nowMs += 5_001;
    expect(await b.get('short-lived')).toBe('v'); // Redis (real clock) still has it
    expect(b.stats()).toMatchObject({ memory: { expired: 1 }, redis: { hits: 2 } });
  });

  it('a value it did not write (another program on the prefix) reads as a counted error, not a throw', async () => {
    await admin.set(`${PREFIX}foreign`, 'not ours', 'PX', 60_000);
    const a = instance();
    expect(await a.get('foreign')).toBeUndefined();
    expect(a.stats()).toMatchObject({ misses: 1, redis: { hits: 0, errors: 1 } });
  });

  it('a Redis outage is counted and read as a miss; the local tiers keep working', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {}); // the connection errors are what this test provokes
    clients.push(dead);
    const cache = new HybridCache({ memoryMaxBytes: 100_000, sweepIntervalMs: 0, redis: { client: dead, prefix: PREFIX } });
    caches.push(cache);

    expect(await cache.get('k')).toBeUndefined();
    await expect(cache.set('k', 'local', 60)).resolves.toBeUndefined();
    expect(await cache.get('k')).toBe('local');
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, memory: { hits: 1 }, redis: { hits: 0, errors: 2 } });
  });
});
