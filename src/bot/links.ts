/**
 * Reading a Telegram message: the links in it (text or caption, plain URLs and text links,
 * forwarded messages included), and whether a group message is addressed to the bot. Pure
 * functions over the Message object; Telegram already found the URLs, so no regex guesses.
 */
import type { Message, MessageEntity } from 'grammy/types';

/** The distinct links of a message in order of appearance, at most `max`. */
export function linksIn(message: Message, max: number): string[] {
  const text = message.text ?? message.caption ?? '';
  const entities: MessageEntity[] = message.entities ?? message.caption_entities ?? [];
  const out: string[] = [];
  for (const entity of entities) {
    let link: string | undefined;
    // offsets are UTF-16 code units, which is exactly how JavaScript indexes strings
    if (entity.type === 'url') link = text.slice(entity.offset, entity.offset + entity.length);
    else if (entity.type === 'text_link') link = entity.url;
    if (link && !out.includes(link)) out.push(link);
    if (out.length >= max) break;
  }
  return out;
}

/** True when the message mentions @username (case-insensitive, as Telegram matches usernames). */
export function mentions(message: Message, username: string): boolean {
  const text = message.text ?? message.caption ?? '';
  const entities = message.entities ?? message.caption_entities ?? [];
  const wanted = `@${username}`.toLowerCase();
  return entities.some((e) => e.type === 'mention' && text.slice(e.offset, e.offset + e.length).toLowerCase() === wanted);
}

/** True when the message replies to a message the bot sent. */
export function repliesTo(message: Message, botId: number): boolean {
  return message.reply_to_message?.from?.id === botId;
}
