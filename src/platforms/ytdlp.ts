/**
 * The yt-dlp fallback backend. When a platform has no native extractor, or its extractor fails
 * with an error another backend might not hit, the platform manager asks yt-dlp for one JSON
 * document (`-J`) and maps it to a MediaInfo. Off when yt-dlp is not installed.
 *
 * yt-dlp does its own fetching, outside our SSRF guard and outside the HttpClient: the manager
 * checks the starting URL, and PROXY_URL is passed on so its traffic leaves the same way.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Format, MediaInfo, Protocol } from '../media/types.js';
import { DownloadError, type ErrorCode } from '../utils/errors.js';
import { redactText } from '../utils/logger.js';

export interface YtdlpOptions {
  /** YTDLP_PATH; default `yt-dlp` found on PATH. */
  path?: string;
  /** PROXY_URL, passed as --proxy. */
  proxyUrl?: string;
  /** COOKIES_FILE (Netscape format); yt-dlp gets a private copy per run. */
  cookiesFile?: string;
  logger: Logger;
  /** Playlist entries listed at most (--playlist-end); default 50 like PLAYLIST_LIMIT. */
  playlistLimit?: number;
  /** yt-dlp's JSON is refused past this size; default 32 MB. */
  maxOutputBytes?: number;
  /** Time limit of one extraction when the caller gives none; default 120 s. */
  timeoutMs?: number;
}

export interface YtdlpExtractOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The job's egress proxy (one of PROXY_URL's list); wins over the backend's default. */
  proxyUrl?: string;
}

const DEFAULT_PLAYLIST_LIMIT = 50;
const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;
const VERSION_TIMEOUT_MS = 15_000;
const MAX_STDERR_CHARS = 64 * 1024;
/** Nested playlists (a channel of playlists) are mapped this deep. */
const MAX_ENTRY_DEPTH = 3;
/** Time a killed yt-dlp gets to exit on SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/** The argv after the binary: one JSON document, flat playlists up to a limit, the URL after `--`. */
export function ytdlpArgs(url: string, options: { proxyUrl?: string; cookiesFile?: string; playlistLimit?: number } = {}): string[] {
  return [
    '-J',
    '--no-warnings',
    // a user or system config could add options we do not expect (output templates, --exec)
    '--ignore-config',
    // a watch URL inside a playlist means the video; a playlist URL still lists its entries
    '--no-playlist',
    '--flat-playlist',
    '--playlist-end',
    String(options.playlistLimit ?? DEFAULT_PLAYLIST_LIMIT),
    ...(options.proxyUrl ? ['--proxy', options.proxyUrl] : []),
    ...(options.cookiesFile ? ['--cookies', options.cookiesFile] : []),
    '--',
    url,
  ];
}

/** The yt-dlp fallback: availability checked once, extraction in a bounded, killable child process. */
export class YtdlpBackend {
  /** The binary that runs: YTDLP_PATH or `yt-dlp`. */
  readonly bin: string;
  private readonly options: YtdlpOptions;
  private availability: Promise<string | null> | undefined;

  constructor(options: YtdlpOptions) {
    this.options = options;
    this.bin = options.path ?? 'yt-dlp';
  }

  /** True when the binary runs (`--version` exits 0); checked once per backend. */
  async available(): Promise<boolean> {
    return (await this.version()) !== null;
  }

