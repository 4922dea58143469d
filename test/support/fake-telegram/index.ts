/**
 * A fake Telegram Bot API server for offline end-to-end tests. Point grammY at it with
 * `new Bot(fake.token, { client: { apiRoot: fake.apiRoot } })` (or `new Api(token, { apiRoot })`);
 * play the user with sendUserMessage / pressButton / inlineQuery; assert on `calls` (every API
 * call with its decoded params, uploaded bytes and the answer) and on `messages(chatId)`.
 *
 * It answers like api.telegram.org: the same Message shapes, file_ids that can be re-sent,
 * the same limits and error texts, long polling with offset semantics, webhooks with the secret
 * header. Deviations, all for testability: unknown numeric chat ids are created on first use,
 * webhooks may be plain HTTP on any port (as with a local Bot API server), URLs given as media
 * are fetched only from loopback, and photos are not re-encoded.
 */
import type { CallbackQuery, Chat, InlineQuery, Message, MessageEntity, Update, User, UserFromGetMe } from 'grammy/types';
import { findEntities, parseHtml, sortEntities } from './entities.js';
import {
  animationObject,
  audioObject,
  documentObject,
  FileStore,
  photoObject,
  videoObject,
  type StoredFile,
} from './files.js';
import { FaultQueue, FloodControl, LIMITS } from './limits.js';
import { startServer, type RunningServer } from './server.js';
import { State, unixNow, type ChatMessage, type MemberStatus } from './state.js';
import type { ApiCall, Fault, FakeTelegramOptions, FloodLimits } from './types.js';
import { WebhookDeliverer } from './webhook.js';

export type { ApiCall, ApiFailure, ApiResponse, ApiSuccess, Fault, FakeTelegramOptions, FloodLimits, UploadedFile } from './types.js';
export type { ChatMessage, MemberStatus } from './state.js';
export type { StoredFile } from './files.js';
export { LIMITS } from './limits.js';

/** The user tests act as unless they say otherwise. */
export const DEFAULT_USER_ID = 111_222_333;

const DEFAULT_TOKEN = '7000000001:AAHfakeTelegramTokenForTests0123456';

/** Media a simulated user attaches to a message. */
export interface UserMedia {
  type: 'video' | 'photo' | 'document' | 'audio' | 'animation';
  bytes: Buffer;
  fileName?: string;
  mimeType?: string;
  width?: number;
  height?: number;
  duration?: number;
}

/** Where a forwarded message came from. */
export type ForwardOrigin =
  | { userId: number; firstName?: string; username?: string }
  | { chatId: number; title?: string; username?: string; messageId?: number };

/** A message a simulated user sends to the bot. */
export interface UserMessageOptions {
  /** Plain text (the caption when `media` is set); Telegram's automatic entities (links, /commands, …) are added. */
  text?: string;
  /** Text written as Telegram HTML (e.g. `<a href="…">here</a>` for a text_link); replaces `text`. */
  html?: string;
  /** Explicit entities, used instead of the automatic ones. */
  entities?: MessageEntity[];
  userId?: number;
  firstName?: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  /** Defaults to the user's private chat (or a fixed group/channel id for those types). */
  chatId?: number;
  chatType?: Chat['type'];
  chatTitle?: string;
  /** The message (or its id, in the same chat) this one replies to. */
  replyTo?: number | Message;
  forwardFrom?: ForwardOrigin;
  media?: UserMedia;
  /** Unix seconds; now by default. */
  date?: number;
}

/** What waitFor matches: a method name (case-insensitive) or a predicate over calls. */
export type CallMatcher = string | ((call: ApiCall) => boolean);

/** The fake Bot API server. */
export class FakeTelegram {
  /** Every API call answered so far, in completion order (a long poll is recorded when it returns). */
  readonly calls: ApiCall[] = [];

  private readonly callListeners = new Set<(call: ApiCall) => void>();

