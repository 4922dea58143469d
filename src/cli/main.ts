/**
 * `dlbot`: the command line. detect (offline), info, get, health, bot, serve, worker. Exit codes: 0 ok, 1 a
 * download error (its code printed), 2 a usage or configuration error.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig, type Config } from '../utils/config.js';
import { createLogger } from '../utils/logger.js';
import { isDownloadError, toDownloadError } from '../utils/errors.js';
import { QUALITIES, type DownloadRequest, type MediaInfo, type Quality } from '../media/types.js';
import { PlatformManager } from '../core/platform-manager.js';
import { PLATFORMS } from '../platforms/index.js';
import { createEngine, type Engine } from '../core/engine.js';
import { createProgressReporter } from './progress.js';
import { runHealth } from './health.js';

const USAGE = `Usage: dlbot <command> [options]

Commands:
  detect [--json] URL…          Recognise platform and id offline (one JSON line per URL; reads stdin when no URL)
  info URL [--json]             Show title, uploader, duration and formats
  get URL [options]             Download into a directory
      -o, --output DIR          Output directory (default: current directory)
      -q, --quality Q           ${QUALITIES.join(' | ')} (default: best)
      --audio                   Audio only (same as -q audio)
      --audio-format F          m4a | mp3 (default: m4a)
      --no-watermark            Refuse watermarked variants when a clean one exists
      --max-size MB             Skip formats larger than this
      --json                    JSON lines on stdout instead of a progress bar
  health [--json]               Check ffmpeg, yt-dlp, data directory and configuration
  bot                           Run the Telegram bot (needs BOT_TOKEN; webhook mode when WEBHOOK_URL is set),
                                its queue worker, and the API + dashboard when HTTP_PORT is set
  serve                         Run the REST + GraphQL API and the dashboard on HTTP_PORT, with a worker
  worker                        Run only queue workers (API jobs; bot jobs too when BOT_TOKEN is set)

Exit codes: 0 ok, 1 download error (code printed), 2 usage or configuration error.`;

class UsageError extends Error {}

type Out = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** The part of an engine `info` and `get` use: the download service, and close when done. */
export type CliEngine = Pick<Engine, 'downloads' | 'close'>;

