/**
 * The bot's words: captions cut safely to Telegram's 1024, links found in messages, progress
 * numbers, the edit throttle, settings buttons, language choice, and the Fluent files (same
 * keys in every language, a sentence for every error code).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { CAPTION_MAX_CHARS, captionHtml, cutText, escapeHtml } from '../../src/bot/caption.js';
import { linksIn, mentions, repliesTo } from '../../src/bot/links.js';
import { EditThrottle, formatBytes, formatDuration, SpeedMeter } from '../../src/bot/progress.js';
import { settingsPatch, settingsText } from '../../src/bot/settings.js';
import { createI18n, errorKey, pickLanguage, TEMPLATES_DIR, translator } from '../../src/bot/i18n.js';
import { DEFAULT_SETTINGS } from '../../src/bot/store.js';
import { ERROR_CODES, type ErrorCode } from '../../src/utils/errors.js';

/** What Telegram shows for our HTML: tags removed, the four entities decoded. */
const visible = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('captions', () => {
  it('escapes HTML and links the source', () => {
    expect(captionHtml({ title: 'Tom & Jerry <3', uploader: '"ana"', url: 'https://x.com/a?b=1&c=2', sourceLabel: '🔗 Source' })).toBe(
      '<b>Tom &amp; Jerry &lt;3</b>\n&quot;ana&quot;\n<a href="https://x.com/a?b=1&amp;c=2">🔗 Source</a>',
    );
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('puts a long title on one line and cuts it so the visible caption is at most 1024', () => {
    const title = 'Ünïcødé & <tags> '.repeat(200);
    const html = captionHtml({ title, uploader: 'someone', url: 'https://example.com/v', sourceLabel: '🔗 Source' });
    const text = visible(html);
    expect(text.length).toBeLessThanOrEqual(CAPTION_MAX_CHARS);
    expect(text.length).toBeGreaterThan(CAPTION_MAX_CHARS - 5);
    expect(text.endsWith('…\nsomeone\n🔗 Source')).toBe(true);
    // the cut happened before escaping: no broken entity
    expect(html).not.toMatch(/&[a-z]*…|&(?!amp;|lt;|gt;|quot;)/);
  });

  it('never cuts an emoji in half', () => {
    const title = '😀'.repeat(600); // 1200 UTF-16 units
    const text = visible(captionHtml({ title, sourceLabel: 'S' }, 101));
    expect(text.length).toBeLessThanOrEqual(101);
    expect(text).toMatch(/^(😀)+…$/u);
    expect(cutText('ab😀cd', 3)).toBe('ab…');
    expect(cutText('short', 10)).toBe('short');
  });

  it('cuts the uploader too when the title alone is not enough, and leaves out a non-web link', () => {
    const text = visible(captionHtml({ title: 'T'.repeat(50), uploader: 'U'.repeat(2000), url: 'javascript:alert(1)', sourceLabel: 'S' }, 100));
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).not.toContain('S');
    expect(captionHtml({ url: 'https://a.b/', sourceLabel: 'Src' })).toBe('<a href="https://a.b/">Src</a>');
  });
});

describe('links in a message', () => {
  const message = (m: Partial<Message>) => ({ message_id: 1, date: 0, chat: { id: 1, type: 'private', first_name: 'a' }, ...m }) as Message;

  it('takes URLs and text links from text or caption, in order, without repeats, up to the limit', () => {
    const text = 'a youtu.be/x then https://x.com/u/status/1 and youtu.be/x again';
    const m = message({
      text,
      entities: [
        { type: 'url', offset: 2, length: 10 },
        { type: 'bold', offset: 13, length: 4 },
        { type: 'url', offset: 18, length: 24 },
        { type: 'url', offset: 47, length: 10 },
        { type: 'text_link', offset: 58, length: 5, url: 'https://vimeo.com/1' },
      ],
    });
    expect(linksIn(m, 5)).toEqual(['youtu.be/x', 'https://x.com/u/status/1', 'https://vimeo.com/1']);
    expect(linksIn(m, 2)).toEqual(['youtu.be/x', 'https://x.com/u/status/1']);
    expect(linksIn(message({ caption: '👀 https://t.co/a', caption_entities: [{ type: 'url', offset: 3, length: 14 }] }), 5)).toEqual(['https://t.co/a']);
  });

  it('knows a mention of the bot and a reply to it', () => {
    const m = message({ text: 'hey @DL_Bot look', entities: [{ type: 'mention', offset: 4, length: 7 }] });
    expect(mentions(m, 'dl_bot')).toBe(true);
    expect(mentions(m, 'other_bot')).toBe(false);
    expect(repliesTo(message({ reply_to_message: message({ from: { id: 42, is_bot: true, first_name: 'b' } }) as never }), 42)).toBe(true);
    expect(repliesTo(m, 42)).toBe(false);
  });
});

describe('progress', () => {
  it.each([
    [0, '0 B'],
    [900, '900 B'],
    [1536, '1.5 KB'],
    [20 * 1024 * 1024, '20.0 MB'],
    [150 * 1024 * 1024, '150 MB'],
    [1.2 * 1024 ** 3, '1.20 GB'],
  ])('formats %i bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [4.4, '4 s'],
    [125, '2 min 05 s'],
    [3780, '1 h 03 min'],
  ])('formats %f s as %s', (sec, text) => {
    expect(formatDuration(sec)).toBe(text);
  });

  it('measures speed over a sliding window and starts over for a new item', () => {
    const meter = new SpeedMeter(5000);
    meter.sample(0, 0);
    expect(meter.bytesPerSec).toBeUndefined();
    meter.sample(1_000_000, 1000);
    expect(meter.bytesPerSec).toBe(1_000_000);
    meter.sample(1_500_000, 2000);
    expect(meter.bytesPerSec).toBe(750_000);
    meter.sample(100, 2100);
    expect(meter.bytesPerSec).toBeUndefined();
  });

  it('allows one edit per interval, counted from the message itself', () => {
    const throttle = new EditThrottle(3000, 10_000);
    expect(throttle.due(12_999)).toBe(false);
    expect(throttle.due(13_000)).toBe(true);
    throttle.mark(13_000);
    expect(throttle.due(15_000)).toBe(false);
    expect(throttle.due(16_000)).toBe(true);
  });
});

