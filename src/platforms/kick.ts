/**
 * Kick (kick.com, www.kick.com, player.kick.com). Knows:
 * - a channel's live stream: /{channel} and the embed player player.kick.com/{channel}
 *   (id the channel slug; site pages such as /categories or /search are never channels);
 * - VODs: /{channel}/videos/{uuid} and /video/{uuid};
 * - clips: /{channel}/clips/clip_{id} and /{channel}?clip=clip_{id}.
 *
 * Extraction reads Kick's public JSON API (the one kick.com's own player calls):
 * - live: GET https://kick.com/api/v2/channels/{slug} → `livestream` (null when offline) and
 *   `playback_url`, an IVS HLS master playlist; a live channel gives `live: true`;
 * - VOD: GET https://kick.com/api/v1/video/{uuid} → `source` (HLS master on stream.kick.com),
 *   `livestream.session_title`, `livestream.duration` in milliseconds, `livestream.channel`;
 *   subscriber-only VODs answer 403 with `"status": "subscriber_only"` and an empty source;
 * - clip: GET https://kick.com/api/v2/clips/{clip_id} → `clip.clip_url` (HLS or mp4) and
 *   `clip.video_url` (mp4), title, duration in seconds, channel, creator.
 * No login is needed for public content. With COOKIES_FILE holding a kick.com `session_token`,
 * it is sent as `Authorization: Bearer …` (and the cookies themselves), which is how Kick
 * unlocks subscriber-only VODs. The API sits behind Cloudflare, which sometimes answers a bot
 * check (403 with `cf-mitigated: challenge`); that is reported as a retriable fetch.failed.
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { cookieJarFor } from '../utils/cookies.js';
import { DownloadError, errorForStatus } from '../utils/errors.js';
import { header, parseRetryAfter, type HttpResponse, readText } from '../utils/http.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, compact, num, str, tryParseJson, unixSeconds } from './page.js';

const NAME = 'kick';
const HOSTS = ['kick.com'] as const;

const CHANNEL_RE = /^[\w-]{2,32}$/;
const UUID_RE = /^[\da-f]{8}-(?:[\da-f]{4}-){3}[\da-f]{12}$/i;
const CLIP_RE = /^clip_[\w-]+$/;
/** First path segments that are site pages, not channels. */
const RESERVED = new Set([
  'about', 'affiliate', 'api', 'app', 'auth', 'blog', 'browse', 'categories', 'category', 'clips', 'community-guidelines',
  'contact', 'cookie-policy', 'copyright', 'dashboard', 'dmca-policy', 'download', 'faq', 'following', 'help', 'legal',
  'login', 'messages', 'notifications', 'partners', 'privacy-policy', 'search', 'settings', 'signup', 'subscriptions',
  'support', 'terms', 'terms-of-service', 'transactions', 'video', 'videos', 'wallet',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://kick.com/buddha', id: 'buddha', kind: 'live' },
  { url: 'https://www.kick.com/xqc/', id: 'xqc', kind: 'live' },
  { url: 'https://KICK.COM/a-log-burner?ref=share', id: 'a-log-burner', kind: 'live' },
  { url: 'https://player.kick.com/xqc?autoplay=true', id: 'xqc', kind: 'live' },
  { url: 'https://kick.com/xqc/videos/5c697a87-afce-4256-b01f-3c8fe71ef5cb', id: '5c697a87-afce-4256-b01f-3c8fe71ef5cb', kind: 'vod' },
  { url: 'https://kick.com/a-log-burner/videos/5230df84-ea38-46e1-be4f-f5949ae55641?t=120', id: '5230df84-ea38-46e1-be4f-f5949ae55641', kind: 'vod' },
  { url: 'https://kick.com/video/5c697a87-afce-4256-b01f-3c8fe71ef5cb', id: '5c697a87-afce-4256-b01f-3c8fe71ef5cb', kind: 'vod' },
  { url: 'https://kick.com/spreen/clips/clip_01J8RGZRKHXHXXKJEHGRM932A5', id: 'clip_01J8RGZRKHXHXXKJEHGRM932A5', kind: 'clip' },
  { url: 'https://kick.com/mxddy?clip=clip_01GYXVB5Y8PWAPWCWMSBCFB05X', id: 'clip_01GYXVB5Y8PWAPWCWMSBCFB05X', kind: 'clip' },
  { url: 'https://kick.com/destiny/?foo=1&clip=clip_01H9SKET879NE7N9RJRRDS98J3', id: 'clip_01H9SKET879NE7N9RJRRDS98J3', kind: 'clip' },
  { url: 'https://kick.com/', id: false },
  { url: 'https://kick.com/categories/just-chatting', id: false },
  { url: 'https://kick.com/browse', id: false },
  { url: 'https://kick.com/search?query=xqc', id: false },
  { url: 'https://kick.com/following', id: false },
  { url: 'https://kick.com/dashboard/stream', id: false },
  { url: 'https://kick.com/xqc/videos/not-a-uuid', id: false },
  { url: 'https://kick.com.evil.net/xqc', id: false },
  { url: 'https://sidekick.com/xqc', id: false },
];

/** What follows a channel slug: nothing (the live stream), a clip query, a VOD or a clip. */
function fromChannel(url: URL, channel: string, rest: string[]): Match | null {
  if (!CHANNEL_RE.test(channel) || RESERVED.has(channel.toLowerCase())) return null;
  const [section, item] = rest;
  if (rest.length === 0) {
    const clip = url.searchParams.get('clip');
    if (clip) return CLIP_RE.test(clip) ? matched(NAME, url, clip, 'clip', { channel }) : null;
    return matched(NAME, url, channel, 'live');
  }
  if (rest.length !== 2 || !item) return null;
  if (section === 'videos' && UUID_RE.test(item)) return matched(NAME, url, item, 'vod', { channel });
  if (section === 'clips' && CLIP_RE.test(item)) return matched(NAME, url, item, 'clip', { channel });
  return null;
}

const SITE = 'https://kick.com';
const MAX_API_BYTES = 4 * 1024 * 1024;
/** What kick.com's own player sends with playlist and segment requests. */
const MEDIA_HEADERS: Readonly<Record<string, string>> = { Referer: `${SITE}/`, Origin: SITE };

/** A category a stream or clip is filed under. */
interface ApiCategory {
  id?: number;
  name?: string;
  slug?: string;
}

interface ApiUser {
  id?: number;
  username?: string;
  bio?: string | null;
}

/** The channel a VOD's livestream belongs to. */
interface ApiChannelRef {
  id?: number;
  slug?: string;
  user_id?: number;
  user?: ApiUser;
}

/** A broadcast: the channel's current one, or the one a VOD recorded. */
interface ApiLivestream {
  id?: number;
  slug?: string;
  session_title?: string;
  is_live?: boolean;
  is_mature?: boolean;
  /** "2025-06-25 08:14:49" (UTC, no zone) */
  created_at?: string;
  /** ISO 8601 */
  start_time?: string;
  viewer_count?: number;
  /** Milliseconds; 0 while live. */
  duration?: number;
  /** `{ url }` in the channel API, a plain URL string in the video API. */
  thumbnail?: string | { url?: string; src?: string } | null;
  categories?: ApiCategory[];
  channel?: ApiChannelRef;
}

/** GET /api/v2/channels/{slug} (fields we use). */
interface ApiChannel {
  id?: number;
  slug?: string;
  /** The IVS master playlist; newer answers nest it as `{ live, dvr }`. */
  playback_url?: string | { live?: string; dvr?: string } | null;
  user?: ApiUser;
  livestream?: ApiLivestream | null;
  recent_categories?: ApiCategory[];
}

/** GET /api/v1/video/{uuid} (fields we use). */
interface ApiVideo {
  uuid?: string;
  /** HLS master on stream.kick.com; "" for subscriber-only VODs without access. */
  source?: string | null;
  /** "public", "subscriber_only", … */
  status?: string;
  is_private?: boolean;
  /** ISO 8601 */
  created_at?: string;
  views?: number;
  livestream?: ApiLivestream | null;
}

/** GET /api/v2/clips/{clip_id} (fields we use). */
interface ApiClip {
  clip?: {
    id?: string;
    title?: string;
    /** HLS playlist or mp4. */
    clip_url?: string | null;
    /** mp4 */
    video_url?: string | null;
    thumbnail_url?: string | null;
    /** Seconds. */
    duration?: number;
    views?: number;
    view_count?: number;
    likes?: number;
    likes_count?: number;
    created_at?: string;
    is_mature?: boolean;
    category?: ApiCategory | null;
    creator?: { id?: number; username?: string; slug?: string } | null;
    channel?: { id?: number; username?: string; slug?: string } | null;
  };
}

/** An API error answer: `{ "message": "No query results for model [App\\Models\\Channel]." }`, or a VOD body. */
interface ApiErrorBody {
  message?: string;
  status?: string;
}

/** Headers for the API: JSON, the site as referer, and the logged-in session when COOKIES_FILE has one. */
function apiHeaders(ctx: ExtractContext, url: string): Record<string, string | undefined> {
  const jar = cookieJarFor(ctx.config);
  const token = jar?.get('kick.com', 'session_token');
  return {
    accept: 'application/json',
    referer: `${SITE}/`,
    cookie: jar?.headerFor(url),
    authorization: token ? `Bearer ${safeDecode(token)}` : undefined,
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** GETs https://kick.com/api/{path} and parses it; failures become the matching error code. */
async function api<T>(ctx: ExtractContext, path: string, what: string): Promise<T> {
  const url = `${SITE}/api/${path}`;
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, { headers: apiHeaders(ctx, url), throwOnStatus: false }));
  const text = await readText(res, MAX_API_BYTES);
  if (res.status >= 400) throw apiError(res, text, url, what);
  const data = tryParseJson<T>(text);
  if (data === undefined) {
    throw new DownloadError('fetch.failed', `Kick's ${what} API answered with something that is not JSON.`, { platform: NAME, url });
  }
  return data;
}

/** Maps an API failure: 404, Cloudflare's bot check, a subscriber-only VOD, or the usual status mapping. */
function apiError(res: HttpResponse, body: string, url: string, what: string): DownloadError {
  const status = res.status;
  const retryAfterSec = parseRetryAfter(header(res, 'retry-after'));
  const context = { platform: NAME, url, status, ...(retryAfterSec !== undefined ? { retryAfterSec } : {}) };
  const cfMitigated = header(res, 'cf-mitigated');
  if (status === 404) return new DownloadError('content.not_found', `The Kick ${what} was not found.`, context);
  const json = tryParseJson<ApiErrorBody>(body);
  if (status === 403 && (cfMitigated || !json)) {
    return new DownloadError('fetch.failed', "Kick's bot protection refused the request; try again later or through PROXY_URL.", context, { retriable: true });
  }
  if ((status === 401 || status === 403) && json?.status === 'subscriber_only') {
    return new DownloadError('content.login_required', "This Kick VOD is for the channel's subscribers: set COOKIES_FILE with a subscribed account's kick.com cookies.", context);
  }
  return errorForStatus(status, context);
}

/** Kick's times: ISO 8601, or "YYYY-MM-DD HH:MM:SS" meaning UTC. Unix seconds. */
function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  return unixSeconds(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
}

function thumbnailOf(thumbnail: ApiLivestream['thumbnail']): string | undefined {
  if (!thumbnail) return undefined;
  return absoluteUrl(typeof thumbnail === 'string' ? thumbnail : (thumbnail.url ?? thumbnail.src));
}

function categoryNames(categories: Array<ApiCategory | null | undefined> | undefined): string[] | undefined {
  const names = (categories ?? []).map((c) => str(c?.name)).filter((n): n is string => !!n);
  return names.length ? names : undefined;
}

function playbackUrl(value: ApiChannel['playback_url']): string | undefined {
  return absoluteUrl(typeof value === 'string' ? value : value?.live);
}

function isHls(url: string): boolean {
  return new URL(url).pathname.endsWith('.m3u8');
}

/** A channel: its live stream when it is on air (`live: true`, so downloads are refused), else not found. */
async function liveStream(ctx: ExtractContext, slug: string): Promise<MediaInfo> {
  const channel = await api<ApiChannel>(ctx, `v2/channels/${encodeURIComponent(slug)}`, 'channel');
  const stream = channel.livestream;
  const playlist = playbackUrl(channel.playback_url);
  const url = `${SITE}/${channel.slug ?? slug}`;
  if (!stream || stream.is_live === false || !playlist) {
    throw new DownloadError('content.not_found', `${channel.user?.username ?? slug} is not live on Kick right now.`, { platform: NAME, url });
  }
  return compact<MediaInfo>({
    platform: NAME,
    id: slug,
    url,
    title: str(stream.session_title) ?? slug,
    uploader: str(channel.user?.username),
    uploaderId: channel.slug ?? slug,
    thumbnail: thumbnailOf(stream.thumbnail),
    timestamp: parseTime(stream.start_time) ?? parseTime(stream.created_at),
    viewCount: num(stream.viewer_count),
    tags: categoryNames(stream.categories ?? channel.recent_categories),
    ageLimit: stream.is_mature ? 18 : undefined,
    live: true,
    formats: [{ id: 'hls-live', url: playlist, protocol: 'hls', container: 'mp4', headers: { ...MEDIA_HEADERS }, note: 'live' }],
  });
}

/** A VOD: the HLS master's variants and the recorded broadcast's metadata. */
async function vod(ctx: ExtractContext, uuid: string, channelHint: string | undefined): Promise<MediaInfo> {
  const video = await api<ApiVideo>(ctx, `v1/video/${uuid}`, 'video');
  const stream = video.livestream ?? undefined;
  const slug = stream?.channel?.slug ?? channelHint;
  const url = slug ? `${SITE}/${slug}/videos/${uuid}` : `${SITE}/video/${uuid}`;
  const source = absoluteUrl(str(video.source));
  if (!source) {
    if (video.status === 'subscriber_only') {
      throw new DownloadError('content.login_required', "This Kick VOD is for the channel's subscribers: set COOKIES_FILE with a subscribed account's kick.com cookies.", { platform: NAME, url });
    }
    throw new DownloadError('content.not_found', 'This Kick VOD has no playable source (deleted or still processing).', { platform: NAME, url });
  }
  const durationMs = num(stream?.duration);
  return compact<MediaInfo>({
    platform: NAME,
    id: uuid,
    url,
    title: str(stream?.session_title) ?? uuid,
    uploader: str(stream?.channel?.user?.username),
    uploaderId: slug,
    durationSec: durationMs ? durationMs / 1000 : undefined,
    thumbnail: thumbnailOf(stream?.thumbnail),
    timestamp: parseTime(video.created_at) ?? parseTime(stream?.start_time),
    viewCount: num(video.views),
    tags: categoryNames(stream?.categories),
    ageLimit: stream?.is_mature ? 18 : undefined,
    live: stream?.is_live ? true : undefined,
    formats: await hlsFormats(ctx, source, { platform: NAME, headers: { ...MEDIA_HEADERS } }),
  });
}

/** A clip's files: the HLS variants of `clip_url` (or the mp4 it names) and the mp4 `video_url`. */
async function clipFormats(ctx: ExtractContext, clipUrl: string | undefined, videoUrl: string | undefined): Promise<Format[]> {
  const formats: Format[] = [];
  const mp4 = (id: string, url: string): Format => ({ id, url, protocol: 'https', container: 'mp4', headers: { ...MEDIA_HEADERS } });
  if (clipUrl && isHls(clipUrl)) formats.push(...(await hlsFormats(ctx, clipUrl, { platform: NAME, headers: { ...MEDIA_HEADERS } })));
  else if (clipUrl) formats.push(mp4('mp4', clipUrl));
  if (videoUrl && videoUrl !== clipUrl && !isHls(videoUrl)) formats.push(mp4(formats.some((f) => f.id === 'mp4') ? 'mp4-video' : 'mp4', videoUrl));
  return formats;
}

/** A clip: title, channel, creator, duration and its files. */
async function clip(ctx: ExtractContext, clipId: string, channelHint: string | undefined): Promise<MediaInfo> {
  const { clip: data } = await api<ApiClip>(ctx, `v2/clips/${encodeURIComponent(clipId)}`, 'clip');
  const slug = data?.channel?.slug ?? channelHint;
  const url = slug ? `${SITE}/${slug}/clips/${clipId}` : `${SITE}/clips/${clipId}`;
  if (!data) throw new DownloadError('fetch.failed', "Kick's clip API answered without a clip.", { platform: NAME, url }, { retriable: false });
  const formats = await clipFormats(ctx, absoluteUrl(data.clip_url), absoluteUrl(data.video_url));
  if (formats.length === 0) throw new DownloadError('content.not_found', 'This Kick clip has no playable file.', { platform: NAME, url });
  return compact<MediaInfo>({
    platform: NAME,
    id: clipId,
    url,
    title: str(data.title) ?? clipId,
    uploader: str(data.channel?.username),
    uploaderId: slug,
    durationSec: num(data.duration),
    thumbnail: absoluteUrl(data.thumbnail_url),
    timestamp: parseTime(data.created_at),
    viewCount: num(data.views ?? data.view_count),
    likeCount: num(data.likes ?? data.likes_count),
    tags: categoryNames([data.category]),
    ageLimit: data.is_mature ? 18 : undefined,
    formats,
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  const channel = match.extra?.channel;
  switch (match.kind) {
    case 'vod':
      return vod(ctx, id, channel);
    case 'clip':
      return clip(ctx, id, channel);
    default:
      return liveStream(ctx, id);
  }
}

/** Kick live streams, VODs and clips. */
export const kick: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const host = hostName(url);
    const segments = pathSegments(url);
    const [first, second] = segments;
    if (!first) return null;
    if (host === 'player.kick.com') return segments.length === 1 ? fromChannel(url, first, []) : null;
    if (host !== 'kick.com' && host !== 'www.kick.com') return null;
    if (first === 'video') return segments.length === 2 && UUID_RE.test(second!) ? matched(NAME, url, second!, 'vod') : null;
    return fromChannel(url, first, segments.slice(1));
  },

  extract,
};