/** What the CLI builds for itself unless told otherwise (tests run it in-process on a fake network). */
export interface CliDeps {
  /** Builds the engine for `info` and `get` from the loaded configuration; default createEngine. */
  engine?: (config: Config) => CliEngine;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Out = { stdout: process.stdout, stderr: process.stderr }, deps: CliDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'detect':
        return await detect(rest, io);
      case 'info':
        return await info(rest, io, deps);
      case 'get':
        return await get(rest, io, deps);
      case 'health':
        return await runHealth(loadCliConfig(), rest.includes('--json'), io);
      case 'bot':
        return await bot(rest, io);
      case 'serve':
        return await serve(rest, io);
      case 'worker':
        return await worker(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`dlbot: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`dlbot: ${error.message}\n`);
      return 2;
    }
    const e = toDownloadError(error);
    io.stderr.write(`dlbot: error ${e.code}: ${e.message}\n`);
    if (!isDownloadError(error) || e.code === 'internal') {
      io.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    }
    return 1;
  }
}

function loadCliConfig(): Config {
  return loadConfig(process.env);
}

/** The injected engine when there is one, else the real one (logging to stderr only). */
function cliEngine(config: Config, io: Out, deps: CliDeps): CliEngine {
  return deps.engine ? deps.engine(config) : createEngine(config, cliLogger(config, io));
}

/** The CLI logs only warnings unless LOG_LEVEL asks for more, and never to stdout. */
function cliLogger(config: Config, io: Out) {
  return createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', io.stderr);
}

async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin })) if (line.trim()) lines.push(line.trim());
  return lines;
}

async function detect(args: string[], io: Out): Promise<number> {
  const { positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  const inputs = positionals.length > 0 ? positionals : process.stdin.isTTY ? [] : await readStdinLines();
  if (inputs.length === 0) throw new UsageError('detect needs at least one URL.');
  // detection is offline and needs no configuration beyond the registry
  const manager = new PlatformManager(PLATFORMS);
  for (const input of inputs) {
    const { kind: _kind, ...line } = manager.detect(input);
    io.stdout.write(JSON.stringify(line) + '\n');
  }
  return 0;
}

async function info(args: string[], io: Out, deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  const url = oneUrl(positionals);
  const config = loadCliConfig();
  const engine = cliEngine(config, io, deps);
  try {
    const media = await engine.downloads.info(url);
    io.stdout.write(values.json ? JSON.stringify(media) + '\n' : describe(media));
    return 0;
  } finally {
    await engine.close();
  }
}

async function get(args: string[], io: Out, deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      output: { type: 'string', short: 'o' },
      quality: { type: 'string', short: 'q' },
      audio: { type: 'boolean' },
      'audio-format': { type: 'string' },
      'no-watermark': { type: 'boolean' },
      'max-size': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const url = oneUrl(positionals);
  const quality = (values.audio ? 'audio' : (values.quality ?? 'best')) as Quality;
  if (!QUALITIES.includes(quality)) throw new UsageError(`Unknown quality "${values.quality}" (use ${QUALITIES.join(', ')}).`);
  const audioFormat = values['audio-format'] ?? 'm4a';
  if (audioFormat !== 'm4a' && audioFormat !== 'mp3') throw new UsageError('--audio-format is m4a or mp3.');
  const request: DownloadRequest = { quality, audioFormat, noWatermark: !!values['no-watermark'] };
  if (values['max-size'] !== undefined) {
    const mb = Number(values['max-size']);
    if (!(mb > 0)) throw new UsageError('--max-size is a number of megabytes.');
    request.maxFilesizeBytes = Math.floor(mb * 1024 * 1024);
  }
  const config = loadCliConfig();
  const engine = cliEngine(config, io, deps);
  const json = values.json || !(io.stdout as NodeJS.WriteStream).isTTY;
  const reporter = createProgressReporter(json ? 'json' : 'bar', io);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await engine.downloads.download(url, request, {
      outputDir: values.output ?? process.cwd(),
      signal: abort.signal,
      onProgress: reporter.update,
    });
    reporter.finish(result);
    return 0;
  } catch (error) {
    const e = toDownloadError(error, { url });
    reporter.fail(e);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    await engine.close();
  }
}

async function bot(args: string[], io: Out): Promise<number> {
  if (args.length > 0) throw new UsageError(`bot takes no arguments (configure it with environment variables): ${args.join(' ')}`);
  const config = loadCliConfig();
  if (!config.botToken) {
    throw new ConfigError('BOT_TOKEN is not set: create a bot with @BotFather (/newbot) and put its token in BOT_TOKEN.');
  }
  // in webhook mode the bot's own server takes HTTP_PORT; the API then runs as `dlbot serve`
  const api = config.httpPort !== undefined && !config.webhookUrl;
  await runLongLived(config, io, { bot: true, api, worker: true });
  return 0;
}

async function serve(args: string[], io: Out): Promise<number> {
  if (args.length > 0) throw new UsageError(`serve takes no arguments (configure it with environment variables): ${args.join(' ')}`);
  const config = loadCliConfig();
  if (config.httpPort === undefined) throw new ConfigError('HTTP_PORT is not set: `dlbot serve` needs a port (e.g. HTTP_PORT=8080).');
  await runLongLived(config, io, { bot: false, api: true, worker: true });
  return 0;
}

async function worker(args: string[], io: Out): Promise<number> {
  if (args.length > 0) throw new UsageError(`worker takes no arguments (configure it with environment variables): ${args.join(' ')}`);
  await runLongLived(loadCliConfig(), io, { bot: false, api: false, worker: true });
  return 0;
}

/** Loaded only here, so `detect`, `info` and `get` never pay for grammY, fastify or SQLite. */
async function runLongLived(config: Config, io: Out, roles: { bot: boolean; api: boolean; worker: boolean }): Promise<void> {
  const { runApp } = await import('../core/app.js');
  await runApp(config, createLogger(config.logLevel, io.stderr), roles);
}

function oneUrl(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('Give exactly one URL.');
  return positionals[0]!;
}

function formatDuration(sec: number | undefined): string {
  if (sec === undefined) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** A human summary of a MediaInfo for `dlbot info`. */
export function describe(media: MediaInfo): string {
  const lines = [
    `${media.title ?? media.id}`,
    `  platform  ${media.platform} (${media.id})`,
    `  url       ${media.url}`,
  ];
  if (media.uploader) lines.push(`  uploader  ${media.uploader}`);
  if (media.durationSec !== undefined) lines.push(`  duration  ${formatDuration(media.durationSec)}`);
  if (media.live) lines.push('  live      yes');
  if (media.entries?.length) {
    lines.push(`  items     ${media.entries.length}${media.entriesTotal ? ` of ${media.entriesTotal}` : ''}`);
    for (const [i, e] of media.entries.entries()) lines.push(`    ${i + 1}. ${e.title ?? e.id} (${e.formats.length} formats)`);
  }
  if (media.formats.length) {
    lines.push('  formats');
    for (const f of media.formats) {
      const res = f.image ? 'image' : f.vcodec === null ? 'audio' : f.height ? `${f.width ?? '?'}x${f.height}` : '?';
      const codecs = [f.vcodec, f.acodec].filter((c) => c).join('+');
      const size = f.filesizeBytes ? `${(f.filesizeBytes / 1048576).toFixed(1)} MB${f.filesizeApprox ? '~' : ''}` : '';
      const notes = [f.watermarked ? 'watermark' : '', f.dynamicRange === 'HDR' ? 'HDR' : '', f.note ?? ''].filter(Boolean).join(', ');
      lines.push(`    ${f.id.padEnd(14)} ${f.protocol.padEnd(5)} ${(f.container ?? '').padEnd(5)} ${res.padEnd(10)} ${codecs.padEnd(24)} ${size.padEnd(10)} ${notes}`.trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}
