/**
 * The generic extractor: any http(s) URL that no specific platform claims. A direct media link
 * is recognised by its Content-Type or its first bytes and never downloaded here; an HLS or
 * DASH manifest is expanded into its formats; a page is read (a bounded prefix) for
 * <video>/<audio> tags, Open Graph and Twitter card metadata and JSON-LD VideoObjects, and an
 * embedded player of a known platform is handed to that platform through ctx.extractUrl.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Parser } from 'htmlparser2';
import { matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { parseHlsPlaylist, splitCodecs } from '../media/hls.js';
import { parseMpd } from '../media/dash.js';
import { isoDurationSeconds } from '../media/iso-duration.js';
import { DownloadError, isDownloadError } from '../utils/errors.js';
import { header, resourceSize, type HttpResponse } from '../utils/http.js';
import { decodeText, str, tryParseJson, unixSeconds } from './page.js';
import { uniqueFormats } from './unique-formats.js';

const NAME = 'generic';
/** Bytes read to recognise a file by its signature. */
const SNIFF_BYTES = 4096;
/** A page is parsed from at most this prefix; players and metadata sit near the top. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** A manifest larger than this is refused (a long VOD MPD with a SegmentList is the big case). */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Extra fetches one extraction may make: manifests, untyped links, embedded pages. */
const MAX_FETCHES = 8;
/** Embedded players tried when a page has no media of its own. */
const MAX_EMBEDS = 4;
const ACCEPT_PAGE = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/**
 * Set while this extractor asks ctx.extractUrl whether an embed belongs to a known platform.
 * The platform manager hands unknown hosts back to `generic`; answering link.unsupported at
 * once (instead of fetching) turns the call into a cheap "is this a known platform?" probe
 * and makes page → embed → page recursion impossible.
 */
const probingEmbed = new AsyncLocalStorage<true>();

/** What a file is, as far as the pipeline cares. */
export interface MediaKind {
  /** mp4, webm, mp3, jpg, …; undefined when only the family is known. */
  container?: string;
  /** No video track (mp3, m4a, ogg, flac, wav, <audio>). */
  audio?: boolean;
  image?: boolean;
  /** The audio codec when the container implies it. */
  acodec?: string;
}

/** What a fetched resource is: a media file, a manifest, or a page to read. */
export type ResourceKind = { kind: 'media'; media: MediaKind } | { kind: 'hls' } | { kind: 'dash' } | { kind: 'html' };

const video = (container: string): MediaKind => ({ container });
const audio = (container: string, acodec?: string): MediaKind => ({ container, audio: true, ...(acodec ? { acodec } : {}) });
const image = (container: string): MediaKind => ({ container, image: true });

const TYPE_MEDIA: Record<string, MediaKind> = {
  'video/mp4': video('mp4'), 'video/x-m4v': video('mp4'), 'video/webm': video('webm'), 'video/x-matroska': video('mkv'),
  'video/quicktime': video('mov'), 'video/mp2t': video('ts'), 'video/x-flv': video('flv'), 'video/3gpp': video('3gp'),
  'video/ogg': video('ogv'), 'video/x-msvideo': video('avi'), 'video/mpeg': video('mpg'),
  'audio/mpeg': audio('mp3', 'mp3'), 'audio/mp3': audio('mp3', 'mp3'), 'audio/mp4': audio('m4a'), 'audio/x-m4a': audio('m4a'),
  'audio/aac': audio('aac', 'aac'), 'audio/aacp': audio('aac', 'aac'), 'audio/ogg': audio('ogg'), 'audio/opus': audio('opus', 'opus'),
  'audio/webm': audio('webm'), 'audio/flac': audio('flac', 'flac'), 'audio/x-flac': audio('flac', 'flac'),
  'audio/wav': audio('wav'), 'audio/x-wav': audio('wav'), 'audio/wave': audio('wav'), 'audio/vnd.wave': audio('wav'),
  'image/jpeg': image('jpg'), 'image/png': image('png'), 'image/gif': image('gif'), 'image/webp': image('webp'), 'image/avif': image('avif'),
};
const HLS_TYPES = new Set(['application/vnd.apple.mpegurl', 'application/x-mpegurl', 'application/mpegurl', 'audio/mpegurl', 'audio/x-mpegurl']);
const DASH_TYPES = new Set(['application/dash+xml']);
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

