/**
 * Snapchat (snapchat.com with www., story. and t. subdomains). Knows:
 * - Spotlight videos: /spotlight/{id} and /@{user}/spotlight/{id};
 * - public stories: story.snapchat.com/s/{id}, a snap in a profile's story
 *   /add/{user}/{snapId} or /u/{user}/{snapId}, and saved highlights /@{user}/highlight/{id};
 * - a profile's public story: /add/{user}, /u/{user}, /@{user} (kind channel, id the user name);
 * - share links t.snapchat.com/{x} and snapchat.com/t/{x} (resolved first).
 */
import { hostIn, hostIs, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'snapchat';
const HOSTS = ['snapchat.com'] as const;

const USER_RE = /^[A-Za-z][\w.-]{1,31}$/;
/** Spotlight ids are long base64url-like strings (`W7_EDlXWTBiXAEEniNoMPwAA…`). */
const SPOTLIGHT_RE = /^[\w-]{16,255}$/;
/** Story and snap ids: base64url-like, UUIDs, or `m:`/`h:`-prefixed. */
const STORY_RE = /^[\w:.-]{8,255}$/;
const SHORT_RE = /^[\w-]{4,32}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA', id: 'W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA', kind: 'spotlight' },
  { url: 'https://snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYdWxucG9pZmNqAY46j0a5AY46j0YbAAAAAQ?share_id=abc', id: 'W7_EDlXWTBiXAEEniNoMPwAAYdWxucG9pZmNqAY46j0a5AY46j0YbAAAAAQ', kind: 'spotlight' },
  { url: 'https://www.snapchat.com/@djkhaled/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYcnVjYWdwcGV1AZEaIYn5AZEaIYnrAAAAAQ', id: 'W7_EDlXWTBiXAEEniNoMPwAAYcnVjYWdwcGV1AZEaIYn5AZEaIYnrAAAAAQ', kind: 'spotlight' },
  { url: 'https://story.snapchat.com/s/m:W7_EDlXWTBiXAEEniNoMPwAAYbWhlcnhqbXJ2AX7zY2v6AX7zY2vSAAAAAQ', id: 'm:W7_EDlXWTBiXAEEniNoMPwAAYbWhlcnhqbXJ2AX7zY2v6AX7zY2vSAAAAAQ', kind: 'story' },
  { url: 'https://www.snapchat.com/add/bazerkmakane/AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', id: 'AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', kind: 'story' },
  { url: 'https://www.snapchat.com/u/bazerkmakane/AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', id: 'AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', kind: 'story' },
  { url: 'https://www.snapchat.com/@bazerkmakane/highlight/3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a', id: '3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a', kind: 'story' },
  { url: 'https://www.snapchat.com/add/bazerkmakane', id: 'bazerkmakane', kind: 'channel' },
  { url: 'https://WWW.SNAPCHAT.COM/add/bazerkmakane/?share_id=xyz', id: 'bazerkmakane', kind: 'channel' },
  { url: 'https://www.snapchat.com/@djkhaled', id: 'djkhaled', kind: 'channel' },
  { url: 'https://t.snapchat.com/9kHnE0Wd', id: null },
  { url: 'https://snapchat.com/t/xyZk2Lm1', id: null },
  { url: 'https://www.snapchat.com/', id: false },
  { url: 'https://www.snapchat.com/@djkhaled/spotlight', id: false },
  { url: 'https://www.snapchat.com/lens/8f1b2a5c3d4e4f6a9b0c1d2e3f4a5b6c', id: false },
  { url: 'https://accounts.snapchat.com/accounts/login', id: false },
  { url: 'https://snapchat.com.evil.net/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA', id: false },
  { url: 'https://notsnapchat.com/add/bazerkmakane', id: false },
];

/**
 * A profile (`add/{user}`, `u/{user}`, `@{user}`) and what follows it; only the add/u forms name
 * a snap right after the user.
 */
function fromProfile(url: URL, user: string, rest: string[], snapAfterUser: boolean): Match | null {
  if (!USER_RE.test(user)) return null;
  const [first, second] = rest;
  if (rest.length === 0) return matched(NAME, url, user, 'channel');
  if (rest.length === 1 && snapAfterUser && STORY_RE.test(first!)) return matched(NAME, url, first!, 'story', { user });
  if (rest.length !== 2 || !second) return null;
  if (first === 'spotlight' && SPOTLIGHT_RE.test(second)) return matched(NAME, url, second, 'spotlight', { user });
  if (first === 'highlight' && STORY_RE.test(second)) return matched(NAME, url, second, 'story', { user, type: 'highlight' });
  return null;
}

/** Snapchat Spotlight videos, public stories and profiles. */
export const snapchat: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first, second] = segments;
    if (hostIs(url.hostname, 't.snapchat.com')) {
      return segments.length === 1 && SHORT_RE.test(first!) ? matched(NAME, url, null) : null;
    }
    if (first === 't' && segments.length === 2 && SHORT_RE.test(second!)) return matched(NAME, url, null);
    if (first === 's' && segments.length === 2 && STORY_RE.test(second!)) return matched(NAME, url, second!, 'story');
    if (first === 'spotlight' && segments.length === 2 && SPOTLIGHT_RE.test(second!)) {
      return matched(NAME, url, second!, 'spotlight');
    }
    if ((first === 'add' || first === 'u') && second) return fromProfile(url, second, segments.slice(2), true);
    if (first?.startsWith('@')) return fromProfile(url, first.slice(1), segments.slice(1), false);
    return null;
  },
};