  /** The installed version for `dlbot health`, or null when yt-dlp cannot run. */
  version(): Promise<string | null> {
    this.availability ??= run(this.bin, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS, maxStdoutBytes: 4096 }).then(
      (result) => {
        const version = result.code === 0 ? result.stdout.toString('utf8').trim().split('\n')[0] ?? '' : '';
        if (!version) this.options.logger.info({ bin: this.bin, code: result.code }, 'yt-dlp does not run; fallback backend off');
        return version || null;
      },
      (error: unknown) => {
        this.options.logger.info({ bin: this.bin, err: (error as Error).message }, 'yt-dlp not found; fallback backend off');
        return null;
      },
    );
    return this.availability;
  }

  /** Extracts `url` with yt-dlp; DownloadError codes come from its error messages. */
  async extract(url: string, options: YtdlpExtractOptions = {}): Promise<MediaInfo> {
    if (!(await this.available())) {
      throw new DownloadError('link.unsupported', `yt-dlp is not available (${this.bin}); install it or set YTDLP_PATH.`, { url });
    }
    if (options.signal?.aborted) throw cancelled(url);
    const cookies = this.options.cookiesFile ? await privateCopy(this.options.cookiesFile, this.options.logger) : undefined;
    try {
      const args = ytdlpArgs(url, {
        ...((options.proxyUrl ?? this.options.proxyUrl) ? { proxyUrl: (options.proxyUrl ?? this.options.proxyUrl)! } : {}),
        ...(cookies ? { cookiesFile: cookies.file } : {}),
        playlistLimit: this.options.playlistLimit ?? DEFAULT_PLAYLIST_LIMIT,
      });
      const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const maxStdoutBytes = this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
      this.options.logger.debug({ url }, 'extracting with yt-dlp');
      let result: RunResult;
      try {
        result = await run(this.bin, args, { timeoutMs, maxStdoutBytes, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        throw new DownloadError('internal', `yt-dlp could not be started: ${(error as Error).message}`, { url }, { cause: error });
      }
      if (result.aborted) throw cancelled(url);
      if (result.timedOut) {
        throw new DownloadError('fetch.failed', `yt-dlp did not finish within ${Math.round(timeoutMs / 1000)} s.`, { url }, { retriable: true });
      }
      if (result.overflow) {
        throw new DownloadError('fetch.failed', `yt-dlp printed more than ${maxStdoutBytes} bytes.`, { url }, { retriable: false });
      }
      if (result.code !== 0) throw ytdlpError(result.stderr, url);
      let json: unknown;
      try {
        json = JSON.parse(result.stdout.toString('utf8'));
      } catch (error) {
        throw new DownloadError('fetch.failed', 'yt-dlp answered with something that is not JSON.', { url }, { cause: error, retriable: false });
      }
      return mapYtdlpInfo(json);
    } finally {
      await cookies?.remove();
    }
  }
}

function cancelled(url: string): DownloadError {
  return new DownloadError('internal', 'The operation was cancelled.', { url, aborted: true }, { retriable: false });
}

/**
 * yt-dlp writes its cookie jar back to the --cookies file when it exits; a private copy keeps
 * the operator's COOKIES_FILE unchanged and concurrent runs from writing over each other.
 */
async function privateCopy(file: string, logger: Logger): Promise<{ file: string; remove(): Promise<void> } | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'dlbot-ytdlp-'));
  const copy = join(dir, 'cookies.txt');
  try {
    await copyFile(file, copy);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    logger.warn({ err: (error as Error).message }, 'COOKIES_FILE cannot be read; yt-dlp runs without cookies');
    return undefined;
  }
  return { file: copy, remove: () => rm(dir, { recursive: true, force: true }) };
}

interface RunResult {
  code: number | null;
  stdout: Buffer;
  /** The tail of stderr. */
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  overflow: boolean;
}

/** Runs `bin args` (no shell) with bounded output, killed on timeout, abort or overflow. */
function run(bin: string, args: string[], options: { timeoutMs: number; maxStdoutBytes: number; signal?: AbortSignal }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    const state = { timedOut: false, aborted: false, overflow: false };
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null || killTimer) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      state.timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = () => {
      state.aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    child.stdout.on('data', (chunk: Buffer) => {
      if (state.overflow) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        state.overflow = true;
        stdout.length = 0;
        kill();
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR_CHARS);
    });
    const cleanup = () => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      cleanup();
      reject(error);
    });
    child.on('close', (code) => {
      cleanup();
      resolve({ code, stdout: Buffer.concat(stdout), stderr, ...state });
    });
  });
}

/** yt-dlp's error messages → our codes; the first matching row wins, so specific rows come first. */
const STDERR_CODES: ReadonlyArray<[RegExp, ErrorCode]> = [
  [/Unsupported URL/i, 'link.unsupported'],
  [/is not a valid URL/i, 'link.invalid'],
  [/HTTP Error 429|Too Many Requests/i, 'fetch.rate_limited'],
  [/Sign in to confirm your age|age[- ]restricted|inappropriate for some users/i, 'content.age_restricted'],
  [/Private video|video is private|account is private|is a private/i, 'content.private'],
  [/available in your (?:country|region)|not available from your location|geo[- ]?restrict|blocked it in your country/i, 'content.geo_blocked'],
  [/This live event|\bis live\b|Premieres in|live event will begin|is_upcoming/i, 'content.live'],
  [/HTTP Error 40[4]|HTTP Error 410|Video unavailable|video is unavailable|does not exist|has been removed|no longer available/i, 'content.not_found'],
  [/log ?in|sign ?in|cookies|authenticat/i, 'content.login_required'],
];

/** The error code a yt-dlp failure means, from its stderr (ERROR: lines when there are any). */
export function ytdlpErrorCode(stderr: string): ErrorCode {
  const text = errorLines(stderr).join('\n');
  for (const [pattern, code] of STDERR_CODES) if (pattern.test(text)) return code;
  return 'fetch.failed';
}

