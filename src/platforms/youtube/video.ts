/**
 * One YouTube video (watch page, Short, live, music.youtube.com, embed, nocookie) from
 * POST https://www.youtube.com/youtubei/v1/player, asked as the innertube clients whose answers
 * carry plain stream URLs — no `signatureCipher` and no `n` challenge, because we do not run
 * YouTube's player JavaScript:
 *
 * 1. anonymous VISIONOS, IOS, ANDROID_VR (yt-dlp's JS-less choice is VISIONOS; the others
 *    stay as fallbacks, e.g. for "made for kids" videos VISIONOS refuses), then WEB only with
 *    YOUTUBE_PO_TOKEN + YOUTUBE_VISITOR_DATA (the token goes into serviceIntegrityDimensions
 *    and onto each stream URL as `pot`). A client is rotated on HTTP 400/403, on "Sign in to
 *    confirm you're not a bot", on ERROR/UNPLAYABLE (which may be client-specific), and on an
 *    OK answer without a usable stream.
 * 2. On an age gate or a login/members wall, the COOKIES_FILE session (SAPISIDHASH) with the
 *    clients that accept cookies: TV, WEB_EMBEDDED, WEB. TV is not in the anonymous list
 *    because its streams are signature-ciphered for anonymous sessions too.
 *
 * playabilityStatus → error: ERROR "Video unavailable" → content.not_found; "private" →
 * content.private; "not available in your country" → content.geo_blocked; an age gate →
 * content.age_restricted; other LOGIN_REQUIRED/members-only → content.login_required; an
 * upcoming premiere/stream → content.live. A video live right now comes back with
 * `live: true` and its HLS master (format selection refuses it); a finished live is a VOD.
 * streamingData.formats (muxed) and adaptiveFormats (video-only/audio-only) become Formats
 * with the itag as id; the format selection merges video + audio (avc1 first for Telegram).
 */
import type { ExtractContext } from '../base.js';
import type { Format, MediaInfo } from '../../media/types.js';
import { DownloadError, isDownloadError } from '../../utils/errors.js';
import { compact, num, str, unixSeconds } from '../page.js';
import { hlsFormats } from '../manifests.js';
import { NAME, openSession, openSignedInSession, poToken, type ClientName, type InnertubeSession } from './innertube.js';

/** Text as innertube writes it: a plain string or runs of styled pieces. */
export interface InnertubeText {
  simpleText?: string;
  runs?: Array<{ text?: string }>;
}

/** `playabilityStatus`: OK, ERROR, UNPLAYABLE, LOGIN_REQUIRED, LIVE_STREAM_OFFLINE, AGE_CHECK_REQUIRED, … */
interface PlayabilityStatus {
  status?: string;
  reason?: string;
  messages?: string[];
  desktopLegacyAgeGateReason?: number;
  errorScreen?: { playerErrorMessageRenderer?: { reason?: InnertubeText; subreason?: InnertubeText } };
}

/** One entry of streamingData.formats / adaptiveFormats. */
interface StreamFormat {
  itag?: number;
  url?: string;
  /** Present instead of `url` when the stream needs the player JS to sign it. */
  signatureCipher?: string;
  mimeType?: string;
  bitrate?: number;
  averageBitrate?: number;
  width?: number;
  height?: number;
  fps?: number;
  contentLength?: string;
  qualityLabel?: string;
  approxDurationMs?: string;
  audioTrack?: { displayName?: string; id?: string; audioIsDefault?: boolean };
  colorInfo?: { primaries?: string; transferCharacteristics?: string; matrixCoefficients?: string };
  isDrc?: boolean;
  drmFamilies?: string[];
  /** FORMAT_STREAM_TYPE_OTF streams need fragment-by-fragment fetching. */
  type?: string;
  /** Set on a live stream's adaptive formats: segments, not a file. */
  targetDurationSec?: number;
}

interface StreamingData {
  formats?: StreamFormat[];
  adaptiveFormats?: StreamFormat[];
  hlsManifestUrl?: string;
}

interface Thumbnail {
  url?: string;
  width?: number;
  height?: number;
}

interface VideoDetails {
  videoId?: string;
  title?: string;
  lengthSeconds?: string;
  keywords?: string[];
  channelId?: string;
  shortDescription?: string;
  thumbnail?: { thumbnails?: Thumbnail[] };
  viewCount?: string;
  author?: string;
  isLiveContent?: boolean;
  isLive?: boolean;
  isUpcoming?: boolean;
}

/** Only WEB-family answers carry it; app clients leave it out. */
interface PlayerMicroformat {
  publishDate?: string;
  uploadDate?: string;
  ownerChannelName?: string;
  liveBroadcastDetails?: { isLiveNow?: boolean };
}

