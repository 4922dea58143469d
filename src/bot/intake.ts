/**
 * Taking a link from a user: offline detection, the per-user rate limit, then one of three
 * answers — the media at once from the file_id cache, a quality keyboard (setting "ask"), or a
 * job in the durable queue with a status message saying the place in line.
 *
 * Queueing: the status message comes first, as a neutral "received" that promises nothing (or
 * it is the keyboard or offer message the user answered); the job is added with that message's
 * id in its data, so whichever worker runs it — in this process or on another box with its own
 * DATA_DIR — edits it with progress and deletes it once the media is sent; only then does the
 * message say "you are #N in line". So the job is in the queue before the user reads "queued",
 * and when the queue refuses, the message says that instead. The update's chat+message id is
 * the job's idempotency key, so an update delivered twice makes one job (and its second
 * "received" is deleted). Presses of a playlist offer's buttons start the batch (every entry)
 * or take its first entry like a link of its own; a lower-quality button names its failed job.
 */
import { Composer, GrammyError, type CallbackQueryContext } from 'grammy';
import type { Message } from 'grammy/types';
import { toDownloadError, type DownloadError } from '../utils/errors.js';
import type { Job } from '../core/job-queue.js';
import type { DownloadRequest } from '../media/types.js';
import { startBatch } from './batch.js';
import { captionHtml } from './caption.js';
import { errorKey, translator, type BotContext, type Translate } from './i18n.js';
import { qualityKeyboard } from './keyboards.js';
import { linksIn, mentions, repliesTo } from './links.js';
import { cacheKey, isChoice, requestFor, type Choice } from './request.js';
import { outgoingCached, sendMedia } from './send.js';
import type { BotJobData } from './job-handler.js';
import type { BotServices } from './services.js';
import type { CachedMedia } from './store.js';

/** One link to answer. */
export interface LinkRequest {
  url: string;
  userId: number;
  chatId: number;
  locale: string;
  replyToMessageId?: number;
  /** A button the user pressed; without it the user's settings decide. */
  choice?: Choice;
  /** A request decided before (a playlist's first entry, as the playlist was asked for); wins over choice and settings. */
  request?: DownloadRequest;
  /** A message of ours to turn into the status message (the keyboard the user answered). */
  statusMessageId?: number;
  /** Makes a redelivered update add no second job. */
  idempotencyKey?: string;
}

/** How a link was answered; `failed` when the queue could not take it (the status message says so). */
export type Outcome = 'cached' | 'asked' | 'queued' | 'failed';

/** The offline verdict on a link. */
export type LinkCheck = { ok: true; platform: string } | { ok: false; code: DownloadError['code'] };

/** Takes links and answers them; shared by messages, buttons and deep links. */
export class Intake {
  constructor(private readonly s: BotServices) {}

  /** Detects the platform offline; unsupported, invalid and disabled links fail here. */
  check(url: string): LinkCheck {
    const detected = this.s.engine.platforms.detect(url);
    if (!detected.platform) return { ok: false, code: detected.error ?? 'link.unsupported' };
    if (!this.s.engine.platforms.isEnabled(detected.platform)) return { ok: false, code: 'link.unsupported' };
    return { ok: true, platform: detected.platform };
  }

