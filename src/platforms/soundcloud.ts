/**
 * SoundCloud URLs: tracks (soundcloud.com/{user}/{track}[/s-{secret}]) and sets
 * (soundcloud.com/{user}/sets/{set}[/s-{secret}]) on the www. and m. hosts, the API
 * (api.soundcloud.com/tracks/{id}, /playlists/{id}, ?secret_token=), the embedded widget
 * (w.soundcloud.com/player/?url={encoded track, set or API URL}) and on.soundcloud.com/{code}
 * share links (resolved). Ids: `user/track` for tracks, `user/sets/set` for sets, the number
 * for API URLs; a private link's secret goes to extra.secret.
 *
 * Extraction uses the web player's own API (api-v2.soundcloud.com), which wants a `client_id`:
 * it is read from https://soundcloud.com/ (the `apiClient` hydration entry, else the
 * `client_id:"…"` literal in the a-v2.sndcdn.com asset bundles), cached for hours in ctx.cache
 * and rediscovered once when the API answers 401/403.
 * - GET /resolve?url=https://soundcloud.com/{id} (site URLs), /tracks/{n} and /playlists/{n}
 *   (API URLs, with secret_token) → a track or a playlist;
 * - each track's media.transcodings[] (progressive or HLS; mp3, opus, aac) is resolved by GET
 *   {transcoding.url}?client_id=…&track_authorization=… → {"url": the real stream URL};
 * - a playlist's tracks that come as bare {id} stubs are filled by GET /tracks?ids=….
 * An `oauth_token` cookie for soundcloud.com in COOKIES_FILE is sent as `Authorization: OAuth …`
 * (SoundCloud Go+ full streams); without it public tracks work, Go+ tracks are 30 s previews and
 * are refused with content.login_required.
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus, isDownloadError } from '../utils/errors.js';
import { readText } from '../utils/http.js';
import { cookieJarFor } from '../utils/cookies.js';
import { compact, num, str, tryParseJson, unixSeconds } from './page.js';
import { uniqueFormatIds } from './unique-formats.js';

const NAME = 'soundcloud';
const HOSTS = ['soundcloud.com'] as const;
const SITE_HOSTS = new Set(['soundcloud.com', 'www.soundcloud.com', 'm.soundcloud.com']);
const API_HOSTS = new Set(['api.soundcloud.com', 'api-v2.soundcloud.com']);
const PLAYER_HOSTS = new Set(['w.soundcloud.com', 'player.soundcloud.com', 'p.soundcloud.com']);

const SLUG = /^[\w-]+$/;
/** Set slugs may hold colons (system playlists such as charts-top:all-music:de). */
const SET_SLUG = /^[\w:-]+$/;
const SECRET = /^s-[A-Za-z0-9]+$/;
const SHORT_CODE = /^[A-Za-z0-9]+$/;
/** API track ids, optionally written as a URN (soundcloud:tracks:123). */
const API_ID = /^(?:soundcloud:(?:tracks|playlists):)?(\d+)$/;
/** First path segments that are site pages, never a user. */
const RESERVED_FIRST = new Set([
  'discover', 'stream', 'search', 'you', 'upload', 'pages', 'settings', 'charts', 'messages', 'notifications',
  'terms-of-use', 'imprint', 'jobs', 'mobile', 'creators', 'premium', 'go', 'artists', 'people', 'logout', 'signin',
  'signup', 'login', 'feed', 'popular', 'tags', 'pro', 'connect', 'apps', 'press', 'community-guidelines',
  'stations', 'trending', 'oembed', 'player', 'explore', 'home', 'for-artists', 'subscriptions', 'getstarted',
]);
/** Second path segments that are a user's listing pages, never a track. */
const RESERVED_SECOND = new Set([
  'tracks', 'albums', 'sets', 'reposts', 'likes', 'spotlight', 'comments', 'followers', 'following',
  'popular-tracks', 'playlists', 'toptracks', 'info',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'http://soundcloud.com/ethmusic/lostin-powers-she-so-heavy', id: 'ethmusic/lostin-powers-she-so-heavy', kind: 'track' },
  { url: 'https://soundcloud.com/the80m/the-following?in=user/sets/x&si=abc123', id: 'the80m/the-following', kind: 'track' },
  { url: 'https://soundcloud.com/jaimemf/youtube-dl-test-video-a-y-baw/s-8Pjrp', id: 'jaimemf/youtube-dl-test-video-a-y-baw', kind: 'track' },
  { url: 'https://m.soundcloud.com/garyvee/sideways-prod-mad-real', id: 'garyvee/sideways-prod-mad-real', kind: 'track' },
  { url: 'https://WWW.SOUNDCLOUD.COM/user615617514/dagames/', id: 'user615617514/dagames', kind: 'track' },
  { url: 'https://soundcloud.com/the-concept-band/sets/the-royal-concept-ep', id: 'the-concept-band/sets/the-royal-concept-ep', kind: 'playlist' },
  { url: 'https://soundcloud.com/the-concept-band/sets/the-royal-concept-ep/s-Nd2cB', id: 'the-concept-band/sets/the-royal-concept-ep', kind: 'playlist' },
  { url: 'https://api.soundcloud.com/tracks/123998367?secret_token=s-8Pjrp', id: '123998367', kind: 'track' },
  { url: 'https://api.soundcloud.com/tracks/soundcloud%3Atracks%3A1083788353', id: '1083788353', kind: 'track' },
  { url: 'https://api.soundcloud.com/playlists/922213810', id: '922213810', kind: 'playlist' },
  { url: 'https://w.soundcloud.com/player/?visual=true&url=https%3A%2F%2Fapi.soundcloud.com%2Fplaylists%2F922213810&show_artwork=true&secret_token=s-ziYey', id: '922213810', kind: 'playlist' },
  { url: 'https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293&auto_play=false', id: '293', kind: 'track' },
  { url: 'https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fskorxh%2Faudio-dealer', id: 'skorxh/audio-dealer', kind: 'track' },
  { url: 'https://on.soundcloud.com/Jzk7pRbDnVUtwPvr9', id: null, kind: 'track' },
  { url: 'https://soundcloud.com/', id: false },
  { url: 'https://soundcloud.com/discover/sets/charts-top:all-music:de', id: false },
  { url: 'https://soundcloud.com/search/sounds?q=lofi', id: false },
  { url: 'https://soundcloud.com/soft-cell-official', id: false },
  { url: 'https://soundcloud.com/soft-cell-official/tracks', id: false },
  { url: 'https://soundcloud.com.evil.net/ethmusic/lostin-powers-she-so-heavy', id: false },
  { url: 'https://notsoundcloud.com/ethmusic/lostin-powers-she-so-heavy', id: false },
  { url: 'https://w.soundcloud.com/player/?url=https%3A%2F%2Fevil.net%2Ftracks%2F293', id: false },
];

