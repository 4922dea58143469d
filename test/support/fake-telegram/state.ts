/**
 * What the fake Telegram remembers: the bot, users, chats and their messages, the update queue
 * getUpdates reads (with Telegram's offset and long-poll semantics), callback and inline
 * queries awaiting an answer, the webhook and the command lists.
 */
import type {
  BotCommand,
  Chat,
  ChatMember,
  Message,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';
import { TEXTS, badRequest } from './limits.js';

/** One message of a chat as the fake keeps it. */
export interface ChatMessage {
  /** The message as Telegram would return it now (edit_date set after an edit). */
  message: Message;
  /** The bot sent it through the API, or the test sent it as a user. */
  sentBy: 'bot' | 'user';
  /** Earlier versions, oldest first; empty when never edited. */
  edits: Message[];
  deleted: boolean;
}

/** A chat member status the test can set for getChatMember. */
export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

interface ChatRecord {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, ChatMessage>;
  members: Map<number, MemberStatus>;
}

/** Update types a bot gets when it never set allowed_updates (Telegram's default). */
const DEFAULT_ALLOWED_UPDATES: ReadonlySet<string> = new Set([
  'message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_connection',
  'business_message', 'edited_business_message', 'deleted_business_messages', 'inline_query',
  'chosen_inline_result', 'callback_query', 'shipping_query', 'pre_checkout_query', 'purchased_paid_media',
  'poll', 'poll_answer', 'my_chat_member', 'chat_join_request', 'chat_boost', 'removed_chat_boost',
]);

/** What setWebhook configured; url '' means no webhook. */
export interface WebhookState {
  url: string;
  secretToken: string;
  maxConnections: number;
  ipAddress: string;
  lastErrorDate: number;
  lastErrorMessage: string;
}

/** How a long poll ended. */
export type PollOutcome = { kind: 'update' | 'timeout' | 'aborted' } | { kind: 'conflict'; description: string };

/** A query the bot is expected to answer at most once. */
interface PendingQuery {
  answered: boolean;
}

/** Telegram's clock: Unix seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The fake's memory; methods and the test-side API both work on it. */
export class State {
  readonly bot: UserFromGetMe;
  readonly users = new Map<number, User>();
  readonly webhook: WebhookState = { url: '', secretToken: '', maxConnections: 40, ipAddress: '', lastErrorDate: 0, lastErrorMessage: '' };
  readonly commands = new Map<string, BotCommand[]>();
  readonly callbackQueries = new Map<string, PendingQuery>();
  readonly inlineQueries = new Map<string, PendingQuery>();
  /** Update types the bot asked for (allowed_updates); Telegram remembers the last setting. */
  allowedUpdates: ReadonlySet<string> = DEFAULT_ALLOWED_UPDATES;

  private readonly chats = new Map<number, ChatRecord>();
  private readonly queue: Update[] = [];
  // Real update ids are large and not 1-based; starting elsewhere catches bots that assume 1.
  private nextUpdateId = 852_300_001;
  private queryCounter = 0;
  private readonly queueListeners = new Set<() => void>();
  private longPoll: ((outcome: PollOutcome) => void) | null = null;

  constructor(bot: UserFromGetMe) {
    this.bot = bot;
    this.users.set(bot.id, { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username });
  }

  // ------------------------------------------------------------------------------- users, chats

  /** The user with this id, created (or updated) with the given details. */
  user(id: number, details: Partial<Omit<User, 'id'>> = {}): User {
    const existing = this.users.get(id);
    const user: User = {
      id,
      is_bot: false,
      first_name: `User${id}`,
      language_code: 'en',
      ...existing,
      ...Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)),
    };
    this.users.set(id, user);
    return user;
  }

  /** The chat with this id, created on first use (private for positive ids, group or supergroup below zero). */
  chat(id: number, details: { type?: Chat['type']; title?: string; username?: string } = {}): Chat {
    return this.chatRecord(id, details).chat;
  }

  /**
   * The chat a bot call names in chat_id: a numeric id (unknown chats are created, so tests need
   * no set-up) or "@username" of a chat the fake knows.
   */
  chatForCall(chatId: unknown): Chat {
    if (chatId === undefined || chatId === null || chatId === '') throw badRequest(TEXTS.chatIdEmpty);
    if (typeof chatId === 'string' && chatId.startsWith('@')) {
      const name = chatId.slice(1).toLowerCase();
      for (const record of this.chats.values()) {
        if ('username' in record.chat && record.chat.username?.toLowerCase() === name) return record.chat;
      }
      throw badRequest(TEXTS.chatNotFound);
    }
    const id = typeof chatId === 'number' ? chatId : Number(chatId);
    if (!Number.isSafeInteger(id) || id === 0) throw badRequest(TEXTS.chatNotFound);
    return this.chat(id);
  }

  private chatRecord(id: number, details: { type?: Chat['type']; title?: string; username?: string } = {}): ChatRecord {
    const existing = this.chats.get(id);
    if (existing) {
      // A private chat carries the user's current name, which sendUserMessage may have changed.
      if (existing.chat.type === 'private') existing.chat = privateChat(this.user(id));
      return existing;
    }
    const type = details.type ?? (id > 0 ? 'private' : String(id).startsWith('-100') ? 'supergroup' : 'group');
    let chat: Chat;
    if (type === 'private') {
      chat = privateChat(this.user(id));
    } else if (type === 'group') {
      chat = { id, title: details.title ?? `Group ${-id}`, type: 'group' };
    } else if (type === 'supergroup') {
      chat = { id, title: details.title ?? `Group ${-id}`, ...(details.username ? { username: details.username } : {}), type: 'supergroup' };
    } else {
      chat = { id, title: details.title ?? `Channel ${-id}`, ...(details.username ? { username: details.username } : {}), type: 'channel' };
    }
    const record: ChatRecord = { chat, nextMessageId: 1, messages: new Map(), members: new Map() };
    this.chats.set(id, record);
    return record;
  }

  /** Ids of every chat the fake knows. */
  chatIds(): number[] {
    return [...this.chats.keys()];
  }

  // ------------------------------------------------------------------------------- messages

  /**
   * Stores a new message in its chat with the chat's next message_id (user and bot messages
   * share one sequence per chat, as in Telegram) and returns the stored record.
   */
  addMessage(content: Omit<Message, 'message_id' | 'chat' | 'date'> & { date?: number }, chat: Chat, sentBy: 'bot' | 'user'): ChatMessage {
    const record = this.chatRecord(chat.id);
    const { date, ...rest } = content;
    const message = { message_id: record.nextMessageId++, ...pickSender(rest), chat: record.chat, date: date ?? unixNow(), ...withoutSender(rest) } as Message;
    const stored: ChatMessage = { message, sentBy, edits: [], deleted: false };
    record.messages.set(message.message_id, stored);
    return stored;
  }

  /** A message that exists and was not deleted. */
  liveMessage(chatId: number, messageId: number): ChatMessage | undefined {
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    return stored && !stored.deleted ? stored : undefined;
  }

  /** Replaces a message's content, keeping the previous version in its history. */
  editMessage(stored: ChatMessage, next: Message): Message {
    stored.edits.push(stored.message);
    stored.message = next;
    return next;
  }

  /** All messages of a chat in order, deleted ones included (flagged). */
  messagesOf(chatId: number): ChatMessage[] {
    return [...(this.chats.get(chatId)?.messages.values() ?? [])];
  }

  /** Sets a member's status for getChatMember. */
  setMemberStatus(chatId: number, userId: number, status: MemberStatus): void {
    this.chatRecord(chatId).members.set(userId, status);
  }

  /** The ChatMember getChatMember answers. */
  chatMember(chat: Chat, userId: number): ChatMember {
    const user = this.users.get(userId);
    if (!user) throw badRequest('user not found');
    const record = this.chatRecord(chat.id);
    const status = record.members.get(userId) ?? (chat.type === 'private' || record.members.size === 0 || this.hasSpoken(record, userId) ? 'member' : 'left');
    switch (status) {
      case 'creator':
        return { status: 'creator', user, is_anonymous: false };
      case 'administrator':
        return {
          status: 'administrator', user, can_be_edited: false, is_anonymous: false, can_manage_chat: true,
          can_delete_messages: true, can_manage_video_chats: true, can_restrict_members: true,
          can_promote_members: false, can_change_info: true, can_invite_users: true, can_post_stories: false,
          can_edit_stories: false, can_delete_stories: false,
        } as ChatMember;
      case 'left':
        return { status: 'left', user };
      case 'kicked':
        return { status: 'kicked', user, until_date: 0 };
      case 'restricted':
        return { status: 'restricted', user, is_member: true, until_date: 0 } as ChatMember;
      default:
        return { status: 'member', user };
    }
  }

  private hasSpoken(record: ChatRecord, userId: number): boolean {
    for (const stored of record.messages.values()) if (stored.message.from?.id === userId) return true;
    return false;
  }

  // ------------------------------------------------------------------------------- updates

  /** Adds an update to the queue with the next update_id and wakes a waiting long poll. */
  queueUpdate(payload: Omit<Update, 'update_id'>): Update {
    const update = { update_id: this.nextUpdateId++, ...payload } as Update;
    this.queue.push(update);
    for (const listener of [...this.queueListeners]) listener();
    return update;
  }

  /** Updates still queued (not confirmed), oldest first. */
  pendingUpdates(): Update[] {
    return [...this.queue];
  }

  /** Drops every queued update (drop_pending_updates). */
  clearUpdates(): void {
    this.queue.length = 0;
  }

  /** Removes one update once a webhook accepted it. */
  confirmUpdate(updateId: number): void {
    const index = this.queue.findIndex((update) => update.update_id === updateId);
    if (index !== -1) this.queue.splice(index, 1);
  }

  /**
   * getUpdates' offset: a positive offset confirms (forgets) every update with a smaller id; a
   * negative one keeps only the last -offset updates. Then the bot gets what is left that its
   * allowed_updates let through; the rest Telegram would never have queued, so it is dropped.
   */
  takeUpdates(offset: number, limit: number): Update[] {
    if (offset > 0) {
      while (this.queue.length > 0 && (this.queue[0] as Update).update_id < offset) this.queue.shift();
    } else if (offset < 0) {
      this.queue.splice(0, Math.max(0, this.queue.length + offset));
    }
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (!this.allowedUpdates.has(updateType(this.queue[i] as Update))) this.queue.splice(i, 1);
    }
    return this.queue.slice(0, limit);
  }

  /** Sets allowed_updates as getUpdates/setWebhook do: absent keeps, [] restores the default. */
  setAllowedUpdates(value: unknown): void {
    if (!Array.isArray(value)) return;
    const names = value.filter((name): name is string => typeof name === 'string').map((name) => name.toLowerCase());
    this.allowedUpdates = names.length === 0 ? DEFAULT_ALLOWED_UPDATES : new Set(names);
  }

  /** Calls listener whenever an update is queued; returns the unsubscribe function. */
  onUpdateQueued(listener: () => void): () => void {
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }

  /**
   * Waits up to timeoutMs for an update the bot would get. Only one long poll may wait: a new
   * one ends the previous with Telegram's 409 conflict, as a second bot instance does.
   */
  waitForUpdates(timeoutMs: number, signal: AbortSignal): Promise<PollOutcome> {
    this.endLongPoll({ kind: 'conflict', description: TEXTS.otherGetUpdates });
    return new Promise((resolve) => {
      let done = false;
      const finish = (outcome: PollOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        if (this.longPoll === finish) this.longPoll = null;
        resolve(outcome);
      };
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      // Updates queued in the same tick (an album, a burst) go out in one answer, as Telegram batches them.
      const unsubscribe = this.onUpdateQueued(() => setImmediate(() => {
        if (this.queue.some((update) => this.allowedUpdates.has(updateType(update)))) finish({ kind: 'update' });
      }));
      const onAbort = () => finish({ kind: 'aborted' });
      signal.addEventListener('abort', onAbort);
      this.longPoll = finish;
    });
  }

  /** Ends a waiting long poll (setWebhook, a second getUpdates, shutdown). */
  endLongPoll(outcome: PollOutcome): void {
    this.longPoll?.(outcome);
  }

  // ------------------------------------------------------------------------------- queries

  /** A new media_group_id: a decimal 64-bit number, as Telegram's. */
  newMediaGroupId(): string {
    return String(13_960_000_000_000_000n + BigInt(++this.queryCounter));
  }

  /** A new callback or inline query id, numeric like Telegram's. */
  newQueryId(kind: 'callback' | 'inline'): string {
    const id = `${4_385_000_000_000_000_000n + BigInt(++this.queryCounter * 7919)}`;
    (kind === 'callback' ? this.callbackQueries : this.inlineQueries).set(id, { answered: false });
    return id;
  }

  /** Marks a query answered; an unknown or already answered id fails as Telegram's does. */
  answerQuery(kind: 'callback' | 'inline', id: unknown): void {
    const query = (kind === 'callback' ? this.callbackQueries : this.inlineQueries).get(String(id ?? ''));
    if (!query || query.answered) throw badRequest(TEXTS.queryTooOld);
    query.answered = true;
  }
}

function privateChat(user: User): Chat {
  return {
    id: user.id,
    first_name: user.first_name,
    ...(user.last_name ? { last_name: user.last_name } : {}),
    ...(user.username ? { username: user.username } : {}),
    type: 'private',
  };
}

/** The update's type: its one field besides update_id. */
export function updateType(update: Update): string {
  return Object.keys(update).find((key) => key !== 'update_id') ?? '';
}

// Telegram orders a message's fields message_id, from/sender_chat, chat, date, …; keeping that
// order makes recorded responses read like real ones.
function pickSender(content: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (content.from !== undefined) result.from = content.from;
  if (content.sender_chat !== undefined) result.sender_chat = content.sender_chat;
  return result;
}

function withoutSender(content: Record<string, unknown>): Record<string, unknown> {
  const { from: _from, sender_chat: _senderChat, ...rest } = content;
  return rest;
}
