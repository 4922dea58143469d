/**
 * Facebook URLs, offline. Knows `/watch/?v={id}`, `/watch/live/?v={id}`, `/video.php?v={id}`,
 * `/{page}/videos/{id}` (also with a slug or a `vb.{n}` segment before the id), `/reel/{id}`,
 * posts (`/story.php` and `/permalink.php?story_fbid=&id=`, `/{page}/posts/{id or pfbid}`,
 * `/groups/{group}/permalink|posts/{id}`), photos (`/photo.php?fbid=`, `/photo/?fbid=`), and
 * the embed player `/plugins/video.php?href=` (matched as the Facebook URL it carries), on any
 * facebook.com subdomain (www, m, web, mbasic, zh-hk…) and fb.com. Share links
 * (`/share/v|r|p/{code}`, `/share/{code}`, fb.watch/{code}) carry no id and need resolving.
 */
import { hostIn, hostIs, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'facebook';
const HOSTS = ['facebook.com', 'fb.com', 'fb.watch'] as const;

const NUMERIC_ID = /^\d{5,25}$/;
/** Posts are addressed by a number or by an opaque `pfbid0…` token. */
const POST_ID = /^(?:\d{5,25}|pfbid0[A-Za-z0-9]{20,})$/;
const SHARE_CODE = /^[A-Za-z0-9_-]{4,40}$/;
/** `/share/{letter}/{code}`: what the letter names. */
const SHARE_KINDS: Readonly<Record<string, string>> = { v: 'video', r: 'reel', p: 'post' };

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.facebook.com/watch/?v=647537299265662', id: '647537299265662', kind: 'video' },
  { url: 'https://web.facebook.com/watch?v=647537299265662&ref=sharing', id: '647537299265662', kind: 'video' },
  { url: 'https://www.facebook.com/watch/live/?v=1823658634322275', id: '1823658634322275', kind: 'live' },
  { url: 'https://www.facebook.com/video.php?v=637842556329505&fref=nf', id: '637842556329505', kind: 'video' },
  { url: 'https://www.facebook.com/radiokicksfm/videos/3676516585958356/', id: '3676516585958356', kind: 'video' },
  { url: 'https://zh-hk.facebook.com/peoplespower/videos/hong-kong-rally/1135894589806027/', id: '1135894589806027', kind: 'video' },
  { url: 'https://www.facebook.com/ChristyClarkForBC/videos/vb.22819070941/10153870694020942/?type=2&theater', id: '10153870694020942', kind: 'video' },
  { url: 'https://WWW.FACEBOOK.COM/reel/1195289147628387', id: '1195289147628387', kind: 'reel' },
  { url: 'https://m.facebook.com/story.php?story_fbid=1035862816472149&id=116132035111903', id: '1035862816472149', kind: 'post' },
  { url: 'https://www.facebook.com/permalink.php?story_fbid=pfbid0fqQuVEQyXRa9Dp4RcaTR14KHU3uULHV1EK7eckNXSH63JMuoALsAvVCJ97zAGitil&id=100068861234290', id: 'pfbid0fqQuVEQyXRa9Dp4RcaTR14KHU3uULHV1EK7eckNXSH63JMuoALsAvVCJ97zAGitil', kind: 'post' },
  { url: 'https://www.facebook.com/attn/posts/pfbid0j1Czf2gGDVqeQ8KiMLFm3pWN8GxsQmeRrVhimWDzMuKQoR8r4b1knNsejELmUgyhl', id: 'pfbid0j1Czf2gGDVqeQ8KiMLFm3pWN8GxsQmeRrVhimWDzMuKQoR8r4b1knNsejELmUgyhl', kind: 'post' },
  { url: 'https://www.facebook.com/groups/1024490957622648/permalink/1396382447100162/', id: '1396382447100162', kind: 'post' },
  { url: 'https://www.facebook.com/groups/1645456212344334/posts/3737828833107051/', id: '3737828833107051', kind: 'post' },
  { url: 'https://www.facebook.com/photo.php?fbid=10157667649866271&set=a.123', id: '10157667649866271', kind: 'photo' },
  { url: 'https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fgov.sg%2Fvideos%2F10154383743583686%2F&show_text=0&width=560', id: '10154383743583686', kind: 'video' },
  { url: 'https://www.facebook.com/share/v/1BxEm5VzXq/', id: null, kind: 'video' },
  { url: 'https://www.facebook.com/share/r/19Ck3Mv6Zq/', id: null, kind: 'reel' },
  { url: 'https://m.facebook.com/share/1AbRc8XyZt/', id: null, kind: 'post' },
  { url: 'https://fb.watch/bSfz0zR4Ad/', id: null, kind: 'video' },
  { url: 'https://facebook.com.evil.net/watch/?v=647537299265662', id: false },
  { url: 'https://notfacebook.com/watch/?v=647537299265662', id: false },
  { url: 'https://www.facebook.com/', id: false },
  { url: 'https://www.facebook.com/login/', id: false },
  { url: 'https://www.facebook.com/radiokicksfm/videos/', id: false },
  { url: 'https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fevil.net%2Fx%2Fvideos%2F10154383743583686%2F', id: false },
];

