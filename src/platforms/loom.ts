/**
 * Loom (loom.com, www.loom.com). Knows:
 * - shared videos /share/{32 hex} and their titled form /share/Title-Words-{32 hex};
 * - the player /embed/{32 hex};
 * - community pages /community/{title-}{32 hex}-pg (a video page);
 * - folders /share/folder/{32 hex}[/name] (a playlist).
 * The id is always the 32-hex video or folder id, with any title prefix dropped.
 *
 * Extraction: the share page https://www.loom.com/share/{id} embeds the site's Apollo cache
 * (`window.__APOLLO_STATE__ = {…}`): RegularUserVideo:{id} has the name, description,
 * createdAt, owner (a RegularUser reference), video_properties and thumbnails, and tells
 * password-protected (needs_password, VideoPasswordMissingOrIncorrect) and private
 * (PrivateVideo) videos apart. The media URLs come from
 * POST https://www.loom.com/api/campaigns/sessions/{id}/raw-url and …/transcoded-url
 * (each answers {url} or nothing): an mp4/webm file, or an HLS/DASH manifest signed with
 * CloudFront's Policy/Signature/Key-Pair-Id query, which the segment requests carry as the
 * equivalent CloudFront-* cookies. Public and unlisted videos need no login; workspace-only
 * ones need a member's cookies (COOKIES_FILE). Folders are left to the yt-dlp backend.
 */
import { randomUUID } from 'node:crypto';
import { isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { isoDurationSeconds } from '../media/iso-duration.js';
import { DownloadError, errorForStatus, noNativeExtractor } from '../utils/errors.js';
import { readText } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { dashFormats, hlsFormats } from './manifests.js';
import { absoluteUrl, compact, dig, jsonAfter, jsonLd, notFound, num, str, tryParseJson, unixSeconds } from './page.js';
const NAME = 'loom';
const HOSTS = ['loom.com'] as const;

/** A 32-hex id, alone or at the end of a hyphenated title. */
const SLUGGED_ID_RE = /^(?:.*-)?([\da-f]{32})$/;
const COMMUNITY_RE = /^(?:.*-)?([\da-f]{32})-pg$/;
const ID_RE = /^[\da-f]{32}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.loom.com/share/43d05f362f734614a2e81b4694a3a523', id: '43d05f362f734614a2e81b4694a3a523', kind: 'video' },
  { url: 'https://loom.com/share/c43a642f815f4378b6f80a889bb73d8d', id: 'c43a642f815f4378b6f80a889bb73d8d', kind: 'video' },
  { url: 'https://www.loom.com/share/9458bcbf79784162aa62ffb8dd66201b?sid=0a9fd0f5-6e58-4b8c-8a53-1f0b4b0b2a5c', id: '9458bcbf79784162aa62ffb8dd66201b', kind: 'video' },
  { url: 'https://WWW.LOOM.COM/share/24351eb8b317420289b158e4b7e96ff2/', id: '24351eb8b317420289b158e4b7e96ff2', kind: 'video' },
  { url: 'https://www.loom.com/share/Meet-AI-workflows-aa3d8b08bee74d05af5b42989e9f33e9', id: 'aa3d8b08bee74d05af5b42989e9f33e9', kind: 'video' },
  { url: 'https://www.loom.com/share/Unlocking-Incredible-Organizational-Velocity-with-Async-Video-4a2a8baf124c4390954dcbb46a58cfd7', id: '4a2a8baf124c4390954dcbb46a58cfd7', kind: 'video' },
  { url: 'https://www.loom.com/embed/ddcf1c1ad21f451ea7468b1e33917e4e', id: 'ddcf1c1ad21f451ea7468b1e33917e4e', kind: 'video' },
  { url: 'https://www.loom.com/embed/ddcf1c1ad21f451ea7468b1e33917e4e?hideEmbedTopBar=true&t=30', id: 'ddcf1c1ad21f451ea7468b1e33917e4e', kind: 'video' },
  { url: 'https://www.loom.com/community/e1229802a8694a09909e8ba0fbb6d073-pg', id: 'e1229802a8694a09909e8ba0fbb6d073', kind: 'video' },
  { url: 'https://www.loom.com/share/folder/997db4db046f43e5912f10dc5f817b5c', id: '997db4db046f43e5912f10dc5f817b5c', kind: 'playlist' },
  { url: 'https://www.loom.com/share/folder/bae17109a68146c7803454f2893c8cf8/Edpuzzle', id: 'bae17109a68146c7803454f2893c8cf8', kind: 'playlist' },
  { url: 'https://www.loom.com/', id: false },
  { url: 'https://www.loom.com/pricing', id: false },
  { url: 'https://www.loom.com/share/not-a-video', id: false },
  { url: 'https://loom.com.evil.net/share/43d05f362f734614a2e81b4694a3a523', id: false },
  { url: 'https://bloom.com/share/43d05f362f734614a2e81b4694a3a523', id: false },
];

