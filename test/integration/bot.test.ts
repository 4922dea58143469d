/**
 * The bot end to end: a user (played through the fake Bot API) sends links and presses
 * buttons; the bot (in-process, long polling) downloads from a local media server through the
 * durable queue and uploads real files. Asserted on what reached the fake Bot API.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USER_ID, type ApiCall } from '../support/fake-telegram/index.js';
import { startBotHarness, type BotHarness } from '../support/bot-harness.js';
import { makeSampleMedia } from '../support/sample-media.js';
import { probeFile } from '../support/platform-harness.js';
import { matched, type Platform } from '../../src/platforms/base.js';
import type { MediaInfo } from '../../src/media/types.js';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

const USER = DEFAULT_USER_ID;
const PROGRESS_MS = 400;

let mediaDir: string;
let h: BotHarness;

/** A test-only site whose posts are carousels: 11 photos, a video and a silent clip, served by the media server. */
function albumPlatform(origin: () => string): Platform {
  return {
    name: 'album',
    hosts: [],
    examples: [],
    match: (url) => (url.hostname === '127.0.0.1' && url.pathname.startsWith('/album/') ? matched('album', url, url.pathname.split('/')[2] ?? '', 'post') : null),
    async extract(m): Promise<MediaInfo> {
      const photos = Array.from({ length: 11 }, (_, i): MediaInfo => ({
        platform: 'album',
        id: `${m.id}-${i + 1}`,
        url: m.url.href,
        title: `Photo ${i + 1}`,
        formats: [{ id: 'jpg', url: `${origin()}/p${(i % 3) + 1}.jpg`, protocol: 'https', container: 'jpg', image: true, width: 64, height: 48 }],
      }));
      const video: MediaInfo = {
        platform: 'album',
        id: `${m.id}-video`,
        url: m.url.href,
        formats: [{ id: 'mp4', url: `${origin()}/clip.mp4`, protocol: 'https', container: 'mp4', vcodec: 'avc1.64000d', acodec: 'mp4a.40.2', width: 320, height: 180 }],
      };
      const gif: MediaInfo = {
        platform: 'album',
        id: `${m.id}-gif`,
        url: m.url.href,
        formats: [{ id: 'gif-mp4', url: `${origin()}/silent.mp4`, protocol: 'https', container: 'mp4', vcodec: 'avc1.64000d', acodec: null, note: 'gif' }],
      };
      return { platform: 'album', id: m.id ?? '', url: m.url.href, title: 'Holiday <album> & more', uploader: 'ana', formats: [], entries: [...photos, video, gif] };
    },
  };
}

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'dlbot-bot-media-'));
  await makeSampleMedia(mediaDir);
  for (const [i, color] of ['red', 'green', 'blue'].entries()) {
    await ffmpeg(['-f', 'lavfi', '-i', `color=c=${color}:s=64x48`, '-frames:v', '1', join(mediaDir, `p${i + 1}.jpg`)]);
  }
  await ffmpeg(['-f', 'lavfi', '-i', 'color=c=yellow:s=640x640', '-frames:v', '1', join(mediaDir, 'cover.jpg')]);
  await ffmpeg(['-i', join(mediaDir, 'clip.mp4'), '-an', '-c:v', 'copy', join(mediaDir, 'silent.mp4')]);
  let origin = '';
  h = await startBotHarness({
    mediaDir,
    bot: { progressIntervalMs: PROGRESS_MS },
    slow: { chunks: 10, gapMs: 250 },
    extraPlatforms: [albumPlatform(() => origin)],
  });
  origin = h.media.origin;
  await writeFile(
    join(mediaDir, 'song.html'),
    `<!doctype html><html><head><title>Song page</title>
     <meta property="og:title" content="Summer Song"><meta property="og:site_name" content="The Band">
     <meta property="og:image" content="${origin}/cover.jpg"></head>
     <body><video src="${origin}/clip.mp4"></video></body></html>`,
  );
}, 60_000);

