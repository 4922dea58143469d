/**
 * What a bot end-to-end test needs: the fake Bot API, a local media server (files from a
 * directory, with Range support and an optional slow mode), an engine whose SSRF guard lets
 * 127.0.0.1 through, and the bot itself started in-process on a temp DATA_DIR. A test can stop
 * the bot and start a new instance on the same DATA_DIR (a restart), or start a worker-only peer
 * on a DATA_DIR of its own that shares the bot's queue (another box of a multi-process deployment).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiCall } from './fake-telegram/index.js';
import { FakeTelegram, type FakeTelegramOptions } from './fake-telegram/index.js';
import { startServer, type TestServer } from './http-server.js';
import { testConfig, type Config } from '../../src/utils/config.js';
import { silentLogger } from '../../src/utils/logger.js';
import { createEngine, type Engine } from '../../src/core/engine.js';
import { PlatformManager } from '../../src/core/platform-manager.js';
import { DownloadService } from '../../src/core/download-service.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import type { Platform } from '../../src/platforms/base.js';
import { createBot, startBot, type BotDeps, type BotEngine, type BotOptions, type DlBot } from '../../src/bot/index.js';
import type { JobQueue } from '../../src/core/job-queue.js';

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.html': 'text/html; charset=utf-8',
};

/**
 * Serves files under `root`; paths under /slow/ are sent in `slow.chunks` pieces `slow.gapMs`
 * apart (a `?gap=MS` query overrides the gap); /status/NNN answers with that HTTP status.
 */
export function fileHandler(root: string, slow: { chunks: number; gapMs: number } = { chunks: 10, gapMs: 200 }) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let path = decodeURIComponent(url.pathname);
    const gapMs = Number(url.searchParams.get('gap') ?? slow.gapMs);
    const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
    if (status) return void res.writeHead(Number(status)).end('status');
    const isSlow = path.startsWith('/slow/');
    if (isSlow) path = path.slice('/slow'.length);
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end('not found');
    const size = statSync(file).size;
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : size - 1;
    res.writeHead(range ? 206 : 200, {
      'content-type': type,
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    if (!isSlow) return void createReadStream(file, { start, end }).pipe(res);
    const piece = Math.ceil((end - start + 1) / slow.chunks);
    for (let at = start; at <= end && !res.destroyed; at += piece) {
      const chunk = await new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = [];
        createReadStream(file, { start: at, end: Math.min(end, at + piece - 1) })
          .on('data', (d) => parts.push(d as Buffer))
          .on('end', () => resolve(Buffer.concat(parts)))
          .on('error', reject);
      });
      res.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    res.end();
  };
}

export interface HarnessOptions {
  /** Directory the media server serves. */
  mediaDir: string;
  config?: Parameters<typeof testConfig>[0];
  bot?: BotOptions;
  fake?: FakeTelegramOptions;
  /** Platforms tried before the registry (test-only sites). */
  extraPlatforms?: Platform[];
  slow?: { chunks: number; gapMs: number };
  deps?: Partial<BotDeps>;
  /**
   * The engine the bot downloads with, built on the harness's config (e.g. one on a FakeWeb
   * HttpClient); default: `testEngine`, on the real network stack with 127.0.0.1 allowed.
   */
  engine?: (config: Config) => BotEngine;
}

export interface BotHarness {
  fake: FakeTelegram;
  media: TestServer;
  dataDir: string;
  config: Config;
  engine: Engine;
  bot: DlBot;
  /** Stops the running bot and starts a new instance on the same DATA_DIR. */
  restart(bot?: BotOptions): Promise<DlBot>;
  close(): Promise<void>;
  /** Calls after `mark` (an index into fake.calls) with this method, in order. */
  callsSince(mark: number, method: string): ApiCall[];
  /** Every text a message of the chat showed, oldest first (its edits, then what it shows now); [] when unknown. */
  shown(chatId: number, messageId: number): string[];
}

/**
 * An engine on `config` whose platform manager tries `extra` first and has no yt-dlp fallback,
 * so what a test sees does not depend on yt-dlp being installed (or on how fast it starts).
 */