  /** Spends one link of the user's per-minute budget; the wait in seconds when it is spent. */
  async allow(userId: number): Promise<{ allowed: true } | { allowed: false; retryAfterSec: number }> {
    const decision = await this.s.rateLimiter.consume(`user:${userId}`);
    return decision.allowed ? { allowed: true } : { allowed: false, retryAfterSec: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) };
  }

  /** Answers a checked link: cache, keyboard or queue. */
  async accept(req: LinkRequest): Promise<Outcome> {
    const { store, api } = this.s;
    const t = translator(this.s.i18n, req.locale);
    const settings = store.settings(req.userId);
    if (!req.choice && !req.request && settings.quality === 'ask') {
      const key = store.createChoice({ url: req.url, userId: req.userId, chatId: req.chatId, ...(req.replyToMessageId ? { replyToMessageId: req.replyToMessageId } : {}) });
      await api.sendMessage(req.chatId, t('choose-quality'), { reply_markup: qualityKeyboard(key, t), ...replyTo(req) });
      return 'asked';
    }

    const request = req.request ?? requestFor(settings, req.choice);
    const detected = this.s.engine.platforms.detect(req.url);
    const detectKey = detected.platform && detected.id ? cacheKey(detected.platform, detected.id, request) : undefined;
    const cached = detectKey ? store.cached(detectKey) : undefined;
    if (cached && detectKey && (await this.sendCached(req, cached, detectKey, settings.captions, t))) return 'cached';

    const data: BotJobData = {
      url: req.url,
      request,
      userId: String(req.userId),
      chatId: req.chatId,
      source: 'bot',
      locale: req.locale,
      autoLower: request.quality === 'best',
      captions: settings.captions,
      ...(req.replyToMessageId ? { replyToMessageId: req.replyToMessageId } : {}),
      ...(detectKey ? { detectKey } : {}),
    };
    return this.enqueue(req, data, t);
  }

  /**
   * Status message, then job, then "queued": see the file comment. The job's data carries the
   * status message, the bot_jobs row only says whose job it is (for /cancel).
   */
  private async enqueue(req: LinkRequest, data: BotJobData, t: Translate): Promise<Outcome> {
    const { store, api, queue, logger } = this.s;
    const sentHere = req.statusMessageId === undefined;
    const statusMessageId = req.statusMessageId ?? (await api.sendMessage(req.chatId, t('status-received'), replyTo(req))).message_id;
    const edit = (text: string) =>
      api.editMessageText(req.chatId, statusMessageId, text).catch((error: unknown) => logger.warn({ err: error, chatId: req.chatId }, 'could not edit a status message'));
    let job: Job;
    try {
      job = await queue.add({ ...data, statusMessageId }, req.idempotencyKey ? { key: req.idempotencyKey } : {});
    } catch (error) {
      logger.error({ err: error, chatId: req.chatId }, 'the queue did not take a link');
      await edit(t(errorKey(toDownloadError(error).code), { limit: '' }));
      return 'failed';
    }
    if (job.data.statusMessageId !== statusMessageId) {
      // the same update delivered again: its job already has a status message, this one is extra
      if (sentHere) await api.deleteMessage(req.chatId, statusMessageId).catch(() => undefined);
      return 'queued';
    }
    store.recordJob({ jobId: job.id, userId: req.userId, chatId: req.chatId });
    // No place once a worker took the job: the message is the worker's then, and "in line" would
    // be stale. (A worker elsewhere could still finish the job between this read and the edit —
    // it would have to fail within one round trip; its first progress edit waits a whole interval.)
    let position: number | undefined;
    try {
      position = await queue.position(job.id);
    } catch (error) {
      logger.warn({ err: error, jobId: job.id }, 'could not read a queue position');
    }
    if (position !== undefined) await edit(t('status-queued', { position }));
    this.s.worker?.poke();
    return 'queued';
  }

  /** Sends media from the file_id cache; false when Telegram no longer has it. */
  private async sendCached(req: LinkRequest, cached: CachedMedia, key: string, captions: boolean, t: Translate): Promise<boolean> {
    const caption = captions ? captionHtml({ ...cached, sourceLabel: t('caption-source') }) : '';
    try {
      await sendMedia(this.s.api, req.chatId, cached.items.map(outgoingCached), {
        ...(caption ? { captionHtml: caption } : {}),
        ...(req.replyToMessageId ? { replyToMessageId: req.replyToMessageId } : {}),
      });
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 400) {
        this.s.store.forget(key);
        return false;
      }
      throw error;
    }
    if (req.statusMessageId !== undefined) await this.s.api.deleteMessage(req.chatId, req.statusMessageId).catch(() => undefined);
    this.s.store.recordDelivery(req.userId, cached.platform, 0, true);
    return true;
  }
}

/** The link behind a quality button: what to download, for whom, where. */
type ButtonLink = Pick<LinkRequest, 'url' | 'userId' | 'chatId' | 'replyToMessageId'>;

/** The link of a bot job (job data is untrusted JSON); undefined when it is not one. */
function linkOfJob(job: Job): ButtonLink | undefined {
  const data = job.data as Partial<BotJobData>;
  const userId = Number(data.userId);
  if (data.source !== 'bot' || typeof data.url !== 'string' || typeof data.chatId !== 'number' || !Number.isSafeInteger(userId)) return undefined;
  return { url: data.url, userId, chatId: data.chatId, ...(typeof data.replyToMessageId === 'number' ? { replyToMessageId: data.replyToMessageId } : {}) };
}

/** Reply parameters that answer the user's message, if there is one (and still answer when it was deleted). */
function replyTo(req: Pick<LinkRequest, 'replyToMessageId'>) {
  return req.replyToMessageId ? { reply_parameters: { message_id: req.replyToMessageId, allow_sending_without_reply: true } } : {};
}

/**
 * Whether the bot should act on links in this message: always in private; in a group only when
 * mentioned, replied to, or when an admin turned on /autodownload.
 */
export function addressed(ctx: BotContext, s: BotServices, message: Message): boolean {
  const chat = ctx.chat;
  if (!chat || chat.type === 'private') return true;
  if (chat.type === 'channel') return false;
  return mentions(message, ctx.me.username) || repliesTo(message, ctx.me.id) || s.store.autodownload(chat.id);
}

