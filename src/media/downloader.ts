/**
 * The HTTP downloader: streams one resource to a file with bounded memory, resumes with a
 * Range request when the connection drops, enforces a hard size cap before and while reading,
 * reports progress and stops on an AbortSignal. A failed download leaves no file behind.
 *
 * A large resource on a server that serves ranges is fetched in pieces over several
 * connections at once, each piece written at its offset into a pre-sized file and resumed on
 * its own when its connection drops. One connection per piece of at most 10 MB is also what
 * keeps CDNs that throttle long single responses (googlevideo) at full speed, as yt-dlp found.
 */
import { createWriteStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadError, errorForStatus, isAbort, toDownloadError } from '../utils/errors.js';
import { header, parseRetryAfter, resourceSize, type HttpClient, type HttpResponse } from '../utils/http.js';

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
  /** Reconnections in a row that bring no new byte before giving up (per piece when parallel). */
  maxStalledResumes?: number;
  /** Ranged download over several connections for large resources; false keeps one stream. */
  parallel?: ParallelOptions | false;
}

/** When and how a resource is fetched in pieces over several connections. */
export interface ParallelOptions {
  /** Resources smaller than this stay on one connection (default 8 MB). */
  minSizeBytes?: number;
  /** Connections at once (default 4). */
  connections?: number;
  /** A piece is total / connections, kept within these bounds (default 2 MB and 10 MB). */
  minChunkBytes?: number;
  maxChunkBytes?: number;
}

export interface TransferResult {
  bytes: number;
  /** Reconnections it took (0 for an undisturbed download). */
  resumes: number;
  /** Pieces the resource was fetched in, when it was fetched in parallel. */
  chunks?: number;
}

/** One piece of a ranged download: bytes `start` to `end`, both inclusive (as in a Range header). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Progress is reported at most this often, plus once at the end. */
export const PROGRESS_INTERVAL_MS = 250;
const DEFAULT_STALLED_RESUMES = 5;
const MB = 1024 * 1024;
/** The defaults of ParallelOptions. */
export const PARALLEL_DEFAULTS: Required<ParallelOptions> = { minSizeBytes: 8 * MB, connections: 4, minChunkBytes: 2 * MB, maxChunkBytes: 10 * MB };
/** A piece's received bytes are written to disk in batches of about this size (fewer syscalls). */
const WRITE_BATCH_BYTES = 1 * MB;

/**
 * Splits `totalBytes` into the pieces of a parallel download: a whole number of rounds of one
 * piece per connection, each piece at most maxChunkBytes (so every connection finishes at
 * about the same time) and at least minChunkBytes, the last piece taking the rest. Empty when
 * the resource is below minSizeBytes or would be a single piece: one stream is better then.
 */
export function planChunks(totalBytes: number, options: ParallelOptions = {}): ByteRange[] {
  const o = { ...PARALLEL_DEFAULTS, ...options };
  if (totalBytes < o.minSizeBytes || o.connections < 2) return [];
  const rounds = Math.ceil(totalBytes / (o.connections * o.maxChunkBytes));
  const chunkBytes = Math.max(o.minChunkBytes, Math.ceil(totalBytes / (o.connections * rounds)));
  if (chunkBytes >= totalBytes) return [];
  const chunks: ByteRange[] = [];
  for (let start = 0; start < totalBytes; start += chunkBytes) chunks.push({ start, end: Math.min(start + chunkBytes, totalBytes) - 1 });
  return chunks;
}

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

/** The first byte a 206 answer starts at. */
function rangeStart(res: HttpResponse): number | undefined {
  const start = /bytes\s+(\d+)-/.exec(header(res, 'content-range') ?? '')?.[1];
  return start === undefined ? undefined : Number(start);
}

/**
 * Downloads `url` into `target`. A resource of at least ParallelOptions.minSizeBytes on a
 * server that serves ranges (Accept-Ranges: bytes, or a 206 to a probe for the second piece)
 * is fetched in pieces over several connections. Otherwise one stream: after a dropped
 * connection it asks for the rest with `Range: bytes=N-` and appends; a server that ignores
 * ranges sends everything again and the file is rewritten from the start.
 */
