/**
 * The download service: one request → one result. It extracts (through the platform manager),
 * plans (selectFormats), fetches (HTTP, HLS or DASH), post-processes with ffmpeg (merge, audio
 * extraction, probe, thumbnail) and moves finished files to the output directory. The CLI uses
 * it directly; the bot and the API call it from queue workers.
 */
import { mkdir, rename, stat, copyFile, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../utils/config.js';
import type { HttpClient } from '../utils/http.js';
import type { KeyValueCache } from '../utils/memory-cache.js';
import type { PlatformManager } from './platform-manager.js';
import type { ExtractContext } from '../platforms/base.js';
import type { DownloadRequest, Format, FormatPlan, MediaInfo } from '../media/types.js';
import { DownloadError, toDownloadError, type ErrorCode } from '../utils/errors.js';
import { selectFormats } from '../media/format-selection.js';
import { downloadToFile } from '../media/downloader.js';
import { downloadHls } from '../media/hls.js';
import { downloadDashRepresentation } from '../media/dash.js';
import { Ffmpeg, type ProbeResult } from '../media/ffmpeg.js';
import { withTempDir } from '../media/temp.js';

/** Where a download is; emitted often, throttled by the media layer. */
export interface DownloadProgress {
  stage: 'extract' | 'download' | 'process' | 'done';
  /** Index of the item (carousel/playlist) and how many there are. */
  item: number;
  items: number;
  downloadedBytes: number;
  totalBytes?: number;
}

export interface DownloadOptions {
  /** Directory that receives the finished files. */
  outputDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Make a JPEG thumbnail for each video (the bot needs one; the CLI does not). */
  thumbnails?: boolean;
  /** Already-extracted info (from `info` or a cache), to skip extraction. */
  info?: MediaInfo;
}

/** One finished file. */
export interface DownloadedFile {
  path: string;
  kind: 'video' | 'audio' | 'image';
  container: string;
  sizeBytes: number;
  durationSec?: number;
  width?: number;
  height?: number;
  thumbnailPath?: string;
  /** The item this file is (the carousel entry, or the info itself). */
  item: MediaInfo;
  formatIds: string[];
}

/** A container item that could not be fetched; the other items went ahead without it. */
export interface FailedItem {
  item: MediaInfo;
  code: ErrorCode;
  message: string;
}

export interface DownloadResult {
  info: MediaInfo;
  files: DownloadedFile[];
  /** Items of a playlist or carousel that failed (absent when none did). */
  failed?: FailedItem[];
}

export interface DownloadServiceDeps {
  config: Config;
  http: HttpClient;
  platforms: PlatformManager;
  logger: Logger;
  /** Shared with extractors (tokens, client ids, resolved links). */
  cache?: KeyValueCache;
}

const IMAGE_CONTAINERS = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'heic']);
const AUDIO_CONTAINERS = new Set(['m4a', 'mp3', 'ogg', 'opus', 'flac', 'wav', 'aac']);

/** Makes a title safe as a file name on every OS, keeping it readable. */
export function safeFileName(title: string, id: string, ext: string): string {
  const clean = title
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 120)
    .trim();
  const safeId = id.replace(/[^\w.-]+/g, '_').slice(0, 64);
  return `${clean || 'media'} [${safeId}].${ext}`;
}

export class DownloadService {
  private readonly ffmpeg: Ffmpeg;

  constructor(private readonly deps: DownloadServiceDeps) {
    this.ffmpeg = new Ffmpeg({ ffmpegPath: deps.config.ffmpegPath, ffprobePath: deps.config.ffprobePath });
  }

  /** Extracts the media information behind a link, without downloading. */
  async info(url: string, signal?: AbortSignal): Promise<MediaInfo> {
    return this.deps.platforms.extract(url, this.context(this.deps.platforms.egressFor(this.deps.http), signal));
  }

