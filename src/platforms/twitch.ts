/**
 * Twitch URLs on twitch.tv and its www./m./go. hosts: clips (clips.twitch.tv/{slug},
 * clips.twitch.tv/embed?clip={slug}, twitch.tv/[{channel}/]clip/{slug}), VODs (twitch.tv/videos/{id},
 * twitch.tv/{channel}/v/{id} and /video/{id}, twitch.tv/{channel}/schedule?vodID={id}), the
 * embedded player (player.twitch.tv/?video=v{id} | ?clip={slug} | ?channel={login}), collections
 * (twitch.tv/collections/{id}) and live channels (twitch.tv/{login}). Site paths (directory,
 * settings, search, …) and other subdomains (dev., help., dashboard.) are not media.
 *
 * Extraction talks to https://gql.twitch.tv/gql with the web player's public Client-ID, batching
 * one metadata query with one persisted access-token query per item:
 * - clips: `clip(slug)` for title/broadcaster/duration, and VideoAccessToken_Clip for
 *   clip.videoQualities[] (mp4 files) plus the playbackAccessToken {signature, value} every file
 *   URL must carry as ?sig=…&token=…;
 * - VODs: `video(id)` for metadata, and PlaybackAccessToken (isVod) for the token that opens the
 *   HLS master at https://usher.ttvnw.net/vod/{id}.m3u8 (expanded into its variants);
 * - channels: `user(login)` → a live stream is reported with `live: true`, an offline channel
 *   as content.not_found.
 * All of that works without login. Subscriber-only VODs need the `auth-token` cookie of an
 * account with access in COOKIES_FILE; it is sent as `Authorization: OAuth …`.
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, isDownloadError, noNativeExtractor } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, compact, notFound, num, str, unixSeconds } from './page.js';
import { uniqueFormatIds } from './unique-formats.js';

const NAME = 'twitch';
const HOSTS = ['twitch.tv'] as const;
/** Hosts that serve the channel, clip and VOD pages. */
const SITE_HOSTS = new Set(['twitch.tv', 'www.twitch.tv', 'm.twitch.tv', 'go.twitch.tv']);

