/**
 * LinkedIn (linkedin.com with www. and country subdomains; lnkd.in short links). Knows:
 * - posts: /posts/{slug}-activity-{digits}-{xxxx} (also -ugcPost- and -share- slugs);
 * - /feed/update/urn:li:{activity|ugcPost|share}:{digits}/ and its embed /embed/feed/update/urn:li:…;
 * - live videos /video/live/urn:li:ugcPost:{digits} and /video/event/urn:li:ugcPost:{digits};
 * - events /events/{slug-with-digits}/;
 * - Learning: /learning/{course}/{video} (id `course/video`) and a course /learning/{course};
 * - lnkd.in/{x} short links (resolved first).
 * The id of a post is its digits; extra.urn says which URN type (activity, ugcPost, share) named it.
 *
 * Extraction reads the post page (https://www.linkedin.com/posts/{slug}, or
 * /feed/update/urn:li:{urn}:{id}/ for URN links and live videos), which LinkedIn serves to guests
 * for public posts: the `<video data-sources="[{src,type,data-bitrate}]">` attribute lists the
 * progressive mp4 renditions (`/mp4-720p-30fp-crf28/` in the path names the resolution). With
 * COOKIES_FILE (li_at) the member page is served instead, whose `<code>` blocks hold entity-encoded
 * JSON with a VideoPlayMetadata (`progressiveStreams` with width/height/bitRate/size,
 * `adaptiveStreams` HLS playlists). Metadata comes from the JSON-LD SocialMediaPosting and og tags.
 * A redirect to /authwall or /login → content.login_required. Learning videos (member API) are left
 * to the yt-dlp backend; events are not media.
 */
import { hostIs, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { isoDurationSeconds } from '../media/iso-duration.js';
import { DownloadError, errorForStatus, noNativeExtractor } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, attributes, compact, decodeEntities, jsonLd, metaTags, notFound, num, pageTitle, str, tryParseJson, unixSeconds } from './page.js';
import { uniqueFormats } from './unique-formats.js';

const NAME = 'linkedin';
const HOSTS = ['linkedin.com', 'lnkd.in'] as const;

const URN_RE = /^urn:li:(activity|ugcPost|share):(\d+)$/;
/** A post slug ends in `-{urn type}-{digits}-{4-char tracking suffix}`. */
const POST_SLUG_RE = /-(?:(activity|ugcPost|share)-)?(\d{15,20})-[\w-]{4}$/;
const EVENT_RE = /^[\w-]*\d{15,20}$/;
const SLUG_RE = /^[\w-]+$/;
/** /learning/… pages that are not courses. */
const LEARNING_PAGES = new Set(['browse', 'search', 'me', 'paths', 'topics', 'instructors', 'subscription', 'collections', 'login', 'certificates']);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.linkedin.com/posts/the-mathworks_2_what-is-mathworks-cloud-center-activity-7151241570371948544-4Gu7', id: '7151241570371948544', kind: 'post' },
  { url: 'https://www.linkedin.com/posts/mishalkhawaja_sendinblueviews-toronto-digitalmarketing-ugcPost-6850898786781339649-mM20', id: '6850898786781339649', kind: 'post' },
  { url: 'https://uk.linkedin.com/posts/satyanadella_ai-activity-7195823102981169152-Wd9A/?utm_source=share', id: '7195823102981169152', kind: 'post' },
  { url: 'https://www.linkedin.com/feed/update/urn:li:activity:7016901149999955968/?utm_source=share&utm_medium=member_desktop', id: '7016901149999955968', kind: 'post' },
  { url: 'https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7016901149999955968', id: '7016901149999955968', kind: 'post' },
  { url: 'https://linkedin.com/feed/update/urn:li:ugcPost:6850898786781339649/', id: '6850898786781339649', kind: 'post' },
  { url: 'https://www.linkedin.com/feed/update/urn:li:share:7130000000000000000', id: '7130000000000000000', kind: 'post' },
  { url: 'https://www.linkedin.com/embed/feed/update/urn:li:ugcPost:7151241569553985536', id: '7151241569553985536', kind: 'post' },
  { url: 'https://www.linkedin.com/video/live/urn:li:ugcPost:7077317046716203008/', id: '7077317046716203008', kind: 'live' },
  { url: 'https://www.linkedin.com/events/7084656651378536448/comments/', id: '7084656651378536448', kind: 'event' },
  { url: 'https://www.linkedin.com/events/27-02energyfreedombyenergyclub7295762520814874625/comments/', id: '27-02energyfreedombyenergyclub7295762520814874625', kind: 'event' },
  { url: 'https://www.linkedin.com/learning/programming-foundations-fundamentals/welcome?autoplay=true', id: 'programming-foundations-fundamentals/welcome', kind: 'video' },
  { url: 'https://www.linkedin.com/learning/programming-foundations-fundamentals', id: 'programming-foundations-fundamentals', kind: 'playlist' },
  { url: 'https://lnkd.in/gJd2ZqX5', id: null },
  { url: 'https://www.linkedin.com/feed/', id: false },
  { url: 'https://www.linkedin.com/in/satyanadella/', id: false },
  { url: 'https://www.linkedin.com/learning/search?keywords=python', id: false },
  { url: 'https://www.linkedin.com/feed/update/urn:li:fsd_profile:ACoAAA/', id: false },
  { url: 'https://linkedin.com.evil.net/posts/x-activity-7151241570371948544-4Gu7', id: false },
  { url: 'https://notlinkedin.com/feed/update/urn:li:activity:7016901149999955968/', id: false },
];

