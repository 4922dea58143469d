/**
 * The bot end to end with real platform extractors: the user sends a TikTok photo post and a
 * YouTube playlist link, the bot extracts them through the native extractors from recorded
 * pages (the FakeWeb answers for www.tiktok.com, www.youtube.com and their CDNs), downloads
 * ffmpeg-made media and uploads it to the fake Bot API. Asserted on the bytes that arrived.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InlineKeyboardButton, Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/fake-telegram/index.js';
import { startBotHarness, type BotHarness } from '../support/bot-harness.js';
import { sendFile, startFakeWeb, type FakeWeb, type WebHandler } from '../support/fake-web.js';
import { makeSampleMedia } from '../support/sample-media.js';
import { probeFile } from '../support/platform-harness.js';
import { PlatformManager } from '../../src/core/platform-manager.js';
import { DownloadService } from '../../src/core/download-service.js';
import { PLATFORMS } from '../../src/platforms/index.js';
import { MemoryCache } from '../../src/utils/memory-cache.js';
import { silentLogger } from '../../src/utils/logger.js';
import type { Config } from '../../src/utils/config.js';
import type { BotEngine } from '../../src/bot/index.js';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

// ---------------------------------------------------------------------------------- TikTok

const PHOTO_ID = '7206382937372134662';
const PHOTO_URL = `https://www.tiktok.com/@moxypatch/photo/${PHOTO_ID}`;
/** The two image URLs the photo post's imagePost names, in carousel order (jpeg variants; the webp ones are not fetched). */
const TIKTOK_IMAGES = [
  /^https:\/\/p16-sign-va\.tiktokcdn\.com\/tos-maliva-i-photomode-us\/6f1d9e0c3b7d4f0ea3b87f2e6c1b1a7e~tplv-photomode-image\.jpeg\?/,
  /^https:\/\/p16-sign-va\.tiktokcdn\.com\/tos-maliva-i-photomode-us\/a1c2e3b4d5f60718293a4b5c6d7e8f90~tplv-photomode-image\.jpeg\?/,
];
const TIKTOK_COOKIES = ['tt_chain_token=Rl9ZbWN2Q0ZxZ1hLcUZ0d0pGQ2V3RlBfd3ZtT1BaTk0; Path=/; Domain=.tiktok.com; Max-Age=15552000; Secure; HttpOnly'];

// ---------------------------------------------------------------------------------- YouTube

const PLAYLIST = 'PL4lCao7KL_QFodcLWhDpGCYnngnHtQ-Xf';
const PLAYLIST_URL = `https://www.youtube.com/playlist?list=${PLAYLIST}`;
const PLAYLIST_TITLE = '[OLD]Team Fortress 2 (Class-based LP)';
const PLAYER = 'https://www.youtube.com/youtubei/v1/player';
const BROWSE = 'https://www.youtube.com/youtubei/v1/browse';
const CDN = /^https:\/\/rr1---sn-xxxx\.googlevideo\.com\/videoplayback\?/;
/** The playlist's first entries (the fixture lists 4 playable of 5; PLAYLIST_LIMIT keeps 3). */
const VIDEOS = [
  ['Xx1Lu7N7aPk', 'TF2 Class-based LP #1: Scout'],
  ['4gR3mQ8bT_c', 'TF2 Class-based LP #2: Soldier'],
  ['hP7dK2yVbsQ', 'TF2 Class-based LP #3: Pyro'],
] as const;
const PLAYLIST_LIMIT = 3;

let web: FakeWeb;
let h: BotHarness;
let dir: string;
/** Photos of the carousel, as served (1080x1440, different pictures so their order shows). */
let photos: string[];

/** A fixture file's text. */
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

/** The /player answer for `videoId`: the recorded answer with that video's id and title. */
function playerAnswer(videoId: string, title: string): unknown {
  const answer = JSON.parse(fixture('youtube/player-ok.json')) as { videoDetails?: Record<string, unknown> };
  answer.videoDetails = { ...answer.videoDetails, videoId, title };
  return answer;
}

/** Answers POSTs to an innertube endpoint with `answer(body)`, or 404 when it has none. */
function innertube(answer: (body: { videoId?: string; browseId?: string; continuation?: string }) => unknown): WebHandler {
  return (req, res) => {
    const body = answer(JSON.parse(req.body) as { videoId?: string; browseId?: string; continuation?: string });
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":404}}');
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  };
}