  /**
   * Downloads what `url` points at in the requested quality into `options.outputDir`. A
   * carousel or playlist gives one file per item, up to PLAYLIST_LIMIT, in order; an entry
   * without formats (a playlist row) is extracted through the platform manager when its turn
   * comes. In a container one failing item is recorded in `failed` and the rest go on; only
   * when every item fails does the first error end the download. Temp files are removed
   * whatever happens; the output directory receives only finished files.
   */
  async download(url: string, request: DownloadRequest, options: DownloadOptions): Promise<DownloadResult> {
    const timeout = AbortSignal.timeout(this.deps.config.downloadTimeoutSec * 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const emit = options.onProgress ?? (() => undefined);
    // one egress identity from the first request to the last byte: stream URLs are often bound to it
    const http = this.deps.platforms.egressFor(this.deps.http);
    const ctx = this.context(http, signal);
    try {
      emit({ stage: 'extract', item: 0, items: 1, downloadedBytes: 0 });
      const info = options.info ?? (await this.deps.platforms.extract(url, ctx));
      const container = Boolean(info.entries?.length);
      const items = (container ? info.entries! : [info]).slice(0, this.deps.config.playlistLimit);
      await mkdir(options.outputDir, { recursive: true });
      const files: DownloadedFile[] = [];
      const failed: FailedItem[] = [];
      let firstError: DownloadError | undefined;
      for (const [index, entry] of items.entries()) {
        signal.throwIfAborted();
        try {
          let item = entry;
          if (needsExtraction(entry)) {
            emit({ stage: 'extract', item: index, items: items.length, downloadedBytes: 0 });
            item = await this.deps.platforms.extract(entry.url, ctx);
          }
          const plan = selectFormats(item, {
            ...request,
            maxFilesizeBytes: Math.min(request.maxFilesizeBytes ?? Infinity, this.maxBytes()),
          });
          files.push(await this.downloadItem(http, item, plan, index, items.length, options, signal, emit));
        } catch (error) {
          const e = toDownloadError(error, { url: entry.url });
          this.deps.platforms.egress?.report(http, e);
          if (!container || e.context.aborted || signal.aborted) throw e;
          this.deps.logger.warn({ url: entry.url, code: e.code, item: index }, 'a playlist item failed; going on with the others');
          failed.push({ item: entry, code: e.code, message: e.message });
          firstError ??= e;
        }
      }
      if (files.length === 0 && firstError) throw firstError;
      emit({ stage: 'done', item: items.length, items: items.length, downloadedBytes: files.reduce((s, f) => s + f.sizeBytes, 0) });
      return { info, files, ...(failed.length > 0 ? { failed } : {}) };
    } catch (error) {
      if (timeout.aborted && !options.signal?.aborted) {
        throw new DownloadError('fetch.failed', 'The download took longer than DOWNLOAD_TIMEOUT_SEC.', { url }, { retriable: true });
      }
      throw toDownloadError(error, { url });
    }
  }

  private context(http: HttpClient, signal: AbortSignal | undefined): ExtractContext {
    const { logger, config, cache } = this.deps;
    return { http, logger, config, ...(cache ? { cache } : {}), ...(signal ? { signal } : {}) };
  }

  private maxBytes(): number {
    return this.deps.config.maxFileSizeMb * 1024 * 1024;
  }

  private async downloadItem(
    http: HttpClient,
    item: MediaInfo,
    plan: FormatPlan,
    index: number,
    items: number,
    options: DownloadOptions,
    signal: AbortSignal,
    emit: (p: DownloadProgress) => void,
  ): Promise<DownloadedFile> {
    const tempBase = join(this.deps.config.dataDir, 'tmp');
    return withTempDir(tempBase, async (dir) => {
      // bytes of formats already fetched, so progress of a merge counts video + audio together
      let doneBytes = 0;
      const totalBytes = plan.estimatedBytes;
      const fetched: string[] = [];
      for (const [i, format] of plan.formats.entries()) {
        const target = join(dir, `part${i}.${format.protocol === 'https' ? (format.container ?? 'bin') : 'mp4'}`);
        const onProgress = (p: { downloadedBytes: number; totalBytes?: number }) =>
          emit({
            stage: 'download',
            item: index,
            items,
            downloadedBytes: doneBytes + p.downloadedBytes,
            ...(totalBytes ?? p.totalBytes ? { totalBytes: totalBytes ?? p.totalBytes! } : {}),
          });
        const size = await this.fetchFormat(http, format, target, this.maxBytes() - doneBytes, signal, onProgress);
        doneBytes += size;
        fetched.push(target);
      }
      emit({ stage: 'process', item: index, items, downloadedBytes: doneBytes });
      const ext = plan.extractAudio ?? plan.container;
      const output = join(dir, `out.${ext}`);
      if (fetched.length === 2) {
        await this.ffmpeg.merge(fetched[0]!, fetched[1]!, output, { signal });
      } else if (plan.extractAudio) {
        await this.ffmpeg.extractAudio(fetched[0]!, output, plan.extractAudio, { signal });
      } else {
        await rename(fetched[0]!, output);
      }
      const kind = plan.formats[0].image || IMAGE_CONTAINERS.has(ext) ? 'image' : plan.extractAudio || AUDIO_CONTAINERS.has(ext) ? 'audio' : 'video';
      let probed: ProbeResult | undefined;
      if (kind !== 'image') probed = await this.ffmpeg.probe(output, { signal });
      let thumbnailPath: string | undefined;
      const finalName = safeFileName(item.title ?? item.id, item.id, ext);
      const finalPath = await moveInto(output, options.outputDir, finalName);
      if (options.thumbnails && kind === 'video') {
        thumbnailPath = join(options.outputDir, `${basename(finalName, extname(finalName))}.thumb.jpg`);
        await this.ffmpeg.thumbnail(finalPath, thumbnailPath, { signal });
      }
      const sizeBytes = (await stat(finalPath)).size;
      return {
        path: finalPath,
        kind,
        container: ext,
        sizeBytes,
        ...(probed?.durationSec !== undefined ? { durationSec: probed.durationSec } : {}),
        ...(probed?.width ? { width: probed.width } : {}),
        ...(probed?.height ? { height: probed.height } : {}),
        ...(thumbnailPath ? { thumbnailPath } : {}),
        item,
        formatIds: plan.formats.map((f) => f.id),
      };
    });
  }

  private async fetchFormat(
    http: HttpClient,
    format: Format,
    target: string,
    maxBytes: number,
    signal: AbortSignal,
    onProgress: (p: { downloadedBytes: number; totalBytes?: number }) => void,
  ): Promise<number> {
    const common = { signal, maxBytes, onProgress, ...(format.headers ? { headers: format.headers } : {}) };
    if (format.protocol === 'hls') {
      await downloadHls(http, format.url, target, { ...common, ffmpeg: this.ffmpeg });
    } else if (format.protocol === 'dash') {
      if (!format.manifestStreamId) throw new DownloadError('internal', 'A DASH format without a representation id.');
      await downloadDashRepresentation(http, format.url, format.manifestStreamId, target, { ...common, ffmpeg: this.ffmpeg });
    } else {
      await downloadToFile(http, format.url, target, common);
    }
    return (await stat(target)).size;
  }
}

/** A playlist row carries only id, url and title: its formats come from extracting its own page. */
function needsExtraction(entry: MediaInfo): boolean {
  return entry.formats.length === 0 && entry.url.length > 0;
}

/** Moves a finished file into `dir` under `name`, never overwriting: "name (2).ext" on a clash. */
async function moveInto(source: string, dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; n < 1000; n++) {
    const target = join(dir, n === 1 ? name : `${stem} (${n})${ext}`);
    try {
      await stat(target);
      continue;
    } catch {
      // free name
    }
    try {
      await rename(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(source, target);
      await rm(source, { force: true });
    }
    return target;
  }
  throw new DownloadError('internal', `Too many files named ${name} in ${dir}.`);
}
