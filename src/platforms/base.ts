/**
 * The platform contract. A platform file is the whole truth about its site: which hosts it
 * owns, how its URLs look (with an `examples` table the test suite runs), and how its media is
 * extracted. Everything a platform needs at run time arrives through ExtractContext.
 */
import type { Logger } from 'pino';
import type { HttpClient, RequestOptions } from '../utils/http.js';
import type { Config } from '../utils/config.js';
import type { MediaInfo } from '../media/types.js';
import type { KeyValueCache } from '../utils/memory-cache.js';

/** What `match` recognised in a URL, offline. */
export interface Match {
  platform: string;
  /** The platform's own id exactly as in the URL; null for a short link that needs resolving. */
  id: string | null;
  /** A short/share link: follow its redirect, then match again. */
  needsResolve?: boolean;
  /** What the id names: video, short, clip, vod, live, playlist, channel, post, story, track, … */
  kind?: string;
  /** The parsed input URL. */
  url: URL;
  /** Extra parts of the URL an extractor needs (owner, part number, unlisted hash, …). */
  extra?: Record<string, string>;
}

/** One row of a platform's URL table: what `match` must return for `url`. */
export interface UrlExample {
  url: string;
  /** Expected id; null for a short link; `false` means the platform must NOT match this URL. */
  id: string | null | false;
  needsResolve?: boolean;
  kind?: string;
}

/** Things an extractor may use; tests pass local fakes. */
export interface ExtractContext {
  http: HttpClient;
  config: Config;
  logger: Logger;
  signal?: AbortSignal;
  /** Tokens, client ids and other values worth keeping between extractions (keys: "<platform>:<what>"). */
  cache?: KeyValueCache;
  /** Extracts another URL through the platform manager (an embed handed to its platform). */
  extractUrl?(url: string): Promise<MediaInfo>;
}

export interface Platform {
  /** Canonical name: used by detect, ENABLE_PLATFORMS, metrics labels and the API. */
  readonly name: string;
  /** Registrable domains the platform owns; subdomains count, lookalikes never do. */
  readonly hosts: readonly string[];
  /** The URL table the detection tests run. */
  readonly examples: readonly UrlExample[];
  /** Pure and offline: recognise the platform and its id from the URL alone. */
  match(url: URL): Match | null;
  /** Native extraction; a platform without one is served by the yt-dlp backend when present. */
  extract?(match: Match, ctx: ExtractContext): Promise<MediaInfo>;
}

/**
 * True when `host` is `domain` or a subdomain of it. Label-wise, so `youtube.com.evil.net` and
 * `notyoutube.com` never pass for `youtube.com`.
 */
export function hostIs(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === domain || h.endsWith('.' + domain);
}

/** True when `host` belongs to any of `domains`. */
export function hostIn(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => hostIs(host, d));
}

/**
 * True when `url` is an http(s) URL on one of `domains` (or a subdomain): the first check of
 * every `match`, so a `javascript:` or `ftp:` URL never reaches the path rules.
 */
export function isWebUrlOn(url: URL, domains: readonly string[]): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && hostIn(url.hostname, domains);
}

/** The URL's host name as `hostIs` compares it: lower case, without a fully-qualified name's trailing dot. */
export function hostName(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.$/, '');
}

/** The URL's path split into non-empty, decoded segments. */
export function pathSegments(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/**
 * Options for a request an extractor sends: `options`, plus the platform's name (so errors
 * name it) and the extraction's abort signal (so a cancelled job stops its requests too).
 */
export function requestOptions<T extends RequestOptions>(ctx: Pick<ExtractContext, 'signal'>, platform: string, options?: T): T & RequestOptions {
  return { ...options, platform, ...(ctx.signal ? { signal: ctx.signal } : {}) } as T & RequestOptions;
}

/** Builds a Match for `platform`; keeps platform files short. */
export function matched(
  platform: string,
  url: URL,
  id: string | null,
  kind?: string,
  extra?: Record<string, string>,
): Match {
  const m: Match = { platform, id, url };
  if (id === null) m.needsResolve = true;
  if (kind) m.kind = kind;
  if (extra) m.extra = extra;
  return m;
}
