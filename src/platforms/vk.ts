/**
 * VK (vk.com, vk.ru, vkvideo.ru and their m./new./vksport. subdomains). Knows:
 * - videos and clips: /video{owner}_{id}, /clip{owner}_{id} (an optional `_{accessKey}` tail and a
 *   `list=` query go to extra); the id is `owner_id` with the owner's sign, e.g. `-22822305_456241864`;
 * - a video or clip opened over any page: `?z=video-1_2%2Fpl_-1_-2` (feed, group, search, …);
 * - the embed player: /video_ext.php?oid=-1&id=2&hash=… (the hash goes to extra);
 * - wall posts: /wall-1_2 and `?w=wall-1_2` on a profile;
 * - playlists: vkvideo.ru/playlist/-1_2, vk.com/video/playlist/-1_2;
 * - channels: vk.com/video/@name, vkvideo.ru/@name, and a group's video list /videos-1;
 * - VK Video Live (live.vkvideo.ru, live.vkplay.ru, vkplay.live): /{streamer} and /{streamer}/record/{uuid};
 * - vk.cc short links (resolved first).
 *
 * Extraction of videos and clips (vk.com's web endpoints, not the VK API; cookies for vk.com from
 * COOKIES_FILE are sent when present):
 * - `POST https://vk.com/al_video.php?act=show` with `act=show&al=1&video={owner}_{id}[&list=…]` and
 *   `X-Requested-With: XMLHttpRequest` (the site's own video layer) answers `<!--`-prefixed JSON
 *   `{payload: [code, [title, html, js, …, {mvData, player: {params: [{…}]}}]]}`. Code 3 is a login
 *   wall, code 8 an error sentence in `payload[1][0]` ("Access denied", "This video has been removed
 *   from public access", region notices). `params[0]` holds `md_title`, `md_author`, `author_id`,
 *   `duration`, `jpg`, `date`, `live` (2 = on air) and one key per source: `url144`…`url2160` (mp4),
 *   `hls`, `dash_sep`, `dash_webm`.
 * - `GET https://vk.com/video_ext.php?oid=…&id=…[&hash=…]` (the embeddable player; used for embed URLs
 *   and when the layer has no player or wants a login): older pages assign `var playerParams = {params:
 *   [{…}]}`, newer ones prefetch a `video.get` answer into `apiPrefetchCache` (`items[].files` with
 *   `mp4_144`…, `hls`, `dash_sep`; owners in `groups`/`profiles`). Errors show in `video_layer_message`.
 * - A video that is another site's player (YouTube, Rutube, OK, …) is handed to that platform.
 * - A redirect to `/challenge.html` (VK's JS anti-bot check) cannot be answered without a JS engine:
 *   it is reported as fetch.rate_limited; a browser's cookies in COOKIES_FILE get past it.
 * Walls, playlists, channels and VK Video Live are recognised but not extracted natively.
 */
import { hostIn, hostIs, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, isDownloadError, noNativeExtractor } from '../utils/errors.js';
import { header, readBounded, type HttpResponse } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { dashFormats, hlsFormats } from './manifests.js';
import { absoluteUrl, compact, decodeEntities, decodeText, jsonAfter, num, str, tryParseJson } from './page.js';

const NAME = 'vk';
const HOSTS = ['vk.com', 'vk.ru', 'vkvideo.ru', 'vk.cc', 'vkplay.live', 'live.vkplay.ru'] as const;
/** Hosts of VK Video Live, where the first path segment is a streamer. */
const LIVE_HOSTS = ['live.vkvideo.ru', 'live.vkplay.ru', 'vkplay.live'] as const;