function withSecret(secret: string | null | undefined): Record<string, string> | undefined {
  return secret && SECRET.test(secret) ? { secret } : undefined;
}

/** soundcloud.com/{user}/{track}[/s-secret] and /{user}/sets/{set}[/s-secret]. */
function site(url: URL, segments: string[]): Match | null {
  const [user, second, third, fourth] = segments;
  if (!user || !second || !SLUG.test(user) || RESERVED_FIRST.has(user.toLowerCase())) return null;
  if (second === 'sets') {
    if (!third || !SET_SLUG.test(third) || segments.length > 4 || (fourth !== undefined && !SECRET.test(fourth))) return null;
    return matched(NAME, url, `${user}/sets/${third}`, 'playlist', withSecret(fourth));
  }
  if (RESERVED_SECOND.has(second) || !SLUG.test(second) || segments.length > 3) return null;
  if (third !== undefined && !SECRET.test(third)) return null;
  return matched(NAME, url, `${user}/${second}`, 'track', withSecret(third));
}

/** api.soundcloud.com/tracks/{id} and /playlists/{id}, with ?secret_token=. */
function api(url: URL, [resource, rawId, ...rest]: string[]): Match | null {
  const id = API_ID.exec(rawId ?? '')?.[1];
  if (!id || rest.length > 0) return null;
  const secret = withSecret(url.searchParams.get('secret_token'));
  if (resource === 'tracks') return matched(NAME, url, id, 'track', secret);
  if (resource === 'playlists') return matched(NAME, url, id, 'playlist', secret);
  return null;
}

