/**
 * OK.ru / Odnoklassniki (ok.ru, odnoklassniki.ru, with www./m./mobile. subdomains). Knows:
 * - videos: /video/{id}, a group's or profile's /{owner…}/video/{id}, the player /videoembed/{id}
 *   and /web-api/video/moviePlayer/{id}; ids are digits, some with a `-0` part suffix;
 * - live streams: /live/{id};
 * - the mobile layer /dk?st.cmd=movieLayer&st.mvId={id} and the metadata call
 *   /dk?cmd=videoPlayerMetadata&mid={id};
 * - video channels: /video/c{digits} (the id keeps its `c`).
 *
 * Extraction, without login (COOKIES_FILE cookies for ok.ru are sent when present):
 * - `GET https://ok.ru/videoembed/{id}`: the player is `<div data-module="OKVideo" data-options="…">`
 *   whose entity-encoded JSON holds `flashvars.metadata`, itself a JSON string: `movie {title, duration,
 *   poster, status, contentId}`, `author {id, name}`, `videos[{name: mobile|lowest|low|sd|hd|full|quad|ultra,
 *   url}]` (direct mp4s), `hlsManifestUrl`/`ondemandHls`, and for streams `hlsMasterPlaylistUrl`. Without the
 *   inline metadata the player POSTs `st.location` to `flashvars.metadataUrl`; so do we.
 * - A video that will not play shows `<div class="vp_video_stub_txt">` ("Video has not been found",
 *   "The video is blocked…", copyright or region notices) or says
 *   "Access to this video is restricted" (a logged-in session is needed); the metadata may carry
 *   `error` or a `movie.status` such as COPYRIGHTS_RESTRICTED or LIMITED_ACCESS.
 * - YouTube videos (`provider` USER_YOUTUBE) and external players are handed to their platform.
 */
import { isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, isDownloadError, noNativeExtractor } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, compact, decodeEntities, num, str, tryParseJson } from './page.js';

const NAME = 'okru';
const HOSTS = ['ok.ru', 'odnoklassniki.ru'] as const;

const VIDEO_ID_RE = /^\d+(?:-\d+)?$/;
const CHANNEL_RE = /^c\d+$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://ok.ru/video/1484130554189', id: '1484130554189', kind: 'video' },
  { url: 'http://ok.ru/video/63567059965189-0?fromTime=5', id: '63567059965189-0', kind: 'video' },
  { url: 'https://OK.RU/video/3568183087575/', id: '3568183087575', kind: 'video' },
  { url: 'http://www.ok.ru/videoembed/20648036891', id: '20648036891', kind: 'video' },
  { url: 'https://m.ok.ru/video/2361249957145', id: '2361249957145', kind: 'video' },
  { url: 'http://mobile.ok.ru/video/20079905452', id: '20079905452', kind: 'video' },
  { url: 'https://odnoklassniki.ru/video/20079905452', id: '20079905452', kind: 'video' },
  { url: 'https://www.ok.ru/live/484531969818', id: '484531969818', kind: 'live' },
  { url: 'http://ok.ru/web-api/video/moviePlayer/20079905452', id: '20079905452', kind: 'video' },
  { url: 'https://ok.ru/dk?cmd=videoPlayerMetadata&mid=7204071410346', id: '7204071410346', kind: 'video' },
  { url: 'https://m.ok.ru/dk?st.cmd=movieLayer&st.discId=863789452017&st.discType=MOVIE&st.mvId=863789452017&_prevCmd=friendMovies#lst#', id: '863789452017', kind: 'video' },
  { url: 'https://ok.ru/group/57384733851828/video/7204071410346', id: '7204071410346', kind: 'video' },
  { url: 'https://ok.ru/kinoclub/video/954886983203', id: '954886983203', kind: 'video' },
  { url: 'https://ok.ru/video/c1374216', id: 'c1374216', kind: 'channel' },
  { url: 'https://ok.ru/', id: false },
  { url: 'https://ok.ru/group/57384733851828', id: false },
  { url: 'https://ok.ru/video/showcase', id: false },
  { url: 'https://ok.ru.evil.net/video/1484130554189', id: false },
  { url: 'https://book.ru/video/1484130554189', id: false },
];

/** OK's names for its mp4 variants and the frame height each stands for. */
const QUALITY_HEIGHTS: Record<string, number> = {
  mobile: 144, lowest: 240, low: 360, sd: 480, hd: 720, full: 1080, quad: 1440, ultra: 2160,
};
/** Headers the CDN gets with every media request. */
const CDN_HEADERS = { Referer: 'https://ok.ru/' } as const;
/** `movie.status` values (and metadata `error` codes) that mean the video will not play. */
const FAILED_STATUS = /COPYRIGHT|LIMITED_ACCESS|BLOCKED|CENSORED|UNAVAILABLE|NOT_FOUND|MODERATION|notFound|not\.found|deleted/i;