/** `video-1_2`, `clip1_2` or `video-1_2_accessKey`: the kind, the owner_id and the access key. */
const MEDIA_RE = /^(video|clip)(-?\d+_\d+)(?:_([\da-f]+))?$/;
const WALL_RE = /^wall(-?\d+_\d+)$/;
const PLAYLIST_RE = /^-?\d+_-?\d+$/;
const CHANNEL_RE = /^@[\w.-]+$/;
const UUID_RE = /^[\da-f]{8}-(?:[\da-f]{4}-){3}[\da-f]{12}$/;
const STREAMER_RE = /^[\w.-]+$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://vk.com/video-22822305_456241864', id: '-22822305_456241864', kind: 'video' },
  { url: 'https://vk.com/video205387401_165548505', id: '205387401_165548505', kind: 'video' },
  { url: 'https://m.vk.com/video-93049196_456239755?list=ln-cBjJ7S4jYYx3ADnmDT', id: '-93049196_456239755', kind: 'video' },
  { url: 'https://vkvideo.ru/video-18403220_456239696', id: '-18403220_456239696', kind: 'video' },
  { url: 'https://VK.RU/video-220754053_456242564/', id: '-220754053_456242564', kind: 'video' },
  { url: 'https://vksport.vkvideo.ru/video-124096712_456240773', id: '-124096712_456240773', kind: 'video' },
  { url: 'https://vk.com/clip30014565_456240946', id: '30014565_456240946', kind: 'clip' },
  { url: 'https://vk.com/clips-74006511?z=clip-74006511_456247211', id: '-74006511_456247211', kind: 'clip' },
  { url: 'http://vk.com/feed?z=video-43215063_166094326%2Fbb50cacd3177146d7a', id: '-43215063_166094326', kind: 'video' },
  { url: 'https://vk.com/videos-387766?z=video-387766_456242764%2Fpl_-387766_-2', id: '-387766_456242764', kind: 'video' },
  { url: 'https://vk.com/video_ext.php?oid=-77521&id=162222515&hash=87b046504ccd8bfa', id: '-77521_162222515', kind: 'video' },
  { url: 'https://vk.com/wall-23538238_35', id: '-23538238_35', kind: 'post' },
  { url: 'https://vk.com/bs.official?w=wall-23538238_35', id: '-23538238_35', kind: 'post' },
  { url: 'https://vkvideo.ru/playlist/-204353299_426', id: '-204353299_426', kind: 'playlist' },
  { url: 'https://vk.com/video/playlist/-174476437_2', id: '-174476437_2', kind: 'playlist' },
  { url: 'https://vk.com/video/@mobidevices?section=uploaded', id: '@mobidevices', kind: 'channel' },
  { url: 'https://vkvideo.ru/@mobidevices/all', id: '@mobidevices', kind: 'channel' },
  { url: 'https://live.vkvideo.ru/panterka', id: 'panterka', kind: 'live' },
  { url: 'https://vkplay.live/zitsmann/record/f5e6e3b5-dc52-4d14-965d-0680dd2882da', id: 'f5e6e3b5-dc52-4d14-965d-0680dd2882da', kind: 'vod' },
  { url: 'https://vk.cc/cvZ0Ab', id: null },
  { url: 'https://vk.com/id1', id: false },
  { url: 'https://vk.com/feed', id: false },
  { url: 'https://vk.com.evil.net/video-22822305_456241864', id: false },
  { url: 'https://notvk.com/video-22822305_456241864', id: false },
  { url: 'https://vk.com/video-1_abc', id: false },
];

const ORIGIN = 'https://vk.com';
/** Headers the CDN (okcdn.ru / vkuservideo) gets with every media request. */
const CDN_HEADERS = { Referer: 'https://vk.com/' } as const;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Hosts whose players VK embeds for videos that live elsewhere. */
const EMBED_HOSTS = /^(?:https?:)?\/\/(?:www\.)?(?:youtube\.com\/embed\/|youtube-nocookie\.com\/embed\/|player\.vimeo\.com\/video\/|rutube\.ru\/(?:play\/|video\/)?embed\/|ok\.ru\/videoembed\/|(?:www\.)?dailymotion\.com\/embed\/)/i;

