/**
 * The fake Telegram Bot API server, driven by grammY's own Api client (and by raw fetch), so
 * the end-to-end bot tests built on it can trust that it answers as api.telegram.org does.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Api, Bot, GrammyError, HttpError, InputFile } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USER_ID, FakeTelegram } from '../support/fake-telegram/index.js';
import { startServer, type TestServer } from '../support/http-server.js';

const CHAT = 424_242;

let fake: FakeTelegram;
let api: Api;

beforeAll(async () => {
  fake = await FakeTelegram.start({ botUsername: 'dl_test_bot' });
  api = new Api(fake.token, { apiRoot: fake.apiRoot });
});

afterAll(async () => {
  await fake.close();
});

/** The GrammyError a call fails with (the test fails if the call succeeds). */
async function grammyError(call: Promise<unknown>): Promise<GrammyError> {
  const error = await call.then(
    () => new Error('expected the call to fail'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A structurally valid MP4 (ftyp, moov with mvhd/tkhd/hdlr, mdat of noise) of the given size and length. */
function mp4(width: number, height: number, seconds: number, payloadBytes = 4096): Buffer {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(seconds * 1000, 16); // duration
  const tkhd = Buffer.alloc(84);
  tkhd.writeUInt32BE(width * 65536, 76);
  tkhd.writeUInt32BE(height * 65536, 80);
  const hdlr = Buffer.alloc(24);
  hdlr.write('vide', 8, 'latin1');
  return Buffer.concat([
    box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'latin1')),
    box('moov', box('mvhd', mvhd), box('trak', box('tkhd', tkhd), box('mdia', box('hdlr', hdlr)))),
    box('mdat', randomBytes(payloadBytes)),
  ]);
}

/** A valid 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function lastCall() {
  const call = fake.calls.at(-1);
  if (!call) throw new Error('no call recorded');
  return call;
}

describe('transport', () => {
  it('answers getMe with the bot whose id is the token prefix', async () => {
    const me = await api.getMe();
    expect(me).toMatchObject({ id: Number(fake.token.split(':')[0]), is_bot: true, username: 'dl_test_bot' });
    expect(me.can_join_groups).toBe(true);
  });

  it('refuses a wrong token with 401 Unauthorized', async () => {
    const stranger = new Api('123:wrong', { apiRoot: fake.apiRoot });
    const error = await grammyError(stranger.getMe());
    expect(error.error_code).toBe(401);
    expect(error.description).toBe('Unauthorized');
  });

  it('answers an unknown method with the real 404 body', async () => {
    const response = await fetch(`${fake.apiRoot}/bot${fake.token}/sendTeleportation`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found: method not found' });
  });

  it('reads parameters from the query string and from urlencoded bodies, method names case-insensitively', async () => {
    const viaGet = await fetch(`${fake.apiRoot}/bot${fake.token}/SENDMESSAGE?chat_id=${CHAT}&text=hi%20there`);
    expect(await viaGet.json()).toMatchObject({ ok: true, result: { text: 'hi there', chat: { id: CHAT } } });

    const form = new URLSearchParams({ chat_id: String(CHAT), text: 'form', reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] }) });
    const viaForm = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, { method: 'POST', body: form });
    const body = (await viaForm.json()) as { result: Message };
    expect(body.result.reply_markup).toEqual({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] });
    // Form values are recorded decoded, as a JSON call would be.
    expect(lastCall().params).toMatchObject({ chat_id: CHAT, reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } });
  });
});

describe('text messages', () => {
  it('sends a message shaped like the real one, with per-chat increasing ids and found entities', async () => {
    const first = await api.sendMessage(CHAT + 1, 'Get it at https://youtu.be/dQw4w9WgXcQ now');
    const second = await api.sendMessage(CHAT + 1, 'again', {
      reply_markup: { inline_keyboard: [[{ text: '720p', callback_data: 'q:720' }]] },
    });
    expect(second.message_id).toBe(first.message_id + 1);
    expect(first).toMatchObject({
      from: { id: fake.bot.id, is_bot: true, username: 'dl_test_bot' },
      chat: { id: CHAT + 1, type: 'private' },
      text: 'Get it at https://youtu.be/dQw4w9WgXcQ now',
      entities: [{ type: 'url', offset: 10, length: 28 }],
    });
    expect(Math.abs(first.date - Date.now() / 1000)).toBeLessThan(5);
    expect(second.reply_markup).toEqual({ inline_keyboard: [[{ text: '720p', callback_data: 'q:720' }]] });
    expect(lastCall()).toMatchObject({ method: 'sendMessage', status: 200, response: { ok: true, result: second } });
  });

  it('refuses an empty and an over-long text with the real descriptions', async () => {
    expect((await grammyError(api.sendMessage(CHAT, '   '))).description).toBe('Bad Request: message text is empty');
    const error = await grammyError(api.sendMessage(CHAT, 'x'.repeat(4097)));
    expect(error.error_code).toBe(400);
    expect(error.description).toBe('Bad Request: message is too long');
    await expect(api.sendMessage(CHAT, 'x'.repeat(4096))).resolves.toMatchObject({ text: 'x'.repeat(4096) });
  });

  it('parses HTML into entities and rejects broken markup as Telegram does', async () => {
    const sent = await api.sendMessage(CHAT, '<b>Done</b> &amp; <a href="https://example.com/v">saved</a> a &lt; b', { parse_mode: 'HTML' });
    expect(sent.text).toBe('Done & saved a < b');
    expect(sent.entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 7, length: 5, url: 'https://example.com/v' },
    ]);

    const cases: Array<[string, string]> = [
      ['<b>bold', `Can't find end tag corresponding to start tag "b"`],
      ['<b>x</i>', 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
      ['<script>x</script>', 'Unsupported start tag "script" at byte offset 0'],
      ['1 < 2', 'Unsupported start tag "" at byte offset 2'],
      ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
    ];
    for (const [html, reason] of cases) {
      const error = await grammyError(api.sendMessage(CHAT, html, { parse_mode: 'HTML' }));
      expect(error.description).toBe(`Bad Request: can't parse entities: ${reason}`);
    }
  });

  it('parses MarkdownV2 and refuses unescaped reserved characters', async () => {
    const sent = await api.sendMessage(CHAT, '*Done* in 2\\.5 s: [open](https://example.com/x)', { parse_mode: 'MarkdownV2' });
    expect(sent.text).toBe('Done in 2.5 s: open');
    expect(sent.entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 15, length: 4, url: 'https://example.com/x' },
    ]);
    const error = await grammyError(api.sendMessage(CHAT, 'Done in 2.5 s', { parse_mode: 'MarkdownV2' }));
    expect(error.description).toBe("Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
  });

  it('edits a message and refuses an edit that changes nothing with the real text', async () => {
    const sent = await api.sendMessage(CHAT, 'Downloading…');
    const edited = await api.editMessageText(CHAT, sent.message_id, 'Done');
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'Done' });
    expect(typeof (edited as Message).edit_date).toBe('number');

    const error = await grammyError(api.editMessageText(CHAT, sent.message_id, 'Done'));
    expect(error.error_code).toBe(400);
    expect(error.description).toBe(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
    expect(fake.messages(CHAT).find((m) => m.message.message_id === sent.message_id)).toMatchObject({
      sentBy: 'bot',
      message: { text: 'Done' },
      edits: [{ text: 'Downloading…' }],
      deleted: false,
    });
  });

  it('refuses to edit or delete a message that does not exist', async () => {
    expect((await grammyError(api.editMessageText(CHAT, 99_999, 'x'))).description).toBe('Bad Request: message to edit not found');
    const sent = await api.sendMessage(CHAT, 'bye');
    await expect(api.deleteMessage(CHAT, sent.message_id)).resolves.toBe(true);
    expect((await grammyError(api.deleteMessage(CHAT, sent.message_id))).description).toBe('Bad Request: message to delete not found');
    expect(fake.messages(CHAT).find((m) => m.message.message_id === sent.message_id)?.deleted).toBe(true);
  });

  it('refuses callback_data over 64 bytes with BUTTON_DATA_INVALID', async () => {
    const keyboard = (data: string) => ({ reply_markup: { inline_keyboard: [[{ text: 'go', callback_data: data }]] } });
    await expect(api.sendMessage(CHAT, 'ok', keyboard('x'.repeat(64)))).resolves.toBeDefined();
    const error = await grammyError(api.sendMessage(CHAT, 'too long', keyboard('x'.repeat(65))));
    expect(error.description).toBe('Bad Request: BUTTON_DATA_INVALID');
    // Bytes, not characters: 33 two-byte letters are 66 bytes.
    expect((await grammyError(api.sendMessage(CHAT, 'ă', keyboard('ă'.repeat(33))))).description).toBe('Bad Request: BUTTON_DATA_INVALID');
  });
});

describe('uploads', () => {
  it('stores an InputFile upload byte for byte and lets its file_id be re-sent without a new upload', async () => {
    const bytes = mp4(1280, 720, 42);
    const sent = await api.sendVideo(CHAT, new InputFile(bytes, 'clip.mp4'), { caption: 'Your video', supports_streaming: true });
    const upload = lastCall();
    expect(upload.files).toHaveLength(1);
    expect(upload.files[0]?.bytes.equals(bytes)).toBe(true);
    expect(upload.files[0]).toMatchObject({ filename: 'clip.mp4', size: bytes.length });
    expect(upload.params.video).toMatch(/^attach:\/\//);

    const video = sent.video;
    expect(video).toMatchObject({ width: 1280, height: 720, duration: 42, mime_type: 'video/mp4', file_name: 'clip.mp4', file_size: bytes.length });
    expect(video.file_id).toMatch(/^[A-Za-z0-9_-]{60,}$/);
    expect(sent.caption).toBe('Your video');

    const again = await api.sendVideo(CHAT + 2, video.file_id);
    expect(lastCall().files).toHaveLength(0);
    expect(again.video.file_unique_id).toBe(video.file_unique_id);
    expect(fake.file(video.file_id)?.bytes.equals(bytes)).toBe(true);

    const unknown = await grammyError(api.sendVideo(CHAT, 'BAACAgIAAxkDAAInotarealfileid'));
    expect(unknown.description).toBe('Bad Request: wrong file identifier/HTTP URL specified');
    const wrongType = await grammyError(api.sendPhoto(CHAT, video.file_id));
    expect(wrongType.description).toBe("Bad Request: can't use file of type Video as Photo");
  });

  it('serves uploaded files through getFile and the file download path', async () => {
    const bytes = randomBytes(3000);
    const sent = await api.sendDocument(CHAT, new InputFile(bytes, 'notes.txt'));
    expect(sent.document).toMatchObject({ file_name: 'notes.txt', mime_type: 'text/plain', file_size: 3000 });
    const file = await api.getFile(sent.document.file_id);
    expect(file.file_path).toMatch(/^documents\/file_\d+\.txt$/);
    const download = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('sends a media group of three uploads referenced with attach://', async () => {
    const files = [mp4(640, 360, 5), mp4(640, 360, 6), mp4(640, 360, 7)];
    const messages: Message[] = await api.sendMediaGroup(CHAT, files.map((bytes, i) => ({
      type: 'video' as const,
      media: new InputFile(bytes, `part${i}.mp4`),
      ...(i === 0 ? { caption: 'Album' } : {}),
    })));
    const call = lastCall();
    expect(call.files).toHaveLength(3);
    const media = call.params.media as Array<{ type: string; media: string }>;
    for (const [i, item] of media.entries()) {
      expect(item.media).toMatch(/^attach:\/\//);
      const part = call.files.find((file) => `attach://${file.field}` === item.media);
      expect(part?.bytes.equals(files[i] as Buffer)).toBe(true);
    }
    expect(messages).toHaveLength(3);
    const groupId = messages[0]?.media_group_id;
    expect(groupId).toMatch(/^\d+$/);
    expect(messages.map((m) => [m.media_group_id, m.video?.duration])).toEqual([[groupId, 5], [groupId, 6], [groupId, 7]]);
    expect(messages[0]?.caption).toBe('Album');
    expect(messages[1]?.message_id).toBe((messages[0]?.message_id ?? 0) + 1);
  });

  it('refuses empty and over-full media groups with the real texts, and sends a single item alone', async () => {
    expect((await grammyError(api.sendMediaGroup(CHAT, []))).description).toBe('Bad Request: there are no messages to send');
    const sent = await api.sendPhoto(CHAT, new InputFile(PNG, 'p.png'));
    const photoId = sent.photo.at(-1)?.file_id ?? '';
    const eleven = Array.from({ length: 11 }, () => ({ type: 'photo' as const, media: photoId }));
    expect((await grammyError(api.sendMediaGroup(CHAT, eleven))).description).toBe('Bad Request: too many messages to send as an album');
    // TDLib sends a one-item "album" as an ordinary message, without a media_group_id.
    const [single]: Message[] = await api.sendMediaGroup(CHAT, eleven.slice(0, 1));
    expect(single?.media_group_id).toBeUndefined();
    expect(single?.photo?.at(-1)?.file_id).toBe(photoId);
  });

  it('refuses a photo that is not an image, as Telegram cannot re-encode it', async () => {
    const error = await grammyError(api.sendPhoto(CHAT, new InputFile(randomBytes(100), 'p.jpg')));
    expect(error.description).toBe('Bad Request: IMAGE_PROCESS_FAILED');
    const sent = await api.sendPhoto(CHAT, new InputFile(PNG));
    expect(sent.photo).toEqual([expect.objectContaining({ width: 1, height: 1, file_size: PNG.length })]);
  });

  it('answers audio, animation and thumbnails with the real field sets', async () => {
    const audio = await api.sendAudio(CHAT, new InputFile(randomBytes(500), 'song.mp3'), {
      title: 'Song',
      performer: 'Band',
      duration: 185,
      thumbnail: new InputFile(PNG, 'cover.jpg'),
    });
    expect(audio.audio).toMatchObject({ title: 'Song', performer: 'Band', duration: 185, mime_type: 'audio/mpeg', file_name: 'song.mp3' });
    expect(audio.audio.thumbnail).toMatchObject({ width: 1, height: 1 });
    expect(lastCall().files).toHaveLength(2);

    const animation = await api.sendAnimation(CHAT, new InputFile(mp4(480, 270, 2), 'loop.mp4'));
    expect(animation.animation).toMatchObject({ width: 480, height: 270, duration: 2, mime_type: 'video/mp4' });
    // Telegram repeats an animation as `document` for old clients.
    expect(animation.document?.file_id).toBe(animation.animation.file_id);
  });

  it('refuses a caption over 1024 characters', async () => {
    const error = await grammyError(api.sendDocument(CHAT, new InputFile(Buffer.from('x'), 'a.txt'), { caption: 'c'.repeat(1025) }));
    expect(error.error_code).toBe(400);
    expect(error.description).toBe('Bad Request: message caption is too long');
  });

  it('accepts a multipart upload built with fetch and FormData', async () => {
    const bytes = randomBytes(5000);
    const form = new FormData();
    form.append('chat_id', String(CHAT));
    form.append('caption', 'from <b>fetch</b>');
    form.append('parse_mode', 'HTML');
    form.append('document', new Blob([bytes], { type: 'application/pdf' }), 'report.pdf');
    const response = await fetch(`${fake.apiRoot}/bot${fake.token}/sendDocument`, { method: 'POST', body: form });
    const body = (await response.json()) as { ok: boolean; result: Message };
    expect(body.ok).toBe(true);
    expect(body.result.document).toMatchObject({ file_name: 'report.pdf', mime_type: 'application/pdf', file_size: 5000 });
    expect(body.result.caption).toBe('from fetch');
    expect(body.result.caption_entities).toEqual([{ type: 'bold', offset: 5, length: 5 }]);
    const call = lastCall();
    expect(call.params).toMatchObject({ chat_id: CHAT, parse_mode: 'HTML' });
    expect(call.files[0]).toMatchObject({ field: 'document', filename: 'report.pdf', contentType: 'application/pdf' });
    expect(call.files[0]?.bytes.equals(bytes)).toBe(true);
  });

  it('answers an upload over the limit with 413 Request Entity Too Large', async () => {
    const small = await FakeTelegram.start({ uploadLimitBytes: 10_000 });
    try {
      const smallApi = new Api(small.token, { apiRoot: small.apiRoot });
      await expect(smallApi.sendVideo(CHAT, new InputFile(randomBytes(9_000), 'ok.mp4'))).resolves.toBeDefined();
      const error = await grammyError(smallApi.sendVideo(CHAT, new InputFile(randomBytes(20_000), 'big.mp4')));
      expect(error.error_code).toBe(413);
      expect(error.description).toBe('Request Entity Too Large');
      expect(small.calls.at(-1)?.response).toEqual({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
    } finally {
      await small.close();
    }
  });
});

describe('other methods', () => {
  it('edits captions and keyboards, and refuses an unchanged keyboard', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'Audio', callback_data: 'audio' }]] };
    const sent = await api.sendVideo(CHAT, new InputFile(mp4(100, 100, 1), 'v.mp4'), { caption: 'old', reply_markup: keyboard });
    const recaptioned = await api.editMessageCaption(CHAT, sent.message_id, { caption: 'new', reply_markup: keyboard });
    expect(recaptioned).toMatchObject({ caption: 'new', reply_markup: keyboard });
    const unchanged = await grammyError(api.editMessageReplyMarkup(CHAT, sent.message_id, { reply_markup: keyboard }));
    expect(unchanged.description).toMatch(/^Bad Request: message is not modified/);
    const cleared = await api.editMessageReplyMarkup(CHAT, sent.message_id);
    expect((cleared as Message).reply_markup).toBeUndefined();
    const text = await grammyError(api.editMessageText(CHAT, sent.message_id, 'x'));
    expect(text.description).toBe('Bad Request: there is no text in the message to edit');
  });

  it('keeps commands, webhook info, chats and members', async () => {
    await api.setMyCommands([{ command: 'start', description: 'Start' }, { command: 'help', description: 'Help' }]);
    expect(await api.getMyCommands()).toEqual([{ command: 'start', description: 'Start' }, { command: 'help', description: 'Help' }]);
    expect((await grammyError(api.setMyCommands([{ command: 'Bad Command', description: 'x' }]))).description).toBe('Bad Request: BOT_COMMAND_INVALID');
    expect(await api.getWebhookInfo()).toMatchObject({ url: '', has_custom_certificate: false });
    expect(await api.getChat(CHAT)).toMatchObject({ id: CHAT, type: 'private' });
    fake.sendUserMessage({ chatId: -1001555, chatType: 'supergroup', chatTitle: 'Friends', userId: 9001, text: 'hi' });
    expect(await api.getChatMember(-1001555, 9001)).toMatchObject({ status: 'member', user: { id: 9001 } });
    fake.setChatMember(-1001555, 9001, 'kicked');
    expect(await api.getChatMember(-1001555, 9001)).toMatchObject({ status: 'kicked' });
    await expect(api.sendChatAction(CHAT, 'typing')).resolves.toBe(true);
    expect((await grammyError(api.sendChatAction(CHAT, 'dancing' as 'typing'))).description).toBe('Bad Request: wrong parameter action in request');
    await expect(api.close()).resolves.toBe(true);
  });

  it('answers inline queries once', async () => {
    const update = fake.inlineQuery(DEFAULT_USER_ID, 'https://youtu.be/x');
    const id = update.inline_query?.id ?? '';
    const results = [{ type: 'article' as const, id: '1', title: 'Video', input_message_content: { message_text: 'x' } }];
    await expect(api.answerInlineQuery(id, results)).resolves.toBe(true);
    expect((await grammyError(api.answerInlineQuery(id, results))).description).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );
  });
});

describe('fault injection', () => {
  it('injects a 429 with retry_after for the next call only', async () => {
    fake.failNext('sendMessage', { status: 429, retryAfter: 2 });
    const error = await grammyError(api.sendMessage(CHAT, 'flood'));
    expect(error.error_code).toBe(429);
    expect(error.description).toBe('Too Many Requests: retry after 2');
    expect(error.parameters.retry_after).toBe(2);
    await expect(api.sendMessage(CHAT, 'calm')).resolves.toMatchObject({ text: 'calm' });
  });

  it('injects gateway errors as nginx HTML, which grammY reports as an HttpError', async () => {
    fake.failNext('sendChatAction', { status: 502 });
    await expect(api.sendChatAction(CHAT, 'upload_video')).rejects.toBeInstanceOf(HttpError);
    await expect(api.sendChatAction(CHAT, 'upload_video')).resolves.toBe(true);
  });

  it('enforces per-chat flood limits when asked', async () => {
    fake.setFloodLimits({ perChatPerSecond: 2 });
    try {
      await api.sendMessage(CHAT + 3, '1');
      await api.sendMessage(CHAT + 3, '2');
      const error = await grammyError(api.sendMessage(CHAT + 3, '3'));
      expect(error.error_code).toBe(429);
      expect(error.parameters.retry_after).toBeGreaterThanOrEqual(1);
      await expect(api.sendMessage(CHAT + 4, 'other chat')).resolves.toBeDefined();
    } finally {
      fake.setFloodLimits({});
    }
  });
});

describe('updates', () => {
  let offset = 0;

  beforeAll(async () => {
    // Earlier tests played users too; confirm their updates so these tests start from an empty queue.
    offset = (fake.pendingUpdates().at(-1)?.update_id ?? 0) + 1;
    await api.getUpdates({ offset, timeout: 0 });
  });

  afterEach(async () => {
    // Confirm whatever a test left behind so the next one starts from an empty queue.
    const left = await api.getUpdates({ offset, timeout: 0 });
    offset = (left.at(-1)?.update_id ?? offset - 1) + 1;
    await api.getUpdates({ offset, timeout: 0 });
  });

  it('long-polls: getUpdates returns as soon as a user message is queued', async () => {
    const started = Date.now();
    const poll = api.getUpdates({ offset, timeout: 20 });
    setTimeout(() => fake.sendUserMessage({ text: '/start https://vm.tiktok.com/ZMabc123/', firstName: 'Ana' }), 100);
    const updates = await poll;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(updates).toHaveLength(1);
    const message = updates[0]?.message;
    expect(message).toMatchObject({
      from: { id: DEFAULT_USER_ID, is_bot: false, first_name: 'Ana' },
      chat: { id: DEFAULT_USER_ID, type: 'private', first_name: 'Ana' },
      text: '/start https://vm.tiktok.com/ZMabc123/',
      entities: [
        { type: 'bot_command', offset: 0, length: 6 },
        { type: 'url', offset: 7, length: 31 },
      ],
    });
    offset = (updates[0]?.update_id ?? 0) + 1;
    expect(await api.getUpdates({ offset, timeout: 0 })).toEqual([]);
  });

  it('confirms updates below the offset and keeps the rest', async () => {
    const a = fake.sendUserMessage({ text: 'one' });
    const b = fake.sendUserMessage({ text: 'two' });
    expect((await api.getUpdates({ offset, timeout: 0 })).map((u) => u.update_id)).toEqual([a.update_id, b.update_id]);
    expect((await api.getUpdates({ offset: b.update_id, timeout: 0 })).map((u) => u.update_id)).toEqual([b.update_id]);
    expect(fake.pendingUpdates().map((u) => u.update_id)).toEqual([b.update_id]);
    offset = b.update_id + 1;
  });

  it('filters by allowed_updates', async () => {
    fake.inlineQuery(DEFAULT_USER_ID, 'cats');
    const message = fake.sendUserMessage({ text: 'hello' });
    const updates = await api.getUpdates({ offset, timeout: 0, allowed_updates: ['message'] });
    expect(updates.map((u) => u.update_id)).toEqual([message.update_id]);
    await api.getUpdates({ offset, timeout: 0, allowed_updates: [] });
  });

  it('ends the older of two long polls with the real 409 conflict', async () => {
    const first = api.getUpdates({ offset, timeout: 20 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = api.getUpdates({ offset, timeout: 1 });
    const error = await grammyError(first);
    expect(error.error_code).toBe(409);
    expect(error.description).toBe('Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    await second;
  });

  it('delivers button presses on the message as it is now, and answers each query once', async () => {
    const sent = await api.sendMessage(DEFAULT_USER_ID, 'Pick a quality', {
      reply_markup: { inline_keyboard: [[{ text: '1080p', callback_data: 'q:1080' }, { text: 'MP3', callback_data: 'q:audio' }]] },
    });
    expect(() => fake.pressButton(sent, 'q:4k')).toThrow(/no button with callback_data "q:4k"/);
    const update = fake.pressButton(sent, 'q:audio');
    const [received] = await api.getUpdates({ offset, timeout: 0 });
    expect(received).toEqual(update);
    const query = (received as Update).callback_query;
    expect(query).toMatchObject({ from: { id: DEFAULT_USER_ID }, data: 'q:audio', message: { message_id: sent.message_id } });
    await expect(api.answerCallbackQuery(query?.id ?? '', { text: 'Converting…' })).resolves.toBe(true);
    const twice = await grammyError(api.answerCallbackQuery(query?.id ?? ''));
    expect(twice.description).toBe('Bad Request: query is too old and response timeout expired or query ID is invalid');
  });

  it('builds replies, forwards, HTML text links and user media', async () => {
    const original = fake.sendUserMessage({ text: 'first' }).message as Message;
    const reply = fake.sendUserMessage({ html: 'see <a href="https://x.com/u/status/1">this</a>', replyTo: original });
    expect(reply.message).toMatchObject({
      text: 'see this',
      entities: [{ type: 'text_link', offset: 4, length: 4, url: 'https://x.com/u/status/1' }],
      reply_to_message: { message_id: original.message_id, text: 'first' },
    });
    const forwarded = fake.sendUserMessage({ text: 'fwd', forwardFrom: { chatId: -1001234, title: 'News', messageId: 7 } });
    expect(forwarded.message?.forward_origin).toMatchObject({ type: 'channel', chat: { id: -1001234, title: 'News', type: 'channel' }, message_id: 7 });
    const withVideo = fake.sendUserMessage({ text: 'look', media: { type: 'video', bytes: mp4(320, 240, 3), fileName: 'v.mp4' } });
    expect(withVideo.message).toMatchObject({ caption: 'look', video: { width: 320, height: 240, duration: 3 } });
    const file = await api.getFile(withVideo.message?.video?.file_id ?? '');
    expect(file.file_size).toBeGreaterThan(0);
  });
});

describe('a grammY Bot', () => {
  it('long-polls, answers a command and a button press, and stops cleanly', async () => {
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    bot.command('start', (ctx) => ctx.reply('Send me a link', { reply_markup: { inline_keyboard: [[{ text: 'Help', callback_data: 'help' }]] } }));
    bot.callbackQuery('help', async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText('Paste any video link');
    });
    await new Promise<void>((resolve, reject) => {
      bot.start({ onStart: () => resolve() }).catch(reject);
    });
    const mark = fake.calls.length;
    try {
      fake.sendUserMessage({ chatId: 777, text: '/start' });
      const reply = await fake.waitFor((call) => call.method === 'sendMessage' && call.params.chat_id === 777, 5000, mark);
      fake.pressButton(reply.response.ok ? (reply.response.result as Message) : ({} as Message), 'help', 777);
      await fake.waitFor('editMessageText', 5000, mark);
    } finally {
      await bot.stop();
    }
    expect(fake.messages(777).map((m) => [m.sentBy, m.message.text])).toEqual([
      ['user', '/start'],
      ['bot', 'Paste any video link'],
    ]);
    expect(fake.pendingUpdates()).toEqual([]);
  });
});

describe('webhooks', () => {
  let hook: TestServer;
  const received: Array<{ secret: string | undefined; update: Update }> = [];
  let answerStatus = 200;

  beforeAll(async () => {
    hook = await startServer({
      '/hook': async (req: IncomingMessage, res) => {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const secret = req.headers['x-telegram-bot-api-secret-token'];
        received.push({ secret: typeof secret === 'string' ? secret : undefined, update: JSON.parse(body) as Update });
        if (secret !== 'S3cret_token') return void res.writeHead(401).end();
        res.writeHead(answerStatus, { 'content-type': 'application/json' });
        // A webhook may answer with a method call, which Telegram executes.
        res.end(JSON.stringify({ method: 'sendMessage', chat_id: CHAT + 9, text: 'via webhook reply' }));
      },
    });
  });

  afterAll(async () => {
    await api.deleteWebhook({ drop_pending_updates: true });
    await hook.close();
  });

  it('pushes updates to the webhook with the secret header and runs a method in the answer', async () => {
    await expect(api.setWebhook(`${hook.origin}/hook`, { secret_token: 'S3cret_token' })).resolves.toBe(true);
    expect(fake.webhook).toMatchObject({ url: `${hook.origin}/hook`, secretToken: 'S3cret_token' });
    const conflict = await grammyError(api.getUpdates({ timeout: 0 }));
    expect(conflict.error_code).toBe(409);

    const update = fake.sendUserMessage({ text: 'https://www.instagram.com/reel/Cabc123/' });
    const reply = await fake.waitFor((call) => call.source === 'webhook-reply');
    expect(reply).toMatchObject({ method: 'sendMessage', status: 200, params: { text: 'via webhook reply' } });
    expect(received.at(-1)).toEqual({ secret: 'S3cret_token', update });
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it('posts an update with a chosen secret and reports failing deliveries in getWebhookInfo', async () => {
    const mark = fake.calls.length;
    const update = fake.sendUserMessage({ text: 'x' });
    await fake.waitFor((call) => call.source === 'webhook-reply', 5000, mark);
    expect(await fake.postUpdateToWebhook(update, 'wrong')).toBe(401);
    expect(received.at(-1)).toEqual({ secret: 'wrong', update });
    answerStatus = 500;
    try {
      fake.sendUserMessage({ text: 'will fail' });
      await expect.poll(async () => (await api.getWebhookInfo()).last_error_message, { timeout: 5000 }).toBe(
        'Wrong response from the webhook: 500 Internal Server Error',
      );
      expect((await api.getWebhookInfo()).pending_update_count).toBeGreaterThan(0);
    } finally {
      answerStatus = 200;
    }
    await expect.poll(() => fake.pendingUpdates().length, { timeout: 5000 }).toBe(0);
  });
});
