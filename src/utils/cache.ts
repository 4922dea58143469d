/**
 * The hybrid cache: a memory LRU in front of a disk tier (SQLite in the store, big values as
 * files in DATA_DIR) and, when a Redis client is given, a Redis tier shared between processes.
 * It implements `KeyValueCache`, so callers never know which tier answered.
 *
 * - Reads fall through memory → disk → Redis; a lower-tier hit is copied up by the placement
 *   policy, with the TTL it has left.
 * - Placement: small entries go to memory, large ones and `priority: 'low'` ones to disk only;
 *   `tier` overrides the decision. Memory is a hot subset of disk — every entry is written to
 *   disk when there is a disk tier — so a restart loses nothing and `shrink` frees memory
 *   without writing anything under memory pressure.
 * - Promotion: a disk entry read `promoteAfterHits` times within `promoteWindowMs` moves into
 *   memory (unless it was pinned with `tier: 'disk'` or is too big for memory).
 * - Expiry: lazily on read, and by an unref'd sweep every `sweepIntervalMs`.
 * - Counters per tier (hits, misses, evictions, expiries) come out of `stats()`.
 *
 * Values are returned by reference from the memory tier (as `MemoryCache` does): treat them as
 * read-only. A `delete` reaches this process's tiers and Redis; other processes drop their local
 * copies when the TTL they had left runs out.
 */
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { KeyValueCache } from './memory-cache.js';
import type { SqliteDatabase } from './store.js';
import { DiskCacheTier, type DiskTierOptions, type StoredEntryMeta, type TierStats } from './cache-disk.js';
import { RedisCacheTier, type RedisTierOptions, type RedisTierStats } from './cache-redis.js';

export type { TierStats } from './cache-disk.js';
export type { RedisTierStats } from './cache-redis.js';

/** How much an entry is worth keeping: `low` starts on disk and is evicted first, `high` may use more memory. */
export type CachePriority = 'low' | 'normal' | 'high';

/** A local tier an entry can be placed in. */
export type LocalTier = 'memory' | 'disk';

/** The optional fourth argument of `HybridCache.set`. */
export interface CacheSetOptions {
  priority?: CachePriority;
  /** Overrides the size/priority decision; `disk` also pins the entry there (no promotion). */
  tier?: LocalTier;
}

/** The limits `choosePlacement` decides by. */
export interface PlacementLimits {
  /** Largest entry a `normal` write puts in memory; `high` may use four times this. */
  memoryEntryMaxBytes: number;
  /** Without a disk tier everything is placed in memory. */
  hasDisk: boolean;
}

/**
 * Where a write goes first: a pure decision by size and priority. Small metadata (MediaInfo,
 * tokens, file_ids) earns memory; big values and low priority ones start on disk and reach
 * memory only by promotion.
 */
export function choosePlacement(sizeBytes: number, options: CacheSetOptions, limits: PlacementLimits): LocalTier {
  if (!limits.hasDisk) return 'memory';
  if (options.tier) return options.tier;
  const priority = options.priority ?? 'normal';
  if (priority === 'low') return 'disk';
  return sizeBytes <= memoryEntryLimit(priority, limits.memoryEntryMaxBytes) ? 'memory' : 'disk';
}

function memoryEntryLimit(priority: CachePriority, memoryEntryMaxBytes: number): number {
  return priority === 'high' ? memoryEntryMaxBytes * 4 : memoryEntryMaxBytes;
}

/** Size an entry is accounted at: UTF-8 bytes of its key and its JSON. */
export function entrySizeBytes(key: string, json: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(json);
}

