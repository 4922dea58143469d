import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Monitoring, formatMemory, formatUptime, hashUser, safeLabel } from '../../src/utils/monitoring.js';
import { openDatabase } from '../../src/utils/store.js';
import { DownloadError } from '../../src/utils/errors.js';

const MB = 1024 * 1024;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 30);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*"';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
// values parse like Go's ParseFloat, which Prometheus uses: NaN and Inf in any case
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (-?[0-9.]+(?:[eE][+-]?[0-9]+)?|[nN][aA][nN]|[+-][iI][nN][fF])(?: -?[0-9]+)?$`);

/** A strict line parser for the Prometheus text exposition format (version 0.0.4). */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      expect(line, 'HELP line').toMatch(HELP_LINE);
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const raw = m[3]!;
    const special: Record<string, number> = { '+inf': Infinity, '-inf': -Infinity, nan: NaN };
    samples.push({ name: m[1]!, labels, value: special[raw.toLowerCase()] ?? Number(raw) });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('Monitoring metrics', () => {
  let now: number;
  let monitoring: Monitoring;
  beforeEach(() => {
    now = T0;
    monitoring = new Monitoring({ memoryLimitBytes: 200 * MB, now: () => now, memoryUsage: () => ({ rss: 156 * MB, heapUsed: 40 * MB, heapTotal: 60 * MB }) });
  });

  it('counts downloads, bytes, durations and errors by code after recordDownload', async () => {
    const before = parseExposition(await monitoring.metricsText()).samples;
    expect(value(before, 'dlbot_downloads_total', { platform: 'tiktok', outcome: 'success' })).toBeUndefined();

    monitoring.recordDownload({ platform: 'tiktok', ok: true, durationMs: 1500, bytes: 2_000_000 });
    monitoring.recordDownload({ platform: 'tiktok', ok: true, durationMs: 2500, bytes: 3_000_000 });
    monitoring.recordDownload({ platform: 'tiktok', ok: false, code: 'fetch.failed', durationMs: 800 });
    monitoring.recordRetry('tiktok');
    monitoring.recordCache(true);
    monitoring.recordCache(false, 'disk');

    const { samples } = parseExposition(await monitoring.metricsText());
    expect(value(samples, 'dlbot_downloads_total', { platform: 'tiktok', outcome: 'success' })).toBe(2);
    expect(value(samples, 'dlbot_downloads_total', { platform: 'tiktok', outcome: 'failure' })).toBe(1);
    expect(value(samples, 'dlbot_download_bytes_total', { platform: 'tiktok' })).toBe(5_000_000);
    expect(value(samples, 'dlbot_errors_total', { code: 'fetch.failed', platform: 'tiktok' })).toBe(1);
    expect(value(samples, 'dlbot_retries_total', { platform: 'tiktok' })).toBe(1);
    expect(value(samples, 'dlbot_cache_lookups_total', { tier: 'memory', result: 'hit' })).toBe(1);
    expect(value(samples, 'dlbot_cache_lookups_total', { tier: 'disk', result: 'miss' })).toBe(1);
    expect(value(samples, 'dlbot_end_to_end_duration_seconds_count', { platform: 'tiktok', outcome: 'success' })).toBe(2);
    expect(value(samples, 'dlbot_end_to_end_duration_seconds_sum', { platform: 'tiktok', outcome: 'success' })).toBeCloseTo(4, 6);
    expect(value(samples, 'dlbot_memory_rss_bytes')).toBe(156 * MB);
    expect(value(samples, 'dlbot_memory_heap_used_bytes')).toBe(40 * MB);
  });

  it('exposes valid Prometheus text: every line parses and every sample belongs to a typed family', async () => {
    monitoring.recordDownload({ platform: 'youtube', ok: true, durationMs: 3000, bytes: 1 });
    monitoring.observeStage('extraction', 120, 'youtube');
    monitoring.setQueue({ queued: 4, running: 2, done: 0, cancelled: 0, dead: 1 });
    monitoring.setCircuits({ youtube: 'closed', tiktok: 'open', reddit: 'half-open' });
    monitoring.setComponentHealth('queue', false);
    monitoring.recordError('content.private', 'instagram');
    const text = await monitoring.metricsText();
    expect(monitoring.metricsContentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parseExposition(text);

    expect(samples.length).toBeGreaterThan(40);
    for (const s of samples) {
      const family = types.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count|total|created)$/, '');
      expect(types.has(family) || types.has(s.name), `${s.name} has a # TYPE`).toBe(true);
    }
    expect(types.get('dlbot_downloads_total')).toBe('counter');
    expect(types.get('dlbot_queue_depth')).toBe('gauge');
    expect(types.get('dlbot_extraction_duration_seconds')).toBe('histogram');

    // histogram buckets are cumulative and end with +Inf = _count
    const buckets = samples.filter((s) => s.name === 'dlbot_extraction_duration_seconds_bucket' && s.labels.platform === 'youtube');
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.value).toBe(value(samples, 'dlbot_extraction_duration_seconds_count', { platform: 'youtube' }));
    expect(value(samples, 'dlbot_extraction_duration_seconds_bucket', { platform: 'youtube', le: '0.1' })).toBe(0);
    expect(value(samples, 'dlbot_extraction_duration_seconds_bucket', { platform: 'youtube', le: '0.2' })).toBe(1);

    expect(value(samples, 'dlbot_queue_depth')).toBe(4);
    expect(value(samples, 'dlbot_jobs_running')).toBe(2);
    expect(value(samples, 'dlbot_circuit_state', { platform: 'tiktok' })).toBe(2);
    expect(value(samples, 'dlbot_circuit_state', { platform: 'reddit' })).toBe(1);
    expect(value(samples, 'dlbot_circuit_state', { platform: 'youtube' })).toBe(0);
    expect(value(samples, 'dlbot_component_up', { component: 'queue' })).toBe(0);
    expect(value(samples, 'dlbot_memory_limit_bytes')).toBe(200 * MB);
    // Node's process metrics share the registry
    expect(types.get('process_resident_memory_bytes')).toBe('gauge');
  });

  it('the exposition parser used here rejects malformed lines', () => {
    expect(() => parseExposition('dlbot_x{platform=youtube} 1')).toThrow(/not a valid/);
    expect(() => parseExposition('dlbot_x 1 2 3')).toThrow(/not a valid/);
    expect(() => parseExposition('dlbot x 1')).toThrow(/not a valid/);
    expect(parseExposition('# TYPE a counter\na_total{b="c\\"d"} 1.5e+3').samples).toEqual([{ name: 'a_total', labels: { b: 'c\\"d' }, value: 1500 }]);
  });

  it('keeps its metrics off the global prom-client registry', async () => {
    const { register } = await import('prom-client');
    expect(register.getSingleMetric('dlbot_downloads_total')).toBeUndefined();
    expect(monitoring.registry.getSingleMetric('dlbot_downloads_total')).toBeDefined();
  });

  it('folds unknown codes into internal and odd platform names into other, and bounds the error ring', async () => {
    const small = new Monitoring({ memoryLimitBytes: 200 * MB, recentErrorsLimit: 3, defaultMetrics: false, now: () => now });
    small.recordDownload({ platform: 'https://evil.example/?u=1', ok: false, code: 'no.such.code', durationMs: 1 });
    for (const code of ['fetch.failed', 'fetch.rate_limited', 'content.private']) {
      now += 1000;
      small.recordError(code, 'reddit');
    }
    const { samples } = parseExposition(await small.metricsText());
    expect(value(samples, 'dlbot_errors_total', { code: 'internal', platform: 'other' })).toBe(1);
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes('evil')))).toBe(false);
    const d = small.dashboard({ state: 'running' });
    // the oldest (the internal error) fell out of the ring of three
    expect(d.recent_errors).toEqual([
      { at: T0 + 1000, platform: 'reddit', code: 'fetch.failed' },
      { at: T0 + 2000, platform: 'reddit', code: 'fetch.rate_limited' },
      { at: T0 + 3000, platform: 'reddit', code: 'content.private' },
    ]);
    expect(small.errorsByCode()).toEqual({ internal: 1, 'fetch.failed': 1, 'fetch.rate_limited': 1, 'content.private': 1 });
    expect(safeLabel('YouTube')).toBe('youtube');
    expect(safeLabel('x'.repeat(40))).toBe('other');
  });
});

