/**
 * Where a job's status message is, without Telegram: the job's own data names it (so a worker
 * with another DATA_DIR finds it), a playlist entry has none, and a job queued by the previous
 * version is found in the bot's table. And the lower-quality button's callback_data, which
 * names the failed job so any bot process can answer the press.
 */
import { describe, expect, it } from 'vitest';
import { statusMessageOf } from '../../src/bot/status-message.js';
import { CALLBACK_DATA_MAX_BYTES, retryJobData } from '../../src/bot/keyboards.js';
import { BotStore } from '../../src/bot/store.js';
import { openDatabase } from '../../src/utils/store.js';
import type { Job, JobData } from '../../src/core/job-queue.js';

const CREATED_AT = 1_700_000_000_000;

const job = (id: string, extra: Partial<JobData> = {}): Job => ({
  id,
  state: 'running',
  priority: 0,
  data: { url: 'https://example.com/v/1', request: { quality: 'best' }, userId: '7', chatId: 7, source: 'bot', ...extra },
  attempts: 1,
  maxAttempts: 3,
  delivered: false,
  errors: [],
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
});

describe('statusMessageOf', () => {
  const store = new BotStore(openDatabase(':memory:'));
  store.recordJob({ jobId: 'legacy', userId: 7, chatId: 7, statusMessageId: 41, statusAt: CREATED_AT + 250 });
  store.recordJob({ jobId: 'entry', userId: 7, chatId: 7, statusMessageId: 43 });
  store.recordJob({ jobId: 'both', userId: 7, chatId: 7, statusMessageId: 44, statusAt: CREATED_AT + 900 });
  store.recordJob({ jobId: 'index-only', userId: 7, chatId: 7 });

  it('takes the message the job data names, shown when the job was added', () => {
    expect(statusMessageOf(job('new', { statusMessageId: 42 }), store)).toEqual({ messageId: 42, at: CREATED_AT });
    // the data wins over a row in this store
    expect(statusMessageOf(job('both', { statusMessageId: 45 }), store)).toEqual({ messageId: 45, at: CREATED_AT });
  });

  it('gives a playlist entry none: its batch message counts for it', () => {
    expect(statusMessageOf(job('entry', { batch: { key: 'k', index: 0 } }), store)).toEqual({ at: CREATED_AT });
  });

  it('falls back to the bot_jobs row for a job queued by the previous version', () => {
    expect(statusMessageOf(job('legacy'), store)).toEqual({ messageId: 41, at: CREATED_AT + 250 });
  });

  it('has none when neither the data nor this store knows one (a worker on another box, an old job)', () => {
    expect(statusMessageOf(job('index-only'), store)).toEqual({ at: CREATED_AT });
    expect(statusMessageOf(job('unknown'), store)).toEqual({ at: CREATED_AT });
  });
});

describe('retryJobData', () => {
  it('names the job and the quality within the 64-byte limit', () => {
    const id = '535e117d-ccf5-435c-b990-7185242cb9a1';
    expect(retryJobData(id, '480p')).toBe(`lq:${id}:480p`);
    expect(Buffer.byteLength(retryJobData(id, 'worst')!)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
  });

  it('declines an id too long for callback_data (the caller stores a choice instead)', () => {
    expect(retryJobData('x'.repeat(57), '480p')).toBeUndefined();
    expect(retryJobData('x'.repeat(56), '480p')).toHaveLength(CALLBACK_DATA_MAX_BYTES);
  });
});
