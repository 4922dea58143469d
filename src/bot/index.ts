/**
 * The Telegram bot. grammY talks to TELEGRAM_API_ROOT (api.telegram.org, a local Bot API
 * server, or a test server); auto-retry waits out 429s and retries 5xx; the runner long-polls
 * with per-chat sequential handling (or, when WEBHOOK_URL is set, a fastify server receives
 * updates behind the secret-token check). Links go into the durable queue; a worker in the
 * same process (CONCURRENCY jobs, at most a few per user) downloads and delivers them, or one
 * in another process sharing the queue (`dlbot worker`, REDIS_URL): the job's data says which
 * chat and which status message are its own, so that worker needs nothing from this one's store.
 *
 * `createBot(deps)` wires everything without network; `startBot(deps)` also starts it, and
 * both return `stop()`, which stops taking updates, lets running jobs finish (or hands them
 * back to the queue at the deadline) and confirms the updates handled.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Bot, GrammyError, HttpError } from 'grammy';
import type { Update } from 'grammy/types';
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../utils/config.js';
import { silentLogger } from '../utils/logger.js';
import { databasePath, openDatabase, type SqliteDatabase } from '../utils/store.js';
import { MemoryTokenBucket, type RateLimiter } from '../utils/rate-limiter.js';
import { exponential, RetryPolicy } from '../utils/retry.js';
import { SqliteJobQueue, type JobQueue } from '../core/job-queue.js';
import { Worker, type JobHandler } from '../core/worker.js';
import { createEngine } from '../core/engine.js';
import type { StatusSource } from '../core/status.js';
import { allowlist } from './access.js';
import { ChatSendLimiter, GROUP_MESSAGES_PER_MINUTE } from './chat-limiter.js';
import { commandMenu, commandsComposer } from './commands.js';
import { createI18n, pickLanguage, translator, type BotContext } from './i18n.js';
import { inlineComposer } from './inline.js';
import { Intake, intakeComposer } from './intake.js';
import { createBotJobHandler, removeStaleJobDirs } from './job-handler.js';
import { PROGRESS_EDIT_INTERVAL_MS } from './progress.js';
import { uploadLimitBytes } from './send.js';
import { settingsComposer } from './settings.js';
import { BotStore, LANGUAGES } from './store.js';
import type { WebhookServer } from './webhook.js';
import type { BotEngine, BotServices } from './services.js';

// what a `dlbot worker` process or a test needs besides createBot
export type { BotContext } from './i18n.js';
export type { BotEngine } from './services.js';
export { createBotJobHandler, type BotJobData } from './job-handler.js';

/** Update types the bot handles; Telegram sends nothing else. */
export const ALLOWED_UPDATES: ReadonlyArray<Exclude<keyof Update, 'update_id'>> = ['message', 'callback_query', 'inline_query'];

/** Tuning knobs; the defaults are production values, tests make them small. */
export interface BotOptions {
  /** Largest upload (default: 50 MB, or 2000 MB with TELEGRAM_LOCAL_API). */
  uploadLimitBytes?: number;
  /** Minimum time between two edits of one status message (default 3000). */
  progressIntervalMs?: number;
  /** Jobs one user may have running at once (default 2). */
  perUserLimit?: number;
  /** Messages per minute the bot sends into one group (default 20). */
  groupMessagesPerMinute?: number;
  /** Run a queue worker in this process (default true). */
  worker?: boolean;
  /** How often an idle worker looks for jobs (default 500 ms). */
  workerPollMs?: number;
  /**
   * How long a claimed job stays this worker's without a heartbeat (default 30 s; heartbeats
   * come every third of it, and a /cancel from another process is noticed at the next one).
   */
  workerLeaseMs?: number;
  /** First retry delay of a failed job (default 2000 ms, doubling). */
  retryBaseMs?: number;
  /** Long-poll timeout in seconds (default 30). */
  pollingTimeoutSec?: number;
  /** Where the webhook server listens (default 0.0.0.0 on HTTP_PORT, else 8080). */
  webhook?: { host?: string; port?: number };
  /** How long stop() lets running jobs finish before handing them back (default 10 s). */
  stopDeadlineMs?: number;
  /** Wraps the job handler (the process uses it to time and count every download for monitoring). */
  wrapHandler?: (handler: JobHandler) => JobHandler;
}

