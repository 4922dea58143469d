/**
 * Wires the download engine from configuration: the guarded HTTP client (one per proxy when
 * PROXY_URL lists several, as egress identities), the platform manager (with the yt-dlp
 * fallback when present) and the download service. The CLI, the bot and the API each build
 * one engine per process.
 */
import type { Logger } from 'pino';
import type { Config } from '../utils/config.js';
import { createHttpClient, type HttpClient } from '../utils/http.js';
import { PLATFORMS } from '../platforms/index.js';
import { YtdlpBackend } from '../platforms/ytdlp.js';
import { PlatformManager } from './platform-manager.js';
import { DownloadService } from './download-service.js';
import { MemoryCache, type KeyValueCache } from '../utils/memory-cache.js';
import { EgressPool, proxyLabel } from './egress.js';

export interface Engine {
  config: Config;
  logger: Logger;
  http: HttpClient;
  platforms: PlatformManager;
  downloads: DownloadService;
  ytdlp: YtdlpBackend;
  cache: KeyValueCache;
  /** The egress identities when PROXY_URL lists more than one proxy (for /status). */
  egress?: EgressPool;
  close(): Promise<void>;
}

/** Builds the engine for one process from its configuration. */
export function createEngine(config: Config, logger: Logger, deps: { cache?: KeyValueCache } = {}): Engine {
  // one client per proxy: each keeps its own connection pool through its own way out
  const clients = config.proxyUrls.length > 1 ? config.proxyUrls.map((proxyUrl) => createHttpClient({ ...config, proxyUrl })) : [createHttpClient(config)];
  const http = clients[0]!;
  const egress =
    clients.length > 1 ? new EgressPool(clients.map((client, i) => ({ name: proxyLabel(config.proxyUrls[i]!), http: client }))) : undefined;
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
    logger,
    ...(egress ? { egress } : {}),
  });
  const cache = deps.cache ?? new MemoryCache({ maxBytes: config.cacheSizeMb * 1024 * 1024 });
  const downloads = new DownloadService({ config, http, platforms, logger, cache });
  const close = async () => {
    await Promise.all(clients.map((client) => client.close()));
  };
  return { config, logger, http, platforms, downloads, ytdlp, cache, ...(egress ? { egress } : {}), close };
}
