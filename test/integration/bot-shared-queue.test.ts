/**
 * One queue, several processes (REDIS_URL: `dlbot bot` on one box, `dlbot worker` on others).
 * The bot that takes a link and the worker that delivers it have different DATA_DIRs, so what
 * the worker needs to answer — the chat, the status message, the message to reply to — must
 * travel in the job. Two instances in this process play the two boxes: A takes the updates and
 * runs no worker; B, with a DATA_DIR and store of its own, only works the queue and never asks
 * Telegram for updates. Run on one SQLite queue file (a connection each) and on the real Redis.
 *
 * Then, on one ordinary bot: the status message comes before the job and "queued" after it, an
 * update delivered twice, a queue that refuses the job, and a job queued by the previous version
 * (its status message only in the bot's table).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InlineKeyboardButton, Message } from 'grammy/types';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiCall } from '../support/fake-telegram/index.js';
import { recordCalls, startBotHarness, startWorkerPeer, type BotHarness, type InstanceCall, type WorkerPeer } from '../support/bot-harness.js';
import { makeSampleMedia } from '../support/sample-media.js';
import { openDatabase } from '../../src/utils/store.js';
import { SqliteJobQueue, type JobQueue } from '../../src/core/job-queue.js';
import { RedisJobQueue } from '../../src/core/job-queue-redis.js';
import type { BotJobData } from '../../src/bot/index.js';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Every Redis key this file writes lives under this prefix; afterAll deletes them. */
const RUN = `dlbot-test:${randomUUID()}`;
const LIMIT_BYTES = 400 * 1024;
const PROGRESS_MS = 200;
const QUEUED_1 = '⏳ Queued: you are #1 in line.';

/** One queue as two processes see it: a connection (and queue object) each. */
interface SharedQueue {
  a: JobQueue;
  b: JobQueue;
  /** The queue answers within the call (SQLite): no other worker can take a job between add and the place-in-line read. */
  synchronous: boolean;
  close(): Promise<void>;
}

const BACKENDS: Array<[string, () => Promise<SharedQueue>]> = [
  [
    'one SQLite queue file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dlbot-shared-queue-'));
      const dbs = [openDatabase(join(dir, 'queue.db')), openDatabase(join(dir, 'queue.db'))] as const;
      return {
        a: new SqliteJobQueue(dbs[0], { maxAttempts: 3 }),
        b: new SqliteJobQueue(dbs[1], { maxAttempts: 3 }),
        synchronous: true,
        async close() {
          for (const db of dbs) db.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'Redis',
    async () => {
      const prefix = `${RUN}:${randomUUID()}`;
      const a = await RedisJobQueue.connect(REDIS_URL, { maxAttempts: 3, prefix });
      const b = await RedisJobQueue.connect(REDIS_URL, { maxAttempts: 3, prefix });
      return {
        a,
        b,
        synchronous: false,
        async close() {
          await a.close();
          await b.close();
        },
      };
    },
  ],
];

let mediaDir: string;

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'dlbot-shared-media-'));
  await makeSampleMedia(mediaDir);
  // an HLS master with a 720p variant over the upload limit and a 180p one under it
  const hls = join(mediaDir, 'two');
  await mkdir(hls);
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
}, 60_000);

afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  const keys: string[] = [];
  for await (const batch of admin.scanStream({ match: `${RUN}:*`, count: 500 })) keys.push(...(batch as string[]));
  if (keys.length) await admin.del(...keys);
  await admin.quit();
  await rm(mediaDir, { recursive: true, force: true });
});

const result = (call: ApiCall) => (call.response.ok ? (call.response.result as Message) : undefined);
const methods = (calls: InstanceCall[]) => calls.map((c) => c.method).filter((m) => m !== 'getUpdates');