/** A DownloadError for a failed yt-dlp run; its last error line is kept (redacted) as `detail`. */
export function ytdlpError(stderr: string, url: string): DownloadError {
  const code = ytdlpErrorCode(stderr);
  const lines = errorLines(stderr);
  const detail = redactText(lines[lines.length - 1] ?? '').slice(0, 500);
  return new DownloadError(code, undefined, { url, backend: 'yt-dlp', ...(detail ? { detail } : {}) }, code === 'fetch.failed' ? { retriable: true } : {});
}

function errorLines(stderr: string): string[] {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('ERROR:'));
  return errors.length > 0 ? errors : lines;
}

/** yt-dlp extractor keys → our platform names (first match wins). */
const EXTRACTOR_PLATFORMS: ReadonlyArray<[RegExp, string]> = [
  [/^youtube/, 'youtube'], [/^tiktok/, 'tiktok'], [/^twitter/, 'twitter'], [/^instagram/, 'instagram'],
  [/^facebook/, 'facebook'], [/^reddit/, 'reddit'], [/^vimeo/, 'vimeo'], [/^dailymotion/, 'dailymotion'],
  [/^twitch/, 'twitch'], [/^soundcloud/, 'soundcloud'], [/^pinterest/, 'pinterest'], [/^streamable/, 'streamable'],
  [/^bilibili/, 'bilibili'], [/^tumblr/, 'tumblr'], [/^vk/, 'vk'], [/^odnoklassniki/, 'okru'], [/^rutube/, 'rutube'],
  [/^bluesky/, 'bluesky'], [/^loom/, 'loom'], [/^threads/, 'threads'], [/^snapchat/, 'snapchat'],
  [/^kick(?!starter)/, 'kick'], [/^linkedin/, 'linkedin'], [/^newgrounds/, 'newgrounds'], [/^generic$/, 'generic'],
];

/** Our platform name for a yt-dlp extractor key ('Youtube', 'YoutubeTab', 'Odnoklassniki', …). */
export function platformForExtractor(key: string | undefined): string {
  const lower = (key ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!lower) return 'generic';
  for (const [pattern, name] of EXTRACTOR_PLATFORMS) if (pattern.test(lower)) return name;
  return lower;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const positive = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && n > 0 ? n : undefined;
};
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

const PROTOCOLS: Record<string, Protocol> = {
  https: 'https', http: 'https',
  m3u8: 'hls', m3u8_native: 'hls',
  http_dash_segments: 'dash', http_dash_segments_generator: 'dash', dash: 'dash',
};

/** A codec field: 'none' means the track is absent (null), missing means unknown (undefined). */
function codec(value: unknown): string | null | undefined {
  // audio_ext/video_ext are not used: yt-dlp sets them to 'none' for unknown codecs too
  return value === 'none' ? null : str(value);
}

/** One yt-dlp format → ours; null for what we cannot fetch (rtmp, storyboards, ism, …). */
function mapFormat(f: Json, fallbackId: string): Format | null {
  const rawUrl = str(f.url);
  if (!rawUrl) return null;
  const rawProtocol = str(f.protocol) ?? (/\.m3u8(\?|$)/i.test(rawUrl) ? 'm3u8' : /^https?:/i.test(rawUrl) ? 'https' : '');
  const protocol = PROTOCOLS[rawProtocol];
  if (!protocol) return null;
  const id = str(f.format_id) ?? fallbackId;
  const format: Format = { id, url: protocol === 'dash' ? (str(f.manifest_url) ?? rawUrl) : rawUrl, protocol };
  // yt-dlp names DASH formats "<mpd id>-<representation id>"; the representation is what the manifest knows
  if (protocol === 'dash') format.manifestStreamId = id.replace(/^dash-/, '');
  const ext = str(f.ext);
  if (ext && ext !== 'unknown_video' && ext !== 'none') format.container = ext;
  const vcodec = codec(f.vcodec);
  const acodec = codec(f.acodec);
  if (vcodec !== undefined) format.vcodec = vcodec;
  if (acodec !== undefined) format.acodec = acodec;
  const width = positive(f.width);
  const height = positive(f.height);
  const fps = positive(f.fps);
  const tbr = positive(f.tbr);
  if (width) format.width = width;
  if (height) format.height = height;
  if (fps) format.fps = fps;
  if (tbr) format.bitrateKbps = tbr;
  const exact = positive(f.filesize);
  const approx = positive(f.filesize_approx);
  if (exact) format.filesizeBytes = exact;
  else if (approx) {
    format.filesizeBytes = Math.round(approx);
    format.filesizeApprox = true;
  }
  const range = str(f.dynamic_range);
  if (range) format.dynamicRange = range.toUpperCase() === 'SDR' ? 'SDR' : 'HDR';
  const language = str(f.language);
  if (language && language !== 'und') format.language = language;
  if ((num(f.language_preference) ?? 0) >= 10) format.defaultAudio = true;
  if (isObject(f.http_headers)) {
    const headers = Object.fromEntries(Object.entries(f.http_headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
    if (Object.keys(headers).length > 0) format.headers = headers;
  }
  const note = str(f.format_note);
  if (note) {
    format.note = note;
    if (/\bwatermark/i.test(note) && !/\b(no|without|un)[ -]?watermark/i.test(note)) format.watermarked = true;
  }
  return format;
}

/** A YYYYMMDD upload date → Unix seconds at midnight UTC. */
function uploadDate(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})$/.exec(value) : null;
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 : undefined;
}