describe('settings buttons', () => {
  it.each([
    ['q', 'ask', { quality: 'ask' }],
    ['q', '720p', { quality: '720p' }],
    ['q', '4k', undefined],
    ['f', 'audio', { format: 'audio' }],
    ['a', 'mp3', { audioFormat: 'mp3' }],
    ['a', 'flac', undefined],
    ['w', '0', { noWatermark: false }],
    ['c', '1', { captions: true }],
    ['l', 'ro', { language: 'ro' }],
    ['l', 'auto', { language: undefined }],
    ['l', 'de', undefined],
    ['x', '1', undefined],
  ])('s:%s:%s changes %j', (field, value, patch) => {
    expect(settingsPatch(field, value)).toEqual(patch);
  });
});

describe('languages', () => {
  it('uses the chosen language, else the app language when spoken, else English', () => {
    expect(pickLanguage({ language: 'en' }, 'ro')).toBe('en');
    expect(pickLanguage({}, 'ro-RO')).toBe('ro');
    expect(pickLanguage({}, 'de')).toBe('en');
    expect(pickLanguage({}, undefined)).toBe('en');
  });

  const ids = (file: string) =>
    readFileSync(join(TEMPLATES_DIR, file), 'utf8')
      .split('\n')
      .map((line) => /^([a-z][\w-]*) =/.exec(line)?.[1])
      .filter((id): id is string => !!id)
      .sort();

  it('has the same messages in every language', () => {
    expect(ids('ro.ftl')).toEqual(ids('en.ftl'));
    expect(ids('en.ftl').length).toBeGreaterThan(80);
  });

  it('has a sentence for every error code in every language, without Fluent isolation marks', () => {
    const i18n = createI18n(() => 'en');
    for (const locale of ['en', 'ro']) {
      const t = translator(i18n, locale);
      for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
        const text = t(errorKey(code), { limit: '50 MB' });
        expect(text).not.toBe(errorKey(code));
        expect(text).toMatch(/^[A-ZĂÎȘȚÂ]/u);
        expect(text).not.toMatch(/[\u2068\u2069]/);
      }
      expect(t('error-content-too_large', { limit: '50 MB' })).toContain('50 MB');
    }
    expect(settingsText(DEFAULT_SETTINGS, translator(i18n, 'ro'))).toBe(
      '⚙️ Setările tale\nCalitate: 🎬 Cea mai bună\nFormat: 🎬 Video (audio ca M4A)\nFără watermark: da\nDescrieri: da\nLimbă: Automat',
    );
  });
});