/** The production engine parts (platform registry, download service) on the FakeWeb's client. */
function fakeWebEngine(config: Config): BotEngine {
  const platforms = new PlatformManager(PLATFORMS, { enabled: config.enablePlatforms });
  const downloads = new DownloadService({ config, http: web.http, platforms, logger: silentLogger, cache: new MemoryCache() });
  return { platforms, downloads, http: web.http };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-bot-platforms-'));
  const media = await makeSampleMedia(dir);
  photos = [join(dir, 'photo1.jpg'), join(dir, 'photo2.jpg')];
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=1080x1440', '-frames:v', '1', photos[0]!]);
  await ffmpeg(['-f', 'lavfi', '-i', 'smptebars=size=1080x1440', '-frames:v', '1', photos[1]!]);
  const videoOnly = join(dir, 'video-only.mp4');
  const audioOnly = join(dir, 'audio-only.m4a');
  await ffmpeg(['-i', media.mp4, '-an', '-c:v', 'copy', '-movflags', '+faststart', videoOnly]);
  await ffmpeg(['-i', media.mp4, '-vn', '-c:a', 'copy', '-movflags', '+faststart', audioOnly]);

  web = await startFakeWeb();
  // TikTok: the photo post's page (with the cookies www.tiktok.com sets) and its image CDN
  const photoPage = fixture(`tiktok/photo-${PHOTO_ID}.html`);
  web.route(new RegExp(`^https://www\\.tiktok\\.com/@[\\w.-]+/(video|photo)/${PHOTO_ID}(\\?|$)`), (_req, res) =>
    void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': TIKTOK_COOKIES }).end(photoPage),
  );
  for (const [i, pattern] of TIKTOK_IMAGES.entries()) web.route(pattern, (req, res) => sendFile(req, res, photos[i]!, 'image/jpeg'));

  // YouTube: the playlist page and its continuation, a /player answer per video, streams by itag
  web.route(BROWSE, innertube((body) => (body.continuation ? JSON.parse(fixture('youtube/browse-playlist-continuation.json')) : body.browseId === `VL${PLAYLIST}` ? JSON.parse(fixture('youtube/browse-playlist.json')) : undefined)));
  const titles = new Map<string, string>(VIDEOS);
  web.route(PLAYER, innertube((body) => {
    const id = body.videoId ?? '';
    return playerOverrides.get(id) ?? (titles.has(id) ? playerAnswer(id, titles.get(id)!) : undefined);
  }));
  web.route(CDN, (req, res) => {
    const itag = req.target.searchParams.get('itag') ?? '';
    if (['137', '136', '248', '701'].includes(itag)) return sendFile(req, res, videoOnly, 'video/mp4');
    if (['140', '251'].includes(itag)) return sendFile(req, res, audioOnly, 'audio/mp4');
    if (itag === '18') return sendFile(req, res, media.mp4, 'video/mp4');
    res.writeHead(403).end();
  });

  h = await startBotHarness({ mediaDir: dir, config: { playlistLimit: PLAYLIST_LIMIT }, engine: fakeWebEngine });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await web?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const result = (call: ApiCall) => (call.response.ok ? (call.response.result as Message) : undefined);
const partOf = (call: ApiCall, value: unknown) => call.files.find((f) => `attach://${f.field}` === value);

/** ffprobe's width and height of an uploaded file (written to disk first). */
async function probeBytes(bytes: Buffer, name: string) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return probeFile(path);
}

describe('a TikTok photo post', () => {
  it('arrives as one media group of its photos, in order, as the JPEGs the CDN served', async () => {
    const chat = 7001;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: PHOTO_URL });
    const group = await h.fake.waitFor((c) => c.method === 'sendMediaGroup' && c.params.chat_id === chat, 20_000, mark);
    expect(group.status).toBe(200);
    const media = group.params.media as Array<{ type: string; media: string; caption?: string }>;
    expect(media.map((m) => m.type)).toEqual(['photo', 'photo']);
    for (const [i, item] of media.entries()) {
      const part = partOf(group, item.media)!;
      expect(part.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      // the very bytes of photo i: nothing re-encoded, nothing swapped
      expect(part.bytes.equals(await readFile(photos[i]!))).toBe(true);
      expect(await probeBytes(part.bytes, `uploaded-photo-${i}.jpg`)).toMatchObject({ width: 1080, height: 1440 });
    }
    // the caption on the first photo: title, author and the link
    expect(media[0]!.caption).toBe(`<b>Three panels from the new patch set #embroidery</b>\nMoxyPatch\n<a href="${PHOTO_URL}">🔗 Source</a>`);
    expect(media[1]!.caption).toBeUndefined();
    const messages = result(group) as unknown as Message[];
    expect(messages.map((m) => m.photo?.at(-1)).map((p) => [p?.width, p?.height])).toEqual([[1080, 1440], [1080, 1440]]);
    // each photo was fetched once; no video, no audio went out for this post
    expect(TIKTOK_IMAGES.map((re) => web.requests.filter((r) => re.test(r.url)).length)).toEqual([1, 1]);
    expect(h.callsSince(mark, 'sendVideo').concat(h.callsSince(mark, 'sendAudio')).filter((c) => c.params.chat_id === chat)).toEqual([]);
  });
});

