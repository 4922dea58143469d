/**
 * Newgrounds (newgrounds.com, www. and {user}. subdomains). Knows:
 * - portal movies: /portal/view/{digits} (also /format/flash) and the player data /portal/video/{digits};
 * - audio: /audio/listen/{digits} (kind track);
 * - art: /art/view/{user}/{slug} (id `user/slug`);
 * - collections /collection/{name} (a playlist);
 * - a user's movies or audio: {user}.newgrounds.com/movies, {user}.newgrounds.com/audio (kind channel).
 *
 * Native extraction covers movies and audio:
 * - the page (www.newgrounds.com/portal/view/{id} or /audio/listen/{id}) gives og:title/og:image,
 *   the author, the publication date, views and the rating (rated-e/t/m/a); adult ("A") items
 *   answer 401, or show "You must be logged in, and at least 18 years of age", to guests:
 *   content.age_restricted, unless COOKIES_FILE holds an adult account's session;
 * - movies: GET www.newgrounds.com/portal/video/{id} with X-Requested-With: XMLHttpRequest →
 *   {title, author, sources: {"1080p": [{src, type}], "720p": …, "360p": …}};
 * - audio: the player's `new embedController([{"url":"https:\/\/audio.ngfiles.com\/….mp3", …,
 *   "params": {"filename", "name", "artist", "duration", …}}], …)` in the page.
 * Art, collections and user pages have no native extractor (a non-final error lets the yt-dlp
 * backend try).
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, type ErrorContext, noNativeExtractor } from '../utils/errors.js';
import { type HttpResponse, type RequestOptions, readText } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { absoluteUrl, compact, decodeEntities, jsonAfter, metaTags, num, pageTitle, str, tryParseJson, unixSeconds } from './page.js';

const NAME = 'newgrounds';
const HOSTS = ['newgrounds.com'] as const;

const NUMERIC_RE = /^\d{1,12}$/;
const SLUG_RE = /^[\w-]+$/;
/** Subdomains of newgrounds.com that are the site itself, not a user page. */
const SITE_SUBDOMAINS = new Set(['www', 'm']);
const USER_SECTIONS = new Set(['movies', 'audio']);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.newgrounds.com/portal/view/1', id: '1', kind: 'video' },
  { url: 'http://www.newgrounds.com/portal/view/689400', id: '689400', kind: 'video' },
  { url: 'https://newgrounds.com/portal/view/938050/', id: '938050', kind: 'video' },
  { url: 'https://www.newgrounds.com/portal/view/297383/format/flash', id: '297383', kind: 'video' },
  { url: 'https://WWW.NEWGROUNDS.COM/portal/view/823109?emulate=flash', id: '823109', kind: 'video' },
  { url: 'https://www.newgrounds.com/portal/video/823109', id: '823109', kind: 'video' },
  { url: 'https://www.newgrounds.com/audio/listen/549479', id: '549479', kind: 'track' },
  { url: 'https://newgrounds.com/audio/listen/500476?updated=1', id: '500476', kind: 'track' },
  { url: 'https://www.newgrounds.com/art/view/tomfulp/ng-anniversary-2023', id: 'tomfulp/ng-anniversary-2023', kind: 'art' },
  { url: 'https://www.newgrounds.com/collection/cats', id: 'cats', kind: 'playlist' },
  { url: 'https://burn7.newgrounds.com/movies', id: 'burn7', kind: 'channel' },
  { url: 'https://brian-beaton.newgrounds.com/audio/', id: 'brian-beaton', kind: 'channel' },
  { url: 'https://www.newgrounds.com/', id: false },
  { url: 'https://www.newgrounds.com/audio/search/title/cats', id: false },
  { url: 'https://burn7.newgrounds.com/', id: false },
  { url: 'https://www.newgrounds.com/portal/view/abc', id: false },
  { url: 'https://newgrounds.com.evil.net/portal/view/1', id: false },
  { url: 'https://oldnewgrounds.com/portal/view/1', id: false },
];

