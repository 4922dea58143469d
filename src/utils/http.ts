/**
 * The only way dlbot talks to the network. Every request, every redirect hop and every DNS
 * answer passes the SSRF guard: no loopback, private, link-local, metadata, multicast or
 * reserved targets and no scheme but http(s), unless the URL's host is named in
 * ALLOWED_PRIVATE_HOSTS. With PROXY_URL every request goes through the proxy (CONNECT for
 * https, or SOCKS5); the guard then refuses literal private addresses and private names and
 * leaves DNS to the proxy.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { Readable } from 'node:stream';
import { Agent, ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import { DownloadError, errorForStatus, isAbort } from './errors.js';

/** A browser user agent; platforms that need another one set it per request. */
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
  ['2001:db8::', 32], ['100::', 64], ['2001::', 32], ['2002::', 16],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** Host names that always mean "this machine or its private network". */
const PRIVATE_NAME = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home|corp|home\.arpa|in-addr\.arpa|ip6\.arpa)$/i;

/** The IPv4 address embedded in an IPv4-mapped, -compatible or NAT64 IPv6 address, if any. */
function embeddedIpv4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:(?:0:)?|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:(?:0:)?|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** True when an IP literal is loopback, private, link-local, metadata, reserved or multicast. */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return BLOCKED.check(v4, 'ipv4');
    return BLOCKED.check(bare, 'ipv6');
  }
  return true; // not an IP at all: refuse rather than guess
}

/** The guard's decision for a URL before any connection; DNS answers are checked later. */
export function checkUrl(input: string | URL, allowedHosts: readonly string[] = []): URL {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : input;
  } catch {
    throw new DownloadError('link.invalid', undefined, { url: String(input) });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DownloadError('fetch.blocked', `Scheme ${url.protocol} is not allowed.`, { url: url.href });
  }
  if (url.username || url.password) {
    throw new DownloadError('fetch.blocked', 'URLs with credentials are not allowed.', { url: url.origin });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowedHosts.includes(host)) return url;
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw blocked(url, host);
  } else if (PRIVATE_NAME.test(host.replace(/\.$/, '')) || !host.includes('.')) {
    throw blocked(url, host);
  }
  return url;
}

function blocked(url: URL, address: string): DownloadError {
  return new DownloadError('fetch.blocked', `Refused to connect to a private address (${address}).`, { url: url.href });
}

