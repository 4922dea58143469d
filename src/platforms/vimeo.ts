/**
 * Vimeo URLs: vimeo.com/{id} and vimeo.com/{id}/{unlisted hash}, vimeo.com/video(s)/{id},
 * player.vimeo.com/video/{id}?h={hash}, videos inside channels, groups, albums and showcases,
 * review pages (/{user}/review/{id}/{hash}), On Demand films (/ondemand/{film}[/{id}]), live
 * events (/event/{id}[/embed|/{hash}|/videos/{id}]) and albums/showcases as playlists.
 * Custom video URLs (vimeo.com/{user}/{slug}) carry no id and are left to the generic extractor.
 *
 * Extraction reads the configuration the player itself loads:
 * https://player.vimeo.com/video/{id}/config?h={hash} (JSON; when it answers with a page
 * instead, the `window.playerConfig = {…}` of https://player.vimeo.com/video/{id}?h={hash}).
 * From it: request.files.progressive (mp4 files, often empty today), the HLS master of
 * request.files.hls.cdns[default_cdn] (expanded into video variants and separate audio
 * renditions; DASH is used only when a video has no HLS: its playlist.json/master.json URL
 * names the .mpd beside it), and video.title/duration/owner/thumbs. Public and unlisted (with
 * their hash) videos work without login; private ones need the cookies of an account that may
 * watch them (COOKIES_FILE). Password-protected and DRM videos are refused with a clear code.
 * Events, On Demand films and showcases are left to the yt-dlp backend.
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, noNativeExtractor } from '../utils/errors.js';
import { readText } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { dashFormats, hlsFormats } from './manifests.js';
import { absoluteUrl, compact, jsonAfter, notFound, num, str, tryParseJson } from './page.js';
import { uniqueFormatIds } from './unique-formats.js';
const NAME = 'vimeo';
const HOSTS = ['vimeo.com'] as const;

const VIDEO_ID = /^\d+$/;
/** Unlisted videos are shared with a 10-hex-digit hash after the id (or as ?h= on the player). */
const UNLISTED_HASH = /^[0-9a-f]{10}$/;
/** Album and showcase ids are numeric, newer showcases may use a custom slug. */
const COLLECTION_ID = /^[\w-]+$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://vimeo.com/76979871', id: '76979871', kind: 'video' },
  { url: 'http://vimeo.com/56015672#at=0', id: '56015672', kind: 'video' },
  { url: 'https://www.vimeo.com/7809605?share=copy', id: '7809605', kind: 'video' },
  { url: 'https://vimeo.com/160743502/abd0e13fb4', id: '160743502', kind: 'video' },
  { url: 'https://player.vimeo.com/video/54469442', id: '54469442', kind: 'video' },
  { url: 'https://player.vimeo.com/video/756714419?h=2b1d4e5f6a&badge=0', id: '756714419', kind: 'video' },
  { url: 'http://vimeo.com/channels/keypeele/75629013', id: '75629013', kind: 'video' },
  { url: 'https://vimeo.com/groups/travelhd/videos/22439234', id: '22439234', kind: 'video' },
  { url: 'https://vimeo.com/album/2632481/video/79010983', id: '79010983', kind: 'video' },
  { url: 'https://vimeo.com/showcase/3253534/video/119195465', id: '119195465', kind: 'video' },
  { url: 'https://vimeo.com/user170863801/review/996447483/a316d6ed8d', id: '996447483', kind: 'video' },
  { url: 'https://VIMEO.COM/video/68375962/', id: '68375962', kind: 'video' },
  { url: 'https://vimeo.com/ondemand/36938/126682985', id: '126682985', kind: 'video' },
  { url: 'https://vimeo.com/ondemand/nazmaalik', id: 'nazmaalik', kind: 'ondemand' },
  { url: 'https://vimeo.com/event/5116195', id: '5116195', kind: 'live' },
  { url: 'https://vimeo.com/event/5034253/embed', id: '5034253', kind: 'live' },
  { url: 'https://vimeo.com/event/595460/videos/498149131/', id: '498149131', kind: 'video' },
  { url: 'https://vimeo.com/showcase/3253534', id: '3253534', kind: 'playlist' },
  { url: 'https://vimeo.com/album/2632481', id: '2632481', kind: 'playlist' },
  { url: 'https://vimeo.com.example.org/76979871', id: false },
  { url: 'https://notvimeo.com/76979871', id: false },
  { url: 'https://vimeo.com/features', id: false },
  { url: 'https://vimeo.com/channels/staffpicks', id: false },
  { url: 'https://vimeo.com/76979871/not-a-hash', id: false },
  { url: 'ftp://vimeo.com/76979871', id: false },
];

