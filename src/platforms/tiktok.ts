/**
 * TikTok URLs, offline. Knows `/@user/video/{id}`, photo posts `/@user/photo/{id}`, lives
 * `/@user/live`, m.tiktok.com/v/{id}.html, embeds `/embed/v2/{id}` and `/embed/{id}`, the
 * player `/player/v1/{id}`, share pages `/share/video/{id}` (also on tiktokv.com and under
 * `/i18n/`) and `/share/live/{room id}`. Short links (vm.tiktok.com/{code},
 * vt.tiktok.com/{code}, tiktok.com/t/{code}) carry no id and need resolving.
 *
 * Extraction (tiktok/web.ts, tiktok/app.ts): the post page's rehydration JSON first, which
 * needs no login and gives the watermark-free files; when the page does not give the post (a
 * bot check, an unknown status, a post without video files) the Android app's
 * multi/aweme/detail API is asked instead. Removed, private and region-locked posts end there
 * with their own codes. Lives are refused: TikTok keeps no recording to download.
 */
import { isWebUrlOn, matched, pathSegments, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { MediaInfo } from '../media/types.js';
import { DownloadError, toDownloadError } from '../utils/errors.js';
import { appMediaInfo, fetchAppPost } from './tiktok/app.js';
import { NAME } from './tiktok/media.js';
import { fetchWebPost, webMediaInfo } from './tiktok/web.js';

const HOSTS = ['tiktok.com', 'tiktokv.com'] as const;
/** Hosts whose whole path is a short-link code. */
const SHORT_HOSTS = new Set(['vm.tiktok.com', 'vt.tiktok.com']);

/** Item ids are 64-bit numbers: 19 digits today, a few digits fewer on the oldest videos. */
const ITEM_ID = /^\d{10,20}$/;
const SHORT_CODE = /^[A-Za-z0-9]{5,20}$/;
/** `@` then the unique id; empty in the `/@/video/{id}` form TikTok itself emits. */
const USER = /^@[\w.-]{0,64}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.tiktok.com/@leenabhushan/video/6748451240264420610', id: '6748451240264420610', kind: 'video' },
  { url: 'https://www.tiktok.com/@patroxofficial/video/6742501081818877190?langCountry=en', id: '6742501081818877190', kind: 'video' },
  { url: 'https://tiktok.com/@barudakhb_/video/6984138651336838402/?is_from_webapp=1&sender_device=pc', id: '6984138651336838402', kind: 'video' },
  { url: 'https://WWW.TIKTOK.COM/@pokemonlife22/video/7059698374567611694', id: '7059698374567611694', kind: 'video' },
  { url: 'https://www.tiktok.com/@/video/7668090902816017671/', id: '7668090902816017671', kind: 'video' },
  { url: 'https://www.tiktok.com/@moxypatch/photo/7206382937372134662', id: '7206382937372134662', kind: 'photo' },
  { url: 'https://m.tiktok.com/v/6748451240264420610.html', id: '6748451240264420610', kind: 'video' },
  { url: 'https://www.tiktok.com/embed/v2/6748451240264420610?lang=en', id: '6748451240264420610', kind: 'video' },
  { url: 'https://www.tiktok.com/embed/7059698374567611694', id: '7059698374567611694', kind: 'video' },
  { url: 'https://www.tiktok.com/player/v1/7059698374567611694?autoplay=1', id: '7059698374567611694', kind: 'video' },
  { url: 'https://www.tiktokv.com/share/video/7668090902816017671/', id: '7668090902816017671', kind: 'video' },
  { url: 'https://www.tiktok.com/i18n/share/video/7668090902816017671', id: '7668090902816017671', kind: 'video' },
  { url: 'https://m.tiktok.com/share/live/7209423610325322522/?language=en', id: '7209423610325322522', kind: 'live' },
  { url: 'https://www.tiktok.com/@weathernewslive/live', id: '@weathernewslive', kind: 'live' },
  { url: 'https://vm.tiktok.com/ZTR45GpSF/', id: null, kind: 'video' },
  { url: 'https://vt.tiktok.com/ZSe4FqkKd', id: null, kind: 'video' },
  { url: 'https://www.tiktok.com/t/ZTRC5xgJp/', id: null, kind: 'video' },
  { url: 'https://www.tiktok.com.attacker.io/@user/video/7106594312292453675', id: false },
  { url: 'https://nottiktok.com/@user/video/7106594312292453675', id: false },
  { url: 'https://www.tiktok.com/@leenabhushan', id: false },
  { url: 'https://www.tiktok.com/foryou', id: false },
  { url: 'https://www.tiktok.com/@leenabhushan/video/latest', id: false },
  { url: 'https://vm.tiktok.com/', id: false },
];