/** A post or live video named by its URN. */
function fromUrn(url: URL, urn: string | undefined, kind: string): Match | null {
  const m = urn ? URN_RE.exec(urn) : null;
  return m ? matched(NAME, url, m[2]!, kind, { urn: m[1]! }) : null;
}

/** /posts/{slug}: the digits at the end of the slug. */
function fromPostSlug(url: URL, slug: string | undefined): Match | null {
  const m = slug ? POST_SLUG_RE.exec(slug) : null;
  if (!m) return null;
  return matched(NAME, url, m[2]!, 'post', m[1] ? { urn: m[1] } : undefined);
}

/** LinkedIn Learning: a course or one of its videos. */
function fromLearning(url: URL, course: string | undefined, video: string | undefined): Match | null {
  if (!course || !SLUG_RE.test(course) || LEARNING_PAGES.has(course)) return null;
  if (!video) return matched(NAME, url, course, 'playlist');
  return SLUG_RE.test(video) ? matched(NAME, url, `${course}/${video}`, 'video', { course }) : null;
}

/** One entry of the `<video data-sources>` array of the public post page. */
interface DataSource {
  src?: string;
  type?: string;
  /** Bits per second. */
  'data-bitrate'?: number;
}

/** `com.linkedin.videocontent.VideoPlayMetadata` in the logged-in page's `<code>` JSON (fields we use). */
interface VideoPlayMetadata {
  $type?: string;
  /** Milliseconds. */
  duration?: number;
  progressiveStreams?: Array<{
    streamingLocations?: Array<{ url?: string }>;
    size?: number;
    /** Bits per second. */
    bitRate?: number;
    width?: number;
    height?: number;
    mediaType?: string;
  }>;
  adaptiveStreams?: Array<{ masterPlaylists?: Array<{ url?: string }>; protocol?: string }>;
  thumbnail?: { rootUrl?: string; artifacts?: Array<{ width?: number; fileIdentifyingUrlPathSegment?: string }> };
}

/** The page's JSON-LD post (SocialMediaPosting, or a VideoObject on some video posts). */
interface LdPost {
  '@type'?: string;
  headline?: string;
  name?: string;
  articleBody?: string;
  description?: string;
  datePublished?: string;
  uploadDate?: string;
  duration?: string;
  author?: { name?: string; url?: string } | Array<{ name?: string; url?: string }>;
  interactionStatistic?: Array<{ interactionType?: string; userInteractionCount?: number }> | { interactionType?: string; userInteractionCount?: number };
}

/** Paths LinkedIn redirects guests to instead of the post. */
const LOGIN_WALL = /^\/(?:authwall|login|uas\/login|checkpoint|signup)(?:[/?]|$)/;

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'event') throw new DownloadError('link.unsupported', 'LinkedIn events are not downloadable.', { platform: NAME, url: match.url.href });
  if (match.kind === 'video' || match.kind === 'playlist') {
    // LinkedIn Learning needs a member session and its own API: the yt-dlp backend handles it
    throw noNativeExtractor(NAME, match.url.href, 'LinkedIn Learning videos');
  }
  const id = match.id!;
  const url = postUrl(match);
  const html = await fetchPost(url, ctx);
  const meta = metaTags(html);
  const play = videoPlayMetadata(html);
  const formats = [...progressiveFromVideoTag(html), ...progressiveFromCode(play)];
  if (formats.length === 0) formats.push(...(await adaptive(play, ctx)));
  const info = postMetadata(html, meta, id, url, play);
  if (formats.length > 0) return compact<MediaInfo>({ ...info, formats: uniqueFormats(formats) });
  const image = absoluteUrl(meta.get('og:image'));
  if (image && /\/feedshare-/.test(image)) {
    return compact<MediaInfo>({ ...info, formats: [{ id: 'image', url: image, protocol: 'https', container: 'jpg', image: true }] });
  }
  throw new DownloadError('content.not_found', 'This LinkedIn post has no video.', { platform: NAME, url });
}

