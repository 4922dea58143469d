/**
 * The HTTP side of the fake Bot API: routes `{apiRoot}/bot<token>/<method>` (GET or POST) and
 * `{apiRoot}/file/bot<token>/<file_path>`, reads parameters from the query string and from JSON,
 * urlencoded or multipart bodies exactly as the Bot API server accepts them, enforces the upload
 * limit (413 like api.telegram.org's front end), applies injected faults, runs the method and
 * records the call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METHODS, Described, NO_ANSWER, type MethodEnv } from './methods.js';
import { ApiError, FaultQueue, TEXTS, describeStatus } from './limits.js';
import { MultipartError, multipartBoundary, parseMultipart } from './multipart.js';
import type { ApiCall, ApiResponse, Fault, UploadedFile } from './types.js';

/** What the server needs from the fake around it. */
export interface ServerContext {
  token: string;
  uploadLimitBytes: number;
  env: MethodEnv;
  faults: FaultQueue;
  /** Called once per answered call, in completion order. */
  record(call: ApiCall): void;
}

/** A listening fake Bot API server. */
export interface RunningServer {
  apiRoot: string;
  /** Runs a method without HTTP (a webhook reply); recorded like any call. */
  runMethod(method: string, params: Record<string, unknown>, source: ApiCall['source']): Promise<ApiResponse>;
  close(): Promise<void>;
}

// Multipart framing and text fields ride on top of the files; the limit is about the files.
const FIELD_ALLOWANCE_BYTES = 1024 * 1024;

/** Fields the Bot API takes JSON-encoded in form bodies; recorded decoded. */
const JSON_FIELDS = new Set([
  'reply_markup', 'media', 'entities', 'caption_entities', 'allowed_updates', 'commands', 'scope', 'results',
  'reply_parameters', 'link_preview_options', 'button', 'message_ids', 'permissions', 'prices',
]);
/** Integer fields, recorded as numbers whatever the body type. */
const INTEGER_FIELDS = new Set([
  'chat_id', 'message_id', 'reply_to_message_id', 'message_thread_id', 'duration', 'width', 'height', 'offset',
  'limit', 'timeout', 'user_id', 'cache_time', 'from_chat_id', 'max_connections', 'start_timestamp', 'until_date',
]);
/** Boolean fields, likewise. */
const BOOLEAN_FIELDS = new Set([
  'disable_notification', 'protect_content', 'supports_streaming', 'has_spoiler', 'show_caption_above_media',
  'disable_web_page_preview', 'drop_pending_updates', 'show_alert', 'is_personal', 'allow_sending_without_reply',
  'disable_content_type_detection', 'only_if_banned', 'allow_paid_broadcast',
]);

/** Makes form-body params read like JSON-body params (see ApiCall.params). */
export function normalizeParams(raw: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      params[key] = value;
    } else if (JSON_FIELDS.has(key)) {
      try {
        params[key] = JSON.parse(value) as unknown;
      } catch {
        params[key] = value; // the method refuses it with Telegram's "can't parse" error
      }
    } else if (INTEGER_FIELDS.has(key) && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) {
      params[key] = Number(value);
    } else if (BOOLEAN_FIELDS.has(key) && (value === 'true' || value === 'false')) {
      params[key] = value === 'true';
    } else {
      params[key] = value;
    }
  }
  return params;
}

/** Starts the HTTP server on 127.0.0.1 on a free port. */
export async function startServer(context: ServerContext): Promise<RunningServer> {
  const server = createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => {
      // A bug in the fake must be loud: answer 500 and print it rather than hang the bot.
      console.error('[fake-telegram] internal error', error);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    runMethod: async (method, params, source) => {
      const outcome = await dispatch(context, method, normalizeParams(params), new Map(), new AbortController().signal);
      if (outcome === NO_ANSWER) throw new Error('a webhook reply cannot long-poll');
      context.record({ method, params: normalizeParams(params), files: [], at: Date.now(), status: outcome.status, response: outcome.body, source });
      return outcome.body;
    },
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

// ---------------------------------------------------------------------------------------------

async function handle(context: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const api = /^\/bot([^/]*)\/(?:test\/)?([^/]*)$/.exec(url.pathname);
  const file = /^\/file\/bot([^/]*)\/(.+)$/.exec(url.pathname);
  if (file) return serveFile(context, file[1] ?? '', decodeURIComponent(file[2] ?? ''), req, res);
  if (!api || (req.method !== 'GET' && req.method !== 'POST')) {
    await drain(req);
    return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
  }

  const at = Date.now();
  const method = api[2] ?? '';
  const token = decodeURIComponent(api[1] ?? '');
  const body = await readBody(req, context.uploadLimitBytes + FIELD_ALLOWANCE_BYTES);

  const raw: Record<string, unknown> = Object.fromEntries(url.searchParams);
  let parts = new Map<string, UploadedFile>();
  let failure: ApiError | null = null;
  if (token !== context.token) failure = new ApiError(401, TEXTS.unauthorized);
  else if (body === 'too-large') failure = new ApiError(413, TEXTS.entityTooLarge);
  else {
    try {
      parts = parseBody(req.headers['content-type'] ?? '', body, raw);
    } catch (error) {
      failure = error instanceof ApiError ? error : new ApiError(400, `Bad Request: ${(error as Error).message}`);
    }
    if (!failure && [...parts.values()].some((part) => part.size > context.uploadLimitBytes)) {
      failure = new ApiError(413, TEXTS.entityTooLarge);
    }
  }
  const params = normalizeParams(raw);
  const files = [...parts.values()];
  const record = (status: number, response: ApiResponse) =>
    context.record({ method, params, files, at, status, response, source: 'http' });

  if (failure) {
    sendJson(res, failure.status, failure.toResponse());
    return record(failure.status, failure.toResponse());
  }

  const fault = context.faults.take(method);
  if (fault) return injectFault(fault, res, record);

  // The signal fires when the client hangs up before the answer (grammY aborting a long poll).
  const hangUp = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) hangUp.abort();
  });
  const outcome = await dispatch(context, method, params, parts, hangUp.signal);
  if (outcome === NO_ANSWER) return;
  sendJson(res, outcome.status, outcome.body);
  record(outcome.status, outcome.body);
}

