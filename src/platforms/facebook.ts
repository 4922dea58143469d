/**
 * Facebook URLs, offline. Knows `/watch/?v={id}`, `/watch/live/?v={id}`, `/video.php?v={id}`,
 * `/{page}/videos/{id}` (also with a slug or a `vb.{n}` segment before the id), `/reel/{id}`,
 * posts (`/story.php` and `/permalink.php?story_fbid=&id=`, `/{page}/posts/{id or pfbid}`,
 * `/groups/{group}/permalink|posts/{id}`), photos (`/photo.php?fbid=`, `/photo/?fbid=`), and
 * the embed player `/plugins/video.php?href=` (matched as the Facebook URL it carries), on any
 * facebook.com subdomain (www, m, web, mbasic, zh-hk…) and fb.com. Share links
 * (`/share/v|r|p/{code}`, `/share/{code}`, fb.watch/{code}) carry no id and need resolving.
 *
 * Extraction reads the desktop page (https://www.facebook.com/… of the same path, sent like a
 * browser navigation; COOKIES_FILE's session when configured). Its
 * `<script type="application/json" data-sjs>` blocks carry the Relay data
 * (`ScheduledServerJS` → `RelayPrefetchedStreamCache` → `__bbox.result.data`), searched for
 * video nodes: `videoDeliveryLegacyFields` (browser_native_hd_url / browser_native_sd_url),
 * older `playable_url` / `playable_url_quality_hd`, `videoDeliveryResponseFragment`
 * (progressive_urls, inline dash_manifests, dash_manifest_urls, hls_playlist_urls), `dash_manifest`
 * XML strings and `dash_manifest_url`. Reels keep the owner beside the node
 * (`short_form_video_context.video_owner`). Title from the node's name or og:title, poster from
 * preferred_thumbnail. A post with several videos gives entries; a photo page gives og:image.
 * A redirect to /login or /checkpoint, or a login form without video → content.login_required;
 * "This content isn't available" → content.not_found.
 */
