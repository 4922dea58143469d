/**
 * Twitter / X URLs, offline. Knows `/{user}/status/{id}` (with `/video/{n}`, `/photo/{n}` or
 * anything else after it), `/i/status/{id}`, `/i/web/status/{id}`, `/statuses/{id}`,
 * `/i/bookmarks?post_id={id}`, the old player pages `/i/videos/tweet/{id}`, `/i/videos/{id}`
 * and `/i/cards/tfw/v1/{id}`, broadcasts `/i/broadcasts/{id}` and Spaces `/i/spaces/{id}`, on
 * twitter.com, x.com (www., mobile.) and the embed-fixer mirrors fxtwitter.com, vxtwitter.com,
 * fixupx.com, fixvx.com and twittpr.com. t.co is not claimed: its links lead anywhere.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'twitter';
const HOSTS = ['twitter.com', 'x.com', 'fxtwitter.com', 'vxtwitter.com', 'fixupx.com', 'fixvx.com', 'twittpr.com'] as const;

const TWEET_ID = /^\d{1,20}$/;
const USERNAME = /^[A-Za-z0-9_]{1,50}$/;
/** Broadcast and Space ids are short base62 strings such as 1yNGaQLWpejGj. */
const LIVE_ID = /^[A-Za-z0-9]{8,20}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://twitter.com/freethenipple/status/643211948184596480', id: '643211948184596480', kind: 'post' },
  { url: 'https://x.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://mobile.twitter.com/BrooklynNets/status/1349794411333394432?s=20&t=abc', id: '1349794411333394432', kind: 'post' },
  { url: 'https://WWW.X.COM/TopHeroes_/status/2001950365332455490/', id: '2001950365332455490', kind: 'post' },
  { url: 'https://twitter.com/CTVJLaidlaw/status/1600649710662213632/video/2', id: '1600649710662213632', kind: 'post' },
  { url: 'https://twitter.com/giphz/status/657991469417025536/photo/1', id: '657991469417025536', kind: 'post' },
  { url: 'https://twitter.com/i/web/status/910031516746514432', id: '910031516746514432', kind: 'post' },
  { url: 'https://x.com/i/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://twitter.com/statuses/643211948184596480', id: '643211948184596480', kind: 'post' },
  { url: 'https://x.com/i/bookmarks?post_id=1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://twitter.com/i/videos/tweet/705235433198714880', id: '705235433198714880', kind: 'post' },
  { url: 'https://twitter.com/i/cards/tfw/v1/560070183650213889', id: '560070183650213889', kind: 'post' },
  { url: 'https://fxtwitter.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://d.vxtwitter.com/historyinmemes/status/1790637656616943991.mp4', id: '1790637656616943991', kind: 'post' },
  { url: 'https://vxtwitter.com/BTNBrentYarina/status/705235433198714880', id: '705235433198714880', kind: 'post' },
  { url: 'https://fixupx.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://fixvx.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://twittpr.com/starwars/status/665052190608723968', id: '665052190608723968', kind: 'post' },
  { url: 'https://twitter.com/i/broadcasts/1yNGaQLWpejGj', id: '1yNGaQLWpejGj', kind: 'broadcast' },
  { url: 'https://x.com/i/spaces/1OwxWwQOPlNxQ', id: '1OwxWwQOPlNxQ', kind: 'space' },
  { url: 'https://x.com.phish.io/user/status/1234567890123456789', id: false },
  { url: 'https://notx.com/user/status/1234567890123456789', id: false },
  { url: 'https://t.co/dBk4TzXcWq', id: false },
  { url: 'https://x.com/home', id: false },
  { url: 'https://twitter.com/starwars', id: false },
  { url: 'https://twitter.com/starwars/status/latest', id: false },
];

/** A tweet id, with the author and the media index (`/video/2`) kept as extra. */
function tweet(url: URL, id: string | undefined, user?: string, index?: string): Match | null {
  if (!id || !TWEET_ID.test(id)) return null;
  const extra: Record<string, string> = {};
  if (user) extra.user = user;
  if (index && /^\d{1,2}$/.test(index)) extra.index = index;
  return matched(NAME, url, id, 'post', Object.keys(extra).length > 0 ? extra : undefined);
}

/** The `/i/…` pages: web status, bookmarks, old players, broadcasts and Spaces. */
function internalPath(url: URL, segments: string[]): Match | null {
  const [, word, a, b, c] = segments;
  switch (word) {
    case 'status':
      return tweet(url, a);
    case 'web':
      return a === 'status' ? tweet(url, b) : null;
    case 'bookmarks':
      return tweet(url, url.searchParams.get('post_id') ?? undefined);
    case 'videos':
      return a === 'tweet' ? tweet(url, b) : tweet(url, a);
    case 'cards':
      return a === 'tfw' && b === 'v1' ? tweet(url, c) : null;
    case 'broadcasts':
      return a && LIVE_ID.test(a) ? matched(NAME, url, a, 'broadcast') : null;
    case 'spaces':
      return a && LIVE_ID.test(a) ? matched(NAME, url, a, 'space') : null;
    default:
      return null;
  }
}

/** Twitter / X posts, broadcasts and Spaces. */
export const twitter: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first = '', second, third, , fifth] = segments;
    if (first === 'i') return internalPath(url, segments);
    if (first === 'statuses') return tweet(url, second);
    if (!USERNAME.test(first) || (second !== 'status' && second !== 'statuses')) return null;
    // The fixer mirrors also serve `/status/{id}.mp4` and `/status/{id}/en` (a translation).
    return tweet(url, third?.replace(/\.(?:mp4|jpg|png|gif)$/, ''), first, fifth);
  },
};
