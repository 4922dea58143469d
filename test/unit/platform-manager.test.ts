import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PlatformManager, RESOLVE_CACHE_TTL_SEC, type FallbackBackend } from '../../src/core/platform-manager.js';
import { EgressPool } from '../../src/core/egress.js';
import { hostIs, matched, type ExtractContext, type Match, type Platform } from '../../src/platforms/base.js';
import type { MediaInfo } from '../../src/media/types.js';
import { DownloadError } from '../../src/utils/errors.js';
import { HttpClient } from '../../src/utils/http.js';
import { MemoryCache } from '../../src/utils/memory-cache.js';
import { silentLogger } from '../../src/utils/logger.js';
import { testConfig } from '../../src/utils/config.js';
import { startFakeWeb, type FakeWeb } from '../support/fake-web.js';

const config = testConfig();
let web: FakeWeb;

beforeAll(async () => {
  web = await startFakeWeb();
  web.redirect('https://sho.rt/abc', 'https://video.test/v/42');
  web.redirect('https://sho.rt/two', 'https://sho.rt/abc');
  web.html('https://video.test/v/42', '<html>the post</html>');
});

afterAll(async () => {
  await web?.close();
});

afterEach(() => {
  vi.useRealTimers();
});

const ctx = (extra: Partial<ExtractContext> = {}): ExtractContext => ({ http: web.http, config, logger: silentLogger, ...extra });

const infoFor = (m: Match): MediaInfo => ({
  platform: m.platform,
  id: m.id!,
  url: m.url.href,
  formats: [{ id: 'file', url: `https://cdn.test/${m.id}.mp4`, protocol: 'https' }],
});

/** A platform on `video.test` (ids from the path) whose short links live on `sho.rt`. */
function videoPlatform(extract: (m: Match, ctx: ExtractContext) => Promise<MediaInfo>): Platform {
  return {
    name: 'video',
    hosts: ['video.test', 'sho.rt'],
    examples: [],
    match(url) {
      if (hostIs(url.hostname, 'sho.rt')) return matched('video', url, null);
      if (!hostIs(url.hostname, 'video.test')) return null;
      return matched('video', url, url.pathname.split('/').pop() ?? '', 'video');
    },
    extract: vi.fn(extract),
  };
}

const otherPlatform: Platform = {
  name: 'other',
  hosts: ['other.test'],
  examples: [],
  match: (url) => (hostIs(url.hostname, 'other.test') ? matched('other', url, 'x') : null),
  extract: async (m) => infoFor(m),
};

const failing = (code: DownloadError['code']) => async (): Promise<MediaInfo> => {
  throw new DownloadError(code);
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as DownloadError).code;
  }
  return 'resolved';
}

async function rejectionOf(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    return error as DownloadError;
  }
  throw new Error('expected a rejection');
}

