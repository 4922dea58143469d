/**
 * YouTube containers: playlists (PL…, OLAK5uy_… albums, UU… uploads), channels and mixes.
 *
 * - A playlist is POST /youtubei/v1/browse {browseId: "VL" + id}; its videos are the
 *   `playlistVideoRenderer`s under contents, and the last item of each page is a
 *   `continuationItemRenderer` whose token is POSTed to /browse {continuation} for the next
 *   page (answered as onResponseReceivedActions[].appendContinuationItemsAction).
 * - A channel is its uploads playlist: "UU" + the channel id without "UC" (UULF… for the
 *   /videos tab, UUSH… for /shorts, UULV… for /streams). Handles and /c/, /user/ names become
 *   a channel id through POST /youtubei/v1/navigation/resolve_url. A channel's /live page (and
 *   /embed/live_stream?channel=) resolves to the video live right now.
 * - A mix (RD…) has no browse page: POST /youtubei/v1/next {playlistId, videoId} answers a
 *   window of `playlistPanelVideoRenderer`s, and asking again from the window's last video
 *   gives the next one, until no new video comes (mixes are endless; the limit stops us).
 *
 * Entries stop at PLAYLIST_LIMIT (ctx.config.playlistLimit); entriesTotal is the playlist's
 * own count when the page states it. Each entry is a MediaInfo with id, url, title, duration,
 * uploader and thumbnail but NO formats: stream URLs expire within hours and cost a /player
 * request each, so whoever downloads the entries extracts each entry's URL through the
 * platform manager when its turn comes.
 */
import type { ExtractContext, Match } from '../base.js';
import type { MediaInfo } from '../../media/types.js';
import { DownloadError, isDownloadError } from '../../utils/errors.js';
import { compact, num, str } from '../page.js';
import { NAME, openSession, openSignedInSession, type InnertubeSession } from './innertube.js';
import { largestThumbnail, textOf, watchUrl, type InnertubeText } from './video.js';

interface BrowseEndpoint {
  browseId?: string;
  canonicalBaseUrl?: string;
}

interface Byline extends InnertubeText {
  runs?: Array<{ text?: string; navigationEndpoint?: { browseEndpoint?: BrowseEndpoint } }>;
}

/** A video row of a playlist page. */
interface PlaylistVideoRenderer {
  videoId?: string;
  title?: InnertubeText;
  lengthSeconds?: string;
  lengthText?: InnertubeText;
  shortBylineText?: Byline;
  thumbnail?: { thumbnails?: Array<{ url?: string; width?: number; height?: number }> };
  /** False for "[Private video]" and "[Deleted video]" rows. */
  isPlayable?: boolean;
}

/** A video row of a mix (the watch page's playlist panel). */
interface PlaylistPanelVideoRenderer extends PlaylistVideoRenderer {
  navigationEndpoint?: { watchEndpoint?: { videoId?: string; playlistId?: string; index?: number; params?: string } };
}

interface ContinuationItemRenderer {
  continuationEndpoint?: { continuationCommand?: { token?: string } };
}

interface Alert {
  type?: string;
  text?: InnertubeText;
}

/** The /browse answer for a playlist page or one of its continuations. */
interface BrowseResponse {
  contents?: unknown;
  header?: {
    playlistHeaderRenderer?: { title?: InnertubeText; ownerText?: Byline; numVideosText?: InnertubeText };
    pageHeaderRenderer?: { pageTitle?: string };
  };
  sidebar?: unknown;
  metadata?: { playlistMetadataRenderer?: { title?: string; description?: string } };
  alerts?: Array<{ alertRenderer?: Alert; alertWithButtonRenderer?: Alert }>;
  onResponseReceivedActions?: Array<{ appendContinuationItemsAction?: { continuationItems?: unknown[] } }>;
}

/** The /next answer, for its playlist panel. */
interface NextResponse {
  contents?: {
    twoColumnWatchNextResults?: {
      playlist?: {
        playlist?: {
          title?: string;
          playlistId?: string;
          ownerName?: InnertubeText;
          contents?: Array<{ playlistPanelVideoRenderer?: PlaylistPanelVideoRenderer }>;
        };
      };
    };
  };
}

/** The /navigation/resolve_url answer. */
interface ResolveUrlResponse {
  endpoint?: { browseEndpoint?: BrowseEndpoint; watchEndpoint?: { videoId?: string } };
}

