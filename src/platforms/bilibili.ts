/**
 * Bilibili URLs: videos (bilibili.com/video/BV{10 chars} or /video/av{digits}, on www. and m.,
 * also /s/video/… and /festival/{name}?bvid=…), the part number ?p={n} (extra.part), the
 * embedded player (player.bilibili.com/player.html?bvid=… | ?aid=…), bangumi episodes and
 * seasons (/bangumi/play/ep{n}, /bangumi/play/ss{n}), audio (/audio/au{n}), live rooms
 * (live.bilibili.com/{room}), the international site (bilibili.tv/[{lang}/]video/{id},
 * /play/{season}[/{episode}]) and short links (b23.tv/{code}, bili2233.cn/{code}: resolved, unless
 * the code is itself a BV or av id).
 *
 * Native extraction covers videos (BV/av ids, ?p= parts, b23.tv links once resolved):
 * - GET https://api.bilibili.com/x/web-interface/view?bvid=…|aid=… → title, owner, pic, pages[]
 *   (cid per part); ?p= picks a part, a multi-part video without ?p= becomes entries;
 * - GET https://api.bilibili.com/x/player/wbi/playurl (WBI-signed: w_rid/wts from the img/sub
 *   keys of /x/web-interface/nav, cached in ctx.cache for an hour) with fnval=4048 (every DASH
 *   stream), fourk=1 and, without a login, try_look=1 (720p/1080p for guests) → dash.video[] +
 *   dash.audio[] (+ Dolby and FLAC audio), or durl[] (a muxed MP4) for old uploads;
 * - the CDN (upos-*.bilivideo.com) wants Referer: https://www.bilibili.com/, carried in
 *   Format.headers; SESSDATA and friends from COOKIES_FILE go to the API for member qualities.
 * Bangumi, audio, live and bilibili.tv pages have no native extractor: they fail with a
 * non-final error so the yt-dlp backend gets them.
 */
import { createHash } from 'node:crypto';
import { hostIn, hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, type ErrorContext, noNativeExtractor } from '../utils/errors.js';
import { readText } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { compact, num, str, tryParseJson } from './page.js';

const NAME = 'bilibili';
const SHORT_HOSTS = ['b23.tv', 'bili2233.cn'] as const;
const INTL_HOSTS = ['bilibili.tv', 'biliintl.com'] as const;
const HOSTS = ['bilibili.com', ...SHORT_HOSTS, ...INTL_HOSTS] as const;
const SITE_HOSTS = new Set(['bilibili.com', 'www.bilibili.com', 'm.bilibili.com']);

/** A BV id is "BV" and ten base58 characters; the older av id is "av" and the number. */
const VIDEO_ID = /^(?:[Bb][Vv][0-9A-Za-z]{10}|[Aa][Vv]\d+)$/;
const BANGUMI_ID = /^(ep|ss)\d+$/;
const AUDIO_ID = /^au\d+$/;
const DIGITS = /^\d+$/;
const SHORT_CODE = /^[A-Za-z0-9]+$/;
/** bilibili.tv paths may start with a language: /en/, /th/, /zh-hant/. */
const LANGUAGE = /^[a-z]{2}(?:-[a-z]+)?$/i;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.bilibili.com/video/BV13x41117TL', id: 'BV13x41117TL', kind: 'video' },
  { url: 'https://www.bilibili.com/video/BV1vL411G7N7/?spm_id_from=333.788', id: 'BV1vL411G7N7', kind: 'video' },
  { url: 'https://www.bilibili.com/video/BV1ms411Q7vw/?p=4', id: 'BV1ms411Q7vw', kind: 'video' },
  { url: 'http://www.bilibili.com/video/av1074402/', id: 'av1074402', kind: 'video' },
  { url: 'https://m.bilibili.com/video/BV1bK411W797', id: 'BV1bK411W797', kind: 'video' },
  { url: 'https://BILIBILI.COM/video/BV1xx411c7mD', id: 'BV1xx411c7mD', kind: 'video' },
  { url: 'https://www.bilibili.com/festival/2023honkaiimpact3gala?bvid=BV1ay4y1d77f', id: 'BV1ay4y1d77f', kind: 'video' },
  { url: 'http://player.bilibili.com/player.html?aid=92494333&cid=157926707&page=1', id: 'av92494333', kind: 'video' },
  { url: 'https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&autoplay=0', id: 'BV1GJ411x7h7', kind: 'video' },
  { url: 'https://www.bilibili.com/bangumi/play/ep21495/', id: 'ep21495', kind: 'episode' },
  { url: 'https://www.bilibili.com/bangumi/play/ss26801', id: 'ss26801', kind: 'season' },
  { url: 'https://www.bilibili.com/audio/au1003142', id: 'au1003142', kind: 'track' },
  { url: 'https://live.bilibili.com/196', id: '196', kind: 'live' },
  { url: 'https://b23.tv/Xt9vKbr', id: null, kind: 'video' },
  { url: 'https://b23.tv/BV1xx411c7mD', id: 'BV1xx411c7mD', kind: 'video' },
  { url: 'https://bili2233.cn/Xt9vKbr', id: null, kind: 'video' },
  { url: 'https://www.bilibili.tv/en/video/2045730385', id: '2045730385', kind: 'video' },
  { url: 'https://bilibili.tv/video/2019955076', id: '2019955076', kind: 'video' },
  { url: 'https://www.bilibili.tv/en/play/34613/341736', id: '341736', kind: 'episode' },
  { url: 'https://www.bilibili.tv/en/play/34613', id: '34613', kind: 'season' },
  { url: 'https://www.bilibili.com/', id: false },
  { url: 'https://www.bilibili.com/video/BV1xx', id: false },
  { url: 'https://search.bilibili.com/all?keyword=test', id: false },
  { url: 'https://evilbilibili.com/video/BV1xx411c7mD', id: false },
  { url: 'https://bilibili.com.evil.net/video/BV1xx411c7mD', id: false },
];