/** w.soundcloud.com/player/?url=…: the widget names the track or set in its `url` parameter. */
function player(url: URL, segments: string[]): Match | null {
  if (segments.length !== 1 || segments[0] !== 'player') return null;
  let inner: URL;
  try {
    inner = new URL(url.searchParams.get('url') ?? '');
  } catch {
    return null;
  }
  if (inner.protocol !== 'http:' && inner.protocol !== 'https:') return null;
  const host = hostName(inner);
  const found = API_HOSTS.has(host) ? api(inner, pathSegments(inner)) : SITE_HOSTS.has(host) ? site(inner, pathSegments(inner)) : null;
  if (!found?.id) return null;
  const extra = found.extra ?? withSecret(url.searchParams.get('secret_token'));
  return matched(NAME, url, found.id, found.kind, extra);
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const API = 'https://api-v2.soundcloud.com';
const HOME = 'https://soundcloud.com/';
const CLIENT_ID_KEY = 'soundcloud:client_id';
/** Saves the home page and bundle reads on every extraction; a rotated id is caught by the 401 retry. */
const CLIENT_ID_TTL_SEC = 6 * 3600;
/** `{"hydratable":"apiClient","data":{"id":"…"}}` in window.__sc_hydration on soundcloud.com. */
const HYDRATED_CLIENT_ID = /"hydratable"\s*:\s*"apiClient"\s*,\s*"data"\s*:\s*\{\s*"id"\s*:\s*"([0-9A-Za-z]{16,64})"/;
/** `…,client_id:"…",…` in one of the web app's bundles. */
const BUNDLE_CLIENT_ID = /\bclient_id\s*:\s*"([0-9A-Za-z]{32})"/;
const ASSET_SCRIPT = /<script\b[^>]*\bsrc="(https:\/\/a-v2\.sndcdn\.com\/assets\/[^"]+\.js)"/g;
/** Bundles read at most while looking for the client_id. */
const MAX_BUNDLES = 12;
const MAX_API_BYTES = 8 * 1024 * 1024;
/** The /tracks?ids= endpoint answers for at most this many ids at once. */
const IDS_PER_REQUEST = 50;

interface ApiUser {
  id?: number;
  username?: string;
  permalink?: string;
  permalink_url?: string;
  avatar_url?: string | null;
}

/** One entry of media.transcodings: a stream the player can ask a URL for. */
interface ApiTranscoding {
  url?: string;
  /** mp3_0_0, mp3_1_0, opus_0_0, aac_160k, abr_sq, … */
  preset?: string;
  duration?: number;
  /** True for a 30-second preview of a Go+ track. */
  snipped?: boolean;
  /** sq | hq */
  quality?: string;
  format?: { protocol?: string; mime_type?: string };
}

/** A track as api-v2 returns it (fields we use). */
interface ApiTrack {
  kind: 'track';
  id: number;
  title?: string;
  description?: string | null;
  /** Milliseconds. */
  duration?: number;
  artwork_url?: string | null;
  genre?: string | null;
  /** Space-separated, multi-word tags in double quotes. */
  tag_list?: string | null;
  created_at?: string;
  permalink_url?: string;
  playback_count?: number | null;
  likes_count?: number | null;
  favoritings_count?: number | null;
  /** ALLOW, MONETIZE, SNIP (Go+ preview only), BLOCK (not in this country). */
  policy?: string;
  track_authorization?: string;
  media?: { transcodings?: ApiTranscoding[] };
  user?: ApiUser;
}