afterAll(async () => {
  await h?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const result = (call: ApiCall) => (call.response.ok ? (call.response.result as Message) : undefined);
const partOf = (call: ApiCall, value: unknown) => call.files.find((f) => `attach://${f.field}` === value);
const tmpEntries = async () => readdir(join(h.dataDir, 'tmp')).catch(() => [] as string[]);

describe('a video link', () => {
  let firstVideo: ApiCall;

  it('is queued, shows progress at most once per interval, and arrives as a streamable mp4 with thumbnail and metadata', async () => {
    const mark = h.fake.calls.length;
    const link = `${h.media.origin}/slow/clip.mp4`;
    const update = h.fake.sendUserMessage({ text: `look at this ${link}` });
    firstVideo = await h.fake.waitFor('sendVideo', 20_000, mark);

    // a neutral status message first, then (once the job was in the queue, naming that message) the place in line, then progress
    const status = result(h.callsSince(mark, 'sendMessage')[0]!)!;
    expect(status.text).toBe('⏳ Received…');
    expect(status.reply_to_message?.message_id).toBe(update.message!.message_id);
    const edits = h.callsSince(mark, 'editMessageText').filter((c) => c.params.message_id === status.message_id);
    expect(edits[0]!.params.text).toBe('⏳ Queued: you are #1 in line.');
    const [record] = h.bot.store.recentJobs(USER);
    const queuedJob = (await h.bot.queue.get(record!.jobId))!;
    expect(queuedJob.data).toMatchObject({ chatId: USER, statusMessageId: status.message_id, replyToMessageId: update.message!.message_id });
    expect(queuedJob.createdAt).toBeLessThanOrEqual(edits[0]!.at);
    const percents = edits.map((c) => String(c.params.text)).filter((t) => /Downloading… \d+%/.test(t));
    expect(percents.length).toBeGreaterThanOrEqual(1);
    expect(percents[0]).toMatch(/^⬇️ Downloading… \d+%\n[\d.]+ KB of [\d.]+ KB · .+\/s · .+ left$/);
    const times = [status.date * 1000, ...edits.map((c) => c.at)];
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(PROGRESS_MS - 50);

    // the upload: a real mp4 with its dimensions, length and a JPEG thumbnail
    expect(firstVideo.status).toBe(200);
    expect(firstVideo.params).toMatchObject({ chat_id: USER, supports_streaming: true, width: 320, height: 180, duration: 2, parse_mode: 'HTML' });
    expect(firstVideo.params.reply_parameters).toMatchObject({ message_id: update.message!.message_id });
    const video = partOf(firstVideo, firstVideo.params.video)!;
    const thumbnail = partOf(firstVideo, firstVideo.params.thumbnail)!;
    expect(thumbnail.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(thumbnail.size).toBeLessThanOrEqual(200 * 1024);
    const saved = join(mediaDir, 'uploaded.mp4');
    await writeFile(saved, video.bytes);
    const probe = await probeFile(saved);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(probe).toMatchObject({ width: 320, height: 180 });
    expect(probe.durationSec).toBeCloseTo(2, 0);

    // caption: title and the source link
    const sent = result(firstVideo)!;
    expect(sent.caption).toBe('clip\n🔗 Source');
    expect(sent.caption_entities).toContainEqual(expect.objectContaining({ type: 'text_link', url: link }));

    // the status message made way for the media, the job is done and delivered, temp files gone
    await expect.poll(() => h.fake.messages(USER).find((m) => m.message.message_id === status.message_id)?.deleted).toBe(true);
    const jobs = h.bot.store.recentJobs(USER);
    const job = await h.bot.queue.get(jobs[0]!.jobId);
    await expect.poll(async () => (await h.bot.queue.get(jobs[0]!.jobId))?.state).toBe('done');
    expect(job?.delivered).toBe(true);
    await expect.poll(tmpEntries).toEqual([]);
  });

  it('is answered again from the file_id cache at once, without touching the media server', async () => {
    const mark = h.fake.calls.length;
    const hits = h.media.hits.length;
    h.fake.sendUserMessage({ text: `${h.media.origin}/slow/clip.mp4` });
    const again = await h.fake.waitFor('sendVideo', 5000, mark);
    expect(again.files).toEqual([]);
    expect(again.params.video).toBe(result(firstVideo)!.video!.file_id);
    expect(result(again)!.video!.file_unique_id).toBe(result(firstVideo)!.video!.file_unique_id);
    expect(h.media.hits.length).toBe(hits);
    // no "queued" status: the answer came straight away
    expect(h.callsSince(mark, 'sendMessage')).toEqual([]);
    await expect.poll(() => h.bot.store.userStats(USER)).toMatchObject({ downloads: 2, cacheHits: 1 });
  });
});

describe('a carousel', () => {
  it('arrives as media groups of 2-10, split evenly beyond 10, with the caption on the first item, and its silent clip as an animation', async () => {
    const chat = 5001;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: `${h.media.origin}/album/trip42` });
    await h.fake.waitFor((c) => c.method === 'sendMediaGroup' && c.params.chat_id === chat, 20_000, mark);
    const groups = await expect.poll(() => h.callsSince(mark, 'sendMediaGroup').filter((c) => c.params.chat_id === chat), { timeout: 10_000 }).toHaveLength(2).then(
      () => h.callsSince(mark, 'sendMediaGroup').filter((c) => c.params.chat_id === chat),
    );
    const media = groups.map((g) => g.params.media as Array<{ type: string; media: string; caption?: string }>);
    expect(media.map((m) => m.length)).toEqual([6, 6]);
    expect(media.flat().map((m) => m.type)).toEqual([...Array(11).fill('photo'), 'video']);
    for (const [i, group] of groups.entries()) {
      expect(group.status).toBe(200);
      for (const item of media[i]!) expect(partOf(group, item.media)).toBeDefined();
    }
    expect(media[0]![0]!.caption).toBe('<b>Holiday &lt;album&gt; &amp; more</b>\nana\n<a href="' + `${h.media.origin}/album/trip42` + '">🔗 Source</a>');
    expect(media.flat().slice(1).every((m) => m.caption === undefined)).toBe(true);
    const messages = groups.flatMap((g) => result(g) as unknown as Message[]);
    expect(messages[0]!.caption).toBe('Holiday <album> & more\nana\n🔗 Source');
    expect(messages.at(-1)!.video).toMatchObject({ width: 320, height: 180 });
    const animation = await h.fake.waitFor((c) => c.method === 'sendAnimation' && c.params.chat_id === chat, 10_000, mark);
    expect(animation.status).toBe(200);
    expect(animation.params).toMatchObject({ width: 320, height: 180, duration: 2 });
    expect(animation.params.caption).toBeUndefined();
    expect(result(animation)!.animation).toMatchObject({ mime_type: 'video/mp4', width: 320, height: 180 });
  });
});

describe('choosing audio', () => {
  it('offers a quality keyboard when the setting is "ask", and the Audio button sends an m4a with title, performer, length and cover', async () => {
    const chat = 5002;
    h.bot.store.updateSettings(chat, { quality: 'ask' });
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: `${h.media.origin}/song.html` });
    const asked = await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat, 5000, mark);
    const keyboard = result(asked)!;
    expect(keyboard.text).toBe('Which version do you want?');
    const buttons = keyboard.reply_markup!.inline_keyboard.flat() as Array<{ text: string; callback_data: string }>;
    expect(buttons.map((b) => b.text)).toEqual(['🎬 Best', '1080p', '720p', '480p', '🎵 Audio']);
    for (const b of buttons) {
      expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
      expect(b.callback_data).not.toContain('127.0.0.1');
    }
    h.fake.pressButton(keyboard, buttons.at(-1)!.callback_data);
    const audio = await h.fake.waitFor((c) => c.method === 'sendAudio' && c.params.chat_id === chat, 20_000, mark);
    expect(audio.status).toBe(200);
    expect(audio.params).toMatchObject({ title: 'Summer Song', performer: 'The Band', duration: 2 });
    const file = partOf(audio, audio.params.audio)!;
    expect(file.filename).toMatch(/\.m4a$/);
    const saved = join(mediaDir, 'uploaded.m4a');
    await writeFile(saved, file.bytes);
    expect((await probeFile(saved)).streams).toEqual(['audio']);
    const cover = partOf(audio, audio.params.thumbnail)!;
    expect(cover.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(result(audio)!.audio).toMatchObject({ title: 'Summer Song', performer: 'The Band', mime_type: 'audio/mp4' });
    // the keyboard message became the status message and then made way for the audio
    const answered = h.callsSince(mark, 'answerCallbackQuery');
    expect(answered).toHaveLength(1);
    await expect.poll(() => h.fake.messages(chat).find((m) => m.message.message_id === keyboard.message_id)?.deleted).toBe(true);
  });
});

