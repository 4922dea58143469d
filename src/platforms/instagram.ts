/**
 * Instagram URLs, offline. Knows posts `/p/{code}`, reels `/reel/{code}` and `/reels/{code}`,
 * IGTV `/tv/{code}`, the same under a username (`/{user}/p/{code}`, `/{user}/reel/{code}`) and
 * with `/embed/` after them, stories `/stories/{user}/{numeric id}` (a user's whole story tray
 * without an id), highlights `/stories/highlights/{id}` and their `/s/{base64}` share form, on
 * instagram.com, instagr.am and the ddinstagram.com mirror. `/share/…` links carry no code and
 * need resolving.
 *
 * Extraction (see instagram/post.ts and instagram/stories.ts for the endpoints): posts, reels,
 * IGTV and carousels through the web app's GraphQL query, the REST API and the embed page,
 * anonymous where Instagram allows it and with COOKIES_FILE (sessionid) for the rest; stories
 * and highlights with COOKIES_FILE only. The shortcode ↔ media id conversion is exported.
 */
import { isWebUrlOn, matched, pathSegments, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { MediaInfo } from '../media/types.js';
import { extractPost } from './instagram/post.js';
import { extractStories } from './instagram/stories.js';

export { mediaIdToShortcode, shortcodeToMediaId } from './instagram/shortcode.js';

const NAME = 'instagram';
const HOSTS = ['instagram.com', 'instagr.am', 'ddinstagram.com'] as const;

/** Shortcodes are base64url; private posts have longer ones than the usual 11 characters. */
const SHORTCODE = /^[A-Za-z0-9_-]{5,60}$/;
const NUMERIC_ID = /^\d{5,25}$/;
const USERNAME = /^[A-Za-z0-9._]{1,30}$/;
const SHARE_CODE = /^[A-Za-z0-9_-]{4,60}$/;

/** Path words that introduce a shortcode, and the kind each one names. */
const MEDIA_PATHS: Readonly<Record<string, string>> = {
  p: 'post',
  reel: 'reel',
  reels: 'reel',
  tv: 'video',
};

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.instagram.com/p/BQ0eAlwhDrw/', id: 'BQ0eAlwhDrw', kind: 'post' },
  { url: 'https://instagram.com/p/aye83DjauH/?foo=bar#abc', id: 'aye83DjauH', kind: 'post' },
  { url: 'https://www.instagram.com/p/-Cmh1cukG2/?igsh=MXRtZ2V6bXd0c2o1eg==', id: '-Cmh1cukG2', kind: 'post' },
  { url: 'http://instagram.com/p/9o6LshA7zy/embed/', id: '9o6LshA7zy', kind: 'post' },
  { url: 'https://www.instagram.com/reel/Chunk8-jurw/', id: 'Chunk8-jurw', kind: 'reel' },
  { url: 'https://www.instagram.com/reels/Cop84x6u7CP/', id: 'Cop84x6u7CP', kind: 'reel' },
  { url: 'https://www.instagram.com/tv/BkfuX9UB-eK/', id: 'BkfuX9UB-eK', kind: 'video' },
  { url: 'https://www.instagram.com/marvelskies.fc/reel/CWqAgUZgCku/', id: 'CWqAgUZgCku', kind: 'reel' },
  { url: 'https://www.instagram.com/natgeo/p/CfJ3Xv5LqYb/', id: 'CfJ3Xv5LqYb', kind: 'post' },
  { url: 'https://WWW.INSTAGRAM.COM/reel/Chunk8-jurw', id: 'Chunk8-jurw', kind: 'reel' },
  { url: 'https://instagr.am/p/BQ0eAlwhDrw/', id: 'BQ0eAlwhDrw', kind: 'post' },
  { url: 'https://www.ddinstagram.com/reel/Chunk8-jurw/', id: 'Chunk8-jurw', kind: 'reel' },
  { url: 'https://www.instagram.com/stories/fruits_zipper/3570766765028588805/', id: '3570766765028588805', kind: 'story' },
  { url: 'https://www.instagram.com/stories/fruits_zipper/', id: 'fruits_zipper', kind: 'stories' },
  { url: 'https://www.instagram.com/stories/highlights/18090946048123978/', id: '18090946048123978', kind: 'highlight' },
  { url: 'https://www.instagram.com/s/aGlnaGxpZ2h0OjE4MDkwOTQ2MDQ4MTIzOTc4?story_media_id=3570766765028588805_123', id: '18090946048123978', kind: 'highlight' },
  { url: 'https://www.instagram.com/share/reel/BAHtk2AamB/', id: null, kind: 'reel' },
  { url: 'https://www.instagram.com/share/BAq9x1SRbA', id: null, kind: 'post' },
  { url: 'https://instagram.com.evil.net/p/BQ0eAlwhDrw/', id: false },
  { url: 'https://notinstagram.com/p/BQ0eAlwhDrw/', id: false },
  { url: 'https://www.instagram.com/', id: false },
  { url: 'https://www.instagram.com/explore/tags/lolcats/', id: false },
  { url: 'https://www.instagram.com/accounts/login/', id: false },
  { url: 'https://www.instagram.com/porsche/', id: false },
  { url: 'https://www.instagram.com/reels/audio/290315579897542/', id: false },
];

