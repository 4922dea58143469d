/**
 * Message text formatting as Telegram does it: the HTML, MarkdownV2 and legacy Markdown parse
 * modes (ported from TDLib's parse_html / parse_markdown_v2 / parse_markdown, with their error
 * texts), and the entities Telegram finds by itself in any text (links, e-mails, @mentions,
 * #hashtags, /commands). Offsets and lengths are UTF-16 code units, which is what a JS string
 * index counts, as in the Bot API.
 */
import type { MessageEntity, User } from 'grammy/types';

/** Text with its entities, as a Message carries them. */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/** A parse-mode error; the message is TDLib's, without the "can't parse entities: " prefix. */
export class EntityParseError extends Error {}

const END = '\0';

/** TDLib's is_space: NUL counts, so scanning stops at the end of the text. */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === END || c === '\v' || c === '\f';
}

/** TDLib reports positions as UTF-8 byte offsets into the original text. */
function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index));
}

/** Reads a character with TDLib's convention that the text is NUL-terminated. */
function charAt(text: string, index: number): string {
  return index < text.length ? (text[index] as string) : END;
}

// ---------------------------------------------------------------------------------------------
// Links inside text_link entities

/** tg://user?id=N makes a text_mention; Telegram fills the user from its database. */
function linkUserId(url: string): number | null {
  const match = /^tg:(?:\/\/)?user\?id=(\d+)$/i.exec(url.trim());
  return match ? Number(match[1]) : null;
}

/**
 * LinkManager::get_checked_link: a link Telegram accepts comes back normalised, one it does
 * not accept yields '' and the entity is silently dropped (no error).
 */
export function checkedLink(raw: string): string {
  const url = raw.trim();
  if (url === '') return '';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'tg' || scheme === 'ton') return url;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    // "host:port" without a scheme parses as a scheme; anything else is not a web link.
    if (!/^[^/]+:\d+/.test(url)) return '';
  }
  try {
    const parsed = new URL(scheme === 'http' || scheme === 'https' ? url : `http://${url}`);
    if (!parsed.hostname.includes('.') && parsed.hostname !== 'localhost') return '';
    return parsed.href;
  } catch {
    return '';
  }
}

function linkEntity(offset: number, length: number, url: string): MessageEntity | null {
  const userId = linkUserId(url);
  if (userId !== null) {
    const user: User = { id: userId, is_bot: false, first_name: '' };
    return { type: 'text_mention', offset, length, user };
  }
  const checked = checkedLink(url);
  return checked === '' ? null : { type: 'text_link', offset, length, url: checked };
}

function customEmojiEntity(offset: number, length: number, id: string): MessageEntity {
  if (!/^\d+$/.test(id) || /^0+$/.test(id)) throw new EntityParseError('Invalid custom emoji identifier specified');
  return { type: 'custom_emoji', offset, length, custom_emoji_id: id };
}

// Entity order in messages: by offset, longer first (outer before inner), then by type priority.
const TYPE_PRIORITY: Record<string, number> = {
  blockquote: 0, expandable_blockquote: 0, pre: 11, code: 20, text_link: 49, text_mention: 49,
  mention: 50, hashtag: 50, bot_command: 50, url: 50, email: 50, cashtag: 50, phone_number: 50,
  bold: 90, italic: 91, underline: 92, strikethrough: 93, spoiler: 94, custom_emoji: 99,
};

export function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort(
    (a, b) =>
      a.offset - b.offset || b.length - a.length || (TYPE_PRIORITY[a.type] ?? 50) - (TYPE_PRIORITY[b.type] ?? 50),
  );
}

// ---------------------------------------------------------------------------------------------
// HTML

const HTML_TAGS = new Set([
  'a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins',
  'tg-spoiler', 'tg-emoji', 'span', 'pre', 'code', 'blockquote',
]);

/** &lt; &gt; &amp; &quot; and numeric references; anything else stays literal, as in TDLib. */
function decodeHtmlEntity(text: string, pos: number): { char: string; end: number } | null {
  let end = pos + 1;
  let code = 0;
  if (charAt(text, pos + 1) === '#') {
    end++;
    if (charAt(text, pos + 2) === 'x') {
      end++;
      while (/[0-9a-fA-F]/.test(charAt(text, end))) code = code * 16 + parseInt(charAt(text, end++), 16);
    } else {
      while (/[0-9]/.test(charAt(text, end))) code = code * 10 + Number(charAt(text, end++));
    }
    if (code === 0 || code >= 0x10ffff || end - pos >= 10) return null;
  } else {
    while (/[a-zA-Z]/.test(charAt(text, end))) end++;
    const name = text.slice(pos + 1, end);
    const named: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34 };
    const value = named[name];
    if (value === undefined) return null;
    code = value;
  }
  if (charAt(text, end) === ';') end++;
  return { char: String.fromCodePoint(code), end };
}

