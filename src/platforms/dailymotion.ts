/**
 * Dailymotion URLs: dailymotion.com/video/{id}[_{slug}] on www./touch./m./geo. hosts, the
 * embed, swf and crawler variants (/embed/video/{id}, /swf/video/{id}, /crawler/video/{id}),
 * the dai.ly/{id} short link (the id is in the URL), the player
 * (geo.dailymotion.com/player[/{playerId}].html?video={id} or ?playlist={id}) and playlists
 * (/playlist/{id}[_{slug}]).
 *
 * Extraction reads the player's metadata JSON,
 * https://www.dailymotion.com/player/metadata/video/{id}?app=com.dailymotion.neon: title,
 * duration, created_time, owner, posters, tags and `qualities` — `auto` holds the HLS master
 * (cdndirector.dailymotion.com, signed with ?sec=…), expanded into its variants; a direct mp4
 * quality, when one is listed, becomes a format of its own. Refusals arrive as `error`
 * {code, title, status_code}: DM007 geo-blocked, DM003/DM010 private, password_protected,
 * DM001/DM002/DM004/DM005 removed. No login or token is needed for public videos; the CDN
 * wants the site as Referer/Origin and the cookies the metadata answer sets.
 * Playlists are left to the yt-dlp backend.
 */
import { hostIn, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, noNativeExtractor } from '../utils/errors.js';
import { readText } from '../utils/http.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, compact, notFound, num, str, tryParseJson } from './page.js';
import { uniqueFormatIds } from './unique-formats.js';
import { cookieHeader, setCookies } from './cookie-headers.js';
const NAME = 'dailymotion';
const HOSTS = ['dailymotion.com', 'dai.ly'] as const;

/** Public ids start with x (x8abc12); private ones with k (k7MtHciueyTcrFtFKA2). */
const VIDEO_ID = /^(?:x[0-9a-z]{2,15}|k[0-9A-Za-z]{12,30})$/;
const PLAYLIST_ID = /^x[0-9a-z]{2,15}$/;
/** /player.html or /player/{playerId}.html. */
const PLAYER_PAGE = /^\/player(?:\/[0-9a-z]+)?\.html$/i;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.dailymotion.com/video/x8u4owg', id: 'x8u4owg', kind: 'video' },
  { url: 'http://www.dailymotion.com/video/x5kesuj_office-christmas-party-review-jason-bateman-olivia-munn-t-j-miller_news', id: 'x5kesuj', kind: 'video' },
  { url: 'https://dailymotion.com/video/x3z49k?playlist=xv4bw', id: 'x3z49k', kind: 'video' },
  { url: 'https://touch.dailymotion.com/video/x2iuewm', id: 'x2iuewm', kind: 'video' },
  { url: 'https://m.dailymotion.com/video/xhza0o/', id: 'xhza0o', kind: 'video' },
  { url: 'https://www.dailymotion.com/embed/video/x8u4owg?autoplay=1', id: 'x8u4owg', kind: 'video' },
  { url: 'http://www.dailymotion.com/swf/video/x3n92nf', id: 'x3n92nf', kind: 'video' },
  { url: 'https://www.dailymotion.com/crawler/video/x8u4owg', id: 'x8u4owg', kind: 'video' },
  { url: 'https://dai.ly/x94cnnk', id: 'x94cnnk', kind: 'video' },
  { url: 'https://geo.dailymotion.com/player.html?video=x89eyek&mute=true', id: 'x89eyek', kind: 'video' },
  { url: 'https://geo.dailymotion.com/player/x86gw.html?video=k46oCapRs4iikoz9DWy', id: 'k46oCapRs4iikoz9DWy', kind: 'video' },
  { url: 'https://geo.dailymotion.com/player/xf7zn.html?playlist=x7wdsj', id: 'x7wdsj', kind: 'playlist' },
  { url: 'http://www.dailymotion.com/playlist/xv4bw_nqtv_sport/1#video=xl8v3q', id: 'xv4bw', kind: 'playlist' },
  { url: 'https://WWW.DAILYMOTION.COM/video/x7tgad0', id: 'x7tgad0', kind: 'video' },
  { url: 'https://www.dailymotion.com/', id: false },
  { url: 'https://www.dailymotion.com/user/nqtv', id: false },
  { url: 'https://www.dailymotion.com/search/king%20of%20turtles/videos', id: false },
  { url: 'https://dailymotion.com.evil.net/video/x8u4owg', id: false },
  { url: 'https://notdai.ly/x94cnnk', id: false },
  { url: 'https://www.dailymotion.com/video/notanid', id: false },
];