export interface HybridCacheOptions {
  /** Upper bound of the memory tier (approximate: JSON bytes of keys and values). CACHE_SIZE_MB in production. */
  memoryMaxBytes: number;
  /** Largest `normal` entry placed in memory. Default min(256 KiB, memoryMaxBytes / 32). */
  memoryEntryMaxBytes?: number;
  /** The disk tier: the store's database, plus a directory for big values. */
  disk?: DiskTierOptions & { db: SqliteDatabase };
  /** The shared tier. */
  redis?: RedisTierOptions;
  /** Disk hits within `promoteWindowMs` that promote an entry to memory. Default 2. */
  promoteAfterHits?: number;
  /** Default 60 000 ms. */
  promoteWindowMs?: number;
  /** How often expired entries are purged in the background; 0 turns the sweep off. Default 60 000 ms. */
  sweepIntervalMs?: number;
  /** Wall clock in ms; tests inject a fake one. */
  now?: () => number;
  logger?: Logger;
}

/** Counters of the whole cache and of each tier. */
export interface CacheStats {
  /** Reads answered by any tier. */
  hits: number;
  /** Reads no tier could answer. */
  misses: number;
  /** hits / (hits + misses), 0–1; 0 before the first read. */
  hitRatio: number;
  /** Evictions of all local tiers. */
  evictions: number;
  /** Disk entries moved into memory after repeated hits. */
  promotions: number;
  memory: TierStats;
  /** `errors`: disk operations that failed and were treated as a miss or a skipped write. */
  disk?: TierStats & { errors: number };
  redis?: RedisTierStats;
}

interface MemoryEntry {
  value: unknown;
  sizeBytes: number;
  priority: CachePriority;
}

const MIN_TTL_MS = 1000;

/** Memory LRU + SQLite/file disk tier + optional Redis tier behind one `KeyValueCache`. */
export class HybridCache implements KeyValueCache {
  private readonly memory: LRUCache<string, MemoryEntry>;
  private readonly memoryCounters = { hits: 0, misses: 0, evictions: 0, expired: 0 };
  private readonly disk: DiskCacheTier | undefined;
  private readonly redis: RedisCacheTier | undefined;
  /** Disk hits per key inside the current promotion window (bounded; the window is its TTL). */
  private readonly diskHits: LRUCache<string, number>;
  private readonly memoryEntryMaxBytes: number;
  private readonly promoteAfterHits: number;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly sweep: NodeJS.Timeout | undefined;
  private misses = 0;
  private promotions = 0;
  private diskErrors = 0;

