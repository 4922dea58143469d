/**
 * Shapes shared by the fake Telegram Bot API server's modules. Telegram's own objects (Message,
 * Update, User, …) come from grammY's type package, so a response the fake builds is checked
 * against the same definitions the bot is compiled against.
 */

/** One file part of a multipart upload, exactly as it arrived. */
export interface UploadedFile {
  /** The multipart field name (grammY names parts randomly and points at them with attach://). */
  field: string;
  filename: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

/** The JSON body of a successful Bot API answer. */
export interface ApiSuccess {
  ok: true;
  result: unknown;
  description?: string;
}

/** The JSON body of a failed Bot API answer. */
export interface ApiFailure {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export type ApiResponse = ApiSuccess | ApiFailure;

/** One Bot API call the fake answered, in arrival order. */
export interface ApiCall {
  /** The method name as the client spelled it (Telegram matches it case-insensitively). */
  method: string;
  /**
   * The parameters, wherever they came from (query string, JSON, urlencoded or multipart body).
   * Fields the API JSON-encodes in form bodies (reply_markup, media, entities, …) are decoded,
   * and numeric/boolean fields of form bodies are converted, so a JSON call and a multipart call
   * with the same meaning record the same params.
   */
  params: Record<string, unknown>;
  /** File parts of a multipart body, with their bytes. */
  files: UploadedFile[];
  /** Date.now() when the request arrived. */
  at: number;
  /** The HTTP status sent back (0 when the fake dropped the connection on purpose). */
  status: number;
  /** The JSON body sent back; a synthetic failure for injected gateway errors and drops. */
  response: ApiResponse;
  /** `webhook-reply` when the call came as the body of a webhook answer instead of over HTTP. */
  source: 'http' | 'webhook-reply';
}

/**
 * A failure to inject instead of running a method: a 429 flood wait, a gateway error (502/504
 * answer with nginx's HTML page, as api.telegram.org does), any other Bot API error, or a dropped
 * connection.
 */
export type Fault =
  | { status: 429; retryAfter?: number }
  | { status: 502 | 504 }
  | { status: 400 | 401 | 403 | 404 | 409 | 500; description?: string }
  | { disconnect: true };

/** Telegram's per-chat and global sending limits, enforced when configured. */
export interface FloodLimits {
  /** Messages (sends and edits) one chat accepts per second; Telegram's guideline is 1. */
  perChatPerSecond?: number;
  /** Messages all chats together accept per second; Telegram's guideline is 30. */
  globalPerSecond?: number;
}

/** How updates reach a bot that set a webhook. */
export type WebhookDelivery = 'auto' | 'manual';

/** Options of FakeTelegram.start(). */
export interface FakeTelegramOptions {
  /** The bot token; its numeric prefix is the bot's user id. */
  token?: string;
  /** The bot's username, without @. */
  botUsername?: string;
  /** The bot's display name. */
  botFirstName?: string;
  /** Largest accepted upload in bytes (api.telegram.org: 50 MB); a larger one gets 413. */
  uploadLimitBytes?: number;
  /** Enforce flood limits (off by default). */
  flood?: FloodLimits;
  /**
   * `auto` (default): while a webhook is set, queued updates are POSTed to it as Telegram does,
   * retried with backoff until the bot answers 2xx. `manual`: they stay queued and the test
   * posts them with postUpdateToWebhook().
   */
  webhookDelivery?: WebhookDelivery;
}
