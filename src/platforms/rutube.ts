/**
 * Rutube (rutube.ru). Knows:
 * - videos: /video/{32 hex}/, private ones /video/private/{hex}/?p={key} (the key goes to extra);
 * - the player: /play/embed/{hex or digits}, /embed/{hex}, /video/embed/{digits};
 * - shorts /shorts/{hex} and Yappy shorts /yappy/{hex};
 * - live streams: /live/video/{hex}/ and /live/video/private/{hex}/;
 * - playlists /plst/{digits}, TV series /metainfo/tv/{digits};
 * - channels: /channel/{digits}/ (with a videos/shorts/playlists tab), /u/{slug}/, /video/person/{digits}/.
 *
 * Extraction, without login (a private video's `p` key stands in for one):
 * - `GET https://rutube.ru/api/play/options/{id}/?no_404=true&referer={page}&pver=v2[&p={key}]` (the
 *   player's own call) answers the title, author, duration in ms, thumbnail, `effective_video` (the hex id
 *   behind a numeric embed id), `video_balancer.m3u8` (a signed HLS master, mirrored on two CDN hosts:
 *   each rendition is listed twice) and, for a stream on air, `live_streams.hls[].url`. A refusal comes as
 *   `detail: {type, description, languages[]}` (`blocking_rule`: rights-holder or region block) or
 *   `acl_access.allowed: false`, with HTTP 404/403 for missing and private videos.
 * - `GET https://rutube.ru/api/video/{id}/?format=json[&p={key}]` adds the description, the upload time
 *   (`created_ts`, Moscow time without a zone), views and the author id; it is optional.
 * - Lists share one page shape `{results[], has_next, next, count?}`: custom playlists
 *   `/api/playlist/custom/{id}/videos/`, TV series `/api/metainfo/tv/{id}/video/` (its name from
 *   `/api/metainfo/tv/{id}/`) and channels `/api/video/person/{id}/` (`origin__type` picks the
 *   videos or shorts tab). Each listed video is extracted like a single one, up to PLAYLIST_LIMIT.
 * - Yappy shorts: `GET https://rutube.ru/pangolin/api/web/yappy/v4/yappypage/?client=wdp&videoId={id}`
 *   lists the clip with a direct mp4 `link`.
 * The CDN (bl.rutube.ru and its mirrors) wants `Referer: https://rutube.ru/` on every media request.
 */
import { hostIn, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, isDownloadError, noNativeExtractor } from '../utils/errors.js';
import { type HttpResponse, readText } from '../utils/http.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, compact, num, str, tryParseJson, unixSeconds } from './page.js';

const NAME = 'rutube';
const HOSTS = ['rutube.ru'] as const;

const HEX_ID_RE = /^[\da-f]{32}$/;
const NUMERIC_RE = /^\d+$/;
const SLUG_RE = /^\w+$/;
const CHANNEL_TABS = new Set(['videos', 'shorts', 'playlists']);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://rutube.ru/video/3eac3b4561676c17df9132a9a1e62e3e/', id: '3eac3b4561676c17df9132a9a1e62e3e', kind: 'video' },
  { url: 'https://rutube.ru/video/3eac3b4561676c17df9132a9a1e62e3e/?pl_id=4252', id: '3eac3b4561676c17df9132a9a1e62e3e', kind: 'video' },
  { url: 'https://RUTUBE.RU/video/10b3a03fc01d5bbcc632a2f3514e8aab', id: '10b3a03fc01d5bbcc632a2f3514e8aab', kind: 'video' },
  { url: 'https://rutube.ru/video/private/884fb55f07a97ab673c7d654553e0f48/?p=x2QojCumHTS3rsKHWXN8Lg', id: '884fb55f07a97ab673c7d654553e0f48', kind: 'video' },
  { url: 'https://rutube.ru/play/embed/a10e53b86e8f349080f718582ce4c661', id: 'a10e53b86e8f349080f718582ce4c661', kind: 'video' },
  { url: 'https://rutube.ru/embed/a10e53b86e8f349080f718582ce4c661', id: 'a10e53b86e8f349080f718582ce4c661', kind: 'video' },
  { url: 'https://rutube.ru/play/embed/10631925?p=IbAigKqWd1do4mjaM5XLIQ', id: '10631925', kind: 'video' },
  { url: 'https://rutube.ru/video/embed/6722881?vk_puid37=&vk_puid38=', id: '6722881', kind: 'video' },
  { url: 'https://rutube.ru/shorts/935c1afafd0e7d52836d671967d53dac/', id: '935c1afafd0e7d52836d671967d53dac', kind: 'short' },
  { url: 'https://rutube.ru/yappy/c8c32bf7aee04412837656ea26c2b25b/', id: 'c8c32bf7aee04412837656ea26c2b25b', kind: 'short' },
  { url: 'https://rutube.ru/live/video/c58f502c7bb34a8fcdd976b221fca292/', id: 'c58f502c7bb34a8fcdd976b221fca292', kind: 'live' },
  { url: 'https://rutube.ru/live/video/private/c58f502c7bb34a8fcdd976b221fca292/', id: 'c58f502c7bb34a8fcdd976b221fca292', kind: 'live' },
  { url: 'https://rutube.ru/plst/308547/', id: '308547', kind: 'playlist' },
  { url: 'https://rutube.ru/metainfo/tv/5287/', id: '5287', kind: 'playlist' },
  { url: 'https://rutube.ru/channel/25902603/shorts/', id: '25902603', kind: 'channel' },
  { url: 'https://rutube.ru/u/rutube/videos/', id: 'rutube', kind: 'channel' },
  { url: 'https://rutube.ru/video/person/313878/', id: '313878', kind: 'channel' },
  { url: 'https://rutube.ru/', id: false },
  { url: 'https://rutube.ru/feeds/top/', id: false },
  { url: 'https://rutube.ru/video/not-a-video-id/', id: false },
  { url: 'https://rutube.ru.evil.net/video/3eac3b4561676c17df9132a9a1e62e3e/', id: false },
  { url: 'https://notrutube.ru/video/3eac3b4561676c17df9132a9a1e62e3e/', id: false },
];

