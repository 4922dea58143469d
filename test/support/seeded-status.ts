/** A StatusSource with known numbers, for API and dashboard tests. */
import type { DashboardData, HealthReport, StatusSource } from '../../src/core/status.js';

/** The numbers SeededStatus reports (the seed's example, plus queue/cache/circuits/history). */
export function seededDashboard(): DashboardData {
  const minute = 60_000;
  const base = Date.UTC(2024, 0, 1, 12, 0, 0);
  return {
    system: {
      state: 'running',
      uptime: '2h 45m',
      memory_usage: '156MB (78%)',
      uptime_sec: 9900,
      rss_bytes: 156 * 1024 * 1024,
      memory_limit_bytes: 200 * 1024 * 1024,
      memory_percent: 78,
    },
    downloads: { total: 1247, success_rate: 94.2, avg_duration_ms: 3420, bytes: 5_368_709_120 },
    platforms: {
      youtube: { success: 890, failed: 12 },
      instagram: { success: 234, failed: 8 },
      tiktok: { success: 123, failed: 3 },
    },
    queue: { queued: 7, running: 2, done: 1175, cancelled: 4, dead: 3 },
    cache: { hits: 420, misses: 80, evictions: 5, hit_rate: 84 },
    circuits: { youtube: 'closed', instagram: 'half-open', tiktok: 'open' },
    recent_errors: [
      { at: base + 50 * minute, platform: 'instagram', code: 'content.login_required' },
      { at: base + 58 * minute, platform: 'tiktok', code: 'fetch.rate_limited' },
    ],
    history: Array.from({ length: 60 }, (_, i) => ({ at: base + i * minute, success: 15 + (i % 7), failed: i % 11 === 0 ? 2 : 0 })),
  };
}

/** Reports `seededDashboard()`; `healthy` switches readiness. */
export class SeededStatus implements StatusSource {
  readonly metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';
  healthy = true;
  data = seededDashboard();

  async dashboard(): Promise<DashboardData> {
    return this.data;
  }

  async health(): Promise<HealthReport> {
    return {
      ok: this.healthy,
      state: this.healthy ? 'running' : 'degraded',
      components: { queue: { ok: true }, ffmpeg: this.healthy ? { ok: true } : { ok: false, detail: 'ffmpeg not found' } },
    };
  }

  async metricsText(): Promise<string> {
    return [
      '# HELP dlbot_downloads_total Downloads by platform and outcome.',
      '# TYPE dlbot_downloads_total counter',
      'dlbot_downloads_total{platform="youtube",outcome="success"} 890',
      'dlbot_downloads_total{platform="youtube",outcome="failed"} 12',
      '',
    ].join('\n');
  }
}
