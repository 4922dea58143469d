/**
 * Files the fake knows: uploads, files fetched from a URL and files users sent. Each gets a
 * file_id that looks like Telegram's (type prefix + base64url, ~75 characters), a short
 * file_unique_id and a getFile path; the bytes are kept so getFile downloads return them and
 * tests can compare them. Media attributes (width, height, duration) come from the call's
 * parameters, else from the bytes (MP4 boxes, PNG/JPEG/GIF headers), else 0 — as Telegram
 * reports 0 for what it cannot tell.
 */
import { randomBytes } from 'node:crypto';
import { extname } from 'node:path';
import type { Animation, Audio, Document, PhotoSize, Video } from 'grammy/types';
import { LIMITS, TEXTS, badRequest } from './limits.js';
import type { UploadedFile } from './types.js';

/** The kinds of files Telegram distinguishes (a file_id of one kind is refused as another). */
export type FileKind = 'photo' | 'video' | 'audio' | 'animation' | 'document' | 'thumbnail';

/** A file the fake issued a file_id for. */
export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  kind: FileKind;
  bytes: Buffer;
  size: number;
  fileName?: string;
  mimeType?: string;
  width: number;
  height: number;
  duration: number;
  /** Audio metadata given at upload. */
  title?: string;
  performer?: string;
  /** The thumbnail uploaded with it. */
  thumbnail?: StoredFile;
  /** For photos: every size of the same photo, smallest first (a photo file_id re-sends them all). */
  photoSizes?: StoredFile[];
  /** The path getFile reports, under {apiRoot}/file/bot<token>/. */
  filePath: string;
  /** How the fake got it. */
  origin: 'upload' | 'url' | 'user';
  /** The URL Telegram was asked to fetch, for origin 'url'. */
  url?: string;
}

/** Attributes a send call may state for its media. */
export interface MediaAttributes {
  width?: number;
  height?: number;
  duration?: number;
  title?: string;
  performer?: string;
}

const FILE_ID_PREFIX: Record<FileKind, string> = {
  photo: 'AgACAgIAAxkDAAI',
  video: 'BAACAgIAAxkDAAI',
  audio: 'CQACAgIAAxkDAAI',
  animation: 'CgACAgIAAxkDAAI',
  document: 'BQACAgIAAxkDAAI',
  thumbnail: 'AAMCAgADGQMAAg',
};

/** The type names TDLib uses in "can't use file of type X as Y". */
const TYPE_NAME: Record<FileKind, string> = {
  photo: 'Photo',
  video: 'Video',
  audio: 'Audio',
  animation: 'Animation',
  document: 'Document',
  thumbnail: 'Thumbnail',
};

const DIRECTORY: Record<FileKind, string> = {
  photo: 'photos',
  video: 'videos',
  audio: 'music',
  animation: 'animations',
  document: 'documents',
  thumbnail: 'thumbnails',
};

const MIME_BY_EXTENSION: Record<string, string> = {
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm',
  '.mkv': 'video/x-matroska', '.avi': 'video/x-msvideo', '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4',
  '.ogg': 'audio/ogg', '.oga': 'audio/ogg', '.opus': 'audio/ogg', '.flac': 'audio/flac', '.wav': 'audio/x-wav',
  '.aac': 'audio/aac', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.gif': 'image/gif',
  '.webp': 'image/webp', '.pdf': 'application/pdf', '.zip': 'application/zip', '.txt': 'text/plain',
  '.json': 'application/json', '.html': 'text/html',
};

const EXTENSION_BY_MIME: Record<string, string> = Object.fromEntries(
  Object.entries(MIME_BY_EXTENSION).reverse().map(([extension, mime]) => [mime, extension]),
);

/** A media input of a call, resolved: new bytes to store, or a file the fake already has. */
export type ResolvedInput =
  | { source: 'upload'; upload: UploadedFile }
  | { source: 'url'; url: string; bytes: Buffer; contentType: string; fileName: string }
  | { source: 'existing'; file: StoredFile };