  private constructor(
    /** The bot token the fake accepts; any other gets 401. */
    readonly token: string,
    private readonly state: State,
    private readonly files: FileStore,
    private readonly faults: FaultQueue,
    private readonly flood: FloodControl,
    private readonly deliverer: WebhookDeliverer,
    private readonly server: RunningServer,
  ) {}

  /** Starts a fake on 127.0.0.1 on a free port. */
  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const token = options.token ?? DEFAULT_TOKEN;
    const botId = Number(token.split(':')[0]);
    if (!Number.isSafeInteger(botId) || botId <= 0) throw new Error(`A bot token starts with the bot's numeric id: ${token}`);
    const bot: UserFromGetMe = {
      id: botId,
      is_bot: true,
      first_name: options.botFirstName ?? 'DL Bot',
      username: options.botUsername ?? 'dlbot_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: true,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    const state = new State(bot);
    const files = new FileStore();
    const faults = new FaultQueue();
    const flood = new FloodControl(options.flood);
    let fake: FakeTelegram | undefined;
    const deliverer = new WebhookDeliverer(state, options.webhookDelivery ?? 'auto', async (method, params) => {
      await fake?.server.runMethod(method, params, 'webhook-reply');
    });
    const server = await startServer({
      token,
      uploadLimitBytes: options.uploadLimitBytes ?? LIMITS.uploadBytes,
      env: { state, files, flood, webhook: deliverer },
      faults,
      record: (call) => fake?.record(call),
    });
    fake = new FakeTelegram(token, state, files, faults, flood, deliverer, server);
    return fake;
  }

  /** http://127.0.0.1:<port>, for grammY's `apiRoot`. */
  get apiRoot(): string {
    return this.server.apiRoot;
  }

  /** The bot as getMe returns it. */
  get bot(): UserFromGetMe {
    return this.state.bot;
  }

  /** The webhook the bot set (url '' when none) and the last delivery error. */
  get webhook(): Readonly<State['webhook']> {
    return { ...this.state.webhook };
  }

  /** Stops the server, webhook delivery and any waiting long poll. */
  async close(): Promise<void> {
    this.deliverer.close();
    this.state.endLongPoll({ kind: 'aborted' });
    await this.server.close();
  }

  // ------------------------------------------------------------------------------- the user's side

  /** Queues a `message` update (or `channel_post` in a channel) as a user would send it, and returns it. */
  sendUserMessage(options: UserMessageOptions): Update {
    if (!options.text && !options.html && !options.media) throw new Error('A user message needs text, html or media');
    const chatType = options.chatType ?? 'private';
    const userId = options.userId ?? (chatType === 'private' && options.chatId !== undefined ? options.chatId : DEFAULT_USER_ID);
    const from = this.state.user(userId, {
      first_name: options.firstName,
      last_name: options.lastName,
      username: options.username,
      language_code: options.languageCode,
    });
    const chatId = options.chatId ?? (chatType === 'private' ? userId : chatType === 'group' ? -4_000_000_001 : -1_001_000_000_001);
    const chat = this.state.chat(chatId, { type: chatType, ...(options.chatTitle ? { title: options.chatTitle } : {}) });

    const formatted = options.html !== undefined ? parseHtml(options.html) : { text: options.text ?? '', entities: [] };
    const entities = options.entities ?? [...formatted.entities, ...findEntities(formatted.text, formatted.entities)];
    const sorted = entities.length > 0 ? { entities: sortEntities([...entities]) } : {};
    const media = options.media ? this.userMedia(options.media) : undefined;
    const content: Partial<Message> = media
      ? { ...media, ...(formatted.text ? { caption: formatted.text, ...(sorted.entities ? { caption_entities: sorted.entities } : {}) } : {}) }
      : { text: formatted.text, ...sorted };

    const stored = this.state.addMessage(
      {
        ...(chatType === 'channel' ? { sender_chat: chat } : { from }),
        ...(options.date !== undefined ? { date: options.date } : {}),
        ...this.forwardFields(options.forwardFrom),
        ...this.replyFields(chatId, options.replyTo),
        ...content,
      },
      chat,
      'user',
    );
    const payload = chatType === 'channel' ? { channel_post: stored.message } : { message: stored.message };
    return this.state.queueUpdate(payload as Omit<Update, 'update_id'>);
  }

