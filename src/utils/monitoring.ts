/**
 * Monitoring: Prometheus metrics (prom-client, on a registry of our own so a host application's
 * global registry is never polluted), performance tracing with context, error tracking by code,
 * and the dashboard totals. Totals and the per-minute history are written through to the
 * SQLite store, so the dashboard's "downloads: 1247" survives a restart; Prometheus counters
 * stay per process, as Prometheus expects (rate() handles resets).
 *
 * Label values are always bounded: platform names are canonical, error codes come from
 * ERROR_CODES, and anything else is folded into "other". Job ids, raw user ids and URLs never
 * become labels; traces log them (user ids only as hashUser()) instead.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { CircuitState, DashboardData, SystemState } from '../core/status.js';
import type { JobCounts } from '../core/job-queue.js';
import { ERROR_CODES, toDownloadError, type ErrorCode } from './errors.js';
import { migrate, type SqliteDatabase } from './store.js';

/** A user id after hashUser(): the only form of a user that may reach logs and traces. */
export type UserHash = string & { readonly __brand: 'UserHash' };

/**
 * A stable, non-reversible stand-in for a user id (Telegram ids are small integers, so a plain
 * hash could be reversed by enumeration; pass a secret `salt` to prevent that).
 */
export function hashUser(id: string | number, salt = 'dlbot'): UserHash {
  return createHmac('sha256', salt).update(String(id)).digest('hex').slice(0, 16) as UserHash;
}

/** What a traced operation is about; becomes log context, never metric labels (except platform). */
export interface TraceContext {
  jobId?: string;
  platform?: string;
  userHash?: UserHash;
}

/** The pipeline stages that have a histogram of their own. */
export type Stage = 'extraction' | 'download' | 'upload';

/** One finished download request, as the download service reports it. */
export interface DownloadRecord {
  platform: string;
  ok: boolean;
  /** The DownloadError code of a failure; unknown codes count as "internal". */
  code?: string;
  /** Whole request: extraction, download, processing and delivery. */
  durationMs: number;
  bytes?: number;
}

/** Cache counters as a cache reports them; the dashboard derives the hit rate. */
export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

/** What the dashboard needs from outside monitoring. */
export interface DashboardExtra {
  state: SystemState;
  queue?: JobCounts;
  /** The cache's own counters; monitoring's hit/miss counters when absent. */
  cache?: CacheStats;
  circuits?: Record<string, CircuitState>;
}

/** Success and failure counts over a window. */
export interface OutcomeCounts {
  success: number;
  failed: number;
}

export interface MonitoringOptions {
  /** The memory budget (MAX_MEMORY_MB) that memory percentages refer to. */
  memoryLimitBytes: number;
  /** Where totals and history persist; in memory only without it. */
  db?: SqliteDatabase;
  logger?: Logger;
  now?: () => number;
  memoryUsage?: () => Pick<NodeJS.MemoryUsage, 'rss' | 'heapUsed' | 'heapTotal'>;
  /** Size of the recent-errors ring (the dashboard lists them oldest first, like the history). */
  recentErrorsLimit?: number;
  /** How long per-minute history rows stay in the database. */
  historyRetentionMinutes?: number;
  /** Node's process metrics (GC, event loop lag, handles) on the same registry. */
  defaultMetrics?: boolean;
}

