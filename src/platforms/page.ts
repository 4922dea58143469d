/**
 * Reading what sites embed in their pages: JSON in a <script> tag, JSON assigned to a
 * variable (`window.__INITIAL_STATE__ = {…};`), meta tags, HTML entities, and the values found
 * there (numbers, strings, dates, text in a named charset). Extractors share these instead of
 * each writing its own regex soup.
 */
import { DownloadError } from '../utils/errors.js';

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#x2F': '/' };

/** Decodes the HTML entities of an attribute or text node. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? all;
  });
}

/** The text inside `<script … id="ID" …>…</script>` (any attribute order), or undefined. */
export function scriptById(html: string, id: string): string | undefined {
  const re = new RegExp(`<script\\b[^>]*\\bid=["']${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["'][^>]*>([\\s\\S]*?)</script>`, 'i');
  return re.exec(html)?.[1];
}

/** Parses the JSON of the script tag with `id`; undefined when absent or unparsable. */
export function scriptJson<T = unknown>(html: string, id: string): T | undefined {
  const text = scriptById(html, id);
  return text === undefined ? undefined : tryParseJson<T>(text.trim());
}

/**
 * Parses JSON text, or undefined when it is not JSON: sites answer an API call with an HTML
 * block page or a cut-off body, and the caller decides what that means.
 */
export function tryParseJson<T = unknown>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Every `<script type="application/ld+json">` body, parsed; broken ones are skipped. */
export function jsonLd(html: string): unknown[] {
  const out: unknown[] = [];
  for (const m of html.matchAll(/<script\b[^>]*type=["']application\/ld\+json["'][^>]*>([\s\S]*?)<\/script>/gi)) {
    // a page's broken JSON-LD block is not our error
    const value = tryParseJson(m[1]!);
    if (value !== undefined) out.push(value);
  }
  return out;
}

/**
 * The JSON value (object or array) that starts right after `marker` in `text`, found by
 * balancing brackets with strings and escapes respected: `window.__DATA__ = {…};`.
 */
export function jsonAfter<T = unknown>(text: string, marker: string | RegExp): T | undefined {
  let from: number;
  if (typeof marker === 'string') {
    const i = text.indexOf(marker);
    if (i < 0) return undefined;
    from = i + marker.length;
  } else {
    const m = marker.exec(text);
    if (!m) return undefined;
    from = m.index + m[0].length;
  }
  const start = text.slice(from).search(/[{[]/);
  if (start < 0) return undefined;
  const raw = balanced(text, from + start);
  return raw === undefined ? undefined : tryParseJson<T>(raw);
}

/** The bracket-balanced substring starting at `start` ('{' or '['), or undefined if unbalanced. */
export function balanced(text: string, start: number): string | undefined {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}

/** Meta tag contents by property or name (`og:title`, `twitter:image`, `description`); first wins. */
export function metaTags(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<meta\b([^>]*)>/gi)) {
    const attrs = attributes(m[1]!);
    const key = (attrs.property ?? attrs.name ?? attrs.itemprop)?.toLowerCase();
    if (key && attrs.content !== undefined && !out.has(key)) out.set(key, attrs.content);
  }
  return out;
}

/** A tag's attributes (names lower-cased, values entity-decoded). */
export function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    out[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

/** The page's <title>, trimmed and decoded. */
export function pageTitle(html: string): string | undefined {
  const t = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  return t ? decodeEntities(t).replace(/\s+/g, ' ').trim() || undefined : undefined;
}

/** `//cdn.example.com/x` → `https://cdn.example.com/x`; absolute URLs unchanged; relative ones against `base`. */
export function absoluteUrl(url: string | undefined | null, base = 'https://invalid.invalid/'): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url.startsWith('//') ? `https:${url}` : url, base).href;
  } catch {
    return undefined;
  }
}

/** A finite number from a number or numeric string, else undefined. */
export function num(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A non-empty trimmed string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Unix time in whole seconds (to the nearest) of a date string `Date.parse` reads: ISO 8601
 * (`2024-05-15T07:08:34.210Z`) or RFC 2822 (`Wed May 15 07:08:34 +0000 2024`); undefined when
 * absent or unreadable.
 */
export function unixSeconds(date: string | undefined | null): number | undefined {
  const ms = date ? Date.parse(date) : Number.NaN;
  return Number.isFinite(ms) ? Math.round(ms / 1000) : undefined;
}

/**
 * Bytes as text in `charset` (VK still serves windows-1251, old pages name theirs in a meta
 * tag); UTF-8 when no charset is named or TextDecoder does not know the name.
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Follows a path into nested JSON (`dig(x, 'a', 0, 'b')`), undefined at the first gap. */
export function dig(value: unknown, ...path: Array<string | number>): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** Drops undefined fields so results compare cleanly and serialise small. */
export function compact<T extends object>(value: T): T {
  for (const k of Object.keys(value) as Array<keyof T>) if (value[k] === undefined) delete value[k];
  return value;
}

/** A content.not_found error for `platform`, with the URL, for the usual "nothing here" case. */
export function notFound(platform: string, url: string, message = 'The content was not found (removed or never existed).'): DownloadError {
  return new DownloadError('content.not_found', message, { platform, url });
}