  /**
   * Queues a `callback_query` as if the user pressed the inline button with this callback_data
   * on the message (as it is now, after edits). Throws when the message is gone or has no such
   * button — a user cannot press a button that is not there.
   */
  pressButton(message: Pick<Message, 'message_id' | 'chat'>, callbackData: string, userId?: number): Update {
    const stored = this.state.liveMessage(message.chat.id, message.message_id);
    if (!stored) throw new Error(`Message ${message.message_id} in chat ${message.chat.id} does not exist (or was deleted)`);
    const buttons = stored.message.reply_markup?.inline_keyboard.flat() ?? [];
    if (!buttons.some((button) => 'callback_data' in button && button.callback_data === callbackData)) {
      const offered = buttons.map((button) => ('callback_data' in button ? JSON.stringify(button.callback_data) : `(${button.text})`));
      throw new Error(`Message ${message.message_id} has no button with callback_data ${JSON.stringify(callbackData)}; it has: ${offered.join(', ') || 'no buttons'}`);
    }
    const chat = stored.message.chat;
    const from = this.state.user(userId ?? (chat.type === 'private' ? chat.id : DEFAULT_USER_ID));
    const query: CallbackQuery = {
      id: this.state.newQueryId('callback'),
      from,
      message: stored.message,
      chat_instance: chatInstance(chat.id),
      data: callbackData,
    };
    return this.state.queueUpdate({ callback_query: query });
  }

  /** Queues an `inline_query` from this user. */
  inlineQuery(userId: number, query: string, options: { offset?: string; chatType?: InlineQuery['chat_type'] } = {}): Update {
    const inline: InlineQuery = {
      id: this.state.newQueryId('inline'),
      from: this.state.user(userId),
      query,
      offset: options.offset ?? '',
      chat_type: options.chatType ?? 'sender',
    };
    return this.state.queueUpdate({ inline_query: inline });
  }

  /** Queues any update (update_id is assigned), for cases the helpers above do not cover. */
  queueUpdate(payload: Omit<Update, 'update_id'>): Update {
    return this.state.queueUpdate(payload);
  }

  /** Updates queued and not yet confirmed by getUpdates or accepted by the webhook. */
  pendingUpdates(): Update[] {
    return this.state.pendingUpdates();
  }

  /** A user as the fake knows them (created with defaults on first use). */
  user(userId: number): User {
    return this.state.user(userId);
  }

  // ------------------------------------------------------------------------------- webhooks

  /**
   * POSTs an update to the webhook the bot set, with the secret it set (or `secretToken` when
   * given, to test a wrong one), runs a method in the answer as Telegram does, and returns the
   * HTTP status (0 when the connection failed).
   */
  async postUpdateToWebhook(update: Update, secretToken?: string): Promise<number> {
    return (await this.deliverer.post(update, secretToken)).status;
  }

  // ------------------------------------------------------------------------------- assertions

