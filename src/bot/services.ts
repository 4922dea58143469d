/**
 * What the bot's handlers share: configuration, the engine, the stores, the queue and its
 * worker, limits and languages. Built once in createBot and handed to every composer.
 */
import type { Api } from 'grammy';
import type { I18n } from '@grammyjs/i18n';
import type { Logger } from 'pino';
import type { Config } from '../utils/config.js';
import type { Engine } from '../core/engine.js';
import type { JobQueue } from '../core/job-queue.js';
import type { Worker } from '../core/worker.js';
import type { StatusSource } from '../core/status.js';
import type { RateLimiter } from '../utils/rate-limiter.js';
import type { BotStore } from './store.js';
import type { BotContext } from './i18n.js';
import type { ChatSendLimiter } from './chat-limiter.js';

/** The part of the engine the bot uses. */
export type BotEngine = Pick<Engine, 'platforms' | 'downloads' | 'http'>;

/** The shared services, one instance per bot. */
export interface BotServices {
  config: Config;
  logger: Logger;
  api: Api;
  engine: BotEngine;
  store: BotStore;
  queue: JobQueue;
  /** The worker in this process, if it runs one (for /cancel of a running job). */
  worker?: Worker;
  i18n: I18n<BotContext>;
  /** Links per user per minute. */
  rateLimiter: RateLimiter;
  /** Messages per group per minute. */
  groupLimiter: ChatSendLimiter;
  status?: StatusSource;
  /** Largest file the bot may upload (50 MB cloud, 2000 MB local API, or a test's value). */
  uploadLimitBytes: number;
  /** When the process started (ms), for /status. */
  startedAt: number;
}
