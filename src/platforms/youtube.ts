/**
 * YouTube: the URL table and matcher, and the extractor, whose parts live in ./youtube/:
 * innertube.ts (youtubei.js on our guarded client), video.ts (/player with client rotation,
 * playability errors, formats) and playlist.ts (playlists, channels, mixes).
 *
 * YouTube URLs, offline. Knows watch pages (www, m., music., youtubekids.com, `watch_popup`,
 * `watch/{id}`, `v=` anywhere in the query), youtu.be/{id}, /shorts/, /live/, /embed/ (also on
 * youtube-nocookie.com), /v/ and /e/, playlists (`/playlist?list=`, `watch?list=` without a
 * video, `/embed/videoseries?list=`), clips (`/clip/{slug}`), channels (`/@handle`,
 * `/channel/UC…`, `/c/name`, `/user/name`, and `/embed/live_stream?channel=`), and the wrapper
 * pages `attribution_link?u=` and `consent.youtube.com/m?continue=`, which match as the URL
 * they carry. A watch URL with both `v` and `list` is the video (the list is kept in extra).
 */
import { hostIs, isWebUrlOn, matched, pathSegments, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { MediaInfo } from '../media/types.js';
import { noNativeExtractor } from '../utils/errors.js';
import { extractVideo } from './youtube/video.js';
import { extractChannel, extractPlaylist } from './youtube/playlist.js';

const NAME = 'youtube';
const HOSTS = ['youtube.com', 'youtu.be', 'youtube-nocookie.com', 'youtubekids.com'] as const;

const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
/** Playlist ids by their known prefixes (uploads, likes, mixes, albums) and the fixed personal lists. */
const PLAYLIST_ID = /^(?:(?:PL|LL|EC|UU|FL|RD|UL|TL|PU|OLAK5uy_)[A-Za-z0-9_-]{10,}|RDMM|WL|LL|LM)$/;
const CLIP_SLUG = /^Ug[A-Za-z0-9_-]{10,}$/;
const CHANNEL_UCID = /^UC[A-Za-z0-9_-]{22}$/;
const HANDLE = /^@[\p{L}\p{N}_.·-]{3,30}$/u;
const LEGACY_NAME = /^[\p{L}\p{N}_.-]{1,100}$/u;

/** Pages whose query names the video (`v`) or the playlist (`list`); '' is the site root. */
const WATCH_PAGES = new Set(['', 'watch', 'watch_popup', 'playlist']);

/** Path prefixes followed by a video id, and the kind each one names. */
const VIDEO_PATHS: Readonly<Record<string, string>> = {
  shorts: 'short',
  live: 'live',
  embed: 'video',
  v: 'video',
  e: 'video',
  watch: 'video',
};

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.youtube.com/watch?v=BaW_jenozKc', id: 'BaW_jenozKc', kind: 'video' },
  { url: 'https://youtu.be/BaW_jenozKc?si=Qx3lGd5kW1bQ2n7P', id: 'BaW_jenozKc', kind: 'video' },
  { url: 'https://youtu.be/yeWKywCrFtk?list=PL2qgrgXsNUG5ig9cat4ohreBjYLAPC0J5', id: 'yeWKywCrFtk', kind: 'video' },
  { url: 'https://www.youtube.com/watch?v=FqZTN594JQw&list=PLMYEtVRpaqY00V9W81Cwmzp6N6vZqfUKD4', id: 'FqZTN594JQw', kind: 'video' },
  { url: 'https://www.youtube.com/watch?list=PLW4dVinRY435CBE_JD3t-0SRXKfnZHS1P&feature=youtu.be&v=M9cJMXmQ_ZU', id: 'M9cJMXmQ_ZU', kind: 'video' },
  { url: 'https://www.youtube.com/playlist?list=PL4lCao7KL_QFodcLWhDpGCYnngnHtQ-Xf', id: 'PL4lCao7KL_QFodcLWhDpGCYnngnHtQ-Xf', kind: 'playlist' },
  { url: 'https://music.youtube.com/playlist?list=OLAK5uy_lPwWxXbZk8S8oFyPZ6m7qVv5HhB2wK1aE', id: 'OLAK5uy_lPwWxXbZk8S8oFyPZ6m7qVv5HhB2wK1aE', kind: 'playlist' },
  { url: 'https://www.youtube.com/embed/videoseries?list=PL4lCao7KL_QFodcLWhDpGCYnngnHtQ-Xf', id: 'PL4lCao7KL_QFodcLWhDpGCYnngnHtQ-Xf', kind: 'playlist' },
  { url: 'https://www.youtube.com/shorts/BGQWPY4IigY', id: 'BGQWPY4IigY', kind: 'short' },
  { url: 'https://www.youtube.com/live/qVv6vCqciTM?feature=share', id: 'qVv6vCqciTM', kind: 'live' },
  { url: 'https://www.youtube.com/embed/CsmdDsKjzN8?start=10&autoplay=1', id: 'CsmdDsKjzN8', kind: 'video' },
  { url: 'https://www.youtube-nocookie.com/embed/CsmdDsKjzN8', id: 'CsmdDsKjzN8', kind: 'video' },
  { url: 'https://m.youtube.com/watch?v=a9LDPn-MO4I&feature=share', id: 'a9LDPn-MO4I', kind: 'video' },
  { url: 'https://music.youtube.com/watch?v=MgNrAu2pzNs', id: 'MgNrAu2pzNs', kind: 'video' },
  { url: 'https://www.youtubekids.com/watch?v=3b8nCWDgZ6Q', id: '3b8nCWDgZ6Q', kind: 'video' },
  { url: 'https://WWW.YOUTUBE.COM/watch?v=yZIXLfi8CZQ', id: 'yZIXLfi8CZQ', kind: 'video' },
  { url: 'https://www.youtube.com/watch?feature=player_embedded&v=V36LpHqtcDY', id: 'V36LpHqtcDY', kind: 'video' },
  { url: 'https://www.youtube.com/watch_popup?v=63RmMXCd_bQ', id: '63RmMXCd_bQ', kind: 'video' },
  { url: 'https://www.youtube.com/v/BaW_jenozKc?version=3', id: 'BaW_jenozKc', kind: 'video' },
  { url: 'https://www.youtube.com/e/BaW_jenozKc', id: 'BaW_jenozKc', kind: 'video' },
  { url: 'https://www.youtube.com/attribution_link?a=JdfC0C9V6ZI&u=%2Fwatch%3Fv%3DEhxJLojIE_o%26feature%3Dshare', id: 'EhxJLojIE_o', kind: 'video' },
  { url: 'https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2Flive%2FqVv6vCqciTM%3Fcbrd%3D1&gl=NL&m=0', id: 'qVv6vCqciTM', kind: 'live' },
  { url: 'https://www.youtube.com/clip/UgytZKpehg-hEMBSn3F4AaABCQ', id: 'UgytZKpehg-hEMBSn3F4AaABCQ', kind: 'clip' },
  { url: 'https://www.youtube.com/@MrBeast/videos', id: '@MrBeast', kind: 'channel' },
  { url: 'https://www.youtube.com/channel/UCTwECeGqMZee77BjdoYtI2Q', id: 'UCTwECeGqMZee77BjdoYtI2Q', kind: 'channel' },
  { url: 'https://www.youtube.com/user/NASAgovVideo/videos', id: 'NASAgovVideo', kind: 'channel' },
  { url: 'https://www.youtube.com/embed/live_stream?channel=UC2_KI6RB__jGdlnK6dvFEZA', id: 'UC2_KI6RB__jGdlnK6dvFEZA', kind: 'channel' },
  { url: 'https://youtube.com.evil.net/watch?v=BaW_jenozKc', id: false },
  { url: 'https://notyoutube.com/watch?v=BaW_jenozKc', id: false },
  { url: 'https://www.youtube.com/', id: false },
  { url: 'https://www.youtube.com/results?search_query=lofi', id: false },
  { url: 'https://www.youtube.com/feed/trending', id: false },
  { url: 'https://www.youtube.com/watch?v=tooShort', id: false },
  { url: 'https://youtu.be/', id: false },
  { url: 'https://www.youtube.com/attribution_link?u=https%3A%2F%2Fevil.net%2Fwatch%3Fv%3DBaW_jenozKc', id: false },
];

