/**
 * TikTok's mobile (Android app) API, the fallback when the web page does not give the post:
 * POST https://api16-normal-c-useast1a.tiktokv.com/aweme/v1/multi/aweme/detail/ with the
 * form `aweme_ids=[{id}]&request_source=0`, the app's device query parameters and the app's
 * user agent. It answers `{ status_code, aweme_details: [aweme] }`: `video.play_addr` and
 * `video.bit_rate[].play_addr` are clean files, `video.download_addr` carries the watermark
 * (`video.has_watermark`), `music.play_url` is the sound and photo posts list
 * `image_post_info.images[].display_image`. The API wants a device id; we make one up once
 * and keep it in the cache, as the app does after installation.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { requestOptions, type ExtractContext } from '../base.js';
import type { Format, MediaInfo } from '../../media/types.js';
import { cookieJarFor } from '../../utils/cookies.js';
import { DownloadError } from '../../utils/errors.js';
import { compact, num, str } from '../page.js';
import {
  NAME,
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

const API_HOST = 'api16-normal-c-useast1a.tiktokv.com';
const APP_NAME = 'musical_ly';
const APP_VERSION = '35.1.3';
const MANIFEST_VERSION = '2023501030';
/** "universal" app id: accepted without the per-region app's signatures. */
const AID = '0';
/** The Android app's user agent, which the API checks against the app name and version. */
const APP_USER_AGENT = `com.zhiliaoapp.musically/${MANIFEST_VERSION} (Linux; U; Android 13; en_US; Pixel 7; Build/TD1A.220804.031; Cronet/58.0.2991.0)`;
const DEVICE_ID_KEY = `${NAME}:device-id`;
const DEVICE_ID_TTL_SEC = 30 * 24 * 3600;
const AAC = 'mp4a.40.2';

/** `{ url_list, width, height, data_size, url_key }`, the app's address of a file. */
interface AppAddr {
  uri?: string;
  url_list?: string[];
  width?: number;
  height?: number;
  data_size?: number;
  /** "{uri}_{codec}_{res}p_{bitrate}" */
  url_key?: string;
}

interface AppBitRate {
  gear_name?: string;
  /** bit/s */
  bit_rate?: number;
  is_bytevc1?: number;
  is_h265?: number;
  FPS?: number;
  play_addr?: AppAddr;
}

interface AppVideo {
  play_addr?: AppAddr;
  play_addr_h264?: AppAddr;
  play_addr_bytevc1?: AppAddr;
  download_addr?: AppAddr;
  bit_rate?: AppBitRate[];
  /** Milliseconds. */
  duration?: number;
  width?: number;
  height?: number;
  cover?: AppAddr;
  origin_cover?: AppAddr;
  has_watermark?: boolean;
  is_bytevc1?: number;
  is_h265?: number;
}

interface AppMusic {
  title?: string;
  author?: string;
  play_url?: AppAddr;
  cover_large?: AppAddr;
  /** Seconds. */
  duration?: number;
  is_original_sound?: boolean;
}

/** One post of the app API (fields we use). */
export interface AppAweme {
  aweme_id?: string;
  desc?: string;
  create_time?: number;
  author?: { uid?: string; unique_id?: string; nickname?: string; sec_uid?: string };
  music?: AppMusic;
  video?: AppVideo;
  statistics?: { play_count?: number; digg_count?: number; comment_count?: number; share_count?: number };
  text_extra?: Array<{ hashtag_name?: string; type?: number }>;
  cha_list?: Array<{ cha_name?: string }>;
  image_post_info?: { images?: Array<{ display_image?: AppAddr; owner_watermark_image?: AppAddr }> };
  status?: { is_delete?: boolean; private_status?: number };
}

interface AppDetailResponse {
  status_code?: number;
  status_msg?: string;
  aweme_details?: AppAweme[] | null;
}

