import { afterAll, describe, expect, it } from 'vitest';
import { EgressPool, proxyLabel } from '../../src/core/egress.js';
import { HttpClient } from '../../src/utils/http.js';
import { DownloadError } from '../../src/utils/errors.js';
import { ConfigError, loadConfig } from '../../src/utils/config.js';

const clients = [new HttpClient(), new HttpClient(), new HttpClient()] as const;
const [a, b, c] = clients;
const identities = [
  { name: 'a', http: a },
  { name: 'b', http: b },
  { name: 'c', http: c },
];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

/** A pool on a hand-moved clock. */
function poolAt(startMs = 1_000_000, cooldownMs = 60_000) {
  const clock = { nowMs: startMs };
  const pool = new EgressPool(identities, { cooldownMs, now: () => clock.nowMs });
  return { pool, clock, names: (n: number) => Array.from({ length: n }, () => pool.pick().name) };
}

const rateLimited = (retryAfterSec?: number) =>
  new DownloadError('fetch.rate_limited', undefined, retryAfterSec === undefined ? {} : { retryAfterSec });

describe('EgressPool', () => {
  it('takes turns over healthy identities', () => {
    expect(poolAt().names(7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('skips an identity for the cooldown after a 429, then takes it back', () => {
    const { pool, clock, names } = poolAt();
    pool.report(b, rateLimited());
    expect(names(4)).toEqual(['a', 'c', 'a', 'c']);
    expect(pool.states()).toEqual([
      { name: 'a', coolingDownMs: 0 },
      { name: 'b', coolingDownMs: 60_000 },
      { name: 'c', coolingDownMs: 0 },
    ]);
    clock.nowMs += 60_000;
    expect(names(3)).toEqual(['a', 'b', 'c']);
  });

  it('honours a Retry-After longer than the cooldown', () => {
    const { pool, clock, names } = poolAt();
    pool.report(a, rateLimited(300));
    clock.nowMs += 200_000;
    expect(names(2)).toEqual(['b', 'c']);
    expect(pool.states()[0]!.coolingDownMs).toBe(100_000);
  });

  it('when every identity is cooling down, picks the one that recovers first', () => {
    const { pool, clock } = poolAt();
    pool.report(a, rateLimited(600));
    clock.nowMs += 1000;
    pool.report(b, rateLimited(120));
    pool.report(c, rateLimited(300));
    expect(pool.pick().name).toBe('b');
  });

  it('ignores failures that say nothing about the identity, and clients it does not own', () => {
    const { pool, names } = poolAt();
    pool.report(a, new DownloadError('fetch.failed'));
    pool.report(a, new DownloadError('content.not_found'));
    const stranger = new HttpClient();
    pool.report(stranger, rateLimited());
    void stranger.close();
    expect(pool.has(stranger)).toBe(false);
    expect(names(3)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to be empty', () => {
    expect(() => new EgressPool([])).toThrow(/at least one/);
  });

  it('labels proxies without their credentials', () => {
    expect(proxyLabel('http://user:secret@proxy.example:8080')).toBe('http://proxy.example:8080');
    expect(proxyLabel('socks5://10.0.0.1:1080')).toBe('socks5://10.0.0.1:1080');
  });
});

describe('PROXY_URL as a list', () => {
  it('keeps a single proxy as before', () => {
    const config = loadConfig({ PROXY_URL: 'socks5://127.0.0.1:1080' });
    expect(config.proxyUrls).toEqual(['socks5://127.0.0.1:1080']);
    expect(config.proxyUrl).toBe('socks5://127.0.0.1:1080');
  });

  it('reads a comma-separated list; proxyUrl is its first entry', () => {
    const config = loadConfig({ PROXY_URL: ' http://p1.example:3128 , socks5h://p2.example:1080,https://p3.example ' });
    expect(config.proxyUrls).toEqual(['http://p1.example:3128', 'socks5h://p2.example:1080', 'https://p3.example']);
    expect(config.proxyUrl).toBe('http://p1.example:3128');
  });

  it('is empty by default, with no proxyUrl', () => {
    const config = loadConfig({});
    expect(config.proxyUrls).toEqual([]);
    expect(config.proxyUrl).toBeUndefined();
  });

  it('names the bad entry by position without printing credentials', () => {
    let error: unknown;
    try {
      loadConfig({ PROXY_URL: 'http://user:hunter2@p1.example:3128,ftp://p2.example' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration: PROXY_URL=.*entry 2 of 2 is not a proxy URL \(expected http, https, socks5, socks5h\)$/);
    expect(message).not.toContain('hunter2');
  });
});
