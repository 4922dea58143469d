/**
 * Inline keyboards and their callback_data. Telegram allows 64 bytes of callback_data, so a
 * button never carries a URL: it carries the 11-character key of a stored choice, or the id of
 * the queue job that holds the link.
 *
 *   q:<key>:<choice>     download the stored link as <choice> (best, 1080p, …, audio)
 *   lq:<job id>:<choice> download the link of that (failed) job again as <choice>; the job is in
 *                        the shared queue, so the bot that gets the press need not be the
 *                        process whose worker made the button
 *   pl:<key>:all|first   download every entry of the stored playlist batch, or only its first
 *   s:<field>:<value>    change one setting
 */
import { InlineKeyboard } from 'grammy';
import { KEYBOARD_CHOICES, type Choice } from './request.js';
import { LANGUAGES, QUALITY_SETTINGS, type UserSettings } from './store.js';
import type { Translate } from './i18n.js';

/** callback_data of a quality button. */
export function choiceData(key: string, choice: Choice): string {
  return `q:${key}:${choice}`;
}

/** The buttons under a link when the user's setting is "ask". */
export function qualityKeyboard(key: string, t: Translate): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  const [best, ...rest] = KEYBOARD_CHOICES;
  keyboard.text(t(`quality-${best}`), choiceData(key, best!)).row();
  for (const choice of rest) keyboard.text(t(`quality-${choice}`), choiceData(key, choice));
  return keyboard;
}

/** Telegram's limit for one button's callback_data. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/** callback_data of a "try again in another quality" button for a job's link; undefined when the job id is too long for it. */
export function retryJobData(jobId: string, choice: Choice): string | undefined {
  const data = `lq:${jobId}:${choice}`;
  return Buffer.byteLength(data) <= CALLBACK_DATA_MAX_BYTES ? data : undefined;
}

/** One button offering the same link in a lower quality (after a too-large result); `data` is its callback_data. */
export function lowerQualityKeyboard(data: string, choice: Choice, t: Translate): InlineKeyboard {
  return new InlineKeyboard().text(t('button-try-quality', { quality: t(`quality-${choice}`) }), data);
}

/** What a playlist button asks for. */
export type PlaylistAction = 'all' | 'first';

/** callback_data of a playlist button. */
export function playlistData(key: string, action: PlaylistAction): string {
  return `pl:${key}:${action}`;
}

/** The buttons under a playlist offer: every entry (`count` of them) or just the first. */
export function playlistKeyboard(key: string, count: number, t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t('button-playlist-all', { count }), playlistData(key, 'all'))
    .row()
    .text(t('button-playlist-first'), playlistData(key, 'first'));
}

/** The /settings keyboard; the current value of each row is marked. */
export function settingsKeyboard(settings: UserSettings, t: Translate): InlineKeyboard {
  const mark = (on: boolean, label: string) => (on ? `✅ ${label}` : label);
  const keyboard = new InlineKeyboard();
  const qualities = QUALITY_SETTINGS.map((q) => [q, t(q === 'ask' ? 'settings-quality-ask' : `quality-${q}`)] as const);
  for (const [i, [quality, label]] of qualities.entries()) {
    keyboard.text(mark(settings.quality === quality, label), `s:q:${quality}`);
    if (i === 2) keyboard.row();
  }
  keyboard.row();
  keyboard.text(mark(settings.format === 'video', t('settings-format-video')), 's:f:video');
  keyboard.text(mark(settings.format === 'audio', t('settings-format-audio')), 's:f:audio');
  keyboard.row();
  keyboard.text(mark(settings.audioFormat === 'm4a', 'M4A'), 's:a:m4a');
  keyboard.text(mark(settings.audioFormat === 'mp3', 'MP3'), 's:a:mp3');
  keyboard.row();
  keyboard.text(t(settings.noWatermark ? 'settings-watermark-on' : 'settings-watermark-off'), `s:w:${settings.noWatermark ? 0 : 1}`);
  keyboard.text(t(settings.captions ? 'settings-captions-on' : 'settings-captions-off'), `s:c:${settings.captions ? 0 : 1}`);
  keyboard.row();
  for (const language of LANGUAGES) keyboard.text(mark(settings.language === language, t(`language-${language}`)), `s:l:${language}`);
  keyboard.text(mark(settings.language === undefined, t('language-auto')), 's:l:auto');
  return keyboard;
}