describe('Monitoring.trace', () => {
  it('times stages and other operations, rethrows failures and logs context without raw ids', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    const monitoring = new Monitoring({ memoryLimitBytes: 200 * MB, defaultMetrics: false, logger: pino({ level: 'debug' }, sink) });
    const user = hashUser(123456789);

    await expect(monitoring.trace('extraction', { jobId: 'job-1', platform: 'vimeo', userHash: user }, async () => 'info')).resolves.toBe('info');
    const failure = monitoring.trace('telegram.send', { jobId: 'job-2', platform: 'vimeo', userHash: user }, async () => {
      throw new DownloadError('fetch.rate_limited');
    });
    await expect(failure).rejects.toThrow(DownloadError);

    const text = await monitoring.metricsText();
    const { samples } = parseExposition(text);
    expect(value(samples, 'dlbot_extraction_duration_seconds_count', { platform: 'vimeo' })).toBe(1);
    expect(value(samples, 'dlbot_operation_duration_seconds_count', { operation: 'telegram.send', outcome: 'error' })).toBe(1);
    expect(text).not.toContain('job-1');
    expect(text).not.toContain('123456789');

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ op: 'extraction', jobId: 'job-1', platform: 'vimeo', userHash: user, outcome: 'ok' });
    expect(lines[1]).toMatchObject({ op: 'telegram.send', jobId: 'job-2', outcome: 'error', code: 'fetch.rate_limited' });
    expect(typeof lines[0]!.durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('123456789');
  });

  it('hashUser is stable, short, salted and does not contain the id', () => {
    expect(hashUser(42)).toBe(hashUser('42'));
    expect(hashUser(42)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashUser(42)).not.toBe(hashUser(43));
    expect(hashUser(42, 'secret')).not.toBe(hashUser(42));
    expect(hashUser(987654321)).not.toContain('987654321');
  });
});

