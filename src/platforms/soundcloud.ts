/**
 * SoundCloud URLs: tracks (soundcloud.com/{user}/{track}[/s-{secret}]) and sets
 * (soundcloud.com/{user}/sets/{set}[/s-{secret}]) on the www. and m. hosts, the API
 * (api.soundcloud.com/tracks/{id}, /playlists/{id}, ?secret_token=), the embedded widget
 * (w.soundcloud.com/player/?url={encoded track, set or API URL}) and on.soundcloud.com/{code}
 * share links (resolved). Ids: `user/track` for tracks, `user/sets/set` for sets, the number
 * for API URLs; a private link's secret goes to extra.secret.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'soundcloud';
const HOSTS = ['soundcloud.com'] as const;
const SITE_HOSTS = new Set(['soundcloud.com', 'www.soundcloud.com', 'm.soundcloud.com']);
const API_HOSTS = new Set(['api.soundcloud.com', 'api-v2.soundcloud.com']);
const PLAYER_HOSTS = new Set(['w.soundcloud.com', 'player.soundcloud.com', 'p.soundcloud.com']);

const SLUG = /^[\w-]+$/;
/** Set slugs may hold colons (system playlists such as charts-top:all-music:de). */
const SET_SLUG = /^[\w:-]+$/;
const SECRET = /^s-[A-Za-z0-9]+$/;
const SHORT_CODE = /^[A-Za-z0-9]+$/;
/** API track ids, optionally written as a URN (soundcloud:tracks:123). */
const API_ID = /^(?:soundcloud:(?:tracks|playlists):)?(\d+)$/;
/** First path segments that are site pages, never a user. */
const RESERVED_FIRST = new Set([
  'discover', 'stream', 'search', 'you', 'upload', 'pages', 'settings', 'charts', 'messages', 'notifications',
  'terms-of-use', 'imprint', 'jobs', 'mobile', 'creators', 'premium', 'go', 'artists', 'people', 'logout', 'signin',
  'signup', 'login', 'feed', 'popular', 'tags', 'pro', 'connect', 'apps', 'press', 'community-guidelines',
  'stations', 'trending', 'oembed', 'player', 'explore', 'home', 'for-artists', 'subscriptions', 'getstarted',
]);
/** Second path segments that are a user's listing pages, never a track. */
const RESERVED_SECOND = new Set([
  'tracks', 'albums', 'sets', 'reposts', 'likes', 'spotlight', 'comments', 'followers', 'following',
  'popular-tracks', 'playlists', 'toptracks', 'info',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'http://soundcloud.com/ethmusic/lostin-powers-she-so-heavy', id: 'ethmusic/lostin-powers-she-so-heavy', kind: 'track' },
  { url: 'https://soundcloud.com/the80m/the-following?in=user/sets/x&si=abc123', id: 'the80m/the-following', kind: 'track' },
  { url: 'https://soundcloud.com/jaimemf/youtube-dl-test-video-a-y-baw/s-8Pjrp', id: 'jaimemf/youtube-dl-test-video-a-y-baw', kind: 'track' },
  { url: 'https://m.soundcloud.com/garyvee/sideways-prod-mad-real', id: 'garyvee/sideways-prod-mad-real', kind: 'track' },
  { url: 'https://WWW.SOUNDCLOUD.COM/user615617514/dagames/', id: 'user615617514/dagames', kind: 'track' },
  { url: 'https://soundcloud.com/the-concept-band/sets/the-royal-concept-ep', id: 'the-concept-band/sets/the-royal-concept-ep', kind: 'playlist' },
  { url: 'https://soundcloud.com/the-concept-band/sets/the-royal-concept-ep/s-Nd2cB', id: 'the-concept-band/sets/the-royal-concept-ep', kind: 'playlist' },
  { url: 'https://api.soundcloud.com/tracks/123998367?secret_token=s-8Pjrp', id: '123998367', kind: 'track' },
  { url: 'https://api.soundcloud.com/tracks/soundcloud%3Atracks%3A1083788353', id: '1083788353', kind: 'track' },
  { url: 'https://api.soundcloud.com/playlists/922213810', id: '922213810', kind: 'playlist' },
  { url: 'https://w.soundcloud.com/player/?visual=true&url=https%3A%2F%2Fapi.soundcloud.com%2Fplaylists%2F922213810&show_artwork=true&secret_token=s-ziYey', id: '922213810', kind: 'playlist' },
  { url: 'https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293&auto_play=false', id: '293', kind: 'track' },
  { url: 'https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fskorxh%2Faudio-dealer', id: 'skorxh/audio-dealer', kind: 'track' },
  { url: 'https://on.soundcloud.com/Jzk7pRbDnVUtwPvr9', id: null, kind: 'track' },
  { url: 'https://soundcloud.com/', id: false },
  { url: 'https://soundcloud.com/discover/sets/charts-top:all-music:de', id: false },
  { url: 'https://soundcloud.com/search/sounds?q=lofi', id: false },
  { url: 'https://soundcloud.com/soft-cell-official', id: false },
  { url: 'https://soundcloud.com/soft-cell-official/tracks', id: false },
  { url: 'https://soundcloud.com.evil.net/ethmusic/lostin-powers-she-so-heavy', id: false },
  { url: 'https://notsoundcloud.com/ethmusic/lostin-powers-she-so-heavy', id: false },
  { url: 'https://w.soundcloud.com/player/?url=https%3A%2F%2Fevil.net%2Ftracks%2F293', id: false },
];