/** The /player answers the tests change (video id → fixture answer); the others answer playerAnswer. */
const playerOverrides = new Map<string, unknown>();

/** Waits for the edit that turns the status message into the playlist offer, and returns the offer. */
async function offerIn(chat: number, mark: number): Promise<{ message: Message; buttons: InlineKeyboardButton.CallbackButton[] }> {
  const edit = await h.fake.waitFor((c) => c.method === 'editMessageText' && c.params.chat_id === chat && c.params.reply_markup !== undefined, 20_000, mark);
  expect(edit.status).toBe(200);
  const message = result(edit)!;
  return { message, buttons: message.reply_markup!.inline_keyboard.flat() as InlineKeyboardButton.CallbackButton[] };
}

/** The sendVideo calls to `chat` since `mark`, once there are `count`. */
async function videosIn(chat: number, mark: number, count: number): Promise<ApiCall[]> {
  const videos = () => h.callsSince(mark, 'sendVideo').filter((c) => c.params.chat_id === chat);
  await expect.poll(() => videos().length, { timeout: 20_000 }).toBe(count);
  return videos();
}

/** The summary the batch sent to `chat` since `mark`. */
async function summaryIn(chat: number, mark: number): Promise<Message> {
  const call = await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat && /Sent \d+ of \d+/.test(String(c.params.text)), 20_000, mark);
  return result(call)!;
}

