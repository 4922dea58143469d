import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HybridCache, choosePlacement, entrySizeBytes, type HybridCacheOptions } from '../../src/utils/cache.js';
import { openDatabase, type SqliteDatabase } from '../../src/utils/store.js';

/** A string value whose entry under `key` is accounted at exactly `bytes` (key + JSON quotes). */
function sized(key: string, bytes: number): string {
  return 'x'.repeat(bytes - key.length - 2);
}

let dir: string;
let dbPath: string;
let filesDir: string;
let nowMs: number;
const open: Array<{ cache: HybridCache; db?: SqliteDatabase }> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dlbot-cache-'));
  dbPath = join(dir, 'dlbot.db');
  filesDir = join(dir, 'cache');
  nowMs = 1_700_000_000_000;
});

afterEach(() => {
  for (const { cache, db } of open.splice(0)) {
    cache.close();
    if (db?.open) db.close();
  }
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A cache on the fake clock; `disk: true` puts the disk tier in dbPath/filesDir. */
function makeCache(options: Partial<HybridCacheOptions> & { withDisk?: boolean; diskOptions?: { inlineMaxBytes?: number; maxBytes?: number } } = {}) {
  const { withDisk, diskOptions, ...rest } = options;
  const db = withDisk ? openDatabase(dbPath) : undefined;
  const cache = new HybridCache({
    memoryMaxBytes: 1000,
    sweepIntervalMs: 0,
    now: () => nowMs,
    ...(db ? { disk: { db, filesDir, ...diskOptions } } : {}),
    ...rest,
  });
  open.push({ cache, ...(db ? { db } : {}) });
  return { cache, db };
}

describe('choosePlacement', () => {
  const limits = { memoryEntryMaxBytes: 1000, hasDisk: true };
  it.each([
    ['small normal entry', 1000, {}, 'memory'],
    ['normal entry one byte over the limit', 1001, {}, 'disk'],
    ['low priority, however small', 10, { priority: 'low' }, 'disk'],
    ['high priority up to four times the limit', 4000, { priority: 'high' }, 'memory'],
    ['high priority beyond four times the limit', 4001, { priority: 'high' }, 'disk'],
    ['explicit disk tier for a small entry', 10, { tier: 'disk' }, 'disk'],
    ['explicit memory tier for a big low entry', 50_000, { tier: 'memory', priority: 'low' }, 'memory'],
  ] as const)('%s → %s', (_name, sizeBytes, options, expected) => {
    expect(choosePlacement(sizeBytes, options, limits)).toBe(expected);
  });

  it('places everything in memory when there is no disk tier', () => {
    expect(choosePlacement(50_000, { priority: 'low', tier: 'disk' }, { memoryEntryMaxBytes: 1000, hasDisk: false })).toBe('memory');
  });
});

describe('HybridCache memory tier', () => {
  it('evicts the least recently used entry when full, and counts it', async () => {
    const { cache } = makeCache();
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, sized(`k${i}`, 100), 60);
    expect(cache.stats().memory.bytes).toBe(1000);
    expect(await cache.get('k0')).toBe(sized('k0', 100)); // k0 is now the most recent
    await cache.set('k10', sized('k10', 100), 60);

    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k0')).toBe(sized('k0', 100));
    expect(await cache.get('k2')).toBe(sized('k2', 100));
    expect(cache.stats().memory).toMatchObject({ evictions: 1, entries: 10, bytes: 1000 });
  });

  it('expires an entry after its TTL on the injected clock', async () => {
    const { cache } = makeCache();
    await cache.set('token', { t: 'abc' }, 10);
    nowMs += 9_999;
    expect(await cache.get('token')).toEqual({ t: 'abc' });
    nowMs += 2;
    expect(await cache.get('token')).toBeUndefined();
    expect(cache.stats().memory).toMatchObject({ expired: 1, entries: 0, bytes: 0 });
  });

  it('keeps an entry for at least one second however small the TTL', async () => {
    const { cache } = makeCache();
    await cache.set('a', 1, 0);
    nowMs += 999;
    expect(await cache.get('a')).toBe(1);
    nowMs += 2;
    expect(await cache.get('a')).toBeUndefined();
  });

  it('rejects a TTL that is not a number, and treats storing undefined as a delete', async () => {
    const { cache } = makeCache();
    await expect(cache.set('a', 1, Number.NaN)).rejects.toThrow(RangeError);
    await cache.set('a', 1, 60);
    await cache.set('a', undefined, 60);
    expect(await cache.get('a')).toBeUndefined();
  });
});

describe('HybridCache disk tier', () => {
  it('places entries by size: small in memory (and on disk), large on disk only, very large as files', async () => {
    const { cache } = makeCache({
      memoryMaxBytes: 1_000_000,
      memoryEntryMaxBytes: 1000,
      withDisk: true,
      diskOptions: { inlineMaxBytes: 4000 },
    });
    await cache.set('small', sized('small', 500), 60);
    await cache.set('medium', sized('medium', 2000), 60);
    await cache.set('large', sized('large', 10_000), 60);
    await cache.set('important', sized('important', 3000), 60, { priority: 'high' });

    expect(cache.stats().memory).toMatchObject({ entries: 2, bytes: 500 + 3000 });
    expect(cache.stats().disk).toMatchObject({ entries: 4, bytes: 500 + 2000 + 10_000 + 3000 });
    expect(readdirSync(filesDir)).toHaveLength(1);

    expect(await cache.get('small')).toBe(sized('small', 500));
    expect(await cache.get('important')).toBe(sized('important', 3000));
    expect(cache.stats().memory.hits).toBe(2);
    expect(await cache.get('medium')).toBe(sized('medium', 2000));
    expect(await cache.get('large')).toBe(sized('large', 10_000));
    expect(cache.stats().disk?.hits).toBe(2);
  });

  it('survives a restart: close and reopen the SQLite file and the files directory', async () => {
    const first = makeCache({ memoryMaxBytes: 1_000_000, memoryEntryMaxBytes: 1000, withDisk: true, diskOptions: { inlineMaxBytes: 4000 } });
    const info = { platform: 'tiktok', id: '7106594312292453675', title: 'héllo' };
    await first.cache.set('info', info, 3600);
    await first.cache.set('blob', sized('blob', 50_000), 60);
    first.cache.close();
    first.db!.close();

    const second = makeCache({ memoryMaxBytes: 1_000_000, memoryEntryMaxBytes: 1000, withDisk: true, diskOptions: { inlineMaxBytes: 4000 } });
    expect(second.cache.stats().disk).toMatchObject({ entries: 2, bytes: entrySizeBytes('info', JSON.stringify(info)) + 50_000 });
    expect(await second.cache.get('info')).toEqual(info);
    expect(await second.cache.get('blob')).toBe(sized('blob', 50_000));
    expect(second.cache.stats()).toMatchObject({ hits: 2, memory: { hits: 0, misses: 2 }, disk: { hits: 2 } });

    // the expiry time was persisted too
    nowMs += 61_000;
    expect(await second.cache.get('blob')).toBeUndefined();
    expect(await second.cache.get('info')).toEqual(info);
  });

  it('expires disk entries lazily on read, deleting the row and the value file', async () => {
    const { cache } = makeCache({ withDisk: true, diskOptions: { inlineMaxBytes: 100 } });
    await cache.set('big', sized('big', 500), 30, { tier: 'disk' });
    expect(readdirSync(filesDir)).toHaveLength(1);
    nowMs += 30_001;
    expect(await cache.get('big')).toBeUndefined();
    expect(cache.stats().disk).toMatchObject({ expired: 1, entries: 0, bytes: 0 });
    await vi.waitFor(() => expect(readdirSync(filesDir)).toHaveLength(0));
  });

  it('purges expired entries in an unref’d background sweep without any read', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { cache } = makeCache({ withDisk: true, sweepIntervalMs: 5000 });
    await cache.set('short', 'a', 1, { tier: 'disk' });
    await cache.set('long', 'b', 3600, { tier: 'disk' });
    await cache.set('mem', 'c', 1);
    nowMs += 2000;
    vi.advanceTimersByTime(5000);
    expect(cache.stats().disk).toMatchObject({ expired: 2, entries: 1 });
    expect(cache.stats().memory).toMatchObject({ expired: 1, entries: 0 });
  });

  it('evicts low priority entries first, then the least recently read, to stay under maxBytes', async () => {
    const { cache } = makeCache({ withDisk: true, diskOptions: { maxBytes: 350 } });
    const put = async (key: string, priority: 'low' | 'normal') => {
      nowMs += 1;
      await cache.set(key, sized(key, 100), 60, { tier: 'disk', priority });
    };
    await put('a', 'normal');
    await put('c', 'normal');
    await put('b', 'low');
    nowMs += 1;
    expect(await cache.get('a')).toBe(sized('a', 100)); // a is now more recent than c
    await put('d', 'normal'); // 400 bytes: b goes (low priority), although c is older
    expect(await cache.get('b')).toBeUndefined();
    await put('e', 'normal'); // 400 bytes again: c goes (least recently read)

    expect(cache.stats().disk).toMatchObject({ evictions: 2, entries: 3, bytes: 300 });
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
    expect(await cache.get('a')).toBe(sized('a', 100));
    expect(await cache.get('d')).toBe(sized('d', 100));
    expect(await cache.get('e')).toBe(sized('e', 100));
  });

  it('an overwrite replaces every copy: the memory copy, the row and the old value file', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, memoryEntryMaxBytes: 1000, withDisk: true, diskOptions: { inlineMaxBytes: 2000 } });
    await cache.set('k', 'small', 60);
    await cache.set('k', sized('k', 5000), 60);
    expect(cache.stats().memory.entries).toBe(0);
    expect(await cache.get('k')).toBe(sized('k', 5000));
    const [firstFile] = readdirSync(filesDir);

    await cache.set('k', sized('k', 6000), 60);
    await vi.waitFor(() => expect(readdirSync(filesDir)).toHaveLength(1));
    expect(readdirSync(filesDir)[0]).not.toBe(firstFile);
    expect(await cache.get('k')).toBe(sized('k', 6000));
    expect(cache.stats().disk).toMatchObject({ entries: 1, bytes: 6000 });
  });

  it('delete removes the entry from memory, disk and the files directory', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, withDisk: true, diskOptions: { inlineMaxBytes: 100 } });
    await cache.set('m', 'in memory', 60);
    await cache.set('f', sized('f', 500), 60, { tier: 'disk' });
    await cache.delete('m');
    await cache.delete('f');
    expect(await cache.get('m')).toBeUndefined();
    expect(await cache.get('f')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ misses: 2, memory: { entries: 0 }, disk: { entries: 0, bytes: 0 } });
    await vi.waitFor(() => expect(readdirSync(filesDir)).toHaveLength(0));
  });

  it('a failing disk degrades to a miss and is counted, never thrown at the caller', async () => {
    const { cache, db } = makeCache({ withDisk: true });
    await cache.set('k', 'v', 60, { tier: 'disk' });
    db!.close();
    expect(await cache.get('k')).toBeUndefined();
    await expect(cache.set('k2', 'v2', 60)).resolves.toBeUndefined();
    expect(await cache.get('k2')).toBe('v2'); // still served from memory
    expect(cache.stats().disk?.errors).toBe(2);
  });

  it('removes value files left without a row by a crash, once they are old enough', async () => {
    const first = makeCache({ withDisk: true });
    first.cache.close();
    first.db!.close();
    const { writeFileSync, utimesSync } = await import('node:fs');
    writeFileSync(join(filesDir, 'stale.json'), '"x"');
    writeFileSync(join(filesDir, 'fresh.json'), '"y"');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(filesDir, 'stale.json'), hourAgo, hourAgo);
    makeCache({ withDisk: true });
    expect(existsSync(join(filesDir, 'stale.json'))).toBe(false);
    expect(existsSync(join(filesDir, 'fresh.json'))).toBe(true);
  });
});