/** Every file the fake issued an id for, by file_id and by download path. */
export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private pathCounter = 0;

  /** The stored file behind a file_id, if the fake issued it. */
  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  /** The stored file served at a getFile path. */
  getByPath(filePath: string): StoredFile | undefined {
    return this.byPath.get(filePath);
  }

  /** All stored files, oldest first. */
  all(): StoredFile[] {
    return [...this.byId.values()];
  }

  /**
   * Resolves one media parameter the way the Bot API server does: "attach://name" names a
   * multipart part; any other string is a file_id or an HTTP URL; no value at all falls back
   * to a part named after the field itself. Null when there is nothing to send.
   */
  async resolve(
    value: unknown,
    parts: Map<string, UploadedFile>,
    field: string | null,
    kind: FileKind,
  ): Promise<ResolvedInput | null> {
    let input: ResolvedInput | null;
    if (typeof value === 'string' && value !== '') {
      if (value.startsWith('attach://')) {
        const upload = parts.get(value.slice('attach://'.length));
        input = upload ? { source: 'upload', upload } : null;
      } else if (/^https?:\/\//i.test(value)) {
        input = await fetchUrl(value);
      } else {
        const file = this.byId.get(value);
        if (!file) throw badRequest(TEXTS.wrongFileId);
        if (file.kind !== kind) throw badRequest(`can't use file of type ${TYPE_NAME[file.kind]} as ${TYPE_NAME[kind]}`);
        return { source: 'existing', file };
      }
    } else {
      const upload = field === null ? undefined : parts.get(field);
      input = upload ? { source: 'upload', upload } : null;
    }
    if (input?.source === 'upload' && kind === 'photo') checkPhoto(input.upload.bytes);
    if (input?.source === 'url' && kind === 'photo') checkPhoto(input.bytes);
    return input;
  }

  /** The uploaded thumbnail of a call: only ever a new upload (Telegram ignores a thumbnail file_id or URL). */
  thumbnailUpload(value: unknown, parts: Map<string, UploadedFile>, fallbackToFields: boolean): UploadedFile | undefined {
    if (typeof value === 'string' && value.startsWith('attach://')) return parts.get(value.slice('attach://'.length));
    return fallbackToFields ? (parts.get('thumbnail') ?? parts.get('thumb')) : undefined;
  }

  /**
   * Stores the bytes of a resolved input as a new file of this kind, with its thumbnail; a file
   * the fake already has is returned as it is (re-sending by file_id keeps the old thumbnail).
   */
  materialize(input: ResolvedInput, kind: FileKind, attributes: MediaAttributes, thumbnailUpload?: UploadedFile): StoredFile {
    if (input.source === 'existing') return input.file;
    const thumbnail = thumbnailUpload ? this.storeThumbnail(thumbnailUpload) : undefined;
    const bytes = input.source === 'upload' ? input.upload.bytes : input.bytes;
    const fileName = input.source === 'upload' ? input.upload.filename : input.fileName;
    const declared = input.source === 'upload' ? input.upload.contentType : input.contentType;
    const mimeType = detectMime(fileName, declared, bytes, kind);
    const probed: { width: number; height: number; duration?: number } | null = mimeType.startsWith('image/')
      ? imageSize(bytes)
      : mp4Attributes(bytes);
    const origin = input.source === 'upload' ? 'upload' : 'url';
    const base = {
      origin,
      ...(input.source === 'url' ? { url: input.url } : {}),
      mimeType,
      width: attributes.width || probed?.width || 0,
      height: attributes.height || probed?.height || 0,
      duration: attributes.duration || probed?.duration || 0,
      ...(thumbnail ? { thumbnail } : {}),
    } as const;
    if (kind === 'photo') return this.storePhoto(bytes, base);
    return this.store(kind, bytes, {
      ...base,
      ...(fileName ? { fileName } : {}),
      ...(attributes.title ? { title: attributes.title } : {}),
      ...(attributes.performer ? { performer: attributes.performer } : {}),
    });
  }

  private storeThumbnail(upload: UploadedFile): StoredFile {
    const size = imageSize(upload.bytes);
    return this.store('thumbnail', upload.bytes, {
      origin: 'upload',
      mimeType: 'image/jpeg',
      width: size?.width ?? 0,
      height: size?.height ?? 0,
      duration: 0,
    });
  }

  /** Stores bytes as a new file and issues its ids. */
  store(kind: FileKind, bytes: Buffer, meta: Omit<StoredFile, 'fileId' | 'fileUniqueId' | 'kind' | 'bytes' | 'size' | 'filePath'>): StoredFile {
    const extension =
      (meta.fileName ? extname(meta.fileName).toLowerCase() : '') ||
      EXTENSION_BY_MIME[meta.mimeType ?? ''] ||
      (kind === 'photo' || kind === 'thumbnail' ? '.jpg' : '');
    const file: StoredFile = {
      ...meta,
      fileId: FILE_ID_PREFIX[kind] + randomBytes(45).toString('base64url'),
      fileUniqueId: 'AgAD' + randomBytes(8).toString('base64url'),
      kind,
      bytes,
      size: bytes.length,
      filePath: `${DIRECTORY[kind]}/file_${this.pathCounter++}${extension}`,
    };
    this.byId.set(file.fileId, file);
    this.byPath.set(file.filePath, file);
    return file;
  }

  /**
   * Telegram stores a photo in several sizes (thumbnail boxes of 90, 320, 800 and 1280 pixels
   * plus the original up to 2560). The fake issues one file per size; each size's download is
   * the original bytes, since the fake does not re-encode images.
   */
  private storePhoto(bytes: Buffer, meta: Omit<StoredFile, 'fileId' | 'fileUniqueId' | 'kind' | 'bytes' | 'size' | 'filePath'>): StoredFile {
    const { width, height } = meta;
    const longest = Math.max(width, height);
    const boxes = longest === 0 ? [0] : [90, 320, 800, 1280, 2560].filter((box) => box < longest).concat(Math.min(longest, 2560));
    const sizes = [...new Set(boxes)].map((box) => {
      const scale = longest === 0 ? 1 : box / longest;
      return this.store('photo', bytes, {
        ...meta,
        mimeType: 'image/jpeg',
        width: Math.round(width * scale),
        height: Math.round(height * scale),
      });
    });
    for (const size of sizes) size.photoSizes = sizes;
    return sizes.at(-1) as StoredFile;
  }
}