export async function downloadToFile(http: HttpClient, url: string, target: string, options: TransferOptions = {}): Promise<TransferResult> {
  const maxBytes = options.maxBytes ?? Infinity;
  const progress = throttle(options.onProgress);
  const maxStalled = options.maxStalledResumes ?? DEFAULT_STALLED_RESUMES;
  let tryParallel = options.parallel !== false;
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
        throw statusError(res, url);
      }
      const append = written > 0 && res.status === 206 && rangeStart(res) === written;
      if (!append) written = 0;
      const size = resourceSize(res, written);
      if (size !== undefined) total = size;
      if (total !== undefined && total > maxBytes) {
        res.body.destroy();
        throw tooLarge(url, maxBytes, total);
      }
      if (tryParallel && res.status === 200 && total !== undefined) {
        tryParallel = false; // only the first answer decides; a resumed stream stays a stream
        const chunks = planChunks(total, options.parallel || {});
        const ranges = chunks.length > 1 ? await probeRanges(http, url, res, chunks[1]!, total, options) : undefined;
        if (ranges) {
          try {
            const result = await downloadChunks(http, url, target, total, chunks, [res, ranges.probe], options, progress);
            progress.flush({ downloadedBytes: total, totalBytes: total });
            return result;
          } catch (error) {
            if (!(error instanceof RangesLost)) throw error;
            // the server stopped honouring ranges halfway: start over on one stream
            written = 0;
            continue;
          }
        }
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

/** The DownloadError for an HTTP error answer, with the server's Retry-After when it sent one. */
function statusError(res: HttpResponse, url: string): DownloadError {
  const retryAfterSec = parseRetryAfter(header(res, 'retry-after'));
  return errorForStatus(res.status, { url, ...(retryAfterSec !== undefined ? { retryAfterSec } : {}) });
}

/**
 * Whether the server serves byte ranges for `url`. Accept-Ranges says so (or says "none");
 * without it, the request for the second piece is the probe: a 206 starting at its first byte
 * proves ranges work and becomes that piece's answer. Undefined means: stay on one stream.
 */
async function probeRanges(
  http: HttpClient,
  url: string,
  first: HttpResponse,
  second: ByteRange,
  totalBytes: number,
  options: TransferOptions,
): Promise<{ probe: HttpResponse | undefined } | undefined> {
  const acceptRanges = header(first, 'accept-ranges')?.trim().toLowerCase();
  if (acceptRanges === 'bytes') return { probe: undefined };
  if (acceptRanges === 'none') return undefined;
  let probe: HttpResponse;
  try {
    probe = await http.request(url, {
      headers: { ...options.headers, range: `bytes=${second.start}-${second.end}` },
      ...(options.signal ? { signal: options.signal } : {}),
      throwOnStatus: false,
    });
  } catch (error) {
    if (isAbort(error) || options.signal?.aborted) throw error;
    return undefined; // a failed probe costs nothing: the first answer is still streaming
  }
  if (probe.status === 206 && rangeStart(probe) === second.start && resourceSize(probe, second.start) === totalBytes) return { probe };
  probe.body.destroy();
  return undefined;
}

/** Thrown when a piece's request is answered without its range: the parallel plan cannot go on. */
class RangesLost extends Error {
  override readonly name = 'RangesLost';
}

/**
 * Fetches `chunks` over up to `connections` connections into a file pre-sized to `totalBytes`.
 * `initial` holds answers already received for the first pieces (the plain 200 from byte 0,
 * the range probe). The first failure stops the other pieces and is rethrown.
 */
async function downloadChunks(
  http: HttpClient,
  url: string,
  target: string,
  totalBytes: number,
  chunks: readonly ByteRange[],
  initial: ReadonlyArray<HttpResponse | undefined>,
  options: TransferOptions,
  progress: ReturnType<typeof throttle>,
): Promise<TransferResult> {
  const connections = Math.min(chunks.length, (options.parallel || {}).connections ?? PARALLEL_DEFAULTS.connections);
  const maxStalled = options.maxStalledResumes ?? DEFAULT_STALLED_RESUMES;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const answers = [...initial];
  let received = 0;
  let resumes = 0;
  let next = 0;

  /** Fetches one piece, resuming from its last received byte while reconnecting brings bytes. */
  const fetchChunk = async (file: FileHandle, index: number): Promise<void> => {
    const { start, end } = chunks[index]!;
    const size = end - start + 1;
    let got = 0;
    let stalled = 0;
    let res = answers[index];
    answers[index] = undefined; // an answer serves once; a resume asks again
    for (;;) {
      const before = got;
      if (!res) {
        try {
          res = await http.request(url, { headers: { ...options.headers, range: `bytes=${start + got}-${end}` }, signal, throwOnStatus: false });
        } catch (error) {
          if (!canResume(error, signal) || ++stalled > maxStalled) throw error;
          resumes++;
          await sleep(backoffMs(stalled), undefined, { signal });
          continue;
        }
        if (res.status >= 400) {
          await res.body.dump().catch(() => undefined);
          throw statusError(res, url);
        }
        if (res.status !== 206 || rangeStart(res) !== start + got || resourceSize(res, start + got) !== totalBytes) {
          res.body.destroy();
          throw new RangesLost();
        }
      }
      const batch = new WriteBatch(file, start + got);
      try {
        for await (const data of res.body as AsyncIterable<Buffer>) {
          const room = size - got;
          if (data.length > room) {
            // the plain answer from byte 0 runs past this piece: take what is ours, leaving the loop closes it
            if (room > 0) await batch.add(data.subarray(0, room));
            got += room;
            received += room;
            break;
          }
          await batch.add(data);
          got += data.length;
          received += data.length;
          progress.report({ downloadedBytes: received, totalBytes });
        }
      } catch (error) {
        if (!canResume(error, signal)) throw error;
      } finally {
        await batch.flush();
      }
      res = undefined;
      if (got >= size) return;
      stalled = got > before ? 1 : stalled + 1;
      if (stalled > maxStalled) {
        throw new DownloadError('fetch.failed', `The connection kept dropping (${got} of ${size} bytes of a piece).`, { url }, { retriable: true });
      }
      resumes++;
      await sleep(backoffMs(stalled), undefined, { signal });
    }
  };

  let file: FileHandle;
  try {
    file = await open(target, 'w');
  } catch (error) {
    for (const res of answers) res?.body.destroy();
    throw error;
  }
  let failure: unknown;
  try {
    await file.truncate(totalBytes);
    const worker = async () => {
      while (next < chunks.length && failure === undefined) {
        const index = next++;
        try {
          await fetchChunk(file, index);
        } catch (error) {
          // the first failure is the story; the others are the stop it caused
          failure ??= error;
          stop.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    for (const res of answers) res?.body.destroy();
    await file.close();
  }
  if (failure !== undefined) throw failure;
  return { bytes: totalBytes, resumes, chunks: chunks.length };
}

/** Collects a piece's bytes and writes them at their offset in batches of WRITE_BATCH_BYTES. */
class WriteBatch {
  private buffers: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly file: FileHandle, private position: number) {}

  async add(data: Buffer): Promise<void> {
    this.buffers.push(data);
    this.bytes += data.length;
    if (this.bytes >= WRITE_BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.bytes === 0) return;
    const buffers = this.buffers;
    const bytes = this.bytes;
    this.buffers = [];
    this.bytes = 0;
    const { bytesWritten } = await this.file.writev(buffers, this.position);
    if (bytesWritten < bytes) {
      // a short write is rare on a regular file but legal: write the rest where it belongs
      const rest = Buffer.concat(buffers).subarray(bytesWritten);
      await this.file.write(rest, 0, rest.length, this.position + bytesWritten);
    }
    this.position += bytes;
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
