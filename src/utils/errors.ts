/**
 * The one error type every layer throws for an expected failure. `code` is stable and dotted;
 * the bot, the API and the CLI map it to a localized sentence and an HTTP status, so nothing
 * but the code and the context crosses the boundary to a user.
 */

/** Every stable error code, with whether a retry can help by default. */
export const ERROR_CODES = {
  'link.invalid': false,
  'link.unsupported': false,
  'content.not_found': false,
  'content.private': false,
  'content.age_restricted': false,
  'content.login_required': false,
  'content.live': false,
  'content.too_large': false,
  'content.geo_blocked': false,
  'fetch.failed': true,
  'fetch.rate_limited': true,
  'fetch.blocked': false,
  'platform.unavailable': true,
  internal: false,
} as const satisfies Record<string, boolean>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Context an error carries for logs and for deciding what to do next; never secrets. */
export interface ErrorContext {
  platform?: string;
  url?: string;
  status?: number;
  /** Seconds a platform asked us to wait (HTTP Retry-After), when it did. */
  retryAfterSec?: number;
  /** The error is about our extractor, not the content: the fallback backend may still serve it. */
  fallback?: boolean;
  [key: string]: unknown;
}

/** English sentences for operators and the CLI; user-facing localization lives with the bot. */
const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  'link.invalid': 'That is not a valid link.',
  'link.unsupported': 'Links from this site are not supported.',
  'content.not_found': 'The content was not found (removed or never existed).',
  'content.private': 'The content is private.',
  'content.age_restricted': 'The content is age-restricted and needs a logged-in session (COOKIES_FILE).',
  'content.login_required': 'The content needs a logged-in session (COOKIES_FILE).',
  'content.live': 'The stream is live; try again when it has ended.',
  'content.too_large': 'The file is larger than the allowed size.',
  'content.geo_blocked': 'The content is not available from this server\'s region (try PROXY_URL).',
  'fetch.failed': 'The platform could not be reached or answered with an error.',
  'fetch.rate_limited': 'The platform is rate-limiting us; try again shortly.',
  'fetch.blocked': 'The address points to a private or forbidden network location.',
  'platform.unavailable': 'The platform is failing right now and is paused for a moment.',
  internal: 'Something went wrong on our side.',
};

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(
    code: ErrorCode,
    message?: string,
    context: ErrorContext = {},
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(message ?? DEFAULT_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code];
    this.context = context;
  }

  /** A final error is one no retry and no fallback backend can fix. */
  get final(): boolean {
    return !this.retriable && FINAL_CODES.has(this.code) && this.context.fallback !== true;
  }

  toJSON(): { code: ErrorCode; message: string; retriable: boolean; context: ErrorContext } {
    return { code: this.code, message: this.message, retriable: this.retriable, context: this.context };
  }
}

/** Codes that describe the content itself: another backend would get the same answer. */
const FINAL_CODES = new Set<ErrorCode>([
  'link.invalid',
  'link.unsupported',
  'content.not_found',
  'content.private',
  'content.live',
  'content.too_large',
  'fetch.blocked',
]);

export function isDownloadError(error: unknown): error is DownloadError {
  return error instanceof DownloadError;
}

/** Wraps anything thrown into a DownloadError, keeping an existing one as it is. */
export function toDownloadError(error: unknown, context: ErrorContext = {}): DownloadError {
  if (error instanceof DownloadError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new DownloadError('internal', 'The operation was cancelled.', { ...context, aborted: true }, { cause: error });
  }
  return new DownloadError('internal', undefined, context, { cause: error });
}

/**
 * "This kind of link has no native extractor": not worth retrying, but the fallback backend
 * (yt-dlp) may know it, so the platform manager still hands it over.
 */
export function noNativeExtractor(platform: string, url: string, what: string): DownloadError {
  return new DownloadError('link.unsupported', `${what} are not extracted natively.`, { platform, url, fallback: true });
}

/** Maps an HTTP status from a platform to the error it means for us. */
export function errorForStatus(status: number, context: ErrorContext = {}): DownloadError {
  const ctx = { ...context, status };
  if (status === 404 || status === 410) return new DownloadError('content.not_found', undefined, ctx);
  if (status === 429) return new DownloadError('fetch.rate_limited', undefined, ctx);
  if (status === 451) return new DownloadError('content.geo_blocked', undefined, ctx);
  if (status === 401) return new DownloadError('content.login_required', undefined, ctx);
  if (status >= 500) return new DownloadError('fetch.failed', `The platform answered HTTP ${status}.`, ctx);
  return new DownloadError('fetch.failed', `The platform answered HTTP ${status}.`, ctx, { retriable: false });
}

/** True when an AbortSignal ended the operation rather than a failure. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