describe('Monitoring.dashboard', () => {
  it('has exactly the DashboardData shape, the seed strings and the right success rate', () => {
    let now = T0;
    const monitoring = new Monitoring({ memoryLimitBytes: 200 * MB, defaultMetrics: false, now: () => now, memoryUsage: () => ({ rss: 156 * MB, heapUsed: 1, heapTotal: 1 }) });
    for (let i = 0; i < 890; i++) monitoring.recordDownload({ platform: 'youtube', ok: true, durationMs: 3000, bytes: 10 });
    for (let i = 0; i < 12; i++) monitoring.recordDownload({ platform: 'youtube', ok: false, code: 'fetch.failed', durationMs: 1000 });
    for (let i = 0; i < 234; i++) monitoring.recordDownload({ platform: 'instagram', ok: true, durationMs: 4000, bytes: 10 });
    for (let i = 0; i < 8; i++) monitoring.recordDownload({ platform: 'instagram', ok: false, code: 'content.private', durationMs: 500 });
    now = T0 + (2 * 3600 + 45 * 60 + 10) * 1000;

    const d = monitoring.dashboard({
      state: 'running',
      queue: { queued: 3, running: 1, done: 10, cancelled: 0, dead: 2 },
      cache: { hits: 785, misses: 215, evictions: 4 },
      circuits: { youtube: 'closed', instagram: 'open' },
    });
    expect(Object.keys(d).sort()).toEqual(['cache', 'circuits', 'downloads', 'history', 'platforms', 'queue', 'recent_errors', 'system']);
    expect(d.system).toEqual({
      state: 'running', uptime: '2h 45m', memory_usage: '156MB (78%)', uptime_sec: 9910,
      rss_bytes: 156 * MB, memory_limit_bytes: 200 * MB, memory_percent: 78,
    });
    const total = 890 + 12 + 234 + 8;
    expect(d.downloads).toEqual({
      total,
      success_rate: Math.round(((890 + 234) / total) * 1000) / 10, // 98.3
      avg_duration_ms: Math.round((890 * 3000 + 12 * 1000 + 234 * 4000 + 8 * 500) / total),
      bytes: (890 + 234) * 10,
    });
    expect(d.downloads.success_rate).toBe(98.3);
    expect(d.platforms).toEqual({ youtube: { success: 890, failed: 12 }, instagram: { success: 234, failed: 8 } });
    expect(d.queue).toEqual({ queued: 3, running: 1, done: 10, cancelled: 0, dead: 2 });
    expect(d.cache).toEqual({ hits: 785, misses: 215, evictions: 4, hit_rate: 78.5 });
    expect(d.circuits).toEqual({ youtube: 'closed', instagram: 'open' });
    expect(d.recent_errors).toHaveLength(20);
    expect(d.history).toHaveLength(60);
    // the downloads happened 2h45m ago: outside the one-hour chart
    expect(d.history.every((p) => p.success === 0 && p.failed === 0)).toBe(true);
  });

  it('reads 0 % with no downloads and buckets history by minute, oldest first', () => {
    let now = T0;
    const monitoring = new Monitoring({ memoryLimitBytes: 100 * MB, defaultMetrics: false, now: () => now, memoryUsage: () => ({ rss: 50 * MB, heapUsed: 1, heapTotal: 1 }) });
    expect(monitoring.dashboard({ state: 'starting' }).downloads).toEqual({ total: 0, success_rate: 0, avg_duration_ms: 0, bytes: 0 });
    monitoring.recordDownload({ platform: 'reddit', ok: true, durationMs: 10 });
    now += 60_000;
    monitoring.recordDownload({ platform: 'reddit', ok: false, durationMs: 10 });
    monitoring.recordDownload({ platform: 'reddit', ok: true, durationMs: 10 });
    const d = monitoring.dashboard({ state: 'running' });
    const minute = Math.floor(T0 / 60_000) * 60_000;
    expect(d.history.at(-1)).toEqual({ at: minute + 60_000, success: 1, failed: 1 });
    expect(d.history.at(-2)).toEqual({ at: minute, success: 1, failed: 0 });
    expect(d.history[0]!.at).toBe(minute + 60_000 - 59 * 60_000);
    expect(monitoring.outcomes(5)).toEqual({ success: 2, failed: 1 });
    expect(monitoring.outcomes(1)).toEqual({ success: 1, failed: 1 });
    expect(d.cache).toEqual({ hits: 0, misses: 0, evictions: 0, hit_rate: 0 });
    expect(d.queue).toEqual({ queued: 0, running: 0, done: 0, cancelled: 0, dead: 0 });
    expect(d.system.memory_usage).toBe('50MB (50%)');
  });

  it.each([
    [0, '0s'], [59, '59s'], [60, '1m'], [3599, '59m'], [9900, '2h 45m'], [90_061, '1d 1h 1m'],
  ])('formats an uptime of %i s as %s', (sec, text) => {
    expect(formatUptime(sec)).toBe(text);
  });

  it('formats memory against the budget', () => {
    expect(formatMemory(156 * MB, 200 * MB)).toBe('156MB (78%)');
    expect(formatMemory(190.6 * MB, 200 * MB)).toBe('191MB (95%)');
  });
});

