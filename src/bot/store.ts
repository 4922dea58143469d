/**
 * The bot's own state in the embedded SQLite store (the same file as the job queue): the
 * Telegram file_id cache, user and group settings, pending keyboard choices (so callback_data
 * carries a short key, never a URL), which jobs a user queued (for /cancel), playlist
 * batches (the entries offered, then one job per entry and how each ended), the users
 * /broadcast reaches, and the counters /stats and /status read.
 */
import { randomBytes } from 'node:crypto';
import { migrate, type SqliteDatabase } from '../utils/store.js';
import type { AudioFormat, DownloadRequest } from '../media/types.js';

/** Default qualities a user can pick in /settings; `ask` shows a keyboard under every link. */
export const QUALITY_SETTINGS = ['ask', 'best', '1080p', '720p', '480p', '360p'] as const;
/** One of QUALITY_SETTINGS. */
export type QualitySetting = (typeof QUALITY_SETTINGS)[number];

/** Languages the bot speaks (one Fluent file each under templates/). */
export const LANGUAGES = ['en', 'ro'] as const;
/** One of LANGUAGES. */
export type Language = (typeof LANGUAGES)[number];

/** What a user chose in /settings. */
export interface UserSettings {
  quality: QualitySetting;
  format: 'video' | 'audio';
  audioFormat: AudioFormat;
  noWatermark: boolean;
  captions: boolean;
  /** Unset: follow the language of the user's Telegram app. */
  language?: Language;
}

/** Settings of a user who never opened /settings. */
export const DEFAULT_SETTINGS: Readonly<UserSettings> = Object.freeze({
  quality: 'best',
  format: 'video',
  audioFormat: 'm4a',
  noWatermark: true,
  captions: true,
});

/** How a file travels in Telegram; a file_id can only be re-sent as the same kind. */
export type TelegramMediaKind = 'video' | 'audio' | 'photo' | 'animation' | 'document';

/** One sent file, re-sendable by its file_id. */
export interface CachedItem {
  kind: TelegramMediaKind;
  fileId: string;
}

/** A download that reached Telegram: its files and what its caption needs. */
export interface CachedMedia {
  items: CachedItem[];
  platform: string;
  url: string;
  title?: string;
  uploader?: string;
  sizeBytes?: number;
}

/** A link waiting for the user to press a button (quality choice, lower-quality offer, deep link). */
export interface PendingChoice {
  key: string;
  url: string;
  userId: number;
  chatId: number;
  replyToMessageId?: number;
  createdAt: number;
}

/** How one entry of a playlist batch ended; `pending` until its job settles. */
export type BatchItemState = 'pending' | 'sent' | 'failed' | 'cancelled';

/** One entry of a playlist batch. */
export interface BatchItem {
  /** 0-based place in the playlist. */
  index: number;
  url: string;
  title?: string;
  /** The queue job of this entry, once "Download all" enqueued it. */
  jobId?: string;
  state: BatchItemState;
  /** The DownloadError code of a failed entry. */
  error?: string;
}

/**
 * A playlist the bot offered: `offered` until the user presses "Download all", `running` while
 * its entries' jobs run, `summarized` once the summary went out.
 */
export interface Batch {
  key: string;
  url: string;
  title?: string;
  userId: number;
  chatId: number;
  replyToMessageId?: number;
  /** The offer message, which shows the batch's progress once started. */
  messageId?: number;
  locale: string;
  /** What every entry is downloaded as (decided when the link was queued). */
  request: DownloadRequest;
  autoLower: boolean;
  captions: boolean;
  /** The playlist's own count when the site states it (may exceed the entries kept). */
  total?: number;
  state: 'offered' | 'running' | 'summarized';
  items: BatchItem[];
  createdAt: number;
}

/** What a new batch is made of; `sourceJobId` (the job that read the playlist) makes creating it idempotent. */
export type NewBatch = Omit<Batch, 'key' | 'state' | 'items' | 'createdAt' | 'messageId'> & {
  sourceJobId: string;
  items: Array<Pick<BatchItem, 'url' | 'title'>>;
};

/**
 * The bot's view of a queued job: whose it is (so /cancel finds a user's jobs). The status
 * message travels in the job's own data, where a worker on any box reads it; the two status
 * fields are set only in rows written before that, and are read for such jobs alone.
 */
