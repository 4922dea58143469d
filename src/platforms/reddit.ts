/**
 * Reddit. URLs, offline: posts `/r/{sub}/comments/{id}/{slug}/` (also a comment's link below
 * it), `/comments/{id}`, `/user|u/{name}/comments/{id}`, galleries `/gallery/{id}`, on any
 * reddit.com subdomain (www, old, new, np, sh…) and the redditmedia.com embed host; redd.it/{id}
 * (a post id); v.redd.it/{id} (a video id, also with a file after it such as `/DASH_720.mp4`);
 * a text post's inline video `/link/{post}/video/{id}/player`. Share links `/r/{sub}/s/{code}`
 * carry no id and need resolving. Images on i.redd.it and preview.redd.it are plain files and
 * are left to the generic extractor.
 *
 * Extraction reads the post's JSON listing, https://www.reddit.com/comments/{id}/.json (then
 * old.reddit.com when www refuses an anonymous client), with a browser user agent, the
 * `over18=1` opt-in and the COOKIES_FILE session when there is one. From the post (or the
 * post it crossposts, `crosspost_parent_list[0]`):
 * - `secure_media.reddit_video` → the v.redd.it DASHPlaylist.mpd (video and audio
 *   representations apart, merged by the pipeline), the HLSPlaylist.m3u8 variants and the
 *   video-only `fallback_url`;
 * - `gallery_data.items` + `media_metadata[id].s` → one entry per image (the i.redd.it original
 *   of the HTML-escaped preview URL) or animated item (its mp4);
 * - inline media of a text post (`media_metadata` RedditVideo/Image), single i.redd.it images,
 *   and links to other sites (handed to their own platform).
 * v.redd.it/{id} follows its redirect to the post; when that leads nowhere the video's
 * https://v.redd.it/{id}/DASHPlaylist.mpd is read directly.
 * Errors: 403 `reason: private` → content.private; quarantined/gated → content.login_required;
 * removed or deleted posts and banned subreddits → content.not_found.
 */