// ---------------------------------------------------------------------------------------------
// Bot API objects for stored files

/** PhotoSize of a photo size or a thumbnail. */
export function photoSize(file: StoredFile): PhotoSize {
  return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size, width: file.width, height: file.height };
}

/** Thumbnail fields: the Bot API still sends the deprecated `thumb` next to `thumbnail`. */
function thumbnailFields(file: StoredFile): { thumbnail?: PhotoSize; thumb?: PhotoSize } {
  return file.thumbnail ? { thumbnail: photoSize(file.thumbnail), thumb: photoSize(file.thumbnail) } : {};
}

function nameAndMime(file: StoredFile): { file_name?: string; mime_type?: string } {
  return { ...(file.fileName ? { file_name: file.fileName } : {}), ...(file.mimeType ? { mime_type: file.mimeType } : {}) };
}

function idFields(file: StoredFile) {
  return { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size };
}

export function videoObject(file: StoredFile): Video {
  return { duration: file.duration, width: file.width, height: file.height, ...nameAndMime(file), ...thumbnailFields(file), ...idFields(file) };
}

export function audioObject(file: StoredFile): Audio {
  return {
    duration: file.duration,
    ...(file.performer ? { performer: file.performer } : {}),
    ...(file.title ? { title: file.title } : {}),
    ...nameAndMime(file),
    ...thumbnailFields(file),
    ...idFields(file),
  };
}

export function animationObject(file: StoredFile): Animation {
  return { ...nameAndMime(file), duration: file.duration, width: file.width, height: file.height, ...thumbnailFields(file), ...idFields(file) };
}

export function documentObject(file: StoredFile): Document {
  return { ...nameAndMime(file), ...thumbnailFields(file), ...idFields(file) };
}

export function photoObject(file: StoredFile): PhotoSize[] {
  return (file.photoSizes ?? [file]).map(photoSize);
}

/**
 * Telegram re-encodes photos, so it refuses what is not an image it can read, and images too
 * long or too thin to show (width + height over 10000, or sides more than 20:1).
 */
function checkPhoto(bytes: Buffer): void {
  const image = imageSize(bytes);
  if (!image) throw badRequest('IMAGE_PROCESS_FAILED');
  const { width, height } = image;
  if (width === 0 || height === 0) return;
  if (width + height > 10_000 || Math.max(width, height) / Math.min(width, height) > 20) {
    throw badRequest('PHOTO_INVALID_DIMENSIONS');
  }
}

// ---------------------------------------------------------------------------------------------
// Files given by URL

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Telegram downloads a URL it is given. The fake does too, but only from this machine
 * (loopback), so no test ever reaches the internet; any other host fails as an unreachable one
 * does on Telegram's side.
 */
async function fetchUrl(url: string): Promise<ResolvedInput> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(TEXTS.wrongFileId);
  }
  if (!isLoopback(parsed.hostname)) throw badRequest(TEXTS.urlFetchFailed);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Uint8Array).length;
      if (size > LIMITS.urlFetchBytes) throw new Error('too large');
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    const fileName = decodeURIComponent(parsed.pathname.split('/').pop() ?? '') || 'file';
    return {
      source: 'url',
      url,
      bytes: Buffer.concat(chunks),
      contentType: response.headers.get('content-type')?.split(';')[0]?.trim() ?? 'application/octet-stream',
      fileName,
    };
  } catch {
    throw badRequest(TEXTS.urlFetchFailed);
  }
}