/** Messages with links, and presses of quality buttons. */
export function intakeComposer(s: BotServices, intake: Intake): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.on('message', async (ctx, next) => {
    const message = ctx.message;
    const links = linksIn(message, s.config.maxLinksPerMessage);
    if (links.length === 0 || !ctx.from || !addressed(ctx, s, message)) return next();
    const locale = await ctx.i18n.getLocale();
    for (const [index, url] of links.entries()) {
      const verdict = intake.check(url);
      if (!verdict.ok) {
        await ctx.reply(ctx.t(errorKey(verdict.code), { limit: '' }), { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } });
        continue;
      }
      const budget = await intake.allow(ctx.from.id);
      if (!budget.allowed) {
        await ctx.reply(ctx.t('rate-limited', { seconds: budget.retryAfterSec }), { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } });
        break;
      }
      await intake.accept({
        url,
        userId: ctx.from.id,
        chatId: message.chat.id,
        locale,
        replyToMessageId: message.message_id,
        idempotencyKey: `tg:${message.chat.id}:${message.message_id}:${index}`,
      });
    }
  });

  /** A quality button for `link` was pressed: the pressed message becomes the status message. */
  const takeChoice = async (ctx: CallbackQueryContext<BotContext>, link: ButtonLink, choice: Choice, ref: string) => {
    if (link.userId !== ctx.from.id) return void (await ctx.answerCallbackQuery({ text: ctx.t('choice-not-yours') }));
    await ctx.answerCallbackQuery();
    const messageId = ctx.callbackQuery.message?.message_id;
    await intake.accept({
      url: link.url,
      userId: link.userId,
      chatId: link.chatId,
      locale: await ctx.i18n.getLocale(),
      choice,
      ...(link.replyToMessageId ? { replyToMessageId: link.replyToMessageId } : {}),
      ...(messageId ? { statusMessageId: messageId } : {}),
      // one job per button press on one message, however often Telegram delivers it
      idempotencyKey: `cb:${link.chatId}:${messageId ?? ref}:${choice}`,
    });
  };

  composer.callbackQuery(/^q:([\w-]{1,24}):([\w]{1,8})$/, async (ctx) => {
    const [, key, choice] = ctx.match;
    const stored = key ? s.store.choice(key) : undefined;
    if (!key || !stored || !choice || !isChoice(choice)) return void (await ctx.answerCallbackQuery({ text: ctx.t('choice-expired'), show_alert: true }));
    await takeChoice(ctx, stored, choice, key);
  });

  // a lower-quality offer: the failed job (in the shared queue, whichever process ran it) holds the link
  composer.callbackQuery(/^lq:([\w-]{1,60}):([\w]{1,8})$/, async (ctx) => {
    const [, jobId, choice] = ctx.match;
    const job = jobId ? await s.queue.get(jobId) : undefined;
    const link = job ? linkOfJob(job) : undefined;
    if (!jobId || !link || !choice || !isChoice(choice)) return void (await ctx.answerCallbackQuery({ text: ctx.t('choice-expired'), show_alert: true }));
    await takeChoice(ctx, link, choice, jobId);
  });

  composer.callbackQuery(/^pl:([\w-]{1,24}):(all|first)$/, async (ctx) => {
    const [, key, action] = ctx.match;
    const batch = key ? s.store.batch(key) : undefined;
    if (!batch) return void (await ctx.answerCallbackQuery({ text: ctx.t('choice-expired'), show_alert: true }));
    if (batch.userId !== ctx.from.id) return void (await ctx.answerCallbackQuery({ text: ctx.t('choice-not-yours') }));
    const messageId = ctx.callbackQuery.message?.message_id;
    if (action === 'all') {
      const started = await startBatch(s, batch, messageId);
      await ctx.answerCallbackQuery(started ? {} : { text: ctx.t('playlist-already') });
      return;
    }
    const first = batch.items[0];
    if (!first) return void (await ctx.answerCallbackQuery({ text: ctx.t('choice-expired'), show_alert: true }));
    await ctx.answerCallbackQuery();
    // the offer message becomes the status message of the one download
    await intake.accept({
      url: first.url,
      userId: batch.userId,
      chatId: batch.chatId,
      locale: await ctx.i18n.getLocale(),
      request: batch.request,
      ...(batch.replyToMessageId ? { replyToMessageId: batch.replyToMessageId } : {}),
      ...(messageId ? { statusMessageId: messageId } : {}),
      idempotencyKey: `pl:${batch.chatId}:${messageId ?? key}:first`,
    });
  });

  return composer;
}