/** `{payload: [code, [title, html, js, …, options]]}` from al_video.php (after an optional `<!--`). */
interface ShowAnswer {
  payload?: unknown[];
}

/** The options object at the end of the show payload. */
interface ShowOptions {
  mvData?: MvData;
  player?: { params?: PlayerParams[] };
}

/** The video layer's data. */
interface MvData {
  title?: string;
  desc?: string;
  duration?: number;
  likes?: number;
  is_active_live?: number | string;
}

/** The player's parameters: metadata plus one key per source (url720, hls, dash_sep, …). */
interface PlayerParams {
  [key: string]: unknown;
  md_title?: string;
  md_author?: string;
  author_id?: number | string;
  authorId?: number | string;
  duration?: number;
  jpg?: string;
  date?: number;
  /** 2 = live now, 3 = a finished live stream. */
  live?: number;
}

/** A video as the API's video.get describes it (the embed page prefetches that call). */
interface ApiVideo {
  id?: number;
  owner_id?: number;
  title?: string;
  description?: string;
  duration?: number;
  date?: number;
  views?: number;
  likes?: { count?: number };
  image?: Array<{ url?: string; width?: number }>;
  files?: Record<string, unknown>;
  live_status?: string;
}

/** video.get's response with the owners it names. */
interface ApiVideoList {
  items?: ApiVideo[];
  profiles?: Array<{ id?: number; first_name?: string; last_name?: string }>;
  groups?: Array<{ id?: number; name?: string }>;
}

/** One prefetched API call of the embed page. */
interface PrefetchEntry {
  method?: string;
  response?: ApiVideoList;
}

/** The metadata fields a source can fill. */
type VideoMeta = Pick<MediaInfo, 'title' | 'description' | 'uploader' | 'uploaderId' | 'durationSec' | 'thumbnail' | 'timestamp' | 'viewCount' | 'likeCount'>;

/** What any of the sources says about a video, in one shape. */
interface VkVideo {
  meta: VideoMeta;
  live: boolean;
  /** Source key (url720, mp4_720, hls, dash_sep, …) → URL. */
  sources: Map<string, string>;
}

/** A source found nothing to play but names another site's player. */
interface Elsewhere {
  external: string;
}

/** The Cookie header for a vk.com request from COOKIES_FILE, if any. */
function cookieFor(ctx: ExtractContext, url: string): string | undefined {
  return cookieJarFor(ctx.config)?.headerFor(url);
}

