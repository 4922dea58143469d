/**
 * The queue job that turns a link into media in a chat: extract → (file_id cache) → download
 * into a per-job temp dir with progress edits → upload → mark delivered → delete the status
 * message → remove the temp dir. A file too big for Telegram is fetched again in a lower
 * quality when the user asked for "best"; otherwise the user gets the reason and a button.
 * Failures become the user's language's sentence for their DownloadError code; a retriable one
 * says a retry is coming. A job already delivered (a retry after a crash) never sends twice.
 *
 * Where to answer is in the job's data (chat, status message, reply target, language), so a
 * worker in another process, on another box, with its own DATA_DIR, edits and finally deletes
 * the status message the bot sent and sends the media to the right chat.
 *
 * A playlist link is not downloaded: its job offers the entries as a batch (see batch.ts).
 * An entry's job has no status message of its own; it reports how it ended to its batch,
 * which keeps the count and sends the summary.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GrammyError, InputFile, type Api } from 'grammy';
import type { I18n } from '@grammyjs/i18n';
import type { Logger } from 'pino';
import type { Config } from '../utils/config.js';
import type { JobData, JobQueue } from '../core/job-queue.js';
import type { JobContext, JobHandler } from '../core/worker.js';
import type { DownloadedFile, DownloadProgress, DownloadResult } from '../core/download-service.js';
import type { DownloadRequest, MediaInfo } from '../media/types.js';
import type { RetryPolicy } from '../utils/retry.js';
import { DownloadError, toDownloadError } from '../utils/errors.js';
import { downloadToFile } from '../media/downloader.js';
import { Ffmpeg } from '../media/ffmpeg.js';
import { captionHtml } from './caption.js';
import { errorKey, translator, type BotContext, type Translate } from './i18n.js';
import { choiceData, lowerQualityKeyboard, playlistKeyboard, retryJobData } from './keyboards.js';
import { isPlaylist, offerText, settleBatchEntry, type BatchRef } from './batch.js';
import { formatBytes, formatDuration, SpeedMeter } from './progress.js';
import { cacheKey, isChoice, lowerQuality, type Choice } from './request.js';
import { outgoingCached, outgoingFile, sendMedia, type Outgoing } from './send.js';
import { StatusMessage, statusMessageOf } from './status-message.js';
import type { BotStore, CachedMedia } from './store.js';
import type { ChatSendLimiter } from './chat-limiter.js';
import type { BotEngine } from './services.js';

/** What the bot puts in a queued job. */
export interface BotJobData extends JobData {
  source: 'bot';
  chatId: number;
  userId: string;
  /**
   * The message that shows this job's status, sent by the bot before it added the job: any
   * worker edits it with progress and deletes it once the media is sent. A playlist entry has none.
   */
  statusMessageId?: number;
  /** The language the answers are written in. */
  locale: string;
  /** The user left the quality to us ("best"): a too-large file may be replaced by a smaller one. */
  autoLower: boolean;
  captions: boolean;
  /** The file_id cache key from offline detection, so the same link is answered before any extraction. */
  detectKey?: string;
  /** Set when this job downloads one entry of a playlist batch. */
  batch?: BatchRef;
}

/** What the job handler needs; createBot supplies it, a separate worker process can too. */
export interface JobHandlerDeps {
  api: Api;
  engine: BotEngine;
  store: BotStore;
  queue: JobQueue;
  i18n: I18n<BotContext>;
  config: Config;
  logger: Logger;
  retry: RetryPolicy;
  uploadLimitBytes: number;
  localApi: boolean;
  progressIntervalMs: number;
  groupLimiter?: ChatSendLimiter;
}

/** Largest cover image fetched for an audio thumbnail. */
const COVER_MAX_BYTES = 5 * 1024 * 1024;
/** Lower qualities tried for one job at most. */
const MAX_QUALITY_STEPS = 6;

/** The temp dir of a job: DATA_DIR/tmp/bot-<job id>. */
export function jobDir(dataDir: string, jobId: string): string {
  return join(dataDir, 'tmp', `bot-${jobId}`);
}