import { hostIs, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { dashFormats, hlsFormats } from './manifests.js';
import { compact, decodeEntities, num, str, tryParseJson } from './page.js';

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

// ---------------------------------------------------------------------------------------------
// Extraction

/** Where the JSON listing is asked for, in order: old.reddit often answers when www blocks. */
const LISTING_ORIGINS = ['https://www.reddit.com', 'https://old.reddit.com'] as const;

/** `secure_media.reddit_video` (also `preview.reddit_video_preview`). */
interface ApiRedditVideo {
  bitrate_kbps?: number;
  fallback_url?: string;
  has_audio?: boolean;
  height?: number;
  width?: number;
  duration?: number;
  dash_url?: string;
  hls_url?: string;
  is_gif?: boolean;
  transcoding_status?: string;
}

/** The source rendition of a media_metadata item: `u` an image, `gif`/`mp4` an animation. */
interface ApiMediaSource {
  x?: number;
  y?: number;
  u?: string;
  gif?: string;
  mp4?: string;
}

/** One `media_metadata` item: a gallery image, an animated image or an inline RedditVideo. */
interface ApiMediaItem {
  status?: string;
  /** Image, AnimatedImage or RedditVideo. */
  e?: string;
  /** MIME type: image/jpg, image/png, image/gif. */
  m?: string;
  s?: ApiMediaSource;
  id?: string;
  dashUrl?: string;
  hlsUrl?: string;
  x?: number;
  y?: number;
  isGif?: boolean;
}

interface ApiImageSource {
  url?: string;
  width?: number;
  height?: number;
}

/** A post (`t3`) as the listing's first child holds it (fields we use). */
interface ApiPost {
  id?: string;
  title?: string;
  author?: string;
  author_fullname?: string;
  subreddit?: string;
  permalink?: string;
  url?: string;
  url_overridden_by_dest?: string;
  is_self?: boolean;
  selftext?: string;
  created_utc?: number;
  score?: number;
  over_18?: boolean;
  thumbnail?: string;
  link_flair_text?: string | null;
  removed_by_category?: string | null;
  secure_media?: { reddit_video?: ApiRedditVideo } | null;
  media?: { reddit_video?: ApiRedditVideo } | null;
  preview?: {
    images?: Array<{ source?: ApiImageSource; variants?: { mp4?: { source?: ApiImageSource }; gif?: { source?: ApiImageSource } } }>;
    reddit_video_preview?: ApiRedditVideo;
  };
  gallery_data?: { items?: Array<{ media_id?: string; caption?: string }> } | null;
  media_metadata?: Record<string, ApiMediaItem> | null;
  crosspost_parent_list?: ApiPost[];
}

/** One downloadable item of a post, before it becomes a MediaInfo. */
interface PostItem {
  formats: Format[];
  durationSec?: number;
}

type ApiListing = Array<{ data?: { children?: Array<{ kind?: string; data?: ApiPost }> } }>;

/** What reddit answers instead of a listing: `{ reason: 'private', message: 'Forbidden', error: 403 }`. */
interface ApiRefusal {
  reason?: string;
  message?: string;
  error?: number;
}

/** The Cookie header: the over-18 opt-in plus the COOKIES_FILE session, if any. */
function cookieHeader(ctx: ExtractContext): { cookie: string; session: boolean } {
  const jar = cookieJarFor(ctx.config)?.headerFor('https://www.reddit.com/');
  return { cookie: jar ? `${jar}; over18=1` : 'over18=1', session: !!jar && /reddit_session=|token_v2=/.test(jar) };
}

/** The error reddit's refusal body stands for. */
function refusalError(status: number, refusal: ApiRefusal, url: string): DownloadError {
  const context = { platform: NAME, url, status, reason: refusal.reason };
  switch (refusal.reason) {
    case 'private':
      return new DownloadError('content.private', 'The post is in a private subreddit.', context);
    case 'quarantined':
    case 'gated':
      return new DownloadError('content.login_required', `The subreddit is ${refusal.reason}; an account that opted in (COOKIES_FILE) can see it.`, context);
    case 'banned':
      return new DownloadError('content.not_found', 'The subreddit is banned.', context);
    default:
      return errorForStatus(status, context);
  }
}

/** The post from its JSON listing; www first, old.reddit when www refuses us with a block page. */
async function fetchPost(postId: string, ctx: ExtractContext): Promise<ApiPost> {
  const url = `https://www.reddit.com/comments/${postId}/`;
  const { cookie, session } = cookieHeader(ctx);
  for (const origin of LISTING_ORIGINS) {
    const res = await ctx.http.request(`${origin}/comments/${postId}/.json`, requestOptions(ctx, NAME, { throwOnStatus: false, headers: { accept: 'application/json', cookie } }));
    const text = await res.body.text();
    const body = tryParseJson<ApiListing | ApiRefusal>(text);
    if (res.status === 200 && Array.isArray(body)) {
      const post = body[0]?.data?.children?.[0]?.data;
      if (!post) throw new DownloadError('content.not_found', undefined, { platform: NAME, url });
      return post;
    }
    if (body && !Array.isArray(body) && (res.status === 403 || res.status === 404)) throw refusalError(res.status, body, url);
    if (res.status === 404 || res.status === 429 || res.status >= 500) throw errorForStatus(res.status, { platform: NAME, url });
    // anything else (a block page, an over-18 or login interstitial) — try the next origin
  }
  throw session
    ? new DownloadError('fetch.failed', 'Reddit refused the request even with the COOKIES_FILE session (the server\'s IP may be blocked; try PROXY_URL).', { platform: NAME, url }, { retriable: true })
    : new DownloadError('content.login_required', 'Reddit refused an anonymous request; a logged-in session (COOKIES_FILE) gets through.', { platform: NAME, url });
}

/** An HTML-escaped URL from the JSON (`&amp;` in query strings) made usable. */
function unescapeUrl(value: string | undefined): string | undefined {
  const s = str(value);
  return s ? decodeEntities(s) : undefined;
}

/**
 * The formats of a v.redd.it video: the DASH representations (the HLS variants when the DASH
 * manifest fails; both list the same renditions) and the video-only fallback file.
 */
async function videoFormats(videoId: string, video: ApiRedditVideo, ctx: ExtractContext): Promise<Format[]> {
  const dashUrl = unescapeUrl(video.dash_url) ?? `https://v.redd.it/${videoId}/DASHPlaylist.mpd`;
  const hlsUrl = unescapeUrl(video.hls_url) ?? `https://v.redd.it/${videoId}/HLSPlaylist.m3u8`;
  let formats: Format[];
  try {
    formats = await dashFormats(ctx, dashUrl, { platform: NAME });
  } catch (dashError) {
    if (ctx.signal?.aborted) throw dashError;
    ctx.logger.warn({ platform: NAME, videoId, err: dashError }, 'the v.redd.it DASH manifest failed; trying HLS');
    formats = await hlsFormats(ctx, hlsUrl, { platform: NAME });
  }
  const fallback = unescapeUrl(video.fallback_url);
  if (fallback) {
    formats.push(
      compact<Format>({
        id: 'fallback',
        url: fallback,
        protocol: 'https',
        container: 'mp4',
        vcodec: 'h264',
        acodec: null, // the fallback file never carries the sound; DASH/HLS audio is merged in
        width: num(video.width),
        height: num(video.height),
        bitrateKbps: num(video.bitrate_kbps),
      }),
    );
  }
  return video.is_gif ? formats.map((f) => (f.vcodec === null ? f : { ...f, note: 'gif' })) : formats;
}

/** The v.redd.it id inside a fallback/DASH URL. */
function videoIdOf(video: ApiRedditVideo): string | undefined {
  return /v\.redd\.it\/([a-z0-9]+)/i.exec(video.fallback_url ?? video.dash_url ?? '')?.[1];
}

/** preview.redd.it/{name}?… → i.redd.it/{name}: the original upload rather than a resized preview. */
function originalImage(previewUrl: string): string {
  const clean = previewUrl.split('?')[0]!;
  return clean.replace(/^https:\/\/preview\.redd\.it\//, 'https://i.redd.it/');
}

function extensionOf(url: string, mime?: string): string {
  const fromMime = mime?.split('/')[1]?.replace('jpeg', 'jpg');
  return fromMime ?? /\.(\w{3,4})(?:\?|$)/.exec(url)?.[1]?.toLowerCase() ?? 'jpg';
}

/** One `media_metadata` item as formats; undefined when reddit lists it as failed or unprocessed. */
async function metadataFormats(item: ApiMediaItem, ctx: ExtractContext): Promise<PostItem | undefined> {
  if (item.status !== 'valid') return undefined;
  if (item.e === 'RedditVideo') {
    const id = item.id ?? '';
    return { formats: await videoFormats(id, { dash_url: item.dashUrl ?? `https://v.redd.it/${id}/DASHPlaylist.mpd`, hls_url: item.hlsUrl ?? `https://v.redd.it/${id}/HLSPlaylist.m3u8`, is_gif: !!item.isGif }, ctx) };
  }
  const s = item.s;
  if (!s) return undefined;
  const size = compact({ width: num(s.x), height: num(s.y) });
  const mp4 = unescapeUrl(s.mp4);
  if (item.e === 'AnimatedImage' && mp4) {
    return { formats: [{ id: 'mp4', url: mp4, protocol: 'https', container: 'mp4', vcodec: 'h264', acodec: null, ...size, note: 'gif' }] };
  }
  const image = unescapeUrl(s.u) ?? unescapeUrl(s.gif);
  if (!image) return undefined;
  const original = originalImage(image);
  return { formats: [{ id: 'orig', url: original, protocol: 'https', container: extensionOf(original, item.m), ...size, image: true }] };
}

/** The thumbnail: the preview's source image, else the listing thumbnail when it is a URL. */
function thumbnailOf(post: ApiPost): string | undefined {
  const preview = unescapeUrl(post.preview?.images?.[0]?.source?.url);
  return preview ?? (post.thumbnail?.startsWith('http') ? post.thumbnail : undefined);
}

/** Metadata every item of a post shares. */
function metadataOf(post: ApiPost) {
  const author = str(post.author);
  return compact({
    title: str(post.title),
    description: str(post.selftext),
    uploader: author && author !== '[deleted]' ? author : undefined,
    uploaderId: str(post.author_fullname),
    timestamp: num(post.created_utc),
    likeCount: num(post.score),
    thumbnail: thumbnailOf(post),
    tags: post.link_flair_text ? [post.link_flair_text] : undefined,
    ageLimit: post.over_18 ? 18 : undefined,
  });
}

/** One MediaInfo per item, or a container of them. */
function assemble(id: string, url: string, post: ApiPost, items: PostItem[], ctx: ExtractContext): MediaInfo {
  const meta = metadataOf(post);
  const kept = items.slice(0, ctx.config.playlistLimit);
  const entries = kept.map((item, i) =>
    compact<MediaInfo>({
      platform: NAME,
      id: items.length === 1 ? id : `${id}_${i + 1}`,
      url,
      ...meta,
      ...(items.length > 1 && meta.title ? { title: `${meta.title} #${i + 1}` } : {}),
      durationSec: item.durationSec,
      formats: item.formats,
    }),
  );
  if (entries.length === 1) return entries[0]!;
  return compact<MediaInfo>({ platform: NAME, id, url, ...meta, formats: [], entries, entriesTotal: items.length > kept.length ? items.length : undefined });
}

/** The media items of a post: its video, gallery, inline media or image. Empty when it has none. */
async function postItems(post: ApiPost, ctx: ExtractContext): Promise<PostItem[]> {
  const video = post.secure_media?.reddit_video ?? post.media?.reddit_video;
  if (video) {
    if (video.transcoding_status && video.transcoding_status !== 'completed') {
      throw new DownloadError('content.not_found', 'Reddit is still processing this video.', { platform: NAME, url: post.url ?? '' }, { retriable: true });
    }
    return [compact({ formats: await videoFormats(videoIdOf(video) ?? post.id ?? '', video, ctx), durationSec: num(video.duration) })];
  }
  const metadata = post.media_metadata ?? {};
  const ids = post.gallery_data?.items?.map((i) => i.media_id ?? '') ?? (post.is_self ? Object.keys(metadata) : []);
  if (ids.length > 0) {
    const items = await Promise.all(ids.map((mediaId) => (metadata[mediaId] ? metadataFormats(metadata[mediaId], ctx) : undefined)));
    return items.filter((i): i is PostItem => !!i && i.formats.length > 0);
  }
  const link = unescapeUrl(post.url_overridden_by_dest ?? post.url);
  if (link && /^https:\/\/i\.redd\.it\//.test(link)) return [imageItem(link, post)];
  const preview = post.preview?.reddit_video_preview;
  if (preview?.fallback_url) return [compact({ formats: await videoFormats(videoIdOf(preview) ?? post.id ?? '', preview, ctx), durationSec: num(preview.duration) })];
  return [];
}

/** A single i.redd.it image; a GIF also gets reddit's mp4 rendition of it. */
function imageItem(link: string, post: ApiPost): PostItem {
  const source = post.preview?.images?.[0];
  const size = compact({ width: num(source?.source?.width), height: num(source?.source?.height) });
  const formats: Format[] = [{ id: 'orig', url: link, protocol: 'https', container: extensionOf(link), ...size, image: true }];
  const mp4 = unescapeUrl(source?.variants?.mp4?.source?.url);
  if (mp4) formats.unshift({ id: 'mp4', url: mp4, protocol: 'https', container: 'mp4', vcodec: 'h264', acodec: null, ...size, note: 'gif' });
  return { formats };
}

/** A post's MediaInfo: its own media, a crosspost's, or the linked site's through its platform. */
async function postInfo(id: string, post: ApiPost, ctx: ExtractContext): Promise<MediaInfo> {
  const url = post.permalink ? `https://www.reddit.com${post.permalink}` : `https://www.reddit.com/comments/${post.id ?? id}/`;
  const source = post.crosspost_parent_list?.[0] ?? post;
  const removed = post.removed_by_category ?? source.removed_by_category;
  if (removed) throw new DownloadError('content.not_found', `The post was removed (${removed}).`, { platform: NAME, url, reason: removed });
  const items = await postItems(source, ctx);
  if (items.length > 0) return assemble(id, url, post, items, ctx);
  const link = unescapeUrl(source.url_overridden_by_dest ?? source.url);
  if (link && !source.is_self && !/^https?:\/\/(?:[\w-]+\.)?(?:reddit\.com|redd\.it)\//.test(link) && ctx.extractUrl) {
    return ctx.extractUrl(link);
  }
  if (post.over_18 && !cookieHeader(ctx).session) {
    throw new DownloadError('content.login_required', 'Reddit shows this NSFW post\'s media to logged-in accounts only (COOKIES_FILE).', { platform: NAME, url });
  }
  throw new DownloadError('content.not_found', 'This post has no video or image.', { platform: NAME, url });
}

/** v.redd.it/{id}: the post it redirects to, else the bare DASH manifest. */
async function vreddit(videoId: string, ctx: ExtractContext): Promise<MediaInfo> {
  const target = await ctx.http.resolveRedirects(`https://v.redd.it/${videoId}`, requestOptions(ctx, NAME));
  const post = reddit.match(new URL(target));
  if (post?.id && post.kind === 'post') {
    const info = await postInfo(videoId, await fetchPost(post.id, ctx), ctx);
    return { ...info, id: videoId };
  }
  const url = `https://v.redd.it/${videoId}`;
  let formats: Format[];
  try {
    formats = await dashFormats(ctx, `https://v.redd.it/${videoId}/DASHPlaylist.mpd`, { platform: NAME });
  } catch (error) {
    // v.redd.it answers 403 for a video whose post is gone
    if (error instanceof DownloadError && error.context.status === 403) throw new DownloadError('content.not_found', undefined, { platform: NAME, url }, { cause: error });
    throw error;
  }
  return { platform: NAME, id: videoId, url, title: videoId, formats };
}

/** A text post's inline video: `/link/{post}/video/{id}/player`. */
async function inlineVideo(videoId: string, postId: string, ctx: ExtractContext): Promise<MediaInfo> {
  const post = await fetchPost(postId, ctx);
  const url = post.permalink ? `https://www.reddit.com${post.permalink}` : `https://www.reddit.com/comments/${postId}/`;
  const item = post.media_metadata?.[videoId];
  const found = item ? await metadataFormats(item, ctx) : undefined;
  if (!found) throw new DownloadError('content.not_found', 'The post has no such video.', { platform: NAME, url });
  return assemble(videoId, url, post, [found], ctx);
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  if (match.kind === 'video') return match.extra?.post ? inlineVideo(id, match.extra.post, ctx) : vreddit(id, ctx);
  return postInfo(id, await fetchPost(id, ctx), ctx);
}

/** Reddit posts and v.redd.it videos. */
export const reddit: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
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

  extract,
};