import { hostIs, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { parseMpd, representationSegments } from '../media/dash.js';
import { DownloadError, errorForStatus, isDownloadError } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { dashFormats, hlsFormats } from './manifests.js';
import { absoluteUrl, compact, decodeEntities, metaTags, notFound, num, str, tryParseJson } from './page.js';
import { uniqueFormatIds } from './unique-formats.js';

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

/** `{text}` wrappers Facebook uses for titles, descriptions and messages. */
interface TextNode {
  text?: string;
}

/** A `Video` node of the Relay data (fields we read; every one is optional in practice). */
interface VideoNode {
  __typename?: string;
  id?: string;
  videoId?: string;
  name?: string;
  title?: TextNode;
  savable_description?: TextNode;
  message?: TextNode;
  owner?: Owner;
  playable_duration_in_ms?: number;
  length_in_second?: number;
  publish_time?: number;
  creation_time?: number;
  preferred_thumbnail?: { image?: { uri?: string } };
  thumbnailImage?: { uri?: string };
  is_live_streaming?: boolean;
  broadcast_status?: string;
  video_view_count?: number;
  play_count?: number;
  videoDeliveryLegacyFields?: DeliveryFields | null;
  videoDeliveryResponseFragment?: { videoDeliveryResponseResult?: DeliveryResult | null } | null;
}

/** Progressive URLs and manifests, on the node itself (older pages) or in videoDeliveryLegacyFields. */
interface DeliveryFields {
  id?: string;
  browser_native_hd_url?: string | null;
  browser_native_sd_url?: string | null;
  playable_url?: string | null;
  playable_url_quality_hd?: string | null;
  playable_url_dash?: string | null;
  dash_manifest?: string | null;
  dash_manifest_xml_string?: string | null;
  manifest_xml?: string | null;
  dash_manifest_url?: string | null;
}

/** `videoDeliveryResponseResult`: the newer delivery shape. */
interface DeliveryResult {
  progressive_urls?: Array<{ progressive_url?: string | null; failure_reason?: string | null; metadata?: { quality?: string } | null }>;
  dash_manifests?: Array<{ manifest_xml?: string | null }>;
  dash_manifest_urls?: Array<{ manifest_url?: string | null }>;
  hls_playlist_urls?: Array<{ hls_playlist_url?: string | null }>;
}

interface Owner {
  id?: string;
  name?: string;
}

/** A video node found in the page, with the owner its surroundings name (reels keep it beside the node). */
interface Found {
  node: VideoNode & DeliveryFields;
  owner?: Owner;
}

/** Keys that mark an object as a playable video node. */
const DELIVERY_KEYS = [
  'videoDeliveryLegacyFields', 'videoDeliveryResponseFragment', 'browser_native_hd_url', 'browser_native_sd_url',
  'playable_url', 'playable_url_quality_hd', 'dash_manifest', 'dash_manifest_url', 'dash_manifest_xml_string',
] as const;
/** Paths Facebook redirects to instead of content when it wants a session. */
const LOGIN_PATH = /^\/(?:login(?:\.php)?|checkpoint|recover)(?:[/?]|$)/;
const LOGIN_MARKERS = ['>You must log in to continue', 'id="login_form"', 'id="loginbutton"'];
/** fbcdn throttles media requests that carry a browser user agent; Facebook's crawler agent is not. */
const CDN_HEADERS: Readonly<Record<string, string>> = { 'user-agent': 'facebookexternalhit/1.1' };
const REMOVED = /This (?:content|video|page) isn['’]t available|The link you followed may be broken|This video is no longer available/i;

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const page = await fetchPage(pageUrl(match), ctx);
  const found = videoNodes(page.html);
  const meta = metaTags(page.html);
  if (found.length === 0) return withoutVideo(match, page, meta);
  const targets = pickTargets(found, match, ctx);
  const entries = await Promise.all(targets.map((group) => videoInfo(group, page, meta, ctx)));
  if (entries.length === 1) return { ...entries[0]!, id: match.id ?? entries[0]!.id, url: canonicalUrl(match, entries[0]!.id) };
  const limit = ctx.config.playlistLimit;
  const first = entries[0]!;
  return compact<MediaInfo>({
    platform: NAME,
    id: match.id ?? first.id,
    url: canonicalUrl(match, first.id),
    title: ogTitle(meta) ?? first.title,
    description: first.description,
    uploader: first.uploader,
    uploaderId: first.uploaderId,
    formats: [],
    entries: entries.slice(0, limit),
    entriesTotal: entries.length > limit ? entries.length : undefined,
  });
}

/** The desktop page for the URL: any facebook.com/fb.com host becomes www.facebook.com. */
function pageUrl(match: Match): string {
  const url = new URL(match.url.href);
  url.protocol = 'https:';
  url.hostname = 'www.facebook.com';
  url.hash = '';
  return url.href;
}

function canonicalUrl(match: Match, videoId: string): string {
  if (match.kind === 'reel') return `https://www.facebook.com/reel/${match.id}`;
  if (match.kind === 'video' || match.kind === 'live') return `https://www.facebook.com/watch/?v=${match.id ?? videoId}`;
  return pageUrl(match);
}

/** The page HTML, sent like a browser navigation (with COOKIES_FILE's session when configured). */
async function fetchPage(url: string, ctx: ExtractContext): Promise<{ url: string; html: string }> {
  const cookie = cookieJarFor(ctx.config)?.headerFor(url);
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, {
    headers: {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-site': 'none',
      'sec-fetch-dest': 'document',
      ...(cookie ? { cookie } : {}),
    },
    throwOnStatus: false,
  }));
  const html = await res.body.text();
  if (LOGIN_PATH.test(new URL(res.url).pathname)) throw loginRequired(url);
  if (res.status === 404 || res.status === 410) throw notFound(NAME, url);
  if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url });
  return { url: res.url, html };
}

function loginRequired(url: string): DownloadError {
  return new DownloadError('content.login_required', 'Facebook shows this only to logged-in users (set COOKIES_FILE).', { platform: NAME, url });
}

/** Every video node in the page's `<script type="application/json" data-sjs>` blocks, in page order. */
function videoNodes(html: string): Found[] {
  const found: Found[] = [];
  for (const m of html.matchAll(/<script\b[^>]*\bdata-sjs\b[^>]*>([\s\S]*?)<\/script>/gi)) {
    const text = m[1]!;
    if (!DELIVERY_KEYS.some((k) => text.includes(`"${k}"`))) continue;
    const data = tryParseJson(text);
    if (data === undefined) continue; // a block that is not JSON cannot hold the Relay data we look for
    walk(data, undefined, found, 0);
  }
  return found;
}

/** Depth-first search for video nodes; a node's own delivery objects are not searched again. */
function walk(value: unknown, parent: Record<string, unknown> | undefined, found: Found[], depth: number): void {
  if (!value || typeof value !== 'object' || depth > 80) return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, parent, found, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  const isNode = DELIVERY_KEYS.some((k) => obj[k] !== undefined && obj[k] !== null);
  if (isNode) {
    const owner = (obj.owner ?? parent?.video_owner) as Owner | undefined;
    found.push({ node: obj as VideoNode & DeliveryFields, ...(owner ? { owner } : {}) });
  }
  for (const [key, child] of Object.entries(obj)) {
    if (isNode && (key === 'videoDeliveryLegacyFields' || key === 'videoDeliveryResponseFragment')) continue;
    walk(child, obj, found, depth + 1);
  }
}

function nodeId(f: Found): string | undefined {
  const id = f.node.videoId ?? f.node.id ?? f.node.videoDeliveryLegacyFields?.id;
  return id !== undefined && id !== null ? String(id) : undefined;
}