// ---------------------------------------------------------------------------------------------
// What the bytes say

/** The MIME type Telegram would report: a specific declared type, else by name, else by content. */
export function detectMime(fileName: string | undefined, declared: string, bytes: Buffer, kind: FileKind): string {
  const declaredType = declared.split(';')[0]?.trim().toLowerCase() ?? '';
  if (declaredType !== '' && declaredType !== 'application/octet-stream') return declaredType;
  const byName = fileName ? MIME_BY_EXTENSION[extname(fileName).toLowerCase()] : undefined;
  if (byName) return byName;
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp') return kind === 'audio' ? 'audio/mp4' : 'video/mp4';
  const image = imageSize(bytes);
  if (image) return image.mime;
  if (bytes.subarray(0, 3).toString('latin1') === 'ID3') return 'audio/mpeg';
  if (kind === 'video' || kind === 'animation') return 'video/mp4';
  if (kind === 'audio') return 'audio/mpeg';
  if (kind === 'photo' || kind === 'thumbnail') return 'image/jpeg';
  return 'application/octet-stream';
}

/** Dimensions of a PNG, JPEG, GIF, WebP or BMP image, from its header (0×0 when the header hides them). */
export function imageSize(bytes: Buffer): { width: number; height: number; mime: string } | null {
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return { width: 0, height: 0, mime: 'image/webp' };
  }
  if (bytes.length >= 26 && bytes.subarray(0, 2).toString('latin1') === 'BM') {
    return { width: bytes.readInt32LE(18), height: Math.abs(bytes.readInt32LE(22)), mime: 'image/bmp' };
  }
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.subarray(12, 16).toString('latin1') === 'IHDR') {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), mime: 'image/png' };
  }
  if (bytes.length >= 10 && bytes.subarray(0, 3).toString('latin1') === 'GIF') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8), mime: 'image/gif' };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return null;
      const marker = bytes[offset + 1] as number;
      const length = bytes.readUInt16BE(offset + 2);
      // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7), mime: 'image/jpeg' };
      }
      offset += 2 + length;
    }
  }
  return null;
}

interface Box {
  type: string;
  start: number;
  end: number;
}

function* boxes(bytes: Buffer, start: number, end: number): Generator<Box> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('latin1');
    let header = 8;
    if (size === 1 && offset + 16 <= end) {
      size = Number(bytes.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) return;
    yield { type, start: offset + header, end: offset + size };
    offset += size;
  }
}

function child(bytes: Buffer, parent: Box, type: string): Box | undefined {
  for (const box of boxes(bytes, parent.start, parent.end)) if (box.type === type) return box;
  return undefined;
}

/** Width and height of the video track and the duration (seconds) of an MP4/MOV file. */
export function mp4Attributes(bytes: Buffer): { width: number; height: number; duration: number } | null {
  const moov = [...boxes(bytes, 0, bytes.length)].find((box) => box.type === 'moov');
  if (!moov) return null;
  let duration = 0;
  const mvhd = child(bytes, moov, 'mvhd');
  if (mvhd) {
    const version = bytes[mvhd.start];
    const timescale = bytes.readUInt32BE(mvhd.start + (version === 1 ? 20 : 12));
    const units = version === 1 ? Number(bytes.readBigUInt64BE(mvhd.start + 24)) : bytes.readUInt32BE(mvhd.start + 16);
    if (timescale > 0) duration = Math.round(units / timescale);
  }
  let width = 0;
  let height = 0;
  for (const trak of boxes(bytes, moov.start, moov.end)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(bytes, trak, 'mdia');
    const hdlr = mdia && child(bytes, mdia, 'hdlr');
    if (!hdlr || bytes.subarray(hdlr.start + 8, hdlr.start + 12).toString('latin1') !== 'vide') continue;
    const tkhd = child(bytes, trak, 'tkhd');
    if (!tkhd) continue;
    // Width and height are the last two 16.16 fixed-point fields of tkhd.
    width = Math.round(bytes.readUInt32BE(tkhd.end - 8) / 65536);
    height = Math.round(bytes.readUInt32BE(tkhd.end - 4) / 65536);
    break;
  }
  return { width, height, duration };
}