const API = 'https://rutube.ru/api';
/** Headers the CDN wants on manifests and segments. */
const CDN_HEADERS = { Referer: 'https://rutube.ru/' } as const;
/** Rutube's timestamps carry no zone and mean Moscow time. */
const MOSCOW_OFFSET = '+03:00';
/** How many listed videos are extracted at once. */
const LIST_CONCURRENCY = 4;
/** `origin__type` values of a channel's tabs, as the site's own channel page asks for them. */
const TAB_ORIGINS: Record<string, string> = { videos: 'rtb,rst,ifrm,rspa', shorts: 'rshorts' };

/** What /api/play/options/{id}/ answers (fields we use). */
interface PlayOptions {
  title?: string;
  /** Milliseconds. */
  duration?: number;
  thumbnail_url?: string;
  effective_video?: string;
  video_id?: string;
  author?: { id?: number; name?: string };
  video_balancer?: { m3u8?: string; default?: string };
  live_streams?: { hls?: Array<{ url?: string; is_dvr?: boolean }> };
  acl_access?: { allowed?: boolean; err_text?: string };
  detail?: RefusalDetail;
}

/** Why the player may not play a video. */
interface RefusalDetail {
  type?: string;
  name?: string;
  description?: string;
  languages?: Array<{ lang?: string; title?: string; description?: string }>;
}

/** A video as /api/video/{id}/ and the list endpoints describe it. */
interface ApiVideo {
  id?: string;
  title?: string;
  description?: string;
  /** Seconds. */
  duration?: number;
  created_ts?: string;
  publication_ts?: string;
  hits?: number;
  thumbnail_url?: string;
  is_adult?: boolean;
  author?: { id?: number; name?: string };
}

/** One page of a list endpoint. */
interface ListPage {
  results?: ApiVideo[];
  has_next?: boolean;
  next?: string | null;
  count?: number;
}

/** The Yappy feed page that names one clip. */
interface YappyPage {
  results?: Array<{ id?: string; link?: string }>;
}

/** Where a list lives and what it is called. */
interface ListSource {
  firstPage: URL;
  url: string;
  title?: string;
}

/** A JSON body whatever the status (Rutube explains refusals in the body); undefined when it is not JSON. */
async function readJson<T>(res: HttpResponse): Promise<T | undefined> {
  return tryParseJson<T>(await readText(res, 4 * 1024 * 1024));
}

/** The refusal text of a `detail`, English first. */
function refusalText(detail: RefusalDetail | undefined): string | undefined {
  const en = detail?.languages?.find((l) => l.lang === 'en');
  return str(en?.description) ?? str(detail?.description) ?? str(en?.title) ?? str(detail?.name);
}

