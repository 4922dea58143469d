/**
 * How the HTTP API reports failures: always `{ "error": { "code", "message" } }` with a status
 * that follows from the code. Download failures keep their DownloadError code (so a client
 * handles `content.private` the same way whether it came from /info or from a job); the API's
 * own refusals (bad request, missing key, unknown job, …) use the codes in API_ERROR_STATUS.
 * No stack trace, cause or internal context ever reaches the response.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DownloadError, type ErrorCode } from '../utils/errors.js';
import { redactText } from '../utils/logger.js';

/** HTTP status of every DownloadError code. */
export const DOWNLOAD_ERROR_STATUS: Record<ErrorCode, number> = {
  'link.invalid': 400,
  'link.unsupported': 422,
  'content.not_found': 404,
  'content.private': 403,
  'content.age_restricted': 403,
  'content.login_required': 403,
  'content.geo_blocked': 403,
  // the link is fine but its content cannot be fetched yet: unprocessable, not a server fault
  'content.live': 422,
  'content.too_large': 413,
  'fetch.failed': 502,
  'fetch.rate_limited': 429,
  // the link points into a private network: the request itself is refused
  'fetch.blocked': 403,
  'platform.unavailable': 503,
  internal: 500,
};

/** Codes of refusals that are the API's own, with their statuses. */
export const API_ERROR_STATUS = {
  /** The body, query or path failed its JSON schema. */
  'request.invalid': 400,
  'request.too_large': 413,
  /** API_KEYS is set and no valid Bearer key came with the request. */
  'auth.required': 401,
  /** The key is valid but the route is for the admin key. */
  'auth.forbidden': 403,
  /** This key spent its RATE_LIMIT_REQUESTS_PER_MINUTE; Retry-After says when to come back. */
  'request.rate_limited': 429,
  'route.not_found': 404,
  /** No such job, or it belongs to another key. */
  'job.not_found': 404,
  /** The job has no result file yet (queued, running, failed or cancelled). */
  'job.not_ready': 409,
  /** The job already finished; there is nothing to cancel. */
  'job.finished': 409,
  /** The job finished but its result file was removed from the results directory. */
  'job.expired': 410,
  'range.not_satisfiable': 416,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** A refusal raised by an API route; the error handler turns it into the standard body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers (Retry-After, WWW-Authenticate, Content-Range). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = API_ERROR_STATUS[code];
  }
}

/** The body every error response has. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Seconds a client should wait after a 429/503 when the platform did not say. */
const DEFAULT_RETRY_AFTER_SEC = 30;

/** Status, body and headers for anything a route threw. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof ApiError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message } }, headers: error.headers };
  }
  if (error instanceof DownloadError) {
    const status = DOWNLOAD_ERROR_STATUS[error.code];
    const headers: Record<string, string> = {};
    if (status === 429 || status === 503) headers['retry-after'] = String(Math.ceil(error.context.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC));
    // an internal error's message may carry paths or library text; the code says enough
    const message = error.code === 'internal' ? 'Something went wrong on our side.' : redactText(error.message);
    return { status, body: { error: { code: error.code, message } }, headers };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return { status: 400, body: { error: { code: 'request.invalid', message: fastifyError.message ?? 'Invalid request.' } }, headers: {} };
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status === 413) return { status, body: { error: { code: 'request.too_large', message: 'The request body is too large.' } }, headers: {} };
  if (status >= 400 && status < 500) {
    // fastify's own client errors (bad JSON, wrong content type): their messages are safe
    return { status, body: { error: { code: 'request.invalid', message: fastifyError.message ?? 'Invalid request.' } }, headers: {} };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Something went wrong on our side.' } }, headers: {} };
}

/** Sends `error` as the standard error response. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body, headers } = errorResponse(error);
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

/** Installs the error and not-found handlers on the root instance. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status } = errorResponse(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError('route.not_found', `No route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}.`)),
  );
}
