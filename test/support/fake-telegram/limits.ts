/**
 * What the Bot API refuses, and in which words: size and length limits, parse-mode checks,
 * inline keyboard checks, flood limits and injected faults. Error texts are the ones Telegram
 * sends (the Bot API server lower-cases the first letter of TDLib's message and prefixes
 * "Bad Request: "), because bots match on them.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity } from 'grammy/types';
import {
  EntityParseError,
  findEntities,
  parseHtml,
  parseMarkdown,
  parseMarkdownV2,
  sortEntities,
  trimFormatted,
  utf16Length,
  type FormattedText,
} from './entities.js';
import type { ApiFailure, Fault, FloodLimits } from './types.js';

/** Telegram's numbers. */
export const LIMITS = {
  /** Message text, in UTF-16 code units after entity parsing. */
  textLength: 4096,
  /** Media caption, likewise. */
  captionLength: 1024,
  /** Raw text before parsing, in bytes (TDLib refuses larger input outright). */
  rawTextBytes: 1 << 15,
  /** callback_data of an inline button, in bytes. */
  callbackDataBytes: 64,
  /** Items of one sendMediaGroup. */
  mediaGroupItems: 10,
  /** Upload size api.telegram.org accepts (multipart). */
  uploadBytes: 50 * 1024 * 1024,
  /** Largest file getFile lets a bot download. */
  downloadBytes: 20 * 1024 * 1024,
  /** Largest file Telegram fetches when given an HTTP URL. */
  urlFetchBytes: 20 * 1024 * 1024,
  /** setWebhook secret_token. */
  secretTokenLength: 256,
  /** answerInlineQuery results. */
  inlineResults: 50,
} as const;

/** A Bot API error answer; methods throw it and the server turns it into the JSON body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: ApiFailure['parameters'],
  ) {
    super(description);
    this.name = 'ApiError';
  }

  toResponse(): ApiFailure {
    const body: ApiFailure = { ok: false, error_code: this.status, description: this.description };
    if (this.parameters) body.parameters = this.parameters;
    return body;
  }
}

/** A 400 with Telegram's "Bad Request: " prefix. */
export function badRequest(text: string): ApiError {
  return new ApiError(400, `Bad Request: ${text}`);
}

/** A 429 with the description and parameters Telegram sends. */
export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(429, `Too Many Requests: retry after ${retryAfterSeconds}`, { retry_after: retryAfterSeconds });
}

/** Telegram's error texts that more than one module uses. */
export const TEXTS = {
  notFound: 'Not Found: method not found',
  unauthorized: 'Unauthorized',
  entityTooLarge: 'Request Entity Too Large',
  textEmpty: 'message text is empty',
  textTooLong: 'message is too long',
  captionTooLong: 'message caption is too long',
  buttonDataInvalid: 'BUTTON_DATA_INVALID',
  notModified:
    'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  editNotFound: 'message to edit not found',
  deleteNotFound: 'message to delete not found',
  replyNotFound: 'message to be replied not found',
  noTextToEdit: 'there is no text in the message to edit',
  noCaptionToEdit: 'there is no caption in the message to edit',
  wrongFileId: 'wrong file identifier/HTTP URL specified',
  urlFetchFailed: 'failed to get HTTP URL content',
  fileTooBig: 'file is too big',
  noMessagesToSend: 'there are no messages to send',
  tooManyInAlbum: 'too many messages to send as an album',
  queryTooOld: 'query is too old and response timeout expired or query ID is invalid',
  chatNotFound: 'chat not found',
  chatIdEmpty: 'chat_id is empty',
  webhookActive:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  otherGetUpdates:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  terminatedBySetWebhook: 'Conflict: terminated by setWebhook request',
} as const;

// ---------------------------------------------------------------------------------------------
// Texts and captions

/** Which limit a formatted text is held to. */
export type TextKind = 'text' | 'caption';