/** The /youtubei/v1/player answer (the parts we read). */
interface PlayerResponse {
  playabilityStatus?: PlayabilityStatus;
  streamingData?: StreamingData;
  videoDetails?: VideoDetails;
  microformat?: { playerMicroformatRenderer?: PlayerMicroformat };
}

/** Clients asked anonymously, in order. */
const ANONYMOUS_CLIENTS: readonly ClientName[] = ['VISIONOS', 'IOS', 'ANDROID_VR'];
/** Clients that accept the COOKIES_FILE session. */
const SIGNED_IN_CLIENTS: readonly ClientName[] = ['TV', 'WEB_EMBEDDED', 'WEB'];

/** What to do after a client's answer that is not a playable video. */
type Next = 'rotate' | 'sign-in' | 'stop';

interface Verdict {
  next: Next;
  error: DownloadError;
  /** Higher wins when every client failed and one error must be reported (see RANK). */
  rank: number;
}

/** How much a failure tells about the video, for reporting one when every client failed. */
const RANK = {
  /** An HTTP refusal or an unexplained UNPLAYABLE: about the client more than the video. */
  refused: 1,
  botCheck: 2,
  unavailable: 3,
  loginWall: 4,
  ageGate: 5,
  /** The video plays, but only with streams we cannot sign. */
  signatureOnly: 6,
  /** Private, geo-blocked, not started: the same for every client, so nothing else is asked. */
  final: 9,
} as const;

/** Our verdict on one client's /player answer. */
type Attempt = { info: MediaInfo } | Verdict;

/** The watch page URL every form of a video id canonicalises to. */
export function watchUrl(id: string): string {
  return `https://www.youtube.com/watch?v=${id}`;
}

/** The plain text of an innertube text object. */
export function textOf(text: InnertubeText | undefined): string | undefined {
  return str(text?.simpleText ?? text?.runs?.map((r) => r.text ?? '').join(''));
}

/** Extracts one video by id, trying the clients in order (see the file comment). */
export async function extractVideo(id: string, ctx: ExtractContext): Promise<MediaInfo> {
  const url = watchUrl(id);
  const failures: Verdict[] = [];
  const anonymous = await openSession(ctx);
  const pot = poToken(ctx);
  const clients = pot ? [...ANONYMOUS_CLIENTS, 'WEB' as const] : ANONYMOUS_CLIENTS;

  let wall: Verdict | undefined;
  for (const client of clients) {
    const attempt = await tryClient(anonymous, client, id, ctx, client === 'WEB' ? pot : undefined);
    if ('info' in attempt) return attempt.info;
    if (attempt.next === 'stop') throw attempt.error;
    if (attempt.next === 'sign-in') {
      wall = attempt;
      break;
    }
    failures.push(attempt);
  }

  if (wall) {
    const signedIn = await openSignedInSession(ctx);
    if (!signedIn) throw wall.error;
    failures.push(wall);
    for (const client of SIGNED_IN_CLIENTS) {
      const attempt = await tryClient(signedIn, client, id, ctx, client === 'WEB' ? pot : undefined);
      if ('info' in attempt) {
        if (wall.error.code === 'content.age_restricted') attempt.info.ageLimit = 18;
        return attempt.info;
      }
      if (attempt.next === 'stop') throw attempt.error;
      failures.push(attempt);
    }
  }
  throw mostTelling(failures) ?? new DownloadError('fetch.failed', 'No YouTube client answered.', { platform: NAME, url });
}

/** One /player request as `client`, judged. */
async function tryClient(session: InnertubeSession, client: ClientName, id: string, ctx: ExtractContext, pot: string | undefined): Promise<Attempt> {
  const url = watchUrl(id);
  try {
    const response = await session.call<PlayerResponse>(
      '/player',
      {
        videoId: id,
        playbackContext: { contentPlaybackContext: { html5Preference: 'HTML5_PREF_WANTS' } },
        racyCheckOk: true,
        contentCheckOk: true,
        ...(pot ? { serviceIntegrityDimensions: { poToken: pot } } : {}),
      },
      client,
    );
    const status = response.playabilityStatus?.status;
    if (status !== 'OK') {
      const verdict = judgePlayability(response.playabilityStatus ?? {}, url);
      ctx.logger.debug({ platform: NAME, client, status, code: verdict.error.code }, 'youtube client could not play the video');
      return verdict;
    }
    const answeredId = response.videoDetails?.videoId;
    if (answeredId !== undefined && answeredId !== id) {
      // YouTube sometimes answers for another video entirely; another client usually does not
      const error = new DownloadError('fetch.failed', `YouTube answered for video ${answeredId} instead.`, { platform: NAME, url, client }, { retriable: false });
      return { next: 'rotate', rank: RANK.refused, error };
    }
    const info = await toMediaInfo(id, response, ctx, pot);
    if (info.live || info.formats.length > 0) return { info };
    const error = new DownloadError(
      'fetch.failed',
      "YouTube offered only signature-protected streams for this video, which need YouTube's player JavaScript (the yt-dlp backend can run it).",
      { platform: NAME, url, client },
      { retriable: false },
    );
    return { next: 'rotate', rank: RANK.signatureOnly, error };
  } catch (error) {
    if (isDownloadError(error) && rotatesOnError(error)) {
      ctx.logger.debug({ platform: NAME, client, status: error.context.status }, 'youtube client refused; rotating');
      return { next: 'rotate', rank: RANK.refused, error };
    }
    throw error;
  }
}

