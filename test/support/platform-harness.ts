/**
 * What a platform test needs in one call: the fake web, an extraction context on it, the
 * platform manager with the whole registry, and a download service writing into a temp dir.
 * Extraction and download go through the real code paths, only the network is local.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { ExtractContext } from '../../src/platforms/base.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { PlatformManager } from '../../src/core/platform-manager.js';
import { DownloadService } from '../../src/core/download-service.js';
import { testConfig, type Config } from '../../src/utils/config.js';
import { silentLogger } from '../../src/utils/logger.js';
import { MemoryCache } from '../../src/utils/memory-cache.js';
import type { MediaInfo } from '../../src/media/types.js';
import type { DownloadError } from '../../src/utils/errors.js';
import { main } from '../../src/cli/main.js';
import { startFakeWeb, type FakeWeb } from './fake-web.js';

const run = promisify(execFile);

export interface PlatformHarness {
  web: FakeWeb;
  dir: string;
  config: Config;
  ctx: ExtractContext;
  platforms: PlatformManager;
  downloads: DownloadService;
  /** Extracts through the platform manager (detect → resolve short links → native extractor). No yt-dlp fallback. */
  info(url: string): Promise<MediaInfo>;
  close(): Promise<void>;
}

export async function startPlatformHarness(overrides: Parameters<typeof testConfig>[0] = {}): Promise<PlatformHarness> {
  const web = await startFakeWeb();
  const dir = await mkdtemp(join(tmpdir(), 'dlbot-platform-'));
  const config = testConfig({ dataDir: join(dir, 'data'), ...overrides });
  const ctx: ExtractContext = { http: web.http, config, logger: silentLogger, cache: new MemoryCache() };
  const platforms = new PlatformManager(PLATFORMS, { enabled: config.enablePlatforms });
  const downloads = new DownloadService({ config, http: web.http, platforms, logger: silentLogger, cache: ctx.cache! });
  return {
    web,
    dir,
    config,
    ctx,
    platforms,
    downloads,
    info: (url) => platforms.extract(url, ctx),
    close: async () => {
      await web.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** ffprobe's view of a file: duration in seconds and the codec types of its streams. */
export async function probeFile(path: string): Promise<{ durationSec: number; streams: string[]; width?: number; height?: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
  const data = JSON.parse(stdout) as { format: { duration?: string }; streams: Array<{ codec_type: string; width?: number; height?: number }> };
  const video = data.streams.find((s) => s.codec_type === 'video');
  return {
    durationSec: Number(data.format.duration ?? 0),
    streams: data.streams.map((s) => s.codec_type).sort(),
    ...(video?.width ? { width: video.width, height: video.height! } : {}),
  };
}

/** The DownloadError a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    return error as DownloadError;
  }
  throw new Error('expected a rejection');
}

/** What one in-process `dlbot` run printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it, as text. */
function memoryStream(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs the real CLI (`main`) in this process with `argv`, its `info` and `get` on the harness's
 * engine: the fake web's client, the platform registry and the download service. The harness
 * owns that engine, so the CLI's close leaves it running for the next test.
 */
export async function runCli(h: PlatformHarness, argv: string[]): Promise<CliRun> {
  const stdout = memoryStream();
  const stderr = memoryStream();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream }, { engine: () => ({ downloads: h.downloads, close: async () => {} }) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const PROTOCOLS = ['https', 'hls', 'dash'];

/**
 * Checks what `dlbot info --json` promises of every MediaInfo: platform, id, page URL and title
 * set, and something to download (formats, or entries for a container), each format with an id,
 * an absolute http(s) URL and a known protocol, the entries' formats too.
 */
export function expectCompleteMediaInfo(info: MediaInfo): void {
  expect(info.platform).toMatch(/^[a-z]+$/);
  expect(info.id).not.toBe('');
  expect(info.url).toMatch(/^https?:\/\//);
  expect(info.title?.trim()).toBeTruthy();
  expect(info.formats.length + (info.entries?.length ?? 0)).toBeGreaterThan(0);
  for (const format of [...info.formats, ...(info.entries ?? []).flatMap((entry) => entry.formats)]) {
    expect(format.id).not.toBe('');
    expect(format.url).toMatch(/^https?:\/\//);
    expect(PROTOCOLS).toContain(format.protocol);
  }
}

/**
 * `dlbot info --json URL` through the real CLI on the harness: exits 0, writes nothing to stderr
 * and exactly one JSON line to stdout, which is a complete MediaInfo (returned for the test's
 * own expectations of its values).
 */
export async function cliInfoJson(h: PlatformHarness, url: string): Promise<MediaInfo> {
  const result = await runCli(h, ['info', '--json', url]);
  expect([result.code, result.stderr]).toEqual([0, '']);
  expect(result.stdout.endsWith('\n')).toBe(true);
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  const info = JSON.parse(lines[0]!) as MediaInfo;
  expectCompleteMediaInfo(info);
  return info;
}