interface OpenTag {
  tag: string;
  argument: string;
  offset: number;
  expandable: boolean;
}

/** Telegram's parse_mode=HTML; throws EntityParseError with TDLib's message on bad markup. */
export function parseHtml(input: string): FormattedText {
  let out = '';
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];

  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === '&') {
      const decoded = decodeHtmlEntity(input, i);
      if (decoded) {
        out += decoded.char;
        i = decoded.end - 1;
        continue;
      }
    }
    if (c !== '<') {
      out += c;
      continue;
    }

    const begin = i++;
    const at = byteOffset(input, begin);
    if (charAt(input, i) !== '/') {
      while (!isSpace(charAt(input, i)) && charAt(input, i) !== '>') i++;
      if (charAt(input, i) === END) throw new EntityParseError(`Unclosed start tag at byte offset ${at}`);
      const tag = input.slice(begin + 1, i).toLowerCase();
      if (!HTML_TAGS.has(tag)) throw new EntityParseError(`Unsupported start tag "${tag}" at byte offset ${at}`);

      let argument = '';
      let expandable = false;
      while (charAt(input, i) !== '>') {
        while (charAt(input, i) !== END && isSpace(charAt(input, i))) i++;
        if (charAt(input, i) === '>') break;
        const nameStart = i;
        while (!isSpace(charAt(input, i)) && charAt(input, i) !== '=' && charAt(input, i) !== '>') i++;
        const attribute = input.slice(nameStart, i);
        if (attribute === '') {
          throw new EntityParseError(`Empty attribute name in the tag "${tag}" at byte offset ${at}`);
        }
        while (charAt(input, i) !== END && isSpace(charAt(input, i))) i++;
        if (tag === 'blockquote' && attribute.toLowerCase() === 'expandable' && charAt(input, i) !== '=') {
          // The one attribute Telegram takes without a value.
          expandable = true;
          continue;
        }
        if (charAt(input, i) !== '=') {
          throw new EntityParseError(
            `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${at}`,
          );
        }
        i++;
        while (charAt(input, i) !== END && isSpace(charAt(input, i))) i++;
        if (charAt(input, i) === END) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${at}`);

        let value = '';
        const quote = charAt(input, i);
        if (quote !== "'" && quote !== '"') {
          const tokenStart = i;
          while (/[a-zA-Z0-9.-]/.test(charAt(input, i))) i++;
          value = input.slice(tokenStart, i).toLowerCase();
          if (!isSpace(charAt(input, i)) && charAt(input, i) !== '>') {
            throw new EntityParseError(`Unexpected end of name token at byte offset ${byteOffset(input, tokenStart)}`);
          }
        } else {
          i++;
          while (charAt(input, i) !== quote && charAt(input, i) !== END) {
            if (charAt(input, i) === '&') {
              const decoded = decodeHtmlEntity(input, i);
              if (decoded) {
                value += decoded.char;
                i = decoded.end;
                continue;
              }
            }
            value += charAt(input, i++);
          }
          if (charAt(input, i) === quote) i++;
        }
        if (charAt(input, i) === END) throw new EntityParseError(`Unclosed start tag at byte offset ${at}`);

        if (tag === 'a' && attribute === 'href') argument = value;
        else if (tag === 'code' && attribute === 'class' && value.startsWith('language-')) argument = value.slice(9);
        else if (tag === 'span' && attribute === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && attribute === 'emoji-id') argument = value;
      }

      if (tag === 'span' && argument !== 'spoiler') {
        throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
      }
      open.push({ tag, argument, offset: out.length, expandable });
      continue;
    }

    // An end tag.
    const top = open.at(-1);
    if (!top) throw new EntityParseError(`Unexpected end tag at byte offset ${at}`);
    while (!isSpace(charAt(input, i)) && charAt(input, i) !== '>') i++;
    const endTag = input.slice(begin + 2, i).toLowerCase();
    while (isSpace(charAt(input, i)) && charAt(input, i) !== END) i++;
    if (charAt(input, i) !== '>') throw new EntityParseError(`Unclosed end tag at byte offset ${at}`);
    if (endTag !== '' && endTag !== top.tag) {
      throw new EntityParseError(
        `Unmatched end tag at byte offset ${at}, expected "</${top.tag}>", found "</${endTag}>"`,
      );
    }
    open.pop();
    const offset = top.offset;
    const length = out.length - offset;
    if (length <= 0) continue;
    const last = entities.at(-1);
    switch (top.tag) {
      case 'i':
      case 'em':
        entities.push({ type: 'italic', offset, length });
        break;
      case 'b':
      case 'strong':
        entities.push({ type: 'bold', offset, length });
        break;
      case 's':
      case 'strike':
      case 'del':
        entities.push({ type: 'strikethrough', offset, length });
        break;
      case 'u':
      case 'ins':
        entities.push({ type: 'underline', offset, length });
        break;
      case 'tg-spoiler':
      case 'span':
        entities.push({ type: 'spoiler', offset, length });
        break;
      case 'tg-emoji':
        entities.push(customEmojiEntity(offset, length, top.argument));
        break;
      case 'a': {
        const entity = linkEntity(offset, length, top.argument === '' ? out.slice(offset) : top.argument);
        if (entity) entities.push(entity);
        break;
      }
      case 'pre':
        // <pre><code class="language-x">…</code></pre> is one pre entity with a language.
        if (last?.type === 'code' && last.offset === offset && last.length === length && languageOf(last) !== '') {
          entities[entities.length - 1] = { type: 'pre', offset, length, language: languageOf(last) };
        } else {
          entities.push({ type: 'pre', offset, length });
        }
        break;
      case 'code':
        if (last?.type === 'pre' && last.offset === offset && last.length === length && top.argument !== '') {
          entities[entities.length - 1] = { type: 'pre', offset, length, language: top.argument };
        } else {
          // The language rides along until a surrounding <pre> claims it; a lone code has none.
          entities.push({ type: 'code', offset, length, ...(top.argument ? { language: top.argument } : {}) } as MessageEntity);
        }
        break;
      case 'blockquote':
        entities.push({ type: top.expandable ? 'expandable_blockquote' : 'blockquote', offset, length });
        break;
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);

  const cleaned = entities.map((entity) => {
    if (entity.type !== 'code' || !('language' in entity)) return entity;
    return { type: 'code', offset: entity.offset, length: entity.length } as MessageEntity;
  });
  return { text: out, entities: sortEntities(cleaned) };
}

function languageOf(entity: MessageEntity): string {
  return 'language' in entity && typeof entity.language === 'string' ? entity.language : '';
}

// ---------------------------------------------------------------------------------------------
// MarkdownV2

type MdType =
  | 'Bold' | 'Italic' | 'Underline' | 'Strikethrough' | 'Spoiler' | 'Code' | 'Pre' | 'PreCode'
  | 'TextUrl' | 'CustomEmoji' | 'BlockQuote';

interface OpenMd {
  type: MdType;
  argument: string;
  offset: number;
  byteAt: number;
  beginOut: number;
}

function reserved(c: string): EntityParseError {
  return new EntityParseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
}

/** Reads "(url)" after a closing ']' with backslash escapes; returns the url and the new index. */
function readMarkdownUrl(input: string, start: number, what: string): { url: string; index: number } {
  let i = start;
  let url = '';
  while (i < input.length && input[i] !== ')') {
    if (input[i] === '\\' && i + 1 < input.length && (input.codePointAt(i + 1) ?? 0) <= 126) {
      url += input[i + 1];
      i += 2;
      continue;
    }
    url += input[i++];
  }
  if (charAt(input, i) !== ')') throw new EntityParseError(`Can't find end of ${what} at byte offset ${byteOffset(input, start)}`);
  return { url, index: i };
}

/** Telegram's parse_mode=MarkdownV2. */
export function parseMarkdownV2(input: string): FormattedText {
  let out = '';
  const entities: MessageEntity[] = [];
  const open: OpenMd[] = [];
  let haveBlockquote = false;

  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    const next = charAt(input, i + 1);
    if (c === '\\' && next !== END && (next.codePointAt(0) ?? 0) <= 126) {
      out += next;
      i++;
      continue;
    }
    const top = open.at(-1);
    const reservedChars = top && (top.type === 'Code' || top.type === 'Pre' || top.type === 'PreCode')
      ? '`'
      : '_*[]()~`>#+-=|{}.!\n';
    if (!reservedChars.includes(c)) {
      out += c;
      continue;
    }

    let isEnd = false;
    if (top) {
      if (haveBlockquote && c === '\n' && (i + 1 === input.length || next !== '>')) isEnd = true;
      else {
        switch (top.type) {
          case 'Bold': isEnd = c === '*'; break;
          case 'Italic': isEnd = c === '_' && next !== '_'; break;
          case 'Code': isEnd = c === '`'; break;
          case 'Pre':
          case 'PreCode': isEnd = c === '`' && next === '`' && charAt(input, i + 2) === '`'; break;
          case 'TextUrl':
          case 'CustomEmoji': isEnd = c === ']'; break;
          case 'Underline': isEnd = c === '_' && next === '_'; break;
          case 'Strikethrough': isEnd = c === '~'; break;
          case 'Spoiler': isEnd = c === '|' && next === '|'; break;
          case 'BlockQuote': isEnd = false; break;
        }
      }
    }

    if (!isEnd) {
      let type: MdType | null = null;
      let argument = '';
      const byteAt = byteOffset(input, i);
      switch (c) {
        case '_':
          if (next === '_') {
            type = 'Underline';
            i++;
          } else type = 'Italic';
          break;
        case '*':
          type = 'Bold';
          break;
        case '~':
          type = 'Strikethrough';
          break;
        case '|':
          if (next !== '|') throw reserved(c);
          i++;
          type = 'Spoiler';
          break;
        case '[':
          type = 'TextUrl';
          break;
        case '`':
          if (next === '`' && charAt(input, i + 2) === '`') {
            i += 3;
            type = 'Pre';
            let languageEnd = i;
            while (!isSpace(charAt(input, languageEnd)) && charAt(input, languageEnd) !== '`') languageEnd++;
            if (i !== languageEnd && languageEnd < input.length && input[languageEnd] !== '`') {
              type = 'PreCode';
              argument = input.slice(i, languageEnd);
              i = languageEnd;
            }
            const at = charAt(input, i);
            if (at === '\n' || at === '\r') {
              const after = charAt(input, i + 1);
              i += (after === '\n' || after === '\r') && after !== at ? 2 : 1;
            }
            i--;
          } else type = 'Code';
          break;
        case '!':
          if (next !== '[') throw reserved(c);
          i++;
          type = 'CustomEmoji';
          break;
        case '\n':
          out += '\n';
          if (next === '>') {
            i++;
            if (!haveBlockquote) {
              type = 'BlockQuote';
              haveBlockquote = true;
            }
          }
          break;
        case '>':
          if (i !== 0) throw reserved(c);
          type = 'BlockQuote';
          haveBlockquote = true;
          break;
        default:
          throw reserved(c);
      }
      if (type === null) continue;
      open.push({ type, argument, offset: out.length, byteAt, beginOut: out.length });
      continue;
    }

    const entity = top as OpenMd;
    if (c === '\n' && entity.type !== 'BlockQuote') {
      throw new EntityParseError(`Can't find end of ${entity.type} entity at byte offset ${entity.byteAt}`);
    }
    let skip = out.length === entity.offset;
    let made: MessageEntity | null = null;
    const offset = entity.offset;
    switch (entity.type) {
      case 'Underline':
      case 'Spoiler':
        i++;
        break;
      case 'Pre':
      case 'PreCode':
        i += 2;
        break;
      case 'TextUrl': {
        let url: string;
        if (next !== '(') url = out.slice(entity.beginOut);
        else {
          const read = readMarkdownUrl(input, i + 2, 'a URL');
          url = read.url;
          i = read.index;
        }
        if (!skip) {
          made = linkEntity(offset, out.length - offset, url);
          if (!made) skip = true;
        }
        break;
      }
      case 'CustomEmoji': {
        if (next !== '(') throw new EntityParseError('Custom emoji entity must contain a tg://emoji URL');
        const read = readMarkdownUrl(input, i + 2, 'a custom emoji URL');
        i = read.index;
        const id = /^tg:\/\/emoji\?id=(\d+)$/.exec(read.url)?.[1] ?? '';
        if (!skip) made = customEmojiEntity(offset, out.length - offset, id);
        break;
      }
      case 'BlockQuote':
        haveBlockquote = false;
        out += '\n';
        break;
      default:
        break;
    }
    if (!skip) {
      // A blockquote keeps the newline that closed it, as in TDLib.
      const length = out.length - offset;
      made ??= markdownEntity(entity.type, offset, length, entity.argument);
      if (made && made.length > 0) entities.push(made);
    }
    open.pop();
  }

  const last = open.at(-1);
  if (haveBlockquote && last?.type === 'BlockQuote') {
    const length = out.length - last.offset;
    if (length !== 0) entities.push({ type: 'blockquote', offset: last.offset, length });
    open.pop();
  }
  const unclosed = open.at(-1);
  if (unclosed) throw new EntityParseError(`Can't find end of ${unclosed.type} entity at byte offset ${unclosed.byteAt}`);
  return { text: out, entities: sortEntities(entities) };
}

