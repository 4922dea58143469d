/**
 * The disk tier of the hybrid cache (src/utils/cache.ts): one table in the store's SQLite file,
 * with values larger than `inlineMaxBytes` kept as files in `filesDir` beside it — SQLite is
 * slower than the file system for big blobs, and they would bloat the WAL. The tier is bounded
 * by `maxBytes`; past it, low priority entries go first, then the least recently read.
 *
 * Everything here survives a restart: reopen the same database file and directory and the
 * entries (with their expiry times) are still there.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from './logger.js';
import { migrate, type SqliteDatabase } from './store.js';
import type { CachePriority } from './cache.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cache_entries (
  key TEXT PRIMARY KEY,
  json TEXT,
  file TEXT,
  size_bytes INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  promotable INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  accessed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_entries_by_expiry ON cache_entries (expires_at);
CREATE INDEX IF NOT EXISTS cache_entries_by_victim ON cache_entries (priority, accessed_at);
`;

/** Priorities as stored (and ordered for eviction: the lowest number is evicted first). */
const PRIORITY_RANK: Record<CachePriority, number> = { low: 0, normal: 1, high: 2 };
const PRIORITY_BY_RANK: readonly CachePriority[] = ['low', 'normal', 'high'];

/** A file younger than this may belong to a write still in flight in another process. */
const ORPHAN_MIN_AGE_MS = 60_000;

/** What the disk tier keeps about an entry besides its value. */
export interface StoredEntryMeta {
  sizeBytes: number;
  priority: CachePriority;
  /** False when the caller pinned the entry to disk (`tier: 'disk'`): never promoted to memory. */
  promotable: boolean;
  /** Wall-clock expiry, ms since the epoch. */
  expiresAtMs: number;
}

/** An entry read back from the disk tier: the value still as JSON text. */
export interface StoredEntry extends StoredEntryMeta {
  json: string;
}

/** Counters and occupancy of one cache tier. */
export interface TierStats {
  hits: number;
  misses: number;
  /** Entries removed to make room (capacity or `shrink`), not counting expiry. */
  evictions: number;
  /** Entries removed because their TTL passed (on read or by the sweep). */
  expired: number;
  entries: number;
  bytes: number;
}

export interface DiskTierOptions {
  /** Directory for values larger than `inlineMaxBytes`; without it every value is stored inline. */
  filesDir?: string;
  /** Values up to this size stay in the SQLite row. Default 100 KiB. */
  inlineMaxBytes?: number;
  /** Upper bound of the summed entry sizes. Default 256 MiB. */
  maxBytes?: number;
  /** Wall clock in ms; tests inject a fake one. */
  now?: () => number;
  logger?: Logger;
}

interface Row {
  json: string | null;
  file: string | null;
  size_bytes: number;
  priority: number;
  promotable: number;
  expires_at: number;
}

/** The SQLite (+ files) tier. Reads and writes are synchronous SQLite calls plus async file I/O. */
export class DiskCacheTier {
  private readonly filesDir: string | undefined;
  private readonly inlineMaxBytes: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly counters = { hits: 0, misses: 0, evictions: 0, expired: 0 };
  /** Running sum of size_bytes; recounted by `purgeExpired` to absorb other processes' writes. */
  private totalBytes = 0;
  private entryCount = 0;
  private readonly sql;
  private readonly upsert: (key: string, json: string | null, file: string | null, meta: StoredEntryMeta) => string | null;

  constructor(
    private readonly db: SqliteDatabase,
    options: DiskTierOptions = {},
  ) {
    migrate(db, SCHEMA);
    this.filesDir = options.filesDir;
    this.inlineMaxBytes = options.inlineMaxBytes ?? 100 * 1024;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.sql = {
      get: db.prepare<[string], Row>(
        'SELECT json, file, size_bytes, priority, promotable, expires_at FROM cache_entries WHERE key = ?',
      ),
      touch: db.prepare<[number, string]>('UPDATE cache_entries SET accessed_at = ? WHERE key = ?'),
      old: db.prepare<[string], { file: string | null; size_bytes: number }>(
        'SELECT file, size_bytes FROM cache_entries WHERE key = ?',
      ),
      put: db.prepare<[string, string | null, string | null, number, number, number, number, number]>(
        `INSERT INTO cache_entries (key, json, file, size_bytes, priority, promotable, expires_at, accessed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET json = excluded.json, file = excluded.file,
           size_bytes = excluded.size_bytes, priority = excluded.priority,
           promotable = excluded.promotable, expires_at = excluded.expires_at, accessed_at = excluded.accessed_at`,
      ),
      delete: db.prepare<[string], { file: string | null; size_bytes: number }>(
        'DELETE FROM cache_entries WHERE key = ? RETURNING file, size_bytes',
      ),
      // Deletes only if the row still points at `file`: a concurrent overwrite keeps its new row.
      deleteIfFile: db.prepare<[string, string]>('DELETE FROM cache_entries WHERE key = ? AND file = ?'),
      purge: db.prepare<[number], { file: string | null; size_bytes: number }>(
        'DELETE FROM cache_entries WHERE expires_at < ? RETURNING file, size_bytes',
      ),
      victims: db.prepare<[], { key: string }>(
        'SELECT key FROM cache_entries ORDER BY priority, accessed_at LIMIT 32',
      ),
      totals: db.prepare<[], { entries: number; bytes: number | null }>(
        'SELECT COUNT(*) AS entries, SUM(size_bytes) AS bytes FROM cache_entries',
      ),
      files: db.prepare<[], { file: string }>('SELECT file FROM cache_entries WHERE file IS NOT NULL'),
    };
    // Returns the file the previous version of the entry used, so the caller can remove it.
    this.upsert = db.transaction((key: string, json: string | null, file: string | null, meta: StoredEntryMeta) => {
      const old = this.sql.old.get(key);
      this.sql.put.run(key, json, file, meta.sizeBytes, PRIORITY_RANK[meta.priority], meta.promotable ? 1 : 0, meta.expiresAtMs, this.now());
      this.totalBytes += meta.sizeBytes - (old?.size_bytes ?? 0);
      if (!old) this.entryCount++;
      return old?.file ?? null;
    });
    if (this.filesDir) {
      mkdirSync(this.filesDir, { recursive: true });
      this.removeOrphanFiles();
    }
    this.recount();
  }