/** The video named by `v`, or the playlist named by `list` when there is no video. */
function watchPage(url: URL): Match | null {
  const v = url.searchParams.get('v');
  if (v !== null) return videoMatch(url, v, 'video');
  const list = url.searchParams.get('list');
  return list !== null && PLAYLIST_ID.test(list) ? matched(NAME, url, list, 'playlist') : null;
}

/** A video id, with the playlist it was opened from (if any) kept as extra. */
function videoMatch(url: URL, id: string | undefined, kind: string): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  const list = url.searchParams.get('list');
  return matched(NAME, url, id, kind, list && PLAYLIST_ID.test(list) ? { list } : undefined);
}

/** A page that only carries another YouTube URL; it matches as that URL (never off YouTube). */
function wrapped(inner: string | null): Match | null {
  if (!inner) return null;
  try {
    return youtube.match(new URL(inner, 'https://www.youtube.com'));
  } catch {
    return null;
  }
}

/** A channel page, with the tab (videos, shorts, live…) kept as extra. */
function channel(url: URL, id: string, tab?: string): Match {
  return matched(NAME, url, id, 'channel', tab ? { tab: tab.toLowerCase() } : undefined);
}

/** `/@handle`, `/channel/UC…`, `/c/name` and `/user/name`, each optionally followed by a tab. */
function channelPage(url: URL, segments: string[]): Match | null {
  const [first = '', second = '', third] = segments;
  const lower = first.toLowerCase();
  if (HANDLE.test(first)) return channel(url, first, second);
  if (lower === 'channel' && CHANNEL_UCID.test(second)) return channel(url, second, third);
  if ((lower === 'c' || lower === 'user') && LEGACY_NAME.test(second)) return channel(url, second, third);
  return null;
}

