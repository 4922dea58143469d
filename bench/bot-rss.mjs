#!/usr/bin/env node
// Idle memory of `dlbot bot`: starts the built CLI against the fake Bot API (long polling,
// SQLite store and worker, as in production), waits until it polls, then samples its RSS from
// /proc every 500 ms for BENCH_SECONDS (10), answering one /start in the middle. Also reports
// the time from spawn to the first long poll. Run after `npm run build`: `node bench/bot-rss.mjs`.
// Writes bench/out/bot-rss.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFakeTelegram } from './support/fake-telegram.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', 'out');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
mkdirSync(work, { recursive: true });

const rssMb = (pid) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
};

const FakeTelegram = await loadFakeTelegram();
const fake = await FakeTelegram.start();
const dataDir = mkdtempSync(join(tmpdir(), 'dlbot-bench-rss-'));
const started = Date.now();
const child = spawn(process.execPath, [join(root, 'bin', 'dlbot'), 'bot'], {
  env: { PATH: process.env.PATH, HOME: dataDir, DATA_DIR: dataDir, BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));

const samples = [];
let startupMs;
try {
  await fake.waitFor('deleteWebhook', 20_000);
  startupMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let i = 0; i < seconds * 2; i++) {
    if (i === seconds) {
      const mark = fake.calls.length;
      fake.sendUserMessage({ chatId: 1, text: '/start' });
      await fake.waitFor((c) => c.method === 'sendMessage', 5000, mark);
    }
    samples.push(rssMb(child.pid));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
} finally {
  child.kill('SIGTERM');
}
const code = await exited;
await fake.close();
rmSync(dataDir, { recursive: true, force: true });

const sorted = [...samples].sort((a, b) => a - b);
const summary = {
  startup_to_first_poll_ms: startupMs,
  rss_mb: { min: +sorted[0].toFixed(1), median: +sorted[Math.floor(sorted.length / 2)].toFixed(1), max: +sorted.at(-1).toFixed(1) },
  samples_mb: samples.map((s) => +s.toFixed(1)),
  exit_code_after_sigterm: code,
};
console.log(`dlbot bot: first long poll ${startupMs} ms after spawn; idle RSS min ${summary.rss_mb.min} MB, median ${summary.rss_mb.median} MB, max ${summary.rss_mb.max} MB; exit ${code} after SIGTERM`);
writeFileSync(join(work, 'bot-rss.json'), JSON.stringify(summary, null, 2) + '\n');
