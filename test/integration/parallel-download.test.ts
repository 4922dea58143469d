import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { downloadToFile, planChunks, PARALLEL_DEFAULTS, type TransferProgress } from '../../src/media/downloader.js';
import { HttpClient } from '../../src/utils/http.js';
import type { DownloadError } from '../../src/utils/errors.js';
import { startServer, type TestServer } from '../support/http-server.js';

const MB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** 20 MB: above the 8 MB threshold, four pieces of 5 MB. */
const payload = randomBytes(20 * MB);
const PIECES = ['bytes=5242880-10485759', 'bytes=10485760-15728639', 'bytes=15728640-20971519'] as const;
/** Range headers in a stable order (by first byte) for comparison. */
const byStart = (headers: readonly string[] | undefined) => [...(headers ?? [])].sort((a, b) => Number(/=(\d+)/.exec(a)![1]) - Number(/=(\d+)/.exec(b)![1]));

let dir: string;
let server: TestServer;
let http: HttpClient;
/** Range headers the server saw, per path. */
const ranges = new Map<string, string[]>();
let active = 0;
let peakActive = 0;
let dropped = 0;

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (error) {
    return error as DownloadError;
  }
  throw new Error('expected a rejection');
}

interface ServeOptions {
  /** Send Accept-Ranges: bytes (or this value) on every answer. */
  acceptRanges?: string | false;
  /** Honour Range requests. */
  ranged?: boolean;
}

