import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generic, parseIsoDuration, sniffResource } from '../../src/platforms/generic.js';
import type { ExtractContext } from '../../src/platforms/base.js';
import type { MediaInfo } from '../../src/media/types.js';
import { PlatformManager } from '../../src/core/platform-manager.js';
import { HttpClient } from '../../src/utils/http.js';
import { testConfig, type Config } from '../../src/utils/config.js';
import { DownloadError } from '../../src/utils/errors.js';
import { silentLogger } from '../../src/utils/logger.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';

const BIG_BYTES = 200 * 1024 * 1024;
const HUGE_PAGE_BYTES = 64 * 1024 * 1024;

let dir: string;
let media: SampleMedia;
let server: TestServer;
let origin: string;
/** A second host (127.0.0.2) for cross-host embeds. */
let other: { server: Server; origin: string; hits: string[] };
let http: HttpClient;
let config: Config;
const big = { sentBytes: 0, closed: false };
const hugePage = { sentBytes: 0 };

const files: Record<string, { file: () => string; type?: string; headers?: Record<string, string> }> = {
  '/media/clip.mp4': { file: () => media.mp4, type: 'video/mp4' },
  '/bin/clip': { file: () => media.mp4, type: 'application/octet-stream' },
  '/bin/song': { file: () => media.mp3, type: 'binary/octet-stream' },
  '/notype/clip': { file: () => media.mp4 },
  '/audio/clip.mp3': { file: () => media.mp3, type: 'audio/mpeg' },
  '/dl': { file: () => media.mp4, type: 'application/octet-stream', headers: { 'content-disposition': 'attachment; filename="My Holiday.mp4"' } },
  '/hls/master.m3u8': { file: () => media.hlsMaster, type: 'application/vnd.apple.mpegurl' },
  '/hls/media.m3u8': { file: () => media.hlsMedia, type: 'application/vnd.apple.mpegurl' },
  '/plain/playlist': { file: () => media.hlsMedia, type: 'text/plain; charset=utf-8' },
  '/dash/manifest.mpd': { file: () => media.mpd, type: 'application/dash+xml' },
  '/xml/manifest': { file: () => media.mpd, type: 'application/xml' },
};

