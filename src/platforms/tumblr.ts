/**
 * Tumblr URLs: blog posts ({blog}.tumblr.com/post/{id}[/{slug}]), the same post on the
 * dashboard site (tumblr.com/{blog}/{id}[/{slug}] and tumblr.com/blog/view/{blog}/{id}) and
 * at.tumblr.com share links (resolved). The id is the post number; the blog name goes to
 * extra.blog. Blogs on custom domains cannot be told apart offline and fall to the generic
 * extractor, as do media.tumblr.com files.
 *
 * Extraction reads the post in Neue Post Format (NPF):
 * 1. the post page https://www.tumblr.com/{blog}/{id}: its `___INITIAL_STATE___` (a JSON script
 *    tag, or `window['___INITIAL_STATE___'] = {…};` on older builds) holds the post under
 *    `PeeprRoute.initialTimeline.objects` and the public web bearer token under
 *    `apiFetchStore.API_TOKEN` (cached as "tumblr:api-token");
 * 2. else https://www.tumblr.com/api/v2/blog/{blog}/posts/{id}/permalink with that token
 *    (`response.timeline.elements[0]`), with COOKIES_FILE's tumblr.com cookies for
 *    dashboard-only blogs;
 * 3. else the blog's theme page {blog}.tumblr.com/post/{id} and its `<video><source>`.
 * Video blocks (provider "tumblr") give an mp4 with width/height and a poster; image blocks
 * list their sizes in `media` (largest first); audio blocks give an mp3. Several media in one
 * post become entries. Other providers' videos (YouTube…) are handed to their platform.
 * A redirect to /login_required or /safe-mode without any readable post → content.login_required.
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { absoluteUrl, attributes, compact, jsonAfter, metaTags, notFound, num, pageTitle, scriptJson, str, tryParseJson } from './page.js';

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

/** An NPF media object (a file of an image, video or audio block). */
interface NpfMedia {
  url?: string;
  type?: string;
  width?: number;
  height?: number;
}

/** An NPF content block (fields of the types we download; the web state spells them camelCase, the API snake_case). */
interface NpfBlock {
  type?: string;
  provider?: string;
  url?: string;
  media?: NpfMedia | NpfMedia[];
  poster?: NpfMedia[];
  /** Milliseconds (video). */
  duration?: number;
  text?: string;
  title?: string;
  artist?: string;
}

/** An NPF post, or an entry of its reblog trail. */
interface NpfPost {
  id?: string | number;
  id_string?: string;
  objectType?: string;
  object_type?: string;
  blogName?: string;
  blog_name?: string;
  blog?: { name?: string; title?: string };
  rebloggedRootName?: string;
  reblogged_root_name?: string;
  timestamp?: number;
  summary?: string;
  tags?: string[];
  likeCount?: number;
  like_count?: number;
  isNsfw?: boolean;
  is_nsfw?: boolean;
  content?: NpfBlock[];
  trail?: Array<{ content?: NpfBlock[]; blog?: { name?: string }; post?: { id?: string; timestamp?: number } }>;
}

/** The web app's server state (`___INITIAL_STATE___`), fields we use. */
interface InitialState {
  apiFetchStore?: { API_TOKEN?: string };
  PeeprRoute?: { initialTimeline?: { objects?: NpfPost[] } };
}

/** `GET /api/v2/blog/{blog}/posts/{id}/permalink`. */
interface PermalinkAnswer {
  meta?: { status?: number; msg?: string };
  response?: { timeline?: { elements?: NpfPost[] } };
}

/** One downloadable thing of a post. */
interface Item {
  formats: Format[];
  durationSec?: number;
  thumbnail?: string;
  title?: string;
  uploader?: string;
}

const TOKEN_KEY = `${NAME}:api-token`;
/** The public web token rotates rarely; a day keeps one page fetch per day at most. */
const TOKEN_TTL_SEC = 24 * 3600;
/** Redirect targets that mean "log in to see this" (dashboard-only blogs, safe mode). */
const LOGIN_WALL = /^\/(?:login_required|safe-mode|login)(?:\/|$)/;
const MIME_EXT: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp',
  'video/mp4': 'mp4', 'video/webm': 'webm', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a',
};

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  const blog = match.extra?.blog ?? '';
  const url = `https://www.tumblr.com/${blog}/${id}`;
  const page = await fetchPage(url, ctx);
  const state = readState(page.html);
  const pageToken = str(state?.apiFetchStore?.API_TOKEN);
  if (pageToken) await ctx.cache?.set(TOKEN_KEY, pageToken, TOKEN_TTL_SEC);
  const post = postInState(state, id) ?? (await postFromApi(blog, id, url, pageToken, ctx));
  if (post) return fromPost(post, id, url, blog, ctx);
  if (LOGIN_WALL.test(new URL(page.url).pathname)) throw loginRequired(url);
  return fromLegacyPage(blog, id, url, ctx);
}