/** The error a play-options answer means, or undefined when the video plays. */
function playFailure(options: PlayOptions | undefined, status: number, url: string): DownloadError | undefined {
  const context = { platform: NAME, url, status };
  const detail = options?.detail;
  const text = refusalText(detail) ?? str(options?.acl_access?.err_text);
  if (detail?.type === 'blocking_rule' || /region|countr|VPN|стран|регион/i.test(text ?? '')) {
    return new DownloadError('content.geo_blocked', text, context);
  }
  if (status === 404 || status === 410 || /not.?found|removed|deleted|не найден|удал/i.test(`${detail?.type ?? ''} ${text ?? ''}`)) {
    return new DownloadError('content.not_found', text, context);
  }
  if (status === 401) return new DownloadError('content.login_required', text, context);
  if (status === 403 || options?.acl_access?.allowed === false || /private|приват/i.test(text ?? '')) {
    return new DownloadError('content.private', text ?? 'The video is private; its link needs the `p` key.', context);
  }
  if (status >= 400) return errorForStatus(status, context);
  if (detail) return new DownloadError('fetch.failed', text ?? `Rutube refused to play the video (${detail.type ?? 'no reason given'}).`, context, { retriable: false });
  return undefined;
}

/** The canonical page of a video: what the API's `referer` is set to and what MediaInfo.url says. */
function pageUrl(id: string, key: string | undefined, kind: string): string {
  if (key) return `https://rutube.ru/${kind === 'live' ? 'live/video' : 'video'}/private/${id}/?p=${encodeURIComponent(key)}`;
  if (kind === 'short') return `https://rutube.ru/shorts/${id}/`;
  return `https://rutube.ru/${kind === 'live' ? 'live/video' : 'video'}/${id}/`;
}

async function playOptions(ctx: ExtractContext, id: string, key: string | undefined, page: string): Promise<PlayOptions> {
  const res = await ctx.http.request(`${API}/play/options/${id}/`, requestOptions(ctx, NAME, {
    headers: { accept: 'application/json', referer: page },
    query: { no_404: 'true', referer: page, pver: 'v2', p: key },
    throwOnStatus: false,
  }));
  const options = await readJson<PlayOptions>(res);
  const failure = playFailure(options, res.status, page);
  if (failure) throw failure;
  if (!options) throw new DownloadError('fetch.failed', 'Rutube answered the play options with something that is not JSON.', { platform: NAME, url: page });
  return options;
}

/** The optional metadata call; a failure costs the description and upload time, so it is logged, not fatal. */
async function videoMeta(ctx: ExtractContext, id: string, key: string | undefined): Promise<ApiVideo> {
  try {
    return await ctx.http.json<ApiVideo>(`${API}/video/${id}/`, requestOptions(ctx, NAME, { query: { format: 'json', p: key } }));
  } catch (error) {
    if (!isDownloadError(error) || error.code === 'fetch.rate_limited') throw error;
    ctx.logger.warn({ platform: NAME, id, code: error.code }, 'the video metadata call failed; using the player options only');
    return {};
  }
}

/** Unix seconds of a Rutube timestamp, read as Moscow time when it names no zone. */
function timestampOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  return unixSeconds(/(?:Z|[+-]\d\d:?\d\d)$/.test(value) ? value : value + MOSCOW_OFFSET);
}

/** The HLS renditions; the master lists each one per CDN mirror, the first of each is kept. */
async function vodFormats(ctx: ExtractContext, options: PlayOptions, page: string): Promise<Format[]> {
  const master = absoluteUrl(options.video_balancer?.m3u8 ?? options.video_balancer?.default);
  if (!master) throw new DownloadError('fetch.failed', 'Rutube named no HLS playlist for this video.', { platform: NAME, url: page }, { retriable: false });
  const seen = new Set<string>();
  return (await hlsFormats(ctx, master, { platform: NAME, headers: { ...CDN_HEADERS } })).filter((f) => !seen.has(f.id) && seen.add(f.id));
}

/** A stream on air: its playlists, unfetched (format selection refuses live streams anyway). */
function liveFormats(options: PlayOptions): Format[] {
  const urls = (options.live_streams?.hls ?? []).map((s) => absoluteUrl(s.url)).filter((u): u is string => !!u);
  return urls.map((url, i) => ({ id: `hls-live${i ? `-${i}` : ''}`, url, protocol: 'hls', container: 'mp4', headers: { ...CDN_HEADERS } }));
}