/** A playlist, album or set; `tracks` past the first few are bare `{id}` stubs. */
interface ApiPlaylist {
  kind: 'playlist';
  id: number;
  title?: string;
  description?: string | null;
  permalink_url?: string;
  artwork_url?: string | null;
  created_at?: string;
  duration?: number;
  track_count?: number;
  genre?: string | null;
  tag_list?: string | null;
  user?: ApiUser;
  tracks?: Array<Partial<ApiTrack> & { id: number }>;
}

/** What /resolve can name; users, stations and the like are not media. */
type ApiResource = ApiTrack | ApiPlaylist | { kind?: undefined };

/** The part of a transcoding that says how to fetch and label it. */
interface StreamKind {
  protocol: 'https' | 'hls';
  acodec: string;
  container: string;
  bitrateKbps?: number;
}

/** The logged-in session, when COOKIES_FILE holds SoundCloud's oauth_token cookie. */
function oauthToken(ctx: ExtractContext): string | undefined {
  return cookieJarFor(ctx.config)?.get('soundcloud.com', 'oauth_token');
}

function apiHeaders(ctx: ExtractContext): Record<string, string> {
  const token = oauthToken(ctx);
  return {
    accept: 'application/json',
    origin: 'https://soundcloud.com',
    referer: HOME,
    ...(token ? { authorization: `OAuth ${token}` } : {}),
  };
}

/** The cached client_id, or a freshly discovered one (cached for the next extractions). */
async function clientId(ctx: ExtractContext, fresh: boolean): Promise<string> {
  if (!fresh) {
    const cached = await ctx.cache?.get<string>(CLIENT_ID_KEY);
    if (cached) return cached;
  }
  const id = await discoverClientId(ctx);
  await ctx.cache?.set(CLIENT_ID_KEY, id, CLIENT_ID_TTL_SEC);
  return id;
}

/** Reads the web app's client_id: the home page's hydration data, else its script bundles. */
async function discoverClientId(ctx: ExtractContext): Promise<string> {
  const home = await ctx.http.text(HOME, requestOptions(ctx, NAME));
  const hydrated = HYDRATED_CLIENT_ID.exec(home)?.[1];
  if (hydrated) return hydrated;
  const bundles = [...home.matchAll(ASSET_SCRIPT)].map((m) => m[1]!);
  // the API settings sit in one of the app bundles, which load last
  for (const src of bundles.reverse().slice(0, MAX_BUNDLES)) {
    let js: string;
    try {
      js = await ctx.http.text(src, requestOptions(ctx, NAME));
    } catch (error) {
      if (!isDownloadError(error) || error.code === 'fetch.rate_limited') throw error;
      ctx.logger.warn({ platform: NAME, bundle: src, code: error.code }, 'a SoundCloud bundle could not be read; trying the next');
      continue;
    }
    const id = BUNDLE_CLIENT_ID.exec(js)?.[1];
    if (id) return id;
  }
  throw new DownloadError('fetch.failed', "SoundCloud's web app no longer shows its client_id where we look for it.", { platform: NAME, url: HOME }, { retriable: false });
}

/**
 * GETs an api-v2 URL with the client_id. A 401/403 usually means the cached client_id
 * expired: it is dropped and rediscovered once before the status counts as an answer.
 */
async function apiJson<T>(ctx: ExtractContext, url: string, query: Record<string, string | undefined> = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const id = await clientId(ctx, attempt > 0);
    const res = await ctx.http.request(url, requestOptions(ctx, NAME, { headers: apiHeaders(ctx), query: { ...query, client_id: id }, throwOnStatus: false }));
    if (res.status >= 400) {
      await res.body.dump().catch(() => undefined);
      if ((res.status === 401 || res.status === 403) && attempt === 0) {
        await ctx.cache?.delete(CLIENT_ID_KEY);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new DownloadError('content.login_required', 'SoundCloud refused the request even with a fresh client_id.', { platform: NAME, url, status: res.status });
      }
      throw errorForStatus(res.status, { platform: NAME, url });
    }
    const data = tryParseJson<T>(await readText(res, MAX_API_BYTES));
    if (data === undefined) throw new DownloadError('fetch.failed', 'SoundCloud answered with something that is not JSON.', { platform: NAME, url });
    return data;
  }
}