/** The id before the `_title-slug` Dailymotion appends to video and playlist paths. */
function leadingId(segment: string | undefined): string {
  return (segment ?? '').split('_')[0] ?? '';
}

function video(url: URL, id: string): Match | null {
  return VIDEO_ID.test(id) ? matched(NAME, url, id, 'video') : null;
}

function playlist(url: URL, id: string): Match | null {
  return PLAYLIST_ID.test(id) ? matched(NAME, url, id, 'playlist') : null;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const METADATA = 'https://www.dailymotion.com/player/metadata/video';
const SITE = 'https://www.dailymotion.com';
const MAX_METADATA_BYTES = 4 * 1024 * 1024;
const HLS_TYPE = 'application/x-mpegURL';
/** Error codes of the metadata answer and what they mean for us. */
const REMOVED = new Set(['DM001', 'DM002', 'DM004', 'DM005']);
const PRIVATE = new Set(['DM003', 'DM010']);
const GEO = 'DM007';

/** One source of a quality: an HLS master or a direct file. */
interface QualitySource {
  type?: string;
  url?: string;
}

/** The `error` of a refused video, in either of the two shapes Dailymotion uses. */
interface MetadataError {
  code?: string | number;
  status_code?: number;
  title?: string;
  message?: string;
  raw_message?: string;
  type?: string;
  error_data?: { reason?: string };
}

/** The player metadata (fields we use). */
interface Metadata {
  id?: string;
  title?: string;
  duration?: number;
  created_time?: number;
  explicit?: boolean;
  protected_delivery?: boolean;
  stream_type?: string;
  tags?: string[];
  owner?: { id?: string; screenname?: string; username?: string; url?: string };
  posters?: Record<string, string> | null;
  thumbnails?: Record<string, string> | null;
  qualities?: Record<string, QualitySource[]>;
  error?: MetadataError;
}

/** The stable error a metadata `error` object means. */
function metadataError(error: MetadataError, url: string): DownloadError {
  const code = String(error.code ?? '');
  const title = str(error.title) ?? str(error.raw_message) ?? str(error.message);
  const context = { platform: NAME, url, reason: code || error.type };
  if (code === GEO) return new DownloadError('content.geo_blocked', title ?? 'This Dailymotion video is not available in this server\'s country.', context);
  if (error.type === 'password_protected' || error.error_data?.reason === 'video_password_protected') {
    return new DownloadError('content.private', 'This Dailymotion video is password-protected.', context);
  }
  if (PRIVATE.has(code)) return new DownloadError('content.private', title ?? 'This Dailymotion video is private.', context);
  if (REMOVED.has(code) || error.status_code === 404 || error.status_code === 410) return notFound(NAME, url, title ?? undefined);
  if (error.status_code === 403) return new DownloadError('content.private', title ?? 'Dailymotion refuses to play this video.', context);
  return new DownloadError('fetch.failed', `Dailymotion refused the video${title ? `: ${title}` : ''}.`, context, { retriable: false });
}

/** The metadata answer, and the cookies it set for the CDN. */
async function fetchMetadata(id: string, url: string, ctx: ExtractContext): Promise<{ metadata: Metadata; cookie: string | undefined }> {
  const res = await ctx.http.request(`${METADATA}/${id}`, requestOptions(ctx, NAME, {
    query: { app: 'com.dailymotion.neon' },
    // ff=off turns the family filter off, as the site does for a visitor who chose so
    headers: { accept: 'application/json', referer: `${SITE}/`, origin: SITE, cookie: 'ff=off' },
    throwOnStatus: false,
  }));
  const text = await readText(res, MAX_METADATA_BYTES);
  // refusals come as JSON; anything else is judged by its status below
  const metadata = tryParseJson<Metadata>(text);
  if (metadata?.error) throw metadataError(metadata.error, url);
  if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url });
  if (!metadata) throw new DownloadError('fetch.failed', 'Dailymotion answered with something that is not JSON.', { platform: NAME, url }, { retriable: false });
  // the CDN requests that follow carry the cookies this answer sets
  return { metadata, cookie: cookieHeader(setCookies(res.headers)) };
}

