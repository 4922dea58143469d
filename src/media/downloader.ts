/**
 * The HTTP downloader: streams one resource to a file with bounded memory, resumes with a
 * Range request when the connection drops, enforces a hard size cap before and while reading,
 * reports progress and stops on an AbortSignal. A failed download leaves no file behind.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadError, errorForStatus, isAbort, toDownloadError } from '../utils/errors.js';
import { header, parseRetryAfter, type HttpClient, type HttpResponse } from '../utils/http.js';

/** Where a transfer is. */
export interface TransferProgress {
  downloadedBytes: number;
  totalBytes?: number;
}

export interface TransferOptions {
  signal?: AbortSignal;
  /** Refuse the resource when it is (or grows) larger than this. */
  maxBytes?: number;
  headers?: Record<string, string>;
  onProgress?: (progress: TransferProgress) => void;
  /** Reconnections in a row that bring no new byte before giving up. */
  maxStalledResumes?: number;
}

export interface TransferResult {
  bytes: number;
  /** Reconnections it took (0 for an undisturbed download). */
  resumes: number;
}

/** Progress is reported at most this often, plus once at the end. */
export const PROGRESS_INTERVAL_MS = 250;
const DEFAULT_STALLED_RESUMES = 5;

/** Calls `fn` at most once per interval; `flush` reports the latest value unconditionally. */
export function throttle(fn: ((p: TransferProgress) => void) | undefined, intervalMs = PROGRESS_INTERVAL_MS) {
  let last = 0;
  return {
    report(p: TransferProgress) {
      if (!fn) return;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      fn(p);
    },
    flush(p: TransferProgress) {
      fn?.(p);
    },
  };
}

/** The error for a resource over the cap; it names both numbers for the operator. */
export function tooLarge(url: string, maxBytes: number, sizeBytes?: number): DownloadError {
  const size = sizeBytes !== undefined ? `${sizeBytes} bytes` : 'more';
  return new DownloadError('content.too_large', `The file is ${size}, over the limit of ${maxBytes} bytes.`, {
    url,
    maxBytes,
    ...(sizeBytes !== undefined ? { sizeBytes } : {}),
  });
}

/** Total size from a 200's Content-Length or a 206's Content-Range. */
function totalSize(res: HttpResponse, offset: number): number | undefined {
  if (res.status === 206) {
    const total = /\/(\d+)\s*$/.exec(header(res, 'content-range') ?? '')?.[1];
    if (total) return Number(total);
  }
  const length = header(res, 'content-length');
  return length && /^\d+$/.test(length) ? Number(length) + (res.status === 206 ? offset : 0) : undefined;
}

/** The first byte a 206 answer starts at. */
function rangeStart(res: HttpResponse): number | undefined {
  const start = /bytes\s+(\d+)-/.exec(header(res, 'content-range') ?? '')?.[1];
  return start === undefined ? undefined : Number(start);
}

/**
 * Downloads `url` into `target`. After a dropped connection it asks for the rest with
 * `Range: bytes=N-` and appends; a server that ignores ranges sends everything again and the
 * file is rewritten from the start.
 */
export async function downloadToFile(http: HttpClient, url: string, target: string, options: TransferOptions = {}): Promise<TransferResult> {
  const maxBytes = options.maxBytes ?? Infinity;
  const progress = throttle(options.onProgress);
  const maxStalled = options.maxStalledResumes ?? DEFAULT_STALLED_RESUMES;
  let written = 0;
  let total: number | undefined;
  let resumes = 0;
  let stalled = 0;
  try {
    for (;;) {
      const before = written;
      const headers: Record<string, string> = { ...options.headers };
      if (written > 0) headers.range = `bytes=${written}-`;
      let res: HttpResponse;
      try {
        res = await http.request(url, { headers, ...(options.signal ? { signal: options.signal } : {}), throwOnStatus: false });
      } catch (error) {
        if (!canResume(error, options.signal) || ++stalled > maxStalled) throw error;
        resumes++;
        await sleep(backoffMs(stalled), undefined, options.signal ? { signal: options.signal } : {});
        continue;
      }
      if (res.status === 416 && total !== undefined && written >= total) {
        await res.body.dump().catch(() => undefined);
        break;
      }
      if (res.status >= 400) {
        await res.body.dump().catch(() => undefined);
        const retryAfterSec = parseRetryAfter(header(res, 'retry-after'));
        throw errorForStatus(res.status, { url, ...(retryAfterSec !== undefined ? { retryAfterSec } : {}) });
      }
      const append = written > 0 && res.status === 206 && rangeStart(res) === written;
      if (!append) written = 0;
      const size = totalSize(res, written);
      if (size !== undefined) total = size;
      if (total !== undefined && total > maxBytes) {
        res.body.destroy();
        throw tooLarge(url, maxBytes, total);
      }
      try {
        await pipeline(
          res.body,
          async function* count(source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              written += chunk.length;
              if (written > maxBytes) throw tooLarge(url, maxBytes);
              progress.report({ downloadedBytes: written, ...(total !== undefined ? { totalBytes: total } : {}) });
              yield chunk;
            }
          },
          createWriteStream(target, { flags: append ? 'a' : 'w', highWaterMark: 1024 * 1024 }),
          ...(options.signal ? [{ signal: options.signal }] : []),
        );
      } catch (error) {
        if (!canResume(error, options.signal)) throw error;
      }
      if (total === undefined || written >= total) {
        if (total !== undefined && written > total) throw new DownloadError('fetch.failed', 'The server sent more bytes than it announced.', { url });
        break;
      }
      // the connection ended early: ask for the rest
      stalled = written > before ? 1 : stalled + 1;
      if (stalled > maxStalled) {
        throw new DownloadError('fetch.failed', `The connection kept dropping (${written} of ${total} bytes).`, { url }, { retriable: true });
      }
      resumes++;
      await sleep(backoffMs(stalled), undefined, options.signal ? { signal: options.signal } : {});
    }
    progress.flush({ downloadedBytes: written, ...(total !== undefined ? { totalBytes: total } : { totalBytes: written }) });
    return { bytes: written, resumes };
  } catch (error) {
    await rm(target, { force: true });
    throw toDownloadError(error, { url });
  }
}

/** A dropped connection or a timeout can be resumed; a refusal, a cap or a cancel cannot. */
function canResume(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted || isAbort(error)) return false;
  if (error instanceof DownloadError) return error.code === 'fetch.failed' && error.retriable;
  return true;
}

function backoffMs(attempt: number): number {
  return Math.min(2000, 100 * 2 ** (attempt - 1));
}