describe('Telegram flood control', () => {
  it('waits out a 429 with retry_after and still delivers the reply', async () => {
    const chat = 5003;
    h.fake.failNext('sendMessage', { status: 429, retryAfter: 1 });
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: '/help' });
    const ok = await h.fake.waitFor((c) => c.method === 'sendMessage' && c.status === 200 && c.params.chat_id === chat, 10_000, mark);
    const refused = h.callsSince(mark, 'sendMessage').find((c) => c.status === 429)!;
    expect(refused.response).toMatchObject({ ok: false, error_code: 429, parameters: { retry_after: 1 } });
    expect(ok.at - refused.at).toBeGreaterThanOrEqual(950);
    expect(String(ok.params.text)).toContain('Send me a link');
  });
});

describe('/cancel', () => {
  it('aborts the running download, says so, and leaves no temp files', async () => {
    const chat = 5004;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: `${h.media.origin}/slow/clip.mp4?gap=2000` });
    const queued = result(await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat, 5000, mark))!;
    // the download is under way: its temp files exist
    await expect.poll(async () => (await tmpEntries()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    h.fake.sendUserMessage({ chatId: chat, text: '/cancel' });
    const reply = await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat && String(c.params.text).startsWith('Cancelled'), 5000, mark);
    expect(reply.params.text).toBe('Cancelled 1 download(s).');
    await expect.poll(() => h.fake.messages(chat).find((m) => m.message.message_id === queued.message_id)?.message.text, { timeout: 5000 }).toBe('✖️ Cancelled.');
    await expect.poll(tmpEntries, { timeout: 5000 }).toEqual([]);
    const job = await h.bot.queue.get(h.bot.store.recentJobs(chat)[0]!.jobId);
    expect(job?.state).toBe('cancelled');
    expect(h.callsSince(mark, 'sendVideo').filter((c) => c.params.chat_id === chat)).toEqual([]);
  });
});