/** One video, short or stream. `listed` is what a list already said about it (saves the metadata call). */
async function extractVideo(ctx: ExtractContext, id: string, key: string | undefined, kind: string, listed?: ApiVideo): Promise<MediaInfo> {
  const options = await playOptions(ctx, id, key, pageUrl(id, key, kind));
  const videoId = str(options.effective_video) ?? str(options.video_id) ?? id;
  const page = pageUrl(videoId, key, kind);
  const live = liveFormats(options);
  const [meta, formats] = await Promise.all([
    listed ?? videoMeta(ctx, videoId, key),
    live.length ? Promise.resolve(live) : vodFormats(ctx, options, page),
  ]);
  const authorId = meta.author?.id ?? options.author?.id;
  const durationMs = num(options.duration);
  return compact<MediaInfo>({
    platform: NAME,
    id: videoId,
    url: page,
    title: str(meta.title) ?? str(options.title) ?? videoId,
    description: str(meta.description),
    uploader: str(meta.author?.name) ?? str(options.author?.name),
    uploaderId: authorId !== undefined ? String(authorId) : undefined,
    durationSec: num(meta.duration) ?? (durationMs !== undefined ? Math.round(durationMs / 1000) : undefined),
    thumbnail: absoluteUrl(meta.thumbnail_url ?? options.thumbnail_url),
    timestamp: timestampOf(meta.publication_ts ?? meta.created_ts),
    viewCount: num(meta.hits),
    ageLimit: meta.is_adult === true ? 18 : meta.is_adult === false ? 0 : undefined,
    live: live.length ? true : undefined,
    formats,
  });
}

/** A Yappy short: one mp4 named by the Yappy feed. */
async function extractYappy(ctx: ExtractContext, id: string): Promise<MediaInfo> {
  const url = `https://rutube.ru/yappy/${id}/`;
  const page = await ctx.http.json<YappyPage>('https://rutube.ru/pangolin/api/web/yappy/v4/yappypage/', requestOptions(ctx, NAME, {
    query: { client: 'wdp', videoId: id, page: '1', page_size: '1' },
  }));
  const clip = page.results?.find((r) => r.id === id);
  const link = absoluteUrl(clip?.link);
  if (!link) throw new DownloadError('content.not_found', 'The Yappy feed does not list this clip.', { platform: NAME, url });
  return { platform: NAME, id, url, formats: [{ id: 'mp4', url: link, protocol: 'https', container: 'mp4', headers: { ...CDN_HEADERS } }] };
}

/** The list endpoint behind a playlist, TV series or channel match. */
async function listSource(ctx: ExtractContext, match: Match): Promise<ListSource> {
  const id = match.id!;
  if (match.kind === 'playlist' && match.extra?.type === 'tv') {
    const show = await ctx.http.json<{ name?: string }>(`${API}/metainfo/tv/${id}/`, requestOptions(ctx, NAME, { query: { format: 'json' } }));
    return compact<ListSource>({ firstPage: new URL(`${API}/metainfo/tv/${id}/video/`), url: `https://rutube.ru/metainfo/tv/${id}/`, title: str(show.name) });
  }
  if (match.kind === 'playlist') return { firstPage: new URL(`${API}/playlist/custom/${id}/videos/`), url: `https://rutube.ru/plst/${id}/` };
  if (!/^\d+$/.test(id)) throw notNative(match, 'Rutube channels named by a slug');
  const tab = match.extra?.tab;
  if (tab === 'playlists') throw notNative(match, "A Rutube channel's playlists tab");
  const firstPage = new URL(`${API}/video/person/${id}/`);
  if (tab && TAB_ORIGINS[tab]) firstPage.searchParams.set('origin__type', TAB_ORIGINS[tab]);
  return { firstPage, url: `https://rutube.ru/channel/${id}/${tab ? `${tab}/` : ''}` };
}

/** Reads pages until `limit` videos or the end; `total` is the list's size when it says. */
async function listVideos(ctx: ExtractContext, first: URL, limit: number): Promise<{ videos: ApiVideo[]; total?: number; more: boolean }> {
  const videos: ApiVideo[] = [];
  let next: URL | undefined = first;
  let total: number | undefined;
  for (let pageNo = 1; next && videos.length < limit; pageNo++) {
    if (!next.searchParams.has('page')) next.searchParams.set('page', String(pageNo));
    next.searchParams.set('format', 'json');
    const page: ListPage = await ctx.http.json<ListPage>(next, requestOptions(ctx, NAME));
    total ??= num(page.count);
    const results = page.results ?? [];
    videos.push(...results.filter((v) => typeof v.id === 'string' && HEX_ID_RE.test(v.id)));
    // an empty page ends the list whatever has_next says, so a wrong flag cannot loop forever
    const hasNext = page.has_next === true && results.length > 0;
    const link: string | undefined = hasNext ? absoluteUrl(page.next, next.href) : undefined;
    next = link && hostIn(new URL(link).hostname, HOSTS) ? new URL(link) : hasNext ? pageAfter(next) : undefined;
  }
  return { videos: videos.slice(0, limit), more: videos.length > limit || next !== undefined, ...(total !== undefined ? { total } : {}) };
}