/** The page that shows the post: the /posts/ slug as given, else the feed/update URN page. */
function postUrl(match: Match): string {
  const segments = pathSegments(match.url);
  if (segments[0] === 'posts' && segments[1]) return `https://www.linkedin.com/posts/${encodeURIComponent(segments[1])}`;
  return `https://www.linkedin.com/feed/update/urn:li:${match.extra?.urn ?? 'activity'}:${match.id}/`;
}

/** The post page, with COOKIES_FILE's session when there is one; login walls and 404s become their codes. */
async function fetchPost(url: string, ctx: ExtractContext): Promise<string> {
  const cookie = cookieJarFor(ctx.config)?.headerFor(url);
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, {
    headers: { accept: 'text/html,application/xhtml+xml', ...(cookie ? { cookie } : {}) },
    throwOnStatus: false,
  }));
  const html = await res.body.text();
  const finalPath = new URL(res.url).pathname;
  if (LOGIN_WALL.test(finalPath) || res.status === 401) {
    throw new DownloadError('content.login_required', 'LinkedIn shows this post to signed-in members only (set COOKIES_FILE).', { platform: NAME, url });
  }
  if (res.status === 404 || res.status === 410) throw notFound(NAME, url);
  if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url });
  return html;
}

/** `<video … data-sources="[{src,type,data-bitrate}]">` of the public (guest) page. */
function progressiveFromVideoTag(html: string): Format[] {
  const formats: Format[] = [];
  for (const tag of html.matchAll(/<video\b([^>]*)>/gi)) {
    const raw = attributes(tag[1]!)['data-sources'];
    if (!raw) continue;
    const sources = tryParseJson<DataSource[]>(raw);
    if (sources === undefined) continue; // a broken attribute on one player; the others and the <code> JSON are still read
    for (const source of Array.isArray(sources) ? sources : []) {
      const url = absoluteUrl(source.src);
      if (!url || (source.type && !source.type.startsWith('video/'))) continue;
      formats.push(progressive(url, num(source['data-bitrate']), undefined, undefined, undefined));
    }
  }
  return formats;
}

/** `progressiveStreams` of the VideoPlayMetadata in the logged-in page's `<code>` JSON. */
function progressiveFromCode(play: VideoPlayMetadata | undefined): Format[] {
  return (play?.progressiveStreams ?? []).flatMap((stream) => {
    const url = absoluteUrl(stream.streamingLocations?.[0]?.url);
    if (!url || (stream.mediaType && !stream.mediaType.startsWith('video/'))) return [];
    return [progressive(url, num(stream.bitRate), num(stream.width), num(stream.height), num(stream.size))];
  });
}

/**
 * A progressive mp4. The rendition name in the path (`/mp4-720p-30fp-crf28/`) tells the
 * resolution and frame rate when the JSON does not.
 */
function progressive(url: string, bitsPerSec: number | undefined, width: number | undefined, height: number | undefined, size: number | undefined): Format {
  const rendition = /\/mp4-(\d{3,4})p-(\d{2})fp/.exec(url);
  const labelP = rendition ? Number(rendition[1]) : undefined;
  return compact<Format>({
    id: `mp4-${height ?? labelP ?? (bitsPerSec ? `${Math.round(bitsPerSec / 1000)}k` : 'src')}`,
    url,
    protocol: 'https',
    container: 'mp4',
    width,
    height: height ?? labelP,
    fps: rendition ? Number(rendition[2]) : undefined,
    bitrateKbps: bitsPerSec ? Math.round(bitsPerSec / 1000) : undefined,
    filesizeBytes: size,
  });
}