/** The post page; 404 is a removed post, anything else is read (login walls redirect with 200). */
async function fetchPage(url: string, ctx: ExtractContext): Promise<{ url: string; html: string }> {
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, { headers: { accept: 'text/html,application/xhtml+xml', ...cookieHeader(url, ctx) }, throwOnStatus: false }));
  const html = await res.body.text();
  if (res.status === 404 || res.status === 410) throw notFound(NAME, url);
  if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url });
  return { url: res.url, html };
}

/** The state in either form the web app has served: a JSON script tag or a window assignment. */
function readState(html: string): InitialState | undefined {
  return scriptJson<InitialState>(html, '___INITIAL_STATE___') ?? jsonAfter<InitialState>(html, /window\[['"]___INITIAL_STATE___['"]\]\s*=\s*/);
}

function postInState(state: InitialState | undefined, id: string): NpfPost | undefined {
  return state?.PeeprRoute?.initialTimeline?.objects?.find((o) => postId(o) === id);
}

function postId(post: NpfPost): string | undefined {
  return str(post.id_string) ?? (post.id !== undefined ? String(post.id) : undefined);
}

/**
 * The post through the web API with the public bearer token (cookies from COOKIES_FILE make
 * dashboard-only posts readable); undefined when no token could be found.
 */
async function postFromApi(blog: string, id: string, url: string, pageToken: string | undefined, ctx: ExtractContext): Promise<NpfPost | undefined> {
  const token = pageToken ?? (await apiToken(ctx));
  if (!token) return undefined;
  const api = `https://www.tumblr.com/api/v2/blog/${encodeURIComponent(blog)}/posts/${id}/permalink`;
  const res = await ctx.http.request(api, requestOptions(ctx, NAME, {
    headers: { accept: 'application/json', authorization: `Bearer ${token}`, referer: url, ...cookieHeader(api, ctx) },
    throwOnStatus: false,
  }));
  const text = await res.body.text();
  if (res.status === 404) throw notFound(NAME, url);
  if (res.status === 401 || res.status === 403) throw loginRequired(url);
  if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url: api });
  const answer = tryParseJson<PermalinkAnswer>(text);
  if (answer === undefined) throw new DownloadError('fetch.failed', 'The Tumblr API answered with something that is not JSON.', { platform: NAME, url: api });
  return answer.response?.timeline?.elements?.find((p) => postId(p) === id) ?? answer.response?.timeline?.elements?.[0];
}

/** The public web token: cached, else read from the login page's state (where every visitor gets it). */
async function apiToken(ctx: ExtractContext): Promise<string | undefined> {
  const cached = await ctx.cache?.get<string>(TOKEN_KEY);
  if (cached) return cached;
  const html = await ctx.http.text('https://www.tumblr.com/login', requestOptions(ctx, NAME));
  const token = str(readState(html)?.apiFetchStore?.API_TOKEN) ?? /"API_TOKEN"\s*:\s*"(\w+)"/.exec(html)?.[1];
  if (token) await ctx.cache?.set(TOKEN_KEY, token, TOKEN_TTL_SEC);
  else ctx.logger.warn({ platform: NAME }, 'no Tumblr API token on the login page');
  return token;
}

function cookieHeader(url: string, ctx: ExtractContext): Record<string, string> {
  const cookie = cookieJarFor(ctx.config)?.headerFor(url);
  return cookie ? { cookie } : {};
}

function loginRequired(url: string): DownloadError {
  return new DownloadError('content.login_required', 'This Tumblr post is only visible to logged-in users (set COOKIES_FILE).', { platform: NAME, url });
}

/** A post's media: the reblog trail first (the original), then the reblogger's own blocks. */
async function fromPost(post: NpfPost, id: string, url: string, blog: string, ctx: ExtractContext): Promise<MediaInfo> {
  const trail = post.trail ?? [];
  const blocks = [...trail.flatMap((t) => t.content ?? []), ...(post.content ?? [])];
  const meta = postMetadata(post, id, url, blog, blocks);
  const items = mediaItems(blocks);
  if (items.length === 0) {
    const external = blocks.find((b) => b.type === 'video' && b.provider !== 'tumblr' && absoluteUrl(b.url));
    if (external && ctx.extractUrl) return ctx.extractUrl(absoluteUrl(external.url)!);
    throw new DownloadError('content.not_found', 'This post has no Tumblr-hosted video, audio or image.', { platform: NAME, url });
  }
  if (items.length === 1) return compact<MediaInfo>({ ...meta, ...items[0]!, title: items[0]!.title ?? meta.title });
  const limit = ctx.config.playlistLimit;
  return compact<MediaInfo>({
    ...meta,
    entries: items.slice(0, limit).map((item, i) => compact<MediaInfo>({ ...meta, ...item, id: `${id}_${i + 1}`, title: item.title ?? `${meta.title} (${i + 1})` })),
    entriesTotal: items.length > limit ? items.length : undefined,
  });
}

/** Every Tumblr-hosted video, audio and image of the blocks, each once. */
function mediaItems(blocks: NpfBlock[]): Item[] {
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const block of blocks) {
    const item = block.type === 'video' ? videoItem(block) : block.type === 'audio' ? audioItem(block) : block.type === 'image' ? imageItem(block) : undefined;
    const key = item?.formats[0]?.url;
    if (!item || !key || seen.has(key)) continue;
    seen.add(key);
    items.push(item);
  }
  return items;
}

