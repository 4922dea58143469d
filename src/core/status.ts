/**
 * The shapes the operator-facing surfaces share: the dashboard JSON (the seed's shape —
 * system / downloads / platforms — plus queue, cache, circuit and error fields), health and
 * readiness. The system manager and monitoring produce them; the API, the bot's /status and the
 * web dashboard only read them through StatusSource.
 */
import type { JobCounts } from './job-queue.js';

export type SystemState = 'starting' | 'running' | 'degraded' | 'stopping' | 'stopped';
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface DashboardData {
  system: {
    state: SystemState;
    /** Human form, e.g. "2h 45m". */
    uptime: string;
    /** Human form, e.g. "156MB (78%)". */
    memory_usage: string;
    uptime_sec: number;
    rss_bytes: number;
    memory_limit_bytes: number;
    memory_percent: number;
  };
  downloads: {
    total: number;
    /** Percent, one decimal (94.2). */
    success_rate: number;
    avg_duration_ms: number;
    bytes: number;
  };
  platforms: Record<string, { success: number; failed: number }>;
  queue: JobCounts;
  cache: { hits: number; misses: number; evictions: number; hit_rate: number };
  circuits: Record<string, CircuitState>;
  recent_errors: Array<{ at: number; platform: string; code: string }>;
  /** Points for charts: downloads per minute over the last hour. */
  history: Array<{ at: number; success: number; failed: number }>;
}

export interface ComponentHealth {
  ok: boolean;
  detail?: string;
  /** Milliseconds the last automatic recovery took, if one happened. */
  lastRecoveryMs?: number;
}

export interface HealthReport {
  ok: boolean;
  state: SystemState;
  components: Record<string, ComponentHealth>;
}

/** What the API, the bot and the dashboard read. */
export interface StatusSource {
  dashboard(): Promise<DashboardData>;
  health(): Promise<HealthReport>;
  /** Prometheus text exposition of every metric. */
  metricsText(): Promise<string>;
  /** The content type of metricsText(). */
  readonly metricsContentType: string;
}