/** What the bot is built from; only config and engine are required. */
export interface BotDeps {
  config: Config;
  engine: BotEngine;
  logger?: Logger;
  /** The SQLite store (default: DATA_DIR/dlbot.db, closed by stop()). */
  db?: SqliteDatabase;
  /** The job queue (default: SqliteJobQueue on the store). */
  queue?: JobQueue;
  /** System health for /status; without it /status shows queue counts and this process's memory. */
  status?: StatusSource;
  /** Per-user link budget (default: RATE_LIMIT_REQUESTS_PER_MINUTE in memory). */
  rateLimiter?: RateLimiter;
  options?: BotOptions;
}

/** A wired bot. */
export interface DlBot {
  bot: Bot<BotContext>;
  store: BotStore;
  queue: JobQueue;
  worker: Worker | undefined;
  /** The webhook server's port once started in webhook mode. */
  webhookPort: number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the bot: API client with retries and group throttling, languages, handlers, queue worker. */
export function createBot(deps: BotDeps): DlBot {
  const { config, engine } = deps;
  const logger = deps.logger ?? silentLogger;
  const options = deps.options ?? {};
  if (!config.botToken) throw new ConfigError('BOT_TOKEN is not set: create a bot with @BotFather (/newbot) and put its token in BOT_TOKEN.');
  const db = deps.db ?? openDatabase(databasePath(config.dataDir));
  const store = new BotStore(db);
  const queue = deps.queue ?? new SqliteJobQueue(db, { maxAttempts: config.retryMaxAttempts });

  const bot = new Bot<BotContext>(config.botToken, { client: { apiRoot: config.telegramApiRoot } });
  // flood waits up to two minutes are waited out; a longer one fails the call instead of stalling the bot
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 120 }));
  const groupLimiter = new ChatSendLimiter(options.groupMessagesPerMinute ?? GROUP_MESSAGES_PER_MINUTE);
  bot.api.config.use(groupLimiter.transformer());

  const i18n = createI18n((ctx) => pickLanguage(ctx.from ? store.settings(ctx.from.id) : {}, ctx.from?.language_code));
  const retry = new RetryPolicy({ maxAttempts: config.retryMaxAttempts, strategy: exponential({ baseMs: options.retryBaseMs ?? 2000, maxMs: 60_000 }) });
  const limit = options.uploadLimitBytes ?? uploadLimitBytes(config.telegramLocalApi);
  const handler = createBotJobHandler({
    api: bot.api,
    engine,
    store,
    queue,
    i18n,
    config,
    logger,
    retry,
    uploadLimitBytes: limit,
    localApi: config.telegramLocalApi,
    progressIntervalMs: options.progressIntervalMs ?? PROGRESS_EDIT_INTERVAL_MS,
    groupLimiter,
  });
  const worker =
    options.worker === false
      ? undefined
      : new Worker(queue, options.wrapHandler ? options.wrapHandler(handler) : handler, {
          id: `bot-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
          concurrency: config.concurrency,
          perUserLimit: options.perUserLimit ?? 2,
          retry,
          logger,
          ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
          ...(options.workerLeaseMs ? { leaseMs: options.workerLeaseMs } : {}),
        });
  const rateLimiter =
    deps.rateLimiter ?? new MemoryTokenBucket({ capacity: config.rateLimitRequestsPerMinute, ratePerMinute: config.rateLimitRequestsPerMinute });

  const services: BotServices = {
    config,
    logger,
    api: bot.api,
    engine,
    store,
    queue,
    ...(worker ? { worker } : {}),
    i18n,
    rateLimiter,
    groupLimiter,
    ...(deps.status ? { status: deps.status } : {}),
    uploadLimitBytes: limit,
    startedAt: Date.now(),
  };
  const intake = new Intake(services);

  let lastUpdateId = 0;
  bot.use((ctx, next) => {
    lastUpdateId = Math.max(lastUpdateId, ctx.update.update_id);
    return next();
  });
  // one chat's (and one user's) updates in order; different chats in parallel
  bot.use(sequentialize((ctx) => [ctx.chat?.id, ctx.from?.id].filter((id) => id !== undefined).map(String)));
  bot.use(i18n);
  bot.use(allowlist(config));
  bot.use((ctx, next) => {
    if (ctx.chat?.type === 'private' && ctx.from) store.touchUser(ctx.from.id);
    return next();
  });
  bot.use(commandsComposer(services, intake));
  bot.use(settingsComposer(services));
  bot.use(intakeComposer(services, intake));
  bot.use(inlineComposer(services));
  bot.chatType('private').on('message:text', async (ctx) => {
    if (!ctx.message.text.startsWith('/')) await ctx.reply(ctx.t('no-link'));
  });
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery());
  bot.catch((error) => {
    logger.error({ err: error.error, updateId: error.ctx.update.update_id }, 'handling an update failed');
  });

  let runner: RunnerHandle | undefined;
  let webhook: WebhookServer | undefined;
  let stopped = false;

  const dlbot: DlBot = {
    bot,
    store,
    queue,
    worker,
    webhookPort: undefined,

    async start() {
      await init(bot);
      await setCommands(bot, i18n, logger);
      // leftovers of a killed process; anything younger than a whole download may still be in use
      const swept = await removeStaleJobDirs(config.dataDir, 2 * config.downloadTimeoutSec * 1000);
      if (swept > 0) logger.info({ dirs: swept }, 'removed stale job temp dirs');
      worker?.start();
      if (config.webhookUrl) {
        // fastify is loaded only in webhook mode: a polling bot keeps its memory
        const { startWebhook } = await import('./webhook.js');
        webhook = await startWebhook(bot, {
          url: config.webhookUrl,
          // without a configured secret a random one per start still keeps strangers out
          secret: config.webhookSecret ?? randomBytes(24).toString('base64url'),
          host: options.webhook?.host ?? '0.0.0.0',
          port: options.webhook?.port ?? config.httpPort ?? 8080,
          allowedUpdates: ALLOWED_UPDATES,
          logger,
        });
        dlbot.webhookPort = webhook.port;
      } else {
        // a webhook left from an earlier deployment would make every getUpdates fail with 409
        await bot.api.deleteWebhook();
        runner = run(bot, {
          runner: { fetch: { timeout: options.pollingTimeoutSec ?? 30, allowed_updates: ALLOWED_UPDATES }, retryInterval: 'exponential' },
        });
      }
      logger.info({ username: bot.botInfo.username, mode: config.webhookUrl ? 'webhook' : 'polling' }, 'bot started');
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      if (runner?.isRunning()) await runner.stop();
      await webhook?.close();
      await worker?.stop(options.stopDeadlineMs ?? 10_000);
      if (runner && lastUpdateId > 0) {
        // confirm what was handled, or the next start would get those updates again
        await bot.api.getUpdates({ offset: lastUpdateId + 1, limit: 1, timeout: 0 }).catch(() => undefined);
      }
      if (!deps.db) db.close();
      logger.info('bot stopped');
    },
  };
  return dlbot;
}

/** Creates and starts the bot; resolves once it takes updates. */
export async function startBot(deps: BotDeps): Promise<DlBot> {
  const dlbot = createBot(deps);
  try {
    await dlbot.start();
  } catch (error) {
    await dlbot.stop().catch(() => undefined);
    throw error;
  }
  return dlbot;
}

/** getMe, with the operator's next step when Telegram refuses the token or cannot be reached. */
async function init(bot: Bot<BotContext>): Promise<void> {
  try {
    await bot.init();
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 401) {
      throw new ConfigError('Telegram refused BOT_TOKEN (401 Unauthorized): check the token with @BotFather (/token).');
    }
    if (error instanceof GrammyError && error.error_code === 404) {
      throw new ConfigError('The Bot API answered 404 for getMe: check BOT_TOKEN and TELEGRAM_API_ROOT.');
    }
    if (error instanceof HttpError) {
      throw new ConfigError(`Cannot reach the Bot API at TELEGRAM_API_ROOT: ${error.message}`);
    }
    throw error;
  }
}

/** The command menu in every language (best effort: a bot works without it). */
async function setCommands(bot: Bot<BotContext>, i18n: ReturnType<typeof createI18n>, logger: Logger): Promise<void> {
  try {
    await bot.api.setMyCommands(commandMenu(translator(i18n, 'en')));
    for (const language of LANGUAGES) {
      if (language !== 'en') await bot.api.setMyCommands(commandMenu(translator(i18n, language)), { language_code: language });
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not set the command menu');
  }
}

/**
 * `dlbot bot`: builds the engine and runs the bot until SIGINT or SIGTERM, then stops
 * gracefully. A second signal exits at once.
 */
export async function runBot(config: Config, logger: Logger): Promise<void> {
  const engine = createEngine(config, logger);
  let dlbot: DlBot;
  try {
    dlbot = await startBot({ config, engine, logger });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'stopping the bot');
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  try {
    await dlbot.stop();
  } finally {
    await engine.close();
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
  }
}