const EXTENSION_MEDIA: Record<string, MediaKind> = {
  mp4: video('mp4'), m4v: video('mp4'), mov: video('mov'), webm: video('webm'), mkv: video('mkv'), ts: video('ts'),
  flv: video('flv'), '3gp': video('3gp'), ogv: video('ogv'), avi: video('avi'),
  mp3: audio('mp3', 'mp3'), m4a: audio('m4a'), aac: audio('aac', 'aac'), ogg: audio('ogg'), oga: audio('ogg'),
  opus: audio('opus', 'opus'), flac: audio('flac', 'flac'), wav: audio('wav'),
};


/** Recognises a resource from its first bytes; anything without a signature is a page. */
export function sniffResource(bytes: Uint8Array): ResourceKind {
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  const startsWith = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const media = (kind: MediaKind): ResourceKind => ({ kind: 'media', media: kind });

  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'qt  ') return media(video('mov'));
    if (brand === 'M4A ' || brand === 'M4B ') return media(audio('m4a'));
    if (brand === 'avif' || brand === 'avis') return media(image('avif'));
    if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return media(image('heic'));
    return media(video('mp4'));
  }
  if (startsWith(0x1a, 0x45, 0xdf, 0xa3)) return media(video(ascii(0, 64).includes('webm') ? 'webm' : 'mkv'));
  if (ascii(0, 4) === 'OggS') return media(ascii(0, 128).includes('theora') ? video('ogv') : audio('ogg'));
  if (ascii(0, 4) === 'fLaC') return media(audio('flac', 'flac'));
  if (ascii(0, 4) === 'RIFF') {
    const form = ascii(8, 12);
    if (form === 'WAVE') return media(audio('wav'));
    if (form === 'WEBP') return media(image('webp'));
    if (form === 'AVI ') return media(video('avi'));
  }
  if (ascii(0, 3) === 'ID3') return media(audio('mp3', 'mp3'));
  if (startsWith(0xff, 0xd8, 0xff)) return media(image('jpg'));
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return media(image('png'));
  if (ascii(0, 4) === 'GIF8') return media(image('gif'));
  if (ascii(0, 3) === 'FLV' && bytes[3] === 1) return media(video('flv'));
  // MPEG-TS: a 0x47 sync byte at the start of every 188-byte packet
  if (bytes.length > 188 && bytes[0] === 0x47 && bytes[188] === 0x47 && (bytes.length <= 376 || bytes[376] === 0x47)) {
    return media(video('ts'));
  }
  // MPEG audio frame sync: 11 set bits; layer bits 00 mean an ADTS (AAC) header
  if (bytes[0] === 0xff && bytes[1] !== undefined && (bytes[1] & 0xe0) === 0xe0) {
    return (bytes[1] & 0x06) === 0 ? media(audio('aac', 'aac')) : media(audio('mp3', 'mp3'));
  }
  const text = Buffer.from(bytes.subarray(0, 2048)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('#EXTM3U')) return { kind: 'hls' };
  if (/<MPD[\s>]/.test(text)) return { kind: 'dash' };
  return { kind: 'html' };
}

/** Splits a Content-Type (or a type attribute) into its bare type and its parameters. */
function parseType(value: string | undefined): { mime?: string; charset?: string; codecs?: string[] } {
  if (!value) return {};
  const [mime = '', ...params] = value.split(';');
  const out: { mime?: string; charset?: string; codecs?: string[] } = {};
  if (mime.trim()) out.mime = mime.trim().toLowerCase();
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const val = param.slice(eq + 1).trim().replace(/^["']|["']$/g, '');
    if (key === 'charset') out.charset = val.toLowerCase();
    if (key === 'codecs') out.codecs = val.split(',').map((c) => c.trim()).filter(Boolean);
  }
  return out;
}

/** The resource a declared type names; null when the type says nothing useful (sniff instead). */
function resourceFromType(mime: string | undefined): ResourceKind | null {
  if (!mime) return null;
  if (HLS_TYPES.has(mime)) return { kind: 'hls' };
  if (DASH_TYPES.has(mime)) return { kind: 'dash' };
  if (HTML_TYPES.has(mime)) return { kind: 'html' };
  const media = TYPE_MEDIA[mime];
  if (media) return { kind: 'media', media };
  if (mime.startsWith('video/')) return { kind: 'media', media: {} };
  if (mime.startsWith('audio/')) return { kind: 'media', media: { audio: true } };
  if (mime.startsWith('image/')) return { kind: 'media', media: { image: true } };
  return null;
}

/** The resource a URL's file extension names, if any. */
function resourceFromExtension(url: string): ResourceKind | null {
  let path: string;
  try {
    path = new URL(url).pathname.toLowerCase();
  } catch {
    return null;
  }
  const ext = /\.([a-z0-9]{2,4})$/.exec(path)?.[1];
  if (!ext) return null;
  if (ext === 'm3u8') return { kind: 'hls' };
  if (ext === 'mpd') return { kind: 'dash' };
  const media = EXTENSION_MEDIA[ext];
  return media ? { kind: 'media', media } : null;
}

/** A page's duration: ISO 8601 (JSON-LD's PT1H2M3.5S) or plain seconds (og:video:duration) → seconds. */
export function parseIsoDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : isoDurationSeconds(text);
}

