/**
 * Who may use the bot and its admin commands. ADMIN_IDS are the bot's operators (/status,
 * /broadcast, and every group's /autodownload); ALLOWED_USER_IDS, when set, makes the bot
 * private: anyone else gets one polite refusal and nothing else.
 */
import type { Api, MiddlewareFn } from 'grammy';
import type { Config } from '../utils/config.js';
import type { BotContext } from './i18n.js';

/** True for an operator listed in ADMIN_IDS. */
export function isAdmin(config: Pick<Config, 'adminIds'>, userId: number | undefined): boolean {
  return userId !== undefined && config.adminIds.includes(userId);
}

/** True when ALLOWED_USER_IDS is empty (public bot) or lists the user; admins are always allowed. */
export function isAllowed(config: Pick<Config, 'adminIds' | 'allowedUserIds'>, userId: number | undefined): boolean {
  if (config.allowedUserIds.length === 0) return true;
  return userId !== undefined && (config.allowedUserIds.includes(userId) || isAdmin(config, userId));
}

/** Stops updates from users a private bot does not serve. */
export function allowlist(config: Config): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (isAllowed(config, ctx.from?.id)) return next();
    if (ctx.inlineQuery) return void (await ctx.answerInlineQuery([], { cache_time: 60, is_personal: true }));
    if (ctx.callbackQuery) return void (await ctx.answerCallbackQuery({ text: ctx.t('private-bot') }));
    // in groups a stranger's messages are simply not ours to answer
    if (ctx.chat?.type === 'private' && ctx.message) await ctx.reply(ctx.t('private-bot'));
  };
}

/** True when the user administers the group (or is a bot operator). */
export async function canManageGroup(api: Api, config: Config, chatId: number, userId: number): Promise<boolean> {
  if (isAdmin(config, userId)) return true;
  const member = await api.getChatMember(chatId, userId);
  return member.status === 'creator' || member.status === 'administrator';
}