function withSecret(secret: string | null | undefined): Record<string, string> | undefined {
  return secret && SECRET.test(secret) ? { secret } : undefined;
}

/** soundcloud.com/{user}/{track}[/s-secret] and /{user}/sets/{set}[/s-secret]. */
function site(url: URL, segments: string[]): Match | null {
  const [user, second, third, fourth] = segments;
  if (!user || !second || !SLUG.test(user) || RESERVED_FIRST.has(user.toLowerCase())) return null;
  if (second === 'sets') {
    if (!third || !SET_SLUG.test(third) || segments.length > 4 || (fourth !== undefined && !SECRET.test(fourth))) return null;
    return matched(NAME, url, `${user}/sets/${third}`, 'playlist', withSecret(fourth));
  }
  if (RESERVED_SECOND.has(second) || !SLUG.test(second) || segments.length > 3) return null;
  if (third !== undefined && !SECRET.test(third)) return null;
  return matched(NAME, url, `${user}/${second}`, 'track', withSecret(third));
}

/** api.soundcloud.com/tracks/{id} and /playlists/{id}, with ?secret_token=. */
function api(url: URL, [resource, rawId, ...rest]: string[]): Match | null {
  const id = API_ID.exec(rawId ?? '')?.[1];
  if (!id || rest.length > 0) return null;
  const secret = withSecret(url.searchParams.get('secret_token'));
  if (resource === 'tracks') return matched(NAME, url, id, 'track', secret);
  if (resource === 'playlists') return matched(NAME, url, id, 'playlist', secret);
  return null;
}

/** w.soundcloud.com/player/?url=…: the widget names the track or set in its `url` parameter. */
function player(url: URL, segments: string[]): Match | null {
  if (segments.length !== 1 || segments[0] !== 'player') return null;
  let inner: URL;
  try {
    inner = new URL(url.searchParams.get('url') ?? '');
  } catch {
    return null;
  }
  if (inner.protocol !== 'http:' && inner.protocol !== 'https:') return null;
  const host = inner.hostname.toLowerCase().replace(/\.$/, '');
  const found = API_HOSTS.has(host) ? api(inner, pathSegments(inner)) : SITE_HOSTS.has(host) ? site(inner, pathSegments(inner)) : null;
  if (!found?.id) return null;
  const extra = found.extra ?? withSecret(url.searchParams.get('secret_token'));
  return matched(NAME, url, found.id, found.kind, extra);
}

/** SoundCloud tracks and sets. */
export const soundcloud: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const segments = pathSegments(url);
    if (host === 'on.soundcloud.com') {
      return segments.length === 1 && SHORT_CODE.test(segments[0] ?? '') ? matched(NAME, url, null, 'track') : null;
    }
    if (SITE_HOSTS.has(host)) return site(url, segments);
    if (API_HOSTS.has(host)) return api(url, segments);
    if (PLAYER_HOSTS.has(host)) return player(url, segments);
    return null;
  },
};
