/**
 * /settings: the user's default quality (or "ask"), format (video or audio), audio format,
 * no-watermark preference, captions on/off and language, as buttons that change one setting
 * each and redraw the message. Stored in SQLite, so they survive restarts.
 */
import { Composer, GrammyError } from 'grammy';
import type { BotContext, Translate } from './i18n.js';
import { settingsKeyboard } from './keyboards.js';
import { LANGUAGES, QUALITY_SETTINGS, type Language, type QualitySetting, type UserSettings } from './store.js';
import type { BotServices } from './services.js';

/** The settings message text. */
export function settingsText(settings: UserSettings, t: Translate): string {
  const onOff = (on: boolean) => t(on ? 'value-on' : 'value-off');
  return t('settings-body', {
    quality: t(settings.quality === 'ask' ? 'settings-quality-ask' : `quality-${settings.quality}`),
    format: t(`settings-format-${settings.format}`),
    audioFormat: settings.audioFormat.toUpperCase(),
    noWatermark: onOff(settings.noWatermark),
    captions: onOff(settings.captions),
    language: t(`language-${settings.language ?? 'auto'}`),
  });
}

/** The change a settings button asks for; undefined for data that is not a valid setting. */
export function settingsPatch(field: string, value: string): Partial<UserSettings> | undefined {
  switch (field) {
    case 'q':
      return QUALITY_SETTINGS.includes(value as QualitySetting) ? { quality: value as QualitySetting } : undefined;
    case 'f':
      return value === 'video' || value === 'audio' ? { format: value } : undefined;
    case 'a':
      return value === 'm4a' || value === 'mp3' ? { audioFormat: value } : undefined;
    case 'w':
      return value === '0' || value === '1' ? { noWatermark: value === '1' } : undefined;
    case 'c':
      return value === '0' || value === '1' ? { captions: value === '1' } : undefined;
    case 'l':
      if (value === 'auto') return { language: undefined };
      return LANGUAGES.includes(value as Language) ? { language: value as Language } : undefined;
    default:
      return undefined;
  }
}

/** /settings and its buttons. */
export function settingsComposer(s: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('settings', async (ctx) => {
    if (!ctx.from) return;
    const settings = s.store.settings(ctx.from.id);
    await ctx.reply(settingsText(settings, ctx.t), { reply_markup: settingsKeyboard(settings, ctx.t) });
  });

  composer.callbackQuery(/^s:(\w):(\w{1,8})$/, async (ctx) => {
    const [, field = '', value = ''] = ctx.match;
    const patch = settingsPatch(field, value);
    if (!patch) return void (await ctx.answerCallbackQuery());
    const settings = s.store.updateSettings(ctx.from.id, patch);
    // a new language applies to this very answer
    if ('language' in patch) await ctx.i18n.renegotiateLocale();
    await ctx.answerCallbackQuery({ text: ctx.t('settings-saved') });
    try {
      await ctx.editMessageText(settingsText(settings, ctx.t), { reply_markup: settingsKeyboard(settings, ctx.t) });
    } catch (error) {
      // pressing the button of the value already set changes nothing on screen
      if (!(error instanceof GrammyError && /message is not modified/.test(error.description))) throw error;
    }
  });

  return composer;
}