/** The id captured by `re` in `segment`, if any. */
function idIn(segment: string | undefined, re: RegExp): string | null {
  return (segment && re.exec(segment)?.[1]) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const SITE = 'https://www.loom.com';
const URL_API = `${SITE}/api/campaigns/sessions`;
/** The web client's build, which Loom's own requests name as their source. */
const REQUEST_SOURCE = 'loom_web_45a5bd4';
const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** Apollo's normalized cache: "Type:id" → object, references as {__ref}. */
type ApolloState = Record<string, Record<string, unknown>>;

/** RegularUserVideo (and the error types getVideo may answer instead), fields we use. */
interface LoomVideo {
  __typename?: string;
  id?: string;
  name?: string;
  description?: string | null;
  createdAt?: string;
  needs_password?: boolean;
  message?: string;
  owner?: unknown;
  views?: unknown;
  playable_duration?: number;
  video_properties?: { duration?: number; durationMs?: number; width?: number; height?: number; microphone_enabled?: boolean | null } | null;
  thumbnails?: { default?: string } | null;
}

/** The JSON-LD VideoObject the share page also carries. */
interface VideoObject {
  name?: string;
  uploadDate?: string;
  duration?: string;
  thumbnailUrl?: string;
}

/** A media URL Loom offered, and which endpoint offered it. */
interface Source {
  label: 'raw' | 'transcoded' | 'cdn';
  url: string;
}

/** A workspace member's session from COOKIES_FILE, for loom.com requests. */
function sessionCookie(ctx: ExtractContext, url: string): Record<string, string> {
  const cookie = cookieJarFor(ctx.config)?.headerFor(url);
  return cookie ? { cookie } : {};
}

/** The share page's HTML; a removed video is a 404, a login wall a redirect to /login. */
async function sharePage(id: string, url: string, ctx: ExtractContext): Promise<string> {
  const res = await ctx.http.request(url, requestOptions(ctx, NAME, {
    headers: { accept: 'text/html,application/xhtml+xml', ...sessionCookie(ctx, url) },
    throwOnStatus: false,
  }));
  if (res.status === 404 || res.status === 410) {
    await res.body.dump();
    throw notFound(NAME, url, 'This Loom video does not exist or was deleted.');
  }
  if (res.status >= 400) {
    await res.body.dump();
    throw errorForStatus(res.status, { platform: NAME, url });
  }
  if (/^\/(login|signup)\b/.test(new URL(res.url).pathname)) {
    await res.body.dump();
    throw new DownloadError('content.login_required', 'This Loom video is only for its workspace: a member\'s cookies are needed (COOKIES_FILE).', { platform: NAME, url, id });
  }
  return await readText(res, MAX_PAGE_BYTES);
}

/** The object a value names: itself, or the cache entry its {__ref} points to. */
function deref(state: ApolloState, value: unknown): Record<string, unknown> | undefined {
  const ref = dig(value, '__ref');
  if (typeof ref === 'string') return state[ref];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** What the page's getVideo(id) query answered: the video or one of its error types. */
function videoNode(state: ApolloState, id: string): LoomVideo | undefined {
  const root = state.ROOT_QUERY ?? {};
  const key = Object.keys(root).find((k) => k.startsWith('getVideo(') && k.includes(id));
  return (deref(state, key ? root[key] : undefined) ?? state[`RegularUserVideo:${id}`]) as LoomVideo | undefined;
}

/** Refuses what the page says cannot be watched anonymously. */
function checkAccess(video: LoomVideo | undefined, url: string, ctx: ExtractContext): void {
  const context = { platform: NAME, url };
  if (video?.__typename === 'VideoPasswordMissingOrIncorrect' || video?.needs_password) {
    throw new DownloadError('content.private', 'This Loom video is password-protected.', context);
  }
  if (video?.__typename === 'PrivateVideo') {
    throw cookieJarFor(ctx.config)?.headerFor(url)
      ? new DownloadError('content.private', 'This Loom video is private and the account in COOKIES_FILE may not watch it.', context)
      : new DownloadError('content.login_required', 'This Loom video is private: the cookies of an account that may watch it are needed (COOKIES_FILE).', context);
  }
}

/** POST to the raw-url or transcoded-url endpoint; null when it offers nothing. */
async function sessionUrl(ctx: ExtractContext, id: string, endpoint: 'raw-url' | 'transcoded-url', pageUrl: string): Promise<string | null> {
  const api = `${URL_API}/${id}/${endpoint}`;
  const res = await ctx.http.request(api, requestOptions(ctx, NAME, {
    method: 'POST',
    json: { anonID: randomUUID(), deviceID: null, force_original: false, password: null },
    headers: { accept: 'application/json', origin: SITE, referer: pageUrl, 'x-loom-request-source': REQUEST_SOURCE, ...sessionCookie(ctx, api) },
    throwOnStatus: false,
  }));
  const text = await readText(res, 1024 * 1024);
  if (res.status === 429) throw errorForStatus(429, { platform: NAME, url: pageUrl });
  // an empty or non-JSON answer: this endpoint has nothing for the video
  const url = absoluteUrl(str(dig(tryParseJson(text), 'url')));
  if (res.status >= 400 || !url) {
    ctx.logger.debug({ platform: NAME, id, endpoint, status: res.status }, 'Loom offered no URL from this endpoint');
    return null;
  }
  return url;
}

/** The Apollo cache's signed M3U8 URL, when the page carries one. */
function cachedCdnUrl(video: LoomVideo | undefined): string | undefined {
  if (!video) return undefined;
  for (const [key, value] of Object.entries(video)) {
    if (key.startsWith('nullableRawCdnUrl(') && key.includes('M3U8')) return absoluteUrl(str(dig(value, 'url')));
  }
  return undefined;
}

/** A URL without its query, to tell the same file offered twice apart from a new one. */
const bare = (u: string) => u.split('?')[0]!;

/**
 * CloudFront accepts a signed URL's Policy/Signature/Key-Pair-Id as cookies too; manifests
 * list their segments without the query, so the segment requests carry it as cookies.
 */
function cloudFrontCookie(src: string): Record<string, string> | undefined {
  const q = new URL(src).searchParams;
  const [policy, signature, keyPairId] = [q.get('Policy'), q.get('Signature'), q.get('Key-Pair-Id')];
  if (!policy || !signature || !keyPairId) return undefined;
  return { cookie: `CloudFront-Policy=${policy}; CloudFront-Signature=${signature}; CloudFront-Key-Pair-Id=${keyPairId}` };
}

async function sourceFormats(ctx: ExtractContext, source: Source, video: LoomVideo | undefined): Promise<Format[]> {
  const path = new URL(source.url).pathname;
  const ext = /\.(\w+)$/.exec(path)?.[1]?.toLowerCase();
  const headers = cloudFrontCookie(source.url);
  const options = { platform: NAME, ...(headers ? { headers } : {}) };
  if (ext === 'm3u8') {
    // "-split" playlists list video and audio apart; the plain one has them muxed
    return hlsFormats(ctx, source.url.replace('-split.m3u8', '.m3u8'), { ...options, idPrefix: `hls-${source.label}` });
  }
  if (ext === 'mpd') return dashFormats(ctx, source.url, { ...options, idPrefix: `dash-${source.label}` });
  const props = video?.video_properties;
  return [
    compact<Format>({
      id: `http-${source.label}`,
      url: source.url,
      protocol: 'https',
      container: ext === 'webm' ? 'webm' : 'mp4',
      width: num(props?.width),
      height: num(props?.height),
      // a recording made with the microphone off has no sound at all
      acodec: props?.microphone_enabled === false ? null : undefined,
    }),
  ];
}

/** Every format the endpoints and the page offer, duplicates dropped. */
async function formatsOf(ctx: ExtractContext, id: string, url: string, video: LoomVideo | undefined): Promise<Format[]> {
  const [raw, transcoded] = await Promise.all([sessionUrl(ctx, id, 'raw-url', url), sessionUrl(ctx, id, 'transcoded-url', url)]);
  const sources: Source[] = [];
  const add = (label: Source['label'], u: string | null | undefined) => {
    if (u && !sources.some((s) => bare(s.url) === bare(u))) sources.push({ label, url: u });
  };
  add('raw', raw);
  add('transcoded', transcoded);
  add('cdn', cachedCdnUrl(video));
  const formats: Format[] = [];
  let failure: unknown;
  for (const source of sources) {
    try {
      formats.push(...(await sourceFormats(ctx, source, video)));
    } catch (error) {
      // one expired or refused manifest must not hide the sources that still work
      ctx.logger.warn({ platform: NAME, id, source: source.label, err: error }, 'a Loom source failed');
      failure ??= error;
    }
  }
  if (formats.length === 0 && failure !== undefined) throw failure;
  return formats;
}

/** The owner's display name, through the RegularUser reference. */
function ownerName(state: ApolloState, video: LoomVideo | undefined): string | undefined {
  const owner = deref(state, video?.owner);
  return str(owner?.display_name) ?? str([owner?.first_name, owner?.last_name].filter((s) => typeof s === 'string').join(' '));
}

async function extractVideo(id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = `${SITE}/share/${id}`;
  const html = await sharePage(id, url, ctx);
  const state = jsonAfter<ApolloState>(html, /window\.__APOLLO_STATE__\s*=\s*/) ?? {};
  const video = videoNode(state, id);
  checkAccess(video, url, ctx);
  const ld = jsonLd(html).find((o): o is VideoObject => /videoobject/i.test(String(dig(o, '@type')))) ?? {};
  if (!video) ctx.logger.debug({ platform: NAME, id }, 'the Loom page carries no video in its Apollo state; using JSON-LD');

  const formats = await formatsOf(ctx, id, url, video);
  if (formats.length === 0) {
    if (!video && !ld.name) throw notFound(NAME, url, 'This Loom video does not exist or was deleted.');
    throw new DownloadError('fetch.failed', 'Loom offered no playable source for this video (it may still be processing).', { platform: NAME, url }, { retriable: false });
  }
  const props = video?.video_properties;
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(video?.name) ?? str(ld.name) ?? id,
    description: str(video?.description),
    uploader: ownerName(state, video),
    durationSec: num(video?.playable_duration) ?? num(props?.duration) ?? isoDurationSeconds(ld.duration),
    timestamp: unixSeconds(video?.createdAt ?? ld.uploadDate),
    thumbnail: absoluteUrl(video?.thumbnails?.default ?? ld.thumbnailUrl),
    viewCount: num(deref(state, video?.views)?.total),
    formats,
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'video') return extractVideo(match.id!, ctx);
  // folders: not final, so the yt-dlp backend (when installed) gets its turn
  throw noNativeExtractor(NAME, match.url.href, 'Loom folders');
}

/** Loom shared and embedded videos and shared folders. */
export const loom: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const [section, item, folderId] = pathSegments(url);
    if (section === 'share' && item === 'folder') {
      return folderId && ID_RE.test(folderId) ? matched(NAME, url, folderId, 'playlist') : null;
    }
    let id: string | null = null;
    if (section === 'share' || section === 'embed') id = idIn(item, SLUGGED_ID_RE);
    else if (section === 'community') id = idIn(item, COMMUNITY_RE);
    return id ? matched(NAME, url, id, 'video') : null;
  },

  extract,
};