describe('Monitoring persistence', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dlbot-monitoring-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps totals and the per-minute history across a reopen of the same SQLite file', () => {
    const file = join(dir, 'dlbot.db');
    let now = T0;
    const first = openDatabase(file);
    const a = new Monitoring({ memoryLimitBytes: 200 * MB, db: first, defaultMetrics: false, now: () => now });
    a.recordDownload({ platform: 'youtube', ok: true, durationMs: 2000, bytes: 100 });
    a.recordDownload({ platform: 'youtube', ok: false, code: 'fetch.failed', durationMs: 1000 });
    now += 60_000;
    a.recordDownload({ platform: 'tiktok', ok: true, durationMs: 3000, bytes: 50 });
    a.close();
    first.close();

    now += 30_000;
    const second = openDatabase(file);
    const b = new Monitoring({ memoryLimitBytes: 200 * MB, db: second, defaultMetrics: false, now: () => now });
    const d = b.dashboard({ state: 'running' });
    expect(d.downloads).toEqual({ total: 3, success_rate: 66.7, avg_duration_ms: 2000, bytes: 150 });
    expect(d.platforms).toEqual({ youtube: { success: 1, failed: 1 }, tiktok: { success: 1, failed: 0 } });
    const minute = Math.floor(T0 / 60_000) * 60_000;
    expect(d.history.filter((p) => p.success + p.failed > 0)).toEqual([
      { at: minute, success: 1, failed: 1 },
      { at: minute + 60_000, success: 1, failed: 0 },
    ]);
    // counting goes on from the loaded totals, in memory and on disk
    b.recordDownload({ platform: 'youtube', ok: true, durationMs: 2000, bytes: 1 });
    expect(b.dashboard({ state: 'running' }).platforms.youtube).toEqual({ success: 2, failed: 1 });
    expect(second.prepare('SELECT success, failed, bytes FROM metrics_platform_totals WHERE platform = ?').get('youtube')).toEqual({ success: 2, failed: 1, bytes: 101 });
    second.close();
  });

  it('prunes history rows past the retention and keeps counting when the database is closed', () => {
    let now = T0;
    const db = openDatabase(join(dir, 'prune.db'));
    const m = new Monitoring({ memoryLimitBytes: 200 * MB, db, defaultMetrics: false, historyRetentionMinutes: 10, now: () => now });
    m.recordDownload({ platform: 'vimeo', ok: true, durationMs: 1 });
    now += 11 * 60_000;
    m.recordDownload({ platform: 'vimeo', ok: true, durationMs: 1 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM metrics_minutes').get()).toEqual({ n: 1 });
    db.close();
    expect(() => m.recordDownload({ platform: 'vimeo', ok: true, durationMs: 1 })).not.toThrow();
    expect(m.dashboard({ state: 'running' }).platforms.vimeo).toEqual({ success: 3, failed: 0 });
  });
});
