/**
 * Vimeo URLs: vimeo.com/{id} and vimeo.com/{id}/{unlisted hash}, vimeo.com/video(s)/{id},
 * player.vimeo.com/video/{id}?h={hash}, videos inside channels, groups, albums and showcases,
 * review pages (/{user}/review/{id}/{hash}), On Demand films (/ondemand/{film}[/{id}]), live
 * events (/event/{id}[/embed|/{hash}|/videos/{id}]) and albums/showcases as playlists.
 * Custom video URLs (vimeo.com/{user}/{slug}) carry no id and are left to the generic extractor.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'vimeo';
const HOSTS = ['vimeo.com'] as const;

const VIDEO_ID = /^\d+$/;
/** Unlisted videos are shared with a 10-hex-digit hash after the id (or as ?h= on the player). */
const UNLISTED_HASH = /^[0-9a-f]{10}$/;
/** Album and showcase ids are numeric, newer showcases may use a custom slug. */
const COLLECTION_ID = /^[\w-]+$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://vimeo.com/76979871', id: '76979871', kind: 'video' },
  { url: 'http://vimeo.com/56015672#at=0', id: '56015672', kind: 'video' },
  { url: 'https://www.vimeo.com/7809605?share=copy', id: '7809605', kind: 'video' },
  { url: 'https://vimeo.com/160743502/abd0e13fb4', id: '160743502', kind: 'video' },
  { url: 'https://player.vimeo.com/video/54469442', id: '54469442', kind: 'video' },
  { url: 'https://player.vimeo.com/video/756714419?h=2b1d4e5f6a&badge=0', id: '756714419', kind: 'video' },
  { url: 'http://vimeo.com/channels/keypeele/75629013', id: '75629013', kind: 'video' },
  { url: 'https://vimeo.com/groups/travelhd/videos/22439234', id: '22439234', kind: 'video' },
  { url: 'https://vimeo.com/album/2632481/video/79010983', id: '79010983', kind: 'video' },
  { url: 'https://vimeo.com/showcase/3253534/video/119195465', id: '119195465', kind: 'video' },
  { url: 'https://vimeo.com/user170863801/review/996447483/a316d6ed8d', id: '996447483', kind: 'video' },
  { url: 'https://VIMEO.COM/video/68375962/', id: '68375962', kind: 'video' },
  { url: 'https://vimeo.com/ondemand/36938/126682985', id: '126682985', kind: 'video' },
  { url: 'https://vimeo.com/ondemand/nazmaalik', id: 'nazmaalik', kind: 'ondemand' },
  { url: 'https://vimeo.com/event/5116195', id: '5116195', kind: 'live' },
  { url: 'https://vimeo.com/event/5034253/embed', id: '5034253', kind: 'live' },
  { url: 'https://vimeo.com/event/595460/videos/498149131/', id: '498149131', kind: 'video' },
  { url: 'https://vimeo.com/showcase/3253534', id: '3253534', kind: 'playlist' },
  { url: 'https://vimeo.com/album/2632481', id: '2632481', kind: 'playlist' },
  { url: 'https://vimeo.com.example.org/76979871', id: false },
  { url: 'https://notvimeo.com/76979871', id: false },
  { url: 'https://vimeo.com/features', id: false },
  { url: 'https://vimeo.com/channels/staffpicks', id: false },
  { url: 'https://vimeo.com/76979871/not-a-hash', id: false },
  { url: 'ftp://vimeo.com/76979871', id: false },
];

/** A video id, with the unlisted hash when the URL carries one. */
function video(url: URL, id: string | undefined, hash?: string | null): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  if (hash && !UNLISTED_HASH.test(hash)) hash = undefined;
  return matched(NAME, url, id, 'video', hash ? { hash } : undefined);
}

/** vimeo.com/{id}[/{hash}] and vimeo.com/video(s)/{id}[/{hash}]. */
function direct(url: URL, [first, second, third]: string[]): Match | null {
  if (first === 'video' || first === 'videos') return direct(url, [second ?? '', third ?? ''].filter(Boolean));
  if (!first || !VIDEO_ID.test(first)) return null;
  if (second !== undefined && !UNLISTED_HASH.test(second)) return null;
  return video(url, first, second ?? url.searchParams.get('h'));
}

/** player.vimeo.com/video/{id}?h={hash}. */
function player(url: URL, segments: string[]): Match | null {
  if (segments[0] !== 'video') return null;
  return video(url, segments[1], segments[2] ?? url.searchParams.get('h'));
}

/** vimeo.com/event/{id}[/embed][/{hash}]: the live event itself, or /videos/{id}: one of its archived videos. */
function event(url: URL, [, id, next, last]: string[]): Match | null {
  if (!id || !VIDEO_ID.test(id)) return null;
  if (next === 'videos') return video(url, last);
  const hash = next === 'embed' ? last : next;
  if (hash !== undefined && !UNLISTED_HASH.test(hash)) return null;
  return matched(NAME, url, id, 'live', hash ? { hash } : undefined);
}

/** /channels/{c}/{id}, /groups/{g}/videos/{id}, /album|showcase/{a}[/video/{id}], /ondemand/{film}[/{id}]. */
function nested(url: URL, segments: string[]): Match | null {
  const [first, name, third, fourth] = segments;
  if (!name) return null;
  switch (first) {
    case 'channels':
      return video(url, third, fourth);
    case 'groups':
      return third === 'videos' ? video(url, fourth) : null;
    case 'album':
    case 'showcase':
      if (third === undefined || third === 'embed') return COLLECTION_ID.test(name) ? matched(NAME, url, name, 'playlist') : null;
      return third === 'video' ? video(url, fourth) : null;
    case 'ondemand':
      if (third !== undefined) return video(url, third);
      return COLLECTION_ID.test(name) ? matched(NAME, url, name, 'ondemand') : null;
    default:
      // /{user}/review/{id}/{hash}
      return name === 'review' && fourth && UNLISTED_HASH.test(fourth) ? video(url, third, fourth) : null;
  }
}

/** Vimeo videos, unlisted videos, events, On Demand films and showcases. */
export const vimeo: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const segments = pathSegments(url);
    if (host === 'player.vimeo.com') return player(url, segments);
    if (host !== 'vimeo.com' && host !== 'www.vimeo.com') return null;
    if (segments[0] === 'event') return event(url, segments);
    return direct(url, segments) ?? nested(url, segments);
  },
};
