/**
 * The Bot API methods the fake implements. Each takes the call's parameters (already merged
 * from the query string and the body) and the multipart file parts, works on the fake's state,
 * and returns the `result` Telegram would send — or throws ApiError with Telegram's status and
 * description. The order of checks follows the Bot API server, so the first error reported
 * for a call with several faults is the one Telegram reports.
 */
import type {
  BotCommand,
  ChatFullInfo,
  File,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  WebhookInfo,
} from 'grammy/types';
import type { FormattedText } from './entities.js';
import {
  animationObject,
  audioObject,
  documentObject,
  photoObject,
  videoObject,
  type FileKind,
  type FileStore,
  type MediaAttributes,
  type ResolvedInput,
  type StoredFile,
} from './files.js';
import { ApiError, FloodControl, LIMITS, TEXTS, badRequest, checkReplyMarkup, formatText } from './limits.js';
import { unixNow, type ChatMessage, type State } from './state.js';
import type { UploadedFile } from './types.js';
import type { WebhookDeliverer } from './webhook.js';

/** What a method gets from the server. */
export interface MethodCall {
  params: Record<string, unknown>;
  parts: Map<string, UploadedFile>;
  /** Aborted when the client goes away (a long poll then stops waiting). */
  signal: AbortSignal;
}

/** The fake's parts a method may use. */
export interface MethodEnv {
  state: State;
  files: FileStore;
  flood: FloodControl;
  webhook: WebhookDeliverer;
}

/** A result with the `description` some methods add (setWebhook: "Webhook was set"). */
export class Described {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}

/** No answer at all: the client hung up while the method waited. */
export const NO_ANSWER = Symbol('no answer');

type Method = (call: MethodCall, env: MethodEnv) => unknown;

// ---------------------------------------------------------------------------------------------
// Parameter access: JSON bodies carry typed values, form bodies strings; both are accepted.