/** A media URL found on a page, with what the page said about it. */
export interface Candidate {
  url: string;
  /** `media`: use as is; `manifest`: fetch and expand; `unknown`: fetch the head to find out. */
  role: 'media' | 'manifest' | 'unknown';
  media?: MediaKind;
  codecs?: string[];
  width?: number;
  height?: number;
  /** Where it came from (video, source, audio, og:video, twitter:player:stream, json-ld). */
  from: string;
}

/** What a page says about itself and where its media is. */
export interface PageScan {
  title?: string;
  description?: string;
  thumbnail?: string;
  uploader?: string;
  durationSec?: number;
  timestamp?: number;
  /** Media the page itself carries. */
  candidates: Candidate[];
  /** Embedded players and player pages (iframe, og:video text/html, twitter:player, JSON-LD embedUrl). */
  embeds: string[];
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

/** Reads a page: tags, Open Graph / Twitter metadata and JSON-LD, URLs resolved against the page (and <base href>). */
export function scanPage(html: string, pageUrl: string): PageScan {
  let baseHref: string | undefined;
  const metas: Array<[string, string]> = [];
  const ldTexts: string[] = [];
  const tagMedia: Array<{ raw: string; type?: string; audio: boolean; from: string }> = [];
  const iframes: string[] = [];
  let poster: string | undefined;
  let title: string | undefined;
  let mediaParent: 'video' | 'audio' | null = null;
  let svgDepth = 0;
  let capture: 'title' | 'ld' | null = null;
  let captured = '';

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        switch (name) {
          case 'base':
            baseHref ??= attrs.href;
            break;
          case 'meta': {
            const key = (attrs.property ?? attrs.name ?? attrs.itemprop)?.trim().toLowerCase();
            if (key && attrs.content !== undefined) metas.push([key, attrs.content.trim()]);
            break;
          }
          case 'video':
          case 'audio': {
            mediaParent = name;
            if (name === 'video' && attrs.poster) poster ??= attrs.poster;
            const src = attrs.src ?? attrs['data-src'];
            if (src) tagMedia.push({ raw: src, audio: name === 'audio', from: name, ...(attrs.type ? { type: attrs.type } : {}) });
            break;
          }
          case 'source': {
            const src = attrs.src ?? attrs['data-src'];
            if (mediaParent && src) {
              tagMedia.push({ raw: src, audio: mediaParent === 'audio', from: 'source', ...(attrs.type ? { type: attrs.type } : {}) });
            }
            break;
          }
          case 'iframe': {
            const src = attrs.src ?? attrs['data-src'];
            if (src) iframes.push(src);
            break;
          }
          case 'svg':
            svgDepth++;
            break;
          case 'title':
            if (title === undefined && svgDepth === 0) [capture, captured] = ['title', ''];
            break;
          case 'script':
            if (attrs.type?.trim().toLowerCase() === 'application/ld+json') [capture, captured] = ['ld', ''];
            break;
        }
      },
      ontext(text) {
        if (capture && captured.length < MAX_PAGE_BYTES) captured += text;
      },
      onclosetag(name) {
        if (name === 'video' || name === 'audio') mediaParent = null;
        else if (name === 'svg') svgDepth = Math.max(0, svgDepth - 1);
        else if (name === 'title' && capture === 'title') title = captured.replace(/\s+/g, ' ').trim();
        else if (name === 'script' && capture === 'ld') ldTexts.push(captured);
        if (name === 'title' || name === 'script') capture = null;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();

  const base = resolveUrl(baseHref, pageUrl) ?? pageUrl;
  const resolve = (raw: string | undefined) => resolveUrl(raw, base);
  const meta = new Map<string, string>();
  for (const [k, v] of metas) if (v && !meta.has(k)) meta.set(k, v);

  const candidates: Candidate[] = [];
  const embeds: string[] = [];
  const addCandidate = (raw: string | undefined, from: string, hints: { type?: string; audio?: boolean; width?: unknown; height?: unknown }) => {
    const url = resolve(raw);
    if (!url) return;
    const type = parseType(hints.type);
    const declared = resourceFromType(type.mime);
    const kind = declared ?? resourceFromExtension(url);
    const c: Candidate = { url, role: 'unknown', from };
    if (kind?.kind === 'hls' || kind?.kind === 'dash') c.role = 'manifest';
    else if (kind?.kind === 'media') {
      c.role = 'media';
      c.media = hints.audio ? { ...kind.media, audio: true } : kind.media;
    } else if (hints.audio) c.media = { audio: true };
    if (type.codecs) c.codecs = type.codecs;
    const width = num(hints.width);
    const height = num(hints.height);
    if (width) c.width = width;
    if (height) c.height = height;
    candidates.push(c);
  };

  // Open Graph video: og:video / og:video:url / og:video:secure_url start or extend a group;
  // :type/:width/:height describe the latest group.
  type OgVideo = { urls: Map<string, string>; type?: string; width?: string; height?: string };
  const ogVideos: OgVideo[] = [];
  for (const [key, value] of metas) {
    const m = /^og:video(?::(url|secure_url|type|width|height))?$/.exec(key);
    if (!m) continue;
    const field = m[1] ?? 'video';
    let current = ogVideos[ogVideos.length - 1];
    if (field === 'video' || field === 'url' || field === 'secure_url') {
      if (!current || current.urls.has(field)) ogVideos.push((current = { urls: new Map() }));
      current.urls.set(field, value);
    } else {
      if (!current) ogVideos.push((current = { urls: new Map() }));
      current[field as 'type' | 'width' | 'height'] = value;
    }
  }
  for (const og of ogVideos) {
    const raw = og.urls.get('secure_url') ?? og.urls.get('url') ?? og.urls.get('video');
    const url = resolve(raw);
    if (!url) continue;
    const mime = parseType(og.type).mime;
    if (mime === 'application/x-shockwave-flash') continue;
    const declared = resourceFromType(mime);
    if (mime === 'text/html' || (!declared && !resourceFromExtension(url))) embeds.push(url);
    else addCandidate(url, 'og:video', { ...(og.type ? { type: og.type } : {}), width: og.width, height: og.height });
  }

  const stream = meta.get('twitter:player:stream');
  if (stream) {
    const type = meta.get('twitter:player:stream:content_type');
    addCandidate(stream, 'twitter:player:stream', type ? { type } : {});
  }

  const videoObjects: Record<string, unknown>[] = [];
  // a page's broken JSON-LD is common and says nothing about its video tags: it is skipped
  for (const text of ldTexts) collectVideoObjects(tryParseJson(text), videoObjects, 0);
  for (const vo of videoObjects) {
    const audioObject = /AudioObject/.test(String(vo['@type']));
    const encoding = str(vo.encodingFormat);
    for (const raw of ([] as unknown[]).concat(vo.contentUrl ?? [])) {
      addCandidate(str(raw), 'json-ld', {
        ...(encoding?.includes('/') ? { type: encoding } : {}),
        audio: audioObject,
        width: quantity(vo.width),
        height: quantity(vo.height),
      });
    }
    const embedUrl = resolve(str(vo.embedUrl));
    if (embedUrl) embeds.push(embedUrl);
  }

  for (const t of tagMedia) addCandidate(t.raw, t.from, { audio: t.audio, ...(t.type ? { type: t.type } : {}) });

  const player = resolve(meta.get('twitter:player'));
  if (player) embeds.push(player);
  for (const raw of iframes) {
    const url = resolve(raw);
    if (url) embeds.push(url);
  }

  const vo = videoObjects[0] ?? {};
  const scan: PageScan = { candidates: mergeCandidates(candidates), embeds: [...new Set(embeds)] };
  const pick = (...values: Array<string | undefined>) => values.find((v) => v !== undefined && v !== '');
  const pageTitle = pick(meta.get('og:title'), str(vo.name), meta.get('twitter:title'), title);
  if (pageTitle) scan.title = pageTitle;
  const description = pick(meta.get('og:description'), str(vo.description), meta.get('twitter:description'), meta.get('description'));
  if (description) scan.description = description;
  const thumbnail = resolve(
    pick(meta.get('og:image:secure_url'), meta.get('og:image'), meta.get('og:image:url'), imageUrl(vo.thumbnailUrl), imageUrl(vo.thumbnail),
      meta.get('twitter:image'), meta.get('twitter:image:src'), poster),
  );
  if (thumbnail) scan.thumbnail = thumbnail;
  const uploader = pick(personName(vo.author), meta.get('og:site_name'));
  if (uploader) scan.uploader = uploader;
  const durationSec = parseIsoDuration(vo.duration) ?? parseIsoDuration(meta.get('og:video:duration') ?? meta.get('video:duration'));
  if (durationSec !== undefined) scan.durationSec = durationSec;
  const timestamp = unixSeconds(str(vo.uploadDate) ?? str(vo.datePublished));
  if (timestamp !== undefined) scan.timestamp = timestamp;
  return scan;
}

/** An absolute http(s) URL from a page's attribute value; data:, blob: and script URLs are not media. */
function resolveUrl(raw: string | undefined, base: string): string | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  try {
    const url = new URL(text, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Collects schema.org VideoObject/AudioObject nodes from anywhere in a JSON-LD document (@graph, arrays, nesting). */
function collectVideoObjects(node: unknown, out: Record<string, unknown>[], depth: number): void {
  if (depth > 12 || out.length >= 32 || !node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) collectVideoObjects(item, out, depth + 1);
    return;
  }
  const obj = node as Record<string, unknown>;
  const types = ([] as unknown[]).concat(obj['@type'] ?? []).map(String);
  if (types.some((t) => /^(?:https?:\/\/schema\.org\/)?(?:VideoObject|AudioObject)$/i.test(t))) out.push(obj);
  for (const value of Object.values(obj)) if (value && typeof value === 'object') collectVideoObjects(value, out, depth + 1);
}

/** A schema.org image value (URL, ImageObject, or a list of either) → its first URL. */
function imageUrl(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return str(first);
  if (first && typeof first === 'object') return str((first as Record<string, unknown>).url) ?? str((first as Record<string, unknown>).contentUrl);
  return undefined;
}

/** A schema.org author (text, Person/Organization, or a list) → a name. */
function personName(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return str(first);
  if (first && typeof first === 'object') return str((first as Record<string, unknown>).name);
  return undefined;
}

/** A schema.org dimension: a number, "1280", "1280 px" or a QuantitativeValue. */
function quantity(value: unknown): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>).value : value;
}

