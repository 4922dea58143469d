/**
 * Streams a result file with HTTP Range support (RFC 9110 §14): one byte range gives 206 with
 * Content-Range, a range past the end gives 416, anything else (no header, another unit, several
 * ranges, a malformed header) gives the whole file — which the RFC allows — so players and
 * resuming downloaders work and nothing is ever buffered whole in memory.
 */
import { createReadStream } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

/** What a Range header asks of a file of a given size. */
export type RangeRequest = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/** Interprets a Range header against a file of `sizeBytes` bytes; `end` is inclusive. */
export function parseRange(header: string | undefined, sizeBytes: number): RangeRequest {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header ?? '');
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // suffix range: the last N bytes
    const suffix = Number(last);
    if (suffix === 0 || sizeBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, sizeBytes - suffix), end: sizeBytes - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  // a backwards range is malformed: ignored, like any header we cannot use
  if (end < start) return { kind: 'full' };
  if (start >= sizeBytes) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, sizeBytes - 1) };
}

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mov: 'video/quicktime',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  aac: 'audio/aac',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** The media type for a container/extension; octet-stream for unknown ones. */
export function contentTypeFor(container: string): string {
  return CONTENT_TYPES[container.toLowerCase()] ?? 'application/octet-stream';
}

/** Content-Disposition that keeps non-ASCII titles (RFC 6266 filename*) with an ASCII fallback. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export interface FileToSend {
  path: string;
  name: string;
  container: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/** Sends `file` (whole or the requested range) as the reply. */
export function sendFile(reply: FastifyReply, file: FileToSend, rangeHeader: string | undefined): FastifyReply {
  const range = parseRange(rangeHeader, file.sizeBytes);
  if (range.kind === 'unsatisfiable') {
    throw new ApiError('range.not_satisfiable', `The file has ${file.sizeBytes} bytes.`, { 'content-range': `bytes */${file.sizeBytes}` });
  }
  reply
    .header('accept-ranges', 'bytes')
    .header('content-type', contentTypeFor(file.container))
    .header('content-disposition', contentDisposition(file.name))
    .header('last-modified', file.modifiedAt.toUTCString())
    .header('etag', `"${file.sizeBytes.toString(16)}-${Math.floor(file.modifiedAt.getTime()).toString(16)}"`);
  if (range.kind === 'full') {
    return reply.code(200).header('content-length', String(file.sizeBytes)).send(createReadStream(file.path));
  }
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${file.sizeBytes}`)
    .header('content-length', String(range.end - range.start + 1))
    .send(createReadStream(file.path, { start: range.start, end: range.end }));
}