describe('circuit breaker per platform', () => {
  const circuit = { failureThreshold: 3, halfOpenAfterMs: 30_000 };

  it('opens after repeated fetch failures and then answers platform.unavailable without calling the extractor', async () => {
    const video = videoPlatform(failing('fetch.failed'));
    const manager = new PlatformManager([video, otherPlatform], { circuit });
    for (let i = 0; i < 3; i++) expect(await codeOf(manager.extract('https://video.test/v/1', ctx()))).toBe('fetch.failed');
    expect(manager.circuitStates()).toEqual({ video: 'open', other: 'closed' });

    const error = await rejectionOf(manager.extract('https://video.test/v/1', ctx()));
    expect(error.code).toBe('platform.unavailable');
    expect(error.retriable).toBe(true);
    expect(error.context).toMatchObject({ platform: 'video', retryAfterSec: 30 });
    expect(video.extract).toHaveBeenCalledTimes(3);
    // the other platform is not affected
    expect((await manager.extract('https://other.test/x', ctx())).id).toBe('x');
  });

  it.each(['fetch.rate_limited', 'internal'] as const)('counts %s towards opening', async (code) => {
    const manager = new PlatformManager([videoPlatform(failing(code))], { circuit });
    for (let i = 0; i < 3; i++) await codeOf(manager.extract('https://video.test/v/1', ctx()));
    expect(manager.circuitStates().video).toBe('open');
  });

  it.each(['content.not_found', 'content.private', 'content.login_required', 'content.geo_blocked', 'link.unsupported'] as const)(
    'never opens on %s: the platform answered',
    async (code) => {
      const video = videoPlatform(failing(code));
      const manager = new PlatformManager([video], { circuit });
      for (let i = 0; i < 8; i++) expect(await codeOf(manager.extract('https://video.test/v/1', ctx()))).toBe(code);
      expect(video.extract).toHaveBeenCalledTimes(8);
      expect(manager.circuitStates().video).toBe('closed');
    },
  );

  it('a content answer in between resets the count of failures in a row', async () => {
    const answers = ['fetch.failed', 'fetch.failed', 'content.not_found', 'fetch.failed', 'fetch.failed'] as const;
    let call = 0;
    const manager = new PlatformManager([videoPlatform(async () => failing(answers[call++]!)())], { circuit });
    for (const expected of answers) expect(await codeOf(manager.extract('https://video.test/v/1', ctx()))).toBe(expected);
    expect(manager.circuitStates().video).toBe('closed');
  });

  it('does not count cancelled calls', async () => {
    const controller = new AbortController();
    controller.abort();
    const video = videoPlatform(async () => {
      throw new DownloadError('fetch.failed', 'cancelled mid-request');
    });
    const manager = new PlatformManager([video], { circuit });
    for (let i = 0; i < 5; i++) await codeOf(manager.extract('https://video.test/v/1', ctx({ signal: controller.signal })));
    expect(manager.circuitStates().video).toBe('closed');
  });

  it('never pauses generic: it fronts unrelated sites', async () => {
    const generic: Platform = {
      name: 'generic',
      hosts: [],
      examples: [],
      match: (url) => matched('generic', url, url.href),
      extract: vi.fn(failing('fetch.failed')),
    };
    const manager = new PlatformManager([generic], { circuit });
    for (let i = 0; i < 6; i++) expect(await codeOf(manager.extract(`https://site${i}.example/page`, ctx()))).toBe('fetch.failed');
    expect(generic.extract).toHaveBeenCalledTimes(6);
    expect(manager.circuitStates()).toEqual({});
  });

  it("an embed's failure counts against the embedded platform only", async () => {
    const video = videoPlatform(failing('fetch.failed'));
    const host: Platform = {
      name: 'host',
      hosts: ['host.test'],
      examples: [],
      match: (url) => (hostIs(url.hostname, 'host.test') ? matched('host', url, 'p') : null),
      extract: async (_m, c) => c.extractUrl!('https://video.test/v/embedded'),
    };
    const manager = new PlatformManager([host, video], { circuit });
    for (let i = 0; i < 3; i++) expect(await codeOf(manager.extract('https://host.test/p', ctx()))).toBe('fetch.failed');
    expect(manager.circuitStates()).toEqual({ host: 'closed', video: 'open' });
    expect(await codeOf(manager.extract('https://host.test/p', ctx()))).toBe('platform.unavailable');
    expect(manager.circuitStates().host).toBe('closed');
  });

  it('lets one probe through after the delay: half-open while it runs, closed when it succeeds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    let healthy = false;
    let releaseProbe: () => void = () => undefined;
    const video = videoPlatform(async (m) => {
      if (!healthy) throw new DownloadError('fetch.failed');
      await new Promise<void>((resolve) => (releaseProbe = resolve));
      return infoFor(m);
    });
    const manager = new PlatformManager([video], { circuit });
    for (let i = 0; i < 3; i++) await codeOf(manager.extract('https://video.test/v/1', ctx()));

    vi.setSystemTime(new Date('2025-01-01T00:00:29Z'));
    expect(await codeOf(manager.extract('https://video.test/v/1', ctx()))).toBe('platform.unavailable');
    expect(video.extract).toHaveBeenCalledTimes(3);

    vi.setSystemTime(new Date('2025-01-01T00:00:31Z'));
    healthy = true;
    const probe = manager.extract('https://video.test/v/7', ctx());
    await vi.waitFor(() => expect(video.extract).toHaveBeenCalledTimes(4));
    expect(manager.circuitStates().video).toBe('half-open');
    releaseProbe();
    expect((await probe).id).toBe('7');
    expect(manager.circuitStates().video).toBe('closed');
  });

  it('a failed probe opens the circuit again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    const video = videoPlatform(failing('fetch.failed'));
    const manager = new PlatformManager([video], { circuit });
    for (let i = 0; i < 3; i++) await codeOf(manager.extract('https://video.test/v/1', ctx()));
    vi.setSystemTime(new Date('2025-01-01T00:00:31Z'));
    expect(await codeOf(manager.extract('https://video.test/v/1', ctx()))).toBe('fetch.failed');
    expect(video.extract).toHaveBeenCalledTimes(4);
    expect(manager.circuitStates().video).toBe('open');
    expect(await codeOf(manager.extract('https://video.test/v/1', ctx()))).toBe('platform.unavailable');
    expect(video.extract).toHaveBeenCalledTimes(4);
  });

  it('with the circuit open, goes straight to the yt-dlp fallback', async () => {
    const fallback: FallbackBackend = {
      available: async () => true,
      extract: vi.fn(async (url: string) => ({ platform: 'ytdlp', id: 'from-ytdlp', url, formats: [] })),
    };
    const video = videoPlatform(failing('fetch.failed'));
    const manager = new PlatformManager([video], { circuit, fallback });
    for (let i = 0; i < 3; i++) await manager.extract('https://video.test/v/5', ctx());
    expect(video.extract).toHaveBeenCalledTimes(3);
    expect(fallback.extract).toHaveBeenCalledTimes(3);

    const info = await manager.extract('https://video.test/v/5', ctx());
    expect(video.extract).toHaveBeenCalledTimes(3);
    expect(fallback.extract).toHaveBeenCalledTimes(4);
    expect(info).toMatchObject({ platform: 'video', id: '5' });
  });

  it("hands the fallback the job's egress proxy", async () => {
    const fallback: FallbackBackend = {
      available: async () => true,
      extract: vi.fn(async (url: string) => ({ platform: 'ytdlp', id: 'x', url, formats: [] })),
    };
    const viaProxy = new HttpClient({ proxyUrl: 'http://proxy.example:3128' });
    try {
      const manager = new PlatformManager([videoPlatform(failing('fetch.failed'))], { fallback });
      await manager.extract('https://video.test/v/5', ctx({ http: viaProxy }));
      expect(fallback.extract).toHaveBeenCalledWith('https://video.test/v/5', { proxyUrl: 'http://proxy.example:3128' });
    } finally {
      await viaProxy.close();
    }
  });
});

