/**
 * The cache contract every layer uses (extractor tokens, resolved short links, MediaInfo,
 * Telegram file_ids) and its in-memory implementation: an LRU bounded by entry count and
 * size, with a TTL per entry. The hybrid memory + disk + Redis cache implements the same
 * interface, so callers never know which tier answered.
 */
import { LRUCache } from 'lru-cache';

/** A key → JSON-serialisable value store with a TTL per entry. */
export interface KeyValueCache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSec: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface MemoryCacheOptions {
  /** Upper bound of the approximate JSON size of all entries. */
  maxBytes?: number;
  maxEntries?: number;
}

/** Process-local LRU cache with per-entry TTL. */
export class MemoryCache implements KeyValueCache {
  private readonly lru: LRUCache<string, { value: unknown }>;

  constructor(options: MemoryCacheOptions = {}) {
    this.lru = new LRUCache({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 16 * 1024 * 1024,
      sizeCalculation: (entry, key) => key.length + (JSON.stringify(entry.value)?.length ?? 1),
      ttlAutopurge: false,
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.lru.get(key)?.value as T | undefined;
  }

  async set(key: string, value: unknown, ttlSec: number): Promise<void> {
    this.lru.set(key, { value }, { ttl: Math.max(1, ttlSec) * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.lru.delete(key);
  }
}