function markdownEntity(type: MdType, offset: number, length: number, argument: string): MessageEntity | null {
  switch (type) {
    case 'Bold': return { type: 'bold', offset, length };
    case 'Italic': return { type: 'italic', offset, length };
    case 'Underline': return { type: 'underline', offset, length };
    case 'Strikethrough': return { type: 'strikethrough', offset, length };
    case 'Spoiler': return { type: 'spoiler', offset, length };
    case 'Code': return { type: 'code', offset, length };
    case 'Pre': return { type: 'pre', offset, length };
    case 'PreCode': return { type: 'pre', offset, length, language: argument };
    case 'BlockQuote': return { type: 'blockquote', offset, length };
    default: return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Legacy Markdown

/** Telegram's parse_mode=Markdown (the legacy one: *bold* _italic_ `code` ```pre``` [text](url)). */
export function parseMarkdown(input: string): FormattedText {
  let out = '';
  const entities: MessageEntity[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    const next = charAt(input, i + 1);
    if (c === '\\' && (next === '_' || next === '*' || next === '`' || next === '[')) {
      out += next;
      i++;
      continue;
    }
    if (c !== '_' && c !== '*' && c !== '`' && c !== '[') {
      out += c;
      continue;
    }
    const begin = i;
    const endChar = c === '[' ? ']' : c;
    let isPre = false;
    let language = '';
    i++;
    if (c === '`' && charAt(input, i) === '`' && charAt(input, i + 1) === '`') {
      i += 2;
      isPre = true;
      let languageEnd = i;
      while (!isSpace(charAt(input, languageEnd)) && charAt(input, languageEnd) !== '`') languageEnd++;
      if (i !== languageEnd && languageEnd < input.length && input[languageEnd] !== '`') {
        language = input.slice(i, languageEnd);
        i = languageEnd;
      }
      const at = charAt(input, i);
      if (at === '\n' || at === '\r') {
        const after = charAt(input, i + 1);
        i += (after === '\n' || after === '\r') && after !== at ? 2 : 1;
      }
    }
    const offset = out.length;
    while (
      i < input.length &&
      (input[i] !== endChar || (isPre && !(charAt(input, i + 1) === '`' && charAt(input, i + 2) === '`')))
    ) {
      out += input[i++];
    }
    if (i === input.length) {
      throw new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(input, begin)}`);
    }
    const length = out.length - offset;
    if (length > 0) {
      if (c === '_') entities.push({ type: 'italic', offset, length });
      else if (c === '*') entities.push({ type: 'bold', offset, length });
      else if (c === '[') {
        let url = '';
        if (charAt(input, i + 1) !== '(') url = input.slice(begin + 1, i);
        else {
          i += 2;
          while (i < input.length && input[i] !== ')') url += input[i++];
        }
        const entity = linkEntity(offset, length, url);
        if (entity) entities.push(entity);
      } else if (isPre) {
        entities.push(language ? { type: 'pre', offset, length, language } : { type: 'pre', offset, length });
      } else entities.push({ type: 'code', offset, length });
    }
    if (isPre) i += 2;
  }
  return { text: out, entities: sortEntities(entities) };
}

// ---------------------------------------------------------------------------------------------
// Entities Telegram finds by itself

// Country-code TLDs plus the generic ones links in the wild use; TDLib checks a full list.
const TLDS = new Set(
  (
    'ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ' +
    'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk ' +
    'fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir ' +
    'is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ' +
    'ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl ' +
    'pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc ' +
    'td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw ' +
    'com net org info biz edu gov mil int app dev page blog site online store shop live video media news tech ' +
    'xyz top club link click cloud space website world life fun art pro mobi name tel travel social ' +
    'watch tube email team group games'
  ).split(' '),
);

const URL_WITH_SCHEME = /\b(?:https?|ftp):\/\/[^\s<>"]+|\b(?:tg|ton):(?:\/\/)?[^\s<>"]+/giu;
const BARE_DOMAIN_URL =
  /(?<![\p{L}\p{N}_@.\/:-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+([a-z]{2,24})(?![\p{L}\p{N}_-])(?::\d{1,5})?(?:[/?#][^\s<>"]*)?/giu;
const EMAIL = /(?<![\p{L}\p{N}_.+-])[\p{L}\p{N}_.+-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+([a-z]{2,24})(?![\p{L}\p{N}_-])/giu;
const BOT_COMMAND = /(?<![\p{L}\p{N}_\/<>])\/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\p{L}\p{N}_\/<>])/gu;
const MENTION = /(?<![\p{L}\p{N}_])@[a-zA-Z0-9_]{2,32}(?![\p{L}\p{N}_])/gu;
const HASHTAG = /(?<![\p{L}\p{N}_#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*(?![\p{L}\p{N}_]*#)/gu;

/** Drops punctuation that ends a sentence rather than the link, and unbalanced closers. */
function trimUrl(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url[end - 1];
    if (last === undefined) break;
    if ('.,:;!?\'"»'.includes(last)) {
      end--;
      continue;
    }
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    const opener = pairs[last];
    if (opener !== undefined) {
      const body = url.slice(0, end);
      if (body.split(last).length > body.split(opener).length) {
        end--;
        continue;
      }
    }
    break;
  }
  return url.slice(0, end);
}

/**
 * The entities Telegram adds on its own to every text and caption: url, email, mention, hashtag
 * and bot_command. Explicit entities from a parse mode come first: a found entity that overlaps
 * one of them is not added.
 */
export function findEntities(text: string, explicit: MessageEntity[] = []): MessageEntity[] {
  const taken: Array<[number, number]> = explicit.filter((e) => !isStyle(e.type)).map((e) => [e.offset, e.offset + e.length]);
  const free = (start: number, end: number) => taken.every(([s, e]) => end <= s || start >= e);
  const found: MessageEntity[] = [];
  const add = (type: 'url' | 'email' | 'mention' | 'hashtag' | 'bot_command', offset: number, length: number) => {
    if (length <= 0 || !free(offset, offset + length)) return;
    found.push({ type, offset, length });
    taken.push([offset, offset + length]);
  };

  for (const match of text.matchAll(EMAIL)) {
    if (TLDS.has((match[1] ?? '').toLowerCase())) add('email', match.index, match[0].length);
  }
  for (const match of text.matchAll(URL_WITH_SCHEME)) add('url', match.index, trimUrl(match[0]).length);
  for (const match of text.matchAll(BARE_DOMAIN_URL)) {
    const url = trimUrl(match[0]);
    const tld = /\.([a-z]{2,24})(?::\d+)?(?:[/?#]|$)/iu.exec(url)?.[1]?.toLowerCase() ?? '';
    if (TLDS.has(tld)) add('url', match.index, url.length);
  }
  for (const match of text.matchAll(BOT_COMMAND)) add('bot_command', match.index, match[0].length);
  for (const match of text.matchAll(MENTION)) add('mention', match.index, match[0].length);
  for (const match of text.matchAll(HASHTAG)) add('hashtag', match.index, match[0].length);
  return found;
}

function isStyle(type: string): boolean {
  return ['bold', 'italic', 'underline', 'strikethrough', 'spoiler', 'blockquote', 'expandable_blockquote'].includes(type);
}

/**
 * Telegram strips leading and trailing whitespace from texts and captions; entities are clipped
 * to what is left and empty ones dropped.
 */
export function trimFormatted({ text, entities }: FormattedText): FormattedText {
  const start = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const end = start + trimmed.length;
  const clipped: MessageEntity[] = [];
  for (const entity of entities) {
    const from = Math.max(entity.offset, start);
    const to = Math.min(entity.offset + entity.length, end);
    if (to > from) clipped.push({ ...entity, offset: from - start, length: to - from });
  }
  return { text: trimmed, entities: clipped };
}

/** Text length as Telegram counts it for its limits: UTF-16 code units. */
export function utf16Length(text: string): number {
  return text.length;
}
