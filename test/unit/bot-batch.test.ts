/**
 * Playlist batches without Telegram: which infos are playlists, the offer and summary texts
 * (plurals in both languages, the 4096-character limit), and the store's batch bookkeeping
 * (idempotent creation, one start, each entry settled once, exactly one summary).
 */
import { describe, expect, it } from 'vitest';
import { batchOf, isPlaylist, offerText, summaryText } from '../../src/bot/batch.js';
import { createI18n, translator } from '../../src/bot/i18n.js';
import { BotStore, type BatchItem, type NewBatch } from '../../src/bot/store.js';
import { openDatabase } from '../../src/utils/store.js';
import type { MediaInfo } from '../../src/media/types.js';

const i18n = createI18n(() => 'en');
const en = translator(i18n, 'en');
const ro = translator(i18n, 'ro');
const MB = 1024 * 1024;

const entry = (id: string, withFormat: boolean): MediaInfo => ({
  platform: 'youtube',
  id,
  url: `https://www.youtube.com/watch?v=${id}`,
  formats: withFormat ? [{ id: 'jpg', url: `https://cdn.example/${id}.jpg`, protocol: 'https', image: true }] : [],
});

const item = (index: number, state: BatchItem['state'], error?: string): BatchItem => ({
  index,
  url: `https://www.youtube.com/watch?v=v${index}`,
  title: `Video ${index + 1}`,
  state,
  ...(error ? { error } : {}),
});

describe('playlists and carousels', () => {
  it('calls a list of formatless entries a playlist, and a carousel (entries with formats) not', () => {
    const base = { platform: 'youtube', id: 'PL1', url: 'https://www.youtube.com/playlist?list=PL1', formats: [] };
    expect(isPlaylist({ ...base, entries: [entry('a', false), entry('b', false)] })).toBe(true);
    expect(isPlaylist({ ...base, entries: [entry('a', true), entry('b', true)] })).toBe(false);
    expect(isPlaylist({ ...base, entries: [] })).toBe(false);
    expect(isPlaylist(base)).toBe(false);
  });

  it('reads a batch reference from job data only when it is well formed', () => {
    const data = { url: 'u', request: { quality: 'best' as const }, source: 'bot' as const };
    expect(batchOf({ ...data, batch: { key: 'k', index: 2 } })).toEqual({ key: 'k', index: 2 });
    expect(batchOf({ ...data, batch: { key: 'k' } })).toBeUndefined();
    expect(batchOf(data)).toBeUndefined();
  });
});

