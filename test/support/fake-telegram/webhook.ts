/**
 * Webhook delivery as Telegram does it: each queued update is POSTed as JSON to the URL from
 * setWebhook, with X-Telegram-Bot-Api-Secret-Token when a secret was set; a 2xx answer
 * confirms it, anything else is retried with backoff and reported in getWebhookInfo's
 * last_error_message. A 2xx answer whose JSON body names a method is executed as an API call
 * ("webhook reply"), except the methods Telegram refuses there (get*, setWebhook, …).
 */
import type { Update } from 'grammy/types';
import { unixNow, updateType, type State } from './state.js';
import type { WebhookDelivery } from './types.js';

/** Runs a method that came back in a webhook answer. */
export type WebhookReplyHandler = (method: string, params: Record<string, unknown>) => Promise<void>;

/** The outcome of one POST to the webhook. */
export interface WebhookPost {
  status: number;
  /** Set when the POST failed before an HTTP answer (connection refused, timeout). */
  error?: string;
}

// Telegram backs off up to a minute; tests need recovery in well under a second.
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;
const POST_TIMEOUT_MS = 10_000;

/** Pushes queued updates to the webhook, one at a time, in order. */
export class WebhookDeliverer {
  private running = false;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private readonly controller = new AbortController();
  private wakeRetry: (() => void) | null = null;

  constructor(
    private readonly state: State,
    private readonly mode: WebhookDelivery,
    private readonly onReply: WebhookReplyHandler,
  ) {
    state.onUpdateQueued(() => this.kick());
  }

  /** Starts delivering if a webhook is set and updates are waiting. */
  kick(): void {
    if (this.mode !== 'auto' || this.closed) return;
    this.retryMs = FIRST_RETRY_MS;
    this.wakeRetry?.();
    if (!this.running) void this.pump();
  }

  /**
   * POSTs one update to the webhook (with the configured secret unless one is given) and runs
   * the method the answer names, if any.
   */
  async post(update: Update, secretToken?: string): Promise<WebhookPost> {
    const { reply, ...outcome } = await this.send(update, secretToken);
    await reply?.();
    return outcome;
  }

  private async send(update: Update, secretToken?: string): Promise<WebhookPost & { reply?: () => Promise<void> }> {
    const { url: configured } = this.state.webhook;
    if (configured === '') throw new Error('No webhook is set: the bot has not called setWebhook');
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(configured) ? configured : `https://${configured}`;
    const secret = secretToken ?? this.state.webhook.secretToken;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret !== '') headers['x-telegram-bot-api-secret-token'] = secret;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(POST_TIMEOUT_MS)]),
      });
    } catch (error) {
      const message = (error as Error & { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
        ? 'Connection refused'
        : (error as Error).name === 'TimeoutError' ? 'Read timeout expired' : 'Webhook connection closed';
      this.recordError(message);
      return { status: 0, error: message };
    }
    const body = await response.text().catch(() => '');
    if (response.status < 200 || response.status > 299) {
      this.recordError(`Wrong response from the webhook: ${response.status} ${response.statusText}`);
      return { status: response.status };
    }
    const contentType = response.headers.get('content-type') ?? '';
    return { status: response.status, reply: () => this.runReply(body, contentType) };
  }

  /** Stops delivering and aborts a POST under way. */
  close(): void {
    this.closed = true;
    this.controller.abort();
    this.wakeRetry?.();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.state.webhook.url !== '') {
        const next = this.state.pendingUpdates().find((update) => this.allowed(update));
        if (!next) break;
        const result = await this.send(next);
        if (this.closed) break;
        if (result.status >= 200 && result.status <= 299) {
          // Telegram forgets the update once the webhook accepted it, then runs the reply.
          this.state.confirmUpdate(next.update_id);
          this.retryMs = FIRST_RETRY_MS;
          await result.reply?.();
        } else {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.retryMs);
            this.wakeRetry = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wakeRetry = null;
          this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private allowed(update: Update): boolean {
    return this.state.allowedUpdates.has(updateType(update));
  }

  private recordError(message: string): void {
    this.state.webhook.lastErrorDate = unixNow();
    this.state.webhook.lastErrorMessage = message;
  }

  private async runReply(body: string, contentType: string): Promise<void> {
    if (!contentType.toLowerCase().includes('application/json') || body.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    const { method, ...params } = parsed as Record<string, unknown>;
    if (typeof method !== 'string') return;
    const name = method.toLowerCase();
    if (name === '' || name.startsWith('get') || ['deletewebhook', 'setwebhook', 'close', 'logout'].includes(name)) return;
    await this.onReply(method, params);
  }
}
