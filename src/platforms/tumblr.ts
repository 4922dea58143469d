/**
 * Tumblr URLs: blog posts ({blog}.tumblr.com/post/{id}[/{slug}]), the same post on the
 * dashboard site (tumblr.com/{blog}/{id}[/{slug}] and tumblr.com/blog/view/{blog}/{id}) and
 * at.tumblr.com share links (resolved). The id is the post number; the blog name goes to
 * extra.blog. Blogs on custom domains cannot be told apart offline and fall to the generic
 * extractor, as do media.tumblr.com files.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'tumblr';
const HOSTS = ['tumblr.com'] as const;
const SITE_HOSTS = new Set(['tumblr.com', 'www.tumblr.com']);

const POST_ID = /^\d{1,20}$/;
const BLOG = /^[A-Za-z0-9-]{1,32}$/;
/** Subdomains of tumblr.com that are Tumblr's own services, not blogs. */
const SERVICE_SUBDOMAINS = new Set(['www', 'at', 'api', 'assets', 'static', 'embed', 'help', 'secure', 'media', 'va', 'px']);
/** First path segments of tumblr.com that are site pages, never a blog name. */
const RESERVED = new Set([
  'blog', 'dashboard', 'explore', 'tagged', 'search', 'settings', 'likes', 'following', 'inbox', 'new', 'login',
  'register', 'privacy', 'policy', 'help', 'docs', 'about', 'apps', 'themes', 'oauth', 'communities', 'reblog',
  'post', 'edit', 'share', 'widgets', 'buttons', 'jobs', 'business', 'abuse', 'logout', 'activity', 'messages',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'http://tatianamaslanydaily.tumblr.com/post/54196191430/orphan-black-dvd-extra-behind-the-scenes', id: '54196191430', kind: 'post' },
  { url: 'https://shieldfoss.tumblr.com/post/675519763813908480', id: '675519763813908480', kind: 'post' },
  { url: 'https://maskofthedragon.tumblr.com/post/626907179849564160/mona-talking-in-english/', id: '626907179849564160', kind: 'post' },
  { url: 'https://Patricia-Taxxon.TUMBLR.com/post/704473755725004800', id: '704473755725004800', kind: 'post' },
  { url: 'https://www.tumblr.com/autumnsister/765162750456578048?source=share', id: '765162750456578048', kind: 'post' },
  { url: 'https://www.tumblr.com/felixcosm/730460905855467520/if-youre-looking-for-new-music-to-write-or', id: '730460905855467520', kind: 'post' },
  { url: 'https://tumblr.com/funvibecentral/759390024460632064', id: '759390024460632064', kind: 'post' },
  { url: 'https://www.tumblr.com/anarcho-skamunist/722224493650722816/hollow-knight-stream-right-now-going-to-fight', id: '722224493650722816', kind: 'post' },
  { url: 'https://www.tumblr.com/blog/view/silami/84250043974', id: '84250043974', kind: 'post' },
  { url: 'https://silverfoxstole.tumblr.com/post/765305403763556352/jamie-robertson-doctor-who-8th-doctor#notes', id: '765305403763556352', kind: 'post' },
  { url: 'https://at.tumblr.com/prozdvoices/what-recording-voice-acting-sounds-like/8dbvk3ne5fzx', id: null, kind: 'post' },
  { url: 'https://at.tumblr.com/shieldfoss/8dbvk3ne5fzx', id: null, kind: 'post' },
  { url: 'https://www.tumblr.com/', id: false },
  { url: 'https://www.tumblr.com/dashboard', id: false },
  { url: 'https://www.tumblr.com/tagged/music', id: false },
  { url: 'https://shieldfoss.tumblr.com/', id: false },
  { url: 'https://64.media.tumblr.com/abc/tumblr_xyz_1280.jpg', id: false },
  { url: 'https://tumblr.com.evil.net/post/675519763813908480', id: false },
  { url: 'https://nottumblr.com/shieldfoss/675519763813908480', id: false },
];

function post(url: URL, blog: string | undefined, id: string | undefined): Match | null {
  if (!blog || !id || !BLOG.test(blog) || !POST_ID.test(id)) return null;
  return matched(NAME, url, id, 'post', { blog: blog.toLowerCase() });
}

/** tumblr.com/{blog}/{id}[/{slug}] and tumblr.com/blog/view/{blog}/{id}. */
function site(url: URL, [first, second, third, fourth]: string[]): Match | null {
  if (first === 'blog' && second === 'view') return post(url, third, fourth);
  if (!first || RESERVED.has(first.toLowerCase())) return null;
  return post(url, first, second);
}

/** Tumblr posts and their share links. */
export const tumblr: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const segments = pathSegments(url);
    if (SITE_HOSTS.has(host)) return site(url, segments);
    if (host === 'at.tumblr.com') return segments.length >= 2 && BLOG.test(segments[0] ?? '') ? matched(NAME, url, null, 'post') : null;
    // {blog}.tumblr.com: a single label in front of tumblr.com.
    const blog = host.slice(0, -'.tumblr.com'.length);
    if (blog.includes('.') || SERVICE_SUBDOMAINS.has(blog)) return null;
    return segments[0] === 'post' ? post(url, blog, segments[1]) : null;
  },
};