describe.each(BACKENDS)('a bot and a worker on different DATA_DIRs sharing %s', (_name, open) => {
  let queue: SharedQueue;
  let a: BotHarness;
  let aCalls: InstanceCall[];
  let b: WorkerPeer;

  beforeAll(async () => {
    queue = await open();
    a = await startBotHarness({
      mediaDir,
      deps: { queue: queue.a },
      fake: { uploadLimitBytes: LIMIT_BYTES },
      slow: { chunks: 10, gapMs: 150 },
      bot: { worker: false, uploadLimitBytes: LIMIT_BYTES, progressIntervalMs: PROGRESS_MS },
    });
    aCalls = recordCalls(a.bot);
    // a short lease: B hears of a /cancel made on A at its next heartbeat (a third of it)
    b = await startWorkerPeer(a, { queue: queue.b, bot: { uploadLimitBytes: LIMIT_BYTES, progressIntervalMs: PROGRESS_MS, workerLeaseMs: 900 } });
    expect(b.dataDir).not.toBe(a.dataDir);
  }, 30_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await queue?.close();
  });

  /** A's status message for the link just sent to `chat`, and the job that names it. */
  const statusAndJob = async (chat: number, mark: number) => {
    const status = result(await a.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat, 5000, mark))!;
    await expect.poll(() => a.bot.store.recentJobs(chat).length).toBe(1);
    const job = (await queue.a.get(a.bot.store.recentJobs(chat)[0]!.jobId))!;
    return { status, job };
  };

  it('A queues the link; B, which never saw the update, shows progress in A\'s status message, sends the video to the chat and deletes the status message', async () => {
    const chat = 6001;
    const [mark, aMark, bMark] = [a.fake.calls.length, aCalls.length, b.calls.length];
    const update = a.fake.sendUserMessage({ chatId: chat, text: `${a.media.origin}/slow/clip.mp4` });
    const video = await a.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === chat, 20_000, mark);

    // A: a neutral status message, then the job naming it, then (unless B took the job first) the place in line
    const { status, job } = await statusAndJob(chat, mark);
    expect(status.text).toBe('⏳ Received…');
    expect(job.data).toMatchObject({ chatId: chat, statusMessageId: status.message_id, replyToMessageId: update.message!.message_id });
    const aEdits = aCalls.slice(aMark).filter((c) => c.method === 'editMessageText');
    if (queue.synchronous) expect(aEdits).toHaveLength(1);
    for (const edit of aEdits) expect(edit.payload).toMatchObject({ chat_id: chat, message_id: status.message_id, text: QUEUED_1 });
    const queued = a.callsSince(mark, 'editMessageText').find((c) => c.params.text === QUEUED_1);
    if (queued) expect(job.createdAt).toBeLessThanOrEqual(queued.at);

    // B: progress in A's message, the video in the chat as a reply to the link, then the message deleted
    const bEdits = b.calls.slice(bMark).filter((c) => c.method === 'editMessageText');
    expect(bEdits.length).toBeGreaterThan(0);
    for (const edit of bEdits) expect(edit.payload).toMatchObject({ chat_id: chat, message_id: status.message_id });
    expect(bEdits.map((c) => String(c.payload.text))).toContainEqual(expect.stringMatching(/^⬇️ Downloading… \d+%\n/));
    expect(video.status).toBe(200);
    expect(video.params).toMatchObject({ chat_id: chat, width: 320, height: 180 });
    expect(video.params.reply_parameters).toMatchObject({ message_id: update.message!.message_id });
    await expect.poll(() => a.fake.messages(chat).find((m) => m.message.message_id === status.message_id)?.deleted).toBe(true);
    expect(b.calls.slice(bMark).filter((c) => c.method === 'deleteMessage').map((c) => c.payload)).toEqual([{ chat_id: chat, message_id: status.message_id }]);

    // who did what: A only answered the user; B never asked for updates and sent no text of its own
    expect(methods(aCalls.slice(aMark))).toEqual(['sendMessage', ...aEdits.map(() => 'editMessageText')]);
    expect(b.calls.map((c) => c.method)).not.toContain('getUpdates');
    expect(methods(b.calls.slice(bMark))).not.toContain('sendMessage');
    expect(methods(b.calls.slice(bMark))).toContain('sendVideo');

    // done and delivered; the job is in A's /cancel index and B's store has no row for it
    await expect.poll(async () => (await queue.b.get(job.id))?.state).toBe('done');
    expect((await queue.b.get(job.id))!.delivered).toBe(true);
    expect(b.bot.store.job(job.id)).toBeUndefined();
    expect(b.bot.store.recentJobs(chat)).toEqual([]);
  });

  it('/cancel on A stops the download B runs, and B says so in A\'s status message', async () => {
    const chat = 6002;
    const [mark, bMark] = [a.fake.calls.length, b.calls.length];
    a.fake.sendUserMessage({ chatId: chat, text: `${a.media.origin}/slow/clip.mp4?gap=1500` });
    const { status, job } = await statusAndJob(chat, mark);
    await expect.poll(async () => (await queue.a.get(job.id))?.state, { timeout: 5000 }).toBe('running');
    a.fake.sendUserMessage({ chatId: chat, text: '/cancel' });
    const reply = await a.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat && String(c.params.text).startsWith('Cancelled'), 5000, mark);
    expect(reply.params.text).toBe('Cancelled 1 download(s).');
    await expect.poll(() => a.shown(chat, status.message_id).at(-1), { timeout: 5000 }).toBe('✖️ Cancelled.');
    expect(b.calls.slice(bMark).filter((c) => c.method === 'editMessageText').at(-1)!.payload).toMatchObject({ chat_id: chat, message_id: status.message_id, text: '✖️ Cancelled.' });
    expect((await queue.a.get(job.id))!.state).toBe('cancelled');
    await expect.poll(async () => readdir(join(b.dataDir, 'tmp')).catch(() => []), { timeout: 5000 }).toEqual([]);
    expect(a.callsSince(mark, 'sendVideo').filter((c) => c.params.chat_id === chat)).toEqual([]);
  });

  it('a lower-quality button made by B\'s worker is pressed on A, and B delivers that quality', async () => {
    const chat = 6003;
    a.bot.store.updateSettings(chat, { quality: '720p' });
    let mark = a.fake.calls.length;
    a.fake.sendUserMessage({ chatId: chat, text: `${a.media.origin}/two/master.m3u8` });
    const { status, job } = await statusAndJob(chat, mark);
    expect(job.data.request).toMatchObject({ quality: '720p' });
    await expect.poll(() => a.shown(chat, status.message_id).at(-1), { timeout: 20_000 }).toMatch(/^This is too big to send on Telegram/);
    const offer = a.fake.messages(chat).find((m) => m.message.message_id === status.message_id)!.message;
    const [button] = offer.reply_markup!.inline_keyboard.flat() as InlineKeyboardButton.CallbackButton[];
    expect(button!.text).toBe('Try 480p');
    expect(button!.callback_data).toBe(`lq:${job.id}:480p`);

    mark = a.fake.calls.length;
    const bMark = b.calls.length;
    a.fake.pressButton(offer, button!.callback_data);
    const video = await a.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === chat, 20_000, mark);
    expect(video.status).toBe(200);
    expect(video.params).toMatchObject({ width: 320, height: 180 });
    expect(methods(b.calls.slice(bMark))).toContain('sendVideo');
    // A took the press (its store never had the button's link) and queued the new job on the offer message
    expect(a.callsSince(mark, 'answerCallbackQuery')).toHaveLength(1);
    expect(a.callsSince(mark, 'answerCallbackQuery')[0]!.params.text).toBeUndefined();
    const again = (await queue.a.get(a.bot.store.recentJobs(chat)[0]!.jobId))!;
    expect(again.id).not.toBe(job.id);
    expect(again.data).toMatchObject({ url: job.data.url, chatId: chat, statusMessageId: offer.message_id, request: { quality: '480p' } });
    await expect.poll(() => a.fake.messages(chat).find((m) => m.message.message_id === offer.message_id)?.deleted).toBe(true);
  });
});

