#!/usr/bin/env node
// HTTP API benchmark: server build time, RSS it adds, and requests per second over real HTTP
// (keep-alive, 16 in flight) for POST /api/v1/detect, GET /api/v1/dashboard, a GraphQL query,
// and 1 MB Range reads of a result file. Run after `npm run build`: `node bench/api.mjs`.
// Prints a table and writes bench/out/api.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.DLBOT_DIST ?? join(root, 'dist');
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { createApiServer } = await load('api/server.js');
const { createEngine } = await load('core/engine.js');
const { SqliteJobQueue } = await load('core/job-queue.js');
const { openDatabase } = await load('utils/store.js');
const { testConfig } = await load('utils/config.js');
const { silentLogger } = await load('utils/logger.js');
const { MemoryTokenBucket } = await load('utils/rate-limiter.js');

const durationMs = Number(process.env.BENCH_MS ?? 3000);
const concurrency = 16;
const work = mkdtempSync(join(tmpdir(), 'dlbot-bench-api-'));
const KEY = 'bench-key';

const status = {
  metricsContentType: 'text/plain; version=0.0.4',
  async dashboard() {
    return {
      system: { state: 'running', uptime: '1m', memory_usage: '100MB (50%)', uptime_sec: 60, rss_bytes: 1e8, memory_limit_bytes: 2e8, memory_percent: 50 },
      downloads: { total: 10, success_rate: 90, avg_duration_ms: 1000, bytes: 1e6 },
      platforms: { youtube: { success: 9, failed: 1 } },
      queue: { queued: 0, running: 0, done: 10, cancelled: 0, dead: 0 },
      cache: { hits: 1, misses: 1, evictions: 0, hit_rate: 50 },
      circuits: { youtube: 'closed' },
      recent_errors: [],
      history: Array.from({ length: 60 }, (_, i) => ({ at: i * 60_000, success: 1, failed: 0 })),
    };
  },
  async health() {
    return { ok: true, state: 'running', components: {} };
  },
  async metricsText() {
    return 'dlbot_up 1\n';
  },
};

const config = testConfig({ dataDir: join(work, 'data'), apiKeys: [KEY], rateLimitRequestsPerMinute: 100_000 });
// the real limiter, with a budget the benchmark cannot exhaust
const rateLimiter = new MemoryTokenBucket({ capacity: 1e9, ratePerMinute: 1e9 });
const engine = createEngine(config, silentLogger);
const db = openDatabase(':memory:');
const queue = new SqliteJobQueue(db, { maxAttempts: 1 });
const resultsDir = join(work, 'results');

global.gc?.();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const app = await createApiServer({ engine, queue, status, config, resultsDir, rateLimiter });
await app.listen({ port: 0, host: '127.0.0.1' });
const startMs = performance.now() - t0;
global.gc?.();
const rssAddedMb = (process.memoryUsage().rss - rssBefore) / 1048576;

// a finished job with an 8 MB result, to read by Range
const job = await queue.add({ url: 'https://example.com/v.mp4', request: { quality: 'best' }, userId: undefined, source: 'api' });
const claimed = await queue.claim('bench', { leaseMs: 60_000 });
mkdirSync(join(resultsDir, job.id), { recursive: true });
writeFileSync(join(resultsDir, job.id, 'v.mp4'), randomBytes(8 * 1024 * 1024));
await queue.complete(claimed.id, 'bench', { platform: 'generic', mediaId: 'v', files: [{ name: 'v.mp4', kind: 'video', container: 'mp4', sizeBytes: 8 * 1024 * 1024 }] });

const origin = `http://127.0.0.1:${app.server.address().port}`;
const pool = new Pool(origin, { connections: concurrency });
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

async function measure(name, request) {
  let done = 0;
  let failed = 0;
  const until = performance.now() + durationMs;
  const latencies = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        const res = await pool.request(request());
        await res.body.arrayBuffer();
        latencies.push(performance.now() - s);
        if (res.statusCode >= 400) failed++;
        else done++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  return { name, reqPerSec: Math.round(done / (durationMs / 1000)), failed, p50Ms: p(0.5), p99Ms: p(0.99) };
}

const rows = [
  await measure('POST /api/v1/detect (3 urls)', () => ({
    method: 'POST',
    path: '/api/v1/detect',
    headers: auth,
    body: JSON.stringify({ urls: ['https://youtu.be/dQw4w9WgXcQ', 'https://www.tiktok.com/@a/video/7106594312292453675', 'https://x.com/jack/status/20'] }),
  })),
  await measure('GET /api/v1/dashboard', () => ({ method: 'GET', path: '/api/v1/dashboard' })),
  await measure('POST /graphql { dashboard, platforms }', () => ({
    method: 'POST',
    path: '/graphql',
    headers: auth,
    body: JSON.stringify({ query: '{ dashboard { downloads { total successRate } } platforms { name circuit } }' }),
  })),
  await measure('GET /api/v1/jobs/:id/file 1 MB Range', () => {
    const start = Math.floor(Math.random() * 7) * 1024 * 1024;
    return { method: 'GET', path: `/api/v1/jobs/${job.id}/file`, headers: { ...auth, range: `bytes=${start}-${start + 1024 * 1024 - 1}` } };
  }),
];

await pool.close();
await app.close();
await engine.close();
db.close();
rmSync(work, { recursive: true, force: true });

console.log(`server built and listening in ${startMs.toFixed(0)} ms; RSS added ${rssAddedMb.toFixed(1)} MB`);
console.table(rows);
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'api.json'), JSON.stringify({ startMs, rssAddedMb, concurrency, durationMs, rows }, null, 2));
