/**
 * Telegram's per-group sending limit: a bot may post about 20 messages a minute in one group,
 * and going over earns 429s (and, repeated, a longer ban). New messages to a group wait for a
 * token (an API transformer does it for every send call); progress edits never wait — they
 * are skipped when the group's budget is spent, because a fresher one follows anyway.
 */
import type { Transformer } from 'grammy';
import { MemoryTokenBucket, type RateLimiter } from '../utils/rate-limiter.js';

/** Telegram's guideline for one group. */
export const GROUP_MESSAGES_PER_MINUTE = 20;

/** Methods that post a new message into a chat. */
const SENDING = new Set([
  'sendMessage', 'sendPhoto', 'sendVideo', 'sendAudio', 'sendAnimation', 'sendDocument', 'sendMediaGroup',
  'sendVoice', 'sendVideoNote', 'sendSticker', 'copyMessage', 'forwardMessage',
]);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
  });

/** Whether a chat id is a group or a supergroup (or a channel): they are negative. */
export function isGroupChat(chatId: unknown): chatId is number {
  return typeof chatId === 'number' && chatId < 0;
}

/** Per-group message budget. */
export class ChatSendLimiter {
  private readonly bucket: RateLimiter;

  constructor(perMinute = GROUP_MESSAGES_PER_MINUTE, bucket?: RateLimiter) {
    this.bucket = bucket ?? new MemoryTokenBucket({ capacity: perMinute, ratePerMinute: perMinute });
  }

  /** Waits until the group may receive one more message. */
  async take(chatId: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const decision = await this.bucket.consume(String(chatId));
      if (decision.allowed) return;
      await sleep(decision.retryAfterMs, signal);
    }
  }

  /** Spends one message of the group's budget if there is one; never waits. */
  async tryTake(chatId: number): Promise<boolean> {
    return (await this.bucket.consume(String(chatId))).allowed;
  }

  /** An API transformer that makes every new message to a group wait for its budget. */
  transformer(): Transformer {
    return async (prev, method, payload, signal) => {
      const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
      if (SENDING.has(method) && isGroupChat(chatId)) await this.take(chatId, signal as unknown as AbortSignal | undefined);
      return prev(method, payload, signal);
    };
  }
}