/** A body decoded with the charset the server names (VK still serves windows-1251 pages). */
async function readText(res: HttpResponse): Promise<string> {
  const bytes = await readBounded(res, MAX_BODY_BYTES);
  return decodeText(bytes, /charset=["']?([\w-]+)/i.exec(header(res, 'content-type') ?? '')?.[1]);
}

/** VK's anti-bot page: a JS challenge this client cannot run. */
function challenged(res: HttpResponse, url: string): DownloadError | undefined {
  const path = new URL(res.url).pathname;
  if (path !== '/challenge.html' && path !== '/429.html') return undefined;
  return new DownloadError(
    'fetch.rate_limited',
    'VK answered with its anti-bot challenge. Retry later, or give COOKIES_FILE the vk.com cookies of a browser that passed it.',
    { platform: NAME, url },
  );
}

/** Text of an HTML fragment: tags dropped, <br> as newlines, entities decoded. */
function plainText(html: string | undefined): string | undefined {
  if (!html) return undefined;
  const text = html.replace(/<br\s*\/?>|<\/(?:div|p|h\d)>/gi, '\n').replace(/<[^>]+>/g, '');
  return str(decodeEntities(text).replace(/[ \t]*\n[ \t]*/g, '\n').replace(/\n{2,}/g, '\n'));
}

/** The error a VK refusal sentence means (English or Russian). */
function refusal(message: string, url: string): DownloadError {
  const context = { platform: NAME, url };
  if (/log ?in|sign in|authoriz|войдите|авториз|зарегистр/i.test(message)) return new DownloadError('content.login_required', message, context);
  if (/region|countr|стран|регион/i.test(message)) return new DownloadError('content.geo_blocked', message, context);
  if (/\b18\+?(?!\d)|\bage\b|возраст/i.test(message)) return new DownloadError('content.age_restricted', message, context);
  if (/temporar|временно/i.test(message)) return new DownloadError('fetch.failed', message, context, { retriable: true });
  if (/removed|deleted|not found|does not exist|unknown error|no longer available|blocked|удал|изъят|не найден|не существует|заблокирован/i.test(message)) {
    return new DownloadError('content.not_found', message, context);
  }
  if (/access|private|restricted|доступ|приват|огранич/i.test(message)) return new DownloadError('content.private', message, context);
  return new DownloadError('fetch.failed', message, context, { retriable: false });
}

/** Every source key of a player's parameters that holds a URL. */
function sourcesOf(record: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'string' || !/^(?:https?:)?\/\//.test(value)) continue;
    const url = absoluteUrl(value);
    if (url) out.set(key, url);
  }
  return out;
}

/** The player's parameters (and the layer's data) in the common shape. */
function fromParams(id: string, params: PlayerParams, mv: MvData = {}): VkVideo {
  const authorId = params.author_id ?? params.authorId;
  return {
    meta: compact<VideoMeta>({
      title: str(decodeEntities(str(mv.title) ?? str(params.md_title) ?? '')),
      description: plainText(mv.desc),
      uploader: str(decodeEntities(str(params.md_author) ?? '')),
      uploaderId: authorId !== undefined && authorId !== '' ? String(authorId) : id.split('_')[0],
      durationSec: num(params.duration) ?? num(mv.duration),
      thumbnail: absoluteUrl(str(params.jpg)),
      timestamp: num(params.date),
      likeCount: num(mv.likes),
    }),
    live: params.live === 2 || Number(mv.is_active_live ?? 0) === 1,
    sources: sourcesOf(params),
  };
}

/** A video.get item (from the embed page's prefetch cache) in the common shape. */
function fromApi(id: string, item: ApiVideo, list: ApiVideoList): VkVideo {
  const owner = item.owner_id;
  const group = owner !== undefined && owner < 0 ? list.groups?.find((g) => g.id === -owner) : undefined;
  const profile = owner !== undefined && owner > 0 ? list.profiles?.find((p) => p.id === owner) : undefined;
  const thumbnail = [...(item.image ?? [])].sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0]?.url;
  return {
    meta: compact<VideoMeta>({
      title: str(item.title),
      description: str(item.description),
      uploader: str(group?.name) ?? str([profile?.first_name, profile?.last_name].filter(Boolean).join(' ')),
      uploaderId: owner !== undefined ? String(owner) : id.split('_')[0],
      durationSec: num(item.duration),
      thumbnail: absoluteUrl(thumbnail),
      timestamp: num(item.date),
      viewCount: num(item.views),
      likeCount: num(item.likes?.count),
    }),
    live: item.live_status === 'started',
    sources: sourcesOf(item.files ?? {}),
  };
}

/** Another site's player in an HTML fragment VK answered, if any. */
function externalPlayer(htmls: readonly unknown[]): Elsewhere | undefined {
  for (const html of htmls) {
    if (typeof html !== 'string') continue;
    for (const m of html.matchAll(/<iframe\b[^>]*\bsrc=\\?["']([^"'\\]+)\\?["']/gi)) {
      const src = decodeEntities(m[1]!);
      if (EMBED_HOSTS.test(src)) return { external: absoluteUrl(src)! };
    }
  }
  return undefined;
}

/**
 * POST al_video.php?act=show, the call vk.com's own video layer makes. Undefined when the answer
 * has no player parameters (the embed page is tried next).
 */
