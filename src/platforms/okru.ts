/**
 * OK.ru / Odnoklassniki (ok.ru, odnoklassniki.ru, with www./m./mobile. subdomains). Knows:
 * - videos: /video/{id}, a group's or profile's /{owner…}/video/{id}, the player /videoembed/{id}
 *   and /web-api/video/moviePlayer/{id}; ids are digits, some with a `-0` part suffix;
 * - live streams: /live/{id};
 * - the mobile layer /dk?st.cmd=movieLayer&st.mvId={id} and the metadata call
 *   /dk?cmd=videoPlayerMetadata&mid={id};
 * - video channels: /video/c{digits} (the id keeps its `c`).
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

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
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    if (segments.length === 1 && segments[0] === 'dk') return fromDk(url);
    return fromPath(url, segments);
  },
};