/**
 * Turns the text/caption parameters of a call into what the message will carry: parses the
 * parse mode (or takes explicit entities), adds the entities Telegram finds itself, trims, and
 * checks the length. Returns null for an absent or blank caption; throws ApiError like Telegram.
 */
export function formatText(
  raw: string | undefined,
  parseMode: string | undefined,
  explicitEntities: unknown,
  kind: TextKind,
): FormattedText | null {
  const input = raw ?? '';
  if (kind === 'text' && input === '') throw badRequest(TEXTS.textEmpty);
  if (Buffer.byteLength(input) > LIMITS.rawTextBytes) throw badRequest('text is too long');

  let parsed: FormattedText;
  const mode = (parseMode ?? '').toLowerCase();
  try {
    if (input !== '' && mode !== '' && mode !== 'none') {
      if (mode === 'html') parsed = parseHtml(input);
      else if (mode === 'markdownv2') parsed = parseMarkdownV2(input);
      else if (mode === 'markdown') parsed = parseMarkdown(input);
      else throw badRequest('unsupported parse_mode');
    } else {
      parsed = { text: input, entities: readEntities(explicitEntities, input.length) };
    }
  } catch (error) {
    if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
    throw error;
  }

  const withFound = { text: parsed.text, entities: [...parsed.entities, ...findEntities(parsed.text, parsed.entities)] };
  const result = trimFormatted({ text: withFound.text, entities: sortEntities(withFound.entities) });
  if (result.text === '') {
    if (kind === 'text') throw badRequest(TEXTS.textEmpty);
    return null;
  }
  const limit = kind === 'text' ? LIMITS.textLength : LIMITS.captionLength;
  if (utf16Length(result.text) > limit) {
    throw badRequest(kind === 'text' ? TEXTS.textTooLong : TEXTS.captionTooLong);
  }
  return result;
}

/** Explicit `entities`/`caption_entities`: kept when well-formed, clipped to the text. */
function readEntities(value: unknown, textLength: number): MessageEntity[] {
  if (!Array.isArray(value)) return [];
  const entities: MessageEntity[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) throw badRequest("can't parse MessageEntity: expected an Object");
    const entity = item as Record<string, unknown>;
    if (typeof entity.type !== 'string' || typeof entity.offset !== 'number' || typeof entity.length !== 'number') {
      throw badRequest(`can't parse MessageEntity: Field "type" must be of type String`);
    }
    const offset = Math.max(0, entity.offset);
    const length = Math.min(entity.length, textLength - offset);
    if (length > 0) entities.push({ ...(entity as unknown as MessageEntity), offset, length });
  }
  return entities;
}

// ---------------------------------------------------------------------------------------------
// Reply markup

/**
 * Checks a reply_markup parameter the way the Bot API does and returns what a Message echoes:
 * the inline keyboard (reply keyboards, force_reply and remove_keyboard are not part of the
 * returned Message). Undefined when there is no inline keyboard.
 */
export function checkReplyMarkup(value: unknown): InlineKeyboardMarkup | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') throw badRequest("can't parse reply keyboard markup JSON object");
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('object expected as reply markup');
  const markup = value as Record<string, unknown>;
  if (markup.keyboard !== undefined) {
    if (!Array.isArray(markup.keyboard) || !markup.keyboard.every(Array.isArray)) {
      throw badRequest('field "keyboard" must be an Array of Arrays');
    }
  }
  if (markup.inline_keyboard === undefined) return undefined;
  if (!Array.isArray(markup.inline_keyboard) || !markup.inline_keyboard.every(Array.isArray)) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  const rows = (markup.inline_keyboard as unknown[][]).map((row) => row.map(checkInlineButton));
  if (rows.every((row) => row.length === 0)) return undefined;
  return { inline_keyboard: rows };
}

const BUTTON_KINDS = [
  'url', 'callback_data', 'web_app', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat', 'copy_text', 'callback_game', 'pay',
] as const;