async function fromShow(ctx: ExtractContext, id: string, list: string | undefined, page: string): Promise<VkVideo | Elsewhere | undefined> {
  const endpoint = `${ORIGIN}/al_video.php?act=show`;
  const res = await ctx.http.request(endpoint, requestOptions(ctx, NAME, {
    form: { act: 'show', al: '1', video: id, ...(list ? { list } : {}) },
    headers: { 'x-requested-with': 'XMLHttpRequest', origin: ORIGIN, referer: page, cookie: cookieFor(ctx, endpoint) },
  }));
  const text = await readText(res);
  const blocked = challenged(res, page);
  if (blocked) throw blocked;
  const answer = tryParseJson<ShowAnswer>(text.replace(/^\s*<!--/, ''));
  if (answer === undefined) throw new DownloadError('fetch.failed', 'al_video.php answered with something that is not JSON.', { platform: NAME, url: page });
  const [code, inner] = answer.payload ?? [];
  const parts = Array.isArray(inner) ? (inner as unknown[]) : [];
  if (String(code) === '3') throw new DownloadError('content.login_required', 'VK shows this video to logged-in viewers only.', { platform: NAME, url: page });
  const message = typeof parts[0] === 'string' ? plainText(unquote(parts[0])) : undefined;
  if (String(code) === '8') throw refusal(message ?? 'VK refused to show the video.', page);
  if (String(code) !== '0') {
    throw message ? refusal(message, page) : new DownloadError('fetch.failed', `al_video.php answered code ${String(code)}.`, { platform: NAME, url: page });
  }
  const options = [...parts].reverse().find((p): p is ShowOptions => !!p && typeof p === 'object' && ('player' in p || 'mvData' in p));
  const params = options?.player?.params?.[0];
  if (params && sourcesOf(params).size > 0) return fromParams(id, params, options?.mvData);
  return externalPlayer(parts);
}

/** A JSON string literal as VK sends error texts (`"\"Access denied\""`), or the text itself. */
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  const value = tryParseJson(text);
  return typeof value === 'string' ? value : text;
}

