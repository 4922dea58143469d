/**
 * A multipart/form-data parser (RFC 7578) over a fully received body. It is deliberately
 * lenient in the places real clients differ — grammY writes part headers without spaces
 * (`content-disposition:form-data;name="x";filename=video.mp4`, the file name unquoted) while
 * browsers and undici's FormData quote and space them — and strict about structure: a body
 * without its closing boundary is an error, not a silently shorter upload.
 */
import type { UploadedFile } from './types.js';

/** Text fields and file parts of one multipart body. */
export interface MultipartBody {
  fields: Map<string, string>;
  files: Map<string, UploadedFile>;
}

/** A body that is not valid multipart/form-data. */
export class MultipartError extends Error {}

/** The boundary parameter of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** Splits a multipart body into fields and files. */
export function parseMultipart(body: Buffer, boundary: string): MultipartBody {
  const fields = new Map<string, string>();
  const files = new Map<string, UploadedFile>();
  const delimiter = Buffer.from(`--${boundary}`);

  // The preamble (usually empty) ends at the first delimiter, which may start the body.
  let position = body.indexOf(delimiter);
  if (position === -1) throw new MultipartError('no boundary in the body');
  position += delimiter.length;

  for (;;) {
    // After a delimiter: "--" closes the body, otherwise CRLF (and optional spaces) opens a part.
    if (body.subarray(position, position + 2).toString('latin1') === '--') return { fields, files };
    while (body[position] === 0x20 || body[position] === 0x09) position++;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') {
      throw new MultipartError('malformed boundary line');
    }
    position += 2;

    const headerEnd = body.indexOf('\r\n\r\n', position, 'latin1');
    if (headerEnd === -1) throw new MultipartError('part headers never end');
    const headers = parseHeaders(body.subarray(position, headerEnd).toString('utf8'));
    const contentStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), contentStart);
    if (next === -1) throw new MultipartError('body ends before its closing boundary');
    const content = body.subarray(contentStart, next);
    position = next + 2 + delimiter.length;

    const disposition = headers.get('content-disposition');
    if (!disposition) throw new MultipartError('part without content-disposition');
    const { name, filename } = parseDisposition(disposition);
    if (name === undefined) throw new MultipartError('part without a name');
    if (filename === undefined) {
      fields.set(name, content.toString('utf8'));
    } else {
      // Copy: the part must not keep the whole request body alive.
      const bytes = Buffer.from(content);
      files.set(name, {
        field: name,
        filename,
        contentType: headers.get('content-type') ?? 'application/octet-stream',
        size: bytes.length,
        bytes,
      });
    }
  }
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** name and filename of `form-data; name="…"; filename="…"`, quoted or bare, or filename*=. */
function parseDisposition(value: string): { name?: string; filename?: string } {
  const result: { name?: string; filename?: string } = {};
  const parameter = /;\s*([a-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/gi;
  for (const match of value.matchAll(parameter)) {
    const key = (match[1] ?? '').toLowerCase();
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '').trim();
    if (key === 'name') result.name = raw;
    else if (key === 'filename' && result.filename === undefined) result.filename = raw;
    else if (key === 'filename*') {
      // RFC 5987: charset'language'percent-encoded; it wins over a plain filename.
      const encoded = /^[^']*'[^']*'(.*)$/.exec(raw)?.[1];
      if (encoded !== undefined) result.filename = decodeURIComponent(encoded);
    }
  }
  return result;
}