/** Serves the payload like a CDN, counting connections open at once. */
function serve(req: IncomingMessage, res: ServerResponse, options: ServeOptions = {}) {
  const { acceptRanges = 'bytes', ranged = true } = options;
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  active++;
  peakActive = Math.max(peakActive, active);
  res.on('close', () => active--);
  const accept = acceptRanges ? { 'accept-ranges': acceptRanges } : {};
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (m) ranges.set(path, [...(ranges.get(path) ?? []), req.headers.range!]);
  if (m && ranged) {
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : payload.length - 1;
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${payload.length}`, 'content-length': String(end - start + 1), ...accept });
    res.end(payload.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { 'content-length': String(payload.length), 'content-type': 'video/mp4', ...accept });
  res.end(payload);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-parallel-'));
  let rangeAnswers = 0;
  server = await startServer({
    '/ranged': (req, res) => serve(req, res),
    // ranges work, but the server does not say so: the probe for the second piece finds out
    '/silent-ranges': (req, res) => serve(req, res, { acceptRanges: false }),
    '/no-ranges': (req, res) => serve(req, res, { acceptRanges: false, ranged: false }),
    '/accept-none': (req, res) => serve(req, res, { acceptRanges: 'none' }),
    '/drop-piece': (req, res) => {
      // the first request for the third piece sends 1 MB and drops; its resume asks for the rest of that piece only
      if (req.headers.range === PIECES[1] && dropped++ === 0) {
        ranges.set('/drop-piece', [...(ranges.get('/drop-piece') ?? []), PIECES[1]]);
        res.writeHead(206, { 'content-range': `bytes 10485760-15728639/${payload.length}`, 'content-length': String(5 * MB), 'accept-ranges': 'bytes' });
        res.write(payload.subarray(10485760, 10485760 + MB), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      serve(req, res);
    },
    '/limited-piece': (req, res) => {
      if (req.headers.range === PIECES[2]) return void res.writeHead(429, { 'retry-after': '7' }).end();
      serve(req, res);
    },
    '/lost-ranges': (req, res) => {
      // advertises ranges, then a piece comes back as a plain 200: start over on one stream
      if (req.headers.range && rangeAnswers++ === 1) return serve(req, res, { ranged: false });
      serve(req, res);
    },
    '/stall': (req, res) => {
      const accept = { 'accept-ranges': 'bytes' };
      if (req.headers.range) {
        ranges.set('/stall', [...(ranges.get('/stall') ?? []), req.headers.range]);
        const start = Number(/bytes=(\d+)-/.exec(req.headers.range)![1]);
        res.writeHead(206, { 'content-range': `bytes ${start}-${start + 5 * MB - 1}/${payload.length}`, 'content-length': String(5 * MB), ...accept });
      } else {
        res.writeHead(200, { 'content-length': String(payload.length), ...accept });
      }
      res.write(payload.subarray(0, 64 * 1024)); // then nothing: only an abort ends this
    },
  });
  http = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'], timeoutMs: 5000 });
});

afterAll(async () => {
  await http?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  ranges.clear();
  peakActive = 0;
});

describe('planChunks', () => {
  it.each([
    ['below the threshold', 8 * MB - 1, {}, []],
    ['exactly 8 MB: four 2 MB pieces', 8 * MB, {}, [0, 2, 4, 6].map((s) => [s * MB, (s + 2) * MB - 1])],
    ['20 MB: four 5 MB pieces', 20 * MB, {}, [0, 5, 10, 15].map((s) => [s * MB, (s + 5) * MB - 1])],
    ['48 MB: two rounds of four 6 MB pieces, not 10 MB pieces and a straggler', 48 * MB, {}, [0, 6, 12, 18, 24, 30, 36, 42].map((s) => [s * MB, (s + 6) * MB - 1])],
    ['100 MB: three rounds of pieces under 10 MB, the last one short', 100 * MB, {}, Array.from({ length: 12 }, (_, i) => [i * 8738134, Math.min((i + 1) * 8738134, 100 * MB) - 1])],
    ['9 MB: pieces of at least 2 MB, the last takes the rest', 9 * MB, {}, [[0, 2.25 * MB - 1], [2.25 * MB, 4.5 * MB - 1], [4.5 * MB, 6.75 * MB - 1], [6.75 * MB, 9 * MB - 1]]],
    ['one connection means one stream', 50 * MB, { connections: 1 }, []],
    ['a lower threshold and smaller pieces', 3 * MB, { minSizeBytes: MB, minChunkBytes: MB }, [[0, MB - 1], [MB, 2 * MB - 1], [2 * MB, 3 * MB - 1]]],
  ])('%s', (_name, total, options, expected) => {
    expect(planChunks(total, options).map((c) => [c.start, c.end])).toEqual(expected);
  });

  it('pieces cover every byte exactly once', () => {
    for (const total of [8 * MB, 8 * MB + 1, 33 * MB + 12345, 1000 * MB + 7]) {
      const chunks = planChunks(total);
      expect(chunks[0]!.start).toBe(0);
      expect(chunks.at(-1)!.end).toBe(total - 1);
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end + 1);
      expect(Math.max(...chunks.map((c) => c.end - c.start + 1))).toBeLessThanOrEqual(PARALLEL_DEFAULTS.maxChunkBytes);
    }
  });
});

describe('parallel ranged download', () => {
  it('fetches a large file in pieces over several connections and the bytes match', async () => {
    const target = join(dir, 'ranged.bin');
    const seen: TransferProgress[] = [];
    const result = await downloadToFile(http, `${server.origin}/ranged`, target, { onProgress: (p) => seen.push(p) });
    expect(result).toEqual({ bytes: payload.length, resumes: 0, chunks: 4 });
    expect(sha(await readFile(target))).toBe(sha(payload));
    // the first piece comes from the plain answer; the others by range, at most 4 at once
    expect(byStart(ranges.get('/ranged'))).toEqual(PIECES);
    expect(peakActive).toBeGreaterThan(1);
    expect(peakActive).toBeLessThanOrEqual(4);
    expect(seen.at(-1)).toEqual({ downloadedBytes: payload.length, totalBytes: payload.length });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.downloadedBytes).toBeGreaterThanOrEqual(seen[i - 1]!.downloadedBytes);
  });

  it('respects a smaller number of connections', async () => {
    const target = join(dir, 'two.bin');
    const result = await downloadToFile(http, `${server.origin}/ranged`, target, { parallel: { connections: 2 } });
    expect(result.chunks).toBe(2);
    expect(ranges.get('/ranged')).toEqual(['bytes=10485760-20971519']);
    expect(peakActive).toBeLessThanOrEqual(2);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('finds ranges with a probe when the server does not announce them', async () => {
    const target = join(dir, 'silent.bin');
    const result = await downloadToFile(http, `${server.origin}/silent-ranges`, target);
    expect(result.chunks).toBe(4);
    expect(byStart(ranges.get('/silent-ranges'))).toEqual(PIECES);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('stays on one stream when the probe gets a plain answer', async () => {
    const target = join(dir, 'no-ranges.bin');
    const result = await downloadToFile(http, `${server.origin}/no-ranges`, target);
    expect(result).toEqual({ bytes: payload.length, resumes: 0 });
    expect(ranges.get('/no-ranges')).toEqual([PIECES[0]]);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('does not even probe when the server says Accept-Ranges: none', async () => {
    const result = await downloadToFile(http, `${server.origin}/accept-none`, join(dir, 'none.bin'));
    expect(result.chunks).toBeUndefined();
    expect(ranges.get('/accept-none')).toBeUndefined();
  });

  it('keeps one stream for small files and when parallel is off', async () => {
    const off = await downloadToFile(http, `${server.origin}/ranged`, join(dir, 'off.bin'), { parallel: false });
    expect(off).toEqual({ bytes: payload.length, resumes: 0 });
    const high = await downloadToFile(http, `${server.origin}/ranged`, join(dir, 'high.bin'), { parallel: { minSizeBytes: 64 * MB } });
    expect(high.chunks).toBeUndefined();
    expect(ranges.get('/ranged')).toBeUndefined();
  });

  it('resumes a dropped piece from its last byte, asking only for the rest of that piece', async () => {
    const target = join(dir, 'drop.bin');
    const result = await downloadToFile(http, `${server.origin}/drop-piece`, target);
    expect(result).toMatchObject({ bytes: payload.length, resumes: 1, chunks: 4 });
    expect(byStart(ranges.get('/drop-piece'))).toEqual(byStart([...PIECES, `bytes=${10485760 + MB}-15728639`]));
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('starts over on one stream when the server stops honouring ranges halfway', async () => {
    const target = join(dir, 'lost.bin');
    const result = await downloadToFile(http, `${server.origin}/lost-ranges`, target);
    expect(result.chunks).toBeUndefined();
    expect(result.bytes).toBe(payload.length);
    expect(sha(await readFile(target))).toBe(sha(payload));
  });

  it('a failing piece fails the download with its code and leaves no file', async () => {
    const target = join(dir, 'limited.bin');
    const error = await rejection(downloadToFile(http, `${server.origin}/limited-piece`, target));
    expect(error.code).toBe('fetch.rate_limited');
    expect(error.context.retryAfterSec).toBe(7);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a file over the cap before fetching any piece', async () => {
    const target = join(dir, 'capped.bin');
    const before = server.hits.length;
    const error = await rejection(downloadToFile(http, `${server.origin}/ranged`, target, { maxBytes: 10 * MB }));
    expect(error.code).toBe('content.too_large');
    expect(error.context).toMatchObject({ maxBytes: 10 * MB, sizeBytes: payload.length });
    expect(server.hits.length - before).toBe(1);
    expect(existsSync(target)).toBe(false);
  });

  it('stops every piece on abort and removes the file', async () => {
    const target = join(dir, 'abort.bin');
    const controller = new AbortController();
    const pending = downloadToFile(http, `${server.origin}/stall`, target, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ranges.get('/stall')?.length).toBe(3);
    controller.abort();
    const error = await rejection(pending);
    expect(error.context.aborted).toBe(true);
    expect(existsSync(target)).toBe(false);
  });
});