/** The made-up install's device id, kept for a month like a real install keeps its own. */
async function deviceId(ctx: ExtractContext): Promise<string> {
  const cached = await ctx.cache?.get<string>(DEVICE_ID_KEY);
  if (cached) return cached;
  // the range real Android installs get: 7250000000000000000…7299999999999999999
  const id = `72${randomInt(5, 10)}${Array.from({ length: 16 }, () => randomInt(0, 10)).join('')}`;
  await ctx.cache?.set(DEVICE_ID_KEY, id, DEVICE_ID_TTL_SEC);
  return id;
}

/** The query every app request carries: which app, which device, which region. */
function appQuery(device: string): Record<string, string | number> {
  const nowMs = Date.now();
  const nowSec = Math.floor(nowMs / 1000);
  return {
    device_platform: 'android', os: 'android', ssmix: 'a', _rticket: nowMs, cdid: randomUUID(), channel: 'googleplay',
    aid: AID, app_name: APP_NAME, version_code: APP_VERSION.split('.').map((v) => v.padStart(2, '0')).join(''),
    version_name: APP_VERSION, manifest_version_code: MANIFEST_VERSION, update_version_code: MANIFEST_VERSION,
    ab_version: APP_VERSION, resolution: '1080*2400', dpi: 420, device_type: 'Pixel 7', device_brand: 'Google',
    language: 'en', os_api: '29', os_version: '13', ac: 'wifi', is_pad: '0', current_region: 'US', app_type: 'normal',
    sys_region: 'US', last_install_time: nowSec - 3 * 86400, timezone_name: 'America/New_York', residence: 'US',
    app_language: 'en', timezone_offset: '-14400', host_abi: 'armeabi-v7a', locale: 'en', ac2: 'wifi5g', uoo: '1',
    carrier_region: 'US', op_region: 'US', build_number: APP_VERSION, region: 'US', ts: nowSec, device_id: device,
    openudid: randomBytes(8).toString('hex'),
  };
}

/** Asks the app API for post `id`. */
export async function fetchAppPost(ctx: ExtractContext, id: string): Promise<AppAweme> {
  const url = `https://${API_HOST}/aweme/v1/multi/aweme/detail/`;
  const session = cookieJarFor(ctx.config)?.get('tiktok.com', 'sid_tt');
  const odin = randomBytes(80).toString('hex');
  const answer = await ctx.http.json<AppDetailResponse>(url, requestOptions(ctx, NAME, {
    method: 'POST',
    query: appQuery(await deviceId(ctx)),
    form: { aweme_ids: `[${id}]`, request_source: '0' },
    headers: { 'user-agent': APP_USER_AGENT, accept: 'application/json', cookie: `odin_tt=${odin}${session ? `; sid_tt=${session}` : ''}` },
  }));
  const aweme = answer.aweme_details?.find((a) => a.aweme_id === id);
  const context = { platform: NAME, url: canonicalUrl(undefined, id) };
  if (!aweme) {
    const why = answer.status_msg ? ` (${answer.status_msg})` : '';
    throw new DownloadError('fetch.failed', `TikTok's app API did not return the post${why}.`, { ...context, tiktokStatus: answer.status_code }, { retriable: false });
  }
  if (aweme.status?.is_delete) throw new DownloadError('content.not_found', 'This TikTok post was removed.', context);
  return aweme;
}

/** The API's URL lists put api16 redirectors last; direct CDN files first. */
function addrUrl(addr: AppAddr | undefined): string | undefined {
  const urls = addr?.url_list ?? [];
  return playableUrl([...urls.filter((u) => !u.includes('/aweme/v1/')), ...urls.filter((u) => u.includes('/aweme/v1/'))]);
}

function codecOf(addr: AppAddr | undefined, hevcFlag: number | undefined): string | undefined {
  return videoCodec(/_(h264|bytevc1|bytevc2)_/.exec(addr?.url_key ?? '')?.[1], hevcFlag === 1);
}

function addrFormat(id: string, addr: AppAddr | undefined, extra: Partial<Format>): Format | undefined {
  const url = addrUrl(addr);
  if (!url || isUnplayable(extra.vcodec ?? undefined)) return undefined;
  return compact<Format>({
    id,
    url,
    protocol: 'https',
    container: 'mp4',
    acodec: AAC,
    width: num(addr?.width),
    height: num(addr?.height),
    filesizeBytes: num(addr?.data_size),
    ...extra,
  });
}

