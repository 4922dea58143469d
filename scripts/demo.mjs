#!/usr/bin/env node
// Offline demo: makes a 20-second clip with ffmpeg, serves it as an HLS stream on 127.0.0.1 and
// runs `dlbot get` on it, so a fresh machine sees the whole pipeline without a network or token.
import { spawnSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'data', 'demo');
const streamDir = join(dir, 'stream');
mkdirSync(streamDir, { recursive: true });

if (!existsSync(join(streamDir, 'index.m3u8'))) {
  console.error('making a 20 s 720p test stream with ffmpeg…');
  const r = spawnSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', join(streamDir, 'index.m3u8'),
  ], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const types = { '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t' };
const server = createServer((req, res) => {
  const file = normalize(join(streamDir, new URL(req.url, 'http://x').pathname));
  if (!file.startsWith(streamDir) || !existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/index.m3u8`;
  console.error(`serving ${url}\nrunning: dlbot get ${url} -o ${join(dir, 'out')}`);
  const child = spawn(process.execPath, [join(root, 'bin', 'dlbot'), 'get', url, '-o', join(dir, 'out'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ALLOWED_PRIVATE_HOSTS: '127.0.0.1', DATA_DIR: dir },
  });
  child.on('close', (code) => {
    server.close();
    process.exit(code ?? 1);
  });
});
