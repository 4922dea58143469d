/**
 * The desktop browsers Meta's sites (Instagram, Threads) see us as, and the headers such a
 * browser sends for a page load and for the web app's own XHRs. Only Chromium browsers are in
 * the rotation: Instagram serves lower video qualities to other user agents.
 */

/** A browser identity: the user agent and the client hints that must agree with it. */
export interface BrowserProfile {
  userAgent: string;
  secChUa: string;
  platform: string;
}

const PROFILES: readonly BrowserProfile[] = [
  {
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    secChUa: '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
    platform: '"Windows"',
  },
  {
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
    secChUa: '"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"',
    platform: '"macOS"',
  },
  {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    secChUa: '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
    platform: '"Linux"',
  },
  {
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    secChUa: '"Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
    platform: '"Windows"',
  },
];

let turn = 0;

/** The next browser of the rotation; one extraction keeps one browser for all its requests. */
export function nextBrowser(): BrowserProfile {
  return PROFILES[turn++ % PROFILES.length]!;
}

/** Every browser of the rotation (tests check requests carry one of them). */
export const BROWSER_PROFILES = PROFILES;

function clientHints(browser: BrowserProfile): Record<string, string> {
  return { 'user-agent': browser.userAgent, 'sec-ch-ua': browser.secChUa, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': browser.platform };
}

/** Headers of a top-level page load typed into the address bar. */
export function documentHeaders(browser: BrowserProfile): Record<string, string> {
  return {
    ...clientHints(browser),
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
    'accept-language': 'en-US,en;q=0.9',
    'cache-control': 'max-age=0',
    'sec-fetch-dest': 'document',
    'sec-fetch-mode': 'navigate',
    'sec-fetch-site': 'none',
    'sec-fetch-user': '?1',
    'upgrade-insecure-requests': '1',
  };
}

/** Headers of the web app's own same-origin XHR to `origin`, sent from `referer`. */
export function xhrHeaders(browser: BrowserProfile, origin: string, referer: string): Record<string, string> {
  return {
    ...clientHints(browser),
    accept: '*/*',
    'accept-language': 'en-US,en;q=0.9',
    origin,
    referer,
    'sec-fetch-dest': 'empty',
    'sec-fetch-mode': 'cors',
    'sec-fetch-site': 'same-origin',
  };
}
