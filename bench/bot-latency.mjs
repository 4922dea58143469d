#!/usr/bin/env node
// Bot latency: from a link arriving at the (fake) Bot API — the moment the user's update is
// queued there — to the bot's sendVideo request reaching it, for a local 20 MB H.264 MP4
// (1280x720, 20 s). The bot runs in-process from dist/ with its production settings (long
// polling, SQLite queue, worker, cloud upload path); each run uses a new URL so nothing comes
// from the file_id cache. Also reports when the upload was answered.
// Run after `npm run build`: `node bench/bot-latency.mjs` (BENCH_RUNS=5). Writes bench/out/bot-latency.json.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadFakeTelegram } from './support/fake-telegram.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', 'out');
const runs = Number(process.env.BENCH_RUNS ?? 5);
mkdirSync(join(work, 'media'), { recursive: true });
const dist = (path) => import(pathToFileURL(join(root, 'dist', path)).href);

const video = join(work, 'media', 'bot20.mp4');
if (!existsSync(video)) {
  console.error('making a 20 MB 720p MP4…');
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '7.8M', '-maxrate', '7.8M',
    '-bufsize', '16M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', video], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('ffmpeg failed');
}
const size = statSync(video).size;

const media = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
  createReadStream(video).pipe(res);
});
await new Promise((resolve) => media.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${media.address().port}`;

const FakeTelegram = await loadFakeTelegram();
const fake = await FakeTelegram.start();
const dataDir = mkdtempSync(join(tmpdir(), 'dlbot-bench-bot-'));
const { testConfig } = await dist('utils/config.js');
const { silentLogger } = await dist('utils/logger.js');
const { createEngine } = await dist('core/engine.js');
const { startBot } = await dist('bot/index.js');
const config = testConfig({ botToken: fake.token, telegramApiRoot: fake.apiRoot, dataDir, allowedPrivateHosts: ['127.0.0.1'] });
const engine = createEngine(config, silentLogger);
const bot = await startBot({ config, engine, logger: silentLogger });

const rows = [];
try {
  for (let i = 0; i < runs; i++) {
    const chat = 1000 + i;
    const mark = fake.calls.length;
    const queuedAt = Date.now();
    fake.sendUserMessage({ chatId: chat, text: `${origin}/bot20.mp4?run=${i}` });
    const call = await fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === chat, 120_000, mark);
    const answeredAt = Date.now();
    if (call.status !== 200) throw new Error(`sendVideo failed: ${JSON.stringify(call.response)}`);
    const status = fake.calls.slice(mark).find((c) => c.method === 'sendMessage' && c.params.chat_id === chat);
    rows.push({
      run: i + 1,
      queued_to_status_ms: status ? status.at - queuedAt : null,
      queued_to_send_video_ms: call.at - queuedAt,
      queued_to_uploaded_ms: answeredAt - queuedAt,
      uploaded_bytes: call.files.reduce((s, f) => s + f.size, 0),
    });
  }
} finally {
  await bot.stop();
  await engine.close();
  await fake.close();
  media.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (key) => [...rows.map((r) => r[key])].sort((a, b) => a - b)[Math.floor(rows.length / 2)];
console.log(`bot latency, ${(size / 1024 / 1024).toFixed(1)} MB MP4 over loopback, ${runs} runs`);
console.table(rows);
const summary = {
  file_bytes: size,
  runs,
  median_queued_to_status_ms: median('queued_to_status_ms'),
  median_queued_to_send_video_ms: median('queued_to_send_video_ms'),
  median_queued_to_uploaded_ms: median('queued_to_uploaded_ms'),
  rows,
};
console.log(`median: link → status ${summary.median_queued_to_status_ms} ms, link → sendVideo request ${summary.median_queued_to_send_video_ms} ms, upload answered at ${summary.median_queued_to_uploaded_ms} ms`);
writeFileSync(join(work, 'bot-latency.json'), JSON.stringify(summary, null, 2) + '\n');