/** Personal lists that exist only for a signed-in account. */
const PERSONAL_LISTS = new Set(['WL', 'LL', 'LM']);
/** Channel tabs and the uploads playlist each one lists ("" is every upload). */
const TAB_PREFIX: Readonly<Record<string, string>> = { videos: 'UULF', shorts: 'UUSH', streams: 'UULV' };
/** Pages of a playlist fetched at most, whatever the limit: a loop guard. */
const MAX_PAGES = 200;
const UCID = /^UC[A-Za-z0-9_-]{22}$/;
const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;

/** The playlist page URL of a list id. */
export function playlistUrl(id: string): string {
  return `https://www.youtube.com/playlist?list=${id}`;
}

/** Extracts a playlist or mix by id, entries without formats (see the file comment). */
export async function extractPlaylist(id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const session = await sessionFor(id, ctx);
  return id.startsWith('RD') ? readMix(session, id, ctx) : readPlaylist(session, id, ctx);
}

/** A personal list needs the COOKIES_FILE session; everything else is read anonymously. */
async function sessionFor(id: string, ctx: ExtractContext): Promise<InnertubeSession> {
  if (!PERSONAL_LISTS.has(id)) return openSession(ctx);
  const signedIn = await openSignedInSession(ctx);
  if (!signedIn) {
    throw new DownloadError('content.login_required', 'Watch later, liked videos and liked music are personal lists: they need COOKIES_FILE.', { platform: NAME, url: playlistUrl(id) });
  }
  return signedIn;
}

/**
 * A channel's uploads (or the tab's share of them), or — for a /live page — the video the
 * channel streams right now.
 */
export async function extractChannel(match: Match, ctx: ExtractContext, extractVideo: (id: string) => Promise<MediaInfo>): Promise<MediaInfo> {
  const session = await openSession(ctx);
  const tab = match.extra?.tab ?? '';
  if (tab === 'live') return extractVideo(await liveVideoId(session, match));
  const ucid = await channelId(session, match);
  const listId = `${TAB_PREFIX[tab] ?? 'UU'}${ucid.slice(2)}`;
  const uploads = await readPlaylist(session, listId, ctx);
  return {
    ...uploads,
    id: match.id!,
    url: `https://www.youtube.com/channel/${ucid}${tab in TAB_PREFIX ? `/${tab}` : ''}`,
    // the uploads playlist is titled "Videos" or "Uploads from …": the channel's name says more
    title: uploads.uploader ?? uploads.title,
  };
}

/** The UC… id of a channel URL: as written, or resolved from a handle or legacy name. */
async function channelId(session: InnertubeSession, match: Match): Promise<string> {
  if (UCID.test(match.id!)) return match.id!;
  const page = channelPageUrl(match);
  const answer = await resolveUrl(session, page);
  const id = answer.endpoint?.browseEndpoint?.browseId;
  if (!id || !UCID.test(id)) throw new DownloadError('content.not_found', 'YouTube does not know this channel.', { platform: NAME, url: page });
  return id;
}

/** The video a channel is streaming now, from its /live page. */
async function liveVideoId(session: InnertubeSession, match: Match): Promise<string> {
  const page = `${UCID.test(match.id!) ? `https://www.youtube.com/channel/${match.id}` : channelPageUrl(match)}/live`;
  const videoId = (await resolveUrl(session, page)).endpoint?.watchEndpoint?.videoId;
  if (!videoId || !VIDEO_ID.test(videoId)) throw new DownloadError('content.not_found', 'The channel is not streaming right now.', { platform: NAME, url: page });
  return videoId;
}

/** https://www.youtube.com/@handle, /c/name or /user/name: the channel's own page, without a tab. */
function channelPageUrl(match: Match): string {
  const id = match.id!;
  if (id.startsWith('@')) return `https://www.youtube.com/${encodeURIComponent(id).replace(/^%40/, '@')}`;
  const kind = match.url.pathname.split('/').filter(Boolean)[0]?.toLowerCase() === 'user' ? 'user' : 'c';
  return `https://www.youtube.com/${kind}/${encodeURIComponent(id)}`;
}

