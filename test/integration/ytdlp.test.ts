import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { YtdlpBackend } from '../../src/platforms/ytdlp.js';
import { silentLogger } from '../../src/utils/logger.js';
import type { DownloadError } from '../../src/utils/errors.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';

/**
 * A stand-in yt-dlp: records its argv (and the cookies it was given) to calls.jsonl, then
 * behaves by the URL's path: /fail?stderr=… fails with that stderr, /sleep hangs, /huge prints
 * 2 MB, /garbage prints non-JSON, anything else prints a fixed info JSON.
 */
const FAKE_YTDLP = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const record = { args, pid: process.pid };
const ci = args.indexOf('--cookies');
if (ci >= 0) {
  record.cookies = fs.readFileSync(args[ci + 1], 'utf8');
  fs.writeFileSync(args[ci + 1], '# cookie jar dumped by yt-dlp\\n');
}
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify(record) + '\\n');
if (args[0] === '--version') { process.stdout.write('2099.01.01\\n'); process.exit(0); }
const url = args[args.length - 1];
let parsed;
try { parsed = new URL(url); } catch { parsed = new URL('https://invalid/'); }
if (parsed.pathname === '/fail') { process.stderr.write(parsed.searchParams.get('stderr') + '\\n'); process.exit(1); }
if (parsed.pathname === '/sleep') { setInterval(() => {}, 1000); return; }
if (parsed.pathname === '/huge') { process.stdout.write('x'.repeat(2 * 1024 * 1024), () => process.exit(0)); return; }
if (parsed.pathname === '/garbage') { process.stdout.write('this is not json'); process.exit(0); }
process.stdout.write(JSON.stringify({
  id: '76979871', title: 'The New Vimeo Player', uploader: 'Vimeo', extractor_key: 'Vimeo', duration: 62,
  webpage_url: url,
  formats: [
    { format_id: 'hls-fastly_skyfire-1080p', url: 'https://cdn.example.com/v/1080p.m3u8', protocol: 'm3u8_native', ext: 'mp4', width: 1920, height: 1080, vcodec: 'avc1.640028', acodec: 'mp4a.40.2' },
    { format_id: 'http-720p', url: 'https://cdn.example.com/v/720p.mp4', protocol: 'https', ext: 'mp4', width: 1280, height: 720 },
  ],
}));
`;

let dir: string;
let fakeBin: string;
let server: TestServer;
let media: SampleMedia;
const realAvailable = await new YtdlpBackend({ logger: silentLogger }).available();

async function calls(): Promise<Array<{ args: string[]; pid: number; cookies?: string }>> {
  const file = join(dir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; pid: number; cookies?: string });
}

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    return error as DownloadError;
  }
  throw new Error('expected a rejection');
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-ytdlp-test-'));
  fakeBin = join(dir, 'yt-dlp');
  await writeFile(fakeBin, FAKE_YTDLP);
  await chmod(fakeBin, 0o755);
  media = await makeSampleMedia(join(dir, 'media'));
  server = await startServer({
    '/clip.mp4': (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(statSync(media.mp4).size) });
      createReadStream(media.mp4).pipe(res);
    },
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('real yt-dlp', () => {
  it.skipIf(!realAvailable)('extracts a direct mp4 on the local server into one https format with that URL', async () => {
    const backend = new YtdlpBackend({ logger: silentLogger });
    const url = `${server.origin}/clip.mp4`;
    const info = await backend.extract(url, { timeoutMs: 60_000 });
    expect(info.platform).toBe('generic');
    expect(info.url).toBe(url);
    expect(info.formats).toHaveLength(1);
    expect(info.formats[0]).toMatchObject({ url, protocol: 'https', container: 'mp4' });
  });

  it.skipIf(!realAvailable)('maps its HTTP 404 to content.not_found', async () => {
    const backend = new YtdlpBackend({ logger: silentLogger });
    const error = await rejection(backend.extract(`${server.origin}/missing.mp4`, { timeoutMs: 60_000 }));
    expect(error.code).toBe('content.not_found');
    expect(String(error.context.detail)).toContain('404');
  });

  it.skipIf(!realAvailable)('takes an option-looking input as a URL, never as an option', async () => {
    const marker = join(dir, 'exec-ran');
    const backend = new YtdlpBackend({ logger: silentLogger });
    const error = await rejection(backend.extract(`--exec=touch ${marker}`, { timeoutMs: 60_000 }));
    expect(error.code).toBe('link.invalid');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('yt-dlp backend with a stand-in binary', () => {
  it('checks availability once and is off when the binary is missing', async () => {
    const before = (await calls()).filter((c) => c.args[0] === '--version').length;
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin });
    expect(await backend.available()).toBe(true);
    expect(await backend.available()).toBe(true);
    expect(await backend.version()).toBe('2099.01.01');
    const after = (await calls()).filter((c) => c.args[0] === '--version').length;
    expect(after - before).toBe(1);

    const missing = new YtdlpBackend({ logger: silentLogger, path: join(dir, 'no-such-yt-dlp') });
    expect(await missing.available()).toBe(false);
    expect((await rejection(missing.extract('https://vimeo.com/76979871'))).code).toBe('link.unsupported');
  });

  it('maps the JSON it prints and passes the argv it documents', async () => {
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin, proxyUrl: 'http://127.0.0.1:9', playlistLimit: 5 });
    const info = await backend.extract('https://vimeo.com/76979871');
    expect(info).toMatchObject({ platform: 'vimeo', id: '76979871', title: 'The New Vimeo Player', durationSec: 62, url: 'https://vimeo.com/76979871' });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([
      ['hls-fastly_skyfire-1080p', 'hls', 1080],
      ['http-720p', 'https', 720],
    ]);
    const last = (await calls()).at(-1)!;
    expect(last.args).toEqual([
      '-J', '--no-warnings', '--ignore-config', '--no-playlist', '--flat-playlist', '--playlist-end', '5',
      '--proxy', 'http://127.0.0.1:9', '--', 'https://vimeo.com/76979871',
    ]);
  });

  it('passes shell metacharacters in the URL verbatim, and nothing runs', async () => {
    const pwned = join(dir, 'pwned');
    const keep = join(dir, 'keep');
    await writeFile(keep, 'still here');
    const url = `https://example.com/v?a=$(touch ${pwned})&b=\`touch ${pwned}2\`; rm -f ${keep} | touch ${pwned}3`;
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin });
    const info = await backend.extract(url);
    expect(info.url).toBe(url);
    const last = (await calls()).at(-1)!;
    expect(last.args.slice(-2)).toEqual(['--', url]);
    expect(existsSync(pwned)).toBe(false);
    expect(existsSync(`${pwned}2`)).toBe(false);
    expect(existsSync(`${pwned}3`)).toBe(false);
    expect(existsSync(keep)).toBe(true);
  });

  it.each([
    ['ERROR: [vimeo] 1: Private video', 'content.private', false],
    ['ERROR: [youtube] x: Sign in to confirm your age. This video may be inappropriate for some users.', 'content.age_restricted', false],
    ['ERROR: [youtube] x: This live event will begin in 5 minutes.', 'content.live', false],
    ['ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found', 'content.not_found', false],
    ['ERROR: [instagram] x: HTTP Error 429: Too Many Requests', 'fetch.rate_limited', true],
    ['ERROR: Unsupported URL: https://example.com/', 'link.unsupported', false],
    ['ERROR: [youtube] x: The uploader has not made this video available in your country', 'content.geo_blocked', false],
    ['ERROR: [facebook] x: This video is only available for registered users. Use --cookies', 'content.login_required', false],
    ['ERROR: [vimeo] x: Unable to download JSON metadata: <urlopen error timed out>', 'fetch.failed', true],
  ])('a run failing with %j is %s', async (stderr, code, retriable) => {
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin });
    const error = await rejection(backend.extract(`https://example.com/fail?stderr=${encodeURIComponent(stderr)}`));
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.context.detail).toBe(stderr);
  });

  it('gives yt-dlp a private copy of COOKIES_FILE and removes it afterwards', async () => {
    const cookies = join(dir, 'cookies.txt');
    const original = '# Netscape HTTP Cookie File\n.vimeo.com\tTRUE\t/\tTRUE\t0\tvuid\tabc123\n';
    await writeFile(cookies, original);
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin, cookiesFile: cookies });
    await backend.extract('https://vimeo.com/76979871');
    const last = (await calls()).at(-1)!;
    const passed = last.args[last.args.indexOf('--cookies') + 1]!;
    expect(passed).not.toBe(cookies);
    expect(last.cookies).toBe(original);
    expect(existsSync(passed)).toBe(false);
    expect(await readFile(cookies, 'utf8')).toBe(original);
  });

  it('kills yt-dlp on timeout and reports a retriable fetch.failed', async () => {
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin });
    const started = Date.now();
    const error = await rejection(backend.extract('https://example.com/sleep', { timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('fetch.failed');
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(/did not finish/);
    expect(processGone((await calls()).at(-1)!.pid)).toBe(true);
  });

  it('kills yt-dlp when the caller aborts', async () => {
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await rejection(backend.extract('https://example.com/sleep', { signal: controller.signal }));
    expect(error.code).toBe('internal');
    expect(error.context.aborted).toBe(true);
    expect(processGone((await calls()).at(-1)!.pid)).toBe(true);
  });

  it('refuses output past its bound and output that is not JSON', async () => {
    const backend = new YtdlpBackend({ logger: silentLogger, path: fakeBin, maxOutputBytes: 1024 * 1024 });
    const huge = await rejection(backend.extract('https://example.com/huge'));
    expect(huge.code).toBe('fetch.failed');
    expect(huge.message).toMatch(/more than 1048576 bytes/);
    const garbage = await rejection(backend.extract('https://example.com/garbage'));
    expect(garbage.code).toBe('fetch.failed');
    expect(garbage.message).toMatch(/not JSON/);
  });
});