/** Runs a method and turns its result or error into the Bot API answer. */
async function dispatch(
  context: ServerContext,
  method: string,
  params: Record<string, unknown>,
  parts: Map<string, UploadedFile>,
  signal: AbortSignal,
): Promise<{ status: number; body: ApiResponse } | typeof NO_ANSWER> {
  const implementation = METHODS.get(method.toLowerCase());
  if (!implementation) {
    return { status: 404, body: { ok: false, error_code: 404, description: TEXTS.notFound } };
  }
  try {
    const result = await implementation({ params, parts, signal }, context.env);
    if (result === NO_ANSWER) return NO_ANSWER;
    if (result instanceof Described) {
      return { status: 200, body: { ok: true, result: result.result, description: result.description } };
    }
    return { status: 200, body: { ok: true, result } };
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, body: error.toResponse() };
    throw error;
  }
}

function injectFault(fault: Fault, res: ServerResponse, record: (status: number, response: ApiResponse) => void): void {
  if ('disconnect' in fault) {
    res.socket?.destroy();
    return record(0, { ok: false, error_code: 0, description: 'connection dropped by the fake' });
  }
  if (fault.status === 502 || fault.status === 504) {
    // api.telegram.org's nginx answers gateway errors with an HTML page, not JSON.
    const title = fault.status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
    res.writeHead(fault.status, { 'content-type': 'text/html', connection: 'keep-alive' });
    res.end(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n`);
    return record(fault.status, { ok: false, error_code: fault.status, description: title });
  }
  const error =
    fault.status === 429
      ? new ApiError(429, `Too Many Requests: retry after ${fault.retryAfter ?? 1}`, { retry_after: fault.retryAfter ?? 1 })
      : new ApiError(fault.status, ('description' in fault ? fault.description : undefined) ?? describeStatus(fault.status));
  sendJson(res, error.status, error.toResponse());
  record(error.status, error.toResponse());
}

/** Adds the body's parameters to `raw` and returns its file parts. */
function parseBody(contentType: string, body: Buffer, raw: Record<string, unknown>): Map<string, UploadedFile> {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (body.length === 0) return new Map();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ApiError(400, "Bad Request: can't parse JSON object");
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(raw, parsed);
    return new Map();
  }
  if (type === 'application/x-www-form-urlencoded') {
    Object.assign(raw, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    return new Map();
  }
  if (type === 'multipart/form-data') {
    const boundary = multipartBoundary(contentType);
    if (!boundary) throw new ApiError(400, 'Bad Request: multipart boundary is missing');
    try {
      const { fields, files } = parseMultipart(body, boundary);
      Object.assign(raw, Object.fromEntries(fields));
      return files;
    } catch (error) {
      if (error instanceof MultipartError) throw new ApiError(400, `Bad Request: can't parse multipart/form-data: ${error.message}`);
      throw error;
    }
  }
  return new Map();
}

/** The whole body, or 'too-large' once it passes the cap (the rest is read and discarded). */
async function readBody(req: IncomingMessage, capBytes: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > capBytes) {
    // Reading to the end before answering lets the client see the 413 instead of a reset socket.
    await drain(req);
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= capBytes) chunks.push(chunk as Buffer);
  }
  return size > capBytes ? 'too-large' : Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function serveFile(context: ServerContext, token: string, filePath: string, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (token !== context.token) return sendJson(res, 401, { ok: false, error_code: 401, description: TEXTS.unauthorized });
  const file = context.env.files.getByPath(filePath);
  if (!file || req.method !== 'GET') return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.size) });
  res.end(file.bytes);
}

function sendJson(res: ServerResponse, status: number, body: ApiResponse): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