const MINUTE_MS = 60_000;
/** Minutes of history the dashboard charts. */
const HISTORY_MINUTES = 60;
const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };
const EMPTY_QUEUE: JobCounts = { queued: 0, running: 0, done: 0, cancelled: 0, dead: 0 };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metrics_platform_totals (
  platform TEXT PRIMARY KEY,
  success INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS metrics_minutes (
  minute INTEGER PRIMARY KEY,
  success INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0
);
`;

/** Keeps label cardinality bounded: anything that is not a short lowercase name is "other". */
export function safeLabel(value: string | undefined): string {
  const v = (value ?? '').toLowerCase();
  return /^[a-z0-9][a-z0-9_.-]{0,31}$/.test(v) ? v : 'other';
}

function errorCode(code: string | undefined): ErrorCode {
  return code !== undefined && code in ERROR_CODES ? (code as ErrorCode) : 'internal';
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** "2h 45m" (the seed's dashboard form); days when longer, seconds when under a minute. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** "156MB (78%)": resident memory against the budget. */
export function formatMemory(rssBytes: number, limitBytes: number): string {
  return `${Math.round(rssBytes / 1024 / 1024)}MB (${Math.round((rssBytes / limitBytes) * 100)}%)`;
}

interface PlatformTotals {
  success: number;
  failed: number;
  bytes: number;
  durationMs: number;
}

/** Metrics, traces, error tracking and dashboard totals for one process. */
export class Monitoring {
  /** The registry every dlbot metric lives on; the API serves it at /metrics. */
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly memoryUsage: NonNullable<MonitoringOptions['memoryUsage']>;
  private readonly totals = new Map<string, PlatformTotals>();
  private readonly minutes = new Map<number, OutcomeCounts>();
  private readonly recentErrors: Array<{ at: number; platform: string; code: string }> = [];
  private readonly errorCounts = new Map<ErrorCode, number>();
  private cacheHits = 0;
  private cacheMisses = 0;
  private persist: ((platform: string, ok: boolean, bytes: number, durationMs: number, minute: number) => void) | undefined;
  private prune: ((beforeMinute: number) => void) | undefined;

  private readonly downloads: Counter<'platform' | 'outcome'>;
  private readonly bytes: Counter<'platform'>;
  private readonly retries: Counter<'platform'>;
  private readonly cacheLookups: Counter<'tier' | 'result'>;
  private readonly errors: Counter<'code' | 'platform'>;
  private readonly queueDepth: Gauge;
  private readonly runningJobs: Gauge;
  private readonly circuit: Gauge<'platform'>;
  private readonly componentUp: Gauge<'component'>;
  private readonly stages: Record<Stage, Histogram<'platform'>>;
  private readonly endToEnd: Histogram<'platform' | 'outcome'>;
  private readonly operations: Histogram<'operation' | 'outcome'>;
  private readonly recovery: Histogram<'component'>;

  constructor(private readonly options: MonitoringOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.downloads = new Counter({ name: 'dlbot_downloads_total', help: 'Finished download requests by platform and outcome.', labelNames: ['platform', 'outcome'], registers });
    this.bytes = new Counter({ name: 'dlbot_download_bytes_total', help: 'Bytes delivered by successful downloads.', labelNames: ['platform'], registers });
    this.retries = new Counter({ name: 'dlbot_retries_total', help: 'Retried attempts by platform.', labelNames: ['platform'], registers });
    this.cacheLookups = new Counter({ name: 'dlbot_cache_lookups_total', help: 'Cache lookups by tier and result (hit or miss).', labelNames: ['tier', 'result'], registers });
    this.errors = new Counter({ name: 'dlbot_errors_total', help: 'Errors by DownloadError code and platform.', labelNames: ['code', 'platform'], registers });
    this.queueDepth = new Gauge({ name: 'dlbot_queue_depth', help: 'Jobs waiting in the queue.', registers });
    this.runningJobs = new Gauge({ name: 'dlbot_jobs_running', help: 'Jobs being worked on.', registers });
    const memory = this.memoryUsage;
    new Gauge({ name: 'dlbot_memory_rss_bytes', help: 'Resident set size.', registers, collect() { this.set(memory().rss); } });
    new Gauge({ name: 'dlbot_memory_heap_used_bytes', help: 'V8 heap in use.', registers, collect() { this.set(memory().heapUsed); } });
    new Gauge({ name: 'dlbot_memory_limit_bytes', help: 'The configured memory budget (MAX_MEMORY_MB).', registers }).set(options.memoryLimitBytes);
    this.circuit = new Gauge({ name: 'dlbot_circuit_state', help: 'Circuit breaker per platform: 0 closed, 1 half-open, 2 open.', labelNames: ['platform'], registers });
    this.componentUp = new Gauge({ name: 'dlbot_component_up', help: 'Component health: 1 healthy, 0 failed.', labelNames: ['component'], registers });

    // Downloads run from seconds to the 15-minute deadline; extraction is an API call or two.
    this.stages = {
      extraction: new Histogram({ name: 'dlbot_extraction_duration_seconds', help: 'Time to extract media information.', labelNames: ['platform'], buckets: exponentialBuckets(0.05, 2, 11), registers }),
      download: new Histogram({ name: 'dlbot_download_duration_seconds', help: 'Time to download (and merge) the media.', labelNames: ['platform'], buckets: exponentialBuckets(0.25, 2, 12), registers }),
      upload: new Histogram({ name: 'dlbot_upload_duration_seconds', help: 'Time to deliver the file (Telegram upload).', labelNames: ['platform'], buckets: exponentialBuckets(0.1, 2, 12), registers }),
    };
    this.endToEnd = new Histogram({ name: 'dlbot_end_to_end_duration_seconds', help: 'Whole request, from link to delivered file.', labelNames: ['platform', 'outcome'], buckets: exponentialBuckets(0.25, 2, 13), registers });
    this.operations = new Histogram({ name: 'dlbot_operation_duration_seconds', help: 'Other traced operations by name.', labelNames: ['operation', 'outcome'], buckets: exponentialBuckets(0.005, 3, 10), registers });
    this.recovery = new Histogram({ name: 'dlbot_component_recovery_seconds', help: 'Time from a failed health check to a healthy restarted component.', labelNames: ['component'], buckets: exponentialBuckets(0.1, 2, 10), registers });

    if (options.db) this.openStore(options.db);
  }

  /** Prometheus text exposition of every metric on the registry. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of metricsText(). */
  get metricsContentType(): string {
    return this.registry.contentType;
  }

  /** Counts one finished request: totals, history, the end-to-end histogram and, on failure, its error. */
  recordDownload(record: DownloadRecord): void {
    const platform = safeLabel(record.platform);
    const outcome = record.ok ? 'success' : 'failure';
    const bytes = record.ok ? Math.max(0, record.bytes ?? 0) : 0;
    const durationMs = Math.max(0, record.durationMs);
    this.downloads.inc({ platform, outcome });
    if (bytes > 0) this.bytes.inc({ platform }, bytes);
    this.endToEnd.observe({ platform, outcome }, durationMs / 1000);
    if (!record.ok) this.recordError(record.code ?? 'internal', platform);

    const t = this.totals.get(platform) ?? { success: 0, failed: 0, bytes: 0, durationMs: 0 };
    if (record.ok) t.success++;
    else t.failed++;
    t.bytes += bytes;
    t.durationMs += durationMs;
    this.totals.set(platform, t);

    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const isNewMinute = !this.minutes.has(minute);
    const m = this.minutes.get(minute) ?? { success: 0, failed: 0 };
    if (record.ok) m.success++;
    else m.failed++;
    this.minutes.set(minute, m);
    if (isNewMinute) this.dropOldMinutes(minute);
    this.write(() => this.persist?.(platform, record.ok, bytes, Math.round(durationMs), minute));
  }

  /** Counts an error by its code (unknown codes count as "internal") and keeps it in the recent ring. */
  recordError(code: string, platform = 'other'): void {
    const c = errorCode(code);
    const p = safeLabel(platform);
    this.errors.inc({ code: c, platform: p });
    this.errorCounts.set(c, (this.errorCounts.get(c) ?? 0) + 1);
    this.recentErrors.push({ at: this.now(), platform: p, code: c });
    const limit = this.options.recentErrorsLimit ?? 50;
    if (this.recentErrors.length > limit) this.recentErrors.splice(0, this.recentErrors.length - limit);
  }

  /** Counts a retried attempt. */
  recordRetry(platform: string): void {
    this.retries.inc({ platform: safeLabel(platform) });
  }

  /** Counts a cache lookup on `tier` (memory, disk, redis, telegram…). */
  recordCache(hit: boolean, tier = 'memory'): void {
    this.cacheLookups.inc({ tier: safeLabel(tier), result: hit ? 'hit' : 'miss' });
    if (hit) this.cacheHits++;
    else this.cacheMisses++;
  }

  /** Records a stage duration measured by the caller. */
  observeStage(stage: Stage, durationMs: number, platform: string): void {
    this.stages[stage].observe({ platform: safeLabel(platform) }, Math.max(0, durationMs) / 1000);
  }

  /**
   * Times `fn` as operation `name`. The stages (extraction, download, upload) go to their own
   * histograms by platform; any other name goes to dlbot_operation_duration_seconds. The
   * context is logged at debug level with the duration and outcome.
   */
  async trace<T>(name: string, context: TraceContext, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'ok';
    let code: ErrorCode | undefined;
    try {
      return await fn();
    } catch (error) {
      outcome = 'error';
      code = toDownloadError(error).code;
      throw error;
    } finally {
      const durationMs = performance.now() - started;
      if (name === 'extraction' || name === 'download' || name === 'upload') this.observeStage(name, durationMs, context.platform ?? 'other');
      else this.operations.observe({ operation: safeLabel(name), outcome }, durationMs / 1000);
      this.options.logger?.debug({ op: name, ...context, durationMs: Math.round(durationMs), outcome, ...(code ? { code } : {}) }, 'trace');
    }
  }

  /** Queue gauges from the queue's counts. */
  setQueue(counts: JobCounts): void {
    this.queueDepth.set(counts.queued);
    this.runningJobs.set(counts.running);
  }

  /** Circuit gauges, one per platform. */
  setCircuits(circuits: Record<string, CircuitState>): void {
    for (const [platform, state] of Object.entries(circuits)) this.circuit.set({ platform: safeLabel(platform) }, CIRCUIT_VALUE[state]);
  }

  /** The health gauge of a system component. */
  setComponentHealth(component: string, ok: boolean): void {
    this.componentUp.set({ component: safeLabel(component) }, ok ? 1 : 0);
  }

  /** How long an automatic recovery took. */
  recordRecovery(component: string, durationMs: number): void {
    this.recovery.observe({ component: safeLabel(component) }, durationMs / 1000);
  }

  /** Error counts by code since this process started. */
  errorsByCode(): Partial<Record<ErrorCode, number>> {
    return Object.fromEntries(this.errorCounts);
  }

  /** Successes and failures of the last `minutes` minute buckets (the current one included). */
  outcomes(minutes: number): OutcomeCounts {
    const current = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const out = { success: 0, failed: 0 };
    for (let i = 0; i < minutes; i++) {
      const m = this.minutes.get(current - i * MINUTE_MS);
      out.success += m?.success ?? 0;
      out.failed += m?.failed ?? 0;
    }
    return out;
  }

  /** Resident memory as a percentage of the budget, one decimal. */
  memoryPercent(): number {
    return round1((this.memoryUsage().rss / this.options.memoryLimitBytes) * 100);
  }

  /** The dashboard JSON (the seed's shape plus queue, cache, circuits, errors and history). */
  dashboard(extra: DashboardExtra): DashboardData {
    const uptimeSec = Math.floor((this.now() - this.startedAt) / 1000);
    const rss = this.memoryUsage().rss;
    const limit = this.options.memoryLimitBytes;
    let success = 0;
    let failed = 0;
    let bytes = 0;
    let durationMs = 0;
    const platforms: DashboardData['platforms'] = {};
    for (const [name, t] of this.totals) {
      platforms[name] = { success: t.success, failed: t.failed };
      success += t.success;
      failed += t.failed;
      bytes += t.bytes;
      durationMs += t.durationMs;
    }
    const total = success + failed;
    const cache = extra.cache ?? { hits: this.cacheHits, misses: this.cacheMisses, evictions: 0 };
    const lookups = cache.hits + cache.misses;
    return {
      system: {
        state: extra.state,
        uptime: formatUptime(uptimeSec),
        memory_usage: formatMemory(rss, limit),
        uptime_sec: uptimeSec,
        rss_bytes: rss,
        memory_limit_bytes: limit,
        memory_percent: round1((rss / limit) * 100),
      },
      downloads: {
        total,
        // no downloads yet reads as 0 %, not as a perfect record
        success_rate: total === 0 ? 0 : round1((success / total) * 100),
        avg_duration_ms: total === 0 ? 0 : Math.round(durationMs / total),
        bytes,
      },
      platforms,
      queue: extra.queue ?? { ...EMPTY_QUEUE },
      cache: { ...cache, hit_rate: lookups === 0 ? 0 : round1((cache.hits / lookups) * 100) },
      circuits: extra.circuits ?? {},
      recent_errors: [...this.recentErrors],
      history: this.history(),
    };
  }

  /** Stops writing to the database (call before the store closes). */
  close(): void {
    this.persist = undefined;
    this.prune = undefined;
  }

  /** Downloads per minute over the last hour, oldest first, one point per minute. */
  private history(): DashboardData['history'] {
    const current = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const out: DashboardData['history'] = [];
    for (let i = HISTORY_MINUTES - 1; i >= 0; i--) {
      const at = current - i * MINUTE_MS;
      const m = this.minutes.get(at);
      out.push({ at, success: m?.success ?? 0, failed: m?.failed ?? 0 });
    }
    return out;
  }

  private dropOldMinutes(current: number): void {
    const oldest = current - HISTORY_MINUTES * MINUTE_MS;
    for (const minute of this.minutes.keys()) if (minute < oldest) this.minutes.delete(minute);
    const retentionMs = (this.options.historyRetentionMinutes ?? 24 * 60) * MINUTE_MS;
    this.write(() => this.prune?.(current - retentionMs));
  }

  private openStore(db: SqliteDatabase): void {
    migrate(db, SCHEMA);
    for (const row of db.prepare('SELECT platform, success, failed, bytes, duration_ms FROM metrics_platform_totals').all() as Array<{ platform: string; success: number; failed: number; bytes: number; duration_ms: number }>) {
      this.totals.set(row.platform, { success: row.success, failed: row.failed, bytes: row.bytes, durationMs: row.duration_ms });
    }
    const since = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS - HISTORY_MINUTES * MINUTE_MS;
    for (const row of db.prepare('SELECT minute, success, failed FROM metrics_minutes WHERE minute >= ?').all(since) as Array<{ minute: number; success: number; failed: number }>) {
      this.minutes.set(row.minute, { success: row.success, failed: row.failed });
    }
    const totals = db.prepare(`
      INSERT INTO metrics_platform_totals (platform, success, failed, bytes, duration_ms) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (platform) DO UPDATE SET success = success + excluded.success, failed = failed + excluded.failed,
        bytes = bytes + excluded.bytes, duration_ms = duration_ms + excluded.duration_ms`);
    const minutes = db.prepare(`
      INSERT INTO metrics_minutes (minute, success, failed) VALUES (?, ?, ?)
      ON CONFLICT (minute) DO UPDATE SET success = success + excluded.success, failed = failed + excluded.failed`);
    const prune = db.prepare('DELETE FROM metrics_minutes WHERE minute < ?');
    this.persist = db.transaction((platform: string, ok: boolean, bytes: number, durationMs: number, minute: number) => {
      totals.run(platform, ok ? 1 : 0, ok ? 0 : 1, bytes, durationMs);
      minutes.run(minute, ok ? 1 : 0, ok ? 0 : 1);
    });
    this.prune = (before) => prune.run(before);
  }

  /** A metrics write must never fail a download: log it and carry on with in-memory totals. */
  private write(fn: () => void): void {
    if (this.options.db && !this.options.db.open) return;
    try {
      fn();
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'persisting metrics failed');
    }
  }
}
