/**
 * Limits end to end: a file over Telegram's upload limit (made small here: 400 KB, on the
 * fake Bot API too) is fetched again in a lower quality when the user left the quality to the
 * bot, and offered with a button when they chose one; the per-user link budget; the queue
 * position a waiting user is shown.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InlineKeyboardButton, Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/fake-telegram/index.js';
import { startBotHarness, type BotHarness } from '../support/bot-harness.js';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

const LIMIT_BYTES = 400 * 1024;
let mediaDir: string;
let h: BotHarness;

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'dlbot-bot-limits-'));
  const hls = join(mediaDir, 'hls');
  await mkdir(hls);
  // 720p with noise (about 1 MB, over the limit) and 180p (tens of KB), as one HLS master
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2',
    '-vf', 'noise=alls=60:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '5M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', join(mediaDir, 'big.mp4')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '150k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', join(mediaDir, 'small.mp4')]);
  for (const name of ['big', 'small']) {
    await ffmpeg(['-i', join(mediaDir, `${name}.mp4`), '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
      '-hls_segment_filename', join(hls, `${name}%d.ts`), join(hls, `${name}.m3u8`)]);
  }
  await writeFile(join(hls, 'master.m3u8'), [
    '#EXTM3U',
    '#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
    'big.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2"',
    'small.m3u8',
    '',
  ].join('\n'));
  h = await startBotHarness({
    mediaDir,
    fake: { uploadLimitBytes: LIMIT_BYTES },
    bot: { uploadLimitBytes: LIMIT_BYTES, progressIntervalMs: 50 },
    config: { concurrency: 1, rateLimitRequestsPerMinute: 2 },
    slow: { chunks: 20, gapMs: 100 },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const result = (call: ApiCall) => (call.response.ok ? (call.response.result as Message) : undefined);
const replyIn = (chat: number, mark: number, timeoutMs = 5000) =>
  h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat && c.status === 200, timeoutMs, mark).then((c) => result(c)!);
/** The first edit of the chat's status message after `mark`: its place in line. */
const placeIn = async (chat: number, mark: number) => {
  const status = await replyIn(chat, mark);
  expect(status.text).toBe('⏳ Received…');
  const edit = await h.fake.waitFor((c) => c.method === 'editMessageText' && c.params.chat_id === chat && c.params.message_id === status.message_id, 5000, mark);
  return String(edit.params.text);
};
const textOf = (chat: number, messageId: number) => h.fake.messages(chat).find((m) => m.message.message_id === messageId);