/** One candidate per URL; a later mention fills in what an earlier one did not say. */
function mergeCandidates(list: Candidate[]): Candidate[] {
  const byUrl = new Map<string, Candidate>();
  for (const c of list) {
    const seen = byUrl.get(c.url);
    if (!seen) {
      byUrl.set(c.url, { ...c });
      continue;
    }
    if (seen.role === 'unknown' && c.role !== 'unknown') {
      seen.role = c.role;
      if (c.media) seen.media = c.media;
    }
    seen.codecs ??= c.codecs;
    seen.width ??= c.width;
    seen.height ??= c.height;
  }
  return [...byUrl.values()];
}

/** A Format for a media file at `url`, from what is known about it. */
function mediaFormat(url: string, media: MediaKind | undefined, hints: Partial<Candidate> = {}): Format {
  const format: Format = { id: media?.container ?? 'direct', url, protocol: 'https' };
  if (media?.container) format.container = media.container;
  if (media?.image) format.image = true;
  if (media?.audio) format.vcodec = null;
  if (media?.acodec) format.acodec = media.acodec;
  if (hints.codecs?.length) {
    const { vcodec, acodec } = splitCodecs(hints.codecs);
    format.vcodec = vcodec ?? null;
    format.acodec = acodec ?? null;
  }
  if (hints.width) format.width = hints.width;
  if (hints.height) format.height = hints.height;
  return format;
}