export function testEngine(config: Config, extra: Platform[] = []): Engine {
  const engine = createEngine(config, silentLogger);
  const platforms = new PlatformManager([...extra, ...PLATFORMS], { enabled: config.enablePlatforms });
  const downloads = new DownloadService({ config, http: engine.http, platforms, logger: silentLogger, cache: engine.cache });
  return { ...engine, platforms, downloads };
}

/** Every text a message showed, oldest first (its edits, then what it shows now); [] when unknown. */
export function shownTexts(fake: FakeTelegram, chatId: number, messageId: number): string[] {
  const entry = fake.messages(chatId).find((m) => m.message.message_id === messageId);
  return entry ? [...entry.edits, entry.message].map((m) => m.text ?? '') : [];
}

export async function startBotHarness(options: HarnessOptions): Promise<BotHarness> {
  const fake = await FakeTelegram.start(options.fake);
  const media = await startServer({}, fileHandler(options.mediaDir, options.slow));
  const dataDir = await mkdtemp(join(tmpdir(), 'dlbot-bot-'));
  const config = testConfig({
    botToken: fake.token,
    telegramApiRoot: fake.apiRoot,
    dataDir,
    allowedPrivateHosts: ['127.0.0.1'],
    ...options.config,
  });
  const engine = testEngine(config, options.extraPlatforms);
  const botEngine = options.engine?.(config) ?? engine;
  const botOptions: BotOptions = { pollingTimeoutSec: 1, workerPollMs: 100, stopDeadlineMs: 2000, retryBaseMs: 100, ...options.bot };
  const launch = (extra?: BotOptions) =>
    startBot({ config, engine: botEngine, ...options.deps, options: { ...botOptions, ...extra } });
  const harness: BotHarness = {
    fake,
    media,
    dataDir,
    config,
    engine,
    bot: await launch(),
    async restart(extra) {
      await harness.bot.stop();
      harness.bot = await launch(extra);
      return harness.bot;
    },
    async close() {
      await harness.bot.stop();
      await engine.close();
      await media.close();
      await fake.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    callsSince(mark, method) {
      return fake.calls.slice(mark).filter((c) => c.method.toLowerCase() === method.toLowerCase());
    },
    shown(chatId, messageId) {
      return shownTexts(fake, chatId, messageId);
    },
  };
  return harness;
}

/** A Bot API call one instance made. */
export interface InstanceCall {
  method: string;
  payload: Record<string, unknown>;
}

/** Records every Bot API call `bot` makes from now on (which instance did what, when two share a fake). */
export function recordCalls(bot: DlBot): InstanceCall[] {
  const calls: InstanceCall[] = [];
  bot.bot.api.config.use((prev, method, payload, signal) => {
    calls.push({ method, payload: (payload ?? {}) as Record<string, unknown> });
    return prev(method, payload, signal);
  });
  return calls;
}

/** A `dlbot worker` role on another box: its own DATA_DIR and store, the bot's queue, no updates. */
export interface WorkerPeer {
  bot: DlBot;
  dataDir: string;
  config: Config;
  /** The Bot API calls this peer made. */
  calls: InstanceCall[];
  close(): Promise<void>;
}

/**
 * Starts a worker-only bot instance as `dlbot worker` does (src/core/app.ts: getMe, then the
 * queue worker; it never asks Telegram for updates), on a fresh DATA_DIR, working `queue`.
 */
export async function startWorkerPeer(
  h: Pick<BotHarness, 'fake' | 'config'>,
  options: { queue: JobQueue; bot?: BotOptions; extraPlatforms?: Platform[]; config?: Parameters<typeof testConfig>[0] },
): Promise<WorkerPeer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dlbot-peer-'));
  const config = testConfig({ ...h.config, dataDir, ...options.config });
  const engine = testEngine(config, options.extraPlatforms);
  const bot = createBot({
    config,
    engine,
    queue: options.queue,
    options: { workerPollMs: 100, stopDeadlineMs: 2000, retryBaseMs: 100, ...options.bot, worker: true },
  });
  const calls = recordCalls(bot);
  await bot.bot.init();
  bot.worker!.start();
  return {
    bot,
    dataDir,
    config,
    calls,
    async close() {
      await bot.stop();
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