/** A video id, with the unlisted hash when the URL carries one. */
function video(url: URL, id: string | undefined, hash?: string | null): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  if (hash && !UNLISTED_HASH.test(hash)) hash = undefined;
  return matched(NAME, url, id, 'video', hash ? { hash } : undefined);
}

/** vimeo.com/{id}[/{hash}] and vimeo.com/video(s)/{id}[/{hash}]. */
function direct(url: URL, [first, second, third]: string[]): Match | null {
  if (first === 'video' || first === 'videos') return direct(url, [second ?? '', third ?? ''].filter(Boolean));
  if (!first || !VIDEO_ID.test(first)) return null;
  if (second !== undefined && !UNLISTED_HASH.test(second)) return null;
  return video(url, first, second ?? url.searchParams.get('h'));
}

/** player.vimeo.com/video/{id}?h={hash}. */
function player(url: URL, segments: string[]): Match | null {
  if (segments[0] !== 'video') return null;
  return video(url, segments[1], segments[2] ?? url.searchParams.get('h'));
}

/** vimeo.com/event/{id}[/embed][/{hash}]: the live event itself, or /videos/{id}: one of its archived videos. */
function event(url: URL, [, id, next, last]: string[]): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  if (next === 'videos') return video(url, last);
  const hash = next === 'embed' ? last : next;
  if (hash !== undefined && !UNLISTED_HASH.test(hash)) return null;
  return matched(NAME, url, id, 'live', hash ? { hash } : undefined);
}