/** The player div's `data-options` (fields we use). */
interface PlayerOptions {
  poster?: string;
  isExternalPlayer?: boolean;
  url?: string;
  flashvars?: { metadata?: string; metadataUrl?: string; location?: string };
}

/** The player metadata, inline as `flashvars.metadata` or from `flashvars.metadataUrl`. */
interface Metadata {
  error?: string;
  provider?: string;
  movie?: {
    id?: string;
    title?: string;
    poster?: string;
    duration?: string | number;
    status?: string;
    is_live?: boolean;
    contentId?: string;
  };
  author?: { id?: string | number; name?: string };
  likeCount?: number;
  videos?: Array<{ name?: string; url?: string; disallowed?: boolean }>;
  hlsManifestUrl?: string;
  ondemandHls?: string;
  /** Live streams only. */
  hlsMasterPlaylistUrl?: string;
  liveStream?: unknown;
  paymentInfo?: unknown;
}

/** The error an OK status code or stub sentence means. */
function failure(text: string, url: string): DownloadError {
  const context = { platform: NAME, url };
  if (/COPYRIGHT|правообладател|region|countr|стран|регион/i.test(text)) return new DownloadError('content.geo_blocked', text, context);
  if (/LIMITED_ACCESS|private|приват/i.test(text)) return new DownloadError('content.private', text, context);
  if (/restricted|ограничен/i.test(text)) return new DownloadError('content.login_required', text, context);
  if (FAILED_STATUS.test(text) || /not (?:been )?found|removed|blocked|не найден|удал|заблокирован/i.test(text)) {
    return new DownloadError('content.not_found', text, context);
  }
  return new DownloadError('fetch.failed', text, context, { retriable: false });
}

/** The stub the embed page shows instead of a player ("Video has not been found", …), if any. */
function stubText(html: string): string | undefined {
  const stub = /<div\b[^>]*class="[^"]*\bvp_video_stub_txt\b[^"]*"[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  return stub ? str(decodeEntities(stub.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ')) : undefined;
}

/** The player's options: the `data-options` attribute that carries flashvars (entity-encoded JSON). */
function playerOptions(html: string): PlayerOptions | undefined {
  for (const m of html.matchAll(/\bdata-options="([^"]*)"/g)) {
    // other widgets carry data-options too; only the player's parses to flashvars
    const options = tryParseJson<PlayerOptions | null>(decodeEntities(m[1]!));
    if (options?.flashvars || options?.isExternalPlayer) return options;
  }
  return undefined;
}

/** The metadata inline in flashvars, or fetched from metadataUrl the way the player does. */
async function metadataOf(ctx: ExtractContext, options: PlayerOptions, page: string): Promise<Metadata> {
  const flashvars = options.flashvars ?? {};
  if (flashvars.metadata) {
    const metadata = tryParseJson<Metadata>(flashvars.metadata);
    if (metadata === undefined) throw new DownloadError('fetch.failed', 'The player metadata is not JSON.', { platform: NAME, url: page }, { retriable: false });
    return metadata;
  }
  const metadataUrl = absoluteUrl(flashvars.metadataUrl ? decodeURIComponent(flashvars.metadataUrl) : undefined, 'https://ok.ru/');
  if (!metadataUrl) throw new DownloadError('fetch.failed', 'The embed page has a player without metadata.', { platform: NAME, url: page }, { retriable: false });
  return ctx.http.json<Metadata>(metadataUrl, requestOptions(ctx, NAME, {
    headers: { referer: page },
    method: 'POST',
    form: flashvars.location ? { 'st.location': flashvars.location } : {},
  }));
}

/** Another site's player embedded in OK's: that platform extracts it. */
async function handOff(ctx: ExtractContext, url: string, page: string): Promise<MediaInfo> {
  if (!ctx.extractUrl) throw new DownloadError('fetch.failed', `The video is an embedded player from ${url}.`, { platform: NAME, url: page }, { retriable: false });
  return ctx.extractUrl(url);
}

function isLive(metadata: Metadata): boolean {
  return metadata.movie?.is_live === true || metadata.movie?.status === 'ONLINE' || !!metadata.liveStream || !!metadata.hlsMasterPlaylistUrl;
}

/** The mp4 variants (H.264/AAC progressive files), a `disallowed` one (paid or login-only) left out. */
function mp4Formats(metadata: Metadata): Format[] {
  const formats: Format[] = [];
  for (const video of metadata.videos ?? []) {
    const url = absoluteUrl(video.url);
    if (!url || video.disallowed || !video.name) continue;
    formats.push(compact<Format>({
      id: video.name,
      url,
      protocol: 'https',
      container: 'mp4',
      height: QUALITY_HEIGHTS[video.name],
      vcodec: 'avc1',
      acodec: 'mp4a',
      headers: { ...CDN_HEADERS },
    }));
  }
  return formats;
}

/** The HLS renditions; when mp4 variants exist a failing playlist is logged and skipped. */
async function hlsVariants(ctx: ExtractContext, metadata: Metadata, required: boolean): Promise<Format[]> {
  const url = absoluteUrl(metadata.hlsManifestUrl ?? metadata.ondemandHls);
  if (!url) return [];
  try {
    return await hlsFormats(ctx, url, { platform: NAME, headers: { ...CDN_HEADERS } });
  } catch (error) {
    if (required || !isDownloadError(error) || error.code === 'fetch.rate_limited') throw error;
    ctx.logger.warn({ platform: NAME, code: error.code }, 'the HLS playlist failed; keeping the mp4 variants');
    return [];
  }
}

/** A live stream's playlist, unfetched: format selection refuses live streams anyway. */
function liveFormats(metadata: Metadata): Format[] {
  const url = absoluteUrl(metadata.hlsMasterPlaylistUrl ?? metadata.hlsManifestUrl ?? metadata.ondemandHls);
  return url ? [{ id: 'hls-live', url, protocol: 'hls', container: 'mp4', headers: { ...CDN_HEADERS } }] : [];
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  if (match.kind === 'channel') {
    throw noNativeExtractor(NAME, match.url.href, 'OK video channels');
  }
  const page = `https://ok.ru/videoembed/${id}`;
  const html = await ctx.http.text(page, requestOptions(ctx, NAME, { headers: { cookie: cookieJarFor(ctx.config)?.headerFor(page) } }));
  const stub = stubText(html);
  if (stub) throw failure(stub, page);
  if (/>\s*Access to this video is restricted\s*</i.test(html)) {
    throw new DownloadError('content.login_required', 'Access to this video is restricted to logged-in viewers.', { platform: NAME, url: page });
  }
  const options = playerOptions(html);
  if (!options) throw new DownloadError('fetch.failed', 'The embed page has no player options.', { platform: NAME, url: page }, { retriable: false });
  if (options.isExternalPlayer && options.url) return handOff(ctx, options.url, page);

  const metadata = await metadataOf(ctx, options, page);
  if (metadata.error) throw failure(metadata.error, page);
  const status = metadata.movie?.status;
  if (status && FAILED_STATUS.test(status)) throw failure(status, page);
  if (metadata.provider === 'USER_YOUTUBE' && metadata.movie?.contentId) return handOff(ctx, metadata.movie.contentId, page);

  const live = isLive(metadata);
  const mp4 = live ? [] : mp4Formats(metadata);
  const formats = live ? liveFormats(metadata) : [...mp4, ...(await hlsVariants(ctx, metadata, mp4.length === 0))];
  if (formats.length === 0) {
    if (metadata.paymentInfo) throw new DownloadError('content.login_required', 'This video is paid; it plays only for a subscribed account.', { platform: NAME, url: page });
    throw new DownloadError('fetch.failed', 'The player metadata lists no playable variant.', { platform: NAME, url: page }, { retriable: false });
  }
  const movie = metadata.movie ?? {};
  const authorId = metadata.author?.id;
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url: `https://ok.ru/${match.kind === 'live' ? 'live' : 'video'}/${id}`,
    title: str(movie.title) ?? id,
    uploader: str(metadata.author?.name),
    uploaderId: authorId !== undefined && authorId !== '' ? String(authorId) : undefined,
    durationSec: live ? undefined : num(movie.duration),
    thumbnail: absoluteUrl(movie.poster ?? options.poster),
    likeCount: num(metadata.likeCount),
    live: live || undefined,
    formats,
  });
}

