/**
 * Pinterest URLs: pins (pinterest.com/pin/{id}/ and /pin/{title-slug}--{id}/, with any trailing
 * path such as /sent/) on pinterest.com, its country domains (pinterest.co.uk, .de, .com.au, …)
 * and country subdomains (uk., br., co.), plus the share links pin.it/{code} and
 * pinterest.com/url_shortener/{code}/redirect/, which are resolved. Boards and profiles are
 * collections, not a pin, and are left to the generic extractor.
 *
 * Extraction, without login:
 * - `GET https://www.pinterest.com/resource/PinResource/get/?data={"options":{"id":…,"field_set_key":"detailed"}}`
 *   with `X-Pinterest-PWS-Handler: www/[username].js` (the web app's own resource API) answers
 *   `{resource_response: {status, data: pin}}`; a missing pin is HTTP 404 / `error.http_status` 404.
 * - When the API refuses, the pin page (`/pin/{id}/`) carries the same pin object in its
 *   `__PWS_DATA__` / `__PWS_INITIAL_PROPS__` script JSON (`initialReduxState.pins[id]`).
 * A pin gives: `videos.video_list` (V_HLSV4 / V_HLSV3_* HLS playlists, V_720P / V_EXP* mp4), or
 * `story_pin_data.pages[].blocks[]` (idea pins: video and image blocks, one entry each), or
 * `carousel_data.carousel_slots[]` (image entries), else `images.orig` (a photo). A pin that only
 * embeds another site's player (`embed.src`) is handed to that platform.
 */
import { hostIn, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, isDownloadError } from '../utils/errors.js';
import { hlsFormats } from './manifests.js';
import { absoluteUrl, compact, num, scriptJson, str, tryParseJson, unixSeconds } from './page.js';

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

/** One variant of `video_list` (V_HLSV4, V_720P, V_EXP7, …). */
interface PinVideoVariant {
  url?: string;
  width?: number;
  height?: number;
  /** Milliseconds. */
  duration?: number;
  thumbnail?: string;
}

interface PinVideo {
  id?: string;
  video_list?: Record<string, PinVideoVariant | null>;
}

interface PinImage {
  url?: string;
  width?: number;
  height?: number;
}

/** A block of an idea (story) pin page. */
interface StoryBlock {
  type?: string;
  video?: PinVideo | null;
  image?: { images?: Record<string, PinImage | null> } | null;
}

interface PinUser {
  id?: string;
  username?: string;
  full_name?: string;
}

/** The pin object of PinResource (`field_set_key: detailed`) and of the page's redux state (fields we use). */
interface Pin {
  id?: string;
  title?: string;
  grid_title?: string;
  description?: string;
  seo_description?: string;
  closeup_unified_description?: string;
  created_at?: string;
  hashtags?: string[];
  domain?: string;
  repin_count?: number;
  reaction_counts?: Record<string, number>;
  images?: Record<string, PinImage | null> | null;
  videos?: PinVideo | null;
  story_pin_data?: { pages?: Array<{ blocks?: StoryBlock[] | null } | null> } | null;
  carousel_data?: { carousel_slots?: Array<{ id?: string; title?: string; images?: Record<string, PinImage | null> }> } | null;
  embed?: { src?: string; type?: string } | null;
  pinner?: PinUser | null;
  closeup_attribution?: PinUser | null;
}

/** The resource API's envelope. */
interface ResourceAnswer {
  resource_response?: {
    status?: string;
    message?: string;
    data?: Pin | null;
    error?: { http_status?: number; message?: string } | null;
  };
}

/** The pin page's server state, in either of the script tags the web app has used. */
interface PageState {
  props?: { initialReduxState?: { pins?: Record<string, Pin> } };
  initialReduxState?: { pins?: Record<string, Pin> };
}

/** Headers the web app sends to its resource API; without the handler the API answers 403. */
const API_HEADERS = {
  accept: 'application/json, text/javascript, */*, q=0.01',
  'x-requested-with': 'XMLHttpRequest',
  'x-pinterest-appstate': 'active',
  'x-pinterest-pws-handler': 'www/[username].js',
};

const IMAGE_EXT = /\.(jpe?g|png|gif|webp)(?:$|\?)/i;