  constructor(options: HybridCacheOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.memoryEntryMaxBytes = options.memoryEntryMaxBytes ?? Math.min(256 * 1024, Math.floor(options.memoryMaxBytes / 32));
    this.promoteAfterHits = Math.max(1, options.promoteAfterHits ?? 2);
    // lru-cache measures TTLs with its own clock; an injected clock must drive it too.
    const clock = options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {};
    this.memory = new LRUCache<string, MemoryEntry>({
      maxSize: options.memoryMaxBytes,
      // One entry may not take more than an eighth of the tier and flush everything else.
      maxEntrySize: Math.max(1, Math.floor(options.memoryMaxBytes / 8)),
      sizeCalculation: (entry) => Math.max(1, entry.sizeBytes),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.memoryCounters.evictions++;
        else if (reason === 'expire') this.memoryCounters.expired++;
      },
      ...clock,
    });
    this.diskHits = new LRUCache<string, number>({
      max: 10_000,
      ttl: options.promoteWindowMs ?? 60_000,
      noUpdateTTL: true,
      ...clock,
    });
    if (options.disk) {
      const { db, ...diskOptions } = options.disk;
      this.disk = new DiskCacheTier(db, { now: this.now, ...(this.logger ? { logger: this.logger } : {}), ...diskOptions });
    }
    if (options.redis) this.redis = new RedisCacheTier(options.redis, this.logger);
    const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (sweepIntervalMs > 0) {
      // unref: the sweep alone never keeps the process alive.
      this.sweep = setInterval(() => this.purgeExpired(), sweepIntervalMs).unref();
    }
  }

  /** The value under `key` from the first tier that has it, or `undefined`. Never throws for a failing tier. */
  async get<T>(key: string): Promise<T | undefined> {
    const inMemory = this.memory.get(key);
    if (inMemory) {
      this.memoryCounters.hits++;
      return inMemory.value as T;
    }
    this.memoryCounters.misses++;

    const onDisk = await this.readDisk(key);
    if (onDisk) {
      this.notePromotionCandidate(key, onDisk.value, onDisk);
      return onDisk.value as T;
    }

    const shared = await this.redis?.get(key);
    if (shared) {
      const meta = { sizeBytes: entrySizeBytes(key, shared.json), priority: shared.priority, promotable: shared.promotable };
      await this.storeLocally(key, shared.value, shared.json, meta, shared.ttlMs);
      return shared.value as T;
    }

    this.misses++;
    return undefined;
  }

  /**
   * Stores `value` (JSON-serialisable) for `ttlSec` seconds (at least one) in the tier its size
   * and `options` choose, on disk as well when there is a disk tier, and in Redis when the
   * Redis policy takes it. A value larger than an eighth of the memory tier is never kept in
   * memory, whatever `tier` says. Storing `undefined` deletes the key.
   */
  async set(key: string, value: unknown, ttlSec: number, options: CacheSetOptions = {}): Promise<void> {
    if (!Number.isFinite(ttlSec)) throw new RangeError(`cache TTL must be a finite number of seconds, got ${ttlSec}`);
    const json = JSON.stringify(value);
    if (json === undefined) return this.delete(key);
    const ttlMs = Math.max(MIN_TTL_MS, Math.round(ttlSec * 1000));
    const priority = options.priority ?? 'normal';
    const meta = { sizeBytes: entrySizeBytes(key, json), priority, promotable: options.tier !== 'disk' };
    const placement = choosePlacement(meta.sizeBytes, options, { memoryEntryMaxBytes: this.memoryEntryMaxBytes, hasDisk: this.disk !== undefined });
    await this.writeLocal(key, value, json, meta, ttlMs, placement);
    await this.redis?.set(key, json, { ...meta, ttlMs });
  }

  /** Removes `key` from every tier of this instance and from Redis. */
  async delete(key: string): Promise<void> {
    this.memory.delete(key);
    this.diskHits.delete(key);
    this.guardDisk('delete', () => this.disk?.delete(key));
    await this.redis?.delete(key);
  }

  /**
   * Frees about `fraction` (0–1) of the memory tier's bytes — low priority entries first, each
   * priority least recently used first — and returns the bytes freed. The memory manager calls
   * this under pressure; entries stay readable from disk.
   */
  shrink(fraction: number): number {
    const before = this.memory.calculatedSize;
    const target = before * (1 - Math.min(1, Math.max(0, fraction)));
    for (const priority of ['low', 'normal', 'high'] as const) {
      // Collect first: deleting while walking the LRU's own list would skip entries.
      const victims = [...this.memory.rkeys()].filter((key) => this.memory.peek(key)?.priority === priority);
      for (const key of victims) {
        if (this.memory.calculatedSize <= target) break;
        this.memory.delete(key);
        this.memoryCounters.evictions++;
      }
    }
    return before - this.memory.calculatedSize;
  }

  /** Removes expired entries from the local tiers now (the sweep calls this); returns how many. */
  purgeExpired(): number {
    const expiredBefore = this.memoryCounters.expired;
    this.memory.purgeStale();
    const fromDisk = this.guardDisk('sweep', () => this.disk?.purgeExpired()) ?? 0;
    return this.memoryCounters.expired - expiredBefore + fromDisk;
  }

  /** Hit, miss and eviction counters, overall and per tier, for monitoring. */
  stats(): CacheStats {
    const memory = { ...this.memoryCounters, entries: this.memory.size, bytes: this.memory.calculatedSize };
    const diskTier = this.disk?.stats();
    const disk = diskTier && { ...diskTier, errors: this.diskErrors };
    const redis = this.redis?.stats();
    const hits = memory.hits + (disk?.hits ?? 0) + (redis?.hits ?? 0);
    const reads = hits + this.misses;
    return {
      hits,
      misses: this.misses,
      hitRatio: reads === 0 ? 0 : hits / reads,
      evictions: memory.evictions + (disk?.evictions ?? 0),
      promotions: this.promotions,
      memory,
      ...(disk ? { disk } : {}),
      ...(redis ? { redis } : {}),
    };
  }

  /** Stops the sweep. The database and the Redis client belong to the caller, who closes them. */
  close(): void {
    if (this.sweep) clearInterval(this.sweep);
  }

  private async writeLocal(key: string, value: unknown, json: string, meta: Omit<StoredEntryMeta, 'expiresAtMs'>, ttlMs: number, placement: LocalTier): Promise<void> {
    this.diskHits.delete(key);
    if (placement === 'memory') {
      this.memory.set(key, { value, sizeBytes: meta.sizeBytes, priority: meta.priority }, { ttl: ttlMs });
    } else {
      // An older version may still be in memory; it must not shadow the new one.
      this.memory.delete(key);
    }
    const disk = this.disk;
    if (disk) {
      const expiresAtMs = this.now() + ttlMs;
      await this.guardDiskAsync('set', () => disk.set(key, json, { ...meta, expiresAtMs }));
    }
  }

  /** Keeps a Redis hit locally for the time Redis still keeps it. */
  private async storeLocally(key: string, value: unknown, json: string, meta: Omit<StoredEntryMeta, 'expiresAtMs'>, ttlMs: number): Promise<void> {
    const placement = choosePlacement(meta.sizeBytes, { priority: meta.priority, ...(meta.promotable ? {} : { tier: 'disk' as const }) }, {
      memoryEntryMaxBytes: this.memoryEntryMaxBytes,
      hasDisk: this.disk !== undefined,
    });
    await this.writeLocal(key, value, json, meta, ttlMs, placement);
  }

  private notePromotionCandidate(key: string, value: unknown, entry: StoredEntryMeta): void {
    if (!entry.promotable || entry.sizeBytes > memoryEntryLimit(entry.priority, this.memoryEntryMaxBytes)) return;
    const hits = (this.diskHits.get(key) ?? 0) + 1;
    if (hits < this.promoteAfterHits) {
      this.diskHits.set(key, hits);
      return;
    }
    this.diskHits.delete(key);
    const ttlMs = entry.expiresAtMs - this.now();
    if (ttlMs <= 0) return;
    this.memory.set(key, { value, sizeBytes: entry.sizeBytes, priority: entry.priority }, { ttl: ttlMs });
    this.promotions++;
  }

  private async readDisk(key: string): Promise<(StoredEntryMeta & { value: unknown }) | undefined> {
    const disk = this.disk;
    if (!disk) return undefined;
    return this.guardDiskAsync('get', async () => {
      const entry = await disk.get(key);
      return entry && { ...entry, value: JSON.parse(entry.json) as unknown };
    });
  }

  /** A failing disk (full, closed, corrupt row) degrades the cache to its other tiers; it never fails the caller. */
  private guardDisk<R>(op: string, fn: () => R): R | undefined {
    try {
      return fn();
    } catch (error) {
      this.diskFailed(error, op);
      return undefined;
    }
  }

  private async guardDiskAsync<R>(op: string, fn: () => Promise<R>): Promise<R | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.diskFailed(error, op);
      return undefined;
    }
  }

  private diskFailed(error: unknown, op: string): void {
    this.diskErrors++;
    this.logger?.warn({ err: error, op }, 'cache: disk tier operation failed, continuing without it');
  }
}

/**
 * The cache the engine uses: CACHE_SIZE_MB of memory, the disk tier in the store's database
 * with big values under DATA_DIR/cache, and the Redis tier when a client is given.
 */
export function createCache(
  config: Pick<Config, 'cacheSizeMb' | 'dataDir'>,
  deps: { db?: SqliteDatabase; redis?: Redis; logger?: Logger } = {},
): HybridCache {
  return new HybridCache({
    memoryMaxBytes: config.cacheSizeMb * 1024 * 1024,
    ...(deps.db ? { disk: { db: deps.db, filesDir: join(config.dataDir, 'cache') } } : {}),
    ...(deps.redis ? { redis: { client: deps.redis } } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