  /**
   * The first call matching (a method name or a predicate), already recorded or arriving within
   * timeoutMs. Pass `fromIndex` (e.g. `fake.calls.length` taken earlier) to skip older calls.
   */
  waitFor(matcher: CallMatcher, timeoutMs = 5000, fromIndex = 0): Promise<ApiCall> {
    const matches = typeof matcher === 'string'
      ? (call: ApiCall) => call.method.toLowerCase() === matcher.toLowerCase()
      : matcher;
    const earlier = this.calls.slice(fromIndex).find(matches);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const listener = (call: ApiCall) => {
        if (!matches(call)) return;
        clearTimeout(timer);
        this.callListeners.delete(listener);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.callListeners.delete(listener);
        const seen = this.calls.slice(fromIndex).map((call) => `${call.method}(${call.status})`).join(', ') || 'none';
        const wanted = typeof matcher === 'string' ? matcher : 'a matching call';
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${wanted}; calls seen: ${seen}`));
      }, timeoutMs);
      this.callListeners.add(listener);
    });
  }

  /** The chat's messages in order (bot's and users'), with edits and deletions applied. */
  messages(chatId: number): ChatMessage[] {
    return this.state.messagesOf(chatId);
  }

  /** A file the fake issued (upload, URL or user media), with its bytes. */
  file(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  // ------------------------------------------------------------------------------- faults, limits

  /** Makes the next `times` calls of a method fail with this fault instead of running. */
  failNext(method: string, fault: Fault, times = 1): void {
    this.faults.add(method, fault, times);
  }

  /** Turns Telegram's flood limits on (or off, with `{}`). */
  setFloodLimits(limits: FloodLimits): void {
    this.flood.configure(limits);
  }

  /** Sets what getChatMember answers for a user in a chat (e.g. the bot as administrator). */
  setChatMember(chatId: number, userId: number, status: MemberStatus): void {
    this.state.setMemberStatus(chatId, userId, status);
  }

  // ------------------------------------------------------------------------------- internals

  private record(call: ApiCall): void {
    this.calls.push(call);
    for (const listener of [...this.callListeners]) listener(call);
  }

  private userMedia(media: UserMedia): Partial<Message> {
    const kind = media.type;
    const file = this.files.materialize(
      { source: 'upload', upload: { field: kind, filename: media.fileName ?? '', contentType: media.mimeType ?? '', size: media.bytes.length, bytes: media.bytes } },
      kind,
      { ...(media.width ? { width: media.width } : {}), ...(media.height ? { height: media.height } : {}), ...(media.duration ? { duration: media.duration } : {}) },
    );
    file.origin = 'user';
    if (!media.fileName) delete file.fileName;
    switch (kind) {
      case 'photo':
        return { photo: photoObject(file) };
      case 'video':
        return { video: videoObject(file) };
      case 'audio':
        return { audio: audioObject(file) };
      case 'animation':
        return { animation: animationObject(file), document: documentObject(file) };
      default:
        return { document: documentObject(file) };
    }
  }

  private forwardFields(origin: ForwardOrigin | undefined): Partial<Message> & Record<string, unknown> {
    if (!origin) return {};
    const date = unixNow() - 60;
    if ('userId' in origin) {
      const user = this.state.user(origin.userId, { first_name: origin.firstName, username: origin.username });
      // The Bot API still sends the pre-7.0 forward_from/forward_date next to forward_origin.
      return { forward_origin: { type: 'user', sender_user: user, date }, forward_from: user, forward_date: date };
    }
    const chat = this.state.chat(origin.chatId, {
      type: 'channel',
      ...(origin.title ? { title: origin.title } : {}),
      ...(origin.username ? { username: origin.username } : {}),
    });
    const messageId = origin.messageId ?? 1;
    return {
      forward_origin: { type: 'channel', chat: chat as Chat.ChannelChat, message_id: messageId, date },
      forward_from_chat: chat,
      forward_from_message_id: messageId,
      forward_date: date,
    };
  }

  private replyFields(chatId: number, replyTo: number | Message | undefined): Partial<Message> {
    if (replyTo === undefined) return {};
    const messageId = typeof replyTo === 'number' ? replyTo : replyTo.message_id;
    const target = this.state.liveMessage(chatId, messageId);
    if (!target) throw new Error(`Message ${messageId} does not exist in chat ${chatId}`);
    const { reply_to_message: _nested, ...replied } = target.message;
    return { reply_to_message: replied as Message['reply_to_message'] };
  }
}

/** Telegram's chat_instance: an opaque number, stable per chat. */
function chatInstance(chatId: number): string {
  return String(BigInt(chatId) * 2_654_435_761n + 7_046_029_254_386_353_131n);
}
