/**
 * Twitch URLs on twitch.tv and its www./m./go. hosts: clips (clips.twitch.tv/{slug},
 * clips.twitch.tv/embed?clip={slug}, twitch.tv/[{channel}/]clip/{slug}), VODs (twitch.tv/videos/{id},
 * twitch.tv/{channel}/v/{id} and /video/{id}, twitch.tv/{channel}/schedule?vodID={id}), the
 * embedded player (player.twitch.tv/?video=v{id} | ?clip={slug} | ?channel={login}), collections
 * (twitch.tv/collections/{id}) and live channels (twitch.tv/{login}). Site paths (directory,
 * settings, search, …) and other subdomains (dev., help., dashboard.) are not media.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'twitch';
const HOSTS = ['twitch.tv'] as const;
/** Hosts that serve the channel, clip and VOD pages. */
const SITE_HOSTS = new Set(['twitch.tv', 'www.twitch.tv', 'm.twitch.tv', 'go.twitch.tv']);

const CLIP_SLUG = /^[A-Za-z0-9_-]{1,100}$/;
const VOD_ID = /^\d+$/;
/** Player URLs write the VOD id with a `v` prefix; the id itself is the digits. */
const PLAYER_VOD_ID = /^v?(\d+)$/;
const LOGIN = /^[A-Za-z0-9_]{2,25}$/;
const COLLECTION_ID = /^[A-Za-z0-9_-]{6,}$/;
/** First path segments of twitch.tv that are site pages, never a channel login. */
const RESERVED = new Set([
  'directory', 'settings', 'p', 'downloads', 'jobs', 'search', 'videos', 'clip', 'collections', 'subscriptions',
  'inventory', 'wallet', 'drops', 'friends', 'messages', 'login', 'signup', 'logout', 'turbo', 'prime', 'store',
  'products', 'bits', 'broadcast', 'following', 'moderator', 'popout', 'embed', 'team', 'u', 'user', 'legal',
  'privacy', 'terms', 'creatorcamp', 'security', 'partner', 'blog', 'help', 'dashboard', 'activate', 'redeem',
  'manager', 'payments', 'recaps', 'event', 'annualrecap', 'safety', 'chat', 'privacy-policy',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://clips.twitch.tv/FaintLightGullWholeWheat', id: 'FaintLightGullWholeWheat', kind: 'clip' },
  { url: 'https://clips.twitch.tv/rflegendary/UninterestedBeeDAESuppy', id: 'UninterestedBeeDAESuppy', kind: 'clip' },
  { url: 'https://clips.twitch.tv/embed?clip=InquisitiveBreakableYogurtJebaited&parent=example.com', id: 'InquisitiveBreakableYogurtJebaited', kind: 'clip' },
  { url: 'https://www.twitch.tv/xqc/clip/CulturedAmazingKuduDatSheffy-TiZ_-ixAGYR3y2Uy', id: 'CulturedAmazingKuduDatSheffy-TiZ_-ixAGYR3y2Uy', kind: 'clip' },
  { url: 'https://m.twitch.tv/rossbroadcast/clip/ConfidentBraveHumanChefFrank?filter=clips', id: 'ConfidentBraveHumanChefFrank', kind: 'clip' },
  { url: 'https://m.twitch.tv/clip/FaintLightGullWholeWheat', id: 'FaintLightGullWholeWheat', kind: 'clip' },
  { url: 'https://www.twitch.tv/videos/635475444', id: '635475444', kind: 'vod' },
  { url: 'https://m.twitch.tv/videos/1536751224?t=1h2m3s', id: '1536751224', kind: 'vod' },
  { url: 'http://www.twitch.tv/riotgames/v/6528877?t=5m10s', id: '6528877', kind: 'vod' },
  { url: 'https://www.twitch.tv/northernlion/video/291940395', id: '291940395', kind: 'vod' },
  { url: 'https://www.twitch.tv/tangotek/schedule?vodID=1822395420', id: '1822395420', kind: 'vod' },
  { url: 'http://player.twitch.tv/?t=5m10s&video=v6528877', id: '6528877', kind: 'vod' },
  { url: 'https://player.twitch.tv/?video=480452374&parent=example.com', id: '480452374', kind: 'vod' },
  { url: 'https://player.twitch.tv/?clip=FaintLightGullWholeWheat', id: 'FaintLightGullWholeWheat', kind: 'clip' },
  { url: 'https://player.twitch.tv/?channel=lotsofs', id: 'lotsofs', kind: 'live' },
  { url: 'https://www.twitch.tv/collections/o9zZer3IQBhTJw', id: 'o9zZer3IQBhTJw', kind: 'playlist' },
  { url: 'https://www.twitch.tv/shroomztv', id: 'shroomztv', kind: 'live' },
  { url: 'https://go.twitch.tv/food/', id: 'food', kind: 'live' },
  { url: 'https://TWITCH.TV/Monstercat', id: 'Monstercat', kind: 'live' },
  { url: 'https://www.twitch.tv/directory/category/just-chatting', id: false },
  { url: 'https://www.twitch.tv/settings/profile', id: false },
  { url: 'https://www.twitch.tv/videos', id: false },
  { url: 'https://www.twitch.tv/', id: false },
  { url: 'https://www.twitch.tv/spamfish/videos?filter=all', id: false },
  { url: 'https://dev.twitch.tv/docs', id: false },
  { url: 'https://my-twitch.tv/videos/123456789', id: false },
  { url: 'https://twitch.tv.evil.net/videos/123456789', id: false },
];

function clip(url: URL, slug: string | null | undefined): Match | null {
  return slug && CLIP_SLUG.test(slug) ? matched(NAME, url, slug, 'clip') : null;
}

function vod(url: URL, id: string | null | undefined): Match | null {
  return id && VOD_ID.test(id) ? matched(NAME, url, id, 'vod') : null;
}

function live(url: URL, login: string | null | undefined): Match | null {
  return login && LOGIN.test(login) && !RESERVED.has(login.toLowerCase()) ? matched(NAME, url, login, 'live') : null;
}

/** player.twitch.tv/?video=v{id} | ?clip={slug} | ?channel={login}. */
function player(url: URL): Match | null {
  const q = url.searchParams;
  const videoId = PLAYER_VOD_ID.exec(q.get('video') ?? '')?.[1];
  if (videoId) return vod(url, videoId);
  if (q.has('clip')) return clip(url, q.get('clip'));
  return live(url, q.get('channel'));
}

/** clips.twitch.tv/{slug}, clips.twitch.tv/{channel}/{slug}, clips.twitch.tv/embed?clip={slug}. */
function clipsHost(url: URL, segments: string[]): Match | null {
  if (segments[0] === 'embed') return segments.length === 1 ? clip(url, url.searchParams.get('clip')) : null;
  return segments.length === 1 || segments.length === 2 ? clip(url, segments[segments.length - 1]) : null;
}

/** Pages on twitch.tv itself. */
function site(url: URL, [first, second, third, ...rest]: string[]): Match | null {
  if (!first) return null;
  if (first === 'videos') return third === undefined ? vod(url, second) : null;
  if (first === 'clip') return third === undefined ? clip(url, second) : null;
  if (first === 'collections') return second && COLLECTION_ID.test(second) ? matched(NAME, url, second, 'playlist') : null;
  if (RESERVED.has(first.toLowerCase()) || !LOGIN.test(first)) return null;
  if (second === undefined) return live(url, first);
  if (rest.length > 0) return null;
  switch (second) {
    case 'clip':
      return clip(url, third);
    case 'v':
    case 'video':
      return vod(url, third);
    case 'schedule':
      return vod(url, url.searchParams.get('vodID'));
    default:
      return null;
  }
}

/** Twitch clips, VODs, collections and live channels. */
export const twitch: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const segments = pathSegments(url);
    if (host === 'player.twitch.tv') return segments.length === 0 ? player(url) : null;
    if (host === 'clips.twitch.tv') return clipsHost(url, segments);
    return SITE_HOSTS.has(host) ? site(url, segments) : null;
  },
};
