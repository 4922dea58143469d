/**
 * Webhook mode (WEBHOOK_URL set): the bot serves the webhook with fastify, registers it with
 * its secret, refuses requests without the right X-Telegram-Bot-Api-Secret-Token (401) and
 * handles the right ones. The bot here is private (ALLOWED_USER_IDS).
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotHarness, type BotHarness } from '../support/bot-harness.js';
import { makeSampleMedia } from '../support/sample-media.js';

const ALLOWED = 6001;
const STRANGER = 6002;
const SECRET = 'S3cret_hook-token';
let mediaDir: string;
let h: BotHarness;
let hookUrl: string;

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'dlbot-bot-media-'));
  await makeSampleMedia(mediaDir);
  const port = await freePort();
  hookUrl = `http://127.0.0.1:${port}/telegram/hook`;
  h = await startBotHarness({
    mediaDir,
    fake: { webhookDelivery: 'manual' },
    config: { webhookUrl: hookUrl, webhookSecret: SECRET, allowedUserIds: [ALLOWED] },
    bot: { webhook: { host: '127.0.0.1', port } },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const sentTo = (chat: number, mark: number) => h.callsSince(mark, 'sendMessage').filter((c) => c.params.chat_id === chat);

describe('webhook mode', () => {
  it('registers the webhook with its secret and does not poll', () => {
    expect(h.fake.webhook).toMatchObject({ url: hookUrl, secretToken: SECRET });
    expect(h.bot.webhookPort).toBe(Number(new URL(hookUrl).port));
    expect(h.fake.calls.filter((c) => c.method === 'getUpdates')).toEqual([]);
  });

  it('answers 401 to a wrong or missing secret and handles nothing, then processes the update with the right one', async () => {
    const mark = h.fake.calls.length;
    const update = h.fake.sendUserMessage({ chatId: ALLOWED, text: '/start' });
    expect(await h.fake.postUpdateToWebhook(update, 'not-the-secret')).toBe(401);
    const bare = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });
    expect(bare.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentTo(ALLOWED, mark)).toEqual([]);

    expect(await h.fake.postUpdateToWebhook(update)).toBe(200);
    const reply = await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === ALLOWED, 5000, mark);
    expect(String(reply.params.text)).toMatch(/^Hi .*! Send me a link/);
  });

  it('downloads a link that came through the webhook', async () => {
    const mark = h.fake.calls.length;
    const update = h.fake.sendUserMessage({ chatId: ALLOWED, text: `${h.media.origin}/clip.mp4` });
    expect(await h.fake.postUpdateToWebhook(update)).toBe(200);
    const video = await h.fake.waitFor((c) => c.method === 'sendVideo' && c.params.chat_id === ALLOWED, 20_000, mark);
    expect(video.status).toBe(200);
    expect((video.response.ok ? (video.response.result as Message) : undefined)?.video).toMatchObject({ width: 320, height: 180 });
  });
});

describe('a private bot', () => {
  it('refuses users outside ALLOWED_USER_IDS once, and takes no link from them', async () => {
    const mark = h.fake.calls.length;
    const update = h.fake.sendUserMessage({ chatId: STRANGER, text: `${h.media.origin}/clip.mp4?s=1` });
    expect(await h.fake.postUpdateToWebhook(update)).toBe(200);
    const reply = await h.fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === STRANGER, 5000, mark);
    expect(reply.params.text).toBe('Sorry, this is a private bot.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentTo(STRANGER, mark)).toHaveLength(1);
    expect(h.bot.store.recentJobs(STRANGER)).toEqual([]);
  });
});
