/**
 * The Redis tier of the hybrid cache (src/utils/cache.ts): the one tier shared between
 * processes and boxes, so a MediaInfo one worker extracted is a hit for every other. Redis
 * keeps the TTL itself (`SET … PX`), and a reader learns the time left (`PTTL`) so the copy it
 * keeps locally expires no later than the shared one.
 *
 * A cache must never fail a download: a Redis error is counted, logged and read as a miss. Give
 * the client a `commandTimeout` (and `maxRetriesPerRequest`) so an outage answers quickly
 * instead of queueing commands until Redis is back.
 */
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { CachePriority } from './cache.js';

const PRIORITIES: readonly CachePriority[] = ['low', 'normal', 'high'];

/** How the Redis tier is reached and which writes it takes. */
export interface RedisTierOptions {
  client: Redis;
  /** Prepended to every key; separates deployments (and test runs) on one Redis. Default `dlbot:cache:`. */
  prefix?: string;
  /** Writes with a lower priority stay local to this process. Default `low` (every write is shared). */
  minPriority?: CachePriority;
  /** Larger values stay local: Redis is memory, and a big value costs every reader the transfer. Default 1 MiB. */
  maxEntryBytes?: number;
}

/** An entry read from Redis: its value (and as JSON text), its metadata and the time it has left. */
export interface RedisEntry {
  value: unknown;
  json: string;
  priority: CachePriority;
  promotable: boolean;
  ttlMs: number;
}

/** Counters of the Redis tier. */
export interface RedisTierStats {
  hits: number;
  misses: number;
  /** Commands that failed (connection lost, timeout); each was treated as a miss or a skipped write. */
  errors: number;
}

/**
 * Values are stored as `<priority>:<promotable 0|1>:<json>`, so a reader in another process
 * places the entry exactly as the writer asked, without parsing and re-serialising the value.
 */
function encode(json: string, priority: CachePriority, promotable: boolean): string {
  return `${priority}:${promotable ? 1 : 0}:${json}`;
}

/** Throws on a value this module did not write (another program using the same prefix). */
function decode(stored: string): Omit<RedisEntry, 'ttlMs'> {
  const first = stored.indexOf(':');
  const second = stored.indexOf(':', first + 1);
  const priority = stored.slice(0, first) as CachePriority;
  if (first < 0 || second < 0 || !PRIORITIES.includes(priority)) throw new Error('not a dlbot cache entry');
  const json = stored.slice(second + 1);
  return { priority, promotable: stored.slice(first + 1, second) === '1', json, value: JSON.parse(json) as unknown };
}

/** The shared tier: a thin, failure-tolerant wrapper over an ioredis client. */
export class RedisCacheTier {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly minRank: number;
  private readonly maxEntryBytes: number;
  private readonly counters: RedisTierStats = { hits: 0, misses: 0, errors: 0 };

  constructor(
    options: RedisTierOptions,
    private readonly logger?: Logger,
  ) {
    this.client = options.client;
    this.prefix = options.prefix ?? 'dlbot:cache:';
    this.minRank = PRIORITIES.indexOf(options.minPriority ?? 'low');
    this.maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
  }

  /** Whether a write of this size and priority is shared through Redis. */
  accepts(sizeBytes: number, priority: CachePriority): boolean {
    return sizeBytes <= this.maxEntryBytes && PRIORITIES.indexOf(priority) >= this.minRank;
  }

  /** Reads an entry and its remaining TTL; a miss, an unreadable value or an error is `undefined`. */
  async get(key: string): Promise<RedisEntry | undefined> {
    const k = this.prefix + key;
    let stored: string | null;
    let ttlMs: number;
    try {
      const replies = await this.client.multi().get(k).pttl(k).exec();
      const [getReply, ttlReply] = replies ?? [];
      if (!getReply || !ttlReply || getReply[0] || ttlReply[0]) throw getReply?.[0] ?? ttlReply?.[0] ?? new Error('transaction aborted');
      stored = getReply[1] as string | null;
      ttlMs = ttlReply[1] as number;
    } catch (error) {
      this.failed(error, 'get');
      return undefined;
    }
    // PTTL is -1 for a key without a TTL, which this module never writes.
    if (stored === null || ttlMs <= 0) {
      this.counters.misses++;
      return undefined;
    }
    let decoded: Omit<RedisEntry, 'ttlMs'>;
    try {
      decoded = decode(stored);
    } catch (error) {
      this.failed(error, 'decode');
      return undefined;
    }
    this.counters.hits++;
    return { ...decoded, ttlMs };
  }

  /** Writes an entry if the policy accepts it (see `accepts`). */
  async set(key: string, json: string, meta: { sizeBytes: number; priority: CachePriority; promotable: boolean; ttlMs: number }): Promise<void> {
    if (!this.accepts(meta.sizeBytes, meta.priority)) return;
    try {
      await this.client.set(this.prefix + key, encode(json, meta.priority, meta.promotable), 'PX', Math.max(1, Math.round(meta.ttlMs)));
    } catch (error) {
      this.failed(error, 'set');
    }
  }

  /** Removes an entry for every process. */
  async delete(key: string): Promise<void> {
    try {
      await this.client.del(this.prefix + key);
    } catch (error) {
      this.failed(error, 'delete');
    }
  }

  /** Counters since construction. */
  stats(): RedisTierStats {
    return { ...this.counters };
  }

  private failed(error: unknown, op: string): void {
    this.counters.errors++;
    this.logger?.warn({ err: error, op }, 'cache: Redis tier unavailable, continuing without it');
  }
}
