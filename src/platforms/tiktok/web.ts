/**
 * TikTok's web page: https://www.tiktok.com/@{user}/video/{id} (photo posts answer on the
 * /video/ path too) embeds the post as JSON in
 * `<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">`, under
 * `__DEFAULT_SCOPE__["webapp.video-detail"]`: `statusCode` (0 fine, 10204 removed, 10216 private
 * post, 10222 private account, 10231 region-locked) and `itemInfo.itemStruct`, the post.
 *
 * The clean (watermark-free) files are `video.bitrateInfo[].PlayAddr.UrlList` (one per quality
 * and codec, with Width/Height/DataSize) and `video.playAddr`; `video.downloadAddr` is the
 * watermarked "save video" file; `music.playUrl` is the sound; photo posts list their images in
 * `imagePost.images[].imageURL.urlList`. The CDN answers 403 unless the request carries the
 * cookies the page set (tt_chain_token, ttwid, …) and TikTok as referer, so every format gets
 * them in `headers`.
 */
import { requestOptions, type ExtractContext } from '../base.js';
import type { Format, MediaInfo } from '../../media/types.js';
import { cookieJarFor } from '../../utils/cookies.js';
import { DownloadError, type ErrorCode } from '../../utils/errors.js';
import { readText } from '../../utils/http.js';
import { compact, num, scriptJson, str } from '../page.js';
import {
  NAME,
  SITE,
  canonicalUrl,
  hashtags,
  isUnplayable,
  musicFormat,
  photoEntries,
  playableUrl,
  titleFrom,
  videoCodec,
  type TikTokMusic,
} from './media.js';
import { uniqueFormats } from '../unique-formats.js';
import { cookieHeader, parseCookieHeader, setCookies } from '../cookie-headers.js';

const MAX_PAGE_BYTES = 8 * 1024 * 1024;
const AAC = 'mp4a.40.2';

/** One entry of `video.bitrateInfo`: a clean file of one quality and codec. */
interface WebBitrate {
  GearName?: string;
  Bitrate?: number;
  QualityType?: number;
  /** "h264", "h265_hvc1", "bytevc2", … */
  CodecType?: string;
  BitrateFPS?: number;
  PlayAddr?: {
    Uri?: string;
    UrlList?: string[];
    /** Bytes; a number on most pages, a string on some. */
    DataSize?: number | string;
    Width?: number;
    Height?: number;
    /** "{uri}_{codec}_{res}p_{bitrate}" */
    UrlKey?: string;
  };
}

interface WebVideo {
  width?: number;
  height?: number;
  /** Seconds; 0 for photo posts. */
  duration?: number;
  cover?: string;
  originCover?: string;
  /** One URL, or (on some pages) a list of `{ src }`. */
  playAddr?: string | Array<{ src?: string }>;
  downloadAddr?: string;
  bitrate?: number;
  codecType?: string;
  size?: number;
  bitrateInfo?: WebBitrate[];
}

interface WebMusic {
  id?: string;
  title?: string;
  playUrl?: string;
  coverLarge?: string;
  coverMedium?: string;
  coverThumb?: string;
  authorName?: string;
  original?: boolean;
  /** Seconds. */
  duration?: number;
  album?: string;
}

/** Counters: numbers in `stats`, strings in `statsV2`. */
interface WebStats {
  playCount?: number | string;
  diggCount?: number | string;
  commentCount?: number | string;
  shareCount?: number | string;
}

/** `itemInfo.itemStruct`: the post (fields we use). */
interface WebItem {
  id?: string;
  desc?: string;
  /** Unix seconds, a number or a numeric string. */
  createTime?: number | string;
  author?: { id?: string; uniqueId?: string; nickname?: string; secUid?: string };
  video?: WebVideo;
  music?: WebMusic;
  stats?: WebStats;
  statsV2?: WebStats;
  textExtra?: Array<{ hashtagName?: string; type?: number }>;
  challenges?: Array<{ id?: string; title?: string }>;
  imagePost?: {
    title?: string;
    images?: Array<{ imageURL?: { urlList?: string[] }; imageWidth?: number; imageHeight?: number }>;
  };
  /** Set on posts TikTok hides from logged-out visitors ("may not be comfortable for some audiences"). */
  isContentClassified?: boolean;
}

interface VideoDetail {
  statusCode?: number;
  statusMsg?: string;
  itemInfo?: { itemStruct?: WebItem };
}