describe('a file over the upload limit', () => {
  it('comes in a lower quality on its own when the user left the quality to the bot', async () => {
    const user = 8001;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: `${h.media.origin}/hls/master.m3u8` });
    const status = await replyIn(user, mark);
    const video = await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === user, 30_000, mark);
    expect(video.status).toBe(200);
    expect(video.params).toMatchObject({ width: 320, height: 180 });
    const upload = video.files.find((f) => `attach://${f.field}` === video.params.video)!;
    expect(upload.size).toBeLessThanOrEqual(LIMIT_BYTES);
    // both variants were fetched: the 720p one first, then the 180p one
    expect(h.media.hits.filter((hit) => hit.includes('/hls/big')).length).toBeGreaterThan(0);
    expect(h.media.hits.filter((hit) => hit.includes('/hls/small')).length).toBeGreaterThan(0);
    const shown = [...(textOf(user, status.message_id)?.edits ?? []), textOf(user, status.message_id)!.message].map((m) => m.text);
    expect(shown).toContainEqual(expect.stringMatching(/^📉 720p is [\d.]+ (KB|MB), too big for Telegram; trying 480p…$/));
  });

  it('is explained, with a button for a lower quality, when the user chose the quality', async () => {
    const user = 8002;
    h.bot.store.updateSettings(user, { quality: '720p' });
    let mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: `${h.media.origin}/hls/master.m3u8?u=2` });
    const status = await replyIn(user, mark);
    await expect.poll(() => textOf(user, status.message_id)?.message.text, { timeout: 20_000 }).toMatch(/^This is too big/);
    const offer = textOf(user, status.message_id)!.message;
    expect(offer.text).toMatch(/^This is too big to send on Telegram \(the limit is 400 KB\)\.\nIn 720p it is [\d.]+ (KB|MB), over the 400 KB limit\.\nA lower quality may fit:$/);
    const [button] = offer.reply_markup!.inline_keyboard.flat() as InlineKeyboardButton.CallbackButton[];
    expect(button!.text).toBe('Try 480p');
    // the button names the failed job, whose data (in the shared queue) holds the link
    const failed = h.bot.store.recentJobs(user)[0]!.jobId;
    expect(button!.callback_data).toBe(`lq:${failed}:480p`);
    expect(Buffer.byteLength(button!.callback_data!)).toBeLessThanOrEqual(64);
    expect(h.callsSince(mark, 'sendVideo').filter((c) => c.params.chat_id === user)).toEqual([]);

    mark = h.fake.calls.length;
    h.fake.pressButton(offer, button!.callback_data);
    const video = await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === user, 30_000, mark);
    expect(video.params).toMatchObject({ width: 320, height: 180 });
  });

  it('is refused with the reason when no version fits', async () => {
    const user = 8003;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: `${h.media.origin}/big.mp4` });
    const status = await replyIn(user, mark);
    await expect.poll(() => textOf(user, status.message_id)?.message.text, { timeout: 20_000 }).toMatch(
      /^This is too big to send on Telegram \(the limit is 400 KB\)\.\nIn 🎬 Best it is [\d.]+ (KB|MB), over the 400 KB limit\.$/,
    );
    expect(textOf(user, status.message_id)!.message.reply_markup).toBeUndefined();
  });
});

describe('fairness', () => {
  it('shows a waiting user their place in line', async () => {
    const mark = h.fake.calls.length;
    // concurrency is 1: the first job runs, the next two wait
    h.fake.sendUserMessage({ chatId: 8101, text: `${h.media.origin}/slow/small.mp4` });
    await replyIn(8101, mark);
    await expect.poll(async () => {
      const first = h.bot.store.recentJobs(8101)[0];
      return first && (await h.bot.queue.get(first.jobId))?.state;
    }).toBe('running');
    h.fake.sendUserMessage({ chatId: 8102, text: `${h.media.origin}/small.mp4?b=1` });
    expect(await placeIn(8102, mark)).toBe('⏳ Queued: you are #1 in line.');
    h.fake.sendUserMessage({ chatId: 8103, text: `${h.media.origin}/small.mp4?c=1` });
    expect(await placeIn(8103, mark)).toBe('⏳ Queued: you are #2 in line.');
    for (const chat of [8101, 8102, 8103]) {
      expect((await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === chat, 20_000, mark)).status).toBe(200);
    }
  });

  it('limits how many links one user sends per minute', async () => {
    const user = 8201;
    const mark = h.fake.calls.length;
    const links = [1, 2, 3].map((n) => `${h.media.origin}/small.mp4?r=${n}`);
    h.fake.sendUserMessage({ chatId: user, text: links.join(' ') });
    const sent = () => h.callsSince(mark, 'sendMessage').filter((c) => c.params.chat_id === user);
    await expect.poll(() => sent().length, { timeout: 5000 }).toBe(3);
    expect(sent().map((c) => String(c.params.text))).toEqual(['⏳ Received…', '⏳ Received…', 'Too many links at once: please wait 30 s and send it again.']);
    // the first two are queued (their place depends on how fast the worker takes the first)
    for (const call of sent().slice(0, 2)) {
      const edit = await h.fake.waitFor((c) => c.method === 'editMessageText' && c.params.chat_id === user && c.params.message_id === result(call)!.message_id, 5000, mark);
      expect(edit.params.text).toMatch(/^⏳ Queued: you are #[12] in line\.$/);
    }
  });
});