describe('offer and summary texts', () => {
  it('states the count, and the cap only when PLAYLIST_LIMIT cut the list', () => {
    const items = [item(0, 'pending'), item(1, 'pending'), item(2, 'pending')];
    expect(offerText(en, { title: 'Mix', url: 'u', total: 5, items }, 3)).toBe('📃 Mix\n5 items.\nI send at most 3 from one playlist: the first 3.');
    // 5 listed, 3 playable, limit 10: nothing was cut by us
    expect(offerText(en, { title: 'Mix', url: 'u', total: 5, items }, 10)).toBe('📃 Mix\n5 items.');
    expect(offerText(en, { title: 'Mix', url: 'u', items: [item(0, 'pending')] }, 10)).toBe('📃 Mix\n1 item.');
    expect(offerText(ro, { title: 'Mix', url: 'u', items: [item(0, 'pending')] }, 10)).toBe('📃 Mix\nUn element.');
    expect(offerText(ro, { title: 'Mix', url: 'u', total: 3, items }, 10)).toBe('📃 Mix\n3 elemente.');
    expect(offerText(ro, { title: 'Mix', url: 'u', total: 25, items }, 3)).toBe('📃 Mix\n25 de elemente.\nDintr-un playlist trimit cel mult 3: primele 3.');
  });

  it('says "Sent n of n", or lists each entry not sent with the reason', () => {
    expect(summaryText(en, { title: 'Mix', url: 'u', items: [item(0, 'sent'), item(1, 'sent')] }, 50 * MB)).toBe('✅ Sent 2 of 2 from “Mix”.');
    const items = [item(0, 'sent'), item(1, 'failed', 'content.too_large'), item(2, 'cancelled'), item(3, 'failed', 'no.such_code')];
    expect(summaryText(en, { title: 'Mix', url: 'u', items }, 50 * MB)).toBe(
      [
        '⚠️ Sent 1 of 4 from “Mix”. Not sent:',
        '#2 Video 2: This is too big to send on Telegram (the limit is 50.0 MB).',
        '#3 Video 3: Cancelled.',
        '#4 Video 4: Something went wrong on my side. Please try again.',
      ].join('\n'),
    );
    expect(summaryText(ro, { title: 'Mix', url: 'u', items: [item(0, 'sent')] }, 50 * MB)).toBe('✅ „Mix”: am trimis 1 din 1.');
  });

  it('stays within Telegram\'s 4096 characters, saying how many more failed', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ ...item(i, 'failed', 'content.private'), title: `A rather long video title number ${i} `.repeat(5) }));
    const text = summaryText(en, { title: 'Big', url: 'u', items }, 50 * MB);
    expect(text.length).toBeLessThanOrEqual(4096);
    const lines = text.split('\n');
    const listed = lines.filter((l) => l.startsWith('#')).length;
    expect(listed).toBeGreaterThan(10);
    expect(lines.at(-1)).toBe(`…and ${500 - listed} more.`);
    // titles are cut to 80 characters
    expect(lines[1]).toMatch(/^#1 .{79}…: This is private, so I cannot download it\.$/u);
  });
});

describe('the batch store', () => {
  const newBatch = (sourceJobId: string): NewBatch => ({
    sourceJobId,
    url: 'https://www.youtube.com/playlist?list=PL1',
    title: 'Mix',
    userId: 1,
    chatId: 1,
    locale: 'en',
    request: { quality: '720p' },
    autoLower: false,
    captions: true,
    total: 3,
    items: [{ url: 'https://www.youtube.com/watch?v=a', title: 'A' }, { url: 'https://www.youtube.com/watch?v=b' }],
  });

  it('makes one batch per source job, starts it once, settles each entry once and sums up exactly once', () => {
    const store = new BotStore(openDatabase(':memory:'));
    const batch = store.createBatch(newBatch('job-1'));
    expect(batch.key).toMatch(/^[\w-]{11}$/);
    expect(store.createBatch(newBatch('job-1')).key).toBe(batch.key);
    expect(store.createBatch(newBatch('job-2')).key).not.toBe(batch.key);
    expect(batch).toMatchObject({ state: 'offered', request: { quality: '720p' }, total: 3, items: [{ index: 0, title: 'A', state: 'pending' }, { index: 1, state: 'pending' }] });
    expect(batch.items[1]!.title).toBeUndefined();

    expect(store.startBatch(batch.key, 42)).toBe(true);
    expect(store.startBatch(batch.key, 43)).toBe(false);
    expect(store.batch(batch.key)).toMatchObject({ state: 'running', messageId: 42 });
    store.setBatchItemJob(batch.key, 0, 'j0');

    expect(store.settleBatchItem(batch.key, 0, 'sent')).toBe(true);
    expect(store.settleBatchItem(batch.key, 0, 'failed', 'content.private')).toBe(false);
    expect(store.claimBatchSummary(batch.key)).toBe(false);
    expect(store.settleBatchItem(batch.key, 1, 'failed', 'content.private')).toBe(true);
    expect(store.claimBatchSummary(batch.key)).toBe(true);
    expect(store.claimBatchSummary(batch.key)).toBe(false);
    expect(store.batch(batch.key)).toMatchObject({
      state: 'summarized',
      items: [{ jobId: 'j0', state: 'sent' }, { state: 'failed', error: 'content.private' }],
    });
    expect(store.batch('nope')).toBeUndefined();
  });
});