/** A video id, with the part number (?p= on the site, ?page= on the player) when given. */
function video(url: URL, id: string | null | undefined, part?: string | null): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  return matched(NAME, url, id, 'video', part && DIGITS.test(part) ? { part } : undefined);
}

/** www./m.bilibili.com pages. */
function site(url: URL, segments: string[]): Match | null {
  if (segments[0] === 's') segments = segments.slice(1);
  const [first, second, third, ...rest] = segments;
  if (rest.length > 0) return null;
  if (first === 'video' && third === undefined) return video(url, second, url.searchParams.get('p'));
  if (first === 'festival') return video(url, url.searchParams.get('bvid'), url.searchParams.get('p'));
  if (first === 'bangumi' && second === 'play' && third) {
    const kind = BANGUMI_ID.exec(third)?.[1];
    return kind ? matched(NAME, url, third, kind === 'ep' ? 'episode' : 'season') : null;
  }
  if (first === 'audio' && second && AUDIO_ID.test(second) && third === undefined) return matched(NAME, url, second, 'track');
  return null;
}

/** player.bilibili.com/player.html?bvid=… or ?aid=… (the aid becomes an av id). */
function player(url: URL): Match | null {
  if (url.pathname !== '/player.html') return null;
  const q = url.searchParams;
  const aid = q.get('aid');
  const id = q.get('bvid') ?? (aid && DIGITS.test(aid) ? `av${aid}` : null);
  return video(url, id, q.get('page') ?? q.get('p'));
}

/** live.bilibili.com/{room}, also /blanc/{room} and /h5/{room}. */
function live(url: URL, segments: string[]): Match | null {
  const room = segments[0] === 'blanc' || segments[0] === 'h5' ? segments[1] : segments[0];
  return room && DIGITS.test(room) && segments.indexOf(room) === segments.length - 1 ? matched(NAME, url, room, 'live') : null;
}

/** bilibili.tv/[{lang}/]video/{id} and /play/{season}[/{episode}]. */
function international(url: URL, segments: string[]): Match | null {
  if (segments[0] && LANGUAGE.test(segments[0])) segments = segments.slice(1);
  const [first, id, episode, ...rest] = segments;
  if (!id || !DIGITS.test(id) || rest.length > 0) return null;
  if (first === 'video' && episode === undefined) return matched(NAME, url, id, 'video');
  if (first !== 'play') return null;
  if (episode === undefined) return matched(NAME, url, id, 'season');
  return DIGITS.test(episode) ? matched(NAME, url, episode, 'episode', { season: id }) : null;
}

