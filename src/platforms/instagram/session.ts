/**
 * One extraction's conversation with instagram.com: a browser from the rotation, the
 * COOKIES_FILE session when there is one, and the web app's anti-CSRF pair — the LSD token and
 * the csrftoken cookie — read from the home page (`["LSD",[],{"token":"…"}` and Set-Cookie) and
 * cached for anonymous use. Requests turn Instagram's ways of saying no into our errors: a
 * redirect to the login or challenge page is content.login_required, HTTP 429 is
 * fetch.rate_limited (from the HTTP client).
 */
import { randomBytes } from 'node:crypto';
import { requestOptions, type ExtractContext } from '../base.js';
import { DownloadError, isDownloadError } from '../../utils/errors.js';
import { type HttpResponse, type RequestOptions, readText } from '../../utils/http.js';
import { cookieJarFor, type CookieJar } from '../../utils/cookies.js';
import { scriptJson, tryParseJson } from '../page.js';
import { documentHeaders, nextBrowser, xhrHeaders, type BrowserProfile } from './browser.js';
import { cookieHeader, parseCookieHeader, setCookies } from '../cookie-headers.js';

export const PLATFORM = 'instagram';
export const BASE_URL = 'https://www.instagram.com';
/** The web app's id, sent as X-IG-App-ID on every web API call. */
export const WEB_APP_ID = '936619743392459';
const ASBD_ID = '129477';

const TOKENS_KEY = 'instagram:web-tokens';
const TOKENS_TTL_SEC = 30 * 60;
const MAX_BODY_BYTES = 12 * 1024 * 1024;

/** A fetched answer: the final URL after redirects, the status and the body text. */
export interface Fetched {
  url: string;
  status: number;
  text: string;
  headers: HttpResponse['headers'];
}

/** What the web app sends with every XHR: the LSD token, the CSRF token and the cookies they came with. */
export interface WebTokens {
  lsd: string;
  csrfToken: string;
  cookies: Record<string, string>;
}

/** True when a final URL is Instagram's login or challenge page (or the home page an API call was bounced to). */
export function isLoginWall(finalUrl: string, requestedUrl: string): boolean {
  const final = new URL(finalUrl);
  if (/^\/(accounts\/login|challenge)\b/.test(final.pathname)) return true;
  return final.pathname === '/' && new URL(requestedUrl).pathname !== '/';
}

/** Instagram's XHR answers may start with the `for (;;);` hijacking guard; undefined when not JSON. */
export function parseJson<T>(text: string): T | undefined {
  return tryParseJson<T>(text.replace(/^\s*for\s*\(;;\);/, ''));
}

/** The `jazoest` form field the web app derives from its token: "2" and the sum of its char codes. */
export function jazoest(token: string): string {
  let sum = 0;
  for (const c of token) sum += c.charCodeAt(0);
  return `2${sum}`;
}

export class InstagramSession {
  readonly browser: BrowserProfile = nextBrowser();
  private readonly jar: CookieJar | undefined;
  private tokensPromise: Promise<WebTokens> | undefined;

  constructor(readonly ctx: ExtractContext) {
    this.jar = cookieJarFor(ctx.config);
  }

  /** True when COOKIES_FILE holds an instagram.com `sessionid`. */
  get loggedIn(): boolean {
    return !!this.jar?.get('www.instagram.com', 'sessionid');
  }

  /** Sends a request; a bounce to the login wall is content.login_required, HTTP errors are thrown. */
  async fetch(url: string, options: RequestOptions = {}): Promise<Fetched> {
    const res = await this.ctx.http.request(url, requestOptions(this.ctx, PLATFORM, options));
    if (isLoginWall(res.url, url)) {
      await res.body.dump().catch(() => undefined); // the login page itself is of no use
      throw new DownloadError('content.login_required', 'Instagram answered with its login page (a login wall or too many anonymous requests).', {
        platform: PLATFORM,
        url,
      });
    }
    const text = await readText(res, MAX_BODY_BYTES);
    return { url: res.url, status: res.status, text, headers: res.headers };
  }