  /** Reads an entry; an expired one is deleted on the spot and reads as a miss. */
  async get(key: string): Promise<StoredEntry | undefined> {
    const row = this.sql.get.get(key);
    if (!row) {
      this.counters.misses++;
      return undefined;
    }
    const nowMs = this.now();
    if (row.expires_at < nowMs) {
      this.removeRow(key);
      this.counters.expired++;
      this.counters.misses++;
      return undefined;
    }
    const json = row.file === null ? row.json : await this.readValueFile(key, row.file);
    if (json === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.sql.touch.run(nowMs, key);
    this.counters.hits++;
    return {
      json: json ?? 'null',
      sizeBytes: row.size_bytes,
      priority: PRIORITY_BY_RANK[row.priority] ?? 'normal',
      promotable: row.promotable === 1,
      expiresAtMs: row.expires_at,
    };
  }

  /** Stores (or replaces) an entry, then evicts until the tier fits `maxBytes`. */
  async set(key: string, json: string, meta: StoredEntryMeta): Promise<void> {
    let file: string | null = null;
    if (this.filesDir && meta.sizeBytes > this.inlineMaxBytes) {
      // A fresh name per write: a reader of the previous version never sees a half-written file.
      file = `${randomUUID()}.json`;
      await writeFile(join(this.filesDir, file), json);
    }
    const oldFile = this.upsert(key, file ? null : json, file, meta);
    if (oldFile) this.removeFile(oldFile);
    this.evictOverCapacity();
  }

  /** Removes an entry; a missing key is not an error. */
  delete(key: string): void {
    this.removeRow(key);
  }

  /** Deletes every expired entry (the periodic sweep calls this); returns how many. */
  purgeExpired(): number {
    const removed = this.sql.purge.all(this.now());
    for (const row of removed) if (row.file) this.removeFile(row.file);
    this.counters.expired += removed.length;
    this.recount();
    return removed.length;
  }

  /** Counters since construction and current occupancy. */
  stats(): TierStats {
    return { ...this.counters, entries: this.entryCount, bytes: this.totalBytes };
  }

  private removeRow(key: string): boolean {
    const row = this.sql.delete.get(key);
    if (!row) return false;
    this.totalBytes -= row.size_bytes;
    this.entryCount--;
    if (row.file) this.removeFile(row.file);
    return true;
  }

  private evictOverCapacity(): void {
    while (this.totalBytes > this.maxBytes) {
      const victims = this.sql.victims.all();
      if (victims.length === 0) break;
      for (const { key } of victims) {
        if (this.removeRow(key)) this.counters.evictions++;
        if (this.totalBytes <= this.maxBytes) return;
      }
    }
  }

  private async readValueFile(key: string, file: string): Promise<string | undefined> {
    try {
      return await readFile(this.filePath(file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Someone removed the file (a cleanup, or an overwrite between our SELECT and read).
      if (this.sql.deleteIfFile.run(key, file).changes > 0) this.recount();
      return undefined;
    }
  }

  private removeFile(file: string): void {
    rm(this.filePath(file), { force: true }).catch((error: unknown) =>
      this.logger?.warn({ err: error, file }, 'cache: could not remove a value file'),
    );
  }

  private filePath(file: string): string {
    // `file` comes from our own table, but never let a row point outside the directory.
    return join(this.filesDir ?? '.', basename(file));
  }

  /** Files no row points at are left by a crash between writing the file and the row. */
  private removeOrphanFiles(): void {
    const dir = this.filesDir;
    if (!dir) return;
    const referenced = new Set(this.sql.files.all().map((r) => r.file));
    const cutoffMs = Date.now() - ORPHAN_MIN_AGE_MS;
    for (const name of readdirSync(dir)) {
      if (referenced.has(name)) continue;
      const path = join(dir, name);
      try {
        if (statSync(path).mtimeMs < cutoffMs) rmSync(path, { force: true });
      } catch (error) {
        this.logger?.warn({ err: error, file: name }, 'cache: could not remove an orphaned value file');
      }
    }
  }

  private recount(): void {
    const totals = this.sql.totals.get();
    this.entryCount = totals?.entries ?? 0;
    this.totalBytes = totals?.bytes ?? 0;
  }
}
