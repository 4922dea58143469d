/**
 * Configuration: `config/default.yaml` (plus CONFIG_FILE when set), overridden by environment
 * variables, validated with zod. A bad value stops the process with one line that names the
 * variable, the value and what was expected.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { redactText } from './logger.js';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(min).max(max);
const bool = z.preprocess((v) => {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  return v;
}, z.boolean({ error: 'expected true or false' }));
const list = z.preprocess(
  (v) => (Array.isArray(v) ? v.map(String) : String(v ?? '').split(',')).map((s) => s.trim()).filter(Boolean),
  z.array(z.string()),
);
const idList = z.preprocess(
  (v) => (Array.isArray(v) ? v.map(String) : String(v ?? '').split(',')).map((s) => s.trim()).filter(Boolean),
  z.array(z.string().regex(/^-?\d+$/, 'expected comma-separated numeric Telegram ids')).transform((a) => a.map(Number)),
);
function isUrl(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol.replace(':', ''));
  } catch {
    return false;
  }
}
const url = (protocols: string[]) => z.string().refine((s) => isUrl(s, protocols), `expected a URL (${protocols.join(', ')})`);
const optionalString = z.string().min(1).optional();
const PROXY_PROTOCOLS = ['http', 'https', 'socks5', 'socks5h'];
/** PROXY_URL: one proxy or a comma-separated list (egress identities); each entry must be a proxy URL. */
const proxyList = z.preprocess(
  (v) => (Array.isArray(v) ? v.map(String) : String(v ?? '').split(',')).map((s) => s.trim()).filter(Boolean),
  z.array(z.string()).superRefine((entries, ctx) => {
    entries.forEach((entry, index) => {
      if (!isUrl(entry, PROXY_PROTOCOLS)) {
        // the position, not the value: a proxy URL may carry a password
        ctx.addIssue({ code: 'custom', message: `entry ${index + 1} of ${entries.length} is not a proxy URL (expected ${PROXY_PROTOCOLS.join(', ')})` });
      }
    });
  }),
);

/**
 * Every setting: its environment variable (if any), its path in the YAML file and its schema.
 * The README's configuration table is generated from the same names.
 */
const FIELDS = {
  botToken: { env: 'BOT_TOKEN', yaml: 'telegram.bot_token', schema: z.string().regex(/^\d+:[\w-]+$/, 'expected a token like 123456:ABC-DEF from BotFather').optional() },
  telegramApiRoot: { env: 'TELEGRAM_API_ROOT', yaml: 'telegram.api_root', schema: url(['http', 'https']) },
  telegramLocalApi: { env: 'TELEGRAM_LOCAL_API', yaml: 'telegram.local_api', schema: bool },
  adminIds: { env: 'ADMIN_IDS', yaml: 'telegram.admin_ids', schema: idList },
  allowedUserIds: { env: 'ALLOWED_USER_IDS', yaml: 'telegram.allowed_user_ids', schema: idList },
  webhookUrl: { env: 'WEBHOOK_URL', yaml: 'telegram.webhook_url', schema: url(['https', 'http']).optional() },
  webhookSecret: { env: 'WEBHOOK_SECRET', yaml: 'telegram.webhook_secret', schema: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 characters A-Z a-z 0-9 _ -').optional() },
  dataDir: { env: 'DATA_DIR', yaml: 'storage.data_dir', schema: z.string().min(1) },
  redisUrl: { env: 'REDIS_URL', yaml: 'storage.redis_url', schema: url(['redis', 'rediss']).optional() },
  databaseUrl: { env: 'DATABASE_URL', yaml: 'storage.database_url', schema: url(['postgres', 'postgresql']).optional() },
  httpPort: { env: 'HTTP_PORT', yaml: 'api.http_port', schema: int(0, 65535).optional() },
  apiKeys: { env: 'API_KEYS', yaml: 'api.api_keys', schema: list },
  enablePlatforms: { env: 'ENABLE_PLATFORMS', yaml: 'platforms.enabled', schema: list },
  youtubePoToken: { env: 'YOUTUBE_PO_TOKEN', yaml: 'platforms.youtube.po_token', schema: optionalString },
  youtubeVisitorData: { env: 'YOUTUBE_VISITOR_DATA', yaml: 'platforms.youtube.visitor_data', schema: optionalString },
  cookiesFile: { env: 'COOKIES_FILE', yaml: 'platforms.cookies_file', schema: optionalString },
  proxyUrls: { env: 'PROXY_URL', yaml: 'network.proxy_url', schema: proxyList },
  allowedPrivateHosts: { env: 'ALLOWED_PRIVATE_HOSTS', yaml: 'network.allowed_private_hosts', schema: list },
  httpTimeoutMs: { env: 'HTTP_TIMEOUT_MS', yaml: 'network.timeout_ms', schema: int(100, 600_000) },
  maxRedirects: { env: 'MAX_REDIRECTS', yaml: 'network.max_redirects', schema: int(0, 20) },
  maxMemoryMb: { env: 'MAX_MEMORY_MB', yaml: 'performance.max_memory_mb', schema: int(32, 65536) },
  coldStartTarget: { env: 'COLD_START_TARGET', yaml: 'performance.cold_start_target', schema: int(1, 600) },
  cacheSizeMb: { env: 'CACHE_SIZE_MB', yaml: 'performance.cache_size_mb', schema: int(1, 65536) },
  concurrency: { env: 'CONCURRENCY', yaml: 'performance.concurrency', schema: int(1, 256) },
  maxFileSizeMb: { env: 'MAX_FILE_SIZE_MB', yaml: 'limits.max_file_size_mb', schema: int(1, 1_000_000) },
  rateLimitRequestsPerMinute: { env: 'RATE_LIMIT_REQUESTS_PER_MINUTE', yaml: 'limits.rate_limit_requests_per_minute', schema: int(1, 100_000) },
  retryMaxAttempts: { env: 'RETRY_MAX_ATTEMPTS', yaml: 'limits.retry_max_attempts', schema: int(1, 20) },
  maxUrlLength: { env: undefined, yaml: 'limits.max_url_length', schema: int(16, 65536) },
  maxLinksPerMessage: { env: undefined, yaml: 'limits.max_links_per_message', schema: int(1, 100) },
  playlistLimit: { env: 'PLAYLIST_LIMIT', yaml: 'limits.playlist_limit', schema: int(1, 5000) },
  downloadTimeoutSec: { env: 'DOWNLOAD_TIMEOUT_SEC', yaml: 'limits.download_timeout_sec', schema: int(5, 86_400) },
  ytdlpPath: { env: 'YTDLP_PATH', yaml: 'tools.ytdlp_path', schema: optionalString },
  ffmpegPath: { env: 'FFMPEG_PATH', yaml: 'tools.ffmpeg_path', schema: z.string().min(1) },
  ffprobePath: { env: 'FFPROBE_PATH', yaml: 'tools.ffprobe_path', schema: z.string().min(1) },
  logLevel: { env: 'LOG_LEVEL', yaml: 'logging.level', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) },
} as const;

