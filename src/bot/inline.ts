/**
 * Inline mode: "@bot <link>" in any chat. Media the bot already sent (same platform, id,
 * quality and format) is offered at once from its file_id; anything else gets a button that
 * opens the private chat with a /start payload naming the stored link, where it is downloaded.
 * Inline answers must come within seconds, so nothing is ever downloaded here.
 */
import { createHash } from 'node:crypto';
import { Composer } from 'grammy';
import type { InlineQueryResult } from 'grammy/types';
import { captionHtml } from './caption.js';
import { DEEP_LINK_PREFIX } from './commands.js';
import type { BotContext } from './i18n.js';
import { cacheKey, requestFor } from './request.js';
import type { BotServices } from './services.js';
import type { CachedMedia } from './store.js';

/** The first word of the query that is a supported link. */
function linkIn(query: string, s: BotServices): { url: string; platform: string; id: string | null } | undefined {
  for (const word of query.split(/\s+/).filter(Boolean).slice(0, 5)) {
    const detected = s.engine.platforms.detect(word);
    if (detected.platform && s.engine.platforms.isEnabled(detected.platform)) return { url: word, platform: detected.platform, id: detected.id };
  }
  return undefined;
}

/** Inline results for cached media: one per file, re-sent by file_id. */
export function cachedResults(cached: CachedMedia, key: string, caption: string | undefined): InlineQueryResult[] {
  const base = createHash('sha1').update(key).digest('base64url').slice(0, 20);
  const title = cached.title ?? cached.url;
  const withCaption = caption ? { caption, parse_mode: 'HTML' as const } : {};
  return cached.items.map((item, i): InlineQueryResult => {
    const id = `${base}-${i}`;
    switch (item.kind) {
      case 'video':
        return { type: 'video', id, video_file_id: item.fileId, title, ...withCaption };
      case 'audio':
        return { type: 'audio', id, audio_file_id: item.fileId, ...withCaption };
      case 'photo':
        return { type: 'photo', id, photo_file_id: item.fileId, ...withCaption };
      case 'animation':
        return { type: 'mpeg4_gif', id, mpeg4_file_id: item.fileId, ...withCaption };
      default:
        return { type: 'document', id, document_file_id: item.fileId, title, ...withCaption };
    }
  });
}

/** Answers inline queries. */
export function inlineComposer(s: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.on('inline_query', async (ctx) => {
    const link = linkIn(ctx.inlineQuery.query, s);
    if (!link) {
      await ctx.answerInlineQuery([], { cache_time: 300, button: { text: ctx.t('inline-hint'), start_parameter: 'help' } });
      return;
    }
    const settings = s.store.settings(ctx.from.id);
    const request = requestFor(settings);
    const key = link.id ? cacheKey(link.platform, link.id, request) : undefined;
    const cached = key ? s.store.cached(key) : undefined;
    if (cached && key) {
      const caption = settings.captions ? captionHtml({ ...cached, sourceLabel: ctx.t('caption-source') }) : undefined;
      await ctx.answerInlineQuery(cachedResults(cached, key, caption), { cache_time: 60, is_personal: true });
      return;
    }
    const choice = s.store.createChoice({ url: link.url, userId: ctx.from.id, chatId: ctx.from.id });
    await ctx.answerInlineQuery([], {
      cache_time: 0,
      is_personal: true,
      button: { text: ctx.t('inline-send-private'), start_parameter: `${DEEP_LINK_PREFIX}${choice}` },
    });
  });

  return composer;
}
