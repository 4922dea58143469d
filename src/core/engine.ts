/**
 * Wires the download engine from configuration: the guarded HTTP client, the platform
 * manager (with the yt-dlp fallback when present) and the download service. The CLI, the bot
 * and the API each build one engine per process.
 */
import type { Logger } from 'pino';
import type { Config } from '../utils/config.js';
import { createHttpClient, type HttpClient } from '../utils/http.js';
import { PLATFORMS } from '../platforms/index.js';
import { YtdlpBackend } from '../platforms/ytdlp.js';
import { PlatformManager } from './platform-manager.js';
import { DownloadService } from './download-service.js';
import { MemoryCache, type KeyValueCache } from '../utils/memory-cache.js';

export interface Engine {
  config: Config;
  logger: Logger;
  http: HttpClient;
  platforms: PlatformManager;
  downloads: DownloadService;
  ytdlp: YtdlpBackend;
  cache: KeyValueCache;
  close(): Promise<void>;
}

export function createEngine(config: Config, logger: Logger): Engine {
  const http = createHttpClient(config);
  const ytdlp = new YtdlpBackend({
    logger,
    ...(config.ytdlpPath ? { path: config.ytdlpPath } : {}),
    ...(config.proxyUrl ? { proxyUrl: config.proxyUrl } : {}),
    ...(config.cookiesFile ? { cookiesFile: config.cookiesFile } : {}),
  });
  const platforms = new PlatformManager(PLATFORMS, {
    enabled: config.enablePlatforms,
    maxUrlLength: config.maxUrlLength,
    maxResolveHops: config.maxRedirects,
    fallback: ytdlp,
  });
  const cache = new MemoryCache({ maxBytes: config.cacheSizeMb * 1024 * 1024 });
  const downloads = new DownloadService({ config, http, platforms, logger, cache });
  return { config, logger, http, platforms, downloads, ytdlp, cache, close: () => http.close() };
}