describe('ENABLE_PLATFORMS', () => {
  it('answers link.unsupported naming the operator, without running the extractor', async () => {
    const video = videoPlatform(async (m) => infoFor(m));
    const manager = new PlatformManager([video, otherPlatform], { enabled: ['other'] });
    const error = await rejectionOf(manager.extract('https://video.test/v/1', ctx()));
    expect(error.code).toBe('link.unsupported');
    expect(error.message).toMatch(/video is disabled here by the operator/);
    expect(error.context).toMatchObject({ platform: 'video' });
    expect(video.extract).not.toHaveBeenCalled();
    expect(manager.isEnabled('video')).toBe(false);
    expect((await manager.extract('https://other.test/x', ctx())).platform).toBe('other');
  });

  it('checks the platform a short link resolves to', async () => {
    const manager = new PlatformManager([videoPlatform(async (m) => infoFor(m))], { enabled: ['other'] });
    expect(await codeOf(manager.extract('https://sho.rt/abc', ctx()))).toBe('link.unsupported');
  });
});

describe('short-link resolution cache', () => {
  it('a second resolve of the same short link makes no request', async () => {
    const cache = new MemoryCache();
    const set = vi.spyOn(cache, 'set');
    const manager = new PlatformManager([videoPlatform(async (m) => infoFor(m))]);
    const before = web.seen('https://sho.rt/abc').length;

    expect((await manager.extract('https://sho.rt/abc', ctx({ cache }))).id).toBe('42');
    expect(web.seen('https://sho.rt/abc').length - before).toBe(1);
    expect(set).toHaveBeenCalledWith('resolve:https://sho.rt/abc', 'https://video.test/v/42', RESOLVE_CACHE_TTL_SEC);
    expect(RESOLVE_CACHE_TTL_SEC).toBe(86_400);

    expect((await manager.extract('https://sho.rt/abc', ctx({ cache }))).id).toBe('42');
    expect(web.seen('https://sho.rt/abc').length - before).toBe(1);
  });

  it('remembers where a chain of short links ends', async () => {
    const cache = new MemoryCache();
    const manager = new PlatformManager([videoPlatform(async (m) => infoFor(m))]);
    const match = manager.match(new URL('https://sho.rt/two'))!;
    expect((await manager.resolve(match, { http: web.http, cache })).id).toBe('42');
    expect(await cache.get('resolve:https://sho.rt/two')).toBe('https://video.test/v/42');
  });

  it('without a cache every resolve asks again', async () => {
    const manager = new PlatformManager([videoPlatform(async (m) => infoFor(m))]);
    const before = web.seen('https://sho.rt/abc').length;
    await manager.extract('https://sho.rt/abc', ctx());
    await manager.extract('https://sho.rt/abc', ctx());
    expect(web.seen('https://sho.rt/abc').length - before).toBe(2);
  });
});