export interface BotJobRecord {
  jobId: string;
  userId: number;
  chatId: number;
  /** Legacy: the status message of a job queued by an older version. */
  statusMessageId?: number;
  /** Legacy: when that status message was sent (ms), for the edit throttle. */
  statusAt?: number;
  createdAt: number;
}

/** What /stats shows a user. */
export interface UserStats {
  downloads: number;
  bytes: number;
  cacheHits: number;
  failures: number;
  lastAt?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bot_file_cache (
  key TEXT PRIMARY KEY,
  media TEXT NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_user_settings (
  user_id INTEGER PRIMARY KEY,
  settings TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_group_settings (
  chat_id INTEGER PRIMARY KEY,
  autodownload INTEGER NOT NULL DEFAULT 0,
  updated_by INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_choices (
  key TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  chat_id INTEGER NOT NULL,
  reply_to INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_jobs (
  job_id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  chat_id INTEGER NOT NULL,
  status_message_id INTEGER,
  status_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bot_jobs_user ON bot_jobs(user_id, created_at);
CREATE TABLE IF NOT EXISTS bot_batches (
  key TEXT PRIMARY KEY,
  source_job TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  title TEXT,
  user_id INTEGER NOT NULL,
  chat_id INTEGER NOT NULL,
  reply_to INTEGER,
  message_id INTEGER,
  locale TEXT NOT NULL,
  job TEXT NOT NULL,
  total INTEGER,
  state TEXT NOT NULL DEFAULT 'offered',
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_batch_items (
  batch_key TEXT NOT NULL,
  idx INTEGER NOT NULL,
  url TEXT NOT NULL,
  title TEXT,
  job_id TEXT,
  state TEXT NOT NULL DEFAULT 'pending',
  error TEXT,
  PRIMARY KEY (batch_key, idx)
);
CREATE TABLE IF NOT EXISTS bot_users (
  user_id INTEGER PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  blocked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS bot_user_stats (
  user_id INTEGER PRIMARY KEY,
  downloads INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  cache_hits INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_at INTEGER
);
CREATE TABLE IF NOT EXISTS bot_platform_stats (
  platform TEXT PRIMARY KEY,
  success INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0
);
`;

/** Choices (keyboard keys) older than this are forgotten; their buttons then say "expired". */
const CHOICE_TTL_MS = 7 * 24 * 3600 * 1000;

/** The bot's tables and the questions the bot asks them. */
export class BotStore {
  private readonly now: () => number;

  constructor(
    private readonly db: SqliteDatabase,
    options: { now?: () => number } = {},
  ) {
    migrate(db, SCHEMA);
    this.now = options.now ?? Date.now;
  }

  // ------------------------------------------------------------------------------ settings

  /** The user's settings, defaults filled in. */
  settings(userId: number): UserSettings {
    const row = this.db.prepare('SELECT settings FROM bot_user_settings WHERE user_id = ?').get(userId) as { settings: string } | undefined;
    return parseSettings(row?.settings);
  }

  /** Changes some settings and returns all of them. */
  updateSettings(userId: number, patch: Partial<UserSettings>): UserSettings {
    const next = parseSettings(JSON.stringify({ ...this.settings(userId), ...patch }));
    this.db
      .prepare(
        `INSERT INTO bot_user_settings (user_id, settings, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
      )
      .run(userId, JSON.stringify(next), this.now());
    return next;
  }

  /** True when a group admin turned on /autodownload: the bot then takes every link in the group. */
  autodownload(chatId: number): boolean {
    const row = this.db.prepare('SELECT autodownload FROM bot_group_settings WHERE chat_id = ?').get(chatId) as { autodownload: number } | undefined;
    return row?.autodownload === 1;
  }

  setAutodownload(chatId: number, on: boolean, byUserId: number): void {
    this.db
      .prepare(
        `INSERT INTO bot_group_settings (chat_id, autodownload, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(chat_id) DO UPDATE SET autodownload = excluded.autodownload, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      .run(chatId, on ? 1 : 0, byUserId, this.now());
  }

  // ------------------------------------------------------------------------------ file_id cache

  /** The media sent before under this canonical key (platform:id:quality:format), if any. */
  cached(key: string): CachedMedia | undefined {
    const row = this.db.prepare('SELECT media FROM bot_file_cache WHERE key = ?').get(key) as { media: string } | undefined;
    if (!row) return undefined;
    this.db.prepare('UPDATE bot_file_cache SET hits = hits + 1 WHERE key = ?').run(key);
    return JSON.parse(row.media) as CachedMedia;
  }

  /** Remembers sent media under every key that names it (the offline-detected one and the extracted one). */
  remember(keys: readonly string[], media: CachedMedia): void {
    const insert = this.db.prepare(
      `INSERT INTO bot_file_cache (key, media, created_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET media = excluded.media, created_at = excluded.created_at`,
    );
    const json = JSON.stringify(media);
    const now = this.now();
    this.db.transaction(() => {
      for (const key of new Set(keys)) insert.run(key, json, now);
    })();
  }

  /** Forgets a cache entry whose file_id Telegram no longer accepts. */
  forget(key: string): void {
    this.db.prepare('DELETE FROM bot_file_cache WHERE key = ?').run(key);
  }

  // ------------------------------------------------------------------------------ choices

  /** Stores a link behind a short random key (11 characters) for callback_data or a /start payload. */
  createChoice(choice: Omit<PendingChoice, 'key' | 'createdAt'>): string {
    const key = randomBytes(8).toString('base64url');
    const now = this.now();
    this.db.prepare('DELETE FROM bot_choices WHERE created_at < ?').run(now - CHOICE_TTL_MS);
    this.db
      .prepare('INSERT INTO bot_choices (key, url, user_id, chat_id, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(key, choice.url, choice.userId, choice.chatId, choice.replyToMessageId ?? null, now);
    return key;
  }

  choice(key: string): PendingChoice | undefined {
    const row = this.db.prepare('SELECT * FROM bot_choices WHERE key = ? AND created_at >= ?').get(key, this.now() - CHOICE_TTL_MS) as
      | { key: string; url: string; user_id: number; chat_id: number; reply_to: number | null; created_at: number }
      | undefined;
    if (!row) return undefined;
    return {
      key: row.key,
      url: row.url,
      userId: row.user_id,
      chatId: row.chat_id,
      ...(row.reply_to !== null ? { replyToMessageId: row.reply_to } : {}),
      createdAt: row.created_at,
    };
  }

  // ------------------------------------------------------------------------------ playlist batches

  /**
   * Stores an offered playlist behind a short random key (for callback_data); a second call
   * for the same source job (a retry after a crash) returns the batch made the first time.
   */
  createBatch(batch: NewBatch): Batch {
    const now = this.now();
    const job = JSON.stringify({ request: batch.request, autoLower: batch.autoLower, captions: batch.captions });
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM bot_batch_items WHERE batch_key IN (SELECT key FROM bot_batches WHERE created_at < ?)`).run(now - CHOICE_TTL_MS);
      this.db.prepare('DELETE FROM bot_batches WHERE created_at < ?').run(now - CHOICE_TTL_MS);
      if (this.db.prepare('SELECT 1 FROM bot_batches WHERE source_job = ?').get(batch.sourceJobId)) return;
      const key = randomBytes(8).toString('base64url');
      this.db
        .prepare(
          `INSERT INTO bot_batches (key, source_job, url, title, user_id, chat_id, reply_to, locale, job, total, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(key, batch.sourceJobId, batch.url, batch.title ?? null, batch.userId, batch.chatId, batch.replyToMessageId ?? null, batch.locale, job, batch.total ?? null, now);
      const item = this.db.prepare('INSERT INTO bot_batch_items (batch_key, idx, url, title) VALUES (?, ?, ?, ?)');
      for (const [index, entry] of batch.items.entries()) item.run(key, index, entry.url, entry.title ?? null);
    }).immediate();
    const row = this.db.prepare('SELECT key FROM bot_batches WHERE source_job = ?').get(batch.sourceJobId) as { key: string };
    return this.batch(row.key)!;
  }

  /** The batch behind a key, with its items in playlist order; undefined when unknown or expired. */
  batch(key: string): Batch | undefined {
    const row = this.db.prepare('SELECT * FROM bot_batches WHERE key = ? AND created_at >= ?').get(key, this.now() - CHOICE_TTL_MS) as BatchRow | undefined;
    if (!row) return undefined;
    const items = this.db.prepare('SELECT * FROM bot_batch_items WHERE batch_key = ? ORDER BY idx').all(key) as BatchItemRow[];
    const job = JSON.parse(row.job) as Pick<Batch, 'request' | 'autoLower' | 'captions'>;
    return {
      key: row.key,
      url: row.url,
      ...(row.title !== null ? { title: row.title } : {}),
      userId: row.user_id,
      chatId: row.chat_id,
      ...(row.reply_to !== null ? { replyToMessageId: row.reply_to } : {}),
      ...(row.message_id !== null ? { messageId: row.message_id } : {}),
      locale: row.locale,
      request: job.request,
      autoLower: job.autoLower,
      captions: job.captions,
      ...(row.total !== null ? { total: row.total } : {}),
      state: row.state as Batch['state'],
      items: items.map((i) => ({
        index: i.idx,
        url: i.url,
        ...(i.title !== null ? { title: i.title } : {}),
        ...(i.job_id !== null ? { jobId: i.job_id } : {}),
        state: i.state as BatchItemState,
        ...(i.error !== null ? { error: i.error } : {}),
      })),
      createdAt: row.created_at,
    };
  }

  /** Moves an offered batch to `running` with its progress message; false when it was started before. */
  startBatch(key: string, messageId: number | undefined): boolean {
    const changed = this.db
      .prepare(`UPDATE bot_batches SET state = 'running', message_id = coalesce(?, message_id) WHERE key = ? AND state = 'offered'`)
      .run(messageId ?? null, key).changes;
    return changed > 0;
  }

  /** Records the queue job of one entry. */
  setBatchItemJob(key: string, index: number, jobId: string): void {
    this.db.prepare('UPDATE bot_batch_items SET job_id = ? WHERE batch_key = ? AND idx = ?').run(jobId, key, index);
  }

  /** Records how a pending entry ended; false when it had ended before (a retry, a redelivery). */
  settleBatchItem(key: string, index: number, state: Exclude<BatchItemState, 'pending'>, error?: string): boolean {
    return (
      this.db
        .prepare(`UPDATE bot_batch_items SET state = ?, error = ? WHERE batch_key = ? AND idx = ? AND state = 'pending'`)
        .run(state, error ?? null, key, index).changes > 0
    );
  }

  /**
   * Marks a running batch whose every entry has ended as summarized; true for exactly one
   * caller (the one that sends the summary), however many jobs end at once.
   */
  claimBatchSummary(key: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE bot_batches SET state = 'summarized' WHERE key = ? AND state = 'running'
             AND NOT EXISTS (SELECT 1 FROM bot_batch_items WHERE batch_key = ? AND state = 'pending')`,
        )
        .run(key, key).changes > 0
    );
  }

  // ------------------------------------------------------------------------------ jobs

  /** Records that `jobId` belongs to this user and chat (the status fields are those of older versions' rows). */
  recordJob(record: Omit<BotJobRecord, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT INTO bot_jobs (job_id, user_id, chat_id, status_message_id, status_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(job_id) DO UPDATE SET status_message_id = coalesce(excluded.status_message_id, status_message_id),
                                           status_at = coalesce(excluded.status_at, status_at)`,
      )
      .run(record.jobId, record.userId, record.chatId, record.statusMessageId ?? null, record.statusAt ?? null, this.now());
  }

  job(jobId: string): BotJobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM bot_jobs WHERE job_id = ?').get(jobId) as JobRow | undefined;
    return row ? toJobRecord(row) : undefined;
  }

  /** The user's jobs of the last `withinMs`, newest first (for /cancel). */
  recentJobs(userId: number, withinMs = 24 * 3600 * 1000): BotJobRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM bot_jobs WHERE user_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 50')
      .all(userId, this.now() - withinMs) as JobRow[];
    return rows.map(toJobRecord);
  }

  // ------------------------------------------------------------------------------ users and counters

  /** Notes a user who talked to the bot in private (the audience of /broadcast). */
  touchUser(userId: number): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO bot_users (user_id, first_seen, last_seen) VALUES (?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET last_seen = excluded.last_seen, blocked = 0`,
      )
      .run(userId, now, now);
  }

  /** Users who can be messaged (talked to the bot and did not block it). */
  reachableUsers(): number[] {
    return (this.db.prepare('SELECT user_id FROM bot_users WHERE blocked = 0 ORDER BY user_id').all() as Array<{ user_id: number }>).map((r) => r.user_id);
  }

  markBlocked(userId: number): void {
    this.db.prepare('UPDATE bot_users SET blocked = 1 WHERE user_id = ?').run(userId);
  }

  /** Counts a delivered download for the user and its platform. */
  recordDelivery(userId: number, platform: string, bytes: number, fromCache: boolean): void {
    const now = this.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO bot_user_stats (user_id, downloads, bytes, cache_hits, last_at) VALUES (?, 1, ?, ?, ?)
           ON CONFLICT(user_id) DO UPDATE SET downloads = downloads + 1, bytes = bytes + excluded.bytes,
                                             cache_hits = cache_hits + excluded.cache_hits, last_at = excluded.last_at`,
        )
        .run(userId, bytes, fromCache ? 1 : 0, now);
      this.db
        .prepare(`INSERT INTO bot_platform_stats (platform, success) VALUES (?, 1) ON CONFLICT(platform) DO UPDATE SET success = success + 1`)
        .run(platform);
    })();
  }

  /** Counts a failed download for the user and its platform. */
  recordFailure(userId: number, platform: string): void {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO bot_user_stats (user_id, failures) VALUES (?, 1) ON CONFLICT(user_id) DO UPDATE SET failures = failures + 1`)
        .run(userId);
      this.db
        .prepare(`INSERT INTO bot_platform_stats (platform, failed) VALUES (?, 1) ON CONFLICT(platform) DO UPDATE SET failed = failed + 1`)
        .run(platform);
    })();
  }

  userStats(userId: number): UserStats {
    const row = this.db.prepare('SELECT * FROM bot_user_stats WHERE user_id = ?').get(userId) as
      | { downloads: number; bytes: number; cache_hits: number; failures: number; last_at: number | null }
      | undefined;
    if (!row) return { downloads: 0, bytes: 0, cacheHits: 0, failures: 0 };
    return {
      downloads: row.downloads,
      bytes: row.bytes,
      cacheHits: row.cache_hits,
      failures: row.failures,
      ...(row.last_at !== null ? { lastAt: row.last_at } : {}),
    };
  }

  /** Successes and failures per platform, as the dashboard shows them. */
  platformStats(): Record<string, { success: number; failed: number }> {
    const out: Record<string, { success: number; failed: number }> = {};
    for (const r of this.db.prepare('SELECT * FROM bot_platform_stats ORDER BY platform').all() as Array<{ platform: string; success: number; failed: number }>) {
      out[r.platform] = { success: r.success, failed: r.failed };
    }
    return out;
  }
}

interface BatchRow {
  key: string;
  url: string;
  title: string | null;
  user_id: number;
  chat_id: number;
  reply_to: number | null;
  message_id: number | null;
  locale: string;
  job: string;
  total: number | null;
  state: string;
  created_at: number;
}

interface BatchItemRow {
  idx: number;
  url: string;
  title: string | null;
  job_id: string | null;
  state: string;
  error: string | null;
}

interface JobRow {
  job_id: string;
  user_id: number;
  chat_id: number;
  status_message_id: number | null;
  status_at: number | null;
  created_at: number;
}

function toJobRecord(row: JobRow): BotJobRecord {
  return {
    jobId: row.job_id,
    userId: row.user_id,
    chatId: row.chat_id,
    ...(row.status_message_id !== null ? { statusMessageId: row.status_message_id } : {}),
    ...(row.status_at !== null ? { statusAt: row.status_at } : {}),
    createdAt: row.created_at,
  };
}

/** Settings from their stored JSON; anything unknown or out of range falls back to the default. */
function parseSettings(json: string | undefined): UserSettings {
  let raw: Record<string, unknown> = {};
  try {
    raw = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    raw = {};
  }
  const oneOf = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
    allowed.includes(value as T) ? (value as T) : fallback;
  const settings: UserSettings = {
    quality: oneOf(raw.quality, QUALITY_SETTINGS, DEFAULT_SETTINGS.quality),
    format: oneOf(raw.format, ['video', 'audio'] as const, DEFAULT_SETTINGS.format),
    audioFormat: oneOf(raw.audioFormat, ['m4a', 'mp3'] as const, DEFAULT_SETTINGS.audioFormat),
    noWatermark: typeof raw.noWatermark === 'boolean' ? raw.noWatermark : DEFAULT_SETTINGS.noWatermark,
    captions: typeof raw.captions === 'boolean' ? raw.captions : DEFAULT_SETTINGS.captions,
  };
  if (LANGUAGES.includes(raw.language as Language)) settings.language = raw.language as Language;
  return settings;
}
