/**
 * Fetches the segments of an HLS or DASH stream several at a time and writes them in order to
 * one file. Memory stays bounded (segments stream to disk), each segment is retried on its own,
 * AES-128 segments are decrypted, and the first failure cancels the rest.
 */
import { createDecipheriv } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
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

/**
 * Downloads `segments` into `target` in order. Each segment streams into its own temporary
 * file while up to `concurrency` are in flight, then is appended to `target`; memory stays at a
 * few stream buffers however large the segments are. A failure removes every partial file.
 */
export async function fetchSegments(http: HttpClient, segments: readonly Segment[], target: string, options: SegmentOptions = {}): Promise<TransferResult> {
  if (segments.length === 0) throw new DownloadError('content.not_found', 'The stream has no segments.');
  const maxBytes = options.maxBytes ?? Infinity;
  const progress = throttle(options.onProgress);
  const cancel = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
  const keys = new Map<string, Promise<Buffer>>();
  const fetcher: SegmentFetcher = { http, signal, keys, ...(options.headers ? { headers: options.headers } : {}) };
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_SEGMENT_CONCURRENCY);
  const out = createWriteStream(target, { highWaterMark: 1024 * 1024 });
  const inflight: Array<{ path: string; done: Promise<number> }> = [];
  const pieces = new Set<string>();
  let next = 0;
  let written = 0;
  let retries = 0;
  const launch = () => {
    while (inflight.length < concurrency && next < segments.length) {
      const path = `${target}.seg${next}`;
      pieces.add(path);
      const done = fetchSegment(fetcher, segments[next++]!, path, Math.min(MAX_SEGMENT_BYTES, maxBytes), () => retries++);
      done.catch(() => undefined); // awaited in order below; this only keeps a later failure from going unhandled
      inflight.push({ path, done });
    }
  };
  try {
    launch();
    for (let done = 0; inflight.length > 0; done++) {
      const piece = inflight.shift()!;
      written += await piece.done;
      launch();
      if (written > maxBytes) throw tooLarge(segments[0]!.url, maxBytes);
      await append(piece.path, out, signal);
      await rm(piece.path, { force: true });
      pieces.delete(piece.path);
      // the total is an estimate until the last segment: bytes per segment so far × segments
      const totalBytes = done + 1 === segments.length ? written : Math.round((written / (done + 1)) * segments.length);
      progress.report({ downloadedBytes: written, totalBytes });
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    progress.flush({ downloadedBytes: written, totalBytes: written });
    return { bytes: written, resumes: retries };
  } catch (error) {
    cancel.abort();
    out.destroy();
    await Promise.allSettled(inflight.map((p) => p.done));
    await Promise.all([...pieces, target].map((p) => rm(p, { force: true })));
    throw toDownloadError(error, { url: segments[0]!.url });
  }
}

/** Copies a finished piece onto the end of `out`, honouring backpressure. */
async function append(path: string, out: WriteStream, signal: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal })) {
    if (!out.write(chunk)) await once(out, 'drain', { signal });
  }
}

interface SegmentFetcher {
  http: HttpClient;
  signal: AbortSignal;
  keys: Map<string, Promise<Buffer>>;
  headers?: Record<string, string>;
}

/** Streams one segment (decrypted, cut to its range) into `path`; resolves with its size. */
async function fetchSegment(f: SegmentFetcher, segment: Segment, path: string, maxBytes: number, onRetry: () => void): Promise<number> {
  const headers: Record<string, string> = { ...f.headers };
  if (segment.range) headers.range = `bytes=${segment.range.start}-${segment.range.end}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await f.http.request(segment.url, { headers, signal: f.signal });
      // a server that ignores Range sends the whole resource; cut out the part we asked for
      const skip = segment.range && res.status === 200 ? segment.range.start : 0;
      const keep = segment.range ? segment.range.end - segment.range.start + 1 : Infinity;
      let size = 0;
      const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream | ((s: AsyncIterable<Buffer>) => AsyncIterable<Buffer>)> = [
        res.body,
        async function* bound(source: AsyncIterable<Buffer>) {
          let seen = 0;
          for await (const chunk of source) {
            const from = Math.max(0, skip - seen);
            const to = Math.min(chunk.length, skip + keep - seen);
            seen += chunk.length;
            if (to <= from) continue;
            size += to - from;
            if (size > maxBytes) throw tooLarge(segment.url, maxBytes);
            yield from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to);
          }
        },
      ];
      if (segment.key) stages.push(decipher(await key(f, segment.key.url), segment.key.iv));
      stages.push(createWriteStream(path));
      await (pipeline as (...args: unknown[]) => Promise<void>)(...stages, { signal: f.signal });
      return segment.key ? (await stat(path)).size : size;
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

function decipher(keyBytes: Buffer, iv: Buffer) {
  return createDecipheriv('aes-128-cbc', keyBytes, iv);
}
