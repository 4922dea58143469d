/**
 * Fetches the segments of an HLS or DASH stream several at a time and writes them in order to
 * one file. Memory stays bounded (a window of segments), each segment is retried on its own,
 * AES-128 segments are decrypted, and the first failure cancels the rest.
 */
import { createDecipheriv } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadError, isAbort, toDownloadError } from '../utils/errors.js';
import { readBounded, type HttpClient } from '../utils/http.js';
import { throttle, tooLarge, type TransferOptions, type TransferResult } from './downloader.js';

/** One piece of a stream: a URL, maybe a byte range of it, maybe encrypted. */
export interface Segment {
  url: string;
  /** Inclusive byte range within `url`. */
  range?: { start: number; end: number };
  /** AES-128-CBC key location and IV. */
  key?: { url: string; iv: Buffer };
}

export interface SegmentOptions extends TransferOptions {
  /** Segments in flight at once. */
  concurrency?: number;
}

/** Segments fetched at once: enough to hide latency, few enough to keep memory small. */
export const DEFAULT_SEGMENT_CONCURRENCY = 6;
/** A single segment larger than this is refused (a segment is seconds of video, not a film). */
const MAX_SEGMENT_BYTES = 256 * 1024 * 1024;
const SEGMENT_ATTEMPTS = 4;

/** Downloads `segments` into `target` in order. A failure removes the partial file. */
export async function fetchSegments(http: HttpClient, segments: readonly Segment[], target: string, options: SegmentOptions = {}): Promise<TransferResult> {
  if (segments.length === 0) throw new DownloadError('content.not_found', 'The stream has no segments.');
  const maxBytes = options.maxBytes ?? Infinity;
  const progress = throttle(options.onProgress);
  const cancel = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
  const keys = new Map<string, Promise<Buffer>>();
  const fetcher: SegmentFetcher = { http, signal, keys, ...(options.headers ? { headers: options.headers } : {}) };
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_SEGMENT_CONCURRENCY);
  const file = await open(target, 'w');
  const inflight: Array<Promise<Buffer>> = [];
  let next = 0;
  let written = 0;
  let retries = 0;
  const launch = () => {
    while (inflight.length < concurrency && next < segments.length) {
      const p = fetchSegment(fetcher, segments[next++]!, Math.min(MAX_SEGMENT_BYTES, maxBytes), () => retries++);
      p.catch(() => undefined); // awaited in order below; this only keeps a later failure from going unhandled
      inflight.push(p);
    }
  };
  try {
    launch();
    for (let done = 0; inflight.length > 0; done++) {
      const data = await inflight.shift()!;
      launch();
      written += data.length;
      if (written > maxBytes) throw tooLarge(segments[0]!.url, maxBytes);
      await file.write(data);
      // the total is an estimate until the last segment: bytes per segment so far × segments
      const totalBytes = done + 1 === segments.length ? written : Math.round((written / (done + 1)) * segments.length);
      progress.report({ downloadedBytes: written, totalBytes });
    }
    progress.flush({ downloadedBytes: written, totalBytes: written });
    return { bytes: written, resumes: retries };
  } catch (error) {
    cancel.abort();
    await file.close().catch(() => undefined);
    await rm(target, { force: true });
    throw toDownloadError(error, { url: segments[0]!.url });
  } finally {
    await file.close().catch(() => undefined);
  }
}

interface SegmentFetcher {
  http: HttpClient;
  signal: AbortSignal;
  keys: Map<string, Promise<Buffer>>;
  headers?: Record<string, string>;
}

async function fetchSegment(f: SegmentFetcher, segment: Segment, maxBytes: number, onRetry: () => void): Promise<Buffer> {
  const headers: Record<string, string> = { ...f.headers };
  if (segment.range) headers.range = `bytes=${segment.range.start}-${segment.range.end}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await f.http.request(segment.url, { headers, signal: f.signal });
      let data = await readBounded(res, maxBytes);
      // a server that ignores Range sends the whole resource; cut out the part we asked for
      if (segment.range && res.status === 200 && data.length > segment.range.end) {
        data = data.subarray(segment.range.start, segment.range.end + 1);
      }
      if (segment.key) data = decrypt(data, await key(f, segment.key.url), segment.key.iv);
      return data;
    } catch (error) {
      const retriable = !f.signal.aborted && !isAbort(error) && (!(error instanceof DownloadError) || error.retriable);
      if (!retriable || attempt >= SEGMENT_ATTEMPTS) throw error;
      onRetry();
      await sleep(150 * 2 ** (attempt - 1), undefined, { signal: f.signal });
    }
  }
}

/** AES-128 keys are fetched once per URL and shared by every segment that names them. */
function key(f: SegmentFetcher, url: string): Promise<Buffer> {
  let pending = f.keys.get(url);
  if (!pending) {
    pending = f.http
      .request(url, { signal: f.signal, ...(f.headers ? { headers: f.headers } : {}) })
      .then((res) => readBounded(res, 1024))
      .then((k) => {
        if (k.length !== 16) throw new DownloadError('fetch.failed', `The stream's AES-128 key is ${k.length} bytes, not 16.`, { url });
        return k;
      });
    pending.catch(() => f.keys.delete(url));
    f.keys.set(url, pending);
  }
  return pending;
}

function decrypt(data: Buffer, keyBytes: Buffer, iv: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-128-cbc', keyBytes, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (error) {
    throw new DownloadError('fetch.failed', 'A segment could not be decrypted with the stream key.', {}, { cause: error, retriable: false });
  }
}