/** The track or playlist the match names: /resolve for site URLs, the resource for API ids. */
async function fetchResource(ctx: ExtractContext, match: Match): Promise<ApiResource> {
  const id = match.id!;
  const secret = match.extra?.secret;
  if (/^\d+$/.test(id)) {
    const path = match.kind === 'playlist' ? 'playlists' : 'tracks';
    return apiJson<ApiResource>(ctx, `${API}/${path}/${id}`, { secret_token: secret });
  }
  return apiJson<ApiResource>(ctx, `${API}/resolve`, { url: `https://soundcloud.com/${id}${secret ? `/${secret}` : ''}` });
}

/** What a transcoding's protocol, MIME type and preset say about its stream. */
function streamKind(t: ApiTranscoding): StreamKind | undefined {
  const protocol = t.format?.protocol;
  if (protocol !== 'progressive' && protocol !== 'hls') return undefined; // encrypted-hls, ctr-/cbc- (DRM)
  const preset = t.preset ?? '';
  if (preset.startsWith('abr')) return undefined; // adaptive master playlists (audio/mpegurl): broken for downloaders
  const mime = (t.format?.mime_type ?? '').toLowerCase();
  const type = mime.split(';')[0]!.trim();
  const codec = /codecs="([^"]+)"/.exec(mime)?.[1];
  const kbps = num(/(\d+)k$/.exec(preset)?.[1]);
  const via = protocol === 'progressive' ? 'https' : 'hls';
  if (codec?.startsWith('mp4a') || type === 'audio/mp4') {
    return { protocol: via, acodec: codec ?? 'mp4a.40.2', container: 'm4a', bitrateKbps: kbps ?? (t.quality === 'hq' ? 256 : 160) };
  }
  if (codec === 'opus' || type === 'audio/ogg') return { protocol: via, acodec: 'opus', container: 'ogg', bitrateKbps: kbps ?? 64 };
  if (type === 'audio/mpeg') return { protocol: via, acodec: 'mp3', container: 'mp3', bitrateKbps: kbps ?? 128 };
  return undefined; // a codec this code does not know yet
}

/** Progressive before HLS, then mp3, aac, opus: the order the formats are listed in. */
function streamRank(kind: StreamKind): number {
  return (kind.protocol === 'https' ? 0 : 10) + (kind.acodec === 'mp3' ? 0 : kind.acodec.startsWith('mp4a') ? 1 : 2);
}

/** Resolves one transcoding into a Format (its real stream URL); undefined when SoundCloud has none. */
async function transcodingFormat(ctx: ExtractContext, track: ApiTrack, t: ApiTranscoding, kind: StreamKind, secret: string | undefined): Promise<Format | undefined> {
  let answer: { url?: string };
  try {
    answer = await apiJson<{ url?: string }>(ctx, t.url!, { track_authorization: track.track_authorization, secret_token: secret });
  } catch (error) {
    if (isDownloadError(error) && error.code === 'content.not_found') {
      ctx.logger.warn({ platform: NAME, track: track.id, preset: t.preset }, 'a SoundCloud transcoding has no stream; skipping it');
      return undefined;
    }
    throw error;
  }
  const url = str(answer.url);
  if (!url) return undefined;
  return compact<Format>({
    id: `${kind.protocol === 'https' ? 'http' : 'hls'}_${t.preset ?? kind.acodec}`,
    url,
    protocol: kind.protocol,
    container: kind.container,
    vcodec: null,
    acodec: kind.acodec,
    bitrateKbps: kind.bitrateKbps,
  });
}