const page = (head: string, body = '') => `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

function pages(): Record<string, string> {
  return {
    '/page/video-src.html': page('<title>\n  A clip\n  page </title>', '<video controls src="/media/clip.mp4" poster="/poster.jpg"></video>'),
    '/page/sources.html': page(
      '<title>Sources</title>',
      `<video controls><source src="/media/clip.webm" type="video/webm"><source src="clip.mp4" type='video/mp4; codecs="avc1.64000c, mp4a.40.2"'></video>
       <audio controls src="/audio/clip.mp3"></audio>
       <picture><source srcset="/a.webp" type="image/webp"><img src="/a.jpg"></picture>`,
    ),
    '/page/og.html': page(`
      <title>HTML title</title>
      <meta property="og:title" content="OG title">
      <meta property="og:description" content="OG description">
      <meta name="description" content="meta description">
      <meta property="og:image" content="/og.jpg">
      <meta property="og:site_name" content="Example Site">
      <meta property="og:video" content="${origin}/media/clip.mp4">
      <meta property="og:video:secure_url" content="${origin}/media/clip.mp4">
      <meta property="og:video:type" content="video/mp4">
      <meta property="og:video:width" content="320">
      <meta property="og:video:height" content="180">
      <meta property="og:video" content="/hls/master.m3u8">
      <meta property="og:video:type" content="application/x-mpegURL">`),
    '/page/twitter.html': page(`
      <title>HTML title</title>
      <meta name="twitter:card" content="player">
      <meta name="twitter:title" content="Card title">
      <meta name="twitter:image" content="${origin}/card.jpg">
      <meta name="twitter:player:stream" content="/hls/master.m3u8">
      <meta name="twitter:player:stream:content_type" content="application/x-mpegURL">`),
    '/page/jsonld.html': page(`
      <title>HTML title</title>
      <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
        {"@type":"WebPage","name":"The page"},
        {"@type":"VideoObject","name":"LD title","description":"LD description",
         "thumbnailUrl":["/thumbs/1.jpg","/thumbs/2.jpg"],"duration":"PT1M30S","uploadDate":"2024-01-02T03:04:05Z",
         "author":{"@type":"Person","name":"Jane Doe"},"contentUrl":"\\/dash\\/manifest.mpd","encodingFormat":"application/dash+xml"}]}</script>
      <script type="application/ld+json">[{"@type":"Organization","name":"Org"},
        {"@type":["VideoObject"],"contentUrl":"https://cdn.example.com/v/clip.mp4?x=1","width":{"@type":"QuantitativeValue","value":1280},"height":"720"}]</script>
      <script type="application/ld+json">{ this is not json </script>`),
    '/page/iframe.html': page('<title>Embedding page</title>', '<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen></iframe>'),
    '/page/empty.html': page('<title>Nothing here</title>', '<p>Just text <img src="/a.png"> and <a href="/x.mp4">a link</a>.</p>'),
    '/page/entities.html': page(
      `<base href="/assets/v/"><meta property="og:title" content="Tom &amp; Jerry &#8211; &quot;Best&quot; &lt;clip&gt;">`,
      `<video src="clip.mp4?a=1&amp;b=2&#38;c=%20x"></video>
       <video><source src="//127.0.0.1:${server.port}/other/x.webm" type="video/webm"></video>
       <video src="javascript:alert(1)"></video><video src="blob:${origin}/abc"></video><video src="data:video/mp4;base64,AAAA"></video>`,
    ),
    '/page/private-manifest.html': page('<meta property="og:video" content="http://10.0.0.1/x.m3u8"><meta property="og:video:type" content="application/x-mpegURL">'),
    '/page/private-mp4.html': page('<meta property="og:video" content="http://10.0.0.1/x.mp4">', '<video src="http://169.254.169.254/latest/meta-data.mp4"></video>'),
    '/page/private-and-public.html': page('<meta property="og:video" content="http://10.0.0.1/x.mp4">', '<video src="/media/clip.mp4"></video>'),
    '/page/untyped.html': page('<title>Untyped</title>', '<video src="/notype/clip"></video><video src="/plain/playlist"></video>'),
    '/page/frame-same.html': page('<title>Outer</title>', '<iframe src="/embed/player.html"></iframe>'),
    '/embed/player.html': page('<title>Player</title>', '<video src="/media/clip.mp4"></video>'),
    '/page/frame-other.html': page('<title>Outer page</title>', `<iframe src="${other.origin}/player.html"></iframe>`),
    '/page/latin1.html': '<html><head><title>Caf\u00e9 video</title></head><body><video src="/media/clip.mp4"></video></body></html>',
    '/page/latin1-meta.html': '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><title>Caf\u00e9 video</title></head><body><video src="/media/clip.mp4"></video></body></html>',
  };
}

function serveFile(res: ServerResponse, bytes: Buffer, type: string | undefined, headers: Record<string, string> = {}) {
  res.writeHead(200, { ...(type ? { 'content-type': type } : {}), 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

/** Streams `total` bytes (`head` first, then filler) with backpressure, counting what left the server. */
function stream(res: ServerResponse, total: number, head: Buffer, filler: Buffer, counter: { sentBytes: number }) {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const part = (sent === 0 ? head : filler).subarray(0, total - sent);
      sent += part.length;
      counter.sentBytes = sent;
      if (!res.write(part)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function ctx(extra: Partial<ExtractContext> = {}): ExtractContext {
  return { http, config, logger: silentLogger, ...extra };
}

async function extract(pathOrUrl: string, extra: Partial<ExtractContext> = {}): Promise<MediaInfo> {
  const url = new URL(pathOrUrl, origin);
  const match = generic.match(url);
  if (!match) throw new Error(`generic does not match ${url.href}`);
  return generic.extract!(match, ctx(extra));
}

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    return error as DownloadError;
  }
  throw new Error('expected a rejection');
}

const sha12 = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 12);
const hitsFor = (path: string) => server.hits.filter((h) => h === `GET ${path}`).length;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-generic-'));
  media = await makeSampleMedia(dir);
  const otherHits: string[] = [];
  const otherServer = createServer((req, res) => {
    otherHits.push(`${req.method} ${req.url}`);
    if (req.url === '/player.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page('<title>Player</title>', '<video src="/media/clip.mp4"></video>'));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => otherServer.listen(0, '127.0.0.2', resolve));
  other = { server: otherServer, origin: `http://127.0.0.2:${(otherServer.address() as AddressInfo).port}`, hits: otherHits };

  server = await startServer({}, async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path];
    if (file) return serveFile(res, await readFile(file.file()), file.type, file.headers);
    if (path.startsWith('/hls/') || path.startsWith('/dash/')) {
      return serveFile(res, await readFile(join(dir, path)), path.endsWith('.ts') ? 'video/mp2t' : 'video/mp4');
    }
    if (path === '/big/movie') {
      res.on('close', () => (big.closed = true));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG_BYTES) });
      return stream(res, BIG_BYTES, await readFile(media.mp4), Buffer.alloc(64 * 1024), big);
    }
    if (path === '/page/huge.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const head = Buffer.from(page('<title>Huge</title>', '<video src="/media/clip.mp4"></video><div>'));
      return stream(res, HUGE_PAGE_BYTES, head, Buffer.alloc(64 * 1024, 'lorem ipsum '), hugePage);
    }
    if (path === '/page/latin1.html' || path === '/page/latin1-meta.html') {
      const type = path === '/page/latin1.html' ? 'text/html; charset=iso-8859-1' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(Buffer.from(pages()[path]!, 'latin1'));
      return;
    }
    const html = pages()[path];
    if (html !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  origin = server.origin;
  http = new HttpClient({ allowedPrivateHosts: ['127.0.0.1', '127.0.0.2'] });
  config = testConfig({ allowedPrivateHosts: ['127.0.0.1', '127.0.0.2'] });
});