const CLIP_SLUG = /^[A-Za-z0-9_-]{1,100}$/;
const VOD_ID = /^\d+$/;
/** Player URLs write the VOD id with a `v` prefix; the id itself is the digits. */
const PLAYER_VOD_ID = /^v?(\d+)$/;
const LOGIN = /^[A-Za-z0-9_]{2,25}$/;
const COLLECTION_ID = /^[A-Za-z0-9_-]{6,}$/;
/** First path segments of twitch.tv that are site pages, never a channel login. */
const RESERVED = new Set([
  'directory', 'settings', 'p', 'downloads', 'jobs', 'search', 'videos', 'clip', 'collections', 'subscriptions',
  'inventory', 'wallet', 'drops', 'friends', 'messages', 'login', 'signup', 'logout', 'turbo', 'prime', 'store',
  'products', 'bits', 'broadcast', 'following', 'moderator', 'popout', 'embed', 'team', 'u', 'user', 'legal',
  'privacy', 'terms', 'creatorcamp', 'security', 'partner', 'blog', 'help', 'dashboard', 'activate', 'redeem',
  'manager', 'payments', 'recaps', 'event', 'annualrecap', 'safety', 'chat', 'privacy-policy',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://clips.twitch.tv/FaintLightGullWholeWheat', id: 'FaintLightGullWholeWheat', kind: 'clip' },
  { url: 'https://clips.twitch.tv/rflegendary/UninterestedBeeDAESuppy', id: 'UninterestedBeeDAESuppy', kind: 'clip' },
  { url: 'https://clips.twitch.tv/embed?clip=InquisitiveBreakableYogurtJebaited&parent=example.com', id: 'InquisitiveBreakableYogurtJebaited', kind: 'clip' },
  { url: 'https://www.twitch.tv/xqc/clip/CulturedAmazingKuduDatSheffy-TiZ_-ixAGYR3y2Uy', id: 'CulturedAmazingKuduDatSheffy-TiZ_-ixAGYR3y2Uy', kind: 'clip' },
  { url: 'https://m.twitch.tv/rossbroadcast/clip/ConfidentBraveHumanChefFrank?filter=clips', id: 'ConfidentBraveHumanChefFrank', kind: 'clip' },
  { url: 'https://m.twitch.tv/clip/FaintLightGullWholeWheat', id: 'FaintLightGullWholeWheat', kind: 'clip' },
  { url: 'https://www.twitch.tv/videos/635475444', id: '635475444', kind: 'vod' },
  { url: 'https://m.twitch.tv/videos/1536751224?t=1h2m3s', id: '1536751224', kind: 'vod' },
  { url: 'http://www.twitch.tv/riotgames/v/6528877?t=5m10s', id: '6528877', kind: 'vod' },
  { url: 'https://www.twitch.tv/northernlion/video/291940395', id: '291940395', kind: 'vod' },
  { url: 'https://www.twitch.tv/tangotek/schedule?vodID=1822395420', id: '1822395420', kind: 'vod' },
  { url: 'http://player.twitch.tv/?t=5m10s&video=v6528877', id: '6528877', kind: 'vod' },
  { url: 'https://player.twitch.tv/?video=480452374&parent=example.com', id: '480452374', kind: 'vod' },
  { url: 'https://player.twitch.tv/?clip=FaintLightGullWholeWheat', id: 'FaintLightGullWholeWheat', kind: 'clip' },
  { url: 'https://player.twitch.tv/?channel=lotsofs', id: 'lotsofs', kind: 'live' },
  { url: 'https://www.twitch.tv/collections/o9zZer3IQBhTJw', id: 'o9zZer3IQBhTJw', kind: 'playlist' },
  { url: 'https://www.twitch.tv/shroomztv', id: 'shroomztv', kind: 'live' },
  { url: 'https://go.twitch.tv/food/', id: 'food', kind: 'live' },
  { url: 'https://TWITCH.TV/Monstercat', id: 'Monstercat', kind: 'live' },
  { url: 'https://www.twitch.tv/directory/category/just-chatting', id: false },
  { url: 'https://www.twitch.tv/settings/profile', id: false },
  { url: 'https://www.twitch.tv/videos', id: false },
  { url: 'https://www.twitch.tv/', id: false },
  { url: 'https://www.twitch.tv/spamfish/videos?filter=all', id: false },
  { url: 'https://dev.twitch.tv/docs', id: false },
  { url: 'https://my-twitch.tv/videos/123456789', id: false },
  { url: 'https://twitch.tv.evil.net/videos/123456789', id: false },
];

function clip(url: URL, slug: string | null | undefined): Match | null {
  return slug && CLIP_SLUG.test(slug) ? matched(NAME, url, slug, 'clip') : null;
}

function vod(url: URL, id: string | null | undefined): Match | null {
  return id && VOD_ID.test(id) ? matched(NAME, url, id, 'vod') : null;
}

function live(url: URL, login: string | null | undefined): Match | null {
  return login && LOGIN.test(login) && !RESERVED.has(login.toLowerCase()) ? matched(NAME, url, login, 'live') : null;
}

/** player.twitch.tv/?video=v{id} | ?clip={slug} | ?channel={login}. */
function player(url: URL): Match | null {
  const q = url.searchParams;
  const videoId = PLAYER_VOD_ID.exec(q.get('video') ?? '')?.[1];
  if (videoId) return vod(url, videoId);
  if (q.has('clip')) return clip(url, q.get('clip'));
  return live(url, q.get('channel'));
}

/** clips.twitch.tv/{slug}, clips.twitch.tv/{channel}/{slug}, clips.twitch.tv/embed?clip={slug}. */
function clipsHost(url: URL, segments: string[]): Match | null {
  if (segments[0] === 'embed') return segments.length === 1 ? clip(url, url.searchParams.get('clip')) : null;
  return segments.length === 1 || segments.length === 2 ? clip(url, segments[segments.length - 1]) : null;
}

/** Pages on twitch.tv itself. */
function site(url: URL, [first, second, third, ...rest]: string[]): Match | null {
  if (!first) return null;
  if (first === 'videos') return third === undefined ? vod(url, second) : null;
  if (first === 'clip') return third === undefined ? clip(url, second) : null;
  if (first === 'collections') return second && COLLECTION_ID.test(second) ? matched(NAME, url, second, 'playlist') : null;
  if (RESERVED.has(first.toLowerCase()) || !LOGIN.test(first)) return null;
  if (second === undefined) return live(url, first);
  if (rest.length > 0) return null;
  switch (second) {
    case 'clip':
      return clip(url, third);
    case 'v':
    case 'video':
      return vod(url, third);
    case 'schedule':
      return vod(url, url.searchParams.get('vodID'));
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const GQL_URL = 'https://gql.twitch.tv/gql';
/** The web player's public Client-ID; every GQL request must name a client. */
const CLIENT_ID = 'kimne78kx3ncx6brgo4mv6wki5h1ko';
const USHER_VOD = 'https://usher.ttvnw.net/vod';
/**
 * VideoAccessToken_Clip hashes, newest first: Twitch rotates persisted queries, and a stale hash
 * answers PersistedQueryNotFound, on which the next one is tried.
 */
const CLIP_TOKEN_QUERIES = [
  { sha256Hash: '993d9a5131f15a37bd16f32342c44ed1e0b1a9b968c6afdb662d2cddd595f6c5', variables: { platform: 'web' } },
  { sha256Hash: '36b89d2507fce29e5ca551df756d27c1cfe079e2609642b4390aa4c35796eb11', variables: {} },
] as const;
const PLAYBACK_TOKEN_HASH = 'ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9';
/** Usher's answer when a VOD is for subscribers (or an entitlement) only. */
const RESTRICTED_CODES = new Set(['vod_manifest_restricted', 'unauthorized_entitlements']);

/** One operation of a GQL batch: a raw query or a persisted one. */
interface GqlOperation {
  operationName: string;
  variables: Record<string, unknown>;
  query?: string;
  extensions?: { persistedQuery: { version: 1; sha256Hash: string } };
}

/** One answer of a GQL batch, in the order of the operations. */
interface GqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message?: string }>;
}

interface TwitchUser {
  id?: string;
  login?: string;
  displayName?: string;
}

/** `clip(slug)` as our metadata query selects it. */
interface ClipMetadata {
  id?: string;
  slug?: string;
  title?: string;
  durationSeconds?: number;
  viewCount?: number;
  createdAt?: string;
  thumbnailURL?: string;
  broadcaster?: TwitchUser | null;
  curator?: TwitchUser | null;
  game?: { displayName?: string } | null;
}

/** One mp4 rendition of a clip. */
interface ClipQuality {
  quality?: string;
  frameRate?: number;
  sourceURL?: string;
}

interface AccessToken {
  signature?: string;
  value?: string;
}

/** VideoAccessToken_Clip's `clip`. */
interface ClipAccess {
  id?: string;
  playbackAccessToken?: AccessToken | null;
  videoQualities?: ClipQuality[] | null;
}

/** `video(id)` as our metadata query selects it. */
interface VodMetadata {
  id?: string;
  title?: string | null;
  description?: string | null;
  lengthSeconds?: number;
  publishedAt?: string;
  viewCount?: number;
  previewThumbnailURL?: string;
  broadcastType?: string;
  owner?: TwitchUser | null;
  game?: { displayName?: string } | null;
}

/** `user(login)` with its stream, for a channel URL. */
interface ChannelMetadata extends TwitchUser {
  broadcastSettings?: { title?: string } | null;
  stream?: { id?: string; type?: string; createdAt?: string; previewImageURL?: string; game?: { displayName?: string } | null } | null;
}

/** One element of usher's JSON error array. */
interface UsherError {
  error?: string;
  error_code?: string;
  type?: string;
}

const CLIP_QUERY = (slug: string) => `query ClipMetadata {
  clip(slug: ${JSON.stringify(slug)}) {
    id slug title durationSeconds viewCount createdAt
    thumbnailURL(width: 480, height: 272)
    broadcaster { id login displayName }
    curator { id login displayName }
    game { displayName }
  }
}`;

const VOD_QUERY = (id: string) => `query VodMetadata {
  video(id: ${JSON.stringify(id)}) {
    id title description lengthSeconds publishedAt viewCount broadcastType
    previewThumbnailURL(width: 640, height: 360)
    owner { id login displayName }
    game { displayName }
  }
}`;

const CHANNEL_QUERY = (login: string) => `query ChannelStream {
  user(login: ${JSON.stringify(login.toLowerCase())}) {
    id login displayName
    broadcastSettings { title }
    stream { id type createdAt previewImageURL(width: 640, height: 360) game { displayName } }
  }
}`;

function persisted(operationName: string, sha256Hash: string, variables: Record<string, unknown>): GqlOperation {
  return { operationName, variables, extensions: { persistedQuery: { version: 1, sha256Hash } } };
}

function clipTokenOperation(slug: string, attempt: number): GqlOperation {
  const q = CLIP_TOKEN_QUERIES[attempt]!;
  return persisted('VideoAccessToken_Clip', q.sha256Hash, { slug, ...q.variables });
}

function vodTokenOperation(id: string): GqlOperation {
  return persisted('PlaybackAccessToken', PLAYBACK_TOKEN_HASH, {
    isLive: false, login: '', isVod: true, vodID: id, playerType: 'embed', platform: 'site',
  });
}

/** Headers every GQL request carries; the account's OAuth token when COOKIES_FILE has one. */
function gqlHeaders(ctx: ExtractContext): Record<string, string> {
  const headers: Record<string, string> = { 'client-id': CLIENT_ID, 'content-type': 'text/plain;charset=UTF-8', origin: 'https://www.twitch.tv', referer: 'https://www.twitch.tv/' };
  const token = cookieJarFor(ctx.config)?.get('twitch.tv', 'auth-token');
  if (token) headers.authorization = `OAuth ${token}`;
  return headers;
}

/** Sends a batch of operations; the answers come back in the same order. */
async function gql(ctx: ExtractContext, url: string, operations: GqlOperation[]): Promise<GqlAnswer[]> {
  const answers = await ctx.http.json<unknown>(GQL_URL, requestOptions(ctx, NAME, { method: 'POST', body: JSON.stringify(operations), headers: gqlHeaders(ctx) }));
  if (!Array.isArray(answers) || answers.length !== operations.length) {
    throw new DownloadError('fetch.failed', 'Twitch GQL answered in an unexpected shape.', { platform: NAME, url }, { retriable: false });
  }
  return answers as GqlAnswer[];
}

/** The first error message of an answer, if any. */
function gqlError(answer: GqlAnswer | undefined): string | undefined {
  return answer?.errors?.map((e) => e.message).find(Boolean);
}

/** An answer's field, or a fetch.failed naming Twitch's own error. */
function field<T>(answer: GqlAnswer | undefined, name: string, url: string): T | null {
  const value = answer?.data?.[name];
  if (value === undefined) {
    const message = gqlError(answer) ?? 'no data';
    // "service timeout"/"service error" are Twitch's transient failures; anything else (a
    // stale persisted query, a failed integrity check) will not pass on a retry
    const transient = /timeout|service error|unavailable/i.test(message);
    throw new DownloadError('fetch.failed', `Twitch GQL refused ${name}: ${message}.`, { platform: NAME, url }, { retriable: transient });
  }
  return (value ?? null) as T | null;
}

/** `src` with the access token appended as ?sig=…&token=… (URL-encoded). */
function signed(src: string, token: AccessToken): string {
  const u = new URL(src);
  u.searchParams.set('sig', token.signature ?? '');
  u.searchParams.set('token', token.value ?? '');
  return u.href;
}

/** VideoAccessToken_Clip, walking to older query hashes while Twitch says the hash is unknown. */
async function clipAccess(ctx: ExtractContext, slug: string, url: string, first: GqlAnswer | undefined): Promise<ClipAccess | null> {
  let answer = first;
  for (let attempt = 1; gqlError(answer) === 'PersistedQueryNotFound' && attempt < CLIP_TOKEN_QUERIES.length; attempt++) {
    ctx.logger.debug({ platform: NAME, attempt }, 'VideoAccessToken_Clip hash is stale; trying an older one');
    [answer] = await gql(ctx, url, [clipTokenOperation(slug, attempt)]);
  }
  return field<ClipAccess>(answer, 'clip', url);
}

function clipFormats(access: ClipAccess, url: string): Format[] {
  const token = access.playbackAccessToken;
  if (!token?.signature || !token.value) {
    throw new DownloadError('fetch.failed', 'Twitch gave no playback token for this clip.', { platform: NAME, url }, { retriable: false });
  }
  const formats: Format[] = [];
  for (const q of access.videoQualities ?? []) {
    const src = absoluteUrl(q.sourceURL);
    if (!src) continue;
    const height = num(q.quality);
    const fps = num(q.frameRate);
    formats.push(
      compact<Format>({
        id: `${q.quality ?? formats.length}p${fps ? Math.round(fps) : ''}`,
        url: signed(src, token),
        protocol: 'https',
        container: 'mp4',
        // clips are transcoded to H.264/AAC mp4 for every quality
        vcodec: 'avc1',
        acodec: 'mp4a',
        height,
        fps: fps ? Math.round(fps) : undefined,
      }),
    );
  }
  return formats;
}

async function extractClip(slug: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = `https://clips.twitch.tv/${slug}`;
  const [metaAnswer, tokenAnswer] = await gql(ctx, url, [
    { operationName: 'ClipMetadata', query: CLIP_QUERY(slug), variables: {} },
    clipTokenOperation(slug, 0),
  ]);
  const clip = field<ClipMetadata>(metaAnswer, 'clip', url);
  if (!clip) throw notFound(NAME, url, 'This clip does not exist or was deleted.');
  const access = await clipAccess(ctx, slug, url, tokenAnswer);
  if (!access) throw notFound(NAME, url, 'This clip does not exist or was deleted.');
  const formats = clipFormats(access, url);
  if (formats.length === 0) throw notFound(NAME, url, 'This clip has no playable file (still processing or removed).');
  return compact<MediaInfo>({
    platform: NAME,
    id: slug,
    url,
    title: str(clip.title) ?? slug,
    uploader: str(clip.broadcaster?.displayName),
    uploaderId: str(clip.broadcaster?.login),
    durationSec: num(clip.durationSeconds),
    thumbnail: absoluteUrl(clip.thumbnailURL),
    timestamp: unixSeconds(clip.createdAt),
    viewCount: num(clip.viewCount),
    tags: str(clip.game?.displayName) ? [clip.game!.displayName!] : undefined,
    formats,
  });
}

/** Why usher refused a VOD master, read from its JSON error body. */
async function usherRefusal(ctx: ExtractContext, master: string, url: string): Promise<DownloadError> {
  const res = await ctx.http.request(master, requestOptions(ctx, NAME, { throwOnStatus: false }));
  let errors: UsherError[] = [];
  try {
    const body: unknown = JSON.parse(await res.body.text());
    if (Array.isArray(body)) errors = body as UsherError[];
  } catch {
    // usher answers HTML or nothing for some refusals; the status then speaks for itself
  }
  const code = errors.map((e) => e.error_code).find(Boolean);
  if (code && RESTRICTED_CODES.has(code)) {
    const loggedIn = !!cookieJarFor(ctx.config)?.get('twitch.tv', 'auth-token');
    return new DownloadError(
      'content.login_required',
      loggedIn
        ? 'This VOD is for subscribers only, and the account in COOKIES_FILE has no access to it.'
        : 'This VOD is for subscribers only: put the auth-token cookie of a subscribed account in COOKIES_FILE.',
      { platform: NAME, url, status: res.status, reason: code },
    );
  }
  const message = errors.map((e) => e.error).find(Boolean);
  const error = errorForStatus(res.status, { platform: NAME, url, ...(code ? { reason: code } : {}) });
  return message ? new DownloadError(error.code, `Twitch refused the VOD: ${message}.`, error.context, { retriable: error.retriable }) : error;
}

/** Variant ids like hls-720p60, unique even when a height comes at two frame rates. */
function nameVariants(formats: Format[]): Format[] {
  return uniqueFormatIds(
    formats.map((f) => {
      const id = f.height ? `hls-${f.height}p${f.fps ?? ''}` : f.id;
      // the source rendition lives under /chunked/; the rest are transcodes
      return f.url.includes('/chunked/') ? { ...f, id, note: 'source' } : { ...f, id };
    }),
  );
}

async function vodFormats(ctx: ExtractContext, id: string, token: AccessToken, url: string): Promise<Format[]> {
  const master = new URL(`${USHER_VOD}/${id}.m3u8`);
  const query: Record<string, string> = {
    allow_source: 'true', allow_audio_only: 'true', allow_spectre: 'true', playlist_include_framerate: 'true',
    platform: 'web', player: 'twitchweb', supported_codecs: 'av1,h265,h264',
    p: String(Math.floor(Math.random() * 9_000_000) + 1_000_000),
    sig: token.signature ?? '', token: token.value ?? '',
  };
  for (const [k, v] of Object.entries(query)) master.searchParams.set(k, v);
  try {
    return nameVariants(await hlsFormats(ctx, master.href, { platform: NAME }));
  } catch (error) {
    if (isDownloadError(error) && error.context.status !== undefined && error.context.status < 500) {
      throw await usherRefusal(ctx, master.href, url);
    }
    throw error;
  }
}

async function extractVod(id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = `https://www.twitch.tv/videos/${id}`;
  const [metaAnswer, tokenAnswer] = await gql(ctx, url, [
    { operationName: 'VodMetadata', query: VOD_QUERY(id), variables: {} },
    vodTokenOperation(id),
  ]);
  const video = field<VodMetadata>(metaAnswer, 'video', url);
  if (!video) throw notFound(NAME, url, 'This VOD does not exist or was deleted.');
  const token = field<AccessToken>(tokenAnswer, 'videoPlaybackAccessToken', url);
  if (!token?.signature || !token.value) {
    throw new DownloadError('fetch.failed', 'Twitch gave no playback token for this VOD.', { platform: NAME, url }, { retriable: false });
  }
  const thumbnail = absoluteUrl(video.previewThumbnailURL);
  // an archive whose preview is still Twitch's "processing" placeholder is being recorded now
  const recording = !!thumbnail && /\/404_processing_[^/]*$/.test(new URL(thumbnail).pathname) && video.broadcastType === 'ARCHIVE';
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(video.title) ?? 'Untitled Broadcast',
    description: str(video.description),
    uploader: str(video.owner?.displayName),
    uploaderId: str(video.owner?.login),
    durationSec: num(video.lengthSeconds),
    thumbnail: recording ? undefined : thumbnail,
    timestamp: unixSeconds(video.publishedAt),
    viewCount: num(video.viewCount),
    tags: str(video.game?.displayName) ? [video.game!.displayName!] : undefined,
    live: recording || undefined,
    formats: await vodFormats(ctx, id, token, url),
  });
}

