/**
 * VK (vk.com, vk.ru, vkvideo.ru and their m./new./vksport. subdomains). Knows:
 * - videos and clips: /video{owner}_{id}, /clip{owner}_{id} (an optional `_{accessKey}` tail and a
 *   `list=` query go to extra); the id is `owner_id` with the owner's sign, e.g. `-22822305_456241864`;
 * - a video or clip opened over any page: `?z=video-1_2%2Fpl_-1_-2` (feed, group, search, …);
 * - the embed player: /video_ext.php?oid=-1&id=2&hash=… (the hash goes to extra);
 * - wall posts: /wall-1_2 and `?w=wall-1_2` on a profile;
 * - playlists: vkvideo.ru/playlist/-1_2, vk.com/video/playlist/-1_2;
 * - channels: vk.com/video/@name, vkvideo.ru/@name, and a group's video list /videos-1;
 * - VK Video Live (live.vkvideo.ru, live.vkplay.ru, vkplay.live): /{streamer} and /{streamer}/record/{uuid};
 * - vk.cc short links (resolved first).
 */
import { hostIn, hostIs, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'vk';
const HOSTS = ['vk.com', 'vk.ru', 'vkvideo.ru', 'vk.cc', 'vkplay.live', 'live.vkplay.ru'] as const;
/** Hosts of VK Video Live, where the first path segment is a streamer. */
const LIVE_HOSTS = ['live.vkvideo.ru', 'live.vkplay.ru', 'vkplay.live'] as const;

/** `video-1_2`, `clip1_2` or `video-1_2_accessKey`: the kind, the owner_id and the access key. */
const MEDIA_RE = /^(video|clip)(-?\d+_\d+)(?:_([\da-f]+))?$/;
const WALL_RE = /^wall(-?\d+_\d+)$/;
const PLAYLIST_RE = /^-?\d+_-?\d+$/;
const CHANNEL_RE = /^@[\w.-]+$/;
const UUID_RE = /^[\da-f]{8}-(?:[\da-f]{4}-){3}[\da-f]{12}$/;
const STREAMER_RE = /^[\w.-]+$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://vk.com/video-22822305_456241864', id: '-22822305_456241864', kind: 'video' },
  { url: 'https://vk.com/video205387401_165548505', id: '205387401_165548505', kind: 'video' },
  { url: 'https://m.vk.com/video-93049196_456239755?list=ln-cBjJ7S4jYYx3ADnmDT', id: '-93049196_456239755', kind: 'video' },
  { url: 'https://vkvideo.ru/video-18403220_456239696', id: '-18403220_456239696', kind: 'video' },
  { url: 'https://VK.RU/video-220754053_456242564/', id: '-220754053_456242564', kind: 'video' },
  { url: 'https://vksport.vkvideo.ru/video-124096712_456240773', id: '-124096712_456240773', kind: 'video' },
  { url: 'https://vk.com/clip30014565_456240946', id: '30014565_456240946', kind: 'clip' },
  { url: 'https://vk.com/clips-74006511?z=clip-74006511_456247211', id: '-74006511_456247211', kind: 'clip' },
  { url: 'http://vk.com/feed?z=video-43215063_166094326%2Fbb50cacd3177146d7a', id: '-43215063_166094326', kind: 'video' },
  { url: 'https://vk.com/videos-387766?z=video-387766_456242764%2Fpl_-387766_-2', id: '-387766_456242764', kind: 'video' },
  { url: 'https://vk.com/video_ext.php?oid=-77521&id=162222515&hash=87b046504ccd8bfa', id: '-77521_162222515', kind: 'video' },
  { url: 'https://vk.com/wall-23538238_35', id: '-23538238_35', kind: 'post' },
  { url: 'https://vk.com/bs.official?w=wall-23538238_35', id: '-23538238_35', kind: 'post' },
  { url: 'https://vkvideo.ru/playlist/-204353299_426', id: '-204353299_426', kind: 'playlist' },
  { url: 'https://vk.com/video/playlist/-174476437_2', id: '-174476437_2', kind: 'playlist' },
  { url: 'https://vk.com/video/@mobidevices?section=uploaded', id: '@mobidevices', kind: 'channel' },
  { url: 'https://vkvideo.ru/@mobidevices/all', id: '@mobidevices', kind: 'channel' },
  { url: 'https://live.vkvideo.ru/panterka', id: 'panterka', kind: 'live' },
  { url: 'https://vkplay.live/zitsmann/record/f5e6e3b5-dc52-4d14-965d-0680dd2882da', id: 'f5e6e3b5-dc52-4d14-965d-0680dd2882da', kind: 'vod' },
  { url: 'https://vk.cc/cvZ0Ab', id: null },
  { url: 'https://vk.com/id1', id: false },
  { url: 'https://vk.com/feed', id: false },
  { url: 'https://vk.com.evil.net/video-22822305_456241864', id: false },
  { url: 'https://notvk.com/video-22822305_456241864', id: false },
  { url: 'https://vk.com/video-1_abc', id: false },
];