/** Width, height and frame rate a direct file names in its path (/H264-1280x720-60/). */
function fileFormat(quality: string, src: string, headers: Record<string, string>): Format {
  const m = /\/H264-(\d+)x(\d+)(?:-(60))?\//.exec(src);
  return compact<Format>({
    id: `http-${quality}`,
    url: src,
    protocol: 'https',
    container: 'mp4',
    width: num(m?.[1]),
    height: num(m?.[2]) ?? num(quality),
    fps: num(m?.[3]),
    headers,
  });
}

async function qualityFormats(metadata: Metadata, cookie: string | undefined, ctx: ExtractContext): Promise<Format[]> {
  const headers: Record<string, string> = { referer: `${SITE}/`, origin: SITE, ...(cookie ? { cookie } : {}) };
  const formats: Format[] = [];
  const manifests = new Set<string>();
  for (const [quality, sources] of Object.entries(metadata.qualities ?? {})) {
    for (const source of sources) {
      // the fragment (#cell=…) is a player hint, not part of the resource
      const src = absoluteUrl(source.url?.split('#')[0]);
      if (!src || source.type === 'application/vnd.lumberjack.manifest') continue;
      if (source.type === HLS_TYPE) manifests.add(src);
      else formats.push(fileFormat(quality, src, headers));
    }
  }
  for (const manifest of manifests) formats.push(...(await hlsFormats(ctx, manifest, { platform: NAME, headers })));
  // variant URIs carry the same #cell=… hint, and the master may list one height twice (two
  // CDNs, two frame rates)
  return uniqueFormatIds(formats.map((f) => (f.url.includes('#') ? { ...f, url: f.url.split('#')[0]! } : f)));
}

/** The largest poster (keys are heights), else the largest thumbnail. */
function poster(metadata: Metadata): string | undefined {
  for (const images of [metadata.posters, metadata.thumbnails]) {
    const sizes = Object.keys(images ?? {}).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(b) - Number(a));
    const best = sizes[0] ? absoluteUrl(images![sizes[0]]) : undefined;
    if (best) return best;
  }
  return undefined;
}

async function extractVideo(id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = `${SITE}/video/${id}`;
  const { metadata, cookie } = await fetchMetadata(id, url, ctx);
  if (metadata.protected_delivery) {
    throw new DownloadError('link.unsupported', 'This Dailymotion video is DRM-protected and cannot be downloaded.', { platform: NAME, url });
  }
  const live = metadata.stream_type === 'live';
  // a running stream is refused by format selection anyway: no manifest is fetched for it
  const formats = live ? [] : await qualityFormats(metadata, cookie, ctx);
  if (!live && formats.length === 0) throw notFound(NAME, url, 'Dailymotion offers no playable stream for this video.');
  const tags = (metadata.tags ?? []).filter((t) => typeof t === 'string' && t.trim());
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(metadata.title) ?? id,
    uploader: str(metadata.owner?.screenname),
    uploaderId: str(metadata.owner?.username) ?? str(metadata.owner?.id),
    durationSec: num(metadata.duration) || undefined,
    timestamp: num(metadata.created_time),
    thumbnail: poster(metadata),
    tags: tags.length ? tags : undefined,
    ageLimit: metadata.explicit ? 18 : undefined,
    live: live || undefined,
    formats,
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'video') return extractVideo(match.id!, ctx);
  // playlists: not final, so the yt-dlp backend (when installed) gets its turn
  throw noNativeExtractor(NAME, match.url.href, 'Dailymotion playlists');
}

/** Dailymotion videos and playlists. */
export const dailymotion: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    if (hostIn(url.hostname, ['dai.ly'])) return segments.length === 1 ? video(url, leadingId(segments[0])) : null;

    if (PLAYER_PAGE.test(url.pathname)) {
      const videoId = url.searchParams.get('video');
      if (videoId) return video(url, videoId);
      const playlistId = url.searchParams.get('playlist');
      return playlistId ? playlist(url, playlistId) : null;
    }

    const [first, second, third] = segments;
    if (first === 'video') return video(url, leadingId(second));
    if (first === 'playlist') return playlist(url, leadingId(second));
    if ((first === 'embed' || first === 'swf' || first === 'crawler') && second === 'video') return video(url, leadingId(third));
    return null;
  },

  extract,
};
