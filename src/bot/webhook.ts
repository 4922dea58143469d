/**
 * Webhook mode: a fastify server receives updates on WEBHOOK_URL's path and hands them to the
 * bot; every request must carry X-Telegram-Bot-Api-Secret-Token equal to the secret given to
 * setWebhook, or it gets 401 and is ignored. Updates only enqueue work, so answers stay far
 * below Telegram's webhook timeout.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { webhookCallback, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import type { BotContext } from './i18n.js';

/** Where and how the webhook is served. */
export interface WebhookOptions {
  /** The public URL Telegram posts to (WEBHOOK_URL); its path is the route served here. */
  url: string;
  secret: string;
  host: string;
  port: number;
  allowedUpdates: ReadonlyArray<Exclude<keyof Update, 'update_id'>>;
  logger: Logger;
}

/** A listening webhook server. */
export interface WebhookServer {
  /** The port it listens on (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/** Starts the server, then registers the webhook with Telegram. */
export async function startWebhook(bot: Bot<BotContext>, options: WebhookOptions): Promise<WebhookServer> {
  const path = new URL(options.url).pathname || '/';
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const handle = webhookCallback(bot, 'fastify', { secretToken: options.secret, onTimeout: 'return', timeoutMilliseconds: 9000 });
  app.post(path, async (request, reply) => {
    await handle(request, reply);
    return reply;
  });
  app.get('/healthz', async () => ({ ok: true }));
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  await bot.api.setWebhook(options.url, { secret_token: options.secret, allowed_updates: options.allowedUpdates });
  options.logger.info({ path, port }, 'webhook server listening');
  return { port, close: () => app.close() };
}
