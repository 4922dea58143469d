/**
 * Sending media the way Telegram shows it best: videos streamable with their size, length and
 * thumbnail; audio with title and performer; photos and videos of a carousel as albums of 2-10;
 * animations (silent clips, GIFs) as animations; anything over a photo's limit as a document.
 * The same path sends fresh uploads and cached file_ids, and returns the file_ids Telegram gave.
 *
 * Size limits: the cloud Bot API takes uploads up to 50 MB; a local Bot API server
 * (TELEGRAM_LOCAL_API=true) takes up to 2000 MB and reads the file from disk by its path.
 */
import { InputFile, type Api } from 'grammy';
import type { InputMediaAudio, InputMediaDocument, InputMediaPhoto, InputMediaVideo, Message, ReplyParameters } from 'grammy/types';
import type { DownloadedFile } from '../core/download-service.js';
import type { CachedItem, TelegramMediaKind } from './store.js';

/** Largest upload api.telegram.org accepts. */
export const CLOUD_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;
/** Largest upload a local Bot API server accepts. */
export const LOCAL_UPLOAD_LIMIT_BYTES = 2000 * 1024 * 1024;
/** Largest photo Telegram takes as a photo; bigger images go as documents. */
export const PHOTO_LIMIT_BYTES = 10 * 1024 * 1024;
/** Items of one album. */
export const ALBUM_MAX_ITEMS = 10;

/** The upload limit for the configured Bot API server. */
export function uploadLimitBytes(localApi: boolean): number {
  return localApi ? LOCAL_UPLOAD_LIMIT_BYTES : CLOUD_UPLOAD_LIMIT_BYTES;
}

/**
 * How a local file reaches Telegram: a local Bot API server reads it from disk (a file:// URI,
 * no bytes through the bot), the cloud API needs a multipart upload.
 */
export function mediaInput(path: string, localApi: boolean): InputFile | string {
  return localApi ? `file://${path}` : new InputFile(path);
}

/** How a downloaded file is sent. */
export function telegramKind(file: Pick<DownloadedFile, 'kind' | 'container' | 'sizeBytes' | 'formatIds' | 'item'>): TelegramMediaKind {
  if (file.kind === 'audio') return 'audio';
  if (file.kind === 'image') {
    if (file.container === 'gif') return 'animation';
    return file.sizeBytes <= PHOTO_LIMIT_BYTES ? 'photo' : 'document';
  }
  const formats = file.item.formats.filter((f) => file.formatIds.includes(f.id));
  const silent = formats.length > 0 && formats.every((f) => f.acodec === null);
  const gif = formats.some((f) => /\bgif\b/i.test(`${f.note ?? ''} ${f.id}`));
  return silent || gif ? 'animation' : 'video';
}

/** One file to send: a fresh upload or a cached file_id, with what Telegram shows beside it. */
export interface Outgoing {
  kind: TelegramMediaKind;
  media: InputFile | string;
  /** Bytes this item adds to the request (0 for a file_id or a local path). */
  uploadBytes: number;
  width?: number;
  height?: number;
  durationSec?: number;
  thumbnail?: InputFile;
  title?: string;
  performer?: string;
}

/** One send call: a single message or an album. */
export type SendStep<T> = { type: 'single'; item: T } | { type: 'album'; items: T[] };

/**
 * Splits `count` items into albums of at most `max`, as even as possible, so 11 photos go as
 * 6 + 5 rather than 10 + a lonely 1.
 */
export function balancedSizes(count: number, max = ALBUM_MAX_ITEMS): number[] {
  if (count <= 0) return [];
  const groups = Math.ceil(count / max);
  const base = Math.floor(count / groups);
  return Array.from({ length: groups }, (_, i) => base + (i < count % groups ? 1 : 0));
}

/**
 * Plans the send calls for items in order: photos and videos share albums; audio goes in
 * audio albums and documents in document albums (Telegram refuses to mix those); animations
 * cannot be in albums and go alone. An album whose uploads would exceed `maxRequestBytes` is
 * split further; a group of one is an ordinary message.
 */
export function planSends<T extends Pick<Outgoing, 'kind' | 'uploadBytes'>>(items: readonly T[], maxRequestBytes = Infinity): Array<SendStep<T>> {
  const family = (kind: TelegramMediaKind) => (kind === 'photo' || kind === 'video' ? 'visual' : kind);
  const families = new Map<string, T[]>();
  const steps: Array<SendStep<T> | { type: 'family'; name: string }> = [];
  for (const item of items) {
    const name = family(item.kind);
    if (name === 'animation') {
      steps.push({ type: 'single', item });
      continue;
    }
    if (!families.has(name)) {
      families.set(name, []);
      steps.push({ type: 'family', name });
    }
    families.get(name)!.push(item);
  }
  const out: Array<SendStep<T>> = [];
  for (const step of steps) {
    if (step.type !== 'family') {
      out.push(step);
      continue;
    }
    const members = families.get(step.name)!;
    let start = 0;
    for (const size of balancedSizes(members.length)) {
      for (const group of splitByBytes(members.slice(start, start + size), maxRequestBytes)) {
        out.push(group.length === 1 ? { type: 'single', item: group[0]! } : { type: 'album', items: group });
      }
      start += size;
    }
  }
  return out;
}