/** One downloadable thing inside a pin: its formats and what is known of it alone. */
interface Item {
  formats: Format[];
  durationSec?: number;
  thumbnail?: string;
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  const url = `https://www.pinterest.com/pin/${id}/`;
  const pin = (await pinFromApi(id, ctx)) ?? (await pinFromPage(id, url, ctx));
  const items = await pinItems(pin, ctx);
  const meta = metadata(pin, id, url);
  if (items.length === 0) {
    const embed = str(pin.embed?.src);
    if (embed && ctx.extractUrl) return ctx.extractUrl(embed);
    throw new DownloadError('content.not_found', 'This pin has no video or image.', { platform: NAME, url });
  }
  if (items.length === 1) return compact<MediaInfo>({ ...meta, ...itemFields(items[0]!, meta.thumbnail) });
  const limit = ctx.config.playlistLimit;
  return compact<MediaInfo>({
    ...meta,
    formats: [],
    entries: items.slice(0, limit).map((item, i) =>
      compact<MediaInfo>({ ...meta, id: `${id}_${i + 1}`, title: `${meta.title} (${i + 1})`, ...itemFields(item, meta.thumbnail) }),
    ),
    entriesTotal: items.length > limit ? items.length : undefined,
  });
}

/** The pin from the resource API; undefined when the API refused (the page is tried next). */
async function pinFromApi(id: string, ctx: ExtractContext): Promise<Pin | undefined> {
  const res = await ctx.http.request('https://www.pinterest.com/resource/PinResource/get/', requestOptions(ctx, NAME, {
    headers: API_HEADERS,
    query: { source_url: `/pin/${id}/`, data: JSON.stringify({ options: { id, field_set_key: 'detailed' }, context: {} }) },
    throwOnStatus: false,
  }));
  const text = await res.body.text();
  if (res.status === 404) throw notFoundPin(id);
  if (res.status === 429) throw new DownloadError('fetch.rate_limited', undefined, { platform: NAME, url: res.url, status: 429 });
  const answer = tryParseJson<ResourceAnswer>(text);
  if (answer === undefined) {
    ctx.logger.warn({ platform: NAME, status: res.status }, 'PinResource answered with something that is not JSON; reading the pin page');
    return undefined;
  }
  const response = answer.resource_response;
  if (response?.error?.http_status === 404) throw notFoundPin(id);
  if (res.status < 400 && response?.data && typeof response.data === 'object') return response.data;
  ctx.logger.warn({ platform: NAME, status: res.status, message: response?.message }, 'PinResource refused the pin; reading the pin page');
  return undefined;
}

/** The pin from the page's embedded state. */
async function pinFromPage(id: string, url: string, ctx: ExtractContext): Promise<Pin> {
  const html = await ctx.http.text(url, requestOptions(ctx, NAME, { headers: { accept: 'text/html,application/xhtml+xml' } }));
  if (/"__typename"\s*:\s*"PinNotFound"/.test(html)) throw notFoundPin(id);
  const state = scriptJson<PageState>(html, '__PWS_DATA__') ?? scriptJson<PageState>(html, '__PWS_INITIAL_PROPS__');
  const pins = state?.props?.initialReduxState?.pins ?? state?.initialReduxState?.pins;
  const pin = pins?.[id];
  if (!pin) {
    throw new DownloadError('fetch.failed', 'The pin page did not carry the pin (the page layout may have changed).', { platform: NAME, url }, { retriable: false });
  }
  return pin;
}

function notFoundPin(id: string): DownloadError {
  return new DownloadError('content.not_found', 'The pin was not found (removed or never existed).', { platform: NAME, url: `https://www.pinterest.com/pin/${id}/` });
}

/** Everything downloadable in the pin, in display order. */
async function pinItems(pin: Pin, ctx: ExtractContext): Promise<Item[]> {
  const pages = pin.story_pin_data?.pages ?? [];
  if (pages.length > 0) {
    const items: Item[] = [];
    for (const block of pages.flatMap((page) => page?.blocks ?? [])) {
      if (block.video?.video_list) items.push(await videoItem(block.video, ctx));
      else if (block.image?.images) items.push(imageItem(block.image.images, 'originals'));
    }
    if (items.length > 0) return items;
  }
  const slots = pin.carousel_data?.carousel_slots ?? [];
  if (slots.length > 0) return slots.map((slot) => carouselItem(slot.images ?? {})).filter((item) => item.formats.length > 0);
  if (pin.videos?.video_list) return [await videoItem(pin.videos, ctx)];
  // an embedded player (YouTube, Vimeo…) only has a poster image here: let that site answer
  if (str(pin.embed?.src) && pin.domain?.toLowerCase() !== 'uploaded by user' && ctx.extractUrl) return [];
  const image = imageItem(pin.images ?? {}, 'orig');
  return image.formats.length > 0 ? [image] : [];
}