/** A numeric id from the query (`v`, `fbid`) of the given kind. */
function queryId(url: URL, param: string, kind: string): Match | null {
  const id = url.searchParams.get(param);
  return id !== null && NUMERIC_ID.test(id) ? matched(NAME, url, id, kind) : null;
}

/** A post id with the page, person or group it belongs to kept as extra. */
function post(url: URL, id: string | null | undefined, extra?: Record<string, string>): Match | null {
  return id && POST_ID.test(id) ? matched(NAME, url, id, 'post', extra) : null;
}

/** `/share/{code}` and `/share/{v|r|p}/{code}`: the target is known only after the redirect. */
function share(url: URL, segments: string[]): Match | null {
  const [, letter = '', code] = segments;
  if (code === undefined) return SHARE_CODE.test(letter) ? matched(NAME, url, null, 'post') : null;
  const kind = SHARE_KINDS[letter];
  return kind && SHARE_CODE.test(code) ? matched(NAME, url, null, kind) : null;
}

/** `/plugins/video.php?href=…`: the player page matches as the Facebook URL it embeds. */
function plugin(href: string | null): Match | null {
  if (!href) return null;
  let inner: URL;
  try {
    inner = new URL(href);
  } catch {
    return null;
  }
  return pathSegments(inner)[0] === 'plugins' ? null : facebook.match(inner);
}

/** `/{page}/videos/…/{id}` (the id is the last numeric segment) and `/{page}/posts/{id}`. */
function pagePath(url: URL, segments: string[]): Match | null {
  const [page = '', word, ...rest] = segments;
  if (word === 'posts') return post(url, rest[0], { page });
  if (word !== 'videos') return null;
  const id = rest.filter((s) => NUMERIC_ID.test(s)).pop();
  return id ? matched(NAME, url, id, 'video', { page }) : null;
}

/** Facebook videos, reels, lives, posts and photos. */
export const facebook: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first = '', second, third, fourth] = segments;
    if (hostIs(url.hostname, 'fb.watch')) return first && SHARE_CODE.test(first) ? matched(NAME, url, null, 'video') : null;
    switch (first.toLowerCase()) {
      case 'watch':
        return queryId(url, 'v', second === 'live' ? 'live' : 'video');
      case 'video.php':
        return queryId(url, 'v', 'video');
      case 'reel':
        return second && NUMERIC_ID.test(second) ? matched(NAME, url, second, 'reel') : null;
      case 'story.php':
      case 'permalink.php': {
        const owner = url.searchParams.get('id');
        return post(url, url.searchParams.get('story_fbid'), owner && NUMERIC_ID.test(owner) ? { owner } : undefined);
      }
      case 'groups':
        return second && (third === 'permalink' || third === 'posts') ? post(url, fourth, { group: second }) : null;
      case 'photo.php':
      case 'photo':
        return queryId(url, 'fbid', 'photo');
      case 'share':
        return share(url, segments);
      case 'plugins':
        return second === 'video.php' || second === 'post.php' ? plugin(url.searchParams.get('href')) : null;
      default:
        return pagePath(url, segments);
    }
  },
};
