/**
 * Newgrounds (newgrounds.com, www. and {user}. subdomains). Knows:
 * - portal movies: /portal/view/{digits} (also /format/flash) and the player data /portal/video/{digits};
 * - audio: /audio/listen/{digits} (kind track);
 * - art: /art/view/{user}/{slug} (id `user/slug`);
 * - collections /collection/{name} (a playlist);
 * - a user's movies or audio: {user}.newgrounds.com/movies, {user}.newgrounds.com/audio (kind channel).
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'newgrounds';
const HOSTS = ['newgrounds.com'] as const;

const NUMERIC_RE = /^\d{1,12}$/;
const SLUG_RE = /^[\w-]+$/;
/** Subdomains of newgrounds.com that are the site itself, not a user page. */
const SITE_SUBDOMAINS = new Set(['www', 'm']);
const USER_SECTIONS = new Set(['movies', 'audio']);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.newgrounds.com/portal/view/1', id: '1', kind: 'video' },
  { url: 'http://www.newgrounds.com/portal/view/689400', id: '689400', kind: 'video' },
  { url: 'https://newgrounds.com/portal/view/938050/', id: '938050', kind: 'video' },
  { url: 'https://www.newgrounds.com/portal/view/297383/format/flash', id: '297383', kind: 'video' },
  { url: 'https://WWW.NEWGROUNDS.COM/portal/view/823109?emulate=flash', id: '823109', kind: 'video' },
  { url: 'https://www.newgrounds.com/portal/video/823109', id: '823109', kind: 'video' },
  { url: 'https://www.newgrounds.com/audio/listen/549479', id: '549479', kind: 'track' },
  { url: 'https://newgrounds.com/audio/listen/500476?updated=1', id: '500476', kind: 'track' },
  { url: 'https://www.newgrounds.com/art/view/tomfulp/ng-anniversary-2023', id: 'tomfulp/ng-anniversary-2023', kind: 'art' },
  { url: 'https://www.newgrounds.com/collection/cats', id: 'cats', kind: 'playlist' },
  { url: 'https://burn7.newgrounds.com/movies', id: 'burn7', kind: 'channel' },
  { url: 'https://brian-beaton.newgrounds.com/audio/', id: 'brian-beaton', kind: 'channel' },
  { url: 'https://www.newgrounds.com/', id: false },
  { url: 'https://www.newgrounds.com/audio/search/title/cats', id: false },
  { url: 'https://burn7.newgrounds.com/', id: false },
  { url: 'https://www.newgrounds.com/portal/view/abc', id: false },
  { url: 'https://newgrounds.com.evil.net/portal/view/1', id: false },
  { url: 'https://oldnewgrounds.com/portal/view/1', id: false },
];

/** A page on www.newgrounds.com: a movie, a track, an art piece or a collection. */
function fromSitePath(url: URL, segments: string[]): Match | null {
  const [a, b, c, d] = segments;
  if (a === 'portal' && (b === 'view' || b === 'video') && c && NUMERIC_RE.test(c)) {
    // /portal/view/{id}/format/flash is the same movie in the legacy player.
    const flash = b === 'view' && d === 'format' && segments[4] === 'flash' && segments.length === 5;
    return segments.length === 3 || flash ? matched(NAME, url, c, 'video') : null;
  }
  if (a === 'audio' && b === 'listen' && c && NUMERIC_RE.test(c) && !d) return matched(NAME, url, c, 'track');
  if (a === 'art' && b === 'view' && c && d && SLUG_RE.test(c) && SLUG_RE.test(d) && segments.length === 4) {
    return matched(NAME, url, `${c}/${d}`, 'art');
  }
  if (a === 'collection' && b && SLUG_RE.test(b) && !c) return matched(NAME, url, b, 'playlist');
  return null;
}

/** Newgrounds movies, audio, art, collections and user pages. */
export const newgrounds: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const labels = url.hostname.replace(/\.$/, '').split('.');
    const segments = pathSegments(url);
    if (labels.length === 2 || (labels.length === 3 && SITE_SUBDOMAINS.has(labels[0]!))) return fromSitePath(url, segments);
    const user = labels.length === 3 ? labels[0]! : '';
    const [section] = segments;
    if (!SLUG_RE.test(user) || segments.length !== 1 || !USER_SECTIONS.has(section!)) return null;
    return matched(NAME, url, user, 'channel', { section: section! });
  },
};