interface Rehydration {
  __DEFAULT_SCOPE__?: Record<string, unknown> & { 'webapp.video-detail'?: VideoDetail };
}

/** The post as the page served it, and the cookies the page set (the CDN wants them back). */
export interface WebPost {
  item: WebItem;
  pageCookies: Map<string, string>;
}

/** Page statuses that describe the post itself. */
const STATUS_ERRORS: Record<number, { code: ErrorCode; message: string }> = {
  10204: { code: 'content.not_found', message: 'This TikTok post was removed or never existed.' },
  10216: { code: 'content.private', message: 'This TikTok post is private.' },
  10222: { code: 'content.private', message: 'This TikTok account is private; only its followers can see the post.' },
  10231: { code: 'content.geo_blocked', message: "This TikTok post is not available in this server's region (try PROXY_URL)." },
};

/**
 * Headers for a media URL: TikTok as referer and a Cookie header made of the page's fresh
 * cookies plus the COOKIES_FILE cookies a browser would send to that host.
 */
function mediaHeaders(ctx: ExtractContext, pageCookies: Map<string, string>): (url: string) => Record<string, string> {
  const jar = cookieJarFor(ctx.config);
  return (url) => {
    const cookies = new Map(pageCookies);
    for (const [name, value] of parseCookieHeader(jar?.headerFor(url))) if (!cookies.has(name)) cookies.set(name, value);
    const cookie = cookieHeader(cookies);
    return { Referer: `${SITE}/`, ...(cookie ? { Cookie: cookie } : {}) };
  };
}

/** Fetches the post page and returns its item, or the error its status code means. */
export async function fetchWebPost(ctx: ExtractContext, id: string, user: string | undefined): Promise<WebPost> {
  const pageUrl = canonicalUrl(user, id);
  const res = await ctx.http.request(pageUrl, requestOptions(ctx, NAME, {
    headers: {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      cookie: cookieJarFor(ctx.config)?.headerFor(pageUrl),
      'sec-fetch-dest': 'document',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-site': 'none',
      'upgrade-insecure-requests': '1',
    },
  }));
  const html = await readText(res, MAX_PAGE_BYTES);
  const context = { platform: NAME, url: pageUrl };
  if (new URL(res.url).pathname.startsWith('/login')) {
    throw new DownloadError('content.login_required', 'TikTok asks to log in to see this post: set COOKIES_FILE with tiktok.com cookies.', context);
  }
  const detail = scriptJson<Rehydration>(html, '__UNIVERSAL_DATA_FOR_REHYDRATION__')?.__DEFAULT_SCOPE__?.['webapp.video-detail'];
  if (!detail) {
    throw new DownloadError('fetch.failed', 'TikTok answered without the post data (a bot check or a changed page).', context, { retriable: true });
  }
  const status = detail.statusCode ?? 0;
  const known = STATUS_ERRORS[status];
  if (known) throw new DownloadError(known.code, known.message, { ...context, tiktokStatus: status });
  const item = detail.itemInfo?.itemStruct;
  if (status !== 0 || !item) {
    const why = detail.statusMsg ? ` (${detail.statusMsg})` : '';
    throw new DownloadError('fetch.failed', `TikTok refused the post with status ${status}${why}.`, { ...context, tiktokStatus: status }, { retriable: false });
  }
  if (item.isContentClassified && !item.imagePost && !hasVideoUrls(item.video)) {
    throw new DownloadError('content.age_restricted', 'TikTok shows this post to logged-in adults only: set COOKIES_FILE with tiktok.com cookies.', context);
  }
  return { item, pageCookies: setCookies(res.headers) };
}

function hasVideoUrls(video: WebVideo | undefined): boolean {
  return !!video && (!!video.playAddr || !!video.bitrateInfo?.some((b) => b.PlayAddr?.UrlList?.length));
}

function kbps(bitsPerSecond: number | undefined): number | undefined {
  return bitsPerSecond ? Math.round(bitsPerSecond / 1000) : undefined;
}

