/**
 * The long-running process: `dlbot bot`, `dlbot serve` and `dlbot worker` are one program with
 * different roles switched on. The system manager starts the components in dependency order
 * (store → cache → queues → engine → workers → bot / API), checks their health, recovers them,
 * and drains everything on SIGINT/SIGTERM.
 *
 * Two durable queues: bot jobs (delivered to Telegram) and API jobs (results kept on disk).
 * They share one SQLite file (two tables) or one Redis (two prefixes). A process works only the
 * queues whose delivery it can do, so a `dlbot serve` without BOT_TOKEN never takes a bot job.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readdir, rm, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '../utils/config.js';
import { ConfigError } from '../utils/config.js';
import { databasePath, openDatabase, type SqliteDatabase } from '../utils/store.js';
import { createCache, type HybridCache } from '../utils/cache.js';
import { MemoryManager } from '../utils/memory-manager.js';
import { Monitoring } from '../utils/monitoring.js';
import { AlertManager, logSink, messageSink } from '../utils/alerts.js';
import { RetryPolicy, exponential } from '../utils/retry.js';
import { createRateLimiter, type RateLimiter } from '../utils/rate-limiter.js';
import { toDownloadError } from '../utils/errors.js';
import { SystemManager } from './system-manager.js';
import { SqliteJobQueue, type JobQueue } from './job-queue.js';
import { Worker, type JobHandler } from './worker.js';
import { createEngine, type Engine } from './engine.js';

export interface AppRoles {
  /** The Telegram bot (needs BOT_TOKEN). */
  bot: boolean;
  /** The HTTP API and dashboard (needs HTTP_PORT). */
  api: boolean;
  /** Run queue workers in this process. */
  worker: boolean;
}

export interface App {
  system: SystemManager;
  engine: Engine;
  monitoring: Monitoring;
  queues: { bot: JobQueue; api: JobQueue };
  /** The API's address once listening. */
  apiAddress?: string;
  stop(): Promise<void>;
}

const QUEUE_PREFIX = 'dlbot:q';
const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;
/** Finished jobs are kept a week (for /stats-like lookups and debugging), API result files a day. */
const FINISHED_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const RESULT_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Deletes old finished jobs and old API result directories (GET /jobs/:id/file then answers 410). */
export async function keepTidy(queues: { bot: JobQueue; api: JobQueue }, resultsDir: string, logger: Logger, now = Date.now()): Promise<void> {
  try {
    let jobs = 0;
    for (const queue of [queues.bot, queues.api]) jobs += (await queue.purgeFinished?.(now - FINISHED_JOB_RETENTION_MS)) ?? 0;
    let dirs = 0;
    const entries = await readdir(resultsDir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = join(resultsDir, entry.name);
      if ((await stat(path)).mtimeMs < now - RESULT_RETENTION_MS) {
        await rm(path, { recursive: true, force: true });
        dirs++;
      }
    }
    if (jobs || dirs) logger.info({ jobs, resultDirs: dirs }, 'housekeeping removed old jobs and results');
  } catch (error) {
    logger.warn({ err: error }, 'housekeeping failed; it runs again in an hour');
  }
}