/**
 * A channel URL: live now means `live: true` (and nothing to download yet); offline means
 * there is nothing at this URL to download.
 */
async function extractChannel(login: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = `https://www.twitch.tv/${login.toLowerCase()}`;
  const [answer] = await gql(ctx, url, [{ operationName: 'ChannelStream', query: CHANNEL_QUERY(login), variables: {} }]);
  const user = field<ChannelMetadata>(answer, 'user', url);
  if (!user) throw notFound(NAME, url, 'This Twitch channel does not exist.');
  const stream = user.stream;
  if (!stream) throw notFound(NAME, url, 'This channel is offline: there is no live stream to download. Send a VOD or clip link instead.');
  return compact<MediaInfo>({
    platform: NAME,
    id: login,
    url,
    title: str(user.broadcastSettings?.title) ?? str(user.displayName) ?? login,
    uploader: str(user.displayName),
    uploaderId: str(user.login),
    thumbnail: absoluteUrl(stream.previewImageURL),
    timestamp: unixSeconds(stream.createdAt),
    tags: str(stream.game?.displayName) ? [stream.game!.displayName!] : undefined,
    live: true,
    formats: [],
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  switch (match.kind) {
    case 'clip':
      return extractClip(id, ctx);
    case 'vod':
      return extractVod(id, ctx);
    case 'live':
      return extractChannel(id, ctx);
    default:
      // collections: not final, so the yt-dlp backend (when installed) gets its turn
      throw noNativeExtractor(NAME, match.url.href, 'Twitch collections');
  }
}

/** Twitch clips, VODs, collections and live channels. */
export const twitch: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const host = hostName(url);
    const segments = pathSegments(url);
    if (host === 'player.twitch.tv') return segments.length === 0 ? player(url) : null;
    if (host === 'clips.twitch.tv') return clipsHost(url, segments);
    return SITE_HOSTS.has(host) ? site(url, segments) : null;
  },

  extract,
};
