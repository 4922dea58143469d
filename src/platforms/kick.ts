/**
 * Kick (kick.com, www.kick.com, player.kick.com). Knows:
 * - a channel's live stream: /{channel} and the embed player player.kick.com/{channel}
 *   (id the channel slug; site pages such as /categories or /search are never channels);
 * - VODs: /{channel}/videos/{uuid} and /video/{uuid};
 * - clips: /{channel}/clips/clip_{id} and /{channel}?clip=clip_{id}.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'kick';
const HOSTS = ['kick.com'] as const;

const CHANNEL_RE = /^[\w-]{2,32}$/;
const UUID_RE = /^[\da-f]{8}-(?:[\da-f]{4}-){3}[\da-f]{12}$/i;
const CLIP_RE = /^clip_[\w-]+$/;
/** First path segments that are site pages, not channels. */
const RESERVED = new Set([
  'about', 'affiliate', 'api', 'app', 'auth', 'blog', 'browse', 'categories', 'category', 'clips', 'community-guidelines',
  'contact', 'cookie-policy', 'copyright', 'dashboard', 'dmca-policy', 'download', 'faq', 'following', 'help', 'legal',
  'login', 'messages', 'notifications', 'partners', 'privacy-policy', 'search', 'settings', 'signup', 'subscriptions',
  'support', 'terms', 'terms-of-service', 'transactions', 'video', 'videos', 'wallet',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://kick.com/buddha', id: 'buddha', kind: 'live' },
  { url: 'https://www.kick.com/xqc/', id: 'xqc', kind: 'live' },
  { url: 'https://KICK.COM/a-log-burner?ref=share', id: 'a-log-burner', kind: 'live' },
  { url: 'https://player.kick.com/xqc?autoplay=true', id: 'xqc', kind: 'live' },
  { url: 'https://kick.com/xqc/videos/5c697a87-afce-4256-b01f-3c8fe71ef5cb', id: '5c697a87-afce-4256-b01f-3c8fe71ef5cb', kind: 'vod' },
  { url: 'https://kick.com/a-log-burner/videos/5230df84-ea38-46e1-be4f-f5949ae55641?t=120', id: '5230df84-ea38-46e1-be4f-f5949ae55641', kind: 'vod' },
  { url: 'https://kick.com/video/5c697a87-afce-4256-b01f-3c8fe71ef5cb', id: '5c697a87-afce-4256-b01f-3c8fe71ef5cb', kind: 'vod' },
  { url: 'https://kick.com/spreen/clips/clip_01J8RGZRKHXHXXKJEHGRM932A5', id: 'clip_01J8RGZRKHXHXXKJEHGRM932A5', kind: 'clip' },
  { url: 'https://kick.com/mxddy?clip=clip_01GYXVB5Y8PWAPWCWMSBCFB05X', id: 'clip_01GYXVB5Y8PWAPWCWMSBCFB05X', kind: 'clip' },
  { url: 'https://kick.com/destiny/?foo=1&clip=clip_01H9SKET879NE7N9RJRRDS98J3', id: 'clip_01H9SKET879NE7N9RJRRDS98J3', kind: 'clip' },
  { url: 'https://kick.com/', id: false },
  { url: 'https://kick.com/categories/just-chatting', id: false },
  { url: 'https://kick.com/browse', id: false },
  { url: 'https://kick.com/search?query=xqc', id: false },
  { url: 'https://kick.com/following', id: false },
  { url: 'https://kick.com/dashboard/stream', id: false },
  { url: 'https://kick.com/xqc/videos/not-a-uuid', id: false },
  { url: 'https://kick.com.evil.net/xqc', id: false },
  { url: 'https://sidekick.com/xqc', id: false },
];

/** What follows a channel slug: nothing (the live stream), a clip query, a VOD or a clip. */
function fromChannel(url: URL, channel: string, rest: string[]): Match | null {
  if (!CHANNEL_RE.test(channel) || RESERVED.has(channel.toLowerCase())) return null;
  const [section, item] = rest;
  if (rest.length === 0) {
    const clip = url.searchParams.get('clip');
    if (clip) return CLIP_RE.test(clip) ? matched(NAME, url, clip, 'clip', { channel }) : null;
    return matched(NAME, url, channel, 'live');
  }
  if (rest.length !== 2 || !item) return null;
  if (section === 'videos' && UUID_RE.test(item)) return matched(NAME, url, item, 'vod', { channel });
  if (section === 'clips' && CLIP_RE.test(item)) return matched(NAME, url, item, 'clip', { channel });
  return null;
}

/** Kick live streams, VODs and clips. */
export const kick: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const host = url.hostname.replace(/\.$/, '');
    const segments = pathSegments(url);
    const [first, second] = segments;
    if (!first) return null;
    if (host === 'player.kick.com') return segments.length === 1 ? fromChannel(url, first, []) : null;
    if (host !== 'kick.com' && host !== 'www.kick.com') return null;
    if (first === 'video') return segments.length === 2 && UUID_RE.test(second!) ? matched(NAME, url, second!, 'vod') : null;
    return fromChannel(url, first, segments.slice(1));
  },
};
