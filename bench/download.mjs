#!/usr/bin/env node
// Download benchmark: wall time (and peak RSS) of `dlbot get` on a ~100 MB local MP4 next to
// curl on the same file, and on a local HLS stream next to yt-dlp on the same stream.
// Run after `npm run build`: `npm run bench`. Prints a table and writes bench/out/download.json.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', 'out');
const media = join(work, 'media');
const runs = Number(process.env.BENCH_RUNS ?? 3);
mkdirSync(media, { recursive: true });

function ffmpeg(args) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('ffmpeg failed');
}

const mp4 = join(media, 'big.mp4');
if (!existsSync(mp4)) {
  console.error('making a ~100 MB 1080p MP4…');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '19M', '-maxrate', '19M', '-bufsize', '38M',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', mp4]);
}
const hlsDir = join(media, 'hls');
if (!existsSync(join(hlsDir, 'index.m3u8'))) {
  mkdirSync(hlsDir, { recursive: true });
  ffmpeg(['-i', mp4, '-c', 'copy', '-f', 'hls', '-hls_time', '4', '-hls_playlist_type', 'vod', join(hlsDir, 'index.m3u8')]);
}

const types = { '.mp4': 'video/mp4', '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t' };
const server = createServer((req, res) => {
  const file = normalize(join(media, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  if (!file.startsWith(media) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
  const size = statSync(file).size;
  const type = types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
  const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Number(range[2]) : size - 1;
    res.writeHead(206, { 'content-type': type, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    return createReadStream(file, { start, end }).pipe(res);
  }
  res.writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

/** Runs a command; returns wall seconds and peak RSS in MB (from /usr/bin/time when present). */
function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const timeBin = existsSync('/usr/bin/time');
    const argv = timeBin ? ['/usr/bin/time', ['-f', '%M', cmd, ...args]] : [cmd, args];
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv[1], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const sec = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-500)}`));
      const kb = timeBin ? Number(stderr.trim().split('\n').pop()) : NaN;
      resolve({ sec, rssMb: kb / 1024 });
    });
  });
}

const dlbot = [process.execPath, join(root, 'bin', 'dlbot')];
const env = { ALLOWED_PRIVATE_HOSTS: '127.0.0.1', DATA_DIR: join(work, 'data') };
const out = join(work, 'dl');
const cases = [
  ['mp4 ~100 MB', 'dlbot get', () => run(dlbot[0], [dlbot[1], 'get', `${origin}/big.mp4`, '-o', out, '--json'], env)],
  ['mp4 ~100 MB', 'curl', () => run('curl', ['-sS', '-o', join(out, 'curl.mp4'), `${origin}/big.mp4`])],
  ['HLS (same video)', 'dlbot get', () => run(dlbot[0], [dlbot[1], 'get', `${origin}/hls/index.m3u8`, '-o', out, '--json'], env)],
  ['HLS (same video)', 'yt-dlp', () => run('yt-dlp', ['-q', '--no-part', '-o', join(out, 'ytdlp.%(ext)s'), '--force-overwrites', `${origin}/hls/index.m3u8`])],
];

const results = [];
for (const [input, tool, fn] of cases) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    samples.push(await fn());
  }
  samples.sort((a, b) => a.sec - b.sec);
  const median = samples[Math.floor(samples.length / 2)];
  results.push({ input, tool, medianSec: +median.sec.toFixed(3), minSec: +samples[0].sec.toFixed(3), peakRssMb: +median.rssMb.toFixed(1), runs });
}
server.close();
rmSync(out, { recursive: true, force: true });
console.log(`file: ${(statSync(mp4).size / 1048576).toFixed(1)} MB; ${runs} runs each; median wall time`);
console.table(results);
writeFileSync(join(work, 'download.json'), JSON.stringify({ date: new Date().toISOString(), fileBytes: statSync(mp4).size, results }, null, 2));