/** A video's variants: mp4 files directly, HLS playlists through their manifests. */
async function videoItem(video: PinVideo, ctx: ExtractContext): Promise<Item> {
  const formats: Format[] = [];
  const seen = new Set<string>();
  let durationSec: number | undefined;
  let thumbnail: string | undefined;
  for (const [key, variant] of Object.entries(video.video_list ?? {})) {
    const url = absoluteUrl(variant?.url);
    if (!variant || !url || seen.has(url)) continue;
    seen.add(url);
    durationSec ??= num(variant.duration) !== undefined ? num(variant.duration)! / 1000 : undefined;
    thumbnail ??= absoluteUrl(variant.thumbnail);
    if (/hls/i.test(key) || /\.m3u8(?:$|\?)/.test(url)) {
      formats.push(...(await hlsVariants(ctx, url, key)));
    } else {
      formats.push(
        compact<Format>({ id: key, url, protocol: 'https', container: 'mp4', width: num(variant.width), height: num(variant.height) }),
      );
    }
  }
  if (formats.length === 0) throw new DownloadError('fetch.failed', 'The pin video has no playable variant.', { platform: NAME }, { retriable: false });
  return compact<Item>({ formats, durationSec, thumbnail });
}

/** An HLS playlist's variants; a playlist that fails is logged and skipped (the mp4 variants remain). */
async function hlsVariants(ctx: ExtractContext, url: string, key: string): Promise<Format[]> {
  try {
    return await hlsFormats(ctx, url, { platform: NAME, idPrefix: key });
  } catch (error) {
    if (!isDownloadError(error) || error.code === 'fetch.rate_limited') throw error;
    ctx.logger.warn({ platform: NAME, variant: key, code: error.code }, 'an HLS playlist of the pin failed; skipping it');
    return [];
  }
}

/** An image from a map of sizes: `orig`/`originals` first, then every other size. */
function imageItem(images: Record<string, PinImage | null>, best: string): Item {
  const formats: Format[] = [];
  const seen = new Set<string>();
  const keys = Object.keys(images).sort((a, b) => Number(b === best) - Number(a === best));
  for (const key of keys) {
    const image = images[key];
    const url = absoluteUrl(image?.url);
    if (!image || !url || seen.has(url)) continue;
    seen.add(url);
    formats.push(imageFormat(key, url, image));
  }
  return { formats, thumbnail: formats[0]?.url };
}

/** A carousel slot lists a resized image; the same path under /originals/ is the full one. */
function carouselItem(images: Record<string, PinImage | null>): Item {
  const [size, image] = Object.entries(images).find(([, v]) => !!v?.url) ?? [];
  const url = absoluteUrl(image?.url);
  if (!size || !image || !url) return { formats: [] };
  const original = url.replace(`/${size}/`, '/originals/');
  return { formats: [imageFormat('orig', original, original === url ? image : {})], thumbnail: url };
}

function imageFormat(id: string, url: string, image: PinImage): Format {
  const ext = IMAGE_EXT.exec(url)?.[1]?.toLowerCase().replace('jpeg', 'jpg') ?? 'jpg';
  return compact<Format>({ id, url, protocol: 'https', container: ext, image: true, width: num(image.width), height: num(image.height) });
}

function itemFields(item: Item, fallbackThumbnail: string | undefined): Pick<MediaInfo, 'formats' | 'durationSec' | 'thumbnail'> {
  return { formats: item.formats, durationSec: item.durationSec, thumbnail: item.thumbnail ?? fallbackThumbnail };
}

/** Title, uploader, time, counts and tags of a pin. */
function metadata(pin: Pin, id: string, url: string): MediaInfo & { title: string } {
  const description = str(pin.description) ?? str(pin.closeup_unified_description) ?? str(pin.seo_description);
  const user = pin.pinner ?? pin.closeup_attribution ?? undefined;
  const reactions = Object.values(pin.reaction_counts ?? {}).filter((n): n is number => typeof n === 'number');
  const tags = (pin.hashtags ?? []).map((t) => t.replace(/^#/, '')).filter(Boolean);
  return compact({
    platform: NAME,
    id,
    url,
    title: str(pin.title) ?? str(pin.grid_title) ?? description?.split('\n')[0]?.slice(0, 100) ?? `Pinterest pin ${id}`,
    description,
    uploader: str(user?.full_name) ?? str(user?.username),
    uploaderId: str(user?.username),
    timestamp: unixSeconds(pin.created_at),
    likeCount: reactions.length ? reactions.reduce((a, b) => a + b, 0) : undefined,
    tags: tags.length ? tags : undefined,
    thumbnail: absoluteUrl(pin.images?.orig?.url),
    formats: [],
  });
}

/** Pinterest pins and their share links. */
export const pinterest: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const [first, second, third] = pathSegments(url);
    if (hostIn(url.hostname, ['pin.it'])) return first && !second && SHORT_CODE.test(first) ? matched(NAME, url, null, 'pin') : null;
    if (first === 'url_shortener') return second && SHORT_CODE.test(second) && (third === undefined || third === 'redirect') ? matched(NAME, url, null, 'pin') : null;
    if (first !== 'pin') return null;
    const id = PIN_SEGMENT.exec(second ?? '')?.[1];
    return id ? matched(NAME, url, id, 'pin') : null;
  },

  extract,
};