/** A video, clip or wall post named by one path segment or a `z`/`w` query value. */
function fromItem(url: URL, item: string): Match | null {
  const media = MEDIA_RE.exec(item);
  if (media) {
    const extra: Record<string, string> = {};
    if (media[3]) extra.accessKey = media[3];
    const list = url.searchParams.get('list');
    if (list) extra.list = list;
    return matched(NAME, url, media[2]!, media[1], Object.keys(extra).length ? extra : undefined);
  }
  const wall = WALL_RE.exec(item);
  return wall ? matched(NAME, url, wall[1]!, 'post') : null;
}

/** /video_ext.php?oid=…&id=…&hash=…: the embedded player. */
function fromEmbed(url: URL): Match | null {
  const oid = url.searchParams.get('oid') ?? '';
  const id = url.searchParams.get('id') ?? '';
  if (!/^-?\d+$/.test(oid) || !/^\d+$/.test(id)) return null;
  const hash = url.searchParams.get('hash');
  return matched(NAME, url, `${oid}_${id}`, 'video', hash ? { hash } : undefined);
}

/** VK Video Live: /{streamer} is the stream, /{streamer}/record/{uuid} a recording. */
function fromLive(url: URL, segments: string[]): Match | null {
  const [streamer, section, record] = segments;
  if (!streamer || !STREAMER_RE.test(streamer)) return null;
  if (segments.length === 1) return matched(NAME, url, streamer, 'live');
  if (section === 'record' && record && UUID_RE.test(record)) return matched(NAME, url, record, 'vod', { streamer });
  return null;
}

/** Playlists and channels under /video/… on vk.com and at the root of vkvideo.ru. */
function fromCatalog(url: URL, segments: string[]): Match | null {
  const [first, second, third] = segments;
  if (first === 'playlist' && second && PLAYLIST_RE.test(second)) return matched(NAME, url, second, 'playlist');
  if (first && CHANNEL_RE.test(first) && (!second || (second === 'all' && !third))) return matched(NAME, url, first, 'channel');
  return null;
}

/** VK videos, clips, posts, playlists, channels and live streams. */
export const vk: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    if (hostIs(url.hostname, 'vk.cc')) return segments.length === 1 ? matched(NAME, url, null) : null;
    if (hostIn(url.hostname, LIVE_HOSTS)) return fromLive(url, segments);

    // A video layer opened over another page wins over the page itself.
    const z = url.searchParams.get('z');
    const overlay = z ? fromItem(url, z.split('/')[0]!) : null;
    if (overlay) return overlay;
    const w = url.searchParams.get('w');
    const wall = w ? fromItem(url, w) : null;
    if (wall) return wall;

    if (segments.length === 1 && segments[0] === 'video_ext.php') return fromEmbed(url);
    if (segments.length === 1) {
      const item = fromItem(url, segments[0]!);
      if (item) return item;
      const groupVideos = /^videos(-?\d+)$/.exec(segments[0]!);
      if (groupVideos) return matched(NAME, url, groupVideos[1]!, 'channel');
    }
    if (segments[0] === 'video') return fromCatalog(url, segments.slice(1));
    if (hostIs(url.hostname, 'vkvideo.ru')) return fromCatalog(url, segments);
    return null;
  },
};