/**
 * Removes job temp dirs older than `maxAgeMs`: what a killed process left behind. Younger ones
 * may belong to a job another process is running on the same DATA_DIR.
 */
export async function removeStaleJobDirs(dataDir: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  const base = join(dataDir, 'tmp');
  let removed = 0;
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (!name.startsWith('bot-')) continue;
    const info = await stat(join(base, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > maxAgeMs) {
      await rm(join(base, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** The worker handler for bot jobs. */
export function createBotJobHandler(deps: JobHandlerDeps): JobHandler {
  const ffmpeg = new Ffmpeg({ ffmpegPath: deps.config.ffmpegPath, ffprobePath: deps.config.ffprobePath });
  return (ctx) => new BotJob(deps, ffmpeg, ctx).run();
}

/** One run of one job. */
class BotJob {
  private readonly data: BotJobData;
  private readonly t: Translate;
  private readonly status: StatusMessage;
  private readonly dir: string;
  private platform: string;

  constructor(
    private readonly deps: JobHandlerDeps,
    private readonly ffmpeg: Ffmpeg,
    private readonly ctx: JobContext,
  ) {
    const { job, signal } = ctx;
    this.data = job.data as BotJobData;
    this.t = translator(deps.i18n, this.data.locale);
    this.dir = jobDir(deps.config.dataDir, job.id);
    this.platform = deps.engine.platforms.detect(this.data.url).platform ?? 'unknown';
    const shown = statusMessageOf(job, deps.store);
    this.status = new StatusMessage({
      api: deps.api,
      chatId: this.data.chatId,
      ...(shown.messageId !== undefined ? { messageId: shown.messageId } : {}),
      shownAt: shown.at,
      intervalMs: deps.progressIntervalMs,
      ...(this.data.replyToMessageId ? { replyToMessageId: this.data.replyToMessageId } : {}),
      ...(deps.groupLimiter ? { limiter: deps.groupLimiter } : {}),
      signal,
      logger: deps.logger,
    });
  }

  async run(): Promise<unknown> {
    const { job, signal } = this.ctx;
    if (job.delivered) {
      // delivered by an earlier attempt that died before completing: never send twice
      await this.status.remove();
      await this.settleBatch('sent');
      return { delivered: 'earlier' };
    }
    try {
      this.status.progress(this.t('status-starting'));
      const info = await this.deps.engine.downloads.info(this.data.url, signal);
      this.platform = info.platform;
      // an entry of a batch is never offered as a playlist again, whatever it turns out to be
      if (!this.data.batch && isPlaylist(info)) return await this.offerPlaylist(info);
      const key = cacheKey(info.platform, info.id, this.data.request);
      const keys = this.data.detectKey ? [key, this.data.detectKey] : [key];
      const cached = this.deps.store.cached(key);
      if (cached && (await this.sendCached(key, cached, keys))) {
        await this.settleBatch('sent');
        return { files: cached.items.length, cached: true };
      }

      const result = await this.downloadWithinLimit(info);
      this.status.progress(this.t('status-uploading'));
      void this.deps.api.sendChatAction(this.data.chatId, chatAction(result.files)).catch(() => undefined);
      const items = await Promise.all(result.files.map((file) => this.outgoing(file, info)));
      const sent = await sendMedia(this.deps.api, this.data.chatId, items, {
        ...this.captionFor(info),
        ...(this.data.replyToMessageId ? { replyToMessageId: this.data.replyToMessageId } : {}),
        maxRequestBytes: this.deps.uploadLimitBytes,
        signal,
      });
      // right after the send, before anything else can fail: a retry must not send again
      await this.deps.queue.markDelivered(job.id);
      const bytes = result.files.reduce((sum, f) => sum + f.sizeBytes, 0);
      this.deps.store.remember(keys, {
        items: sent,
        platform: info.platform,
        url: info.url,
        ...(info.title ? { title: info.title } : {}),
        ...(info.uploader ? { uploader: info.uploader } : {}),
        sizeBytes: bytes,
      });
      await this.status.remove();
      this.deps.store.recordDelivery(Number(this.data.userId), info.platform, bytes, false);
      await this.settleBatch('sent');
      return { files: sent.length, bytes };
    } catch (error) {
      await this.report(error);
      throw error;
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /**
   * Offers a playlist's entries (up to PLAYLIST_LIMIT) as a batch: the status message becomes
   * the offer with "Download all (N)" and "First one only". A retry of this job finds the
   * batch it made before instead of making a second one.
   */
  private async offerPlaylist(info: MediaInfo): Promise<unknown> {
    const limit = this.deps.config.playlistLimit;
    const entries = (info.entries ?? []).slice(0, limit);
    const batch = this.deps.store.createBatch({
      sourceJobId: this.ctx.job.id,
      url: info.url,
      ...(info.title ? { title: info.title } : {}),
      userId: Number(this.data.userId),
      chatId: this.data.chatId,
      ...(this.data.replyToMessageId ? { replyToMessageId: this.data.replyToMessageId } : {}),
      locale: this.data.locale,
      request: this.data.request,
      autoLower: this.data.autoLower,
      captions: this.data.captions,
      total: info.entriesTotal ?? info.entries?.length ?? entries.length,
      items: entries.map((entry) => ({ url: entry.url, ...(entry.title ? { title: entry.title } : {}) })),
    });
    await this.status.replace(offerText(this.t, batch, limit), playlistKeyboard(batch.key, batch.items.length, this.t));
    return { playlist: batch.key, entries: batch.items.length };
  }

  /** Tells this job's batch (if it has one) how its entry ended; never fails the job. */
  private async settleBatch(state: 'sent' | 'failed' | 'cancelled', code?: string): Promise<void> {
    if (!this.data.batch) return;
    await settleBatchEntry(this.deps, this.data.batch, state, code).catch((error: unknown) =>
      this.deps.logger.warn({ err: error, jobId: this.ctx.job.id, batch: this.data.batch }, 'could not report to the playlist batch'),
    );
  }

  /** Sends a cached answer; false when Telegram no longer knows the file (then we download). */
  private async sendCached(key: string, cached: CachedMedia, keys: string[]): Promise<boolean> {
    try {
      await sendMedia(this.deps.api, this.data.chatId, cached.items.map(outgoingCached), {
        ...this.captionFor(cached),
        ...(this.data.replyToMessageId ? { replyToMessageId: this.data.replyToMessageId } : {}),
        signal: this.ctx.signal,
      });
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 400) {
        this.deps.store.forget(key);
        return false;
      }
      throw error;
    }
    await this.deps.queue.markDelivered(this.ctx.job.id);
    this.deps.store.remember(keys, cached);
    await this.status.remove();
    this.deps.store.recordDelivery(Number(this.data.userId), cached.platform, 0, true);
    return true;
  }

  /**
   * Downloads within Telegram's upload limit. The limit goes into the request, so format
   * selection skips versions known to be too big; a file that still comes out too big is
   * fetched again one step lower (only when the user asked for "best"), until it fits or
   * nothing lower exists.
   */
  private async downloadWithinLimit(info: MediaInfo): Promise<DownloadResult> {
    const limit = this.deps.uploadLimitBytes;
    let request: DownloadRequest = { ...this.data.request, maxFilesizeBytes: limit };
    let previousP: number | undefined;
    for (let step = 0; ; step++) {
      const result = await this.deps.engine.downloads.download(this.data.url, request, {
        outputDir: this.dir,
        thumbnails: true,
        signal: this.ctx.signal,
        onProgress: this.progressReporter(),
        info,
      });
      const tooBig = result.files.find((f) => f.sizeBytes > limit);
      if (!tooBig) return result;
      await Promise.all(result.files.flatMap((f) => [f.path, f.thumbnailPath ?? '']).filter(Boolean).map((p) => rm(p, { force: true })));
      const p = tooBig.width && tooBig.height ? Math.min(tooBig.width, tooBig.height) : tooBig.height;
      const next = lowerQuality(request.quality, p);
      const gotSmaller = previousP === undefined || (p !== undefined && p < previousP);
      previousP = p;
      if (!this.data.autoLower || !next || !gotSmaller || step >= MAX_QUALITY_STEPS) {
        throw new DownloadError('content.too_large', `The file is ${tooBig.sizeBytes} bytes, over the upload limit of ${limit}.`, {
          platform: info.platform,
          url: info.url,
          sizeBytes: tooBig.sizeBytes,
          maxBytes: limit,
          quality: request.quality,
          ...(!this.data.autoLower && next && isChoice(next) ? { lower: next } : {}),
        });
      }
      this.status.progress(this.t('status-lower-quality', { from: this.qualityLabel(p), size: formatBytes(tooBig.sizeBytes), to: this.t(`quality-${next}`) }));
      request = { ...request, quality: next };
    }
  }

  private qualityLabel(p: number | undefined): string {
    return p ? `${p}p` : this.t('quality-best');
  }

  /** A progress callback that turns byte counts into status edits and heartbeat progress. */
  private progressReporter(): (p: DownloadProgress) => void {
    const meter = new SpeedMeter();
    return (p) => {
      this.ctx.progress({ stage: p.stage, item: p.item, items: p.items, downloadedBytes: p.downloadedBytes, totalBytes: p.totalBytes });
      let text: string;
      if (p.stage === 'download') {
        meter.sample(p.downloadedBytes, Date.now());
        const speed = meter.bytesPerSec;
        const speedText = speed ? formatBytes(speed) : '…';
        if (p.totalBytes) {
          const eta = speed ? (p.totalBytes - p.downloadedBytes) / speed : undefined;
          text = this.t('status-downloading', {
            percent: Math.min(99, Math.floor((100 * p.downloadedBytes) / p.totalBytes)),
            done: formatBytes(p.downloadedBytes),
            total: formatBytes(p.totalBytes),
            speed: speedText,
            eta: eta !== undefined ? formatDuration(eta) : '…',
          });
        } else {
          text = this.t('status-downloading-unknown', { done: formatBytes(p.downloadedBytes), speed: speedText });
        }
      } else if (p.stage === 'process') {
        text = this.t('status-processing');
      } else {
        return;
      }
      if (p.items > 1) text += `\n${this.t('status-item', { item: p.item + 1, items: p.items })}`;
      this.status.progress(text);
    };
  }

  /** A downloaded file ready to send; audio gets title, performer and (best effort) a cover. */
  private async outgoing(file: DownloadedFile, info: MediaInfo): Promise<Outgoing> {
    const title = file.item.title ?? info.title;
    const performer = file.item.music?.author ?? file.item.uploader ?? info.uploader;
    const out = outgoingFile(file, this.deps.localApi, { ...(title ? { title } : {}), ...(performer ? { performer } : {}) });
    if (out.kind === 'audio' && !out.thumbnail) {
      const cover = await this.cover(file.item.thumbnail ?? info.thumbnail, file.path);
      if (cover) out.thumbnail = new InputFile(cover);
    }
    return out;
  }

  /** The item's picture as a Telegram-sized JPEG; undefined when there is none or it fails. */
  private async cover(url: string | undefined, audioPath: string): Promise<string | undefined> {
    if (!url) return undefined;
    const source = `${audioPath}.cover-src`;
    const target = `${audioPath}.cover.jpg`;
    try {
      await downloadToFile(this.deps.engine.http, url, source, { maxBytes: COVER_MAX_BYTES, signal: this.ctx.signal });
      await this.ffmpeg.thumbnail(source, target, { signal: this.ctx.signal, durationSec: 0 });
      return target;
    } catch (error) {
      this.deps.logger.debug({ err: error, url }, 'no cover for an audio file');
      return undefined;
    } finally {
      await rm(source, { force: true });
    }
  }

  private captionFor(meta: { title?: string; uploader?: string; url: string }): { captionHtml?: string } {
    if (!this.data.captions) return {};
    const html = captionHtml({ ...meta, sourceLabel: this.t('caption-source') });
    return html ? { captionHtml: html } : {};
  }

  /** Tells the user what went wrong (or that a retry comes), in their language. */
  private async report(error: unknown): Promise<void> {
    const { job, signal } = this.ctx;
    const log = (e: unknown) => this.deps.logger.warn({ err: e, jobId: job.id }, 'could not update a status message');
    if (signal.aborted) {
      // cancelled by the user (the queue says so) or a shutdown (the job resumes elsewhere)
      if ((await this.deps.queue.get(job.id))?.state !== 'cancelled') return;
      if (this.data.batch) await this.settleBatch('cancelled');
      else await this.status.replace(this.t('status-cancelled')).catch(log);
      return;
    }
    const e = toDownloadError(error, { url: this.data.url });
    if (e.code === 'internal') this.deps.logger.error({ err: error, jobId: job.id }, 'bot job failed');
    else this.deps.logger.info({ jobId: job.id, code: e.code, platform: this.platform }, 'bot job failed');
    const decision = this.deps.retry.decide(e, job.attempts);
    // an entry of a batch retries quietly and fails into the batch's summary, not a message of its own
    if (decision.retry && this.data.batch) return;
    if (decision.retry) {
      const text = this.t('status-retrying', { error: this.errorText(e), attempt: job.attempts + 1, max: job.maxAttempts });
      await this.status.replace(text).catch(log);
      return;
    }
    this.deps.store.recordFailure(Number(this.data.userId), this.platform);
    if (this.data.batch) return this.settleBatch('failed', e.code);
    const lower = typeof e.context.lower === 'string' && isChoice(e.context.lower) ? (e.context.lower as Choice) : undefined;
    let keyboard;
    if (lower) {
      // the button names this job, which every bot process can read from the shared queue; a
      // choice stored here would be unknown to a bot on another box
      const data =
        retryJobData(job.id, lower) ??
        choiceData(
          this.deps.store.createChoice({
            url: this.data.url,
            userId: Number(this.data.userId),
            chatId: this.data.chatId,
            ...(this.data.replyToMessageId ? { replyToMessageId: this.data.replyToMessageId } : {}),
          }),
          lower,
        );
      keyboard = lowerQualityKeyboard(data, lower, this.t);
    }
    await this.status.replace(this.errorText(e), keyboard).catch(log);
  }

  /** The user's sentence for an error; too-large ones also say how big and what the limit is. */
  private errorText(e: DownloadError): string {
    const limit = formatBytes(this.deps.uploadLimitBytes);
    const text = this.t(errorKey(e.code), { limit });
    if (e.code !== 'content.too_large') return text;
    const size = typeof e.context.sizeBytes === 'number' ? e.context.sizeBytes : typeof e.context.estimatedBytes === 'number' ? e.context.estimatedBytes : undefined;
    if (size === undefined) return text;
    const quality = typeof e.context.quality === 'string' ? this.t(`quality-${isChoice(e.context.quality) ? e.context.quality : 'best'}`) : this.t('quality-best');
    const detail = this.t('error-too-large-detail', { size: formatBytes(size), quality, limit: formatBytes(Number(e.context.maxBytes ?? this.deps.uploadLimitBytes)) });
    return typeof e.context.lower === 'string' ? `${text}\n${detail}\n${this.t('error-too-large-offer')}` : `${text}\n${detail}`;
  }
}

/** The "sending…" indicator that fits what is about to be sent. */
function chatAction(files: DownloadedFile[]): 'upload_video' | 'upload_voice' | 'upload_photo' | 'upload_document' {
  const kind = files[0]?.kind;
  return kind === 'audio' ? 'upload_voice' : kind === 'image' ? 'upload_photo' : 'upload_video';
}