/** HTTP refusals another client may not get: 400 (client rejected) and 403 (client blocked), and server errors. */
function rotatesOnError(error: DownloadError): boolean {
  const status = error.context.status;
  return typeof status === 'number' && (status === 400 || status === 403 || status >= 500);
}

/** Maps a non-OK playabilityStatus to an error and what to do next. */
function judgePlayability(ps: PlayabilityStatus, url: string): Verdict {
  const screen = ps.errorScreen?.playerErrorMessageRenderer;
  const reason = ps.reason ?? textOf(screen?.reason) ?? '';
  const subreason = textOf(screen?.subreason) ?? '';
  const said = [reason, subreason, ...(ps.messages ?? [])].join(' ');
  const message = [reason, subreason].filter(Boolean).join(' — ') || undefined;
  const context = { platform: NAME, url, playability: ps.status };
  const verdict = (next: Next, rank: number, code: DownloadError['code'], text?: string, retriable?: boolean): Verdict => ({
    next,
    rank,
    error: new DownloadError(code, text ?? message, context, retriable === undefined ? {} : { retriable }),
  });

  if (/not (?:made this video )?available in your (?:country|region)/i.test(said)) return verdict('stop', RANK.final, 'content.geo_blocked');
  if (/\bprivate\b/i.test(said)) return verdict('stop', RANK.final, 'content.private');
  if (ps.status === 'LIVE_STREAM_OFFLINE') {
    return verdict('stop', RANK.final, 'content.live', `The live stream or premiere has not started yet${reason ? ` (${reason})` : ''}.`);
  }
  if (/not a bot/i.test(said)) {
    const hint = 'YouTube asks this server to sign in to confirm it is not a bot; set COOKIES_FILE, or YOUTUBE_PO_TOKEN with YOUTUBE_VISITOR_DATA.';
    return verdict('rotate', RANK.botCheck, 'content.login_required', hint);
  }
  if (ps.status === 'AGE_CHECK_REQUIRED' || ps.status === 'AGE_VERIFICATION_REQUIRED' || ps.desktopLegacyAgeGateReason || /confirm your age|age[- ]restricted|inappropriate for some users/i.test(said)) {
    return verdict('sign-in', RANK.ageGate, 'content.age_restricted');
  }
  if (/members-only|join this channel|requires payment|purchase/i.test(said) || ps.status === 'LOGIN_REQUIRED' || ps.status === 'CONTENT_CHECK_REQUIRED') {
    return verdict('sign-in', RANK.loginWall, 'content.login_required');
  }
  if (ps.status === 'ERROR') return verdict('rotate', RANK.unavailable, 'content.not_found');
  return verdict('rotate', RANK.refused, 'fetch.failed', `YouTube would not play this video: ${message ?? ps.status ?? 'no reason given'}.`, false);
}

/** The error that says most about why no client could play the video. */
function mostTelling(failures: Verdict[]): DownloadError | undefined {
  return failures.reduce<Verdict | undefined>((best, v) => (!best || v.rank > best.rank ? v : best), undefined)?.error;
}