/** `/p|reel|reels|tv/{code}`, the kind taken from the path word. */
function media(url: URL, word: string | undefined, code: string | undefined): Match | null {
  const kind = MEDIA_PATHS[(word ?? '').toLowerCase()];
  // `/reels/audio/{id}` is a sound's page, not a reel.
  return kind && code && code !== 'audio' && SHORTCODE.test(code) ? matched(NAME, url, code, kind) : null;
}

/** `/stories/{user}/{id}`, `/stories/{user}` (the whole tray) and `/stories/highlights/{id}`. */
function stories(url: URL, owner: string | undefined, id: string | undefined): Match | null {
  if (!owner) return null;
  if (owner === 'highlights') return id && NUMERIC_ID.test(id) ? matched(NAME, url, id, 'highlight') : null;
  if (!USERNAME.test(owner)) return null;
  if (id === undefined) return matched(NAME, url, owner, 'stories', { user: owner });
  return NUMERIC_ID.test(id) ? matched(NAME, url, id, 'story', { user: owner }) : null;
}

/** `/s/{base64 of "highlight:{id}"}`, the link the app shares for a highlight. */
function highlightShare(url: URL, token: string | undefined): Match | null {
  if (!token || !/^[A-Za-z0-9+/_-]+=*$/.test(token)) return null;
  const decoded = /^highlight:(\d{5,25})$/.exec(Buffer.from(token, 'base64').toString('latin1'));
  return decoded?.[1] ? matched(NAME, url, decoded[1], 'highlight') : null;
}

/** `/share/{code}`, `/share/p/{code}`, `/share/reel/{code}`: the post is known only after the redirect. */
function share(url: URL, segments: string[]): Match | null {
  const [, word = '', code] = segments;
  if (code === undefined) return SHARE_CODE.test(word) ? matched(NAME, url, null, 'post') : null;
  const kind = MEDIA_PATHS[word.toLowerCase()];
  return kind && SHARE_CODE.test(code) ? matched(NAME, url, null, kind) : null;
}

/** Stories, trays and highlights need a session; everything else is a post. */
function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  return match.kind === 'story' || match.kind === 'stories' || match.kind === 'highlight' ? extractStories(match, ctx) : extractPost(match, ctx);
}

/** Instagram posts, reels, IGTV, stories and highlights. */
export const instagram: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first = '', second, third] = segments;
    switch (first.toLowerCase()) {
      case 'stories':
        return stories(url, second, third);
      case 's':
        return highlightShare(url, second);
      case 'share':
        return share(url, segments);
      default:
        return media(url, first, second) ?? (USERNAME.test(first) ? media(url, second, third) : null);
    }
  },

  extract,
};