/** The same list URL one page further. */
function pageAfter(url: URL): URL {
  const next = new URL(url);
  next.searchParams.set('page', String(Number(url.searchParams.get('page') ?? '1') + 1));
  return next;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < items.length) {
      const i = cursor++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A playlist, TV series or channel: one entry per video that plays; the ones that do not are logged. */
async function extractList(ctx: ExtractContext, match: Match): Promise<MediaInfo> {
  const source = await listSource(ctx, match);
  const limit = ctx.config.playlistLimit;
  const { videos, total, more } = await listVideos(ctx, source.firstPage, limit);
  const failures: DownloadError[] = [];
  const results = await mapLimited(videos, LIST_CONCURRENCY, async (video) => {
    try {
      return await extractVideo(ctx, video.id!, undefined, 'video', video);
    } catch (error) {
      if (!isDownloadError(error) || error.code === 'fetch.rate_limited') throw error;
      ctx.logger.warn({ platform: NAME, list: match.id, id: video.id, code: error.code }, 'a listed video is unavailable; skipping it');
      failures.push(error);
      return undefined;
    }
  });
  const entries = results.filter((e): e is MediaInfo => e !== undefined);
  if (entries.length === 0) throw failures[0] ?? new DownloadError('content.not_found', 'The list has no videos.', { platform: NAME, url: source.url });
  const cut = more || (total !== undefined && total > videos.length);
  return compact<MediaInfo>({
    platform: NAME,
    id: match.id!,
    url: source.url,
    title: source.title,
    formats: [],
    entries,
    entriesTotal: cut ? Math.max(total ?? 0, videos.length) : undefined,
  });
}

/**
 * A URL form this file recognises but does not extract. The error is not final, so the platform
 * manager still offers the URL to the yt-dlp backend when one is installed.
 */
function notNative(match: Match, what: string): DownloadError {
  return noNativeExtractor(NAME, match.url.href, what);
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  if (match.extra?.app === 'yappy') return extractYappy(ctx, id);
  if (match.kind === 'playlist' || match.kind === 'channel') return extractList(ctx, match);
  return extractVideo(ctx, id, match.extra?.key, match.kind ?? 'video');
}

/** A video id in the form its path allows; `p` (the private key) goes to extra when present. */
function video(url: URL, id: string | undefined, kind: string, numericToo = false): Match | null {
  if (!id || !(HEX_ID_RE.test(id) || (numericToo && NUMERIC_RE.test(id)))) return null;
  const key = url.searchParams.get('p');
  return matched(NAME, url, id, kind, key ? { key } : undefined);
}

/** A channel by number or slug, bare or on one of its tabs. */
function channel(url: URL, id: string | undefined, rest: string[], idRe: RegExp): Match | null {
  if (!id || !idRe.test(id) || rest.length > 1 || (rest[0] && !CHANNEL_TABS.has(rest[0]))) return null;
  return matched(NAME, url, id, 'channel', rest[0] ? { tab: rest[0] } : undefined);
}

/** Rutube videos, shorts, live streams, playlists and channels. */
export const rutube: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    const [a, b, c, d] = segments;
    switch (a) {
      case 'video':
        if (b === 'private') return video(url, c, 'video');
        if (b === 'embed') return video(url, c, 'video', true);
        if (b === 'person') return c && NUMERIC_RE.test(c) ? matched(NAME, url, c, 'channel') : null;
        return video(url, b, 'video');
      case 'play':
        return b === 'embed' ? video(url, c, 'video', true) : null;
      case 'embed':
        return video(url, b, 'video');
      case 'shorts':
        return video(url, b, 'short');
      case 'yappy':
        return b && HEX_ID_RE.test(b) ? matched(NAME, url, b, 'short', { app: 'yappy' }) : null;
      case 'live':
        if (b !== 'video') return null;
        return c === 'private' ? video(url, d, 'live') : video(url, c, 'live');
      case 'plst':
        return b && NUMERIC_RE.test(b) ? matched(NAME, url, b, 'playlist') : null;
      case 'metainfo':
        return b === 'tv' && c && NUMERIC_RE.test(c) ? matched(NAME, url, c, 'playlist', { type: 'tv' }) : null;
      case 'channel':
        return channel(url, b, segments.slice(2), NUMERIC_RE);
      case 'u':
        return channel(url, b, segments.slice(2), SLUG_RE);
      default:
        return null;
    }
  },

  extract,
};