/** A playable /player answer as MediaInfo. */
async function toMediaInfo(id: string, response: PlayerResponse, ctx: ExtractContext, pot: string | undefined): Promise<MediaInfo> {
  const details = response.videoDetails ?? {};
  const micro = response.microformat?.playerMicroformatRenderer;
  const streaming = response.streamingData ?? {};
  const live = details.isLive === true || micro?.liveBroadcastDetails?.isLiveNow === true;
  let formats: Format[];
  if (live) {
    formats = streaming.hlsManifestUrl ? [{ id: 'hls', url: streaming.hlsManifestUrl, protocol: 'hls', container: 'mp4', note: 'live' }] : [];
  } else {
    formats = streamFormats(streaming, pot);
    // some app answers carry only an HLS master (muxed variants); it is a fine second choice
    if (formats.length === 0 && streaming.hlsManifestUrl) formats = await hlsFormats(ctx, streaming.hlsManifestUrl, { platform: NAME });
  }
  const published = micro?.publishDate ?? micro?.uploadDate;
  const duration = num(details.lengthSeconds);
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url: watchUrl(id),
    title: str(details.title) ?? id,
    uploader: str(details.author) ?? str(micro?.ownerChannelName),
    uploaderId: str(details.channelId),
    durationSec: duration && !live ? duration : undefined,
    thumbnail: largestThumbnail(details.thumbnail?.thumbnails),
    description: str(details.shortDescription),
    tags: details.keywords?.length ? details.keywords : undefined,
    timestamp: unixSeconds(published),
    viewCount: num(details.viewCount),
    formats,
    live: live || undefined,
  });
}

/** The widest thumbnail's URL. */
export function largestThumbnail(thumbnails: Thumbnail[] | undefined): string | undefined {
  const best = [...(thumbnails ?? [])].filter((t) => str(t.url)).sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0];
  return best?.url;
}

/** Muxed and adaptive streams with plain URLs, as Formats with unique ids (itag, then -drc / -language). */
function streamFormats(streaming: StreamingData, pot?: string): Format[] {
  const out: Format[] = [];
  const ids = new Set<string>();
  for (const stream of [...(streaming.formats ?? []), ...(streaming.adaptiveFormats ?? [])]) {
    const format = toFormat(stream, pot);
    if (!format) continue;
    if (ids.has(format.id)) format.id = `${format.id}-${format.language ?? out.length}`;
    ids.add(format.id);
    out.push(format);
  }
  return out;
}

const HDR_TRANSFERS = new Set(['COLOR_TRANSFER_CHARACTERISTICS_SMPTEST2084', 'COLOR_TRANSFER_CHARACTERISTICS_ARIB_STD_B67']);
const CONTAINERS: Readonly<Record<string, string>> = { 'video/mp4': 'mp4', 'audio/mp4': 'm4a', 'video/webm': 'webm', 'audio/webm': 'webm', 'video/3gpp': '3gp' };

/**
 * One stream as a Format, or undefined when we cannot fetch it as a plain file: signed
 * (`signatureCipher`), throttled without the player JS (`n` in the URL), DRM-protected, OTF or
 * a live segment stream.
 */
function toFormat(f: StreamFormat, pot: string | undefined): Format | undefined {
  if (!f.url || f.itag === undefined || f.drmFamilies?.length || f.type === 'FORMAT_STREAM_TYPE_OTF' || f.targetDurationSec) return undefined;
  let url: URL;
  try {
    url = new URL(f.url);
  } catch {
    return undefined;
  }
  if (url.searchParams.has('n')) return undefined;
  if (pot) url.searchParams.set('pot', pot);

  const mime = /^([\w-]+\/[\w.+-]+)(?:;\s*codecs="([^"]*)")?/.exec(f.mimeType ?? '');
  const type = mime?.[1] ?? '';
  const codecs = (mime?.[2] ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  const isAudio = type.startsWith('audio/');
  const vcodec = isAudio ? null : codecs[0];
  const acodec = isAudio ? codecs[0] : codecs.length > 1 ? codecs[1] : null;
  const hdr = !isAudio && (HDR_TRANSFERS.has(f.colorInfo?.transferCharacteristics ?? '') || /HDR/i.test(f.qualityLabel ?? ''));
  const track = f.audioTrack;
  const bitrate = f.averageBitrate ?? f.bitrate;
  const fps = num(f.fps);
  return compact<Format>({
    id: `${f.itag}${f.isDrc ? '-drc' : ''}`,
    url: url.href,
    protocol: 'https',
    container: CONTAINERS[type] ?? type.split('/')[1],
    vcodec,
    acodec,
    width: num(f.width),
    height: num(f.height),
    fps: fps && fps > 1 ? fps : undefined,
    bitrateKbps: bitrate ? Math.round(bitrate / 1000) : undefined,
    filesizeBytes: num(f.contentLength),
    dynamicRange: isAudio ? undefined : hdr ? 'HDR' : 'SDR',
    language: str(track?.id?.split('.')[0]),
    defaultAudio: track ? track.audioIsDefault === true : undefined,
    note: [f.qualityLabel, track?.displayName, f.isDrc ? 'DRC' : undefined].filter(Boolean).join(', ') || undefined,
  });
}