afterAll(async () => {
  await http?.close();
  await server?.close();
  if (other) {
    other.server.closeAllConnections();
    await new Promise((resolve) => other.server.close(resolve));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('generic: match', () => {
  it('claims any http(s) URL with its href as id, and nothing else', () => {
    const m = generic.match(new URL('https://example.com/a/b.mp4?x=1#t'));
    expect(m).toMatchObject({ platform: 'generic', id: 'https://example.com/a/b.mp4?x=1#t', kind: 'page' });
    for (const input of ['ftp://example.com/a.mp4', 'mailto:a@example.com', 'javascript:alert(1)', 'file:///etc/passwd']) {
      expect(generic.match(new URL(input))).toBeNull();
    }
    const positives = generic.examples.filter((e) => e.id !== false);
    expect(positives.length).toBeGreaterThanOrEqual(8);
    for (const ext of ['.mp4', '.m3u8', '.mpd']) expect(positives.some((e) => e.url.includes(ext))).toBe(true);
  });
});

describe('generic: direct links', () => {
  it('returns a direct mp4 as one https format with its size, without downloading it', async () => {
    const url = `${origin}/media/clip.mp4`;
    const info = await extract(url);
    const size = (await readFile(media.mp4)).length;
    expect(info).toEqual({
      platform: 'generic', id: sha12(url), url, title: 'clip',
      formats: [{ id: 'mp4', url, protocol: 'https', container: 'mp4', filesizeBytes: size }],
    });
  });

  it.each([
    ['/bin/clip', 'mp4', undefined],
    ['/notype/clip', 'mp4', undefined],
    ['/bin/song', 'mp3', null],
    ['/audio/clip.mp3', 'mp3', null],
  ])('recognises %s as %s (declared or sniffed)', async (path, container, vcodec) => {
    const info = await extract(path);
    expect(info.formats).toHaveLength(1);
    expect(info.formats[0]).toMatchObject({ url: `${origin}${path}`, protocol: 'https', container });
    expect(info.formats[0]!.vcodec).toBe(vcodec);
  });

  it('takes the title from Content-Disposition', async () => {
    const info = await extract('/dl');
    expect(info.title).toBe('My Holiday');
    expect(info.formats[0]!.container).toBe('mp4');
  });

  it('stops reading a large media file after its first bytes', async () => {
    const started = Date.now();
    const info = await extract('/big/movie');
    expect(info.formats).toEqual([{ id: 'mp4', url: `${origin}/big/movie`, protocol: 'https', container: 'mp4', filesizeBytes: BIG_BYTES }]);
    await vi.waitFor(() => expect(big.closed).toBe(true), { timeout: 5_000 });
    expect(big.sentBytes).toBeLessThan(32 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('expands an HLS master playlist into its variants', async () => {
    const info = await extract('/hls/master.m3u8');
    expect(info.title).toBe('master');
    expect(info.formats.length).toBeGreaterThanOrEqual(1);
    for (const f of info.formats) expect(f.protocol).toBe('hls');
    expect(info.formats).toContainEqual(expect.objectContaining({ url: `${origin}/hls/media.m3u8`, width: 320, height: 180 }));
  });

  it('returns an HLS media playlist as one hls format with its duration', async () => {
    const info = await extract('/hls/media.m3u8');
    expect(info.formats).toEqual([expect.objectContaining({ url: `${origin}/hls/media.m3u8`, protocol: 'hls' })]);
    expect(info.durationSec).toBe(2);
    expect(info.live).toBeUndefined();
  });

  it('sniffs a playlist served as text/plain', async () => {
    const info = await extract('/plain/playlist');
    expect(info.formats).toEqual([expect.objectContaining({ url: `${origin}/plain/playlist`, protocol: 'hls' })]);
  });

  it.each(['/dash/manifest.mpd', '/xml/manifest'])('expands the DASH manifest %s into its representations', async (path) => {
    const info = await extract(path);
    expect(info.formats.length).toBeGreaterThanOrEqual(2);
    for (const f of info.formats) expect(f.protocol).toBe('dash');
    expect(info.formats).toContainEqual(expect.objectContaining({ width: 320, height: 180 }));
    expect(info.formats.some((f) => f.vcodec === null)).toBe(true);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(extract('/page/video-src.html', { signal: controller.signal }));
    expect(error.context.aborted).toBe(true);
  });

  it('maps a 404 to content.not_found', async () => {
    expect((await rejection(extract('/missing.mp4'))).code).toBe('content.not_found');
  });
});

describe('generic: pages', () => {
  it('finds <video src> without fetching the media, with title and poster', async () => {
    const before = hitsFor('/media/clip.mp4');
    const url = `${origin}/page/video-src.html`;
    const info = await extract(url);
    expect(info).toEqual({
      platform: 'generic', id: sha12(url), url, title: 'A clip page', thumbnail: `${origin}/poster.jpg`,
      formats: [{ id: 'mp4', url: `${origin}/media/clip.mp4`, protocol: 'https', container: 'mp4' }],
    });
    expect(hitsFor('/media/clip.mp4')).toBe(before);
  });

  it('finds <video><source type> and <audio>, with codecs from the type attribute', async () => {
    const info = await extract('/page/sources.html');
    expect(info.formats).toEqual([
      { id: 'webm', url: `${origin}/media/clip.webm`, protocol: 'https', container: 'webm' },
      { id: 'mp4', url: `${origin}/page/clip.mp4`, protocol: 'https', container: 'mp4', vcodec: 'avc1.64000c', acodec: 'mp4a.40.2' },
      { id: 'mp3', url: `${origin}/audio/clip.mp3`, protocol: 'https', container: 'mp3', vcodec: null, acodec: 'mp3' },
    ]);
  });

  it('reads og:video groups (type, size) and Open Graph metadata', async () => {
    const info = await extract('/page/og.html');
    expect(info).toMatchObject({
      title: 'OG title', description: 'OG description', thumbnail: `${origin}/og.jpg`, uploader: 'Example Site',
    });
    expect(info.formats[0]).toEqual({ id: 'mp4', url: `${origin}/media/clip.mp4`, protocol: 'https', container: 'mp4', width: 320, height: 180 });
    const hls = info.formats.slice(1);
    expect(hls.length).toBeGreaterThanOrEqual(1);
    for (const f of hls) expect(f.protocol).toBe('hls');
    expect(new Set(info.formats.map((f) => f.id)).size).toBe(info.formats.length);
  });

  it('reads twitter:player:stream and expands its manifest', async () => {
    const info = await extract('/page/twitter.html');
    expect(info).toMatchObject({ title: 'Card title', thumbnail: `${origin}/card.jpg` });
    expect(info.formats.length).toBeGreaterThanOrEqual(1);
    expect(info.formats).toContainEqual(expect.objectContaining({ protocol: 'hls', url: `${origin}/hls/media.m3u8`, height: 180 }));
  });

  it('reads JSON-LD VideoObjects inside @graph and arrays, with their metadata', async () => {
    const info = await extract('/page/jsonld.html');
    expect(info).toMatchObject({
      title: 'LD title', description: 'LD description', thumbnail: `${origin}/thumbs/1.jpg`, durationSec: 90,
      timestamp: Date.UTC(2024, 0, 2, 3, 4, 5) / 1000, uploader: 'Jane Doe',
    });
    const dash = info.formats.filter((f) => f.protocol === 'dash');
    expect(dash.length).toBeGreaterThanOrEqual(2);
    expect(dash).toContainEqual(expect.objectContaining({ width: 320, height: 180 }));
    expect(info.formats).toContainEqual({ id: 'mp4', url: 'https://cdn.example.com/v/clip.mp4?x=1', protocol: 'https', container: 'mp4', width: 1280, height: 720 });
  });

  it('hands an embedded YouTube player to ctx.extractUrl and returns its result', async () => {
    const youtubeInfo: MediaInfo = { platform: 'youtube', id: 'dQw4w9WgXcQ', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', title: 'Never Gonna', formats: [] };
    const extractUrl = vi.fn(async (url: string) => {
      if (new URL(url).hostname === 'www.youtube.com') return youtubeInfo;
      throw new DownloadError('link.unsupported');
    });
    const info = await extract('/page/iframe.html', { extractUrl });
    expect(extractUrl).toHaveBeenCalledWith('https://www.youtube.com/embed/dQw4w9WgXcQ');
    expect(info).toBe(youtubeInfo);
  });

  it('reports content.not_found for a page without media', async () => {
    const error = await rejection(extract('/page/empty.html'));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.code).toBe('content.not_found');
    expect(error.message).toBe('No video found on this page.');
  });

  it('decodes entities in attributes and resolves relative URLs against <base href>', async () => {
    const info = await extract('/page/entities.html');
    expect(info.title).toBe('Tom & Jerry \u2013 "Best" <clip>');
    expect(info.formats.map((f) => f.url)).toEqual([`${origin}/assets/v/clip.mp4?a=1&b=2&c=%20x`, `${origin}/other/x.webm`]);
  });

  it.each(['/page/latin1.html', '/page/latin1-meta.html'])('decodes %s in the charset it declares', async (path) => {
    expect((await extract(path)).title).toBe('Caf\u00e9 video');
  });

  it('fetches untyped media links just far enough to tell what they are', async () => {
    const info = await extract('/page/untyped.html');
    expect(info.formats).toEqual([
      { id: 'mp4', url: `${origin}/notype/clip`, protocol: 'https', container: 'mp4', filesizeBytes: (await readFile(media.mp4)).length },
      expect.objectContaining({ id: 'hls', url: `${origin}/plain/playlist`, protocol: 'hls' }),
    ]);
  });

  it('reads only a bounded prefix of a huge page', async () => {
    const info = await extract('/page/huge.html');
    expect(info.formats.map((f) => f.url)).toEqual([`${origin}/media/clip.mp4`]);
    expect(hugePage.sentBytes).toBeLessThan(32 * 1024 * 1024);
  });

  it('follows a same-host player iframe one level down without asking the platform manager', async () => {
    const extractUrl = vi.fn(async () => {
      throw new DownloadError('link.unsupported');
    });
    const info = await extract('/page/frame-same.html', { extractUrl });
    expect(extractUrl).not.toHaveBeenCalled();
    expect(info.title).toBe('Outer');
    expect(info.formats.map((f) => f.url)).toEqual([`${origin}/media/clip.mp4`]);
  });

  it('through the platform manager, an unknown cross-host player is probed without a fetch, then read as a page', async () => {
    const manager = new PlatformManager([generic]);
    const info = await manager.extract(`${origin}/page/frame-other.html`, ctx());
    expect(info.title).toBe('Outer page');
    expect(info.formats.map((f) => f.url)).toEqual([`${other.origin}/media/clip.mp4`]);
    expect(other.hits).toEqual(['GET /player.html']);
  });
});

describe('generic: private addresses', () => {
  it('refuses to fetch a manifest candidate on a private host (fetch.blocked)', async () => {
    const request = vi.spyOn(http, 'request');
    try {
      const error = await rejection(extract('/page/private-manifest.html'));
      expect(error.code).toBe('fetch.blocked');
      expect(request.mock.calls.map((c) => String(c[0]))).toEqual([`${origin}/page/private-manifest.html`]);
    } finally {
      request.mockRestore();
    }
  });

  it('never hands out a format that points at a private address', async () => {
    expect((await rejection(extract('/page/private-mp4.html'))).code).toBe('fetch.blocked');
    const info = await extract('/page/private-and-public.html');
    expect(info.formats.map((f) => f.url)).toEqual([`${origin}/media/clip.mp4`]);
  });

  it('without the allowance for local hosts, even the page itself is refused', async () => {
    const strict = new HttpClient();
    try {
      const match = generic.match(new URL(`${origin}/page/video-src.html`))!;
      const error = await rejection(generic.extract!(match, { http: strict, config, logger: silentLogger }));
      expect(error.code).toBe('fetch.blocked');
    } finally {
      await strict.close();
    }
  });
});

describe('generic: signatures and durations', () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  const ts = Buffer.alloc(188 * 3);
  ts[0] = ts[188] = ts[376] = 0x47;

  it.each([
    ['mp4', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), { kind: 'media', media: { container: 'mp4' } }],
    ['mov', bytes([0, 0, 0, 0x14], 'ftypqt  '), { kind: 'media', media: { container: 'mov' } }],
    ['m4a', bytes([0, 0, 0, 0x20], 'ftypM4A '), { kind: 'media', media: { container: 'm4a', audio: true } }],
    ['webm', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01], 'B\x82\x84webm'), { kind: 'media', media: { container: 'webm' } }],
    ['mkv', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01], 'B\x82\x88matroska'), { kind: 'media', media: { container: 'mkv' } }],
    ['mpeg-ts', ts, { kind: 'media', media: { container: 'ts' } }],
    ['mp3 (ID3)', bytes('ID3', [4, 0, 0]), { kind: 'media', media: { container: 'mp3', audio: true, acodec: 'mp3' } }],
    ['mp3 (frame sync)', bytes([0xff, 0xfb, 0x90, 0x64]), { kind: 'media', media: { container: 'mp3', audio: true, acodec: 'mp3' } }],
    ['aac (ADTS)', bytes([0xff, 0xf1, 0x50, 0x80]), { kind: 'media', media: { container: 'aac', audio: true, acodec: 'aac' } }],
    ['ogg', bytes('OggS', [0, 2], '\x01vorbis'), { kind: 'media', media: { container: 'ogg', audio: true } }],
    ['ogv', bytes('OggS', [0, 2], '\x80theora'), { kind: 'media', media: { container: 'ogv' } }],
    ['flac', bytes('fLaC', [0, 0, 0, 0x22]), { kind: 'media', media: { container: 'flac', audio: true, acodec: 'flac' } }],
    ['wav', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), { kind: 'media', media: { container: 'wav', audio: true } }],
    ['webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), { kind: 'media', media: { container: 'webp', image: true } }],
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0]), { kind: 'media', media: { container: 'jpg', image: true } }],
    ['png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), { kind: 'media', media: { container: 'png', image: true } }],
    ['gif', bytes('GIF89a'), { kind: 'media', media: { container: 'gif', image: true } }],
    ['hls with BOM', bytes('\xef\xbb\xbf\n#EXTM3U\n#EXT-X-VERSION:3'), { kind: 'hls' }],
    ['dash', bytes('<?xml version="1.0"?>\n<!-- x -->\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">'), { kind: 'dash' }],
    ['html', bytes('<!doctype html><html>'), { kind: 'html' }],
    ['text starting with G', bytes('Good morning'), { kind: 'html' }],
  ])('sniffs %s', (_name, input, expected) => {
    expect(sniffResource(input)).toEqual(expected);
  });

  it.each([
    ['PT1M30S', 90], ['PT2H', 7200], ['P1DT1S', 86401], ['PT0.5S', 0.5], ['PT1H2M3S', 3723], ['125', 125], [42, 42],
    ['P', undefined], ['PT', undefined], ['1:30', undefined], [null, undefined],
  ])('parses the duration %j as %j', (input, seconds) => {
    expect(parseIsoDuration(input)).toBe(seconds);
  });
});