/** A `bitrateInfo` entry as a clean muxed mp4; undefined when it has no usable URL or codec. */
function bitrateFormat(b: WebBitrate, index: number, headersFor: (url: string) => Record<string, string>): Format | undefined {
  const url = playableUrl(b.PlayAddr?.UrlList);
  const vcodec = videoCodec(b.CodecType ?? /_(h264|bytevc1|bytevc2)_/.exec(b.PlayAddr?.UrlKey ?? '')?.[1]);
  if (!url || isUnplayable(vcodec)) return undefined;
  return compact<Format>({
    id: str(b.GearName) ?? `bitrate-${index}`,
    url,
    protocol: 'https',
    container: 'mp4',
    vcodec,
    acodec: AAC,
    width: num(b.PlayAddr?.Width),
    height: num(b.PlayAddr?.Height),
    fps: num(b.BitrateFPS),
    bitrateKbps: kbps(num(b.Bitrate)),
    filesizeBytes: num(b.PlayAddr?.DataSize),
    headers: headersFor(url),
    note: 'no watermark',
  });
}

/** Every file of the post: the clean variants, the page's play file, the watermarked download and the sound. */
function webFormats(item: WebItem, headersFor: (url: string) => Record<string, string>): Format[] {
  const video = item.video ?? {};
  const formats: Format[] = [];
  for (const [i, b] of (video.bitrateInfo ?? []).entries()) {
    const f = bitrateFormat(b, i, headersFor);
    if (f) formats.push(f);
  }
  const play = playableUrl(typeof video.playAddr === 'string' ? [video.playAddr] : video.playAddr?.map((p) => p.src));
  if (play) {
    formats.push(
      compact<Format>({
        id: 'play',
        url: play,
        protocol: 'https',
        container: 'mp4',
        vcodec: videoCodec(video.codecType),
        acodec: AAC,
        width: num(video.width),
        height: num(video.height),
        bitrateKbps: kbps(num(video.bitrate)),
        filesizeBytes: num(video.size),
        headers: headersFor(play),
        note: 'no watermark',
      }),
    );
  }
  const download = playableUrl([video.downloadAddr]);
  if (download) {
    formats.push({ id: 'download', url: download, protocol: 'https', container: 'mp4', vcodec: 'avc1', acodec: AAC, watermarked: true, headers: headersFor(download), note: 'watermarked' });
  }
  const music = playableUrl([item.music?.playUrl]);
  if (music) formats.push(musicFormat(music, headersFor(music)));
  return uniqueFormats(formats);
}

function webMusic(music: WebMusic | undefined): TikTokMusic | undefined {
  if (!music) return undefined;
  const out = compact<TikTokMusic>({
    title: str(music.title),
    author: str(music.authorName),
    url: playableUrl([music.playUrl]),
    original: music.original,
    cover: str(music.coverLarge) ?? str(music.coverMedium) ?? str(music.coverThumb),
    durationSec: num(music.duration) || undefined,
  });
  return Object.keys(out).length ? out : undefined;
}

/** The post as MediaInfo: a video with its formats, or a photo carousel whose sound is the item's music. */
export function webMediaInfo(ctx: ExtractContext, id: string, post: WebPost): MediaInfo {
  const { item } = post;
  const headersFor = mediaHeaders(ctx, post.pageCookies);
  const photos = item.imagePost?.images ?? [];
  const isPhoto = photos.length > 0;
  const user = str(item.author?.uniqueId);
  const stats = { ...item.statsV2, ...item.stats };
  const base = compact<MediaInfo>({
    platform: NAME,
    id,
    url: canonicalUrl(user, id, isPhoto),
    title: titleFrom(item.desc, id, isPhoto),
    description: str(item.desc),
    uploader: str(item.author?.nickname) ?? user,
    uploaderId: user,
    durationSec: num(item.video?.duration) || undefined,
    thumbnail: str(item.video?.cover) ?? str(item.video?.originCover),
    tags: hashtags(item.textExtra?.map((t) => t.hashtagName), item.challenges?.map((c) => c.title)),
    music: webMusic(item.music),
    timestamp: num(item.createTime),
    viewCount: num(stats.playCount),
    likeCount: num(stats.diggCount),
    formats: [],
  });
  if (!isPhoto) return { ...base, formats: webFormats(item, headersFor) };
  const audio = playableUrl([item.music?.playUrl]);
  const images = photos.map((p) => ({ urls: p.imageURL?.urlList ?? [], width: num(p.imageWidth), height: num(p.imageHeight) }));
  return compact<MediaInfo>({
    ...base,
    durationSec: undefined,
    formats: audio ? [musicFormat(audio, headersFor(audio))] : [],
    ...photoEntries(ctx, base, images, headersFor),
  });
}
