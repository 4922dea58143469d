/**
 * Pinterest URLs: pins (pinterest.com/pin/{id}/ and /pin/{title-slug}--{id}/, with any trailing
 * path such as /sent/) on pinterest.com, its country domains (pinterest.co.uk, .de, .com.au, …)
 * and country subdomains (uk., br., co.), plus the share links pin.it/{code} and
 * pinterest.com/url_shortener/{code}/redirect/, which are resolved. Boards and profiles are
 * collections, not a pin, and are left to the generic extractor.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'pinterest';
/** pinterest.com and the country domains Pinterest serves pins on; subdomains count. */
const HOSTS = [
  'pinterest.com', 'pin.it',
  'pinterest.at', 'pinterest.be', 'pinterest.ca', 'pinterest.ch', 'pinterest.cl', 'pinterest.co', 'pinterest.co.at',
  'pinterest.co.in', 'pinterest.co.kr', 'pinterest.co.nz', 'pinterest.co.uk', 'pinterest.com.au', 'pinterest.com.bo',
  'pinterest.com.br', 'pinterest.com.ec', 'pinterest.com.mx', 'pinterest.com.pe', 'pinterest.com.py',
  'pinterest.com.uy', 'pinterest.com.vn', 'pinterest.de', 'pinterest.dk', 'pinterest.ec', 'pinterest.es',
  'pinterest.fr', 'pinterest.hu', 'pinterest.id', 'pinterest.ie', 'pinterest.in', 'pinterest.info', 'pinterest.it',
  'pinterest.jp', 'pinterest.kr', 'pinterest.mx', 'pinterest.nl', 'pinterest.nz', 'pinterest.pe', 'pinterest.ph',
  'pinterest.pt', 'pinterest.ru', 'pinterest.se', 'pinterest.th', 'pinterest.tw', 'pinterest.uk', 'pinterest.vn',
] as const;

/** A pin path segment: the numeric id, optionally after a `title-slug--`. */
const PIN_SEGMENT = /^(?:[\w-]+--)?(\d{1,24})$/;
const SHORT_CODE = /^[A-Za-z0-9_-]{1,32}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.pinterest.com/pin/664281013778109217/', id: '664281013778109217', kind: 'pin' },
  { url: 'https://pinterest.com/pin/1084663891475263837', id: '1084663891475263837', kind: 'pin' },
  { url: 'https://www.pinterest.ca/pin/441282463481903715/', id: '441282463481903715', kind: 'pin' },
  { url: 'https://co.pinterest.com/pin/824721750502199491/', id: '824721750502199491', kind: 'pin' },
  { url: 'https://pinterest.com/pin/dive-into-serenity-blue-lagoon-pedi-nails-for-a-tranquil-and-refreshing-spa-experience-video-in-2024--2885187256207927', id: '2885187256207927', kind: 'pin' },
  { url: 'https://www.pinterest.co.uk/pin/306385580911098712/?mt=login', id: '306385580911098712', kind: 'pin' },
  { url: 'https://www.pinterest.de/pin/4925880829486795/sent/?invite_code=abc&sender=1', id: '4925880829486795', kind: 'pin' },
  { url: 'https://www.pinterest.com.au/pin/778700591836397470/', id: '778700591836397470', kind: 'pin' },
  { url: 'https://www.pinterest.com.mx/pin/562738915956958104/', id: '562738915956958104', kind: 'pin' },
  { url: 'https://www.pinterest.jp/pin/845058317597614592/', id: '845058317597614592', kind: 'pin' },
  { url: 'https://br.pinterest.com/pin/11470174048163776/', id: '11470174048163776', kind: 'pin' },
  { url: 'https://PIN.IT/4Xhp5Jc', id: null, kind: 'pin' },
  { url: 'https://api.pinterest.com/url_shortener/4Xhp5Jc/redirect/', id: null, kind: 'pin' },
  { url: 'https://pinterest.com/url_shortener/4Xhp5Jc/redirect/', id: null, kind: 'pin' },
  { url: 'https://www.pinterest.com/', id: false },
  { url: 'https://www.pinterest.ca/mashal0407/cool-diys/', id: false },
  { url: 'https://www.pinterest.com/ideas/', id: false },
  { url: 'https://www.pinterest.com/pin/not-a-pin/', id: false },
  { url: 'https://pinterest.com.evil.net/pin/664281013778109217/', id: false },
  { url: 'https://notpinterest.com/pin/664281013778109217/', id: false },
  { url: 'https://pin.it.evil.net/4Xhp5Jc', id: false },
];

/** Pinterest pins and their share links. */
export const pinterest: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const [first, second, third] = pathSegments(url);
    if (hostIn(url.hostname, ['pin.it'])) return first && !second && SHORT_CODE.test(first) ? matched(NAME, url, null, 'pin') : null;
    if (first === 'url_shortener') return second && SHORT_CODE.test(second) && (third === undefined || third === 'redirect') ? matched(NAME, url, null, 'pin') : null;
    if (first !== 'pin') return null;
    const id = PIN_SEGMENT.exec(second ?? '')?.[1];
    return id ? matched(NAME, url, id, 'pin') : null;
  },
};
