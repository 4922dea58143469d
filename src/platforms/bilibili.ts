/**
 * Bilibili URLs: videos (bilibili.com/video/BV{10 chars} or /video/av{digits}, on www. and m.,
 * also /s/video/… and /festival/{name}?bvid=…), the part number ?p={n} (extra.part), the
 * embedded player (player.bilibili.com/player.html?bvid=… | ?aid=…), bangumi episodes and
 * seasons (/bangumi/play/ep{n}, /bangumi/play/ss{n}), audio (/audio/au{n}), live rooms
 * (live.bilibili.com/{room}), the international site (bilibili.tv/[{lang}/]video/{id},
 * /play/{season}[/{episode}]) and short links (b23.tv/{code}, bili2233.cn/{code}: resolved, unless
 * the code is itself a BV or av id).
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'bilibili';
const SHORT_HOSTS = ['b23.tv', 'bili2233.cn'] as const;
const INTL_HOSTS = ['bilibili.tv', 'biliintl.com'] as const;
const HOSTS = ['bilibili.com', ...SHORT_HOSTS, ...INTL_HOSTS] as const;
const SITE_HOSTS = new Set(['bilibili.com', 'www.bilibili.com', 'm.bilibili.com']);

/** A BV id is "BV" and ten base58 characters; the older av id is "av" and the number. */
const VIDEO_ID = /^(?:[Bb][Vv][0-9A-Za-z]{10}|[Aa][Vv]\d+)$/;
const BANGUMI_ID = /^(ep|ss)\d+$/;
const AUDIO_ID = /^au\d+$/;
const DIGITS = /^\d+$/;
const SHORT_CODE = /^[A-Za-z0-9]+$/;
/** bilibili.tv paths may start with a language: /en/, /th/, /zh-hant/. */
const LANGUAGE = /^[a-z]{2}(?:-[a-z]+)?$/i;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.bilibili.com/video/BV13x41117TL', id: 'BV13x41117TL', kind: 'video' },
  { url: 'https://www.bilibili.com/video/BV1vL411G7N7/?spm_id_from=333.788', id: 'BV1vL411G7N7', kind: 'video' },
  { url: 'https://www.bilibili.com/video/BV1ms411Q7vw/?p=4', id: 'BV1ms411Q7vw', kind: 'video' },
  { url: 'http://www.bilibili.com/video/av1074402/', id: 'av1074402', kind: 'video' },
  { url: 'https://m.bilibili.com/video/BV1bK411W797', id: 'BV1bK411W797', kind: 'video' },
  { url: 'https://BILIBILI.COM/video/BV1xx411c7mD', id: 'BV1xx411c7mD', kind: 'video' },
  { url: 'https://www.bilibili.com/festival/2023honkaiimpact3gala?bvid=BV1ay4y1d77f', id: 'BV1ay4y1d77f', kind: 'video' },
  { url: 'http://player.bilibili.com/player.html?aid=92494333&cid=157926707&page=1', id: 'av92494333', kind: 'video' },
  { url: 'https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&autoplay=0', id: 'BV1GJ411x7h7', kind: 'video' },
  { url: 'https://www.bilibili.com/bangumi/play/ep21495/', id: 'ep21495', kind: 'episode' },
  { url: 'https://www.bilibili.com/bangumi/play/ss26801', id: 'ss26801', kind: 'season' },
  { url: 'https://www.bilibili.com/audio/au1003142', id: 'au1003142', kind: 'track' },
  { url: 'https://live.bilibili.com/196', id: '196', kind: 'live' },
  { url: 'https://b23.tv/Xt9vKbr', id: null, kind: 'video' },
  { url: 'https://b23.tv/BV1xx411c7mD', id: 'BV1xx411c7mD', kind: 'video' },
  { url: 'https://bili2233.cn/Xt9vKbr', id: null, kind: 'video' },
  { url: 'https://www.bilibili.tv/en/video/2045730385', id: '2045730385', kind: 'video' },
  { url: 'https://bilibili.tv/video/2019955076', id: '2019955076', kind: 'video' },
  { url: 'https://www.bilibili.tv/en/play/34613/341736', id: '341736', kind: 'episode' },
  { url: 'https://www.bilibili.tv/en/play/34613', id: '34613', kind: 'season' },
  { url: 'https://www.bilibili.com/', id: false },
  { url: 'https://www.bilibili.com/video/BV1xx', id: false },
  { url: 'https://search.bilibili.com/all?keyword=test', id: false },
  { url: 'https://evilbilibili.com/video/BV1xx411c7mD', id: false },
  { url: 'https://bilibili.com.evil.net/video/BV1xx411c7mD', id: false },
];

