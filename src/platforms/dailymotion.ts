/**
 * Dailymotion URLs: dailymotion.com/video/{id}[_{slug}] on www./touch./m./geo. hosts, the
 * embed, swf and crawler variants (/embed/video/{id}, /swf/video/{id}, /crawler/video/{id}),
 * the dai.ly/{id} short link (the id is in the URL), the player
 * (geo.dailymotion.com/player[/{playerId}].html?video={id} or ?playlist={id}) and playlists
 * (/playlist/{id}[_{slug}]).
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

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

/** Dailymotion videos and playlists. */
export const dailymotion: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
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
};
