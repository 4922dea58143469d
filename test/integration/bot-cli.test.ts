/**
 * `dlbot bot` as an operator runs it (the built CLI in a child process): a clear configuration
 * error without a token or with a refused one, and with a good token it answers users until
 * SIGTERM, then stops cleanly with exit code 0.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../support/fake-telegram/index.js';

const runFile = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dlbot');

let dir: string;
let fake: FakeTelegram;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-bot-cli-'));
  fake = await FakeTelegram.start();
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: join(dir, 'data'), TELEGRAM_API_ROOT: fake.apiRoot });

async function dlbot(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await runFile(process.execPath, [BIN, 'bot'], { env: { ...baseEnv(), ...env }, timeout: 20_000 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('dlbot bot', () => {
  it('stops with a configuration error (exit 2) when BOT_TOKEN is missing', async () => {
    const { code, stderr } = await dlbot({});
    expect(code).toBe(2);
    expect(stderr).toBe('dlbot: BOT_TOKEN is not set: create a bot with @BotFather (/newbot) and put its token in BOT_TOKEN.\n');
  });

  it('says what to do when Telegram refuses the token', async () => {
    const { code, stderr } = await dlbot({ BOT_TOKEN: '123456:wrong-token-for-this-server' });
    expect(code).toBe(2);
    expect(stderr).toContain('dlbot: Telegram refused BOT_TOKEN (401 Unauthorized): check the token with @BotFather (/token).');
    expect(stderr).not.toContain('wrong-token');
  });

  it('answers users until SIGTERM, then stops gracefully', async () => {
    const child = spawn(process.execPath, [BIN, 'bot'], { env: { ...baseEnv(), BOT_TOKEN: fake.token, LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // a long poll is recorded only when it returns; deleteWebhook comes right before polling starts
      await fake.waitFor('deleteWebhook', 15_000);
      const mark = fake.calls.length;
      fake.sendUserMessage({ chatId: 3001, text: '/start', firstName: 'Ana' });
      const reply = await fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === 3001, 10_000, mark);
      expect(String(reply.params.text)).toMatch(/^Hi Ana! Send me a link/);
      expect(fake.calls.find((c) => c.method === 'setMyCommands')?.params.commands).toContainEqual({ command: 'settings', description: 'Quality, format, language' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"bot started"');
    expect(stderr).toContain('"msg":"bot stopped"');
    expect(stderr).not.toContain(fake.token);
    // the handled /start was confirmed: nothing is left for the next start
    expect(fake.pendingUpdates()).toEqual([]);
  });
});
