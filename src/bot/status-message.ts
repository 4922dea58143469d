/**
 * The status message of one job ("Received… Queued… Downloading 45%…"), which the media
 * finally replaces. The bot sends it before it queues the job and puts its id in the job's
 * data, so the worker that runs the job — in any process — knows which message to edit.
 * Progress edits are best effort: at most one per interval, only when the text changed, never
 * two at once, never after the job was aborted, and skipped in a group whose message budget is
 * spent. Final texts (an error, "cancelled", an offer) always get through.
 */
import { GrammyError, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from 'pino';
import { EditThrottle } from './progress.js';
import { isGroupChat, type ChatSendLimiter } from './chat-limiter.js';
import type { Job } from '../core/job-queue.js';
import type { BotJobData } from './job-handler.js';
import type { BotStore } from './store.js';

/** Where the status message is and how often it may change. */
export interface StatusMessageOptions {
  api: Api;
  chatId: number;
  /** The message to edit; without one, final texts go out as new messages and progress is not shown. */
  messageId?: number;
  /** When the message was sent or last edited (ms), so the first edit also respects the interval. */
  shownAt: number;
  intervalMs: number;
  replyToMessageId?: number;
  limiter?: ChatSendLimiter;
  /** Set when the job is aborted: no more progress edits. */
  signal?: AbortSignal;
  logger: Logger;
  now?: () => number;
}

/**
 * The status message of a job and when it was last shown (ms, for the edit throttle). The
 * job's data names it, so any worker on any box finds it; a playlist entry has none (its
 * batch's message counts for it). Jobs queued by versions before the data carried it are
 * looked up in the bot_jobs table of this process's store — where the bot that queued them
 * recorded it, when that bot shares this DATA_DIR.
 */
export function statusMessageOf(job: Job, store: Pick<BotStore, 'job'>): { messageId?: number; at: number } {
  const data = job.data as Partial<BotJobData>;
  if (data.batch) return { at: job.createdAt };
  // the bot sent the message just before it added the job
  if (typeof data.statusMessageId === 'number') return { messageId: data.statusMessageId, at: job.createdAt };
  const legacy = store.job(job.id);
  return { ...(legacy?.statusMessageId !== undefined ? { messageId: legacy.statusMessageId } : {}), at: legacy?.statusAt ?? job.createdAt };
}

/** Telegram's answers that mean "nothing to do", not a failure. */
const HARMLESS = [/message is not modified/, /message to edit not found/, /message to delete not found/, /message can't be deleted/];

function harmless(error: unknown): boolean {
  return error instanceof GrammyError && HARMLESS.some((re) => re.test(error.description));
}

/** The status message of one job. */
export class StatusMessage {
  private readonly throttle: EditThrottle;
  private readonly now: () => number;
  private lastText: string | undefined;
  private inflight: Promise<void> | undefined;
  private removed = false;
  /** Edits made, for tests and logs. */
  edits = 0;

  constructor(private readonly options: StatusMessageOptions) {
    this.now = options.now ?? Date.now;
    this.throttle = new EditThrottle(options.intervalMs, options.shownAt);
  }

  /** Shows a progress text if an edit is due; returns at once. */
  progress(text: string): void {
    const id = this.options.messageId;
    const now = this.now();
    if (id === undefined || this.removed || this.inflight || this.options.signal?.aborted) return;
    if (text === this.lastText || !this.throttle.due(now)) return;
    this.throttle.mark(now);
    this.lastText = text;
    this.inflight = (async () => {
      try {
        if (isGroupChat(this.options.chatId) && this.options.limiter && !(await this.options.limiter.tryTake(this.options.chatId))) return;
        await this.options.api.editMessageText(this.options.chatId, id, text);
        this.edits++;
      } catch (error) {
        if (!harmless(error)) this.options.logger.warn({ err: error, chatId: this.options.chatId }, 'progress edit failed');
      } finally {
        this.inflight = undefined;
      }
    })();
  }

  /**
   * Replaces the status with a final text (and buttons): an edit of the status message, or a
   * new message when there is none (or it was deleted).
   */
  async replace(text: string, keyboard?: InlineKeyboardMarkup): Promise<void> {
    await this.inflight;
    const markup = keyboard ? { reply_markup: keyboard } : {};
    const id = this.options.messageId;
    if (id !== undefined && !this.removed) {
      try {
        await this.options.api.editMessageText(this.options.chatId, id, text, markup);
        this.lastText = text;
        this.throttle.mark(this.now());
        this.edits++;
        return;
      } catch (error) {
        if (!(error instanceof GrammyError && /message to edit not found/.test(error.description))) {
          if (harmless(error)) return;
          throw error;
        }
      }
    }
    const reply = this.options.replyToMessageId ? { reply_parameters: { message_id: this.options.replyToMessageId, allow_sending_without_reply: true } } : {};
    await this.options.api.sendMessage(this.options.chatId, text, { ...markup, ...reply });
  }

  /** Deletes the status message (the media took its place). */
  async remove(): Promise<void> {
    await this.inflight;
    const id = this.options.messageId;
    this.removed = true;
    if (id === undefined) return;
    try {
      await this.options.api.deleteMessage(this.options.chatId, id);
    } catch (error) {
      if (!harmless(error)) this.options.logger.warn({ err: error, chatId: this.options.chatId }, 'could not delete a status message');
    }
  }
}
