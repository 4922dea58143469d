/**
 * Netscape cookies.txt (COOKIES_FILE): the format browsers' export extensions and yt-dlp use.
 * Extractors that need a logged-in session ask for the Cookie header of a URL.
 */
import { readFileSync } from 'node:fs';

export interface Cookie {
  domain: string;
  /** True when subdomains of `domain` get the cookie too (a leading dot / TRUE flag). */
  includeSubdomains: boolean;
  path: string;
  secure: boolean;
  /** Unix seconds; 0 for a session cookie. */
  expires: number;
  name: string;
  value: string;
}

/** Parses cookies.txt text; comment lines are skipped except the `#HttpOnly_` prefix, which is a real cookie. */
export function parseNetscapeCookies(text: string): Cookie[] {
  const out: Cookie[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.startsWith('#HttpOnly_') ? raw.slice('#HttpOnly_'.length) : raw;
    if (!line.trim() || line.startsWith('#')) continue;
    const parts = line.split('\t');
    if (parts.length < 7) continue;
    const [domain, flag, path, secure, expires, name, ...value] = parts;
    out.push({
      domain: domain!.replace(/^\./, '').toLowerCase(),
      includeSubdomains: flag === 'TRUE' || domain!.startsWith('.'),
      path: path || '/',
      secure: secure === 'TRUE',
      expires: Number(expires) || 0,
      name: name!,
      value: value.join('\t'),
    });
  }
  return out;
}

/** A cookie jar read from a cookies.txt file. */
export class CookieJar {
  constructor(readonly cookies: readonly Cookie[]) {}

  static fromFile(path: string): CookieJar {
    return new CookieJar(parseNetscapeCookies(readFileSync(path, 'utf8')));
  }

  /** The Cookie header value for `url` (unexpired, matching domain, path and scheme), or undefined. */
  headerFor(url: string | URL, now = Date.now() / 1000): string | undefined {
    const u = typeof url === 'string' ? new URL(url) : url;
    const host = u.hostname.toLowerCase();
    const pairs = this.cookies
      .filter((c) => (c.expires === 0 || c.expires > now) && (!c.secure || u.protocol === 'https:'))
      .filter((c) => host === c.domain || (c.includeSubdomains && host.endsWith('.' + c.domain)))
      .filter((c) => u.pathname.startsWith(c.path))
      .map((c) => `${c.name}=${c.value}`);
    return pairs.length ? pairs.join('; ') : undefined;
  }

  /** The value of cookie `name` for `domain` (e.g. Instagram's sessionid), if present. */
  get(domain: string, name: string): string | undefined {
    const d = domain.toLowerCase();
    return this.cookies.find((c) => c.name === name && (d === c.domain || d.endsWith('.' + c.domain)))?.value;
  }
}

const jars = new Map<string, CookieJar>();

/** The jar for COOKIES_FILE, read once per path; undefined when no file is configured. */
export function cookieJarFor(config: { cookiesFile?: string | undefined }): CookieJar | undefined {
  if (!config.cookiesFile) return undefined;
  let jar = jars.get(config.cookiesFile);
  if (!jar) {
    jar = CookieJar.fromFile(config.cookiesFile);
    jars.set(config.cookiesFile, jar);
  }
  return jar;
}
