/**
 * The bot's commands and conversations end to end: /settings persisting across a restart,
 * /status for operators only, /stats, groups (mention, reply, /autodownload), inline mode with
 * the cached answer and the deep link to the private chat, and localized errors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InlineKeyboardButton, Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall } from '../support/fake-telegram/index.js';
import { startBotHarness, type BotHarness } from '../support/bot-harness.js';
import { makeSampleMedia } from '../support/sample-media.js';

const ADMIN = 900_001;
let mediaDir: string;
let h: BotHarness;

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'dlbot-bot-media-'));
  await makeSampleMedia(mediaDir);
  h = await startBotHarness({ mediaDir, config: { adminIds: [ADMIN] } });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const result = (call: ApiCall) => (call.response.ok ? (call.response.result as Message) : undefined);
const buttonsOf = (message: Message) => (message.reply_markup?.inline_keyboard.flat() ?? []) as Array<InlineKeyboardButton.CallbackButton>;
/** The next successful sendMessage to `chat` after `mark`. */
const replyIn = (chat: number, mark: number, timeoutMs = 5000) =>
  h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === chat && c.status === 200, timeoutMs, mark).then((c) => result(c)!);

describe('/settings', () => {
  it('changes settings with buttons, keeps them across a restart, and downloads by them', async () => {
    const user = 7001;
    let mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: '/settings' });
    const panel = await replyIn(user, mark);
    expect(panel.text).toBe('⚙️ Your settings\nQuality: 🎬 Best\nFormat: 🎬 Video (audio as M4A)\nNo watermark: on\nCaptions: on\nLanguage: Auto');
    const data = buttonsOf(panel).map((b) => b.callback_data);
    expect(data).toEqual(['s:q:ask', 's:q:best', 's:q:1080p', 's:q:720p', 's:q:480p', 's:q:360p', 's:f:video', 's:f:audio', 's:a:m4a', 's:a:mp3', 's:w:0', 's:c:0', 's:l:en', 's:l:ro', 's:l:auto']);
    expect(buttonsOf(panel).find((b) => b.callback_data === 's:q:best')?.text).toBe('✅ 🎬 Best');

    for (const press of ['s:f:audio', 's:a:mp3', 's:c:0', 's:l:ro']) {
      const before = h.fake.calls.length;
      h.fake.pressButton(panel, press, user);
      await h.fake.waitFor((c) => c.method === 'editMessageText' && c.params.message_id === panel.message_id, 5000, before);
    }
    const answers = h.callsSince(mark, 'answerCallbackQuery').map((c) => c.params.text);
    expect(answers).toEqual(['Saved', 'Saved', 'Saved', 'Salvat']);
    expect(h.fake.messages(user).find((m) => m.message.message_id === panel.message_id)?.message.text).toBe(
      '⚙️ Setările tale\nCalitate: 🎬 Cea mai bună\nFormat: 🎵 Audio (audio ca MP3)\nFără watermark: da\nDescrieri: nu\nLimbă: Română',
    );

    await h.restart();
    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: '/settings' });
    expect((await replyIn(user, mark)).text).toBe('⚙️ Setările tale\nCalitate: 🎬 Cea mai bună\nFormat: 🎵 Audio (audio ca MP3)\nFără watermark: da\nDescrieri: nu\nLimbă: Română');

    // the new instance downloads by the stored settings: audio as mp3, no caption, Romanian status
    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: `${h.media.origin}/clip.mp4` });
    const status = await replyIn(user, mark);
    expect(status.text).toBe('⏳ Am primit…');
    await expect.poll(() => h.shown(user, status.message_id)).toContain('⏳ În coadă: ești primul la rând.');
    const audio = await h.fake.waitFor((c) => c.method === 'sendAudio' && c.params.chat_id === user, 20_000, mark);
    expect(audio.status).toBe(200);
    expect(audio.files.find((f) => `attach://${f.field}` === audio.params.audio)?.filename).toMatch(/\.mp3$/);
    expect(result(audio)!.audio?.mime_type).toBe('audio/mpeg');
    expect(audio.params.caption).toBeUndefined();
  });
});

describe('/status', () => {
  it('is refused to a user who is not an operator', async () => {
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: 7002, text: '/status' });
    expect((await replyIn(7002, mark)).text).toBe('This command is for the bot\'s operators.');
  });

  it('shows an operator the memory, the queue and per-platform results', async () => {
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: ADMIN, text: '/status' });
    const text = (await replyIn(ADMIN, mark)).text ?? '';
    expect(text).toMatch(/^🖥 running · up .+ · memory [\d.]+ MB \(\d+%\)$/m);
    expect(text).toMatch(/^📥 Queue: \d+ waiting · \d+ running · \d+ done · \d+ failed · \d+ cancelled$/m);
    expect(text).toMatch(/^ {2}generic: ✓ [1-9]\d* · ✗ \d+ · [\d.]+%$/m);
  });
});

describe('/broadcast', () => {
  it('is for operators, and reaches every user who talked to the bot', async () => {
    let mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: 7002, text: '/broadcast hi' });
    expect((await replyIn(7002, mark)).text).toBe("This command is for the bot's operators.");

    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: ADMIN, text: '/broadcast New: TikTok photo posts work now.' });
    const users = h.bot.store.reachableUsers();
    expect(users).toEqual(expect.arrayContaining([7001, 7002, ADMIN]));
    const done = await h.fake.waitFor((c) => c.method === 'sendMessage' && String(c.params.text).startsWith('Broadcast done'), 10_000, mark);
    expect(done.params).toMatchObject({ chat_id: ADMIN, text: `Broadcast done: ${users.length} sent, 0 failed.` });
    const received = h.callsSince(mark, 'sendMessage').filter((c) => c.params.text === 'New: TikTok photo posts work now.').map((c) => c.params.chat_id);
    expect(received.sort()).toEqual([...users].sort());
  });
});