function checkInlineButton(value: unknown): InlineKeyboardButton {
  const fail = (why: string) => badRequest(`can't parse inline keyboard button: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail('InlineKeyboardButton must be an Object');
  }
  const button = value as Record<string, unknown>;
  if (button.text === undefined) throw fail(`Can't find field "text"`);
  if (typeof button.text !== 'string') throw fail(`Field "text" must be of type String`);
  // An empty url/callback_data counts as absent, as in the Bot API server.
  const kind = BUTTON_KINDS.find((key) => button[key] !== undefined && button[key] !== '');
  if (kind === undefined) throw fail('Text buttons are unallowed in the inline keyboard');
  if (kind === 'callback_data') {
    if (typeof button.callback_data !== 'string') throw fail(`Field "callback_data" must be of type String`);
    if (Buffer.byteLength(button.callback_data) > LIMITS.callbackDataBytes) throw badRequest(TEXTS.buttonDataInvalid);
  }
  if (kind === 'url') {
    if (typeof button.url !== 'string') throw fail(`Field "url" must be of type String`);
    if (!/^(https?|tg):\/\/\S+$/i.test(button.url)) throw badRequest('BUTTON_URL_INVALID');
  }
  return { text: button.text, [kind]: button[kind] } as unknown as InlineKeyboardButton;
}

// ---------------------------------------------------------------------------------------------
// Flood limits

/** Sliding one-second windows per chat and overall; a call over a limit gets a real 429. */
export class FloodControl {
  private readonly global: number[] = [];
  private readonly perChat = new Map<string, number[]>();

  constructor(private limits: FloodLimits = {}) {}

  /** Replaces the limits (an empty object turns flood control off). */
  configure(limits: FloodLimits): void {
    this.limits = limits;
    this.global.length = 0;
    this.perChat.clear();
  }

  /** Counts one message to chatId, or throws the 429 Telegram would send. */
  check(chatId: string, now = Date.now()): void {
    const { perChatPerSecond, globalPerSecond } = this.limits;
    if (perChatPerSecond === undefined && globalPerSecond === undefined) return;
    const chat = this.perChat.get(chatId) ?? [];
    this.perChat.set(chatId, chat);
    for (const window of [chat, this.global]) {
      while (window.length > 0 && (window[0] as number) <= now - 1000) window.shift();
    }
    const over = (window: number[], limit: number | undefined) => limit !== undefined && window.length >= limit;
    if (over(chat, perChatPerSecond) || over(this.global, globalPerSecond)) {
      const oldest = Math.min(chat[0] ?? now, this.global[0] ?? now);
      throw tooManyRequests(Math.max(1, Math.ceil((oldest + 1000 - now) / 1000)));
    }
    chat.push(now);
    this.global.push(now);
  }
}

// ---------------------------------------------------------------------------------------------
// Injected faults

/** Faults queued per method (lower-cased), consumed one per call. */
export class FaultQueue {
  private readonly queued = new Map<string, Fault[]>();

  add(method: string, fault: Fault, times: number): void {
    const key = method.toLowerCase();
    const list = this.queued.get(key) ?? [];
    for (let i = 0; i < times; i++) list.push(fault);
    this.queued.set(key, list);
  }

  take(method: string): Fault | undefined {
    const key = method.toLowerCase();
    const list = this.queued.get(key);
    const fault = list?.shift();
    if (list && list.length === 0) this.queued.delete(key);
    return fault;
  }

  clear(): void {
    this.queued.clear();
  }
}

/** The default description Telegram gives each error status. */
export function describeStatus(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 401:
      return TEXTS.unauthorized;
    case 403:
      return 'Forbidden: bot was blocked by the user';
    case 404:
      return 'Not Found';
    case 409:
      return TEXTS.otherGetUpdates;
    default:
      return 'Internal Server Error';
  }
}