/** A page on www.newgrounds.com: a movie, a track, an art piece or a collection. */
function fromSitePath(url: URL, segments: string[]): Match | null {
  const [a, b, c, d] = segments;
  if (a === 'portal' && (b === 'view' || b === 'video') && c && NUMERIC_RE.test(c)) {
    // /portal/view/{id}/format/flash is the same movie in the legacy player.
    const flash = b === 'view' && d === 'format' && segments[4] === 'flash' && segments.length === 5;
    return segments.length === 3 || flash ? matched(NAME, url, c, 'video') : null;
  }
  if (a === 'audio' && b === 'listen' && c && NUMERIC_RE.test(c) && !d) return matched(NAME, url, c, 'track');
  if (a === 'art' && b === 'view' && c && d && SLUG_RE.test(c) && SLUG_RE.test(d) && segments.length === 4) {
    return matched(NAME, url, `${c}/${d}`, 'art');
  }
  if (a === 'collection' && b && SLUG_RE.test(b) && !c) return matched(NAME, url, b, 'playlist');
  return null;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const SITE = 'https://www.newgrounds.com';
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
const ADULT_NOTICE = /You must be logged in, and at least 18 years of age to view this content/i;
/** Newgrounds ratings: Everyone, Teen, Mature, Adults only. */
const RATING_AGE: Record<string, number> = { e: 0, t: 13, m: 17, a: 18 };

/** www.newgrounds.com/portal/video/{id} (fields we use). */
interface VideoJson {
  id?: number;
  title?: string;
  author?: string;
  description?: string;
  icon?: string;
  /** Quality label ("1080p", "720p", "360p", "4k") → files. */
  sources?: Record<string, Array<{ src?: string; type?: string }>> | unknown[];
}

/** One item of the audio player's embedController([...]) list. */
interface EmbedItem {
  url?: string;
  /** "Audio File" for audio. */
  description?: string;
  filesize?: number;
  params?: { filename?: string; name?: string; artist?: string; icon?: string; duration?: number; length?: string };
}

/** The page and what it says about the submission, whatever its kind. */
interface PageFacts {
  html: string;
  title?: string;
  uploader?: string;
  thumbnail?: string;
  description?: string;
  timestamp?: number;
  viewCount?: number;
  durationSec?: number;
  ageLimit?: number;
}

/** A GET of `url` with COOKIES_FILE's cookies for it; the status is judged by `readAnswer`. */
function pageRequest(ctx: ExtractContext, url: string, headers: Record<string, string | undefined> = {}): RequestOptions {
  const cookie = cookieJarFor(ctx.config)?.headerFor(url);
  return requestOptions(ctx, NAME, { headers: { ...headers, cookie }, throwOnStatus: false });
}

function ageRestricted(ctx: ExtractContext, context: ErrorContext): DownloadError {
  const message = cookieJarFor(ctx.config)
    ? 'This Newgrounds submission is rated Adults Only and the session in COOKIES_FILE cannot see it.'
    : undefined;
  return new DownloadError('content.age_restricted', message, context);
}

/** Refuses 404s, the adult gate and other failures; hands back the body of a good answer. */
async function readAnswer(ctx: ExtractContext, res: HttpResponse, context: ErrorContext): Promise<string> {
  const body = await readText(res, MAX_PAGE_BYTES);
  if (res.status === 401 || /\/passport(?:[/?]|$)/.test(new URL(res.url).pathname) || ADULT_NOTICE.test(body)) throw ageRestricted(ctx, context);
  if (res.status >= 400) throw errorForStatus(res.status, { ...context, url: res.url });
  return body;
}

/** `<dt>Views</dt><dd>1,234</dd>` → 1234. */
function counted(html: string, label: string): number | undefined {
  const m = new RegExp(`<dt>\\s*${label}\\s*</dt>\\s*<dd>\\s*([\\d,.]+)\\s*</dd>`, 'i').exec(html);
  return m ? num(m[1]!.replace(/[,.]/g, '')) : undefined;
}

function stripTags(html: string): string {
  return decodeEntities(html.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '')).replace(/[ \t]+/g, ' ').trim();
}

/** The author's name: the `<h4>` of the block whose role line says Author or Artist. */
function author(html: string): string | undefined {
  const m = /<h4[^>]*>([\s\S]*?)<\/h4>[\s\S]{0,400}?<em>\s*(?:Author|Artist)\s*<\/em>/i.exec(html);
  return m ? str(stripTags(m[1]!)) : undefined;
}