describe('extractMany', () => {
  it('returns settled results in input order with bounded concurrency', async () => {
    let running = 0;
    let peak = 0;
    const video = videoPlatform(async (m) => {
      running++;
      peak = Math.max(peak, running);
      // later links finish first, so order can only come from the manager
      await new Promise((resolve) => setTimeout(resolve, 40 - Number(m.id) * 4));
      running--;
      if (m.id === '3') throw new DownloadError('content.private');
      return infoFor(m);
    });
    const manager = new PlatformManager([video]);
    const urls = Array.from({ length: 8 }, (_, i) => `https://video.test/v/${i}`);
    const results = await manager.extractMany([...urls, 'not a link', 'https://nowhere.test/x'], ctx(), { concurrency: 3 });

    expect(peak).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.id : (r.reason as DownloadError).code))).toEqual([
      '0', '1', '2', 'content.private', '4', '5', '6', '7', 'link.invalid', 'link.unsupported',
    ]);
    expect(results[3]).toMatchObject({ status: 'rejected', reason: expect.any(DownloadError) });
  });

  it('answers an empty list with an empty list', async () => {
    expect(await new PlatformManager([otherPlatform]).extractMany([], ctx())).toEqual([]);
  });
});

describe('egress identities', () => {
  const a = new HttpClient();
  const b = new HttpClient();
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('extractMany spreads links across the identities in turn', async () => {
    const used: HttpClient[] = [];
    const video = videoPlatform(async (m, c) => {
      used.push(c.http);
      return infoFor(m);
    });
    const egress = new EgressPool([{ name: 'a', http: a }, { name: 'b', http: b }]);
    const manager = new PlatformManager([video], { egress });
    await manager.extractMany(['https://video.test/v/1', 'https://video.test/v/2', 'https://video.test/v/3', 'https://video.test/v/4'], ctx(), { concurrency: 1 });
    expect(used).toEqual([a, b, a, b]);
  });

  it('steers away from an identity that just got 429', async () => {
    const video = videoPlatform(async (m, c) => {
      if (c.http === a) throw new DownloadError('fetch.rate_limited', undefined, { retryAfterSec: 120 });
      return infoFor(m);
    });
    const egress = new EgressPool([{ name: 'a', http: a }, { name: 'b', http: b }], { cooldownMs: 60_000 });
    const manager = new PlatformManager([video], { egress });
    const first = manager.egressFor(web.http);
    expect(first).toBe(a);
    expect(await codeOf(manager.extract('https://video.test/v/1', ctx({ http: first })))).toBe('fetch.rate_limited');
    expect([manager.egressFor(web.http), manager.egressFor(web.http), manager.egressFor(web.http)]).toEqual([b, b, b]);
    expect(egress.states().map((s) => [s.name, s.coolingDownMs > 119_000])).toEqual([['a', true], ['b', false]]);
  });

  it('without identities, egressFor hands back the client it was given', () => {
    expect(new PlatformManager([otherPlatform]).egressFor(web.http)).toBe(web.http);
  });
});