function firstMedia(block: NpfBlock): NpfMedia | undefined {
  return Array.isArray(block.media) ? block.media[0] : block.media;
}

/** The largest poster frame of a video. */
function posterUrl(block: NpfBlock): string | undefined {
  const best = [...(block.poster ?? [])].sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0];
  return absoluteUrl(best?.url);
}

/** Tumblr's own video (provider "tumblr"): one progressive mp4 on va.media.tumblr.com. */
function videoItem(block: NpfBlock): Item | undefined {
  if (block.provider && block.provider !== 'tumblr') return undefined;
  const media = firstMedia(block);
  const url = absoluteUrl(media?.url) ?? (block.provider === 'tumblr' ? absoluteUrl(block.url) : undefined);
  if (!url) return undefined;
  const format = compact<Format>({ id: 'mp4', url, protocol: 'https', container: extOf(media, url, 'mp4'), width: num(media?.width), height: num(media?.height) });
  return compact<Item>({ formats: [format], thumbnail: posterUrl(block), durationSec: num(block.duration) !== undefined ? num(block.duration)! / 1000 : undefined });
}

/** Tumblr-hosted audio (an mp3 on a.tumblr.com). */
function audioItem(block: NpfBlock): Item | undefined {
  if (block.provider && block.provider !== 'tumblr') return undefined;
  const media = firstMedia(block);
  const url = absoluteUrl(media?.url) ?? absoluteUrl(block.url);
  if (!url) return undefined;
  const container = extOf(media, url, 'mp3');
  const format: Format = { id: 'audio', url, protocol: 'https', container, vcodec: null, acodec: container === 'mp3' ? 'mp3' : 'mp4a.40.2' };
  return compact<Item>({ formats: [format], title: str(block.title), uploader: str(block.artist), thumbnail: posterUrl(block) });
}

/** An image block: `media` lists the sizes, the first being the largest. */
function imageItem(block: NpfBlock): Item | undefined {
  const sizes = Array.isArray(block.media) ? block.media : block.media ? [block.media] : [];
  const formats: Format[] = [];
  for (const [i, media] of sizes.entries()) {
    const url = absoluteUrl(media.url);
    if (!url || formats.some((f) => f.url === url)) continue;
    formats.push(compact<Format>({ id: i === 0 ? 'original' : `${media.width ?? i}w`, url, protocol: 'https', container: extOf(media, url, 'jpg'), image: true, width: num(media.width), height: num(media.height) }));
  }
  return formats.length ? { formats, thumbnail: formats[formats.length - 1]!.url } : undefined;
}

/** The file extension from the media's MIME type, else from the URL. */
function extOf(media: NpfMedia | undefined, url: string, fallback: string): string {
  const byType = media?.type ? MIME_EXT[media.type.toLowerCase()] : undefined;
  if (byType) return byType;
  const ext = /\.(\w{2,4})(?:$|\?)/.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return ext && Object.values(MIME_EXT).includes(ext) ? ext : fallback;
}