/** GET video_ext.php, the embeddable player: `playerParams` (older pages) or a prefetched video.get. */
async function fromEmbedPage(ctx: ExtractContext, id: string, hash: string | undefined, page: string): Promise<VkVideo | Elsewhere> {
  const [oid, vid] = id.split('_');
  const embed = new URL(`${ORIGIN}/video_ext.php`);
  embed.search = new URLSearchParams({ oid: oid!, id: vid!, ...(hash ? { hash } : {}) }).toString();
  const res = await ctx.http.request(embed, requestOptions(ctx, NAME, { headers: { referer: page, cookie: cookieFor(ctx, embed.href) } }));
  const html = await readText(res);
  const blocked = challenged(res, page);
  if (blocked) throw blocked;
  const message = /<div\b[^>]*(?:class="[^"]*\bvideo_layer_message\b[^"]*"|id="video_ext_msg")[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  if (message) throw refusal(plainText(message) ?? 'VK refused to play the video.', page);

  const player = jsonAfter<{ params?: PlayerParams[] }>(html, /var\s+playerParams\s*=\s*/);
  const params = player?.params?.[0];
  if (params && sourcesOf(params).size > 0) return fromParams(id, params);
  const prefetch = jsonAfter<PrefetchEntry[]>(html, /apiPrefetchCache["']?\s*[:=]\s*/);
  const list = prefetch?.find((e) => e.method === 'video.get')?.response;
  const item = list?.items?.find((i) => `${i.owner_id}_${i.id}` === id) ?? list?.items?.[0];
  if (list && item && Object.keys(item.files ?? {}).length > 0) return fromApi(id, item, list);
  const elsewhere = externalPlayer([html]);
  if (elsewhere) return elsewhere;
  throw new DownloadError('fetch.failed', 'The VK embed page has no player parameters.', { platform: NAME, url: page }, { retriable: false });
}

/** Progressive mp4 sources (url720, mp4_720, cache720): one per height, `url…`/`mp4_…` before a cache copy. */
function progressiveFormats(video: VkVideo): Format[] {
  const byHeight = new Map<number, Format>();
  for (const [key, url] of video.sources) {
    const m = /^(url|mp4_|cache)(\d+)$/.exec(key);
    if (!m) continue;
    const height = Number(m[2]);
    if (byHeight.has(height) && m[1] === 'cache') continue;
    // VK's progressive files are H.264/AAC mp4; the other codecs come only over DASH
    byHeight.set(height, { id: `mp4-${height}`, url, protocol: 'https', container: 'mp4', height, vcodec: 'avc1', acodec: 'mp4a', headers: { ...CDN_HEADERS } });
  }
  return [...byHeight.values()].sort((a, b) => a.height! - b.height!);
}

/** A manifest's formats; when other formats exist a failing manifest is logged and skipped. */
async function manifestFormats(ctx: ExtractContext, kind: 'hls' | 'dash', url: string, required: boolean): Promise<Format[]> {
  try {
    const options = { platform: NAME, headers: { ...CDN_HEADERS } };
    return kind === 'hls' ? await hlsFormats(ctx, url, options) : await dashFormats(ctx, url, options);
  } catch (error) {
    if (required || !isDownloadError(error) || error.code === 'fetch.rate_limited') throw error;
    ctx.logger.warn({ platform: NAME, manifest: kind, code: error.code }, 'a manifest failed; keeping the other formats');
    return [];
  }
}

/** Every format the sources offer: the mp4 files, the HLS renditions, and DASH when nothing else plays. */
async function formatsOf(ctx: ExtractContext, video: VkVideo): Promise<Format[]> {
  const s = video.sources;
  if (video.live) {
    const url = s.get('hls_live') ?? s.get('hls');
    // format selection refuses live streams, so the playlist is not fetched
    return url ? [{ id: 'hls-live', url, protocol: 'hls', container: 'mp4', headers: { ...CDN_HEADERS } }] : [];
  }
  const progressive = progressiveFormats(video);
  const hls = s.get('hls') ?? s.get('hls_ondemand');
  const formats = [...progressive, ...(hls ? await manifestFormats(ctx, 'hls', hls, progressive.length === 0) : [])];
  const dash = s.get('dash_sep') ?? s.get('dash_ondemand') ?? s.get('dash_webm');
  if (formats.length === 0 && dash) formats.push(...(await manifestFormats(ctx, 'dash', dash, true)));
  return formats;
}

/** Another platform's player VK shows for this video: that platform extracts it. */
async function handOff(ctx: ExtractContext, url: string, page: string): Promise<MediaInfo> {
  if (!ctx.extractUrl) throw new DownloadError('fetch.failed', `The video is an embedded player from ${url}.`, { platform: NAME, url: page }, { retriable: false });
  return ctx.extractUrl(url);
}

/** The video from al_video.php, or from the embed page when that has no player or wants a login. */
async function findVideo(ctx: ExtractContext, match: Match, page: string): Promise<VkVideo | Elsewhere> {
  const id = match.id!;
  const hash = match.extra?.hash;
  if (hash) return fromEmbedPage(ctx, id, hash, page);
  try {
    return (await fromShow(ctx, id, match.extra?.list, page)) ?? (await fromEmbedPage(ctx, id, undefined, page));
  } catch (error) {
    if (!isDownloadError(error) || error.code !== 'content.login_required') throw error;
    // public embeds sometimes play where the video layer wants a login; the login error explains better
    return fromEmbedPage(ctx, id, undefined, page).catch(() => Promise.reject(error));
  }
}

async function extractVideo(ctx: ExtractContext, match: Match): Promise<MediaInfo> {
  const id = match.id!;
  const page = `${ORIGIN}/${match.kind === 'clip' ? 'clip' : 'video'}${id}`;
  const found = await findVideo(ctx, match, page);
  if ('external' in found) return handOff(ctx, found.external, page);
  const formats = await formatsOf(ctx, found);
  if (formats.length === 0) throw new DownloadError('fetch.failed', 'VK named no playable source for this video.', { platform: NAME, url: page }, { retriable: false });
  return compact<MediaInfo>({ platform: NAME, id, url: page, ...found.meta, title: found.meta.title ?? id, live: found.live || undefined, formats });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'video' || match.kind === 'clip') return extractVideo(ctx, match);
  // not final: the platform manager still offers these to the yt-dlp backend when one is installed
  throw noNativeExtractor(NAME, match.url.href, `VK ${match.kind ?? 'page'} links`);
}

/** A video, clip or wall post named by one path segment or a `z`/`w` query value. */
function fromItem(url: URL, item: string): Match | null {
  const media = MEDIA_RE.exec(item);
  if (media) {
    const extra: Record<string, string> = {};
    if (media[3]) extra.accessKey = media[3];
    const list = url.searchParams.get('list');
    if (list) extra.list = list;
    return matched(NAME, url, media[2]!, media[1], Object.keys(extra).length ? extra : undefined);
  }
  const wall = WALL_RE.exec(item);
  return wall ? matched(NAME, url, wall[1]!, 'post') : null;
}

/** /video_ext.php?oid=…&id=…&hash=…: the embedded player. */
function fromEmbed(url: URL): Match | null {
  const oid = url.searchParams.get('oid') ?? '';
  const id = url.searchParams.get('id') ?? '';
  if (!/^-?\d+$/.test(oid) || !/^\d+$/.test(id)) return null;
  const hash = url.searchParams.get('hash');
  return matched(NAME, url, `${oid}_${id}`, 'video', hash ? { hash } : undefined);
}

/** VK Video Live: /{streamer} is the stream, /{streamer}/record/{uuid} a recording. */
function fromLive(url: URL, segments: string[]): Match | null {
  const [streamer, section, record] = segments;
  if (!streamer || !STREAMER_RE.test(streamer)) return null;
  if (segments.length === 1) return matched(NAME, url, streamer, 'live');
  if (section === 'record' && record && UUID_RE.test(record)) return matched(NAME, url, record, 'vod', { streamer });
  return null;
}

/** Playlists and channels under /video/… on vk.com and at the root of vkvideo.ru. */
function fromCatalog(url: URL, segments: string[]): Match | null {
  const [first, second, third] = segments;
  if (first === 'playlist' && second && PLAYLIST_RE.test(second)) return matched(NAME, url, second, 'playlist');
  if (first && CHANNEL_RE.test(first) && (!second || (second === 'all' && !third))) return matched(NAME, url, first, 'channel');
  return null;
}

/** VK videos, clips, posts, playlists, channels and live streams. */
export const vk: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    if (hostIs(url.hostname, 'vk.cc')) return segments.length === 1 ? matched(NAME, url, null) : null;
    if (hostIn(url.hostname, LIVE_HOSTS)) return fromLive(url, segments);

    // A video layer opened over another page wins over the page itself.
    const z = url.searchParams.get('z');
    const overlay = z ? fromItem(url, z.split('/')[0]!) : null;
    if (overlay) return overlay;
    const w = url.searchParams.get('w');
    const wall = w ? fromItem(url, w) : null;
    if (wall) return wall;

    if (segments.length === 1 && segments[0] === 'video_ext.php') return fromEmbed(url);
    if (segments.length === 1) {
      const item = fromItem(url, segments[0]!);
      if (item) return item;
      const groupVideos = /^videos(-?\d+)$/.exec(segments[0]!);
      if (groupVideos) return matched(NAME, url, groupVideos[1]!, 'channel');
    }
    if (segments[0] === 'video') return fromCatalog(url, segments.slice(1));
    if (hostIs(url.hostname, 'vkvideo.ru')) return fromCatalog(url, segments);
    return null;
  },

  extract,
};