describe('a YouTube playlist', () => {
  it('is offered with its title and count, and "Download all" sends every video as it completes, then a summary', async () => {
    const chat = 7002;
    const mark = h.fake.calls.length;
    const link = h.fake.sendUserMessage({ chatId: chat, text: PLAYLIST_URL });
    const { message: offer, buttons } = await offerIn(chat, mark);

    // the playlist names 5 videos; PLAYLIST_LIMIT keeps the first 3 and the offer says so
    expect(offer.text).toBe(`📃 ${PLAYLIST_TITLE}\n5 items.\nI send at most 3 from one playlist: the first 3.`);
    expect(buttons.map((b) => b.text)).toEqual(['⬇️ Download all (3)', 'First one only']);
    for (const b of buttons) {
      expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
      expect(b.callback_data).not.toMatch(/youtube|PL4l/);
    }
    // reading the playlist fetched no video yet: the entries are extracted when their turn comes
    expect(web.seen(PLAYER)).toHaveLength(0);

    const pressedAt = h.fake.calls.length;
    h.fake.pressButton(offer, buttons[0]!.callback_data);
    const videos = await videosIn(chat, pressedAt, 3);
    const summary = await summaryIn(chat, pressedAt);
    expect(summary.text).toBe(`✅ Sent 3 of 3 from “${PLAYLIST_TITLE}”.`);
    expect(summary.reply_to_message?.message_id).toBe(link.message!.message_id);

    // every entry once, each a real mp4 with its own title, all before the summary
    const titles = videos.map((v) => result(v)!.caption!.split('\n')[0]);
    expect([...titles].sort()).toEqual(VIDEOS.map(([, title]) => title).sort());
    for (const [i, video] of videos.entries()) {
      expect(video.status).toBe(200);
      expect(video.params).toMatchObject({ supports_streaming: true, width: 320, height: 180, duration: 2 });
      const probe = await probeBytes(partOf(video, video.params.video)!.bytes, `playlist-${i}.mp4`);
      expect(probe).toMatchObject({ streams: ['audio', 'video'], width: 320, height: 180 });
      expect(probe.durationSec).toBeCloseTo(2, 0);
      expect(video.at).toBeLessThanOrEqual(h.callsSince(pressedAt, 'sendMessage').find((c) => c.params.text === summary.text)!.at);
    }
    expect(h.callsSince(pressedAt, 'answerCallbackQuery')).toHaveLength(1);
    // one /player request per kept entry, none for the fourth
    expect(web.seen(PLAYER).map((r) => (JSON.parse(r.body) as { videoId: string }).videoId).sort()).toEqual(VIDEOS.map(([id]) => id).sort());

    // the offer counted the finished entries and made way for the summary
    const edits = h.callsSince(pressedAt, 'editMessageText').filter((c) => c.params.message_id === offer.message_id).map((c) => c.params.text);
    expect(edits[0]).toBe(`⏳ ${PLAYLIST_TITLE}: 0 of 3 done…`);
    await expect.poll(() => h.fake.messages(chat).find((m) => m.message.message_id === offer.message_id)?.deleted).toBe(true);
    // three durable jobs, one per entry, all done and delivered
    const jobs = await Promise.all(h.bot.store.recentJobs(chat).map((r) => h.bot.queue.get(r.jobId)));
    const entryJobs = jobs.filter((j) => j?.data.batch);
    expect(entryJobs.map((j) => [j!.state, j!.delivered])).toEqual([['done', true], ['done', true], ['done', true]]);
    expect(entryJobs.map((j) => j!.data.url).sort()).toEqual(VIDEOS.map(([id]) => `https://www.youtube.com/watch?v=${id}`).sort());
  });

  it('keeps the entries queued across a restart: a bot that was down delivers them when it is back, and a second press adds nothing', async () => {
    const chat = 7003;
    // 720p: other files than the first test's, so nothing comes from the file_id cache
    h.bot.store.updateSettings(chat, { quality: '720p' });
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: PLAYLIST_URL });
    const { message: offer, buttons } = await offerIn(chat, mark);

    // a bot without a worker takes the press: the jobs are stored, nothing runs
    await h.restart({ worker: false });
    const pressedAt = h.fake.calls.length;
    h.fake.pressButton(offer, buttons[0]!.callback_data);
    await h.fake.waitFor((c) => c.method === 'answerCallbackQuery', 10_000, pressedAt);
    const queued = await Promise.all(h.bot.store.recentJobs(chat).map((r) => h.bot.queue.get(r.jobId)));
    expect(queued.filter((j) => j?.data.batch).map((j) => j!.state)).toEqual(['queued', 'queued', 'queued']);

    // back with a worker: everything arrives, and the summary once
    await h.restart();
    const videos = await videosIn(chat, pressedAt, 3);
    expect(videos.every((v) => v.files.length > 0)).toBe(true);
    expect((await summaryIn(chat, pressedAt)).text).toBe(`✅ Sent 3 of 3 from “${PLAYLIST_TITLE}”.`);
    expect(h.callsSince(pressedAt, 'sendMessage').filter((c) => c.params.chat_id === chat)).toHaveLength(1);

    // pressing again (a stale client, a redelivery) starts nothing new
    const again = h.fake.calls.length;
    const jobsBefore = h.bot.store.recentJobs(chat).length;
    h.fake.queueUpdate({ callback_query: { id: 'again-1', from: h.fake.user(chat), chat_instance: '1', message: offer, data: buttons[0]!.callback_data } });
    const answer = await h.fake.waitFor((c) => c.method === 'answerCallbackQuery', 10_000, again);
    expect(answer.params.text).toBe('This playlist is already on its way.');
    expect(h.bot.store.recentJobs(chat)).toHaveLength(jobsBefore);
  });

  it('says in the summary which entries could not be sent, and why', async () => {
    const chat = 7004;
    playerOverrides.set(VIDEOS[1][0], JSON.parse(fixture('youtube/player-private.json')));
    try {
      const mark = h.fake.calls.length;
      h.fake.sendUserMessage({ chatId: chat, text: PLAYLIST_URL });
      const { message: offer, buttons } = await offerIn(chat, mark);
      const pressedAt = h.fake.calls.length;
      h.fake.pressButton(offer, buttons[0]!.callback_data);
      const summary = await summaryIn(chat, pressedAt);
      expect(summary.text).toBe(
        `⚠️ Sent 2 of 3 from “${PLAYLIST_TITLE}”. Not sent:\n#2 ${VIDEOS[1][1]}: This is private, so I cannot download it.`,
      );
      const videos = h.callsSince(pressedAt, 'sendVideo').filter((c) => c.params.chat_id === chat);
      expect(videos.map((v) => result(v)!.caption!.split('\n')[0]).sort()).toEqual([VIDEOS[0][1], VIDEOS[2][1]].sort());
      // no error message of its own for the failed entry: the summary is the one place it shows
      expect(h.callsSince(pressedAt, 'sendMessage').filter((c) => c.params.chat_id === chat)).toHaveLength(1);
    } finally {
      playerOverrides.clear();
    }
  });

  it('"First one only" sends the first video in place of the offer', async () => {
    const chat = 7005;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: chat, text: PLAYLIST_URL });
    const { message: offer, buttons } = await offerIn(chat, mark);
    const pressedAt = h.fake.calls.length;
    h.fake.pressButton(offer, buttons[1]!.callback_data);
    const [video] = await videosIn(chat, pressedAt, 1);
    expect(result(video!)!.caption!.split('\n')[0]).toBe(VIDEOS[0][1]);
    await expect.poll(() => h.fake.messages(chat).find((m) => m.message.message_id === offer.message_id)?.deleted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.callsSince(pressedAt, 'sendVideo').filter((c) => c.params.chat_id === chat)).toHaveLength(1);
  });
});