/** Title, blog, time, tags and counts; the original poster (root of the reblog chain) is the uploader. */
function postMetadata(post: NpfPost, id: string, url: string, blog: string, blocks: NpfBlock[]): MediaInfo & { title: string } {
  const root = post.trail?.[0];
  const description = blocks.filter((b) => b.type === 'text' && str(b.text)).map((b) => b.text!.trim()).join('\n\n');
  const uploaderId = str(post.rebloggedRootName) ?? str(post.reblogged_root_name) ?? str(root?.blog?.name) ?? str(post.blogName) ?? str(post.blog_name) ?? blog;
  const nsfw = post.isNsfw ?? post.is_nsfw;
  return compact({
    platform: NAME,
    id,
    url,
    title: str(post.summary)?.split('\n')[0]?.slice(0, 150) ?? (description.split('\n')[0]?.slice(0, 150) || `${uploaderId} on Tumblr`),
    description: description || undefined,
    uploader: uploaderId,
    uploaderId,
    timestamp: num(root?.post?.timestamp) ?? num(post.timestamp),
    tags: post.tags?.length ? post.tags : undefined,
    likeCount: num(post.likeCount) ?? num(post.like_count),
    ageLimit: nsfw === undefined ? undefined : nsfw ? 18 : 0,
    formats: [],
  });
}

/**
 * A blog theme page ({blog}.tumblr.com/post/{id}) for when neither the state nor the API
 * answered: its `<video><source>` (or og:video) and og:image.
 */
async function fromLegacyPage(blog: string, id: string, url: string, ctx: ExtractContext): Promise<MediaInfo> {
  const legacy = `https://${blog}.tumblr.com/post/${id}`;
  const res = await ctx.http.request(legacy, requestOptions(ctx, NAME, { headers: cookieHeader(legacy, ctx), throwOnStatus: false }));
  const html = await res.body.text();
  if (res.status === 404 || res.status === 410) throw notFound(NAME, url);
  if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url: legacy });
  const meta = metaTags(html);
  const video = legacyVideoSource(html) ?? absoluteUrl(meta.get('og:video:secure_url') ?? meta.get('og:video'));
  const image = absoluteUrl(meta.get('og:image'));
  const formats: Format[] = video
    ? [compact<Format>({ id: 'mp4', url: video, protocol: 'https', container: 'mp4', width: num(meta.get('og:video:width')), height: num(meta.get('og:video:height')) })]
    : image && /\/\/\d+\.media\.tumblr\.com\//.test(image)
      ? [{ id: 'original', url: image, protocol: 'https', container: extOf(undefined, image, 'jpg'), image: true }]
      : [];
  if (formats.length === 0) {
    throw new DownloadError('fetch.failed', 'Neither the Tumblr page state, its API nor the blog page had this post\'s media.', { platform: NAME, url }, { retriable: false });
  }
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(meta.get('og:title')) ?? pageTitle(html)?.replace(/\s*\|\s*Tumblr$/, '') ?? `${blog} on Tumblr`,
    description: str(meta.get('og:description')),
    uploader: blog,
    uploaderId: blog,
    thumbnail: video ? image : undefined,
    formats,
  });
}

/** The first `<source src>` inside a `<video>` of a theme page. */
function legacyVideoSource(html: string): string | undefined {
  const video = /<video\b[^>]*>([\s\S]*?)<\/video>/i.exec(html);
  if (!video) return undefined;
  const source = /<source\b([^>]*)>/i.exec(video[1]!);
  return absoluteUrl(source ? attributes(source[1]!).src : undefined) ?? absoluteUrl(attributes(/<video\b([^>]*)>/i.exec(video[0])![1]!).src);
}

/** Tumblr posts and their share links. */
export const tumblr: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const host = hostName(url);
    const segments = pathSegments(url);
    if (SITE_HOSTS.has(host)) return site(url, segments);
    if (host === 'at.tumblr.com') return segments.length >= 2 && BLOG.test(segments[0] ?? '') ? matched(NAME, url, null, 'post') : null;
    // {blog}.tumblr.com: a single label in front of tumblr.com.
    const blog = host.slice(0, -'.tumblr.com'.length);
    if (blog.includes('.') || SERVICE_SUBDOMAINS.has(blog)) return null;
    return segments[0] === 'post' ? post(url, blog, segments[1]) : null;
  },

  extract,
};