/**
 * The videos the URL is about, each as the list of nodes that describe it (a video appears
 * several times in the data, each time with a part of its fields). A video URL wants its own id;
 * a post wants every video in it.
 */
function pickTargets(found: Found[], match: Match, ctx: ExtractContext): Found[][] {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const id = nodeId(f) ?? `#${groups.size}`;
    groups.set(id, [...(groups.get(id) ?? []), f]);
  }
  const isVideoUrl = match.kind === 'video' || match.kind === 'reel' || match.kind === 'live';
  const own = match.id ? groups.get(match.id) : undefined;
  if (own) return [own];
  if (isVideoUrl) {
    ctx.logger.warn({ platform: NAME, id: match.id, found: [...groups.keys()].slice(0, 5) }, 'the page has no video node with the URL\'s id; taking its first video');
    return [[...groups.values()][0]!];
  }
  return [...groups.values()];
}

/** One video: its formats from every node that describes it, and its metadata. */
async function videoInfo(group: Found[], page: { url: string; html: string }, meta: Map<string, string>, ctx: ExtractContext): Promise<MediaInfo> {
  const pick = <T>(get: (f: Found) => T | undefined): T | undefined => group.map(get).find((v) => v !== undefined && v !== null);
  const id = pick(nodeId) ?? 'video';
  const formats = await formatsOf(group, page.url, ctx);
  const owner = pick((f) => (str(f.owner?.name) || str(f.owner?.id) ? f.owner : undefined));
  const ms = pick((f) => num(f.node.playable_duration_in_ms));
  const description = pick((f) => str(f.node.savable_description?.text) ?? str(f.node.message?.text)) ?? str(meta.get('og:description')) ?? str(meta.get('description'));
  const title = pick((f) => str(f.node.name) ?? str(f.node.title?.text)) ?? ogTitle(meta) ?? description?.split('\n')[0]?.slice(0, 150) ?? `Facebook video ${id}`;
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url: `https://www.facebook.com/watch/?v=${id}`,
    title,
    description,
    uploader: str(owner?.name),
    uploaderId: str(owner?.id),
    durationSec: ms !== undefined ? ms / 1000 : pick((f) => num(f.node.length_in_second)),
    timestamp: pick((f) => num(f.node.publish_time) ?? num(f.node.creation_time)),
    thumbnail: pick((f) => absoluteUrl(f.node.preferred_thumbnail?.image?.uri) ?? absoluteUrl(f.node.thumbnailImage?.uri)) ?? absoluteUrl(meta.get('og:image')),
    viewCount: pick((f) => num(f.node.video_view_count) ?? num(f.node.play_count)),
    live: pick((f) => (f.node.is_live_streaming === true || f.node.broadcast_status === 'LIVE' ? true : undefined)),
    formats,
  });
}

/** og:title without the " | Facebook" tail. */
function ogTitle(meta: Map<string, string>): string | undefined {
  return str(meta.get('og:title')?.replace(/\s*\|\s*Facebook$/, ''));
}

/**
 * Formats of a video: progressive HD/SD files (legacy fields and `progressive_urls`), the
 * representations of inline DASH manifests (each a separate video-only or audio-only file),
 * else the DASH manifest URLs, else the HLS playlists.
 */