type Fields = typeof FIELDS;
/**
 * The validated configuration every component receives. `proxyUrl` is the first of
 * `proxyUrls`: components that take a single proxy (yt-dlp, ffmpeg inputs, the default HTTP
 * client) use it, the engine spreads jobs over all of them.
 */
export type Config = { readonly [K in keyof Fields]: z.output<Fields[K]['schema']> } & { readonly proxyUrl?: string };

/** Names and file paths of every setting, for the README and `dlbot health`. */
export const CONFIG_FIELDS: ReadonlyArray<{ key: string; env?: string; yaml: string }> = Object.entries(FIELDS).map(
  ([key, f]) => ({ key, yaml: f.yaml, ...(f.env ? { env: f.env } : {}) }),
);

/** Raised for a bad setting; `message` is the one line to print. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of the shipped defaults. */
export const DEFAULT_CONFIG_FILE = join(PACKAGE_ROOT, 'config', 'default.yaml');

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Loads and validates the configuration. `overrides` wins over env, env over CONFIG_FILE,
 * CONFIG_FILE over config/default.yaml. Throws ConfigError on the first bad value.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Fields, unknown>> = {},
): Config {
  const files = [readYaml(DEFAULT_CONFIG_FILE)];
  if (env.CONFIG_FILE) files.push(readYaml(env.CONFIG_FILE));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(FIELDS) as [keyof Fields, Fields[keyof Fields]][]) {
    let raw: unknown;
    let source = `${field.yaml} in config`;
    for (const file of files) {
      const v = getPath(file, field.yaml);
      if (v !== undefined && v !== null && v !== '') raw = v;
    }
    const envValue = field.env ? env[field.env] : undefined;
    if (field.env && envValue !== undefined && envValue !== '') {
      raw = envValue;
      source = field.env;
    }
    if (key in overrides) {
      raw = overrides[key];
      source = key;
    }
    const result = (field.schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const shown =
        field.env === 'BOT_TOKEN' || field.env === 'WEBHOOK_SECRET' ? '<hidden>' : field.env === 'PROXY_URL' ? JSON.stringify(redactText(String(raw))) : JSON.stringify(raw);
      throw new ConfigError(`Invalid configuration: ${source}=${shown}: ${issue?.message ?? 'invalid value'}`);
    }
    out[key] = result.data;
  }
  out.dataDir = resolve(String(out.dataDir));
  const [firstProxy] = out.proxyUrls as string[];
  if (firstProxy) out.proxyUrl = firstProxy;
  return Object.freeze(out) as Config;
}

/** Configuration for tests and tools: defaults, with `overrides`, ignoring the process env. */
export function testConfig(overrides: Partial<Record<keyof Fields, unknown>> = {}): Config {
  return loadConfig({}, overrides);
}