/** b23.tv/{code}: follow the redirect, unless the code is already a video id. */
function short(url: URL, segments: string[]): Match | null {
  const [code] = segments;
  if (!code || segments.length !== 1 || !SHORT_CODE.test(code)) return null;
  return VIDEO_ID.test(code) ? video(url, code, url.searchParams.get('p')) : matched(NAME, url, null, 'video');
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const API = 'https://api.bilibili.com';
const SITE = 'https://www.bilibili.com/';
/** Bilibili's CDN refuses media requests without a bilibili.com Referer. */
const CDN_HEADERS = { Referer: SITE };
const WBI_KEY_CACHE = 'bilibili:wbi_mixin_key';
/** The img/sub keys change daily; an hour keeps us close to the site without asking per video. */
const WBI_KEY_TTL_SEC = 3600;
/** The character order Bilibili's player uses to mix img_key + sub_key into the signing key. */
const MIXIN_KEY_ORDER = [
  46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13,
  37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11, 36, 20, 34, 44, 52,
];
/** fnval bits for "every DASH stream": DASH 16 | HDR 64 | 4K 128 | Dolby audio 256 | Dolby Vision 512 | 8K 1024 | AV1 2048. */
const FNVAL_ALL_DASH = 4048;
/** Picture height of each `qn` quality code, for the durl (muxed MP4) fallback that gives no size. */
const QN_HEIGHT: Record<number, number> = { 6: 240, 16: 360, 32: 480, 64: 720, 74: 720, 80: 1080, 112: 1080, 116: 1080, 120: 2160, 125: 2160, 126: 2160, 127: 4320 };
/** qn codes of HDR10, Dolby Vision and HDR Vivid streams. */
const HDR_QN = new Set([125, 126, 129]);
const MAX_API_BYTES = 8 * 1024 * 1024;

/** Every api.bilibili.com answer: `code` 0 means success, anything else says what went wrong. */
interface ApiEnvelope<T> {
  code: number;
  message?: string;
  data?: T | null;
}

interface ViewPage {
  cid: number;
  page: number;
  part?: string;
  /** Seconds. */
  duration?: number;
}

/** /x/web-interface/view data (fields we use). */
interface ViewData {
  bvid: string;
  aid: number;
  title?: string;
  desc?: string;
  pic?: string;
  pubdate?: number;
  duration?: number;
  cid?: number;
  owner?: { mid?: number; name?: string };
  stat?: { view?: number; like?: number };
  pages?: ViewPage[];
  /** Set when the av/BV id is really a bangumi episode. */
  redirect_url?: string;
  is_upower_exclusive?: boolean;
}

/** One DASH representation of playurl's dash.video / dash.audio. */
interface DashStream {
  id: number;
  baseUrl?: string;
  base_url?: string;
  backupUrl?: string[] | null;
  backup_url?: string[] | null;
  bandwidth?: number;
  codecs?: string;
  width?: number;
  height?: number;
  frameRate?: string;
  codecid?: number;
  size?: number;
}

/** /x/player/wbi/playurl data (fields we use). */
interface PlayUrlData {
  /** The qn of the durl file. */
  quality?: number;
  /** mp4720, mp4, flv…: the container of the durl file. */
  format?: string;
  dash?: {
    video?: DashStream[] | null;
    audio?: DashStream[] | null;
    dolby?: { audio?: DashStream[] | null } | null;
    flac?: { audio?: DashStream | null } | null;
  } | null;
  durl?: Array<{ size?: number; url?: string; backup_url?: string[] | null }> | null;
  support_formats?: Array<{ quality?: number; new_description?: string }> | null;
  /** Present instead of streams when risk control wants a captcha. */
  v_voucher?: string;
}

interface NavData {
  wbi_img?: { img_url?: string; sub_url?: string };
}

/** The signing key: img_key + sub_key reordered by MIXIN_KEY_ORDER, first 32 characters. */
export function wbiMixinKey(imgKey: string, subKey: string): string {
  const raw = imgKey + subKey;
  return MIXIN_KEY_ORDER.map((i) => raw[i] ?? '').join('').slice(0, 32);
}

/**
 * Signs query parameters the way Bilibili's web player does: add `wts`, sort by name, strip
 * `!'()*` from values, percent-encode (upper-case hex, %20), append the mixin key, MD5 → w_rid.
 */
export function signWbi(params: Record<string, string | number>, mixinKey: string, wts = Math.round(Date.now() / 1000)): Record<string, string> {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...params, wts })) all[k] = String(v).replace(/[!'()*]/g, '');
  const query = Object.keys(all)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(all[k]!)}`)
    .join('&');
  return { ...all, w_rid: createHash('md5').update(query + mixinKey).digest('hex') };
}

/** The stable error for a non-zero API `code`. */
function apiError(code: number, message: string | undefined, context: ErrorContext): DownloadError {
  const ctx = { ...context, apiCode: code };
  const said = message && message !== '0' ? ` (${message})` : '';
  switch (code) {
    case -404: // 啥都木有: no such video
    case 62002: // 稿件不可见: taken down
    case 62004: // 稿件审核中: still under review
      return new DownloadError('content.not_found', `Bilibili says the video does not exist or is not visible${said}.`, ctx);
    case 62012: // 仅UP主自己可见
      return new DownloadError('content.private', undefined, ctx);
    case -101: // not logged in
    case -403: // 权限不足
    case 87007: // supporters only
    case 87008: // supporters only (charge)
      return new DownloadError('content.login_required', `Bilibili needs a logged-in session for this video${said}.`, ctx);
    case -10403: // 地区限制
      return new DownloadError('content.geo_blocked', undefined, ctx);
    case -352: // risk control
    case -412: // request intercepted
    case -509: // too frequent
    case -799:
      return new DownloadError('fetch.rate_limited', `Bilibili's risk control refused the request${said}.`, ctx);
    default:
      return new DownloadError('fetch.failed', `Bilibili answered code ${code}${said}.`, ctx, { retriable: false });
  }
}