async function formatsOf(group: Found[], pageUrl: string, ctx: ExtractContext): Promise<Format[]> {
  const progressive: Array<[string, string]> = [];
  const manifests: string[] = [];
  const manifestUrls: string[] = [];
  const hlsUrls: string[] = [];
  for (const { node } of group) {
    for (const fields of [node, node.videoDeliveryLegacyFields ?? {}]) {
      for (const [key, quality] of [['browser_native_hd_url', 'hd'], ['playable_url_quality_hd', 'hd'], ['browser_native_sd_url', 'sd'], ['playable_url', 'sd']] as const) {
        const url = absoluteUrl(fields[key]);
        if (url) progressive.push([quality, url]);
      }
      for (const xml of [fields.dash_manifest, fields.dash_manifest_xml_string, fields.manifest_xml]) if (str(xml)) manifests.push(xml!);
      for (const url of [fields.dash_manifest_url, fields.playable_url_dash]) if (absoluteUrl(url)) manifestUrls.push(absoluteUrl(url)!);
    }
    const result = node.videoDeliveryResponseFragment?.videoDeliveryResponseResult;
    for (const p of result?.progressive_urls ?? []) {
      const url = absoluteUrl(p.progressive_url);
      if (url && !p.failure_reason) progressive.push([(p.metadata?.quality ?? 'sd').toLowerCase(), url]);
    }
    for (const m of result?.dash_manifests ?? []) if (str(m.manifest_xml)) manifests.push(m.manifest_xml!);
    for (const m of result?.dash_manifest_urls ?? []) if (absoluteUrl(m.manifest_url)) manifestUrls.push(absoluteUrl(m.manifest_url)!);
    for (const m of result?.hls_playlist_urls ?? []) if (absoluteUrl(m.hls_playlist_url)) hlsUrls.push(absoluteUrl(m.hls_playlist_url)!);
  }
  const formats = progressiveFormats(progressive);
  const base = manifestUrls[0] ?? pageUrl;
  for (const xml of unique(manifests)) formats.push(...inlineDash(xml, base, manifestUrls[0] !== undefined));
  const options = { platform: NAME, headers: { ...CDN_HEADERS } };
  if (manifests.length === 0) for (const url of unique(manifestUrls)) formats.push(...(await dashFormats(ctx, url, options)));
  if (formats.length === 0) for (const url of unique(hlsUrls)) formats.push(...(await hlsFormats(ctx, url, options)));
  // two nodes may both say "hd"
  return uniqueFormatIds(formats).map((f) => ({ ...f, headers: { ...CDN_HEADERS, ...f.headers } }));
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/**
 * HD/SD progressive mp4s, each file once: the same file under two keys differs only in its
 * signature, so the path names it. The encode tag in `efg` (base64 JSON) names the resolution.
 */
function progressiveFormats(list: Array<[string, string]>): Format[] {
  const seen = new Set<string>();
  const formats: Format[] = [];
  for (const [quality, url] of list) {
    const path = new URL(url).pathname;
    if (seen.has(path)) continue;
    seen.add(path);
    formats.push(compact<Format>({ id: quality, url, protocol: 'https', container: 'mp4', height: encodeHeight(url), note: quality === 'hd' ? 'HD' : 'SD' }));
  }
  return formats;
}

/** `efg=eyJ2ZW5jb2RlX3RhZyI6…` → {"vencode_tag":"…_720p"} → 720. */
function encodeHeight(url: string): number | undefined {
  const efg = new URL(url).searchParams.get('efg');
  let tag = new URL(url).searchParams.get('tag') ?? '';
  // efg is an opaque tracking blob on some files; the resolution then stays unknown
  if (efg) tag = tryParseJson<{ vencode_tag?: string }>(Buffer.from(efg, 'base64url').toString('utf8'))?.vencode_tag ?? tag;
  const p = /(\d{3,4})p\b/.exec(tag);
  return p ? Number(p[1]) : undefined;
}

/**
 * The representations of a manifest embedded as XML. Facebook's are single files
 * (BaseURL + SegmentBase), so each becomes a direct https format; a representation made of
 * segments is only usable when the manifest also has a URL to fetch it from.
 */
function inlineDash(rawXml: string, base: string, hasUrl: boolean): Format[] {
  const xml = /^%3C/i.test(rawXml.trim()) ? decodeURIComponent(rawXml.replace(/\+/g, ' ')) : rawXml;
  let parsed: Format[];
  try {
    parsed = parseMpd(xml, base);
  } catch (error) {
    if (isDownloadError(error)) return []; // not a manifest after all (an empty placeholder string)
    throw error;
  }
  return parsed.flatMap((f) => {
    let single: string | undefined;
    try {
      single = representationSegments(xml, base, f.manifestStreamId!).single;
    } catch (error) {
      if (!isDownloadError(error)) throw error;
    }
    if (single) {
      const { manifestStreamId: _id, ...rest } = f;
      return [{ ...rest, url: single, protocol: 'https' as const }];
    }
    return hasUrl ? [f] : [];
  });
}


/** A page without any video: a photo, a removed item or a login wall. */
function withoutVideo(match: Match, page: { url: string; html: string }, meta: Map<string, string>): MediaInfo {
  const url = pageUrl(match);
  const text = decodeEntities(page.html).replace(/\\u2019/g, '’');
  const image = absoluteUrl(meta.get('og:image'));
  if (match.kind === 'photo' && image && /fbcdn\.net\//.test(image)) {
    return compact<MediaInfo>({
      platform: NAME,
      id: match.id!,
      url,
      title: ogTitle(meta) ?? `Facebook photo ${match.id}`,
      description: str(meta.get('og:description')),
      formats: [{ id: 'photo', url: image, protocol: 'https', container: /\.png(?:\?|$)/.test(image) ? 'png' : 'jpg', image: true }],
    });
  }
  if (REMOVED.test(text)) throw notFound(NAME, url, 'Facebook says this content is not available (removed, or shared with a small group).');
  if (LOGIN_MARKERS.some((m) => page.html.includes(m))) throw loginRequired(url);
  throw new DownloadError('fetch.failed', 'The Facebook page had no video data (the page layout may have changed).', { platform: NAME, url }, { retriable: false });
}

/** Facebook videos, reels, lives, posts and photos. */
export const facebook: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
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

  extract,
};