/** The first VideoPlayMetadata of the `<code>` blocks (entity-encoded JSON, `included` array). */
function videoPlayMetadata(html: string): VideoPlayMetadata | undefined {
  for (const block of html.matchAll(/<code\b[^>]*>([\s\S]*?)<\/code>/gi)) {
    const text = block[1]!.trim();
    if (!text.includes('progressiveStreams') && !text.includes('adaptiveStreams')) continue;
    const data = tryParseJson(decodeEntities(text.replace(/^<!--|-->$/g, '')));
    if (data === undefined) continue; // not every <code> block is JSON; the video one is checked by its content
    const found = findPlayMetadata(data, 0);
    if (found) return found;
  }
  return undefined;
}

function findPlayMetadata(value: unknown, depth: number): VideoPlayMetadata | undefined {
  if (!value || typeof value !== 'object' || depth > 12) return undefined;
  const obj = value as VideoPlayMetadata & Record<string, unknown>;
  if (Array.isArray(obj.progressiveStreams) || Array.isArray(obj.adaptiveStreams)) return obj;
  for (const child of Object.values(obj)) {
    const found = findPlayMetadata(child, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** HLS master playlists (`adaptiveStreams`), used when there is no progressive file. */
async function adaptive(play: VideoPlayMetadata | undefined, ctx: ExtractContext): Promise<Format[]> {
  const urls = (play?.adaptiveStreams ?? [])
    .filter((s) => !s.protocol || s.protocol.toUpperCase() === 'HLS')
    .map((s) => absoluteUrl(s.masterPlaylists?.[0]?.url))
    .filter((u): u is string => !!u);
  const formats: Format[] = [];
  for (const url of urls) formats.push(...(await hlsFormats(ctx, url, { platform: NAME })));
  return formats;
}

/** Title, author, time, reactions and poster of the post page. */
function postMetadata(html: string, meta: Map<string, string>, id: string, url: string, play: VideoPlayMetadata | undefined): MediaInfo {
  const ld = jsonLd(html).find((x): x is LdPost => typeof x === 'object' && x !== null && /^(SocialMediaPosting|VideoObject|DiscussionForumPosting)$/.test(String((x as LdPost)['@type'])));
  const author = Array.isArray(ld?.author) ? ld?.author[0] : ld?.author;
  const stats = ld?.interactionStatistic ? (Array.isArray(ld.interactionStatistic) ? ld.interactionStatistic : [ld.interactionStatistic]) : [];
  const likes = stats.find((s) => /LikeAction$/.test(s.interactionType ?? ''))?.userInteractionCount ?? num(/\bdata-num-reactions="(\d+)"/.exec(html)?.[1]);
  const poster = /<video\b[^>]*\bdata-poster-url="([^"]+)"/i.exec(html)?.[1];
  const title = str(meta.get('og:title'))?.replace(/\s*\|\s*LinkedIn$/, '') ?? str(ld?.headline) ?? pageTitle(html)?.replace(/\s*\|\s*LinkedIn$/, '');
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: title ?? `LinkedIn post ${id}`,
    description: str(ld?.articleBody) ?? str(ld?.description) ?? str(meta.get('og:description')),
    uploader: str(author?.name),
    uploaderId: /\/(?:in|company)\/([^/?#]+)/.exec(author?.url ?? '')?.[1],
    timestamp: unixSeconds(ld?.datePublished ?? ld?.uploadDate),
    durationSec: play?.duration ? play.duration / 1000 : isoDurationSeconds(ld?.duration),
    likeCount: num(likes),
    thumbnail: absoluteUrl(poster ? decodeEntities(poster) : undefined) ?? absoluteUrl(meta.get('og:image')),
    formats: [],
  });
}

/** LinkedIn posts, live videos, events and Learning videos. */
export const linkedin: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    if (hostIs(url.hostname, 'lnkd.in')) return segments.length === 1 ? matched(NAME, url, null) : null;
    const path = segments[0] === 'embed' ? segments.slice(1) : segments;
    const [a, b, c] = path;
    if (a === 'feed' && b === 'update') return fromUrn(url, c, 'post');
    if (segments[0] === 'embed') return null;
    if (a === 'posts') return fromPostSlug(url, b);
    if (a === 'video' && (b === 'live' || b === 'event')) return fromUrn(url, c, 'live');
    if (a === 'events' && b && EVENT_RE.test(b)) return matched(NAME, url, b, 'event');
    if (a === 'learning' && path.length <= 3) return fromLearning(url, b, c);
    return null;
  },

  extract,
};
