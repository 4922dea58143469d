/**
 * Rutube (rutube.ru). Knows:
 * - videos: /video/{32 hex}/, private ones /video/private/{hex}/?p={key} (the key goes to extra);
 * - the player: /play/embed/{hex or digits}, /embed/{hex}, /video/embed/{digits};
 * - shorts /shorts/{hex} and Yappy shorts /yappy/{hex};
 * - live streams: /live/video/{hex}/ and /live/video/private/{hex}/;
 * - playlists /plst/{digits}, TV series /metainfo/tv/{digits};
 * - channels: /channel/{digits}/ (with a videos/shorts/playlists tab), /u/{slug}/, /video/person/{digits}/.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'rutube';
const HOSTS = ['rutube.ru'] as const;

const HEX_ID_RE = /^[\da-f]{32}$/;
const NUMERIC_RE = /^\d+$/;
const SLUG_RE = /^\w+$/;
const CHANNEL_TABS = new Set(['videos', 'shorts', 'playlists']);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://rutube.ru/video/3eac3b4561676c17df9132a9a1e62e3e/', id: '3eac3b4561676c17df9132a9a1e62e3e', kind: 'video' },
  { url: 'https://rutube.ru/video/3eac3b4561676c17df9132a9a1e62e3e/?pl_id=4252', id: '3eac3b4561676c17df9132a9a1e62e3e', kind: 'video' },
  { url: 'https://RUTUBE.RU/video/10b3a03fc01d5bbcc632a2f3514e8aab', id: '10b3a03fc01d5bbcc632a2f3514e8aab', kind: 'video' },
  { url: 'https://rutube.ru/video/private/884fb55f07a97ab673c7d654553e0f48/?p=x2QojCumHTS3rsKHWXN8Lg', id: '884fb55f07a97ab673c7d654553e0f48', kind: 'video' },
  { url: 'https://rutube.ru/play/embed/a10e53b86e8f349080f718582ce4c661', id: 'a10e53b86e8f349080f718582ce4c661', kind: 'video' },
  { url: 'https://rutube.ru/embed/a10e53b86e8f349080f718582ce4c661', id: 'a10e53b86e8f349080f718582ce4c661', kind: 'video' },
  { url: 'https://rutube.ru/play/embed/10631925?p=IbAigKqWd1do4mjaM5XLIQ', id: '10631925', kind: 'video' },
  { url: 'https://rutube.ru/video/embed/6722881?vk_puid37=&vk_puid38=', id: '6722881', kind: 'video' },
  { url: 'https://rutube.ru/shorts/935c1afafd0e7d52836d671967d53dac/', id: '935c1afafd0e7d52836d671967d53dac', kind: 'short' },
  { url: 'https://rutube.ru/yappy/c8c32bf7aee04412837656ea26c2b25b/', id: 'c8c32bf7aee04412837656ea26c2b25b', kind: 'short' },
  { url: 'https://rutube.ru/live/video/c58f502c7bb34a8fcdd976b221fca292/', id: 'c58f502c7bb34a8fcdd976b221fca292', kind: 'live' },
  { url: 'https://rutube.ru/live/video/private/c58f502c7bb34a8fcdd976b221fca292/', id: 'c58f502c7bb34a8fcdd976b221fca292', kind: 'live' },
  { url: 'https://rutube.ru/plst/308547/', id: '308547', kind: 'playlist' },
  { url: 'https://rutube.ru/metainfo/tv/5287/', id: '5287', kind: 'playlist' },
  { url: 'https://rutube.ru/channel/25902603/shorts/', id: '25902603', kind: 'channel' },
  { url: 'https://rutube.ru/u/rutube/videos/', id: 'rutube', kind: 'channel' },
  { url: 'https://rutube.ru/video/person/313878/', id: '313878', kind: 'channel' },
  { url: 'https://rutube.ru/', id: false },
  { url: 'https://rutube.ru/feeds/top/', id: false },
  { url: 'https://rutube.ru/video/not-a-video-id/', id: false },
  { url: 'https://rutube.ru.evil.net/video/3eac3b4561676c17df9132a9a1e62e3e/', id: false },
  { url: 'https://notrutube.ru/video/3eac3b4561676c17df9132a9a1e62e3e/', id: false },
];

/** A video id in the form its path allows; `p` (the private key) goes to extra when present. */
function video(url: URL, id: string | undefined, kind: string, numericToo = false): Match | null {
  if (!id || !(HEX_ID_RE.test(id) || (numericToo && NUMERIC_RE.test(id)))) return null;
  const key = url.searchParams.get('p');
  return matched(NAME, url, id, kind, key ? { key } : undefined);
}

/** A channel by number or slug, bare or on one of its tabs. */
function channel(url: URL, id: string | undefined, rest: string[], idRe: RegExp): Match | null {
  if (!id || !idRe.test(id) || rest.length > 1 || (rest[0] && !CHANNEL_TABS.has(rest[0]))) return null;
  return matched(NAME, url, id, 'channel', rest[0] ? { tab: rest[0] } : undefined);
}

/** Rutube videos, shorts, live streams, playlists and channels. */
export const rutube: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    const [a, b, c, d] = segments;
    switch (a) {
      case 'video':
        if (b === 'private') return video(url, c, 'video');
        if (b === 'embed') return video(url, c, 'video', true);
        if (b === 'person') return c && NUMERIC_RE.test(c) ? matched(NAME, url, c, 'channel') : null;
        return video(url, b, 'video');
      case 'play':
        return b === 'embed' ? video(url, c, 'video', true) : null;
      case 'embed':
        return video(url, b, 'video');
      case 'shorts':
        return video(url, b, 'short');
      case 'yappy':
        return b && HEX_ID_RE.test(b) ? matched(NAME, url, b, 'short', { app: 'yappy' }) : null;
      case 'live':
        if (b !== 'video') return null;
        return c === 'private' ? video(url, d, 'live') : video(url, c, 'live');
      case 'plst':
        return b && NUMERIC_RE.test(b) ? matched(NAME, url, b, 'playlist') : null;
      case 'metainfo':
        return b === 'tv' && c && NUMERIC_RE.test(c) ? matched(NAME, url, c, 'playlist', { type: 'tv' }) : null;
      case 'channel':
        return channel(url, b, segments.slice(2), NUMERIC_RE);
      case 'u':
        return channel(url, b, segments.slice(2), SLUG_RE);
      default:
        return null;
    }
  },
};