/** The /dk endpoint names its video in the query: st.mvId (layer) or mid (player metadata). */
function fromDk(url: URL): Match | null {
  const q = url.searchParams;
  const id = q.get('st.mvId') ?? (q.get('cmd') === 'videoPlayerMetadata' ? q.get('mid') : null);
  return id && VIDEO_ID_RE.test(id) ? matched(NAME, url, id, 'video') : null;
}

/** The item after a `video`/`videoembed`/`live` segment. */
function fromPath(url: URL, segments: string[]): Match | null {
  const [first, second, third] = segments;
  if (first === 'live' && second && VIDEO_ID_RE.test(second) && !third) return matched(NAME, url, second, 'live');
  if (first === 'web-api' && second === 'video' && third === 'moviePlayer') {
    const id = segments[3];
    return id && VIDEO_ID_RE.test(id) ? matched(NAME, url, id, 'video') : null;
  }
  // /video/{id}, /videoembed/{id}, and an owner's /group/{gid}/video/{id} or /{name}/video/{id}.
  const at = segments.findIndex((s) => s === 'video' || s === 'videoembed');
  const id = at >= 0 ? segments[at + 1] : undefined;
  if (!id || at > 2 || segments.length !== at + 2) return null;
  if (VIDEO_ID_RE.test(id)) return matched(NAME, url, id, 'video');
  return at === 0 && first === 'video' && CHANNEL_RE.test(id) ? matched(NAME, url, id, 'channel') : null;
}

/** OK.ru videos, live streams and video channels. */
export const okru: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    if (segments.length === 1 && segments[0] === 'dk') return fromDk(url);
    return fromPath(url, segments);
  },

  extract,
};