async function resolveUrl(session: InnertubeSession, url: string): Promise<ResolveUrlResponse> {
  try {
    return await session.call<ResolveUrlResponse>('/navigation/resolve_url', { url });
  } catch (error) {
    // resolve_url says 400/404 for a page that does not exist
    if (isDownloadError(error) && (error.context.status === 400 || error.context.status === 404)) {
      throw new DownloadError('content.not_found', 'YouTube does not know this channel.', { platform: NAME, url }, { cause: error });
    }
    throw error;
  }
}

/** Reads a browsable playlist page by page up to the limit. */
async function readPlaylist(session: InnertubeSession, id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = playlistUrl(id);
  const limit = ctx.config.playlistLimit;
  const first = await browse(session, { browseId: `VL${id}` }, url);
  refuseAlerts(first, url);
  const entries: MediaInfo[] = [];
  let page = readItems(first.contents);
  const seenTokens = new Set<string>();
  for (let pages = 1; ; pages++) {
    entries.push(...page.videos.slice(0, limit - entries.length));
    const token = page.continuation;
    if (entries.length >= limit || !token || seenTokens.has(token) || pages >= MAX_PAGES) break;
    seenTokens.add(token);
    const next = await browse(session, { continuation: token }, url);
    page = readItems(next.onResponseReceivedActions?.map((a) => a.appendContinuationItemsAction?.continuationItems));
  }
  const meta = first.metadata?.playlistMetadataRenderer;
  const headerRenderer = first.header?.playlistHeaderRenderer;
  const owner = ownerOf(first);
  const total = videoCount(first.header) ?? videoCount(first.sidebar);
  if (entries.length === 0 && (total ?? 0) > 0) {
    throw new DownloadError('fetch.failed', `YouTube says the playlist has ${total} videos, but its page lists none we can read.`, { platform: NAME, url }, { retriable: false });
  }
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(meta?.title) ?? textOf(headerRenderer?.title) ?? str(first.header?.pageHeaderRenderer?.pageTitle) ?? id,
    description: str(meta?.description),
    uploader: owner?.name,
    uploaderId: owner?.id,
    formats: [],
    entries,
    entriesTotal: total,
  });
}

async function browse(session: InnertubeSession, body: Record<string, unknown>, url: string): Promise<BrowseResponse> {
  try {
    return await session.call<BrowseResponse>('/browse', body);
  } catch (error) {
    // a malformed or unknown list id is a 400 "Request contains an invalid argument"
    if (isDownloadError(error) && (error.context.status === 400 || error.context.status === 404)) {
      throw new DownloadError('content.not_found', 'The playlist does not exist.', { platform: NAME, url }, { cause: error });
    }
    throw error;
  }
}

/** A page that carries an ERROR alert instead of videos ("The playlist does not exist.", "This playlist is private."). */
function refuseAlerts(response: BrowseResponse, url: string): void {
  for (const item of response.alerts ?? []) {
    const alert = item.alertRenderer ?? item.alertWithButtonRenderer;
    if (alert?.type !== 'ERROR') continue;
    const text = textOf(alert.text) ?? 'The playlist is not available.';
    const code = /private/i.test(text) ? 'content.private' : 'content.not_found';
    throw new DownloadError(code, text, { platform: NAME, url });
  }
}

/** The video rows and the continuation token found anywhere under `node`. */
function readItems(node: unknown): { videos: MediaInfo[]; continuation?: string } {
  const videos: MediaInfo[] = [];
  let continuation: string | undefined;
  walk(node, (key, value) => {
    if (key === 'playlistVideoRenderer' || key === 'playlistPanelVideoRenderer') {
      const entry = toEntry(value as PlaylistVideoRenderer);
      if (entry) videos.push(entry);
      return true;
    }
    if (key === 'continuationItemRenderer') {
      continuation ??= str((value as ContinuationItemRenderer).continuationEndpoint?.continuationCommand?.token);
      return true;
    }
    return false;
  });
  return continuation ? { videos, continuation } : { videos };
}

/** Visits every keyed value depth-first; `visit` returns true to not descend into a value. */
function walk(node: unknown, visit: (key: string, value: unknown) => boolean): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === 'object' && !visit(key, value)) walk(value, visit);
  }
}

