import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { downloadToFile, type TransferProgress } from '../../src/media/downloader.js';
import { downloadHls } from '../../src/media/hls.js';
import { downloadDashRepresentation, parseMpd } from '../../src/media/dash.js';
import { Ffmpeg, THUMBNAIL_MAX_BYTES } from '../../src/media/ffmpeg.js';
import { HttpClient } from '../../src/utils/http.js';
import { DownloadError } from '../../src/utils/errors.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';

const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
let media: SampleMedia;
let server: TestServer;
let http: HttpClient;
const ffmpeg = new Ffmpeg();
/** A 3 MB payload of random bytes for transfer tests. */
const payload = randomBytes(3 * 1024 * 1024);
const ranges: string[] = [];
let cutServed = 0;

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    return error as DownloadError;
  }
  throw new Error('expected a rejection');
}

/** Serves `bytes` honouring `Range: bytes=N-` when `ranged`. */
function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, ranged = true) {
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (m && ranged) {
    ranges.push(req.headers.range!);
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : bytes.length - 1;
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': String(end - start + 1), 'accept-ranges': 'bytes' });
    res.end(bytes.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { 'content-length': String(bytes.length), 'content-type': 'application/octet-stream' });
  res.end(bytes);
}

/** Sends the headers of the whole file, then `cutAt` bytes, then drops the connection. */
function serveCut(res: ServerResponse, bytes: Buffer, cutAt: number) {
  cutServed++;
  res.writeHead(200, { 'content-length': String(bytes.length), 'accept-ranges': 'bytes' });
  res.write(bytes.subarray(0, cutAt), () => setTimeout(() => res.socket?.destroy(), 20));
}

const probe = async (file: string) => {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as { format: { duration: string }; streams: Array<{ codec_type: string; width?: number }> };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-download-'));
  media = await makeSampleMedia(dir);
  // an AES-128 encrypted HLS copy of the sample, key served over HTTP
  await mkdir(join(dir, 'aes'));
  await writeFile(join(dir, 'aes', 'key.bin'), randomBytes(16));
  await writeFile(join(dir, 'aes', 'keyinfo'), `/aes/key.bin\n${join(dir, 'aes', 'key.bin')}\n`);
  await run('ffmpeg', ['-loglevel', 'error', '-y', '-i', media.mp4, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
    '-hls_key_info_file', join(dir, 'aes', 'keyinfo'), '-hls_segment_filename', join(dir, 'aes', 'seg%d.ts'), join(dir, 'aes', 'index.m3u8')]);

  let flaky = 0;
  let ignoring = 0;
  server = await startServer({
    '/file': (req, res) => serveBytes(req, res, payload),
    '/cut-then-resume': (req, res) => (req.headers.range ? serveBytes(req, res, payload) : serveCut(res, payload, 1024 * 1024 + 7)),
    '/cut-twice': (req, res) => {
      // the first answer and the first resume both drop: progress in between keeps it going
      flaky++;
      if (flaky === 1) return serveCut(res, payload, 500_000);
      if (flaky === 2) {
        const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')![1]);
        ranges.push(req.headers.range!);
        res.writeHead(206, { 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}`, 'content-length': String(payload.length - start) });
        res.write(payload.subarray(start, start + 700_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      return serveBytes(req, res, payload);
    },
    '/cut-no-ranges': (req, res) => {
      ignoring++;
      return ignoring === 1 ? serveCut(res, payload, 2_000_000) : serveBytes(req, res, payload, false);
    },
    '/always-cut': (_req, res) => serveCut(res, payload, 0),
    '/chunked': (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(payload.subarray(0, 1_000_000));
      setTimeout(() => res.end(payload.subarray(1_000_000)), 20);
    },
    '/slow': (_req, res) => {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 100_000));
    },
    '/limited': (_req, res) => void res.writeHead(429, { 'retry-after': '30' }).end('slow down'),
    '/live.m3u8': (_req, res) => void res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n/hls/media0.ts\n'),
  }, async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path);
    if (!path.includes('..') && existsSync(file)) return serveBytes(req, res, await readFile(file));
    res.writeHead(404).end();
  });
  http = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'], timeoutMs: 2000 });
});

afterAll(async () => {
  await http?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('HTTP downloader', () => {
  it('streams a file to disk with progress ending at its full size', async () => {
    const target = join(dir, 'out-file.bin');
    const seen: TransferProgress[] = [];
    const result = await downloadToFile(http, `${server.origin}/file`, target, { onProgress: (p) => seen.push(p) });
    expect(result).toEqual({ bytes: payload.length, resumes: 0 });
    expect(sha(await readFile(target))).toBe(sha(payload));
    expect(seen.at(-1)).toEqual({ downloadedBytes: payload.length, totalBytes: payload.length });
  });

  it('resumes with Range after the connection drops, and the bytes match', async () => {
    ranges.length = 0;
    const target = join(dir, 'out-resume.bin');
    const result = await downloadToFile(http, `${server.origin}/cut-then-resume`, target);
    expect(result.resumes).toBe(1);
    expect(ranges).toEqual([`bytes=${1024 * 1024 + 7}-`]);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('keeps resuming while each attempt brings new bytes', async () => {
    ranges.length = 0;
    const target = join(dir, 'out-twice.bin');
    const result = await downloadToFile(http, `${server.origin}/cut-twice`, target);
    expect(result.resumes).toBe(2);
    expect(ranges).toEqual(['bytes=500000-', 'bytes=1200000-']);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('starts over when the server ignores Range, and still ends with the right bytes', async () => {
    const target = join(dir, 'out-noranges.bin');
    const result = await downloadToFile(http, `${server.origin}/cut-no-ranges`, target);
    expect(result.resumes).toBe(1);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('gives up with fetch.failed when reconnecting brings nothing, leaving no file', async () => {
    const target = join(dir, 'out-always-cut.bin');
    const error = await rejection(downloadToFile(http, `${server.origin}/always-cut`, target, { maxStalledResumes: 2 }));
    expect(error.code).toBe('fetch.failed');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a file whose Content-Length is over the cap before reading it', async () => {
    const target = join(dir, 'out-big.bin');
    const error = await rejection(downloadToFile(http, `${server.origin}/file`, target, { maxBytes: 1024 * 1024 }));
    expect(error.code).toBe('content.too_large');
    expect(error.context).toMatchObject({ maxBytes: 1024 * 1024, sizeBytes: payload.length });
    expect(existsSync(target)).toBe(false);
  });

  it('stops a chunked body (no length) as soon as it passes the cap, leaving no file', async () => {
    const target = join(dir, 'out-chunked.bin');
    const error = await rejection(downloadToFile(http, `${server.origin}/chunked`, target, { maxBytes: 1_500_000 }));
    expect(error.code).toBe('content.too_large');
    expect(existsSync(target)).toBe(false);
    const whole = await downloadToFile(http, `${server.origin}/chunked`, target);
    expect(whole.bytes).toBe(payload.length);
  });

  it('stops on abort and removes the partial file', async () => {
    const target = join(dir, 'out-abort.bin');
    const controller = new AbortController();
    const pending = downloadToFile(http, `${server.origin}/slow`, target, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    setTimeout(() => controller.abort(), 300);
    const error = await rejection(pending);
    expect(error.context.aborted).toBe(true);
    expect(existsSync(target)).toBe(false);
  });

  it('maps 404 and 429 (with Retry-After) to their codes', async () => {
    expect((await rejection(downloadToFile(http, `${server.origin}/nothing`, join(dir, 'x')))).code).toBe('content.not_found');
    const limited = await rejection(downloadToFile(http, `${server.origin}/limited`, join(dir, 'x')));
    expect(limited.code).toBe('fetch.rate_limited');
    expect(limited.context.retryAfterSec).toBe(30);
  });
});

describe('HLS and DASH download', () => {
  it('downloads an HLS master playlist natively into a playable MP4', async () => {
    const target = join(dir, 'hls.mp4');
    const result = await downloadHls(http, `${server.origin}/hls/master.m3u8`, target, { ffmpeg });
    const info = await probe(target);
    expect(Number(info.format.duration)).toBeCloseTo(2, 0);
    expect(info.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(result.bytes).toBeGreaterThan(10_000);
  });

  it('decrypts AES-128 segments, fetching the key once', async () => {
    const plain = await readFile(join(dir, 'aes', 'seg0.ts'));
    expect(plain[0]).not.toBe(0x47); // the segment on the server really is encrypted
    const before = server.hits.filter((h) => h.startsWith('GET /aes/key.bin')).length;
    const target = join(dir, 'aes.mp4');
    await downloadHls(http, `${server.origin}/aes/index.m3u8`, target, { ffmpeg });
    expect(Number((await probe(target)).format.duration)).toBeCloseTo(2, 0);
    expect(server.hits.filter((h) => h.startsWith('GET /aes/key.bin')).length - before).toBe(1);
  });

  it('refuses a live HLS stream with content.live', async () => {
    expect((await rejection(downloadHls(http, `${server.origin}/live.m3u8`, join(dir, 'live.mp4'), { ffmpeg }))).code).toBe('content.live');
  });

  it('downloads DASH video and audio representations and merges them', async () => {
    const mpdUrl = `${server.origin}/dash/manifest.mpd`;
    const formats = parseMpd(await readFile(media.mpd, 'utf8'), mpdUrl);
    const video = formats.find((f) => f.vcodec !== null)!;
    const audio = formats.find((f) => f.vcodec === null)!;
    await downloadDashRepresentation(http, mpdUrl, video.manifestStreamId!, join(dir, 'v.mp4'), { ffmpeg });
    await downloadDashRepresentation(http, mpdUrl, audio.manifestStreamId!, join(dir, 'a.m4a'), { ffmpeg });
    await ffmpeg.merge(join(dir, 'v.mp4'), join(dir, 'a.m4a'), join(dir, 'merged.mp4'));
    const info = await probe(join(dir, 'merged.mp4'));
    expect(Number(info.format.duration)).toBeCloseTo(2, 0);
    expect(info.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(info.streams.find((s) => s.codec_type === 'video')!.width).toBe(320);
  });

  it('leaves no temporary pieces next to the outputs', async () => {
    const names = await readdir(dir);
    expect(names.filter((n) => /\.(part|ts|m4s)$|\.mp4\.mp4$/.test(n))).toEqual([]);
  });
});

describe('ffmpeg post-processing', () => {
  it('probes duration and dimensions', async () => {
    expect(await ffmpeg.probe(media.mp4)).toMatchObject({ width: 320, height: 180, vcodec: 'h264', acodec: 'aac' });
    expect((await ffmpeg.probe(media.mp4)).durationSec).toBeCloseTo(2, 0);
  });

  it('extracts AAC into m4a by copying, and encodes mp3', async () => {
    await ffmpeg.extractAudio(media.mp4, join(dir, 'sound.m4a'), 'm4a');
    await ffmpeg.extractAudio(media.mp4, join(dir, 'sound.mp3'), 'mp3');
    expect(await ffmpeg.probe(join(dir, 'sound.m4a'))).toMatchObject({ acodec: 'aac' });
    expect(await ffmpeg.probe(join(dir, 'sound.m4a'))).not.toHaveProperty('vcodec');
    expect(await ffmpeg.probe(join(dir, 'sound.mp3'))).toMatchObject({ acodec: 'mp3' });
  });

  it('makes a JPEG thumbnail within 320 px and 200 kB', async () => {
    const big = join(dir, 'big.mp4');
    await run('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', big]);
    await ffmpeg.thumbnail(big, join(dir, 'thumb.jpg'));
    const p = await ffmpeg.probe(join(dir, 'thumb.jpg'));
    expect(p.width).toBe(320);
    expect(p.height).toBe(180);
    expect((await stat(join(dir, 'thumb.jpg'))).size).toBeLessThanOrEqual(THUMBNAIL_MAX_BYTES);
  });

  it('explains a missing ffmpeg binary', async () => {
    const error = await rejection(new Ffmpeg({ ffprobePath: '/nonexistent/ffprobe' }).probe(media.mp4));
    expect(error.message).toContain('FFPROBE_PATH');
  });
});
