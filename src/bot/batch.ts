/**
 * Playlists in the bot. A link whose media is a list of entries without formats (a YouTube
 * playlist, a channel, a mix: see src/platforms/youtube/playlist.ts) is not downloaded at once:
 * the job that read it stores the entries as a batch and offers "Download all (N)" and "First
 * one only". "Download all" puts one durable queue job per entry (idempotency key per entry,
 * job ids recorded in the batch), so a crash loses nothing and a redelivered press adds no
 * second job. Each entry is sent as soon as its job finishes; the offer message counts the
 * finished ones, and when the last entry ends (sent, failed or cancelled) exactly one job
 * sends the summary: "Sent 3 of 3", or which entries failed and why.
 *
 * Carousels (entries that carry their formats, like a TikTok photo post) are not batches:
 * they are one job and go out as media groups.
 */
import type { Api } from 'grammy';
import type { I18n } from '@grammyjs/i18n';
import type { Logger } from 'pino';
import type { JobData, JobQueue } from '../core/job-queue.js';
import type { Worker } from '../core/worker.js';
import type { MediaInfo } from '../media/types.js';
import { ERROR_CODES, type ErrorCode } from '../utils/errors.js';
import { isGroupChat, type ChatSendLimiter } from './chat-limiter.js';
import { errorKey, translator, type BotContext, type Translate } from './i18n.js';
import { formatBytes } from './progress.js';
import { cacheKey } from './request.js';
import type { BotJobData } from './job-handler.js';
import type { BotEngine } from './services.js';
import type { Batch, BatchItemState, BotStore } from './store.js';

/** Which entry of which batch a job downloads (part of its BotJobData). */
export interface BatchRef {
  key: string;
  /** 0-based place in the playlist. */
  index: number;
}

/** What reporting on a batch needs; both the bot's services and a job handler's deps have it. */
export interface BatchDeps {
  api: Api;
  store: BotStore;
  i18n: I18n<BotContext>;
  logger: Logger;
  uploadLimitBytes: number;
  groupLimiter?: ChatSendLimiter;
}

/** What starting a batch needs besides: the queue, offline detection, the local worker. */
export interface BatchStartDeps extends BatchDeps {
  queue: JobQueue;
  engine: Pick<BotEngine, 'platforms'>;
  worker?: Worker;
}

/** Telegram's limit for a message text. */
const TEXT_MAX_CHARS = 4096;
/** A title in the offer and progress messages is cut to this. */
const TITLE_MAX_CHARS = 200;
/** An entry's title in the summary's list of failures is cut to this. */
const ITEM_TITLE_MAX_CHARS = 80;

/**
 * True when `info` lists entries that must each be extracted before download (a playlist), as
 * opposed to a carousel whose entries already carry their formats.
 */
export function isPlaylist(info: MediaInfo): boolean {
  const entries = info.entries ?? [];
  return entries.length > 0 && entries.every((entry) => entry.formats.length === 0);
}

/** The batch entry a job downloads, if it is one (job data is untrusted JSON). */
export function batchOf(data: JobData): BatchRef | undefined {
  const ref = data.batch as Partial<BatchRef> | undefined;
  return typeof ref?.key === 'string' && typeof ref.index === 'number' ? { key: ref.key, index: ref.index } : undefined;
}

/** The offer under a playlist link: title, how many items, and the cap when PLAYLIST_LIMIT cut it. */
export function offerText(t: Translate, batch: Pick<Batch, 'title' | 'url' | 'total' | 'items'>, limit: number): string {
  const total = Math.max(batch.total ?? 0, batch.items.length);
  const text = t('playlist-offer', { title: titleOf(batch), total });
  return total > batch.items.length && batch.items.length >= limit ? `${text}\n${t('playlist-offer-limited', { limit })}` : text;
}

/**
 * Starts downloading every entry: one queue job each (those without a job yet, so a press
 * redelivered after a crash completes what the first one began), then the offer becomes the
 * progress message. False when the batch was started before and nothing was left to add.
 */