  /** GETs a page the way a browser opens it. */
  async page(url: string): Promise<Fetched> {
    const tokens = this.tokensPromise ? await this.tokensPromise : undefined;
    return this.fetch(url, { headers: { ...documentHeaders(this.browser), cookie: this.cookieHeader(url, tokens) } });
  }

  /** Headers of a web-app XHR from `referer`: app id, CSRF token, cookies. */
  async apiHeaders(url: string, referer: string): Promise<Record<string, string>> {
    const tokens = await this.tokens();
    const headers: Record<string, string> = {
      ...xhrHeaders(this.browser, BASE_URL, referer),
      'x-ig-app-id': WEB_APP_ID,
      'x-asbd-id': ASBD_ID,
      'x-ig-www-claim': '0',
      'x-requested-with': 'XMLHttpRequest',
      'x-csrftoken': tokens.csrfToken,
    };
    const cookie = this.cookieHeader(url, tokens);
    if (cookie) headers.cookie = cookie;
    return headers;
  }

  /** The Cookie header for `url`: the anonymous token cookies, overridden by COOKIES_FILE's. */
  cookieHeader(url: string, tokens?: WebTokens): string | undefined {
    const fromJar = parseCookieHeader(this.jar?.headerFor(url) ?? this.jar?.headerFor(`${BASE_URL}/`));
    return cookieHeader(new Map([...Object.entries(tokens?.cookies ?? {}), ...fromJar]));
  }

  /** The LSD and CSRF tokens: COOKIES_FILE's csrftoken when logged in, else the home page's (cached). */
  tokens(): Promise<WebTokens> {
    this.tokensPromise ??= this.loadTokens();
    return this.tokensPromise;
  }

  private async loadTokens(): Promise<WebTokens> {
    const cache = this.ctx.cache;
    let tokens = this.loggedIn ? undefined : await cache?.get<WebTokens>(TOKENS_KEY);
    if (!tokens) {
      const read = await this.readHomePage();
      tokens = read.tokens;
      if (read.fromPage && !this.loggedIn) await cache?.set(TOKENS_KEY, tokens, TOKENS_TTL_SEC);
    }
    const csrf = this.jar?.get('www.instagram.com', 'csrftoken');
    return csrf ? { ...tokens, csrfToken: csrf } : tokens;
  }

  /**
   * The home page carries the LSD token; its Set-Cookie the csrftoken. When the page cannot be
   * had (a login wall, an error), tokens are made up the way the web app's own are shaped:
   * Instagram checks that the CSRF header equals the cookie, not where it came from.
   */
  private async readHomePage(): Promise<{ tokens: WebTokens; fromPage: boolean }> {
    let page: Fetched | undefined;
    try {
      page = await this.fetch(`${BASE_URL}/`, { headers: { ...documentHeaders(this.browser), cookie: this.cookieHeader(`${BASE_URL}/`) } });
    } catch (error) {
      if (!isDownloadError(error) || error.code === 'fetch.rate_limited' || error.code === 'fetch.blocked' || this.ctx.signal?.aborted) throw error;
      this.ctx.logger.debug({ platform: PLATFORM, code: error.code }, 'instagram home page gave no tokens; using generated ones');
    }
    const cookies = page ? Object.fromEntries(setCookies(page.headers)) : {};
    const lsd = page ? lsdToken(page.text) : undefined;
    const csrfToken = cookies.csrftoken ?? (page ? /"csrf_token":"([^"]+)"/.exec(page.text)?.[1] : undefined) ?? randomBytes(16).toString('hex');
    cookies.csrftoken = csrfToken;
    return { tokens: { lsd: lsd ?? randomBytes(8).toString('base64url'), csrfToken, cookies }, fromPage: !!lsd };
  }
}

/** The LSD token of a page: the `["LSD",[],{"token":…}` module config or the `__eqmc` script's `l`. */
function lsdToken(html: string): string | undefined {
  return /\["LSD",\[\],\{"token":"([^"]+)"/.exec(html)?.[1] ?? scriptJson<{ l?: string }>(html, '__eqmc')?.l;
}
