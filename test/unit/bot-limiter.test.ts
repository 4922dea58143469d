/**
 * The per-group sending budget (20 messages a minute): sends wait for it, progress edits are
 * skipped instead, private chats are never held back. A fake clock drives the bucket.
 */
import { describe, expect, it, vi } from 'vitest';
import { ChatSendLimiter, isGroupChat } from '../../src/bot/chat-limiter.js';
import { MemoryTokenBucket } from '../../src/utils/rate-limiter.js';

describe('ChatSendLimiter', () => {
  it('tells groups from private chats by the sign of the id', () => {
    expect(isGroupChat(-1001234)).toBe(true);
    expect(isGroupChat(-4000)).toBe(true);
    expect(isGroupChat(42)).toBe(false);
    expect(isGroupChat('@channel')).toBe(false);
  });

  it('lets 20 messages into a group, then makes the next wait about 3 s for a token', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const limiter = new ChatSendLimiter(20, new MemoryTokenBucket({ capacity: 20, ratePerMinute: 20, now: () => Date.now() }));
      for (let i = 0; i < 20; i++) await limiter.take(-1);
      expect(await limiter.tryTake(-1)).toBe(false);
      expect(await limiter.tryTake(-2)).toBe(true);
      let done = false;
      const waiting = limiter.take(-1).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(2900);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      await waiting;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds back sends to a group whose budget is spent, but not edits or private chats', async () => {
    const bucket = new MemoryTokenBucket({ capacity: 1, ratePerMinute: 1 });
    const transformer = new ChatSendLimiter(1, bucket).transformer();
    const calls: string[] = [];
    const prev = async (method: string) => {
      calls.push(method);
      return { ok: true as const, result: true };
    };
    const stop = new AbortController();
    const call = (method: string, chatId: number) => {
      const sent = transformer(prev as never, method as never, { chat_id: chatId } as never, stop.signal as never);
      sent.catch(() => undefined); // a held call ends with the abort below
      return Promise.race([sent, new Promise((resolve) => setTimeout(() => resolve('held'), 100))]);
    };
    expect(await call('sendMessage', -5)).toEqual({ ok: true, result: true });
    expect(await call('sendMessage', -5)).toBe('held');
    expect(await call('editMessageText', -5)).toEqual({ ok: true, result: true });
    expect(await call('sendVideo', 5)).toEqual({ ok: true, result: true });
    expect(calls).toEqual(['sendMessage', 'editMessageText', 'sendVideo']);
    stop.abort();
  });
});