function str(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** TDLib's to_integer: a non-number reads as 0, absent as the default. */
function int(params: Record<string, unknown>, name: string, fallback = 0): number {
  const value = params[name];
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
  return Number.isFinite(number) ? Math.trunc(number) : 0;
}

function bool(params: Record<string, unknown>, name: string): boolean {
  const value = params[name];
  return value === true || value === 1 || value === 'true' || value === '1' || value === 'True';
}

/** A JSON-encoded parameter, decoded; an undecodable string is returned as is for the caller to refuse. */
function json(params: Record<string, unknown>, name: string): unknown {
  const value = params[name];
  if (typeof value !== 'string') return value;
  if (value === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Building messages

function textFields(formatted: FormattedText): Pick<Message, 'text' | 'entities'> {
  return { text: formatted.text, ...(formatted.entities.length > 0 ? { entities: formatted.entities } : {}) };
}

function captionFields(formatted: FormattedText | null, aboveMedia: boolean): Pick<Message, 'caption' | 'caption_entities' | 'show_caption_above_media'> {
  if (!formatted) return {};
  return {
    caption: formatted.text,
    ...(formatted.entities.length > 0 ? { caption_entities: formatted.entities } : {}),
    ...(aboveMedia ? { show_caption_above_media: true } : {}),
  };
}

/** The message a reply points at; a missing one is an error unless the bot allowed it. */
function replyFields(call: MethodCall, env: MethodEnv, chatId: number): Pick<Message, 'reply_to_message'> {
  const parameters = json(call.params, 'reply_parameters');
  let messageId = int(call.params, 'reply_to_message_id');
  let allowMissing = bool(call.params, 'allow_sending_without_reply');
  if (typeof parameters === 'object' && parameters !== null) {
    const reply = parameters as { message_id?: unknown; allow_sending_without_reply?: unknown };
    messageId = Number(reply.message_id ?? 0);
    allowMissing = reply.allow_sending_without_reply === true;
  }
  if (messageId <= 0) return {};
  const target = env.state.liveMessage(chatId, messageId);
  if (!target) {
    if (allowMissing) return {};
    throw badRequest(TEXTS.replyNotFound);
  }
  // A replied-to message is embedded without its own reply, as Telegram does.
  const { reply_to_message: _nested, ...replied } = target.message;
  return { reply_to_message: replied as Message['reply_to_message'] };
}

/** Fields every message the bot sends carries, besides its content. */
function senderFields(env: MethodEnv, chat: Message['chat']): Pick<Message, 'from' | 'sender_chat'> {
  const { id, is_bot, first_name, username } = env.state.bot;
  // Channel posts are signed by the channel, not by the bot.
  if (chat.type === 'channel') return { sender_chat: chat };
  return { from: { id, is_bot, first_name, username } };
}

function markupFields(markup: InlineKeyboardMarkup | undefined): Pick<Message, 'reply_markup'> {
  return markup ? { reply_markup: markup } : {};
}

function linkPreviewFields(call: MethodCall): Pick<Message, 'link_preview_options'> {
  const options = json(call.params, 'link_preview_options');
  if (typeof options === 'object' && options !== null) return { link_preview_options: options as Message['link_preview_options'] };
  if (bool(call.params, 'disable_web_page_preview')) return { link_preview_options: { is_disabled: true } };
  return {};
}

function protectedFields(call: MethodCall): Pick<Message, 'has_protected_content'> {
  return bool(call.params, 'protect_content') ? { has_protected_content: true } : {};
}

/** Stores a message the bot sends to a chat and returns it as the API does. */
function deliver(env: MethodEnv, chat: Message['chat'], content: Partial<Message>): Message {
  return env.state.addMessage({ ...senderFields(env, chat), ...content }, chat, 'bot').message;
}

// ---------------------------------------------------------------------------------------------
// Media

const MEDIA_FIELD: Record<Exclude<FileKind, 'thumbnail'>, string> = {
  photo: 'photo',
  video: 'video',
  audio: 'audio',
  animation: 'animation',
  document: 'document',
};

function mediaAttributes(source: Record<string, unknown>): MediaAttributes {
  const attributes: MediaAttributes = {};
  for (const key of ['width', 'height', 'duration'] as const) {
    const value = int(source, key);
    if (value > 0) attributes[key] = value;
  }
  const title = str(source, 'title');
  const performer = str(source, 'performer');
  if (title) attributes.title = title;
  if (performer) attributes.performer = performer;
  return attributes;
}

/** The content fields of a message holding this file. */
function mediaContent(kind: FileKind, file: StoredFile): Partial<Message> {
  switch (kind) {
    case 'photo':
      return { photo: photoObject(file) };
    case 'video':
      return { video: videoObject(file) };
    case 'audio':
      return { audio: audioObject(file) };
    case 'animation':
      // For old clients Telegram also sends an animation as a document.
      return { animation: animationObject(file), document: documentObject(file) };
    default:
      return { document: documentObject(file) };
  }
}

/** sendPhoto, sendVideo, sendAudio, sendAnimation and sendDocument. */
function sendMedia(kind: Exclude<FileKind, 'thumbnail'>): Method {
  return async (call, env) => {
    const field = MEDIA_FIELD[kind];
    const input = await env.files.resolve(call.params[field], call.parts, field, kind);
    if (!input) throw badRequest(`there is no ${field} in the request`);
    const thumbnail = kind === 'photo' ? undefined : env.files.thumbnailUpload(call.params.thumbnail ?? call.params.thumb, call.parts, true);
    const caption = formatText(str(call.params, 'caption'), str(call.params, 'parse_mode'), json(call.params, 'caption_entities'), 'caption');
    const chat = env.state.chatForCall(call.params.chat_id);
    const markup = checkReplyMarkup(json(call.params, 'reply_markup'));
    const reply = replyFields(call, env, chat.id);
    env.flood.check(String(chat.id));
    const file = env.files.materialize(input, kind, mediaAttributes(call.params), thumbnail);
    return deliver(env, chat, {
      ...reply,
      ...protectedFields(call),
      ...mediaContent(kind, file),
      ...captionFields(caption, bool(call.params, 'show_caption_above_media')),
      ...(bool(call.params, 'has_spoiler') ? { has_media_spoiler: true } : {}),
      ...markupFields(markup),
    });
  };
}

interface AlbumItem {
  kind: Exclude<FileKind, 'thumbnail' | 'animation'>;
  input: ResolvedInput;
  caption: FormattedText | null;
  aboveMedia: boolean;
  attributes: MediaAttributes;
  thumbnail?: UploadedFile;
}

const ALBUM_TYPES = new Set(['photo', 'video', 'audio', 'document']);

async function readAlbumItem(value: unknown, call: MethodCall, env: MethodEnv): Promise<AlbumItem> {
  const fail = (why: string) => badRequest(`can't parse InputMedia: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('expected an Object');
  const item = value as Record<string, unknown>;
  let caption: FormattedText | null;
  try {
    caption = formatText(str(item, 'caption'), str(item, 'parse_mode'), item.caption_entities, 'caption');
  } catch (error) {
    // The server wraps a parse error of an item; the length check (TDLib's) is reported as is.
    const prefix = "Bad Request: can't parse entities";
    if (error instanceof ApiError && error.description.startsWith(prefix)) {
      throw fail(`Can't parse entities${error.description.slice(prefix.length)}`);
    }
    throw error;
  }
  const type = item.type;
  if (type === undefined) throw fail(`Can't find field "type"`);
  if (typeof type !== 'string') throw fail(`Field "type" must be of type String`);
  if (type === 'animation') throw fail(`type "animation" can't be used in sendMediaGroup`);
  if (!ALBUM_TYPES.has(type)) throw fail(`type "${type}" is unsupported`);
  const kind = type as AlbumItem['kind'];
  const input = await env.files.resolve(item.media, call.parts, null, kind);
  if (!input) throw fail('media not found');
  const thumbnail = kind === 'photo' ? undefined : env.files.thumbnailUpload(item.thumbnail ?? item.thumb, call.parts, true);
  return {
    kind,
    input,
    caption,
    aboveMedia: item.show_caption_above_media === true,
    attributes: mediaAttributes(item),
    ...(thumbnail ? { thumbnail } : {}),
  };
}

const sendMediaGroup: Method = async (call, env) => {
  const media = json(call.params, 'media');
  if (media === undefined) throw badRequest('parameter "media" is required');
  if (typeof media === 'string') throw badRequest("can't parse media JSON object");
  if (!Array.isArray(media)) throw badRequest('expected an Array of InputMedia');
  const items: AlbumItem[] = [];
  for (const value of media as unknown[]) items.push(await readAlbumItem(value, call, env));
  if (items.length > LIMITS.mediaGroupItems) throw badRequest(TEXTS.tooManyInAlbum);
  if (items.length === 0) throw badRequest(TEXTS.noMessagesToSend);
  for (const kind of ['document', 'audio'] as const) {
    if (items.some((item) => item.kind === kind) && items.some((item) => item.kind !== kind)) {
      throw badRequest(`${kind} can't be mixed with other media types`);
    }
  }
  const chat = env.state.chatForCall(call.params.chat_id);
  const reply = replyFields(call, env, chat.id);
  env.flood.check(String(chat.id));
  // A single item is sent as an ordinary message, outside any album, as TDLib does.
  const groupId = items.length > 1 ? env.state.newMediaGroupId() : undefined;
  return items.map((item) => {
    const file = env.files.materialize(item.input, item.kind, item.attributes, item.thumbnail);
    return deliver(env, chat, {
      ...reply,
      ...(groupId ? { media_group_id: groupId } : {}),
      ...protectedFields(call),
      ...mediaContent(item.kind, file),
      ...captionFields(item.caption, item.aboveMedia),
    });
  });
};

// ---------------------------------------------------------------------------------------------
// Text messages

const sendMessage: Method = (call, env) => {
  const formatted = formatText(str(call.params, 'text'), str(call.params, 'parse_mode'), json(call.params, 'entities'), 'text') as FormattedText;
  const chat = env.state.chatForCall(call.params.chat_id);
  const markup = checkReplyMarkup(json(call.params, 'reply_markup'));
  const reply = replyFields(call, env, chat.id);
  env.flood.check(String(chat.id));
  return deliver(env, chat, {
    ...reply,
    ...protectedFields(call),
    ...textFields(formatted),
    ...linkPreviewFields(call),
    ...markupFields(markup),
  });
};

/**
 * The message an edit targets. Inline messages (inline_message_id) are not tracked: the edit is
 * accepted and answered with `true`, as Telegram answers edits of inline messages.
 */
function editTarget(call: MethodCall, env: MethodEnv): ChatMessage | 'inline' {
  if (str(call.params, 'inline_message_id')) return 'inline';
  const chat = env.state.chatForCall(call.params.chat_id);
  const stored = env.state.liveMessage(chat.id, int(call.params, 'message_id'));
  if (!stored) throw badRequest(TEXTS.editNotFound);
  if (stored.sentBy !== 'bot') throw badRequest("message can't be edited");
  return stored;
}

function sameMarkup(a: InlineKeyboardMarkup | undefined, b: InlineKeyboardMarkup | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function sameEntities(a: MessageEntity[] | undefined, b: MessageEntity[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** Applies an edit: a message that would not change is refused, as Telegram refuses it. */
function applyEdit(env: MethodEnv, stored: ChatMessage, changes: Partial<Message>, unchanged: boolean): Message {
  if (unchanged) throw badRequest(TEXTS.notModified);
  env.flood.check(String(stored.message.chat.id));
  const { reply_markup: _old, edit_date: _date, ...rest } = stored.message;
  // An absent field in `changes` (no entities, no keyboard) removes it from the message.
  const merged: Record<string, unknown> = { ...rest, edit_date: unixNow(), ...changes };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return env.state.editMessage(stored, merged as unknown as Message);
}

const editMessageText: Method = (call, env) => {
  const target = editTarget(call, env);
  const formatted = formatText(str(call.params, 'text'), str(call.params, 'parse_mode'), json(call.params, 'entities'), 'text') as FormattedText;
  const markup = checkReplyMarkup(json(call.params, 'reply_markup'));
  if (target === 'inline') return true;
  const current = target.message;
  if (current.text === undefined) throw badRequest(TEXTS.noTextToEdit);
  // Without reply_markup an edit removes the keyboard, so "unchanged" compares the markup too.
  const unchanged = current.text === formatted.text && sameEntities(current.entities, formatted.entities) && sameMarkup(current.reply_markup, markup);
  const entities = formatted.entities.length > 0 ? formatted.entities : undefined;
  return applyEdit(env, target, { text: formatted.text, entities, reply_markup: markup }, unchanged);
};

const editMessageCaption: Method = (call, env) => {
  const target = editTarget(call, env);
  const caption = formatText(str(call.params, 'caption'), str(call.params, 'parse_mode'), json(call.params, 'caption_entities'), 'caption');
  const markup = checkReplyMarkup(json(call.params, 'reply_markup'));
  if (target === 'inline') return true;
  const current = target.message;
  if (current.text !== undefined) throw badRequest(TEXTS.noCaptionToEdit);
  const unchanged = (current.caption ?? '') === (caption?.text ?? '') && sameEntities(current.caption_entities, caption?.entities) && sameMarkup(current.reply_markup, markup);
  const entities = caption && caption.entities.length > 0 ? caption.entities : undefined;
  return applyEdit(env, target, { caption: caption?.text, caption_entities: entities, reply_markup: markup }, unchanged);
};

const editMessageReplyMarkup: Method = (call, env) => {
  const target = editTarget(call, env);
  const markup = checkReplyMarkup(json(call.params, 'reply_markup'));
  if (target === 'inline') return true;
  return applyEdit(env, target, { reply_markup: markup }, sameMarkup(target.message.reply_markup, markup));
};

const deleteMessage: Method = (call, env) => {
  const chat = env.state.chatForCall(call.params.chat_id);
  const stored = env.state.liveMessage(chat.id, int(call.params, 'message_id'));
  if (!stored) throw badRequest(TEXTS.deleteNotFound);
  // In groups a bot deletes others' messages only as an admin.
  if (stored.sentBy === 'user' && chat.type !== 'private') {
    const status = env.state.chatMember(chat, env.state.bot.id).status;
    if (status !== 'administrator' && status !== 'creator') throw badRequest("message can't be deleted");
  }
  stored.deleted = true;
  return true;
};

// ---------------------------------------------------------------------------------------------
// Updates and webhooks

const getUpdates: Method = async (call, env) => {
  const { state } = env;
  if (state.webhook.url !== '') throw new ApiError(409, TEXTS.webhookActive);
  const offset = int(call.params, 'offset');
  const limit = Math.min(Math.max(int(call.params, 'limit', 100), 1), 100);
  const timeoutSeconds = Math.min(Math.max(int(call.params, 'timeout'), 0), 50);
  state.setAllowedUpdates(json(call.params, 'allowed_updates'));
  const ready = state.takeUpdates(offset, limit);
  if (ready.length > 0 || timeoutSeconds === 0) return ready;
  const outcome = await state.waitForUpdates(timeoutSeconds * 1000, call.signal);
  if (outcome.kind === 'aborted') return NO_ANSWER;
  if (outcome.kind === 'conflict') throw new ApiError(409, outcome.description);
  return state.takeUpdates(offset, limit);
};

function webhookInfo(env: MethodEnv): WebhookInfo {
  const { webhook } = env.state;
  const info: WebhookInfo = { url: webhook.url, has_custom_certificate: false, pending_update_count: env.state.pendingUpdates().length };
  if (webhook.url === '') return info;
  if (webhook.ipAddress) info.ip_address = webhook.ipAddress;
  if (webhook.lastErrorDate) {
    info.last_error_date = webhook.lastErrorDate;
    info.last_error_message = webhook.lastErrorMessage;
  }
  info.max_connections = webhook.maxConnections;
  return info;
}

const setWebhook: Method = (call, env) => {
  const { webhook } = env.state;
  const url = (str(call.params, 'url') ?? '').trim();
  if (url === '') return deleteWebhook(call, env);
  const secret = str(call.params, 'secret_token') ?? '';
  const maxConnections = Math.min(Math.max(int(call.params, 'max_connections', 40), 1), 100);
  if (bool(call.params, 'drop_pending_updates')) env.state.clearUpdates();
  let parsed: URL;
  try {
    // Like the Bot API server, a URL without a scheme is taken as HTTPS.
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`);
  } catch {
    throw badRequest('invalid webhook URL specified');
  }
  // api.telegram.org insists on HTTPS and ports 443/80/88/8443; the fake accepts plain HTTP on
  // any port, as a local Bot API server (TELEGRAM_API_ROOT) does, so tests can serve the bot on loopback.
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw badRequest('invalid webhook URL specified');
  if (secret.length > LIMITS.secretTokenLength) throw badRequest('secret token is too long');
  if (!/^[A-Za-z0-9_-]*$/.test(secret)) throw badRequest('secret token contains unallowed characters');
  env.state.setAllowedUpdates(json(call.params, 'allowed_updates'));
  const same = webhook.url === url && webhook.secretToken === secret && webhook.maxConnections === maxConnections;
  env.state.endLongPoll({ kind: 'conflict', description: TEXTS.terminatedBySetWebhook });
  // getWebhookInfo reports the URL as the bot gave it.
  Object.assign(webhook, { url, secretToken: secret, maxConnections, ipAddress: '127.0.0.1' });
  if (!same) Object.assign(webhook, { lastErrorDate: 0, lastErrorMessage: '' });
  env.webhook.kick();
  return new Described(true, same ? 'Webhook is already set' : 'Webhook was set');
};

const deleteWebhook: Method = (call, env) => {
  const { webhook } = env.state;
  if (bool(call.params, 'drop_pending_updates')) env.state.clearUpdates();
  const wasSet = webhook.url !== '';
  Object.assign(webhook, { url: '', secretToken: '', ipAddress: '', lastErrorDate: 0, lastErrorMessage: '' });
  return new Described(true, wasSet ? 'Webhook was deleted' : 'Webhook is already deleted');
};

// ---------------------------------------------------------------------------------------------
// Queries

const answerCallbackQuery: Method = (call, env) => {
  env.state.answerQuery('callback', call.params.callback_query_id);
  return true;
};

const answerInlineQuery: Method = (call, env) => {
  const results = json(call.params, 'results');
  if (typeof results === 'string') throw badRequest("can't parse JSON encoded inline query results");
  if (!Array.isArray(results)) throw badRequest('expected an Array of inline query results');
  if (results.length > LIMITS.inlineResults) throw badRequest('RESULTS_TOO_MUCH');
  const ids = new Set<string>();
  for (const result of results as Array<Record<string, unknown>>) {
    const id = typeof result?.id === 'string' ? result.id : '';
    if (id === '' || Buffer.byteLength(id) > 64) throw badRequest('RESULT_ID_INVALID');
    if (ids.has(id)) throw badRequest('RESULT_ID_DUPLICATE');
    ids.add(id);
  }
  env.state.answerQuery('inline', call.params.inline_query_id);
  return true;
};

// ---------------------------------------------------------------------------------------------
// Bot and chats

const CHAT_ACTIONS = new Set([
  'typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice', 'upload_document',
  'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note',
]);

const sendChatAction: Method = (call, env) => {
  env.state.chatForCall(call.params.chat_id);
  if (!CHAT_ACTIONS.has(str(call.params, 'action') ?? '')) throw badRequest('wrong parameter action in request');
  return true;
};

function commandsKey(call: MethodCall): string {
  const scope = json(call.params, 'scope');
  return `${JSON.stringify(scope ?? { type: 'default' })}|${str(call.params, 'language_code') ?? ''}`;
}

const setMyCommands: Method = (call, env) => {
  const commands = json(call.params, 'commands');
  if (typeof commands === 'string') throw badRequest("can't parse commands JSON object");
  if (!Array.isArray(commands)) throw badRequest('field "commands" must be an Array');
  if (commands.length > 100) throw badRequest('too many commands specified');
  const list: BotCommand[] = [];
  for (const entry of commands as Array<Record<string, unknown>>) {
    const command = typeof entry?.command === 'string' ? entry.command.replace(/^\//, '') : '';
    const description = typeof entry?.description === 'string' ? entry.description : '';
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
    if (description.trim() === '' || description.length > 256) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    list.push({ command, description });
  }
  env.state.commands.set(commandsKey(call), list);
  return true;
};

const getFile: Method = (call, env) => {
  const fileId = str(call.params, 'file_id') ?? '';
  if (fileId === '') throw badRequest('file_id not specified');
  const file = env.files.get(fileId);
  if (!file) throw badRequest('invalid file_id');
  if (file.size > LIMITS.downloadBytes) throw badRequest(TEXTS.fileTooBig);
  const result: File = { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size, file_path: file.filePath };
  return result;
};

const getChat: Method = (call, env) => {
  const chat = env.state.chatForCall(call.params.chat_id);
  const full = {
    ...chat,
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false, gifts_from_channels: false },
  };
  return full as unknown as ChatFullInfo;
};

const getChatMember: Method = (call, env) => {
  const chat = env.state.chatForCall(call.params.chat_id);
  const userId = int(call.params, 'user_id');
  if (userId <= 0) throw badRequest('invalid user_id specified');
  return env.state.chatMember(chat, userId);
};

// ---------------------------------------------------------------------------------------------

/** Every implemented method, by lower-cased name (Telegram's method names are case-insensitive). */
export const METHODS: ReadonlyMap<string, Method> = new Map<string, Method>([
  ['getme', (_call, env) => env.state.bot],
  ['logout', () => true],
  ['close', () => true],
  ['getupdates', getUpdates],
  ['setwebhook', setWebhook],
  ['deletewebhook', deleteWebhook],
  ['getwebhookinfo', (_call, env) => webhookInfo(env)],
  ['sendmessage', sendMessage],
  ['editmessagetext', editMessageText],
  ['editmessagecaption', editMessageCaption],
  ['editmessagereplymarkup', editMessageReplyMarkup],
  ['deletemessage', deleteMessage],
  ['sendphoto', sendMedia('photo')],
  ['sendvideo', sendMedia('video')],
  ['sendaudio', sendMedia('audio')],
  ['sendanimation', sendMedia('animation')],
  ['senddocument', sendMedia('document')],
  ['sendmediagroup', sendMediaGroup],
  ['sendchataction', sendChatAction],
  ['answercallbackquery', answerCallbackQuery],
  ['answerinlinequery', answerInlineQuery],
  ['setmycommands', setMyCommands],
  ['getmycommands', (call, env) => env.state.commands.get(commandsKey(call)) ?? []],
  ['deletemycommands', (call, env) => env.state.commands.delete(commandsKey(call)) || true],
  ['getfile', getFile],
  ['getchat', getChat],
  ['getchatmember', getChatMember],
]);