/** youtube.com, youtube-nocookie.com and youtubekids.com paths (youtu.be is handled apart). */
function sitePath(url: URL): Match | null {
  const segments = pathSegments(url);
  const first = (segments[0] ?? '').toLowerCase();
  const second = segments[1];

  if (WATCH_PAGES.has(first) && second === undefined) return watchPage(url);
  if (first === 'embed' && second === 'videoseries') {
    const list = url.searchParams.get('list');
    return list !== null && PLAYLIST_ID.test(list) ? matched(NAME, url, list, 'playlist') : null;
  }
  if (first === 'embed' && second === 'live_stream') {
    const ucid = url.searchParams.get('channel');
    return ucid !== null && CHANNEL_UCID.test(ucid) ? channel(url, ucid, 'live') : null;
  }
  const videoKind = VIDEO_PATHS[first];
  if (videoKind) return videoMatch(url, second, videoKind);
  if (first === 'clip') return second && CLIP_SLUG.test(second) ? matched(NAME, url, second, 'clip') : null;
  if (first === 'attribution_link') return wrapped(url.searchParams.get('u'));
  return channelPage(url, segments);
}

/**
 * Videos, Shorts and lives by id; playlists and mixes as formatless entries; channels as
 * their uploads. Clips are a segment of a video, which we cannot cut: they go to the yt-dlp
 * backend (the error is not final, so the platform manager falls back).
 */
async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  switch (match.kind) {
    case 'playlist':
      return extractPlaylist(id, ctx);
    case 'channel':
      return extractChannel(match, ctx, (videoId) => extractVideo(videoId, ctx));
    case 'clip':
      throw noNativeExtractor(NAME, match.url.href, 'YouTube clips');
    default:
      return extractVideo(id, ctx);
  }
}

/** YouTube videos, shorts, lives, clips, playlists and channels. */
export const youtube: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    if (hostIs(url.hostname, 'youtu.be')) return videoMatch(url, pathSegments(url)[0], 'video');
    if (hostIs(url.hostname, 'consent.youtube.com')) return wrapped(url.searchParams.get('continue'));
    return sitePath(url);
  },

  extract,
};