/** A video id, with the part number (?p= on the site, ?page= on the player) when given. */
function video(url: URL, id: string | null | undefined, part?: string | null): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  return matched(NAME, url, id, 'video', part && DIGITS.test(part) ? { part } : undefined);
}

/** www./m.bilibili.com pages. */
function site(url: URL, segments: string[]): Match | null {
  if (segments[0] === 's') segments = segments.slice(1);
  const [first, second, third, ...rest] = segments;
  if (rest.length > 0) return null;
  if (first === 'video' && third === undefined) return video(url, second, url.searchParams.get('p'));
  if (first === 'festival') return video(url, url.searchParams.get('bvid'), url.searchParams.get('p'));
  if (first === 'bangumi' && second === 'play' && third) {
    const kind = BANGUMI_ID.exec(third)?.[1];
    return kind ? matched(NAME, url, third, kind === 'ep' ? 'episode' : 'season') : null;
  }
  if (first === 'audio' && second && AUDIO_ID.test(second) && third === undefined) return matched(NAME, url, second, 'track');
  return null;
}

/** player.bilibili.com/player.html?bvid=… or ?aid=… (the aid becomes an av id). */
function player(url: URL): Match | null {
  if (url.pathname !== '/player.html') return null;
  const q = url.searchParams;
  const aid = q.get('aid');
  const id = q.get('bvid') ?? (aid && DIGITS.test(aid) ? `av${aid}` : null);
  return video(url, id, q.get('page') ?? q.get('p'));
}

/** live.bilibili.com/{room}, also /blanc/{room} and /h5/{room}. */
function live(url: URL, segments: string[]): Match | null {
  const room = segments[0] === 'blanc' || segments[0] === 'h5' ? segments[1] : segments[0];
  return room && DIGITS.test(room) && segments.indexOf(room) === segments.length - 1 ? matched(NAME, url, room, 'live') : null;
}

/** bilibili.tv/[{lang}/]video/{id} and /play/{season}[/{episode}]. */
function international(url: URL, segments: string[]): Match | null {
  if (segments[0] && LANGUAGE.test(segments[0])) segments = segments.slice(1);
  const [first, id, episode, ...rest] = segments;
  if (!id || !DIGITS.test(id) || rest.length > 0) return null;
  if (first === 'video' && episode === undefined) return matched(NAME, url, id, 'video');
  if (first !== 'play') return null;
  if (episode === undefined) return matched(NAME, url, id, 'season');
  return DIGITS.test(episode) ? matched(NAME, url, episode, 'episode', { season: id }) : null;
}

/** b23.tv/{code}: follow the redirect, unless the code is already a video id. */
function short(url: URL, segments: string[]): Match | null {
  const [code] = segments;
  if (!code || segments.length !== 1 || !SHORT_CODE.test(code)) return null;
  return VIDEO_ID.test(code) ? video(url, code, url.searchParams.get('p')) : matched(NAME, url, null, 'video');
}

/** Bilibili videos, bangumi, audio, live rooms and bilibili.tv. */
export const bilibili: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const segments = pathSegments(url);
    if (SITE_HOSTS.has(host)) return site(url, segments);
    if (host === 'player.bilibili.com') return player(url);
    if (host === 'live.bilibili.com') return live(url, segments);
    if (hostIn(host, SHORT_HOSTS)) return short(url, segments);
    if (hostIn(host, INTL_HOSTS)) return international(url, segments);
    return null;
  },
};