/** `"multi word" single other` → ['multi word', 'single', 'other']. */
function parseTagList(tagList: string | null | undefined): string[] {
  const out: string[] = [];
  for (const m of (tagList ?? '').matchAll(/"([^"]+)"|(\S+)/g)) {
    const tag = (m[1] ?? m[2] ?? '').trim();
    if (tag) out.push(tag);
  }
  return out;
}

/** Artwork in its 500×500 size: the API hands out the 100×100 `-large` variant. */
function artwork(url: string | null | undefined): string | undefined {
  return str(url)?.replace(/-large(\.(?:jpg|png))/, '-t500x500$1');
}

/** `user/track` (or `user/sets/set`) from a permalink URL. */
function idFromPermalink(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return pathSegments(new URL(url)).join('/') || undefined;
  } catch {
    return undefined;
  }
}

function tagsOf(item: { genre?: string | null; tag_list?: string | null }): string[] | undefined {
  const tags = [...new Set([str(item.genre), ...parseTagList(item.tag_list)].filter((t): t is string => !!t))];
  return tags.length ? tags : undefined;
}

/** A track with every playable stream resolved; refusals for blocked, preview-only and DRM tracks. */
async function trackInfo(ctx: ExtractContext, track: ApiTrack, id: string | undefined, secret: string | undefined): Promise<MediaInfo> {
  const url = str(track.permalink_url) ?? `https://api.soundcloud.com/tracks/${track.id}`;
  const context = { platform: NAME, url };
  if (track.policy === 'BLOCK') throw new DownloadError('content.geo_blocked', undefined, context);
  if (track.policy === 'SNIP' && !oauthToken(ctx)) {
    throw new DownloadError('content.login_required', 'This is a SoundCloud Go+ track: without a logged-in session only a 30-second preview plays.', context);
  }
  const transcodings = (track.media?.transcodings ?? []).filter((t) => str(t.url));
  const playable = transcodings
    .filter((t) => !t.snipped)
    .flatMap((t) => {
      const kind = streamKind(t);
      return kind ? [{ t, kind }] : [];
    })
    .sort((a, b) => streamRank(a.kind) - streamRank(b.kind));
  if (playable.length === 0) {
    if (transcodings.some((t) => t.snipped)) {
      throw new DownloadError('content.login_required', 'Only a 30-second preview of this track is available without a SoundCloud Go+ session.', context);
    }
    if (transcodings.some((t) => /encrypted/.test(t.format?.protocol ?? ''))) {
      throw new DownloadError('fetch.failed', 'This track is only streamed with DRM encryption.', context, { retriable: false });
    }
    throw new DownloadError('content.not_found', 'This track has no playable stream.', context);
  }
  const found = (await Promise.all(playable.map(({ t, kind }) => transcodingFormat(ctx, track, t, kind, secret)))).filter((f): f is Format => !!f);
  if (found.length === 0) throw new DownloadError('content.not_found', 'SoundCloud handed out no stream URL for this track.', context);
  // ids are made of protocol and preset, which two transcodings may share
  const formats = uniqueFormatIds(found);
  return compact<MediaInfo>({
    platform: NAME,
    id: id ?? idFromPermalink(track.permalink_url) ?? String(track.id),
    url,
    title: str(track.title) ?? String(track.id),
    uploader: str(track.user?.username),
    uploaderId: str(track.user?.permalink),
    durationSec: track.duration ? track.duration / 1000 : undefined,
    thumbnail: artwork(track.artwork_url) ?? artwork(track.user?.avatar_url),
    description: str(track.description),
    tags: tagsOf(track),
    timestamp: unixSeconds(track.created_at),
    viewCount: num(track.playback_count),
    likeCount: num(track.likes_count) ?? num(track.favoritings_count),
    formats,
  });
}