/** The format of a media file `open` found; a page's hints (an <audio> tag, codecs, size) complete it. */
function openedFormat(url: string, opened: Extract<Opened, { kind: 'media' }>, hints?: Candidate): Format {
  const media = hints?.media?.audio ? { ...opened.media, audio: true } : opened.media;
  const format = mediaFormat(url, media, hints);
  if (opened.filesizeBytes !== undefined) format.filesizeBytes = opened.filesizeBytes;
  return format;
}

/** A short stable id for a URL: the first 12 hex digits of its SHA-1. */
function shortId(href: string): string {
  return createHash('sha1').update(href).digest('hex').slice(0, 12);
}

/** A title from the URL when nothing better exists: the last path segment without its extension. */
function titleFromUrl(href: string): string {
  const url = new URL(href);
  const last = pathSegments(url).pop();
  return last ? last.replace(/\.[a-z0-9]{2,4}$/i, '') || last : url.hostname;
}

/** The charset a page declares in its first bytes (<meta charset> or http-equiv), if any. */
function metaCharset(head: Buffer): string | undefined {
  const text = head.subarray(0, 2048).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(text)?.[1]?.toLowerCase();
}

/** The file name a Content-Disposition header proposes, if any. */
function dispositionName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|ISO-8859-1)?'[^']*'([^;]+)/i.exec(value)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star.trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  return str(/filename\s*=\s*"?([^";]+)"?/i.exec(value)?.[1]);
}