/** Every file the app lists: clean play files per quality, the watermarked download, the sound. */
function appFormats(aweme: AppAweme): Format[] {
  const video = aweme.video ?? {};
  const hevc = video.is_bytevc1 ?? video.is_h265;
  const candidates: Array<Format | undefined> = [
    addrFormat('play_addr', video.play_addr, { vcodec: codecOf(video.play_addr, hevc), note: 'no watermark' }),
    addrFormat('play_addr_h264', video.play_addr_h264, { vcodec: 'avc1', note: 'no watermark' }),
    addrFormat('play_addr_bytevc1', video.play_addr_bytevc1, { vcodec: 'hvc1', note: 'no watermark' }),
    ...(video.bit_rate ?? []).map((b, i) =>
      addrFormat(str(b.gear_name) ?? `bit_rate-${i}`, b.play_addr, {
        vcodec: codecOf(b.play_addr, b.is_bytevc1 ?? b.is_h265),
        bitrateKbps: b.bit_rate ? Math.round(b.bit_rate / 1000) : undefined,
        fps: num(b.FPS),
        note: 'no watermark',
      }),
    ),
  ];
  const download = video.download_addr;
  const ratio = video.width && video.height ? video.width / video.height : undefined;
  // the API reports the download file's height wrong; its width and the video's ratio are right
  const downloadHeight = download?.width && ratio ? Math.round(download.width / ratio) : undefined;
  candidates.push(
    addrFormat('download_addr', download, {
      vcodec: 'avc1',
      height: downloadHeight,
      watermarked: video.has_watermark !== false,
      note: video.has_watermark !== false ? 'watermarked' : 'no watermark',
    }),
  );
  const music = addrUrl(aweme.music?.play_url);
  if (music) candidates.push(musicFormat(music, undefined));
  return uniqueFormats(candidates.filter((f): f is Format => !!f));
}

function appMusic(music: AppMusic | undefined): TikTokMusic | undefined {
  if (!music) return undefined;
  return compact<TikTokMusic>({
    title: str(music.title),
    author: str(music.author),
    url: addrUrl(music.play_url),
    original: music.is_original_sound,
    cover: music.cover_large?.url_list?.[0],
    durationSec: num(music.duration) || undefined,
  });
}

/** The app's post as MediaInfo, in the same shape the web reader gives. */
export function appMediaInfo(ctx: ExtractContext, id: string, aweme: AppAweme): MediaInfo {
  const images = aweme.image_post_info?.images ?? [];
  const isPhoto = images.length > 0;
  const user = str(aweme.author?.unique_id);
  const durationMs = num(aweme.video?.duration);
  const base = compact<MediaInfo>({
    platform: NAME,
    id,
    url: canonicalUrl(user, id, isPhoto),
    title: titleFrom(aweme.desc, id, isPhoto),
    description: str(aweme.desc),
    uploader: str(aweme.author?.nickname) ?? user,
    uploaderId: user,
    durationSec: !isPhoto && durationMs ? durationMs / 1000 : undefined,
    thumbnail: aweme.video?.cover?.url_list?.[0] ?? aweme.video?.origin_cover?.url_list?.[0],
    tags: hashtags(aweme.text_extra?.map((t) => t.hashtag_name), aweme.cha_list?.map((c) => c.cha_name)),
    music: appMusic(aweme.music),
    timestamp: num(aweme.create_time),
    viewCount: num(aweme.statistics?.play_count),
    likeCount: num(aweme.statistics?.digg_count),
    formats: [],
  });
  if (!isPhoto) return { ...base, formats: appFormats(aweme) };
  const audio = addrUrl(aweme.music?.play_url);
  const photos = images.map((img) => ({ urls: img.display_image?.url_list ?? [], width: num(img.display_image?.width), height: num(img.display_image?.height) }));
  return compact<MediaInfo>({ ...base, formats: audio ? [musicFormat(audio, undefined)] : [], ...photoEntries(ctx, base, photos, () => undefined) });
}
