/**
 * Structured logging (pino) with secrets redacted: tokens, cookies, API keys and proxy
 * credentials never reach a log line.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a logged object. */
const REDACT = [
  'token', 'botToken', 'apiKey', 'apiKeys', 'password', 'cookie', 'cookies', 'authorization',
  '*.token', '*.botToken', '*.apiKey', '*.password', '*.cookie', '*.cookies', '*.authorization',
  'headers.cookie', 'headers.authorization', 'headers["x-telegram-bot-api-secret-token"]',
  'config.botToken', 'config.webhookSecret', 'config.youtubePoToken', 'config.apiKeys', 'config.proxyUrl', 'config.proxyUrls',
];

/** Replaces bot tokens and URL credentials inside free text (error messages, URLs). */
export function redactText(text: string): string {
  return text
    .replace(/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, '<bot-token>')
    .replace(/\/\/([^/@\s:]+):([^/@\s]+)@/g, '//<user>:<password>@');
}

/** Creates the process logger; `destination` lets the CLI keep stdout clean for JSON. */
export function createLogger(level = 'info', destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '<redacted>' },
      base: undefined,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as typeof args;
          method.apply(this, redacted);
        },
      },
    },
    destination as pino.DestinationStream,
  );
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
