/**
 * Reddit URLs, offline. Knows posts `/r/{sub}/comments/{id}/{slug}/` (also a comment's link
 * below it), `/comments/{id}`, `/user|u/{name}/comments/{id}`, galleries `/gallery/{id}`, on any
 * reddit.com subdomain (www, old, new, np, sh…) and the redditmedia.com embed host; redd.it/{id}
 * (a post id); v.redd.it/{id} (a video id, also with a file after it such as `/DASH_720.mp4`);
 * a text post's inline video `/link/{post}/video/{id}/player`. Share links `/r/{sub}/s/{code}`
 * carry no id and need resolving. Images on i.redd.it and preview.redd.it are plain files and
 * are left to the generic extractor.
 */
import { hostIn, hostIs, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'reddit';
const HOSTS = ['reddit.com', 'redd.it', 'redditmedia.com'] as const;

/** Post ids are base36 numbers, seven characters today. */
const POST_ID = /^[a-z0-9]{2,10}$/i;
const VIDEO_ID = /^[a-z0-9]{5,20}$/i;
const SHARE_CODE = /^[A-Za-z0-9]{5,20}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/', id: '6rrwyj', kind: 'post' },
  { url: 'https://old.reddit.com/r/GenZedong/comments/12fujy3/based_hasan/', id: '12fujy3', kind: 'post' },
  { url: 'https://new.reddit.com/r/aww/comments/90bu6w/heat_index_was_110_degrees/', id: '90bu6w', kind: 'post' },
  { url: 'https://np.reddit.com/r/MadeMeSmile/comments/6t7wi5/wait_for_it/?utm_source=share', id: '6t7wi5', kind: 'post' },
  { url: 'https://WWW.REDDIT.COM/r/videos/comments/6rrwyj', id: '6rrwyj', kind: 'post' },
  { url: 'https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/dl9fz4k/', id: '6rrwyj', kind: 'post' },
  { url: 'https://www.reddit.com/comments/124pp33', id: '124pp33', kind: 'post' },
  { url: 'https://www.reddit.com/user/creepyt0es/comments/nip71r/i_plan_to_make_more_stickers_and_prints_check/', id: 'nip71r', kind: 'post' },
  { url: 'https://www.reddit.com/gallery/1cl9h0u', id: '1cl9h0u', kind: 'post' },
  { url: 'https://www.redditmedia.com/r/serbia/comments/pu9wbx/ako_vu%C4%8Di%C4%87_izgubi_izbore/', id: 'pu9wbx', kind: 'post' },
  { url: 'https://redd.it/6rrwyj', id: '6rrwyj', kind: 'post' },
  { url: 'https://v.redd.it/zv89llsvexdz', id: 'zv89llsvexdz', kind: 'video' },
  { url: 'https://v.redd.it/zv89llsvexdz/DASH_720.mp4?source=fallback', id: 'zv89llsvexdz', kind: 'video' },
  { url: 'https://www.reddit.com/link/1cxwzso/video/8x4ot2rbm92d1/player', id: '8x4ot2rbm92d1', kind: 'video' },
  { url: 'https://www.reddit.com/r/funny/s/7wvh1QtU8Y', id: null, kind: 'post' },
  { url: 'https://fakereddit.com/r/videos/comments/abc123/title/', id: false },
  { url: 'https://reddit.com.evil.net/r/videos/comments/6rrwyj/', id: false },
  { url: 'https://www.reddit.com/r/videos/', id: false },
  { url: 'https://www.reddit.com/settings/', id: false },
  { url: 'https://i.redd.it/8x4ot2rbm92d1.jpeg', id: false },
];

/** A post id, with its subreddit or author kept as extra. */
function post(url: URL, id: string | undefined, extra?: Record<string, string>): Match | null {
  return id && POST_ID.test(id) ? matched(NAME, url, id, 'post', extra) : null;
}

/** reddit.com and redditmedia.com paths. */
function sitePath(url: URL, segments: string[]): Match | null {
  const [first = '', second, third, fourth] = segments;
  switch (first.toLowerCase()) {
    case 'comments':
      return post(url, second);
    case 'gallery':
      return post(url, second);
    case 'r':
    case 'u':
    case 'user': {
      if (!second) return null;
      const extra: Record<string, string> = first.toLowerCase() === 'r' ? { subreddit: second } : { user: second };
      if (third === 'comments') return post(url, fourth, extra);
      if (third === 's') return fourth && SHARE_CODE.test(fourth) ? matched(NAME, url, null, 'post') : null;
      return null;
    }
    case 'link':
      return third === 'video' && fourth && VIDEO_ID.test(fourth) && second && POST_ID.test(second)
        ? matched(NAME, url, fourth, 'video', { post: second })
        : null;
    default:
      return null;
  }
}

/** Reddit posts and v.redd.it videos. */
export const reddit: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    const host = url.hostname.toLowerCase();
    if (hostIs(host, 'v.redd.it')) {
      const id = segments[0];
      return id && VIDEO_ID.test(id) ? matched(NAME, url, id, 'video') : null;
    }
    if (host === 'redd.it' || host === 'www.redd.it') return post(url, segments[0]);
    if (hostIs(host, 'redd.it')) return null;
    return sitePath(url, segments);
  },
};