describe('HybridCache promotion', () => {
  it('moves a disk entry into memory after repeated hits within the window', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, withDisk: true, promoteAfterHits: 2, promoteWindowMs: 60_000 });
    await cache.set('hot', { v: 1 }, 600, { priority: 'low' });
    expect(cache.stats().memory.entries).toBe(0);

    expect(await cache.get('hot')).toEqual({ v: 1 });
    expect(cache.stats()).toMatchObject({ promotions: 0, memory: { entries: 0 }, disk: { hits: 1 } });
    expect(await cache.get('hot')).toEqual({ v: 1 });
    expect(cache.stats()).toMatchObject({ promotions: 1, memory: { entries: 1 }, disk: { hits: 2 } });
    expect(await cache.get('hot')).toEqual({ v: 1 });
    expect(cache.stats()).toMatchObject({ memory: { hits: 1 }, disk: { hits: 2 } });
  });

  it('does not promote on hits spread further apart than the window', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, withDisk: true, promoteAfterHits: 2, promoteWindowMs: 60_000 });
    await cache.set('warm', 1, 3600, { priority: 'low' });
    await cache.get('warm');
    nowMs += 60_001;
    await cache.get('warm');
    expect(cache.stats().promotions).toBe(0);
    await cache.get('warm');
    expect(cache.stats().promotions).toBe(1);
  });

  it('counts the window from the first hit, so slow steady reads never promote', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, withDisk: true, promoteAfterHits: 3, promoteWindowMs: 60_000 });
    await cache.set('steady', 1, 3600, { priority: 'low' });
    for (let i = 0; i < 3; i++) {
      await cache.get('steady');
      nowMs += 40_000;
    }
    expect(cache.stats().promotions).toBe(0);
  });

  it('keeps the remaining TTL when promoting', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, withDisk: true, promoteAfterHits: 1 });
    await cache.set('k', 1, 10, { priority: 'low' });
    nowMs += 8000;
    await cache.get('k'); // promoted with 2 s left
    nowMs += 2001;
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.stats().memory.expired).toBe(1);
  });

  it('never promotes an entry pinned to disk or too big for memory', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 100_000, memoryEntryMaxBytes: 1000, withDisk: true, promoteAfterHits: 1 });
    await cache.set('pinned', 'p', 60, { tier: 'disk' });
    await cache.set('big', sized('big', 2000), 60, { priority: 'low' });
    for (let i = 0; i < 3; i++) {
      await cache.get('pinned');
      await cache.get('big');
    }
    expect(cache.stats()).toMatchObject({ promotions: 0, memory: { entries: 0 }, disk: { hits: 6 } });
  });
});

