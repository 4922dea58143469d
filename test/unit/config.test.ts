import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/utils/config.js';

describe('config', () => {
  it('loads the shipped defaults', () => {
    const c = loadConfig({});
    expect(c.maxMemoryMb).toBe(200);
    expect(c.coldStartTarget).toBe(10);
    expect(c.cacheSizeMb).toBe(50);
    expect(c.rateLimitRequestsPerMinute).toBe(60);
    expect(c.retryMaxAttempts).toBe(3);
    expect(c.telegramLocalApi).toBe(false);
    expect(c.enablePlatforms).toEqual([]);
    expect(c.botToken).toBeUndefined();
  });

  it('lets the environment override the file and parses lists and booleans', () => {
    const c = loadConfig({
      MAX_MEMORY_MB: '150',
      ADMIN_IDS: '1, 22,-333',
      ENABLE_PLATFORMS: 'youtube,tiktok',
      TELEGRAM_LOCAL_API: 'true',
      PROXY_URL: 'socks5://127.0.0.1:1080',
      BOT_TOKEN: '123456:ABC-def_ghi',
    });
    expect(c.maxMemoryMb).toBe(150);
    expect(c.adminIds).toEqual([1, 22, -333]);
    expect(c.enablePlatforms).toEqual(['youtube', 'tiktok']);
    expect(c.telegramLocalApi).toBe(true);
    expect(c.proxyUrl).toBe('socks5://127.0.0.1:1080');
  });

  it.each([
    [{ MAX_MEMORY_MB: 'abc' }, /MAX_MEMORY_MB="abc".*number/],
    [{ MAX_MEMORY_MB: '12.5' }, /MAX_MEMORY_MB.*whole number/],
    [{ HTTP_PORT: '70000' }, /HTTP_PORT/],
    [{ ADMIN_IDS: '12,abc' }, /ADMIN_IDS.*numeric/],
    [{ TELEGRAM_LOCAL_API: 'maybe' }, /TELEGRAM_LOCAL_API.*true or false/],
    [{ PROXY_URL: 'ftp://proxy' }, /PROXY_URL/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ BOT_TOKEN: 'not-a-token' }, /BOT_TOKEN=<hidden>/],
  ])('refuses %o with one line naming the variable', (env, pattern) => {
    let error: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads CONFIG_FILE between the defaults and the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlbot-config-'));
    const file = join(dir, 'local.yaml');
    writeFileSync(file, 'performance:\n  concurrency: 7\n  cache_size_mb: 20\n');
    const c = loadConfig({ CONFIG_FILE: file, CACHE_SIZE_MB: '30' });
    expect(c.concurrency).toBe(7);
    expect(c.cacheSizeMb).toBe(30);
  });
});
