// Cost of monitoring on the download path: recordDownload with the SQLite write-through, a
// /metrics scrape and a dashboard build. Run after `npm run build`: node bench/monitoring.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const dist = new URL('../dist/', import.meta.url);
const { Monitoring } = await import(new URL('utils/monitoring.js', dist).href);
const { openDatabase } = await import(new URL('utils/store.js', dist).href);

const dir = mkdtempSync(join(tmpdir(), 'dlbot-bench-monitoring-'));
const db = openDatabase(join(dir, 'dlbot.db'));
const monitoring = new Monitoring({ memoryLimitBytes: 200 * 1024 * 1024, db });
const platforms = ['youtube', 'instagram', 'tiktok', 'twitter', 'reddit', 'vimeo'];
const codes = ['fetch.failed', 'content.private', 'fetch.rate_limited'];

const time = (label, n, fn) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const ms = performance.now() - t0;
  console.log(`${label}: ${(ms / n * 1000).toFixed(1)} µs each (${n} in ${ms.toFixed(0)} ms)`);
};
const timeAsync = async (label, n, fn) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = performance.now() - t0;
  console.log(`${label}: ${(ms / n).toFixed(2)} ms each (${n} in ${ms.toFixed(0)} ms)`);
};

time('recordDownload (SQLite write-through)', 20_000, (i) =>
  monitoring.recordDownload({ platform: platforms[i % platforms.length], ok: i % 17 !== 0, code: codes[i % codes.length], durationMs: 500 + (i % 3000), bytes: 1_000_000 }),
);
await timeAsync('metricsText (scrape)', 200, () => monitoring.metricsText());
time('dashboard', 2_000, () => monitoring.dashboard({ state: 'running' }));
console.log(`metrics text size: ${(await monitoring.metricsText()).length} bytes`);
db.close();
rmSync(dir, { recursive: true, force: true });