/** Cookies for api.bilibili.com from COOKIES_FILE (SESSDATA means a logged-in session). */
function apiCookie(ctx: ExtractContext): string | undefined {
  return cookieJarFor(ctx.config)?.headerFor(`${API}/`);
}

/** GET an API endpoint and unwrap its envelope; non-zero codes become stable errors. */
async function apiGet<T>(ctx: ExtractContext, path: string, query: Record<string, string | number>, context: ErrorContext, okCodes: number[] = [0]): Promise<T> {
  const url = `${API}${path}`;
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, {
    headers: { accept: 'application/json', referer: SITE, origin: 'https://www.bilibili.com', cookie: apiCookie(ctx) },
    query,
    throwOnStatus: false,
  }));
  const text = await readText(res, MAX_API_BYTES);
  const body = tryParseJson<ApiEnvelope<T>>(text);
  if (body === undefined) {
    // 412 is how Bilibili's firewall turns away a client it thinks asks too much
    if (res.status === 412) throw new DownloadError('fetch.rate_limited', "Bilibili's firewall refused the request (HTTP 412).", { ...context, status: 412 });
    if (res.status >= 400) throw errorForStatus(res.status, { platform: NAME, url });
    throw new DownloadError('fetch.failed', 'Bilibili answered with something that is not JSON.', { platform: NAME, url });
  }
  if (typeof body.code !== 'number' || !okCodes.includes(body.code)) throw apiError(body.code, body.message, { ...context, status: res.status });
  if (!body.data) throw new DownloadError('fetch.failed', 'Bilibili answered without data.', { ...context, status: res.status });
  return body.data;
}

/** The WBI mixin key from the nav endpoint (which answers -101 to guests, with the keys all the same). */
async function wbiKey(ctx: ExtractContext, context: ErrorContext): Promise<string> {
  const cached = await ctx.cache?.get<string>(WBI_KEY_CACHE);
  if (cached) return cached;
  const nav = await apiGet<NavData>(ctx, '/x/web-interface/nav', {}, context, [0, -101]);
  const keyOf = (url: string | undefined) => /\/([0-9a-f]{32})\.\w+$/i.exec(url ?? '')?.[1];
  const img = keyOf(nav.wbi_img?.img_url);
  const sub = keyOf(nav.wbi_img?.sub_url);
  if (!img || !sub) throw new DownloadError('fetch.failed', 'Bilibili no longer hands out WBI keys where we look for them.', context, { retriable: false });
  const key = wbiMixinKey(img, sub);
  await ctx.cache?.set(WBI_KEY_CACHE, key, WBI_KEY_TTL_SEC);
  return key;
}

