/**
 * What a platform test needs in one call: the fake web, an extraction context on it, the
 * platform manager with the whole registry, and a download service writing into a temp dir.
 * Extraction and download go through the real code paths, only the network is local.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ExtractContext } from '../../src/platforms/base.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { PlatformManager } from '../../src/core/platform-manager.js';
import { DownloadService } from '../../src/core/download-service.js';
import { testConfig, type Config } from '../../src/utils/config.js';
import { silentLogger } from '../../src/utils/logger.js';
import { MemoryCache } from '../../src/utils/memory-cache.js';
import type { MediaInfo } from '../../src/media/types.js';
import type { DownloadError } from '../../src/utils/errors.js';
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
