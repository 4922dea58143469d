#!/usr/bin/env node
// Parallel ranged download benchmark: dist/media/downloader.js on one stream vs in pieces over
// several connections, against a local server that caps every connection's speed the way CDNs
// do (googlevideo throttles single long responses), and against an uncapped one (loopback:
// bound by CPU, where pieces only add overhead). Runs alternate between the modes so machine
// load hits both alike. Run after `npm run build`: `node bench/parallel.mjs`.
// Env: BENCH_RUNS (5), SIZE_MB (48), CAP_MBPS (per-connection cap in MB/s, 8).
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { downloadToFile } = await import(join(root, 'dist', 'media', 'downloader.js'));
const { HttpClient } = await import(join(root, 'dist', 'utils', 'http.js'));

const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizeBytes = Number(process.env.SIZE_MB ?? 48) * 1024 * 1024;
const capBytesPerSec = Number(process.env.CAP_MBPS ?? 8) * 1024 * 1024;
const payload = randomBytes(sizeBytes);
const SLICE = 64 * 1024;

/** Writes `bytes` to `res`, at most `rate` bytes per second when capped. */
async function send(res, bytes, rate) {
  const started = Date.now();
  for (let sent = 0; sent < bytes.length && !res.destroyed; sent += SLICE) {
    const ok = res.write(bytes.subarray(sent, sent + SLICE));
    if (!ok) await new Promise((resolve) => res.once('drain', resolve));
    if (rate) {
      const aheadMs = ((sent + SLICE) / rate) * 1000 - (Date.now() - started);
      if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
    }
  }
  res.end();
}

const server = createServer((req, res) => {
  const rate = req.url.startsWith('/capped') ? capBytesPerSec : 0;
  res.on('error', () => undefined);
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : sizeBytes - 1;
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${sizeBytes}`, 'accept-ranges': 'bytes' });
    return void send(res, payload.subarray(start, end + 1), rate);
  }
  res.writeHead(200, { 'content-length': sizeBytes, 'accept-ranges': 'bytes' });
  void send(res, payload, rate);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const http = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'] });
const work = join(root, 'bench', 'out', 'parallel');
mkdirSync(work, { recursive: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const path of ['/capped', '/uncapped']) {
  const samples = { 'one stream': [], parallel: [] };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ['one stream', 'parallel'] : ['parallel', 'one stream'];
    for (const mode of order) {
      const target = join(work, 'out.bin');
      const started = process.hrtime.bigint();
      await downloadToFile(http, `${origin}${path}`, target, { parallel: mode === 'parallel' ? {} : false });
      samples[mode].push(Number(process.hrtime.bigint() - started) / 1e9);
      rmSync(target, { force: true });
    }
  }
  for (const [mode, secs] of Object.entries(samples)) {
    const sec = median(secs);
    results.push({
      server: path === '/capped' ? `capped ${capBytesPerSec / 1048576} MB/s per connection` : 'uncapped (loopback)',
      mode,
      medianSec: +sec.toFixed(3),
      minSec: +Math.min(...secs).toFixed(3),
      mbPerSec: +(sizeBytes / 1048576 / sec).toFixed(1),
      runs,
    });
  }
}
await http.close();
server.close();
rmSync(work, { recursive: true, force: true });
console.log(`file: ${sizeBytes / 1048576} MB; ${runs} runs each, interleaved; median wall time`);
console.table(results);