async function readPage(ctx: ExtractContext, url: string, context: ErrorContext): Promise<PageFacts> {
  const res = await ctx.http.request(url, pageRequest(ctx, url));
  const html = await readAnswer(ctx, res, context);
  const meta = metaTags(html);
  const published = /itemprop="(?:uploadDate|datePublished)"\s+content="([^"]+)"/i.exec(html)?.[1];
  const comments = /<div[^>]+id="author_comments"[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  const rating = /<h2\s+class=["']rated-([etma])["']/i.exec(html)?.[1];
  return compact<PageFacts>({
    html,
    title: str(meta.get('og:title')) ?? pageTitle(html),
    uploader: author(html),
    thumbnail: absoluteUrl(meta.get('og:image')),
    description: (comments ? str(stripTags(comments)) : undefined) ?? str(meta.get('og:description')),
    timestamp: unixSeconds(published),
    viewCount: counted(html, '(?:Views|Listens)'),
    durationSec: num(/"duration"\s*:\s*["']?(\d+)["']?/.exec(html)?.[1]),
    ageLimit: rating ? RATING_AGE[rating.toLowerCase()] : undefined,
  });
}

/** Newgrounds percent-encodes some names in its player data ("B7%20-%20BusMode"). */
function unescapeName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return str(/%[0-9A-F]{2}/i.test(value) ? decodeURIComponent(value) : value);
  } catch {
    return str(value);
  }
}

/** "1080p" → 1080, "4k" → 2160. */
function heightOf(label: string): number | undefined {
  if (/^4k$/i.test(label)) return 2160;
  return num(/^(\d+)p$/i.exec(label)?.[1]);
}

function videoFormats(video: VideoJson): Format[] {
  const sources = video.sources && !Array.isArray(video.sources) ? video.sources : {};
  const formats: Format[] = [];
  for (const [label, files] of Object.entries(sources)) {
    for (const [i, file] of (Array.isArray(files) ? files : []).entries()) {
      const url = absoluteUrl(file.src);
      if (!url) continue;
      const type = file.type ?? '';
      formats.push(compact<Format>({
        id: i === 0 ? label : `${label}-${i}`,
        url,
        protocol: 'https',
        container: type.includes('webm') ? 'webm' : 'mp4',
        height: heightOf(label),
      }));
    }
  }
  return formats;
}

async function movie(ctx: ExtractContext, id: string): Promise<MediaInfo> {
  const url = `${SITE}/portal/view/${id}`;
  const context = { platform: NAME, url };
  const facts = await readPage(ctx, url, context);
  const api = `${SITE}/portal/video/${id}`;
  const res = await ctx.http.request(api, pageRequest(ctx, api, {
    accept: 'application/json, text/javascript, */*; q=0.01',
    'x-requested-with': 'XMLHttpRequest', // without it the endpoint answers with the HTML page
    referer: url,
  }));
  const text = await readAnswer(ctx, res, context);
  const video = tryParseJson<VideoJson>(text);
  if (video === undefined) throw new DownloadError('fetch.failed', 'Newgrounds answered the video request with something that is not JSON.', context, { retriable: false });
  const formats = videoFormats(video);
  if (formats.length === 0) {
    throw new DownloadError('content.not_found', 'This submission has no video file (a Flash game or movie).', context);
  }
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: facts.title ?? unescapeName(video.title) ?? id,
    uploader: str(video.author) ?? facts.uploader,
    thumbnail: facts.thumbnail ?? absoluteUrl(video.icon),
    description: facts.description ?? str(video.description),
    timestamp: facts.timestamp,
    viewCount: facts.viewCount,
    durationSec: facts.durationSec,
    ageLimit: facts.ageLimit,
    formats,
  });
}

/** The audio player's data: `new embedController([{…}], …)`. */
function embedItem(html: string): EmbedItem | undefined {
  const list = jsonAfter<EmbedItem[]>(html, /new\s+embedController\s*\(/);
  return Array.isArray(list) ? list[0] : undefined;
}

async function track(ctx: ExtractContext, id: string): Promise<MediaInfo> {
  const url = `${SITE}/audio/listen/${id}`;
  const context = { platform: NAME, url };
  const facts = await readPage(ctx, url, context);
  const item = embedItem(facts.html);
  const meta = metaTags(facts.html);
  const file = absoluteUrl(item?.url) ?? absoluteUrl(item?.params?.filename) ?? absoluteUrl(meta.get('og:audio'));
  if (!file) throw new DownloadError('fetch.failed', 'The audio player data was not found on the Newgrounds page.', context, { retriable: false });
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: facts.title ?? unescapeName(item?.params?.name) ?? id,
    uploader: unescapeName(item?.params?.artist) ?? facts.uploader,
    thumbnail: facts.thumbnail ?? absoluteUrl(item?.params?.icon),
    description: facts.description,
    timestamp: facts.timestamp,
    viewCount: facts.viewCount,
    durationSec: num(item?.params?.duration) ?? num(item?.params?.length) ?? facts.durationSec,
    ageLimit: facts.ageLimit,
    formats: [
      compact<Format>({
        id: 'mp3',
        url: file,
        protocol: 'https',
        container: 'mp3',
        vcodec: null,
        acodec: 'mp3',
        filesizeBytes: num(item?.filesize),
      }),
    ],
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'video') return movie(ctx, match.id!);
  if (match.kind === 'track') return track(ctx, match.id!);
  throw noNativeExtractor(NAME, match.url.href, `Newgrounds ${match.kind ?? ''} pages`);
}

/** Newgrounds movies, audio, art, collections and user pages. */
export const newgrounds: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const labels = hostName(url).split('.');
    const segments = pathSegments(url);
    if (labels.length === 2 || (labels.length === 3 && SITE_SUBDOMAINS.has(labels[0]!))) return fromSitePath(url, segments);
    const user = labels.length === 3 ? labels[0]! : '';
    const [section] = segments;
    if (!SLUG_RE.test(user) || segments.length !== 1 || !USER_SECTIONS.has(section!)) return null;
    return matched(NAME, url, user, 'channel', { section: section! });
  },

  extract,
};