function splitByBytes<T extends Pick<Outgoing, 'uploadBytes'>>(items: T[], maxBytes: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && bytes + item.uploadBytes > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.uploadBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** A downloaded file as an Outgoing item. */
export function outgoingFile(file: DownloadedFile, localApi: boolean, meta: { title?: string; performer?: string } = {}): Outgoing {
  const kind = telegramKind(file);
  const thumbnail = file.thumbnailPath && kind !== 'photo' ? new InputFile(file.thumbnailPath) : undefined;
  return {
    kind,
    media: mediaInput(file.path, localApi),
    uploadBytes: localApi ? 0 : file.sizeBytes,
    ...(file.width ? { width: file.width } : {}),
    ...(file.height ? { height: file.height } : {}),
    ...(file.durationSec !== undefined ? { durationSec: file.durationSec } : {}),
    ...(thumbnail ? { thumbnail } : {}),
    ...(kind === 'audio' && meta.title ? { title: meta.title } : {}),
    ...(kind === 'audio' && meta.performer ? { performer: meta.performer } : {}),
  };
}

/** A cached file as an Outgoing item: Telegram already has the bytes and the attributes. */
export function outgoingCached(item: CachedItem): Outgoing {
  return { kind: item.kind, media: item.fileId, uploadBytes: 0 };
}

/** Options of one delivery. */
export interface SendOptions {
  /** HTML caption for the first message. */
  captionHtml?: string;
  replyToMessageId?: number;
  maxRequestBytes?: number;
  signal?: AbortSignal;
}

/** Sends the items (as planned by planSends) and returns the file_id of each, in order. */
export async function sendMedia(api: Api, chatId: number, items: readonly Outgoing[], options: SendOptions = {}): Promise<CachedItem[]> {
  const sent: CachedItem[] = [];
  let caption = options.captionHtml || undefined;
  const reply: ReplyParameters | undefined = options.replyToMessageId
    ? { message_id: options.replyToMessageId, allow_sending_without_reply: true }
    : undefined;
  const common = { ...(reply ? { reply_parameters: reply } : {}) };
  for (const step of planSends(items, options.maxRequestBytes)) {
    const withCaption = caption ? { caption, parse_mode: 'HTML' as const } : {};
    if (step.type === 'single') {
      const message = await sendOne(api, chatId, step.item, { ...common, ...withCaption }, apiSignal(options.signal));
      sent.push(cachedItem(message, step.item.kind));
    } else {
      // planSends never mixes audio, documents and visual media, so this is one of the allowed album shapes
      const media = step.items.map((item, i) => inputMedia(item, i === 0 ? withCaption : {})) as AlbumMedia;
      const messages = await api.sendMediaGroup(chatId, media, common, apiSignal(options.signal));
      messages.forEach((message, i) => sent.push(cachedItem(message, step.items[i]!.kind)));
    }
    caption = undefined;
  }
  return sent;
}

type Extra = { caption?: string; parse_mode?: 'HTML'; reply_parameters?: ReplyParameters };
type AlbumMedia = Parameters<Api['sendMediaGroup']>[1];
/** grammY's AbortSignal type (from its fetch polyfill's typings); the runtime object is the platform's. */
export type ApiSignal = Parameters<Api['sendMessage']>[3];

/** A standard AbortSignal in the type grammY's methods declare. */
export function apiSignal(signal: AbortSignal | undefined): ApiSignal {
  return signal as unknown as ApiSignal;
}

async function sendOne(api: Api, chatId: number, item: Outgoing, extra: Extra, signal?: ApiSignal): Promise<Message> {
  const duration = item.durationSec !== undefined ? { duration: Math.round(item.durationSec) } : {};
  const size = { ...(item.width ? { width: item.width } : {}), ...(item.height ? { height: item.height } : {}) };
  const thumbnail = item.thumbnail ? { thumbnail: item.thumbnail } : {};
  switch (item.kind) {
    case 'video':
      return api.sendVideo(chatId, item.media, { ...extra, ...size, ...duration, ...thumbnail, supports_streaming: true }, signal);
    case 'animation':
      return api.sendAnimation(chatId, item.media, { ...extra, ...size, ...duration, ...thumbnail }, signal);
    case 'audio':
      return api.sendAudio(
        chatId,
        item.media,
        { ...extra, ...duration, ...thumbnail, ...(item.title ? { title: item.title } : {}), ...(item.performer ? { performer: item.performer } : {}) },
        signal,
      );
    case 'photo':
      return api.sendPhoto(chatId, item.media, extra, signal);
    case 'document':
      return api.sendDocument(chatId, item.media, { ...extra, ...thumbnail }, signal);
  }
}

function inputMedia(item: Outgoing, caption: { caption?: string; parse_mode?: 'HTML' }): InputMediaPhoto | InputMediaVideo | InputMediaAudio | InputMediaDocument {
  const duration = item.durationSec !== undefined ? { duration: Math.round(item.durationSec) } : {};
  const thumbnail = item.thumbnail ? { thumbnail: item.thumbnail } : {};
  switch (item.kind) {
    case 'video':
      return {
        type: 'video',
        media: item.media,
        ...caption,
        ...(item.width ? { width: item.width } : {}),
        ...(item.height ? { height: item.height } : {}),
        ...duration,
        ...thumbnail,
        supports_streaming: true,
      };
    case 'audio':
      return { type: 'audio', media: item.media, ...caption, ...duration, ...thumbnail, ...(item.title ? { title: item.title } : {}), ...(item.performer ? { performer: item.performer } : {}) };
    case 'document':
      return { type: 'document', media: item.media, ...caption, ...thumbnail };
    default:
      return { type: 'photo', media: item.media, ...caption };
  }
}

/** The file_id Telegram gave the file in `message`. */
function cachedItem(message: Message, kind: TelegramMediaKind): CachedItem {
  const fileId =
    kind === 'video' ? message.video?.file_id
    : kind === 'audio' ? message.audio?.file_id
    : kind === 'animation' ? (message.animation?.file_id ?? message.document?.file_id)
    : kind === 'document' ? message.document?.file_id
    : message.photo?.at(-1)?.file_id;
  if (!fileId) throw new Error(`Telegram's answer to a ${kind} has no file_id`);
  return { kind, fileId };
}