/** The first URL of a stream that is not on the peer-to-peer mcdn nodes, which often refuse foreign clients. */
function streamUrl(urls: Array<string | null | undefined>): string | undefined {
  const usable = urls.filter((u): u is string => !!str(u));
  return usable.find((u) => !/\.mcdn\.bilivideo\.cn(?::\d+)?\//.test(u)) ?? usable[0];
}

function dashUrl(s: DashStream): string | undefined {
  return streamUrl([s.baseUrl ?? s.base_url, ...(s.backupUrl ?? s.backup_url ?? [])]);
}

/** Every stream a playurl answer offers, each with the Referer the CDN needs. */
function playFormats(play: PlayUrlData): Format[] {
  const names = new Map((play.support_formats ?? []).map((f) => [f.quality, str(f.new_description)]));
  const formats: Format[] = [];
  for (const v of play.dash?.video ?? []) {
    const url = dashUrl(v);
    if (!url) continue;
    const fps = num(v.frameRate);
    formats.push(compact<Format>({
      id: `${v.id}-${(v.codecs ?? String(v.codecid ?? '')).split('.')[0]}`,
      url,
      protocol: 'https',
      container: 'mp4',
      vcodec: str(v.codecs),
      acodec: null,
      width: num(v.width),
      height: num(v.height),
      fps: fps ? Math.round(fps * 1000) / 1000 : undefined,
      bitrateKbps: v.bandwidth ? Math.round(v.bandwidth / 1000) : undefined,
      filesizeBytes: num(v.size) || undefined,
      dynamicRange: HDR_QN.has(v.id) ? 'HDR' : 'SDR',
      note: names.get(v.id),
      headers: { ...CDN_HEADERS },
    }));
  }
  const flac = play.dash?.flac?.audio;
  const audios = [...(play.dash?.audio ?? []), ...(play.dash?.dolby?.audio ?? []), ...(flac ? [flac] : [])];
  for (const a of audios) {
    const url = dashUrl(a);
    if (!url) continue;
    const codec = str(a.codecs);
    formats.push(compact<Format>({
      id: `audio-${a.id}`,
      url,
      protocol: 'https',
      container: codec?.toLowerCase() === 'flac' ? 'flac' : 'm4a',
      vcodec: null,
      acodec: codec,
      bitrateKbps: a.bandwidth ? Math.round(a.bandwidth / 1000) : undefined,
      filesizeBytes: num(a.size) || undefined,
      headers: { ...CDN_HEADERS },
    }));
  }
  // old uploads: one muxed file per quality (FLV, split in segments, is gone from the site)
  const durl = play.durl ?? [];
  const muxed = durl.length === 1 ? streamUrl([durl[0]!.url, ...(durl[0]!.backup_url ?? [])]) : undefined;
  if (muxed && play.quality !== undefined) {
    formats.push(compact<Format>({
      id: `mp4-${play.quality}`,
      url: muxed,
      protocol: 'https',
      container: play.format?.startsWith('flv') ? 'flv' : 'mp4',
      height: QN_HEIGHT[play.quality],
      filesizeBytes: num(durl[0]!.size),
      note: names.get(play.quality),
      headers: { ...CDN_HEADERS },
    }));
  }
  return formats;
}

/** The signed playurl answer for one part; a stale WBI key (refused with -403) is renewed once. */
async function playUrl(ctx: ExtractContext, params: Record<string, string | number>, context: ErrorContext): Promise<PlayUrlData> {
  try {
    return await apiGet<PlayUrlData>(ctx, '/x/player/wbi/playurl', signWbi(params, await wbiKey(ctx, context)), context);
  } catch (error) {
    if (!(error instanceof DownloadError) || error.context.apiCode !== -403) throw error;
    await ctx.cache?.delete(WBI_KEY_CACHE);
    return apiGet<PlayUrlData>(ctx, '/x/player/wbi/playurl', signWbi(params, await wbiKey(ctx, context)), context);
  }
}

/** The streams of one part (cid). */
async function partFormats(ctx: ExtractContext, view: ViewData, cid: number, context: ErrorContext): Promise<Format[]> {
  const loggedIn = /(?:^|;\s*)SESSDATA=/.test(apiCookie(ctx) ?? '');
  const params: Record<string, string | number> = { bvid: view.bvid, cid, fnval: FNVAL_ALL_DASH, fnver: 0, fourk: 1 };
  if (!loggedIn) params.try_look = 1;
  const play = await playUrl(ctx, params, context);
  if (play.v_voucher && !play.dash && !play.durl) {
    throw new DownloadError('fetch.rate_limited', "Bilibili's risk control asked for a captcha instead of the streams.", context);
  }
  const formats = playFormats(play);
  if (formats.length === 0) {
    if (view.is_upower_exclusive) throw new DownloadError('content.login_required', "This video is for the uploader's paying supporters only.", context);
    throw new DownloadError('content.not_found', 'Bilibili listed no stream for this video.', context);
  }
  return formats;
}

function https(url: string | undefined): string | undefined {
  return str(url)?.replace(/^http:\/\//, 'https://').replace(/^\/\//, 'https://');
}

/** What the view API says about the whole video, shared by its parts. */
function videoMeta(view: ViewData): Partial<MediaInfo> {
  return {
    uploader: str(view.owner?.name),
    uploaderId: view.owner?.mid !== undefined ? String(view.owner.mid) : undefined,
    thumbnail: https(view.pic),
    description: str(view.desc),
    timestamp: num(view.pubdate),
    viewCount: num(view.stat?.view),
    likeCount: num(view.stat?.like),
  };
}

/** One part of a video as a MediaInfo; `multi` names it after its part number. */
async function partInfo(ctx: ExtractContext, view: ViewData, page: ViewPage, multi: boolean): Promise<MediaInfo> {
  const url = multi ? `${SITE}video/${view.bvid}?p=${page.page}` : `${SITE}video/${view.bvid}`;
  const formats = await partFormats(ctx, view, page.cid, { platform: NAME, url });
  const title = str(view.title) ?? view.bvid;
  const part = str(page.part);
  return compact<MediaInfo>({
    platform: NAME,
    id: multi ? `${view.bvid}_p${page.page}` : view.bvid,
    url,
    title: multi ? `${title} - P${page.page}${part && part !== title ? ` ${part}` : ''}` : title,
    ...videoMeta(view),
    durationSec: num(page.duration) ?? num(view.duration),
    formats,
  });
}

/** The view API's query for a BV or av id (a lower-case "bv" prefix is the same video). */
function viewQuery(id: string): Record<string, string> {
  return /^av\d+$/i.test(id) ? { aid: id.slice(2) } : { bvid: `BV${id.slice(2)}` };
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const context = { platform: NAME, url: match.url.href };
  if (match.kind !== 'video' || !match.id) {
    throw noNativeExtractor(NAME, match.url.href, `Bilibili ${match.kind ?? 'link'} pages`);
  }
  const view = await apiGet<ViewData>(ctx, '/x/web-interface/view', viewQuery(match.id), context);
  const redirect = str(view.redirect_url);
  if (redirect && ctx.extractUrl) return ctx.extractUrl(redirect); // an av/BV id that is really a bangumi episode
  const pages = view.pages?.length ? view.pages : view.cid ? [{ cid: view.cid, page: 1, duration: view.duration }] : [];
  if (pages.length === 0) throw new DownloadError('content.not_found', 'This video has no playable part.', context);
  const wanted = num(match.extra?.part);
  if (wanted !== undefined) {
    const page = pages.find((p) => p.page === wanted);
    if (!page) throw new DownloadError('content.not_found', `This video has no part ${wanted}.`, context);
    return partInfo(ctx, view, page, pages.length > 1);
  }
  if (pages.length === 1) return partInfo(ctx, view, pages[0]!, false);
  const entries: MediaInfo[] = [];
  for (const page of pages.slice(0, ctx.config.playlistLimit)) entries.push(await partInfo(ctx, view, page, true));
  return compact<MediaInfo>({
    platform: NAME,
    id: view.bvid,
    url: `${SITE}video/${view.bvid}`,
    title: str(view.title) ?? view.bvid,
    ...videoMeta(view),
    durationSec: num(view.duration),
    formats: [],
    entries,
    entriesTotal: pages.length > entries.length ? pages.length : undefined,
  });
}

/** Bilibili videos, bangumi, audio, live rooms and bilibili.tv. */
export const bilibili: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const host = hostName(url);
    const segments = pathSegments(url);
    if (SITE_HOSTS.has(host)) return site(url, segments);
    if (host === 'player.bilibili.com') return player(url);
    if (host === 'live.bilibili.com') return live(url, segments);
    if (hostIn(host, SHORT_HOSTS)) return short(url, segments);
    if (hostIn(host, INTL_HOSTS)) return international(url, segments);
    return null;
  },

  extract,
};