describe('the status message of a bot with its own worker', () => {
  let h: BotHarness;

  beforeAll(async () => {
    h = await startBotHarness({ mediaDir, bot: { progressIntervalMs: PROGRESS_MS }, slow: { chunks: 10, gapMs: 150 } });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('an update Telegram delivers twice makes one job and one status message: the second "received" is deleted', async () => {
    const chat = 6101;
    const mark = h.fake.calls.length;
    const update = h.fake.sendUserMessage({ chatId: chat, text: `${h.media.origin}/slow/clip.mp4?gap=300` });
    const first = result(await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat, 5000, mark))!;
    await h.fake.waitFor((c) => c.method === 'editMessageText' && c.params.message_id === first.message_id && c.params.text === QUEUED_1, 5000, mark);
    h.fake.queueUpdate({ message: update.message! });
    const second = result(await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat && result(c)!.message_id !== first.message_id, 5000, mark))!;
    await h.fake.waitFor((c) => c.method === 'deleteMessage' && c.params.message_id === second.message_id, 5000, mark);
    await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === chat, 20_000, mark);
    expect(h.bot.store.recentJobs(chat)).toHaveLength(1);
    const job = (await h.bot.queue.get(h.bot.store.recentJobs(chat)[0]!.jobId))!;
    expect(job.data.statusMessageId).toBe(first.message_id);
    // the second message never said anything but "received"; the first one showed the job and was deleted with the video
    expect(h.shown(chat, second.message_id)).toEqual(['⏳ Received…']);
    await expect.poll(() => h.fake.messages(chat).find((m) => m.message.message_id === first.message_id)?.deleted).toBe(true);
    expect(h.callsSince(mark, 'sendVideo').filter((c) => c.params.chat_id === chat)).toHaveLength(1);
  });

  it('says the error instead of "queued" when the queue refuses the job', async () => {
    const chat = 6102;
    const add = vi.spyOn(h.bot.queue, 'add').mockRejectedValueOnce(new Error('the queue is down'));
    try {
      const mark = h.fake.calls.length;
      h.fake.sendUserMessage({ chatId: chat, text: `${h.media.origin}/clip.mp4?refused=1` });
      const status = result(await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat, 5000, mark))!;
      await expect.poll(() => h.shown(chat, status.message_id).at(-1)).toBe('Something went wrong on my side. Please try again.');
      expect(h.shown(chat, status.message_id)).toEqual(['⏳ Received…', 'Something went wrong on my side. Please try again.']);
      expect(add).toHaveBeenCalledTimes(1);
      expect(h.bot.store.recentJobs(chat)).toEqual([]);
    } finally {
      add.mockRestore();
    }
  });

  it('finds the status message of a job queued by the previous version in the bot\'s table', async () => {
    const chat = 6103;
    const mark = h.fake.calls.length;
    // what the previous version left: a job whose data does not name its status message, and the message in the bot's table
    const old = await h.bot.bot.api.sendMessage(chat, QUEUED_1);
    const data: BotJobData = {
      url: `${h.media.origin}/slow/clip.mp4?legacy=1`,
      request: { quality: 'best', noWatermark: true },
      userId: String(chat),
      chatId: chat,
      source: 'bot',
      locale: 'en',
      autoLower: true,
      captions: true,
    };
    // (recorded in the same tick as the add: the worker cannot claim the job in between)
    const job = await h.bot.queue.add(data);
    h.bot.store.recordJob({ jobId: job.id, userId: chat, chatId: chat, statusMessageId: old.message_id, statusAt: Date.now() });
    h.bot.worker!.poke();
    await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === chat, 20_000, mark);
    expect(h.shown(chat, old.message_id).slice(1)).toContainEqual(expect.stringMatching(/^⬇️ Downloading… \d+%\n/));
    await expect.poll(() => h.fake.messages(chat).find((m) => m.message.message_id === old.message_id)?.deleted).toBe(true);
  });
});
