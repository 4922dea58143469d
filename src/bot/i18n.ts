/**
 * The bot's languages: grammY's i18n plugin over the Fluent files in templates/ (en.ftl,
 * ro.ftl). A user's language is the one they picked in /settings, else their Telegram app's,
 * else English. Jobs run outside any update, so they translate with `i18n.t(locale, key)`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { I18n, type I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { ErrorCode } from '../utils/errors.js';
import { LANGUAGES, type Language, type UserSettings } from './store.js';

/** The context every bot handler receives. */
export type BotContext = Context & I18nFlavor;

/** A translate function bound to one locale. */
export type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** templates/ of the package, found from src/bot/ (tests) and dist/bot/ (built) alike. */
export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

/** The language for a user: their setting, else their app's language when we speak it, else English. */
export function pickLanguage(settings: Pick<UserSettings, 'language'>, languageCode: string | undefined): Language {
  if (settings.language) return settings.language;
  const app = languageCode?.toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(app as Language) ? (app as Language) : 'en';
}

/** Loads the Fluent files; `negotiate` picks the locale of an update. */
export function createI18n(negotiate: (ctx: BotContext) => Language, directory = TEMPLATES_DIR): I18n<BotContext> {
  if (!existsSync(join(directory, 'en.ftl'))) throw new Error(`The bot's message templates are missing: ${directory}/en.ftl`);
  return new I18n<BotContext>({
    defaultLocale: 'en',
    directory,
    // Fluent wraps variables in Unicode isolation marks by default; in Telegram they show up
    // as invisible junk inside links and numbers
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: negotiate,
  });
}

/** The translate function of one locale, outside an update (jobs, broadcasts). */
export function translator(i18n: I18n<BotContext>, locale: string): Translate {
  return (key, variables) => i18n.t(locale, key, variables);
}

/** The Fluent key of the user-facing sentence for an error code ("content.too_large" → "error-content-too_large"). */
export function errorKey(code: ErrorCode): string {
  return `error-${code.replace('.', '-')}`;
}