describe('HybridCache.shrink', () => {
  it('frees the asked fraction of memory, low priority first, least recently used first, keeping entries on disk', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 10_000, memoryEntryMaxBytes: 1000, withDisk: true });
    for (let i = 0; i < 4; i++) await cache.set(`low${i}`, sized(`low${i}`, 100), 60, { priority: 'low', tier: 'memory' });
    for (let i = 0; i < 4; i++) await cache.set(`norm${i}`, sized(`norm${i}`, 100), 60);
    for (let i = 0; i < 2; i++) await cache.set(`high${i}`, sized(`high${i}`, 100), 60, { priority: 'high' });
    await cache.get('norm0'); // norm1 becomes the least recently used normal entry
    expect(cache.stats().memory.bytes).toBe(1000);

    expect(cache.shrink(0.5)).toBe(500);
    expect(cache.stats().memory).toMatchObject({ entries: 5, bytes: 500, evictions: 5 });
    const memoryHitsBefore = cache.stats().memory.hits;
    for (const key of ['norm0', 'norm2', 'norm3', 'high0', 'high1']) expect(await cache.get(key)).toBe(sized(key, 100));
    expect(cache.stats().memory.hits).toBe(memoryHitsBefore + 5);
    // what was shrunk away is still on disk
    expect(await cache.get('low0')).toBe(sized('low0', 100));
    expect(await cache.get('norm1')).toBe(sized('norm1', 100));
    expect(cache.stats().disk?.hits).toBe(2);
  });

  it('shrink(1) empties the memory tier; shrink(0) frees nothing', async () => {
    const { cache } = makeCache();
    await cache.set('a', sized('a', 100), 60);
    expect(cache.shrink(0)).toBe(0);
    expect(cache.shrink(1)).toBe(100);
    expect(cache.stats().memory).toMatchObject({ entries: 0, bytes: 0 });
  });
});