/** Full track objects for a playlist's entries; stubs ({id} only) are fetched in batches. */
async function fullTracks(ctx: ExtractContext, playlist: ApiPlaylist, wanted: Array<Partial<ApiTrack> & { id: number }>, secret: string | undefined): Promise<ApiTrack[]> {
  const byId = new Map<number, ApiTrack>();
  for (const t of wanted) if (t.media) byId.set(t.id, t as ApiTrack);
  const stubs = wanted.filter((t) => !t.media).map((t) => t.id);
  for (let i = 0; i < stubs.length; i += IDS_PER_REQUEST) {
    const batch = stubs.slice(i, i + IDS_PER_REQUEST);
    const tracks = await apiJson<ApiTrack[]>(ctx, `${API}/tracks`, {
      ids: batch.join(','),
      playlistId: String(playlist.id),
      playlistSecretToken: secret,
    });
    for (const t of Array.isArray(tracks) ? tracks : []) byId.set(t.id, t);
  }
  const out: ApiTrack[] = [];
  for (const { id } of wanted) {
    const track = byId.get(id);
    if (track) out.push(track);
    else ctx.logger.warn({ platform: NAME, playlist: playlist.id, track: id }, 'a SoundCloud playlist entry no longer exists; skipping it');
  }
  return out;
}

/** Content refusals that make one playlist entry unavailable without failing the others. */
const SKIPPABLE = new Set(['content.not_found', 'content.login_required', 'content.geo_blocked', 'content.private']);

/** A set with one entry per track, up to PLAYLIST_LIMIT. */
async function playlistInfo(ctx: ExtractContext, playlist: ApiPlaylist, id: string, secret: string | undefined): Promise<MediaInfo> {
  const all = playlist.tracks ?? [];
  const total = Math.max(num(playlist.track_count) ?? 0, all.length);
  const wanted = all.slice(0, ctx.config.playlistLimit);
  const entries: MediaInfo[] = [];
  for (const track of await fullTracks(ctx, playlist, wanted, secret)) {
    try {
      entries.push(await trackInfo(ctx, track, undefined, secret));
    } catch (error) {
      if (!isDownloadError(error) || !SKIPPABLE.has(error.code)) throw error;
      ctx.logger.warn({ platform: NAME, playlist: playlist.id, track: track.id, code: error.code }, 'a SoundCloud playlist entry is unavailable; skipping it');
    }
  }
  const url = str(playlist.permalink_url) ?? `https://api.soundcloud.com/playlists/${playlist.id}`;
  if (entries.length === 0) throw new DownloadError('content.not_found', 'No track of this playlist can be played.', { platform: NAME, url });
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(playlist.title) ?? String(playlist.id),
    uploader: str(playlist.user?.username),
    uploaderId: str(playlist.user?.permalink),
    durationSec: playlist.duration ? playlist.duration / 1000 : undefined,
    thumbnail: artwork(playlist.artwork_url),
    description: str(playlist.description),
    tags: tagsOf(playlist),
    timestamp: unixSeconds(playlist.created_at),
    formats: [],
    entries,
    entriesTotal: total > wanted.length ? total : undefined,
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const resource = await fetchResource(ctx, match);
  const secret = match.extra?.secret;
  if (resource.kind === 'track') return trackInfo(ctx, resource, match.id!, secret);
  if (resource.kind === 'playlist') return playlistInfo(ctx, resource, match.id!, secret);
  const kind = String((resource as { kind?: unknown }).kind ?? 'different');
  throw new DownloadError('fetch.failed', `SoundCloud resolved this link to a ${kind} page, not a track or a set.`, { platform: NAME, url: match.url.href }, { retriable: false });
}

/** SoundCloud tracks and sets. */
export const soundcloud: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const host = hostName(url);
    const segments = pathSegments(url);
    if (host === 'on.soundcloud.com') {
      return segments.length === 1 && SHORT_CODE.test(segments[0] ?? '') ? matched(NAME, url, null, 'track') : null;
    }
    if (SITE_HOSTS.has(host)) return site(url, segments);
    if (API_HOSTS.has(host)) return api(url, segments);
    if (PLAYER_HOSTS.has(host)) return player(url, segments);
    return null;
  },

  extract,
};