/**
 * yt-dlp's info JSON (`-J`) → MediaInfo. Pure. Playlists and carousels become `entries`
 * (flat entries carry their page URL and no formats); a single-file result with a top-level
 * `url` and no `formats` becomes one format.
 */
export function mapYtdlpInfo(json: unknown, depth = 0): MediaInfo {
  if (!isObject(json)) {
    throw new DownloadError('fetch.failed', 'yt-dlp answered with something that is not an info object.', { backend: 'yt-dlp' }, { retriable: false });
  }
  const type = str(json._type) ?? 'video';
  const flat = type === 'url' || type === 'url_transparent';
  const url = str(json.webpage_url) ?? str(json.original_url) ?? str(json.url) ?? '';
  const rawId = str(json.id) ?? (num(json.id) !== undefined ? String(json.id) : undefined);
  const info: MediaInfo = {
    platform: platformForExtractor(str(json.extractor_key) ?? str(json.ie_key) ?? str(json.extractor)),
    id: rawId ?? createHash('sha1').update(url).digest('hex').slice(0, 12),
    url,
    formats: [],
  };
  const title = str(json.title);
  if (title) info.title = title;
  const uploader = str(json.uploader) ?? str(json.channel) ?? str(json.creator);
  if (uploader) info.uploader = uploader;
  const uploaderId = str(json.uploader_id) ?? str(json.channel_id);
  if (uploaderId) info.uploaderId = uploaderId;
  const duration = positive(json.duration);
  if (duration) info.durationSec = duration;
  const thumbnails = Array.isArray(json.thumbnails) ? json.thumbnails.filter(isObject) : [];
  const thumbnail = str(json.thumbnail) ?? str(thumbnails[thumbnails.length - 1]?.url);
  if (thumbnail) info.thumbnail = thumbnail;
  const description = str(json.description);
  if (description) info.description = description;
  if (Array.isArray(json.tags)) {
    const tags = json.tags.filter((t): t is string => typeof t === 'string' && t.length > 0);
    if (tags.length > 0) info.tags = tags;
  }
  const track = str(json.track);
  const artist = str(json.artist);
  if (track || artist) info.music = { ...(track ? { title: track } : {}), ...(artist ? { author: artist } : {}) };
  const timestamp = num(json.timestamp) ?? num(json.release_timestamp) ?? uploadDate(json.upload_date);
  if (timestamp !== undefined) info.timestamp = Math.floor(timestamp);
  const views = num(json.view_count);
  if (views !== undefined) info.viewCount = views;
  const likes = num(json.like_count);
  if (likes !== undefined) info.likeCount = likes;
  if (json.is_live === true || json.live_status === 'is_live' || json.live_status === 'is_upcoming') info.live = true;
  const ageLimit = positive(json.age_limit);
  if (ageLimit) info.ageLimit = ageLimit;

  if (Array.isArray(json.formats)) {
    info.formats = json.formats
      .filter(isObject)
      .map((f, i) => mapFormat(f, String(i)))
      .filter((f): f is Format => f !== null);
  } else if (!flat && type === 'video' && str(json.url)) {
    const single = mapFormat(json, str(json.ext) ?? 'direct');
    if (single) info.formats = [single];
  }

  if (Array.isArray(json.entries) && depth < MAX_ENTRY_DEPTH) {
    info.entries = json.entries.filter(isObject).map((entry) => mapYtdlpInfo(entry, depth + 1));
    const total = positive(json.playlist_count);
    if (total && total > info.entries.length) info.entriesTotal = total;
  }
  return info;
}