/** Builds and starts the process's components; resolves once everything critical runs. */
export async function startApp(config: Config, logger: Logger, roles: AppRoles): Promise<App> {
  if (roles.bot && !config.botToken) {
    throw new ConfigError('BOT_TOKEN is not set: create a bot with @BotFather (/newbot) and put its token in BOT_TOKEN.');
  }
  if (roles.api && config.httpPort === undefined) throw new ConfigError('HTTP_PORT is not set: the API needs a port (e.g. HTTP_PORT=8080).');

  const db: SqliteDatabase = openDatabase(databasePath(config.dataDir));
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const cache: HybridCache = createCache(config, { db, ...(redis ? { redis } : {}), logger });
  const engine = createEngine(config, logger, { cache });
  const monitoring = new Monitoring({ memoryLimitBytes: config.maxMemoryMb * 1024 * 1024, db, logger });
  const memory = new MemoryManager({ maxMemoryMb: config.maxMemoryMb, logger });
  const queues = await openQueues(config, db, logger);
  const adminSend: { fn?: (text: string) => Promise<void> } = {};
  const alerts = new AlertManager({
    sinks: [logSink(logger), messageSink(async (text) => adminSend.fn?.(text), 'warning')],
  });
  const system = new SystemManager({
    logger,
    monitoring,
    alerts,
    dataDir: config.dataDir,
    version: process.env.npm_package_version ?? 'dev',
    providers: {
      queueCounts: async () => sumCounts(await queues.bot.counts(), await queues.api.counts()),
      cacheStats: () => cache.stats(),
      circuits: () => engine.platforms.circuitStates(),
    },
  });
  // under pressure: give memory back first, stop taking work only when that was not enough
  memory.onLevel(({ level }) => {
    if (level !== 'normal') cache.shrink(level === 'critical' ? 0.75 : 0.5);
    void alerts.evaluate(system.alertSnapshot());
  });

  const retry = new RetryPolicy({ maxAttempts: config.retryMaxAttempts, strategy: exponential({ baseMs: 2000, maxMs: 60_000 }) });
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const track = (handler: JobHandler): JobHandler => async (ctx) => {
    const started = Date.now();
    const platform = engine.platforms.detect(ctx.job.data.url).platform ?? 'other';
    try {
      const result = await handler(ctx);
      const bytes = (result as { files?: Array<{ sizeBytes?: number }> } | undefined)?.files?.reduce((s, f) => s + (f.sizeBytes ?? 0), 0);
      monitoring.recordDownload({ platform, ok: true, durationMs: Date.now() - started, ...(bytes ? { bytes } : {}) });
      return result;
    } catch (error) {
      if (!ctx.signal.aborted) monitoring.recordDownload({ platform, ok: false, code: toDownloadError(error).code, durationMs: Date.now() - started });
      throw error;
    }
  };
  const makeWorker = (queue: JobQueue, handler: JobHandler, name: string) =>
    new Worker(queue, track(handler), {
      id: `${name}-${workerId}`,
      concurrency: config.concurrency,
      perUserLimit: 2,
      retry,
      logger: logger.child({ worker: name }),
      canTake: () => memory.canTakeJobs(),
    });

  const resultsDir = join(config.dataDir, 'results');
  const { apiJobHandler } = await import('../api/job-handler.js');
  const apiWorker = roles.worker ? makeWorker(queues.api, apiJobHandler(engine, resultsDir), 'api') : undefined;

  system
    .register({ name: 'memory', critical: true, start: async () => memory.start(), stop: async () => memory.stop() })
    .register({
      name: 'store',
      critical: true,
      start: async () => undefined,
      stop: async () => {
        cache.close();
        await queues.bot.close();
        await queues.api.close();
        await redis?.quit().catch(() => undefined);
        db.close();
      },
      health: async () => {
        db.prepare('SELECT 1').get();
        if (redis) await redis.ping();
        return { ok: true };
      },
    })
    .register({ name: 'engine', dependsOn: ['store'], critical: true, start: async () => undefined, stop: () => engine.close() });
  if (apiWorker) {
    system.register({
      name: 'api-worker',
      dependsOn: ['engine', 'memory'],
      start: async () => apiWorker.start(),
      drain: (ms) => apiWorker.stop(ms),
      stop: () => apiWorker.stop(0),
    });
  }

  // a bot process answers Telegram; a worker process with BOT_TOKEN also delivers bot jobs
  if (roles.bot || (roles.worker && config.botToken)) {
    const { createBot } = await import('../bot/index.js');
    const rateLimiter: RateLimiter | undefined = redis
      ? createRateLimiter({ algorithm: 'token-bucket', capacity: config.rateLimitRequestsPerMinute, ratePerMinute: config.rateLimitRequestsPerMinute, redis, prefix: 'dlbot:rl:user:' })
      : undefined;
    const dlbot = createBot({
      config,
      engine,
      logger,
      db,
      queue: queues.bot,
      status: system,
      ...(rateLimiter ? { rateLimiter } : {}),
      options: { worker: roles.worker, wrapHandler: track },
    });
    adminSend.fn = async (text) => {
      for (const id of config.adminIds) await dlbot.bot.api.sendMessage(id, text).catch((error: unknown) => logger.warn({ err: error }, 'alert to an admin failed'));
    };
    const worker = dlbot.worker;
    system.register(
      roles.bot
        ? { name: 'bot', dependsOn: ['engine', 'memory'], critical: true, start: () => dlbot.start(), drain: () => dlbot.stop(), stop: () => dlbot.stop() }
        : {
            name: 'bot-worker',
            dependsOn: ['engine', 'memory'],
            start: async () => {
              await dlbot.bot.init();
              worker?.start();
            },
            drain: async (ms) => worker?.stop(ms),
            stop: async () => worker?.stop(0),
          },
    );
  }

  // housekeeping: finished jobs and API results do not pile up on a box that runs for months
  let housekeeping: NodeJS.Timeout | undefined;
  system.register({
    name: 'housekeeping',
    dependsOn: ['store'],
    start: async () => {
      const sweep = () => void keepTidy(queues, resultsDir, logger);
      sweep();
      housekeeping = setInterval(sweep, HOUSEKEEPING_INTERVAL_MS);
      housekeeping.unref();
    },
    stop: async () => clearInterval(housekeeping),
  });

  const app: App = { system, engine, monitoring, queues, stop: () => system.shutdown() };
  if (roles.api) {
    const { createApiServer } = await import('../api/server.js');
    const server = await createApiServer({ engine, queue: queues.api, status: system, config, resultsDir, ...(apiWorker ? { worker: apiWorker } : {}) });
    // without API keys the API is open: then it only listens on loopback
    const host = config.apiKeys.length > 0 ? '0.0.0.0' : '127.0.0.1';
    system.register({
      name: 'api',
      dependsOn: ['engine'],
      critical: true,
      start: async () => {
        app.apiAddress = await server.listen({ port: config.httpPort!, host });
        logger.info({ address: app.apiAddress }, 'API and dashboard listening');
      },
      drain: async () => {
        await server.close();
      },
      stop: async () => {
        await server.close();
      },
    });
  }
  try {
    await system.start();
  } catch (error) {
    // a refused token or a taken port is the operator's to fix: say it as such
    const cause = (error as Error).cause;
    throw cause instanceof ConfigError ? cause : error;
  }
  return app;
}

