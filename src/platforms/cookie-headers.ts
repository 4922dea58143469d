/**
 * Cookie and Set-Cookie headers as name → value maps. Some sites hand a visitor the cookies
 * its next requests must carry (a CSRF token, a CDN session): they are read from one answer's
 * Set-Cookie, merged with COOKIES_FILE's and sent back as a Cookie header.
 */
import type { HttpResponse } from '../utils/http.js';

/** Values a server sets to clear a cookie rather than to give one. */
const CLEARED = new Set(['', 'deleted', '""']);

/**
 * name → value of every cookie a response sets (attributes such as Path and Expires dropped);
 * cookies the response clears are skipped, and a later Set-Cookie of a name wins.
 */
export function setCookies(headers: HttpResponse['headers']): Map<string, string> {
  const raw = headers['set-cookie'];
  const out = new Map<string, string>();
  for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    const [name, value] = nameValue(line.split(';', 1)[0]!);
    if (name && !/\s/.test(name) && value !== undefined && !CLEARED.has(value)) out.set(name, value);
  }
  return out;
}

/** name → value of a Cookie header (`a=1; b=2`), as a cookie jar builds one; parts without a name are skipped. */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const [name, value] = nameValue(part);
    if (name && value !== undefined) out.set(name, value);
  }
  return out;
}

/** The Cookie header for `cookies` (`a=1; b=2`), or undefined when there are none. */
export function cookieHeader(cookies: Iterable<readonly [string, string]>): string | undefined {
  const pairs = [...cookies].map(([name, value]) => `${name}=${value}`);
  return pairs.length ? pairs.join('; ') : undefined;
}

/** `name=value` split at its first `=`, both trimmed; no value when there is no `=`. */
function nameValue(pair: string): [string, string | undefined] {
  const eq = pair.indexOf('=');
  return eq < 0 ? [pair.trim(), undefined] : [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
}