export async function startBatch(deps: BatchStartDeps, batch: Batch, messageId: number | undefined): Promise<boolean> {
  const fresh = deps.store.startBatch(batch.key, messageId);
  const missing = batch.items.filter((item) => item.state === 'pending' && !item.jobId);
  if (!fresh && (batch.state === 'summarized' || missing.length === 0)) return false;
  for (const item of missing) {
    const detected = deps.engine.platforms.detect(item.url);
    const data: BotJobData = {
      url: item.url,
      request: batch.request,
      userId: String(batch.userId),
      chatId: batch.chatId,
      source: 'bot',
      locale: batch.locale,
      autoLower: batch.autoLower,
      captions: batch.captions,
      ...(batch.replyToMessageId ? { replyToMessageId: batch.replyToMessageId } : {}),
      ...(detected.platform && detected.id ? { detectKey: cacheKey(detected.platform, detected.id, batch.request) } : {}),
      batch: { key: batch.key, index: item.index },
    };
    const job = await deps.queue.add(data, { key: `batch:${batch.key}:${item.index}` });
    deps.store.setBatchItemJob(batch.key, item.index, job.id);
    // no status message of its own: the batch's message shows the progress of all entries
    deps.store.recordJob({ jobId: job.id, userId: batch.userId, chatId: batch.chatId });
  }
  // the offer becomes "0 of N done" before the worker is woken, so an entry's count never comes first
  const started = deps.store.batch(batch.key);
  if (started) await showProgress(deps, started);
  deps.worker?.poke();
  return true;
}

/**
 * Records how one entry ended, updates the progress message, and sends the summary when it
 * was the last. Safe to call twice for the same entry (a retried or redelivered job): the
 * entry keeps its first outcome and the summary goes out once.
 */
export async function settleBatchEntry(deps: BatchDeps, ref: BatchRef, state: Exclude<BatchItemState, 'pending'>, error?: string): Promise<void> {
  const changed = deps.store.settleBatchItem(ref.key, ref.index, state, error);
  // tried even when nothing changed: an earlier run may have settled the entry and died before summing up
  const last = deps.store.claimBatchSummary(ref.key);
  const batch = deps.store.batch(ref.key);
  if (!batch) return;
  if (last) await sendSummary(deps, batch);
  else if (changed) await showProgress(deps, batch);
}

/** Edits the batch's message to "n of N done" (best effort; skipped when a group's budget is spent). */
async function showProgress(deps: BatchDeps, batch: Batch): Promise<void> {
  if (batch.messageId === undefined) return;
  const t = translator(deps.i18n, batch.locale);
  const done = batch.items.filter((item) => item.state !== 'pending').length;
  try {
    if (isGroupChat(batch.chatId) && deps.groupLimiter && !(await deps.groupLimiter.tryTake(batch.chatId))) return;
    await deps.api.editMessageText(batch.chatId, batch.messageId, t('playlist-progress', { title: titleOf(batch), done, count: batch.items.length }));
  } catch (error) {
    deps.logger.debug({ err: error, batch: batch.key }, 'could not show playlist progress');
  }
}

/** Sends the summary as a reply to the link and removes the progress message. */
async function sendSummary(deps: BatchDeps, batch: Batch): Promise<void> {
  const reply = batch.replyToMessageId ? { reply_parameters: { message_id: batch.replyToMessageId, allow_sending_without_reply: true } } : {};
  await deps.api.sendMessage(batch.chatId, summaryText(translator(deps.i18n, batch.locale), batch, deps.uploadLimitBytes), reply);
  if (batch.messageId !== undefined) {
    await deps.api.deleteMessage(batch.chatId, batch.messageId).catch((error: unknown) => deps.logger.debug({ err: error, batch: batch.key }, 'could not delete the playlist progress message'));
  }
}

/** "Sent 3 of 3", or "Sent 2 of 3. Not sent:" and a line per entry that was not, within Telegram's text limit. */
export function summaryText(t: Translate, batch: Pick<Batch, 'title' | 'url' | 'items'>, uploadLimitBytes: number): string {
  const count = batch.items.length;
  const sent = batch.items.filter((item) => item.state === 'sent').length;
  const title = titleOf(batch);
  if (sent === count) return t('playlist-summary-done', { sent, count, title });
  let text = t('playlist-summary-partial', { sent, count, title });
  const missed = batch.items.filter((item) => item.state !== 'sent');
  for (const [i, item] of missed.entries()) {
    const reason = item.state === 'failed' ? t(errorKey(knownCode(item.error)), { limit: formatBytes(uploadLimitBytes) }) : t('playlist-item-cancelled');
    const line = t('playlist-summary-item', { index: item.index + 1, title: cut(item.title ?? item.url, ITEM_TITLE_MAX_CHARS), reason });
    const more = t('playlist-summary-more', { count: missed.length - i });
    // leave room for the "…and N more" line that would follow a cut
    if (text.length + 1 + line.length + 1 + more.length > TEXT_MAX_CHARS) return `${text}\n${more}`;
    text += `\n${line}`;
  }
  return text;
}

function titleOf(batch: Pick<Batch, 'title' | 'url'>): string {
  return cut(batch.title ?? batch.url, TITLE_MAX_CHARS);
}

/** Cuts at a code point boundary, marking the cut. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function knownCode(code: string | undefined): ErrorCode {
  return code !== undefined && code in ERROR_CODES ? (code as ErrorCode) : 'internal';
}