describe('HybridCache.stats', () => {
  it('counts hits, misses and evictions overall and per tier', async () => {
    const { cache } = makeCache({ memoryMaxBytes: 1000, memoryEntryMaxBytes: 100, withDisk: true });
    await cache.set('a', sized('a', 100), 60); // memory + disk
    await cache.set('b', sized('b', 100), 60, { priority: 'low' }); // disk only
    await cache.get('a'); // memory hit
    await cache.get('b'); // memory miss, disk hit
    await cache.get('c'); // miss everywhere
    for (let i = 0; i < 10; i++) await cache.set(`f${i}`, sized(`f${i}`, 100), 60); // pushes 'a' out of memory

    expect(cache.stats()).toEqual({
      hits: 2,
      misses: 1,
      hitRatio: 2 / 3,
      evictions: 1,
      promotions: 0,
      memory: { hits: 1, misses: 2, evictions: 1, expired: 0, entries: 10, bytes: 1000 },
      disk: { hits: 1, misses: 1, evictions: 0, expired: 0, entries: 12, bytes: 1200, errors: 0 },
    });
  });

  it('reports a hit ratio of 0 before any read and leaves out tiers that do not exist', () => {
    const { cache } = makeCache();
    expect(cache.stats()).toEqual({
      hits: 0,
      misses: 0,
      hitRatio: 0,
      evictions: 0,
      promotions: 0,
      memory: { hits: 0, misses: 0, evictions: 0, expired: 0, entries: 0, bytes: 0 },
    });
  });
});