/** A numeric item id of the given kind. */
function item(url: URL, id: string | undefined, kind: string): Match | null {
  return id && ITEM_ID.test(id) ? matched(NAME, url, id, kind) : null;
}

/** A short-link code; the video is known only after the redirect. */
function shortLink(url: URL, code: string | undefined): Match | null {
  return code && SHORT_CODE.test(code) ? matched(NAME, url, null, 'video') : null;
}

/** `/@user/video/{id}`, `/@user/photo/{id}`, `/@user/live`. */
function userPath(url: URL, user: string, word: string | undefined, id: string | undefined): Match | null {
  if (!USER.test(user)) return null;
  const extra = user.length > 1 ? { user: user.slice(1) } : undefined;
  switch (word) {
    case 'video':
    case 'photo':
      return id && ITEM_ID.test(id) ? matched(NAME, url, id, word, extra) : null;
    case 'live':
      return user.length > 1 ? matched(NAME, url, user, 'live', extra) : null;
    default:
      return null;
  }
}

/** `/share/video/{id}` and `/share/live/{room id}`. */
function sharePage(url: URL, word: string | undefined, id: string | undefined): Match | null {
  if (word === 'video') return item(url, id, 'video');
  if (word === 'live') return item(url, id, 'live');
  return null;
}

/** Web failures the app API may get past: bot checks, rate limits, unknown page states. */
function appMayHelp(error: DownloadError): boolean {
  return (error.code === 'fetch.failed' || error.code === 'fetch.rate_limited') && !error.context.aborted;
}

/** True when the info has something to watch: a video file or a photo. */
function hasVisuals(info: MediaInfo): boolean {
  return info.formats.some((f) => f.vcodec !== null) || !!info.entries?.length;
}

/** The post from the app API, or — when that fails too — the web's error (the app's is logged). */
async function viaApp(ctx: ExtractContext, id: string, webError: DownloadError): Promise<MediaInfo> {
  try {
    return appMediaInfo(ctx, id, await fetchAppPost(ctx, id));
  } catch (error) {
    const appError = toDownloadError(error, { platform: NAME });
    if (appError.final) throw appError;
    ctx.logger.warn({ platform: NAME, id, code: appError.code, message: appError.message }, 'TikTok app API fallback failed too');
    throw webError;
  }
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'live') {
    throw new DownloadError('content.live', 'TikTok lives cannot be downloaded: TikTok keeps no recording of them.', { platform: NAME, url: match.url.href });
  }
  const id = match.id!;
  let info: MediaInfo;
  try {
    info = webMediaInfo(ctx, id, await fetchWebPost(ctx, id, match.extra?.user));
  } catch (error) {
    const webError = toDownloadError(error, { platform: NAME, url: match.url.href });
    if (!appMayHelp(webError)) throw webError;
    ctx.logger.debug({ platform: NAME, id, code: webError.code }, 'TikTok page gave no post; asking the app API');
    return viaApp(ctx, id, webError);
  }
  if (hasVisuals(info)) return info;
  ctx.logger.debug({ platform: NAME, id }, 'TikTok page listed no video file; asking the app API');
  return viaApp(ctx, id, new DownloadError('fetch.failed', 'TikTok served this post without any video file.', { platform: NAME, url: info.url }, { retriable: false }));
}

/** TikTok videos, photo posts and lives. */
export const tiktok: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first = '', second, third] = segments;
    if (SHORT_HOSTS.has(url.hostname.toLowerCase())) return shortLink(url, first);
    if (first.startsWith('@')) return userPath(url, first, second, third);
    switch (first) {
      case 't':
        return shortLink(url, second);
      case 'v':
        return item(url, second?.replace(/\.html$/, ''), 'video');
      case 'embed':
        return second === 'v2' ? item(url, third, 'video') : item(url, second, 'video');
      case 'player':
        return second === 'v1' ? item(url, third, 'video') : null;
      case 'share':
        return sharePage(url, second, third);
      case 'i18n':
        return second === 'share' ? sharePage(url, third, segments[3]) : null;
      default:
        return null;
    }
  },

  extract,
};