/** Reads a response body a piece at a time, so a media file can be left after its first bytes. */
class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(private readonly res: HttpResponse) {
    this.iterator = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Reads until at least `bytes` are buffered or the body ends; returns what is buffered. */
  async fill(bytes: number): Promise<Buffer> {
    while (!this.ended && this.size < bytes) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      this.chunks.push(next.value);
      this.size += next.value.length;
    }
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  /** The body as text: truncated at `maxBytes`, or refused past it when `refuse` is set. */
  async text(maxBytes: number, charset: string | undefined, refuse: boolean): Promise<string> {
    const all = await this.fill(maxBytes + 1);
    if (all.length > maxBytes && refuse) {
      throw new DownloadError('content.too_large', `The manifest is larger than ${maxBytes} bytes.`, { platform: NAME, url: this.res.url });
    }
    return decodeText(all.subarray(0, maxBytes), charset);
  }

  /** Stops reading: whatever is left of the body is never transferred. */
  close(): void {
    if (this.ended) return;
    // undici reports a body destroyed before its end as a RequestAbortedError: that abort is ours
    this.res.body.on('error', () => undefined);
    this.res.body.destroy();
  }
}

/** What a fetched URL turned out to be. */
type Opened =
  | { kind: 'media'; media: MediaKind; filesizeBytes?: number; title?: string }
  | { kind: 'stream'; formats: Format[]; live?: boolean; durationSec?: number }
  | { kind: 'page'; html: string; url: string };

/** One extraction: its context, its fetch budget and the first failure worth reporting. */
class Extraction {
  private fetches = 0;
  private firstError: DownloadError | undefined;

  constructor(
    private readonly ctx: ExtractContext,
    private readonly pageUrl: string,
  ) {}

