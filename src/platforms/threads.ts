/**
 * Threads URLs, offline. Knows posts `/@{user}/post/{code}` (also with `/media` or a query after
 * it) and the short form `/t/{code}`, on threads.net and threads.com (www. included). The code is
 * the Instagram-style shortcode of the post.
 *
 * Extraction: GET the post page on www.threads.com (threads.net only redirects there) as a
 * desktop browser; the page embeds its Relay data in `<script type="application/json" data-sjs>`
 * blocks, where `…result.data.data.edges[].node.thread_items[].post` is the post in Instagram's
 * API shape (video_versions, image_versions2, carousel_media), read by instagram/media.ts. No
 * login is needed for public posts (COOKIES_FILE's threads.com cookies are sent when present);
 * a page without the post is content.not_found.
 */
import { isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { MediaInfo } from '../media/types.js';
import { DownloadError } from '../utils/errors.js';
import { readText } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { postFromApi, postToMediaInfo, type ApiMedia, type Site } from './instagram/media.js';
import { documentHeaders, nextBrowser } from './instagram/browser.js';
import { tryParseJson } from './page.js';

const NAME = 'threads';
const HOSTS = ['threads.net', 'threads.com'] as const;

const CODE = /^[A-Za-z0-9_-]{5,60}$/;
const USER = /^@[A-Za-z0-9._]{1,30}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.threads.net/@zuck/post/CuWfxTLuOgs', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://threads.net/@zuck/post/CuWfxTLuOgs/', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://www.threads.com/@mosseri/post/C8H5FiCtESk?xmt=AQGz', id: 'C8H5FiCtESk', kind: 'post' },
  { url: 'https://threads.com/@natgeo/post/DA1b2c3D4e5', id: 'DA1b2c3D4e5', kind: 'post' },
  { url: 'https://www.threads.net/@zuck/post/CuWfxTLuOgs/media', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://WWW.THREADS.NET/@zuck/post/CuWfxTLuOgs', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://www.threads.net/@some.user_1/post/C-_x9Yz1AbC?hl=en', id: 'C-_x9Yz1AbC', kind: 'post' },
  { url: 'https://www.threads.net/t/CuiXbGvPyJz/?igshid=NTc4MTIwNjQ2YQ==', id: 'CuiXbGvPyJz', kind: 'post' },
  { url: 'https://www.threads.com/t/CuiXbGvPyJz', id: 'CuiXbGvPyJz', kind: 'post' },
  { url: 'http://threads.net/t/CuiXbGvPyJz', id: 'CuiXbGvPyJz', kind: 'post' },
  { url: 'https://www.threads.net.evil.io/@zuck/post/CuWfxTLuOgs', id: false },
  { url: 'https://notthreads.net/@zuck/post/CuWfxTLuOgs', id: false },
  { url: 'https://www.threads.net/@zuck', id: false },
  { url: 'https://www.threads.com/search?q=video', id: false },
  { url: 'https://www.threads.net/', id: false },
];

const BASE_URL = 'https://www.threads.com';
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** How deep the page's JSON is searched for the post; Relay payloads nest about 20 levels. */
const MAX_DEPTH = 64;

/** A Threads post: Instagram's API shape plus the quote/repost it may carry instead of own media. */
interface ThreadsPost extends ApiMedia {
  text_post_app_info?: {
    share_info?: { quoted_post?: ThreadsPost | null; reposted_post?: ThreadsPost | null } | null;
  } | null;
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const code = match.id!;
  const user = match.extra?.user;
  const pageUrl = user ? `${BASE_URL}/@${user}/post/${code}` : `${BASE_URL}/t/${code}`;
  const html = await fetchPage(pageUrl, ctx);
  const found = findPost(html, code);
  if (!found) throw new DownloadError('content.not_found', 'The Threads post was removed, or its account is private.', { platform: NAME, url: pageUrl });
  const owner = found.user?.username ?? user;
  const site: Site = {
    platform: NAME,
    url: owner ? `${BASE_URL}/@${owner}/post/${code}` : pageUrl,
    mediaHeaders: { Referer: `${BASE_URL}/` },
    limit: ctx.config.playlistLimit,
  };
  return postToMediaInfo(postFromApi(withMedia(found), code, site), site);
}

/** The post page; a bounce to the login page is content.login_required. */
async function fetchPage(url: string, ctx: ExtractContext): Promise<string> {
  const headers = { ...documentHeaders(nextBrowser()), cookie: cookieJarFor(ctx.config)?.headerFor(url) };
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, { headers }));
  if (/^\/(login|accounts\/login)\b/.test(new URL(res.url).pathname)) {
    await res.body.dump().catch(() => undefined); // the login page has nothing for us
    throw new DownloadError('content.login_required', 'Threads answered with its login page (set COOKIES_FILE).', { platform: NAME, url });
  }
  return await readText(res, MAX_PAGE_BYTES);
}

/** The post with `code` in the page's data-sjs JSON blocks. */
export function findPost(html: string, code: string): ThreadsPost | undefined {
  for (const m of html.matchAll(/<script\b[^>]*\bdata-sjs\b[^>]*>([\s\S]*?)<\/script>/gi)) {
    const text = m[1]!;
    if (!text.includes(code)) continue;
    const data = tryParseJson(text);
    if (data === undefined) continue; // not every data-sjs block is complete JSON; the post's block is
    const post = search(data, code, 0);
    if (post) return post;
  }
  return undefined;
}

/** Depth-first search for the object that is the post: its `code` and media fields. */
function search(value: unknown, code: string, depth: number): ThreadsPost | undefined {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return undefined;
  if (!Array.isArray(value)) {
    const o = value as ThreadsPost;
    if (o.code === code && ('image_versions2' in o || 'video_versions' in o || 'carousel_media' in o)) return o;
  }
  for (const child of Object.values(value)) {
    const found = search(child, code, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A post without media of its own that quotes or reposts one with media takes that one's media. */
function withMedia(post: ThreadsPost): ThreadsPost {
  if (hasMedia(post)) return post;
  const share = post.text_post_app_info?.share_info;
  const source = [share?.quoted_post, share?.reposted_post].find((p): p is ThreadsPost => !!p && hasMedia(p));
  if (!source) return post;
  const { media_type, video_versions, video_dash_manifest, image_versions2, carousel_media, has_audio, video_duration, original_width, original_height } = source;
  return { ...post, media_type, video_versions, video_dash_manifest, image_versions2, carousel_media, has_audio, video_duration, original_width, original_height };
}

function hasMedia(post: ApiMedia): boolean {
  return !!(post.video_versions?.length || post.carousel_media?.length || post.image_versions2?.candidates?.length);
}

/** Threads posts. */
export const threads: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const [first = '', second, third] = pathSegments(url);
    if (first === 't') return second && CODE.test(second) ? matched(NAME, url, second, 'post') : null;
    if (!USER.test(first) || second !== 'post' || !third || !CODE.test(third)) return null;
    return matched(NAME, url, third, 'post', { user: first.slice(1) });
  },

  extract,
};