describe('/stats and /help', () => {
  it('shows the user their own numbers', async () => {
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: 7001, text: '/stats' });
    expect((await replyIn(7001, mark)).text).toMatch(/^📊 Descărcările tale: 1 \([\d.]+ KB\)\nRăspunse din cache: 0\nEșuate: 0$/);
  });

  it('lists the supported platforms', async () => {
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: 7003, text: '/help' });
    const text = (await replyIn(7003, mark)).text ?? '';
    expect(text).toContain('Sites: youtube, instagram, tiktok');
    expect(text).toContain('bluesky');
    expect(text).not.toContain('generic');
  });
});

describe('errors', () => {
  it('tells the user why in their language, never the internals', async () => {
    const user = 7004;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, languageCode: 'ro', text: `${h.media.origin}/gone.mp4` });
    const status = await replyIn(user, mark);
    await expect
      .poll(() => h.fake.messages(user).find((m) => m.message.message_id === status.message_id)?.message.text, { timeout: 10_000 })
      .toBe('Nu l-am găsit: a fost șters sau nu a existat.');
  });

  it('says a retry is coming after a retriable failure, and gives the reason when the attempts run out', async () => {
    const user = 7006;
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: `${h.media.origin}/status/503` });
    const status = await replyIn(user, mark);
    const final = 'The site could not be reached or answered with an error. Please try again later.';
    await expect.poll(() => h.fake.messages(user).find((m) => m.message.message_id === status.message_id)?.message.text, { timeout: 15_000 }).toBe(final);
    const shown = h.fake.messages(user).find((m) => m.message.message_id === status.message_id)!.edits.map((m) => m.text);
    expect(shown).toContain(`⚠️ ${final} Trying again (attempt 2 of 3)…`);
    expect(shown).toContain(`⚠️ ${final} Trying again (attempt 3 of 3)…`);
    const job = await h.bot.queue.get(h.bot.store.recentJobs(user)[0]!.jobId);
    expect(job).toMatchObject({ state: 'dead', attempts: 3 });
    expect(h.media.hits.filter((hit) => hit.endsWith('/status/503'))).toHaveLength(3);
  });

  it('refuses a link it cannot handle at once', async () => {
    const mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: 7005, text: 'see ftp://files.example.com/a.mp4 or mailto:x@example.com', entities: [{ type: 'url', offset: 4, length: 29 }] });
    expect((await replyIn(7005, mark)).text).toBe('Links from this site are not supported.');
  });
});

describe('groups', () => {
  const group = -4_000_000_777;
  const member = 7100;

  it('ignores links nobody addressed to the bot, answers a mention, and /autodownload is for group admins', async () => {
    let mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: group, chatType: 'group', chatTitle: 'Friends', userId: member, text: `${h.media.origin}/clip.mp4` });
    h.fake.sendUserMessage({ chatId: group, chatType: 'group', userId: member, text: `@${h.fake.bot.username} ${h.media.origin}/clip.mp4?m=1` });
    const video = await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === group, 20_000, mark);
    expect(video.status).toBe(200);
    // only the mentioned link became a job
    expect(h.callsSince(mark, 'sendMessage').filter((c) => c.params.chat_id === group)).toHaveLength(1);

    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: group, chatType: 'group', userId: member, text: '/autodownload' });
    expect((await replyIn(group, mark)).text).toBe("Only the group's admins can change this.");

    h.fake.setChatMember(group, member, 'administrator');
    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: group, chatType: 'group', userId: member, text: '/autodownload' });
    expect((await replyIn(group, mark)).text).toBe('I will now download every link posted in this group.');

    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: group, chatType: 'group', userId: member + 1, text: `${h.media.origin}/clip.mp4?m=2` });
    expect((await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === group, 20_000, mark)).status).toBe(200);
  });
});

describe('inline mode', () => {
  it('offers media the bot already sent by its file_id', async () => {
    const user = 7200;
    let mark = h.fake.calls.length;
    const link = `${h.media.origin}/clip.mp4?inline=1`;
    h.fake.sendUserMessage({ chatId: user, text: link });
    const sent = result(await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === user, 20_000, mark))!;
    mark = h.fake.calls.length;
    h.fake.inlineQuery(user, link);
    const answer = await h.fake.waitFor('answerInlineQuery', 5000, mark);
    expect(answer.status).toBe(200);
    expect(answer.params.results).toEqual([
      expect.objectContaining({ type: 'video', video_file_id: sent.video!.file_id, title: 'clip', parse_mode: 'HTML' }),
    ]);
  });

  it('answers an unknown link with a button to the private chat, where /start downloads it', async () => {
    const user = 7201;
    let mark = h.fake.calls.length;
    h.fake.inlineQuery(user, `${h.media.origin}/clip.mp4?inline=2`);
    const answer = await h.fake.waitFor('answerInlineQuery', 5000, mark);
    expect(answer.params.results).toEqual([]);
    const button = answer.params.button as { text: string; start_parameter: string };
    expect(button.text).toBe('Send it to me in private');
    expect(button.start_parameter).toMatch(/^dl_[\w-]{11}$/);

    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user, text: `/start ${button.start_parameter}` });
    expect((await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === user, 20_000, mark)).status).toBe(200);

    // someone else cannot use that payload
    mark = h.fake.calls.length;
    h.fake.sendUserMessage({ chatId: user + 1, text: `/start ${button.start_parameter}` });
    expect((await replyIn(user + 1, mark)).text).toBe('This button has expired: send the link again.');
  });
});