  /**
   * Fetches `url` and decides what it is, reading only what that decision needs; a page's
   * text is read only when `readPage` is set.
   */
  async open(url: string, readPage = true): Promise<Opened> {
    const res = await this.ctx.http.request(url, requestOptions(this.ctx, NAME, { headers: { accept: ACCEPT_PAGE } }));
    const reader = new BodyReader(res);
    try {
      const type = parseType(header(res, 'content-type'));
      let kind = resourceFromType(type.mime);
      let head: Buffer | undefined;
      if (!kind || kind.kind === 'html' || (kind.kind === 'media' && !kind.media.container)) {
        // missing, generic or vague types are decided by the bytes; so is a manifest served as a page
        head = await reader.fill(SNIFF_BYTES);
        const sniffed = sniffResource(head);
        if (!kind || (kind.kind === 'media' && sniffed.kind === 'media')) kind = sniffed;
        else if (kind.kind === 'html' && (sniffed.kind === 'hls' || sniffed.kind === 'dash')) kind = sniffed;
      }
      switch (kind.kind) {
        case 'media': {
          const size = resourceSize(res);
          const title = dispositionName(header(res, 'content-disposition'))?.replace(/\.[a-z0-9]{2,4}$/i, '');
          return { kind: 'media', media: kind.media, ...(size !== undefined ? { filesizeBytes: size } : {}), ...(title ? { title } : {}) };
        }
        case 'hls':
          return this.hls(url, res.url, await reader.text(MAX_MANIFEST_BYTES, 'utf-8', true));
        case 'dash': {
          const text = await reader.text(MAX_MANIFEST_BYTES, 'utf-8', true);
          const formats = manifestFormats(() => parseMpd(text, res.url), url);
          const live = /<MPD\b[^>]*\btype\s*=\s*["']dynamic["']/i.test(text);
          return { kind: 'stream', formats, ...(live ? { live } : {}) };
        }
        case 'html': {
          if (!readPage) return { kind: 'page', html: '', url: res.url };
          const charset = type.charset ?? metaCharset(head ?? (await reader.fill(SNIFF_BYTES)));
          return { kind: 'page', html: await reader.text(MAX_PAGE_BYTES, charset, false), url: res.url };
        }
      }
    } finally {
      reader.close();
    }
  }

  private hls(url: string, finalUrl: string, text: string): Opened {
    const playlist = manifestFormats(() => parseHlsPlaylist(text, finalUrl), url);
    if (playlist.kind === 'master') return { kind: 'stream', formats: playlist.variants };
    const format: Format = { id: 'hls', url, protocol: 'hls', container: 'mp4' };
    if (playlist.encrypted) format.note = 'encrypted';
    const out: Opened = { kind: 'stream', formats: [format] };
    if (playlist.endList) out.durationSec = Math.round(playlist.totalDurationSec);
    else out.live = true;
    return out;
  }

  /** The top-level resource as a MediaInfo. */
  async run(): Promise<MediaInfo> {
    const href = this.pageUrl;
    const info: MediaInfo = { platform: NAME, id: shortId(href), url: href, formats: [] };
    const opened = await this.open(href);
    if (opened.kind === 'media') return { ...info, title: opened.title ?? titleFromUrl(href), formats: [openedFormat(href, opened)] };
    if (opened.kind === 'stream') return this.withStream({ ...info, title: titleFromUrl(href) }, opened);
    return this.fromPage(info, opened.html, opened.url);
  }

  private withStream(info: MediaInfo, stream: Extract<Opened, { kind: 'stream' }>): MediaInfo {
    if (stream.formats.length === 0) {
      throw new DownloadError('content.not_found', 'The manifest lists no playable streams.', { platform: NAME, url: info.url });
    }
    const out: MediaInfo = { ...info, formats: distinctFormats(stream.formats) };
    if (stream.live) out.live = true;
    if (stream.durationSec !== undefined) out.durationSec = stream.durationSec;
    return out;
  }

  private async fromPage(info: MediaInfo, html: string, pageUrl: string): Promise<MediaInfo> {
    const scan = scanPage(html, pageUrl);
    const page: MediaInfo = { ...info, title: scan.title ?? titleFromUrl(info.url) };
    if (scan.description !== undefined) page.description = scan.description;
    if (scan.thumbnail !== undefined) page.thumbnail = scan.thumbnail;
    if (scan.uploader !== undefined) page.uploader = scan.uploader;
    if (scan.durationSec !== undefined) page.durationSec = scan.durationSec;
    if (scan.timestamp !== undefined) page.timestamp = scan.timestamp;
    const own = await this.expand(scan.candidates, true);
    if (own.formats.length > 0) return this.finish(page, own);

    const pageHost = new URL(pageUrl).hostname;
    for (const embed of scan.embeds.slice(0, MAX_EMBEDS)) {
      if (new URL(embed).hostname !== pageHost && this.ctx.extractUrl) {
        const known = await this.viaPlatform(embed);
        if (known) return known;
      }
      const found = await this.embeddedPage(embed);
      if (found.formats.length > 0) return this.finish(page, found);
    }
    throw this.firstError ?? new DownloadError('content.not_found', 'No video found on this page.', { platform: NAME, url: info.url });
  }

  private finish(page: MediaInfo, found: Found): MediaInfo {
    const out: MediaInfo = { ...page, formats: distinctFormats(found.formats) };
    if (found.live) out.live = true;
    if (out.durationSec === undefined && found.durationSec !== undefined) out.durationSec = found.durationSec;
    return out;
  }

  /** Asks the platform manager for an embed; undefined when no known platform claims it. */
  private async viaPlatform(url: string): Promise<MediaInfo | undefined> {
    try {
      return await probingEmbed.run(true, () => this.ctx.extractUrl!(url));
    } catch (error) {
      this.rethrowIfAborted(error);
      if (isDownloadError(error) && error.code === 'link.unsupported') return undefined;
      this.remember(error);
      return undefined;
    }
  }

  /** An embed no platform claims: the media file, manifest or player page behind it (one level deep). */
  private async embeddedPage(url: string): Promise<Found> {
    if (!this.allowed(url) || !this.takeFetch()) return { formats: [] };
    try {
      const opened = await this.open(url);
      if (opened.kind === 'media') return { formats: [openedFormat(url, opened)] };
      if (opened.kind === 'stream') return opened;
      return await this.expand(scanPage(opened.html, opened.url).candidates, false);
    } catch (error) {
      this.rethrowIfAborted(error);
      this.remember(error);
      return { formats: [] };
    }
  }

  /**
   * Turns candidates into formats: media files as they are, manifests fetched and expanded,
   * untyped links fetched just far enough to tell. `probeUnknown` is off one level down.
   */
  private async expand(candidates: Candidate[], probeUnknown: boolean): Promise<Found> {
    const found: Found = { formats: [] };
    for (const c of candidates) {
      if (!this.allowed(c.url)) continue;
      if (c.role === 'media' || (c.role === 'unknown' && (!probeUnknown || !this.takeFetch()))) {
        found.formats.push(mediaFormat(c.url, c.media, c));
        continue;
      }
      if (c.role === 'manifest' && !this.takeFetch()) continue;
      try {
        const opened = await this.open(c.url, false);
        if (opened.kind === 'media') {
          found.formats.push(openedFormat(c.url, opened, c));
        } else if (opened.kind === 'stream') {
          found.formats.push(...opened.formats);
          if (opened.live) found.live = true;
          found.durationSec ??= opened.durationSec;
        } else {
          this.ctx.logger.debug({ platform: NAME, url: c.url, from: c.from }, 'media candidate is a page; skipped');
        }
      } catch (error) {
        this.rethrowIfAborted(error);
        this.remember(error);
      }
    }
    return found;
  }

  /** True when the guard lets `url` through; a page cannot point us at a private address. */
  private allowed(url: string): boolean {
    try {
      this.ctx.http.check(url);
      return true;
    } catch (error) {
      this.ctx.logger.warn({ platform: NAME, url, page: this.pageUrl }, 'page points at a forbidden address; ignored');
      this.remember(error);
      return false;
    }
  }

  private takeFetch(): boolean {
    if (this.fetches >= MAX_FETCHES) return false;
    this.fetches++;
    return true;
  }

  private remember(error: unknown): void {
    if (!isDownloadError(error)) throw error;
    this.ctx.logger.debug({ platform: NAME, code: error.code, url: error.context.url }, 'candidate failed');
    this.firstError ??= error;
  }

  private rethrowIfAborted(error: unknown): void {
    if (this.ctx.signal?.aborted || (isDownloadError(error) && error.context.aborted)) throw error;
  }
}

/** Formats gathered from candidates, with what the manifests said about the stream. */
interface Found {
  formats: Format[];
  live?: boolean;
  durationSec?: number;
}

/** Runs a manifest parser; a parser's own failure becomes a fetch.failed that names the URL. */
function manifestFormats<T>(parse: () => T, url: string): T {
  try {
    return parse();
  } catch (error) {
    if (isDownloadError(error)) throw error;
    throw new DownloadError('fetch.failed', 'The manifest could not be read.', { platform: NAME, url }, { cause: error, retriable: false });
  }
}

/** Drops repeated formats (one stream of one manifest found twice) and makes ids unique within the result. */
function distinctFormats(formats: Format[]): Format[] {
  return uniqueFormats(formats, (f) => `${f.protocol} ${f.url} ${f.manifestStreamId ?? ''}`);
}

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://cdn.example.com/videos/clip.mp4', id: 'https://cdn.example.com/videos/clip.mp4', kind: 'page' },
  { url: 'https://streams.example.org/live/master.m3u8?token=abc', id: 'https://streams.example.org/live/master.m3u8?token=abc', kind: 'page' },
  { url: 'https://media.example.net/dash/manifest.mpd', id: 'https://media.example.net/dash/manifest.mpd', kind: 'page' },
  { url: 'https://news.example.com/2024/05/story-with-video', id: 'https://news.example.com/2024/05/story-with-video', kind: 'page' },
  { url: 'http://example.com/', id: 'http://example.com/', kind: 'page' },
  { url: 'https://example.com:8443/a/b.webm#t=10', id: 'https://example.com:8443/a/b.webm#t=10', kind: 'page' },
  { url: 'https://sub.example.co.uk/podcast/episode-12.mp3', id: 'https://sub.example.co.uk/podcast/episode-12.mp3', kind: 'page' },
  { url: 'https://example.com/watch?v=1&list=2', id: 'https://example.com/watch?v=1&list=2', kind: 'page' },
  { url: 'ftp://files.example.com/video.mp4', id: false },
  { url: 'mailto:someone@example.com', id: false },
  { url: 'javascript:alert(1)', id: false },
  { url: 'data:video/mp4;base64,AAAA', id: false },
];

/** Any http(s) page or direct media link; asked last, after every specific platform. */
export const generic: Platform = {
  name: NAME,
  hosts: [],
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
    return matched(NAME, url, url.href, 'page');
  },

  async extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
    if (probingEmbed.getStore()) {
      throw new DownloadError('link.unsupported', 'No specific platform claims this embedded URL.', { platform: NAME, url: match.url.href });
    }
    return new Extraction(ctx, match.url.href).run();
  },
};
