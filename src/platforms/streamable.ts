/**
 * Streamable URLs: streamable.com/{shortcode}, the embed (/e/{shortcode}[/{anything}]), the
 * original-file page (/o/{shortcode}) and the older share form (/s/{shortcode}/{suffix}), on the
 * bare and www. hosts. Site pages (login, pricing, …) are not shortcodes; the CDN hosts serve
 * plain files and are left to the generic extractor.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'streamable';
const HOSTS = ['streamable.com'] as const;
const SITE_HOSTS = new Set(['streamable.com', 'www.streamable.com']);

const SHORTCODE = /^[A-Za-z0-9]{2,12}$/;
/** Single path segments that are site pages, never a shortcode. */
const RESERVED = new Set([
  'login', 'signup', 'pricing', 'about', 'terms', 'privacy', 'blog', 'documentation', 'upload', 'videos', 'settings',
  'careers', 'clipper', 'community', 'support', 'enterprise', 'api', 'account', 'contact', 'dmca', 'tools',
  'features', 'embed', 'cookies', 'help', 'recordings', 'solutions', 'affiliates', 'billing', 'home', 'logout',
  'plans', 'upgrade', 'folders', 'analytics', 'legal', 'security', 'subscribe', 'teams', 'press', 'jobs',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://streamable.com/dnd1', id: 'dnd1', kind: 'video' },
  { url: 'https://streamable.com/moo', id: 'moo', kind: 'video' },
  { url: 'https://www.streamable.com/2f9kx8', id: '2f9kx8', kind: 'video' },
  { url: 'http://streamable.com/2f9kx8/', id: '2f9kx8', kind: 'video' },
  { url: 'https://streamable.com/e/dnd1', id: 'dnd1', kind: 'video' },
  { url: 'https://streamable.com/e/ohcj1x/noautoplay', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/o/ohcj1x', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/s/okkqk/drxjds', id: 'okkqk', kind: 'video' },
  { url: 'https://STREAMABLE.COM/ohcj1x?src=player-page-share', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/ohcj1x#t=12', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/', id: false },
  { url: 'https://streamable.com/login', id: false },
  { url: 'https://streamable.com/pricing', id: false },
  { url: 'https://streamable.com.evil.net/dnd1', id: false },
  { url: 'https://notstreamable.com/dnd1', id: false },
  { url: 'https://cdn-cf-east.streamable.com/video/mp4/ohcj1x.mp4', id: false },
];

function video(url: URL, code: string | undefined): Match | null {
  return code && SHORTCODE.test(code) && !RESERVED.has(code.toLowerCase()) ? matched(NAME, url, code, 'video') : null;
}

/** Streamable videos. */
export const streamable: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    if (!SITE_HOSTS.has(url.hostname.toLowerCase().replace(/\.$/, ''))) return null;
    const [first, second, ...rest] = pathSegments(url);
    if (first === 'e' || first === 's') return video(url, second);
    if (first === 'o') return rest.length === 0 ? video(url, second) : null;
    return second === undefined ? video(url, first) : null;
  },
};