/** One playlist row as a formatless entry; unplayable rows (private/deleted videos) are left out. */
function toEntry(row: PlaylistVideoRenderer): MediaInfo | undefined {
  const id = row.videoId;
  if (!id || !VIDEO_ID.test(id) || row.isPlayable === false) return undefined;
  const byline = row.shortBylineText?.runs?.[0];
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url: watchUrl(id),
    title: textOf(row.title),
    durationSec: num(row.lengthSeconds) ?? clockSeconds(textOf(row.lengthText)),
    uploader: str(byline?.text),
    uploaderId: str(byline?.navigationEndpoint?.browseEndpoint?.browseId),
    thumbnail: largestThumbnail(row.thumbnail?.thumbnails),
    formats: [],
  });
}

/** "1:02:03" → 3723. */
function clockSeconds(text: string | undefined): number | undefined {
  if (!text || !/^\d+(?::\d{1,2}){0,2}$/.test(text)) return undefined;
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** The playlist's owner from the header (new layout) or the sidebar (older one). */
function ownerOf(response: BrowseResponse): { name?: string; id?: string } | undefined {
  let byline: Byline | undefined = response.header?.playlistHeaderRenderer?.ownerText;
  if (!byline) {
    walk(response.sidebar, (key, value) => {
      if (key !== 'videoOwnerRenderer') return false;
      byline ??= (value as { title?: Byline }).title;
      return true;
    });
  }
  const run = byline?.runs?.[0];
  if (!run) return undefined;
  return compact({ name: str(run.text), id: str(run.navigationEndpoint?.browseEndpoint?.browseId) });
}

/**
 * The "134 videos" count a header or sidebar states, in whichever layout: runs of a text
 * object ("134" + " videos"), a simpleText, or a view model's `content` string.
 */
function videoCount(node: unknown): number | undefined {
  let count: number | undefined;
  const consider = (text: string | undefined) => {
    const m = /^([\d,.\u00a0 ]+)\s+videos?$/i.exec(text?.trim() ?? '');
    if (m && count === undefined) count = Number(m[1]!.replace(/\D/g, ''));
    if (count === undefined && /^no videos$/i.test(text?.trim() ?? '')) count = 0;
  };
  walk(node, (key, value) => {
    if (key === 'runs' || key === 'simpleText') return true;
    const text = value as InnertubeText & { content?: unknown };
    if (Array.isArray(text.runs) || typeof text.simpleText === 'string') consider(textOf(text));
    if (typeof text.content === 'string') consider(text.content);
    return false;
  });
  return count;
}

/** Reads a mix window by window from /next until the limit or until no new video comes. */
async function readMix(session: InnertubeSession, id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = playlistUrl(id);
  const limit = ctx.config.playlistLimit;
  const seedVideo = id.length === 13 && VIDEO_ID.test(id.slice(2)) ? id.slice(2) : undefined;
  let request: Record<string, unknown> = { playlistId: id, ...(seedVideo ? { videoId: seedVideo } : {}), racyCheckOk: true, contentCheckOk: true };
  const entries: MediaInfo[] = [];
  const seen = new Set<string>();
  let title: string | undefined;
  let owner: string | undefined;
  for (let pages = 0; entries.length < limit && pages < MAX_PAGES; pages++) {
    const panel = (await session.call<NextResponse>('/next', request)).contents?.twoColumnWatchNextResults?.playlist?.playlist;
    if (!panel) {
      if (pages === 0) throw new DownloadError('content.not_found', 'YouTube has no such mix.', { platform: NAME, url });
      break;
    }
    title ??= str(panel.title);
    owner ??= textOf(panel.ownerName);
    const rows = (panel.contents ?? []).map((c) => c.playlistPanelVideoRenderer).filter((r): r is PlaylistPanelVideoRenderer => !!r);
    const fresh = rows.map(toEntry).filter((e): e is MediaInfo => !!e && !seen.has(e.id));
    if (fresh.length === 0) break;
    for (const entry of fresh.slice(0, limit - entries.length)) {
      seen.add(entry.id);
      entries.push(entry);
    }
    const last = rows.at(-1)?.navigationEndpoint?.watchEndpoint;
    if (!last?.videoId) break;
    request = {
      playlistId: id,
      videoId: last.videoId,
      ...(last.index !== undefined ? { playlistIndex: last.index } : {}),
      ...(last.params ? { params: last.params } : {}),
      racyCheckOk: true,
      contentCheckOk: true,
    };
  }
  return compact<MediaInfo>({ platform: NAME, id, url, title: title ?? id, uploader: owner, formats: [], entries });
}