/** Marks a refusal that happened inside DNS resolution, so it survives undici's wrapping. */
class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to the private address ${address}`);
  }
}

/** A DNS lookup function in node:dns's callback shape. */
export type LookupFn = (
  hostname: string,
  options: { all: true; family?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupFn = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * Wraps a lookup so every address it answers is checked; the socket then connects to exactly
 * the checked address, which closes the DNS-rebinding gap between check and connect.
 */
function guardedLookup(resolveAll: LookupFn, allowedHosts: readonly string[]) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    resolveAll(hostname, { all: true, ...(options.family ? { family: options.family } : {}) }, (err, addresses) => {
      if (err) return callback(err);
      const allowed = allowedHosts.includes(hostname.toLowerCase());
      if (!allowed) {
        const bad = addresses.find((a) => isPrivateAddress(a.address));
        if (bad) return callback(new BlockedAddressError(hostname, bad.address));
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export interface HttpOptions {
  /** Hosts (exactly as in URLs) the guard lets through: local test servers. */
  allowedPrivateHosts?: readonly string[];
  /** http://, https:// or socks5:// proxy for every request. */
  proxyUrl?: string;
  /** Per-request timeout for headers and between body chunks. */
  timeoutMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** DNS resolver; tests inject one to prove a public-looking name with a private answer is refused. */
  lookup?: LookupFn;
  /**
   * Opens every connection itself instead of DNS + TCP/TLS. Tests use it to let a local fixture
   * server stand in for the real hosts, so extractors run against their real URLs offline.
   */
  connector?: Connector;
}

/** undici's connector shape: open a socket for an origin. */
export type Connector = NonNullable<Extract<Agent.Options['connect'], (...args: never[]) => unknown>>;

export interface RequestOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'OPTIONS';
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
  /** JSON body; sets content-type. */
  json?: unknown;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** Query parameters appended to the URL. */
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** 0 returns the redirect response itself. */
  maxRedirects?: number;
  /** Throw a DownloadError for HTTP >= 400 (default) or hand back the response. */
  throwOnStatus?: boolean;
  /** Context attached to errors (platform name). */
  platform?: string;
}

export interface HttpResponse {
  status: number;
  /** The final URL after redirects. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { text(): Promise<string>; json(): Promise<unknown>; dump(): Promise<void> };
  /** Every URL visited before the final one. */
  redirects: string[];
}

/** Options for text/json reads. */
export interface ReadOptions extends RequestOptions {
  /** Refuse bodies larger than this (pages, API answers); default 16 MB. */
  maxBytes?: number;
}

const DEFAULT_MAX_TEXT_BYTES = 16 * 1024 * 1024;

/** A header's first value, lower-cased name. */
export function header(res: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The guarded HTTP client. One instance per process; it owns the connection pool. */
export class HttpClient {
  readonly allowedPrivateHosts: readonly string[];
  readonly proxyUrl: string | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly userAgent: string;

  constructor(options: HttpOptions = {}) {
    this.allowedPrivateHosts = (options.allowedPrivateHosts ?? []).map((h) => h.toLowerCase().replace(/^\[|\]$/g, ''));
    this.proxyUrl = options.proxyUrl;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxRedirects = options.maxRedirects ?? 8;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const common = { headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, connections: 16 };
    if (this.proxyUrl) {
      const proxy = new URL(this.proxyUrl);
      if (proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:' || proxy.protocol === 'socks:') {
        proxy.protocol = 'socks5:';
        this.dispatcher = new Socks5ProxyAgent(proxy.href, {});
      } else {
        this.dispatcher = new ProxyAgent({ uri: proxy.href, ...common });
      }
    } else if (options.connector) {
      this.dispatcher = new Agent({ ...common, connect: options.connector });
    } else {
      const lookup = guardedLookup(options.lookup ?? systemLookup, this.allowedPrivateHosts);
      this.dispatcher = new Agent({ ...common, connect: { lookup: lookup as never } });
    }
  }

  /** Checks a URL against the guard (scheme, literal address, private name) without fetching. */
  check(url: string | URL): URL {
    return checkUrl(url, this.allowedPrivateHosts);
  }

  /**
   * Sends a request, following up to `maxRedirects` redirects, each hop checked by the guard.
   * The caller owns the response body and must read or dump it.
   */
  async request(input: string | URL, options: RequestOptions = {}): Promise<HttpResponse> {
    let url = this.check(input);
    if (options.query) {
      url = new URL(url);
      for (const [k, v] of Object.entries(options.query)) if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const maxRedirects = options.maxRedirects ?? this.maxRedirects;
    const redirects: string[] = [];
    let method = options.method ?? (options.json !== undefined || options.form || options.body ? 'POST' : 'GET');
    let body: string | Buffer | undefined = options.body;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: '*/*', 'accept-language': 'en-US,en;q=0.9' };
    for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const context = { url: url.href, ...(options.platform ? { platform: options.platform } : {}) };

    for (;;) {
      let res: Dispatcher.ResponseData;
      try {
        res = await this.dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method,
          headers,
          body: body ?? null,
          signal: options.signal ?? null,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (error) {
        throw this.networkError(error, { ...context, url: url.href });
      }
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && location && maxRedirects > 0) {
        await res.body.dump().catch(() => undefined); // the redirect body is never needed
        if (redirects.length >= maxRedirects) {
          throw new DownloadError('fetch.failed', `Too many redirects (more than ${maxRedirects}).`, context, { retriable: false });
        }
        redirects.push(url.href);
        const next = new URL(Array.isArray(location) ? location[0]! : location, url);
        url = this.check(next);
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        if (redirects.length > 0 && new URL(redirects[redirects.length - 1]!).origin !== url.origin) {
          delete headers.authorization;
          delete headers.cookie;
        }
        continue;
      }
      const response: HttpResponse = {
        status: res.statusCode,
        url: url.href,
        headers: res.headers,
        body: res.body as unknown as HttpResponse['body'],
        redirects,
      };
      if (res.statusCode >= 400 && options.throwOnStatus !== false) {
        await res.body.dump().catch(() => undefined);
        const retryAfter = parseRetryAfter(header(response, 'retry-after'));
        throw errorForStatus(res.statusCode, { ...context, url: url.href, ...(retryAfter !== undefined ? { retryAfterSec: retryAfter } : {}) });
      }
      return response;
    }
  }

  /** GET (or the given method) and read the body as text, bounded by `maxBytes`. */
  async text(url: string | URL, options: ReadOptions = {}): Promise<string> {
    const res = await this.request(url, options);
    return await readText(res, options.maxBytes ?? DEFAULT_MAX_TEXT_BYTES);
  }

  /** Like text(), parsed as JSON; a body that is not JSON is a fetch.failed. */
  async json<T = unknown>(url: string | URL, options: ReadOptions = {}): Promise<T> {
    const headers = { accept: 'application/json', ...options.headers };
    const text = await this.text(url, { ...options, headers });
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new DownloadError('fetch.failed', 'The platform answered with something that is not JSON.', {
        url: String(url),
        ...(options.platform ? { platform: options.platform } : {}),
      });
    }
  }

  /** Follows redirects of a short link without downloading the target; returns the final URL. */
  async resolveRedirects(url: string | URL, options: RequestOptions = {}): Promise<string> {
    const res = await this.request(url, { ...options, method: 'GET', throwOnStatus: false });
    await res.body.dump().catch(() => undefined);
    return res.url;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private networkError(error: unknown, context: { url: string; platform?: string }): DownloadError {
    if (error instanceof DownloadError) return error;
    if (isAbort(error)) {
      return new DownloadError('internal', 'The request was cancelled.', { ...context, aborted: true }, { cause: error, retriable: false });
    }
    for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
      if (e instanceof BlockedAddressError) {
        return new DownloadError('fetch.blocked', `Refused to connect: ${e.message}.`, context, { cause: error });
      }
    }
    const code = (error as { code?: string }).code ?? '';
    const message = code.includes('TIMEOUT') ? 'The platform did not answer in time.' : `Network error (${code || (error as Error).message}).`;
    return new DownloadError('fetch.failed', message, context, { cause: error, retriable: true });
  }
}

/** Reads a body fully, refusing more than `maxBytes`. */
export async function readBounded(res: HttpResponse, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      res.body.destroy();
      throw new DownloadError('content.too_large', `The response is larger than ${maxBytes} bytes.`, { url: res.url });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The full size of the resource behind a response: the total of a 206's Content-Range, else
 * Content-Length. A 206 without a total is sized only when the caller knows where it started
 * (`rangeOffset`), as Content-Length then counts from that byte.
 */
export function resourceSize(res: Pick<HttpResponse, 'status' | 'headers'>, rangeOffset?: number): number | undefined {
  if (res.status === 206) {
    const total = /\/(\d+)\s*$/.exec(header(res, 'content-range') ?? '')?.[1];
    if (total) return Number(total);
    if (rangeOffset === undefined) return undefined;
  }
  const length = header(res, 'content-length')?.trim();
  return length && /^\d+$/.test(length) ? Number(length) + (res.status === 206 ? rangeOffset! : 0) : undefined;
}

/** Reads a body fully as UTF-8 text, refusing more than `maxBytes`; the response keeps its final URL for the caller. */
export async function readText(res: HttpResponse, maxBytes: number): Promise<string> {
  return (await readBounded(res, maxBytes)).toString('utf8');
}

/** Retry-After in seconds from either of its forms (delta seconds or an HTTP date). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Builds the process client from configuration. */
export function createHttpClient(config: {
  allowedPrivateHosts: readonly string[];
  proxyUrl?: string | undefined;
  httpTimeoutMs: number;
  maxRedirects: number;
}): HttpClient {
  return new HttpClient({
    allowedPrivateHosts: config.allowedPrivateHosts,
    timeoutMs: config.httpTimeoutMs,
    maxRedirects: config.maxRedirects,
    ...(config.proxyUrl ? { proxyUrl: config.proxyUrl } : {}),
  });
}