/** /channels/{c}/{id}, /groups/{g}/videos/{id}, /album|showcase/{a}[/video/{id}], /ondemand/{film}[/{id}]. */
function nested(url: URL, segments: string[]): Match | null {
  const [first, name, third, fourth] = segments;
  if (!name) return null;
  switch (first) {
    case 'channels':
      return video(url, third, fourth);
    case 'groups':
      return third === 'videos' ? video(url, fourth) : null;
    case 'album':
    case 'showcase':
      if (third === undefined || third === 'embed') return COLLECTION_ID.test(name) ? matched(NAME, url, name, 'playlist') : null;
      return third === 'video' ? video(url, fourth) : null;
    case 'ondemand':
      if (third !== undefined) return video(url, third);
      return COLLECTION_ID.test(name) ? matched(NAME, url, name, 'ondemand') : null;
    default:
      // /{user}/review/{id}/{hash}
      return name === 'review' && fourth && UNLISTED_HASH.test(fourth) ? video(url, third, fourth) : null;
  }
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const PLAYER = 'https://player.vimeo.com/video';
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** `view` of a player config: 1 plays; 2 is a private video; 4 asks for the video's password. */
const VIEW_PRIVATE = 2;
const VIEW_PASSWORD = 4;

/** One mp4 of request.files.progressive. */
interface ProgressiveFile {
  profile?: number | string;
  quality?: string;
  width?: number;
  height?: number;
  fps?: number;
  mime?: string;
  url?: string;
}

/** One CDN's entry of request.files.hls|dash.cdns. */
interface ManifestCdn {
  url?: string;
  avc_url?: string;
  origin?: string;
}

interface ManifestFiles {
  default_cdn?: string;
  separate_av?: boolean;
  cdns?: Record<string, ManifestCdn>;
}

/** The player configuration (fields we use). */
interface PlayerConfig {
  view?: number;
  request?: {
    files?: { progressive?: ProgressiveFile[]; hls?: ManifestFiles; dash?: ManifestFiles };
    drm?: unknown;
  };
  video?: {
    id?: number;
    title?: string;
    duration?: number;
    url?: string;
    share_url?: string;
    privacy?: string;
    thumbs?: Record<string, string>;
    thumbnail_url?: string;
    owner?: { id?: number; name?: string; url?: string };
    live_event?: { status?: string } | null;
  };
}

function isPlayerConfig(value: unknown): value is PlayerConfig {
  return !!value && typeof value === 'object' && ('request' in value || 'video' in value || 'view' in value);
}

/** Headers for the player endpoints: the site as referrer, and an account's cookies when COOKIES_FILE has them. */
function playerHeaders(ctx: ExtractContext, target: URL, referer: string, accept: string): Record<string, string> {
  const headers: Record<string, string> = { accept, referer };
  const cookie = cookieJarFor(ctx.config)?.headerFor(target);
  if (cookie) headers.cookie = cookie;
  return headers;
}

function loggedIn(ctx: ExtractContext): boolean {
  return !!cookieJarFor(ctx.config)?.get('vimeo.com', 'vimeo');
}

/** The error a refused player request means; its body tells password, privacy and blocks apart. */
function refusal(status: number, body: string, url: string, ctx: ExtractContext): DownloadError {
  const context = { platform: NAME, url, status };
  if (status === 404 || status === 410) return notFound(NAME, url, 'This Vimeo video does not exist or was removed.');
  if (status === 401 || status === 403) {
    if (/password/i.test(body)) return new DownloadError('content.private', 'This Vimeo video is password-protected.', context);
    if (/privacy settings|cannot be played here|private video/i.test(body)) {
      return loggedIn(ctx)
        ? new DownloadError('content.private', 'This Vimeo video is private, or plays only embedded on the sites its owner chose.', context)
        : new DownloadError('content.login_required', 'This Vimeo video is private (or embed-only): the cookies of an account that may watch it are needed (COOKIES_FILE).', context);
    }
    // a bare 403 is how Vimeo blocks data-center addresses and unusual TLS clients
    return new DownloadError('fetch.failed', `Vimeo refused the player request (HTTP ${status}); this server may be blocked (try PROXY_URL).`, context, { retriable: false });
  }
  return errorForStatus(status, context);
}

/** GET on a player endpoint: the body text, or the refusal its status means. */
async function playerGet(ctx: ExtractContext, target: URL, referer: string, accept: string, pageUrl: string): Promise<string> {
  const res = await ctx.http.request(target, requestOptions(ctx, NAME, { headers: playerHeaders(ctx, target, referer, accept), throwOnStatus: false }));
  const text = await readText(res, MAX_CONFIG_BYTES);
  if (res.status >= 400) throw refusal(res.status, text, pageUrl, ctx);
  return text;
}

/** The player configuration: the JSON endpoint, else the config inside the player page. */
async function playerConfig(ctx: ExtractContext, id: string, hash: string | undefined, referer: string, pageUrl: string): Promise<PlayerConfig> {
  const configUrl = new URL(`${PLAYER}/${id}/config`);
  if (hash) configUrl.searchParams.set('h', hash);
  const text = await playerGet(ctx, configUrl, referer, 'application/json', pageUrl);
  const parsed = tryParseJson(text);
  // not JSON, or JSON of another shape: read the player page below
  if (isPlayerConfig(parsed)) return parsed;
  ctx.logger.debug({ platform: NAME, id }, 'the config endpoint sent no JSON config; reading the player page');
  const pageTarget = new URL(`${PLAYER}/${id}`);
  if (hash) pageTarget.searchParams.set('h', hash);
  const html = await playerGet(ctx, pageTarget, referer, 'text/html,application/xhtml+xml', pageUrl);
  const config = jsonAfter<PlayerConfig>(html, /\b(?:window\.)?playerConfig\s*=\s*/);
  if (!isPlayerConfig(config)) {
    if (/password/i.test(html)) throw new DownloadError('content.private', 'This Vimeo video is password-protected.', { platform: NAME, url: pageUrl });
    throw new DownloadError('fetch.failed', 'The Vimeo player page carries no player configuration.', { platform: NAME, url: pageUrl }, { retriable: false });
  }
  return config;
}

/** Refuses configs the player itself would not play: private, password, DRM. */
function checkPlayable(config: PlayerConfig, url: string, ctx: ExtractContext): void {
  const context = { platform: NAME, url, view: config.view };
  if (config.view === VIEW_PASSWORD) throw new DownloadError('content.private', 'This Vimeo video is password-protected.', context);
  if (config.view === VIEW_PRIVATE) {
    throw loggedIn(ctx)
      ? new DownloadError('content.private', 'This Vimeo video is private and the account in COOKIES_FILE may not watch it.', context)
      : new DownloadError('content.login_required', 'This Vimeo video is private: the cookies of an account that may watch it are needed (COOKIES_FILE).', context);
  }
  if (config.request?.drm) throw new DownloadError('link.unsupported', 'This Vimeo video is DRM-protected and cannot be downloaded.', context);
  if (!config.request?.files && config.view !== undefined && config.view !== 1) {
    throw new DownloadError('content.private', `Vimeo will not play this video here (player view ${config.view}).`, context);
  }
}

/** The default CDN's manifest URL, else any CDN's. */
function manifestUrl(files: ManifestFiles | undefined): string | undefined {
  const cdns = files?.cdns ?? {};
  const preferred = files?.default_cdn ? cdns[files.default_cdn] : undefined;
  return absoluteUrl(preferred?.url ?? Object.values(cdns).find((c) => c.url)?.url);
}

function progressiveFormats(files: ProgressiveFile[]): Format[] {
  const formats: Format[] = [];
  for (const f of files) {
    const url = absoluteUrl(f.url);
    if (!url) continue;
    formats.push(
      compact<Format>({
        id: `http-${f.quality ?? f.profile ?? formats.length}`,
        url,
        protocol: 'https',
        container: 'mp4',
        // progressive files are H.264/AAC mp4
        vcodec: 'avc1',
        acodec: 'mp4a',
        width: num(f.width),
        height: num(f.height),
        fps: f.fps ? Math.round(f.fps) : undefined,
      }),
    );
  }
  return formats;
}

/** Every format of the config: progressive files, then the HLS (or, without HLS, DASH) variants. */
async function configFormats(ctx: ExtractContext, config: PlayerConfig, url: string): Promise<Format[]> {
  const files = config.request?.files ?? {};
  const formats = progressiveFormats(files.progressive ?? []);
  const hls = manifestUrl(files.hls);
  const dash = hls ? undefined : manifestUrl(files.dash)?.replace(/\/(master|playlist)\.json(?=[?#]|$)/, '/$1.mpd');
  if (!hls && !dash) return formats;
  try {
    const streams = hls ? await hlsFormats(ctx, hls, { platform: NAME }) : await dashFormats(ctx, dash!, { platform: NAME });
    // a manifest may repeat an id (two codecs at one height)
    return uniqueFormatIds([...formats, ...streams]);
  } catch (error) {
    if (formats.length === 0) throw error;
    ctx.logger.warn({ platform: NAME, url, err: error }, 'the Vimeo manifest failed; offering the progressive files only');
    return formats;
  }
}

/** The largest numbered thumbnail, else the base image. */
function thumbnail(video: NonNullable<PlayerConfig['video']>): string | undefined {
  const thumbs = video.thumbs ?? {};
  const sized = Object.keys(thumbs).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(b) - Number(a));
  return absoluteUrl((sized[0] ? thumbs[sized[0]] : undefined) ?? thumbs.base ?? video.thumbnail_url);
}

async function extractVideo(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  const hash = match.extra?.hash;
  const url = hash ? `https://vimeo.com/${id}/${hash}` : `https://vimeo.com/${id}`;
  // an embed is asked for as the embed asks; everything else as the video's own page
  const referer = match.url.hostname.toLowerCase() === 'player.vimeo.com' ? match.url.href : url;
  const config = await playerConfig(ctx, id, hash, referer, url);
  checkPlayable(config, url, ctx);
  const video = config.video ?? {};
  const liveStatus = video.live_event?.status;
  if (liveStatus === 'pending' || liveStatus === 'active') {
    throw new DownloadError('content.not_found', 'This Vimeo live event has not started yet.', { platform: NAME, url });
  }
  const live = liveStatus === 'started';
  // a running stream is refused by format selection anyway: no manifest is fetched for it
  const formats = live ? [] : await configFormats(ctx, config, url);
  if (!live && formats.length === 0) throw notFound(NAME, url, 'Vimeo offers no playable file for this video.');
  const ownerUrl = absoluteUrl(video.owner?.url);
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(video.title) ?? id,
    uploader: str(video.owner?.name),
    uploaderId: ownerUrl ? new URL(ownerUrl).pathname.split('/').filter(Boolean).pop() : undefined,
    durationSec: num(video.duration),
    thumbnail: thumbnail(video),
    live: live || undefined,
    formats,
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'video') return extractVideo(match, ctx);
  const what = match.kind === 'live' ? 'Vimeo live events' : match.kind === 'ondemand' ? 'Vimeo On Demand films' : 'Vimeo showcases';
  // not final: the yt-dlp backend (when installed) gets its turn
  throw noNativeExtractor(NAME, match.url.href, what);
}

/** Vimeo videos, unlisted videos, events, On Demand films and showcases. */
export const vimeo: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const host = hostName(url);
    const segments = pathSegments(url);
    if (host === 'player.vimeo.com') return player(url, segments);
    if (host !== 'vimeo.com' && host !== 'www.vimeo.com') return null;
    if (segments[0] === 'event') return event(url, segments);
    return direct(url, segments) ?? nested(url, segments);
  },

  extract,
};