async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  // cache and limiter reads must fail fast during an outage instead of stalling a request
  const redis = new RedisClient(url, { maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'dlbot' });
  redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
  return redis;
}

async function openQueues(config: Config, db: SqliteDatabase, logger: Logger): Promise<{ bot: JobQueue; api: JobQueue }> {
  if (config.redisUrl) {
    const { RedisJobQueue } = await import('./job-queue-redis.js');
    const options = { maxAttempts: config.retryMaxAttempts, logger };
    return {
      bot: await RedisJobQueue.connect(config.redisUrl, { ...options, prefix: `${QUEUE_PREFIX}:bot` }),
      api: await RedisJobQueue.connect(config.redisUrl, { ...options, prefix: `${QUEUE_PREFIX}:api` }),
    };
  }
  return {
    bot: new SqliteJobQueue(db, { maxAttempts: config.retryMaxAttempts }),
    api: new SqliteJobQueue(db, { maxAttempts: config.retryMaxAttempts, table: 'api_jobs' }),
  };
}

function sumCounts(a: Awaited<ReturnType<JobQueue['counts']>>, b: Awaited<ReturnType<JobQueue['counts']>>) {
  return { queued: a.queued + b.queued, running: a.running + b.running, done: a.done + b.done, cancelled: a.cancelled + b.cancelled, dead: a.dead + b.dead };
}

/**
 * Runs the process until SIGINT/SIGTERM: starts the app, then lets the system manager drain
 * and exit. Configuration problems surface as ConfigError before anything listens.
 */
export async function runApp(config: Config, logger: Logger, roles: AppRoles): Promise<void> {
  const app = await startApp(config, logger, roles);
  app.system.installSignalHandlers();
  logger.info({ roles }, 'dlbot is running');
  await new Promise<never>(() => undefined);
}
