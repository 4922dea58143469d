/**
 * The HTTP API (`dlbot serve`): REST under /api/v1 with an OpenAPI document at
 * /api/v1/openapi.json, GraphQL at /graphql (subscriptions over websockets), Prometheus
 * metrics at /metrics and the web dashboard at /.
 *
 * REST routes (access levels in auth.ts; errors are `{ "error": { "code", "message" } }`):
 *
 *   POST   /api/v1/detect            {url} | {urls: []}            offline platform detection      key
 *   POST   /api/v1/info              {url}                         media information               key
 *   POST   /api/v1/jobs              {url, quality?, audio?, audioFormat?, noWatermark?}
 *                                    → 202 {id, state, position}   queue a download                key
 *   GET    /api/v1/jobs/:id                                        state, progress, errors, files  key
 *   GET    /api/v1/jobs/:id/file?index=0                           the result (Range: 206/416)     key
 *   DELETE /api/v1/jobs/:id                                        cancel                          key
 *   GET    /api/v1/platforms                                       names, enabled, circuit state   public
 *   GET    /api/v1/dashboard                                       the dashboard numbers           public
 *   GET    /api/v1/openapi.json                                    this API, described             public
 *   GET    /api/v1/health                                          liveness (always 200)           probe
 *   GET    /api/v1/ready                                           readiness (200 / 503)           probe
 *   GET    /metrics                                                Prometheus text                 probe
 *   GET    /api/v1/dlq?limit=50                                    dead-letter queue               admin
 *   POST   /api/v1/dlq/:id/retry                                   requeue a dead job              admin
 *
 * Jobs are run by a Worker with apiJobHandler (job-handler.ts); when that worker lives in
 * this process, pass it as `worker` so new jobs start at once and cancelling aborts them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Engine } from '../core/engine.js';
import type { JobQueue } from '../core/job-queue.js';
import type { StatusSource } from '../core/status.js';
import type { Worker } from '../core/worker.js';
import type { Config } from '../utils/config.js';
import { MemoryTokenBucket, type RateLimiter } from '../utils/rate-limiter.js';
import { installErrorHandlers } from './errors.js';
import { ApiKeys, installAccessControl } from './auth.js';
import { OpenApiCollector } from './openapi.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { ApiService } from './service.js';
import { jobEvents, type JobEventBus } from './job-events.js';
import { linkRoutes } from './routes/links.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoute, statusRoutes } from './routes/status.js';
import { adminRoutes } from './routes/admin.js';
import { registerGraphql } from './graphql/index.js';
import { dashboardRoutes } from './dashboard.js';

export interface ApiServerDeps {
  engine: Engine;
  queue: JobQueue;
  status: StatusSource;
  config: Config;
  /** The in-process worker running API jobs, if any: poked on new jobs, aborted on cancel. */
  worker?: Worker;
  /** Where apiJobHandler writes results (`<resultsDir>/<jobId>/`). */
  resultsDir: string;
  /** Progress bus shared with apiJobHandler (default: the process-wide one). */
  events?: JobEventBus;
  /** Per-key limiter (default: in memory, RATE_LIMIT_REQUESTS_PER_MINUTE); pass a Redis one when scaled out. */
  rateLimiter?: RateLimiter;
  /** How often a GraphQL jobProgress subscription reads the queue (default 1000 ms). */
  watchPollMs?: number;
}

/** Request bodies are a link and a few options; nothing legitimate comes near this. */
const BODY_LIMIT_BYTES = 64 * 1024;

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the API server; call `listen()` on it, or `inject()` in tests. */
export async function createApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const { engine, queue, status, config } = deps;
  const logger = engine.logger.child({ component: 'api' });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // the dashboard polls every few seconds: per-request info lines would drown everything else
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // no route takes a huge path parameter; long ones are refused before routing
    routerOptions: { maxParamLength: 200 },
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  mkdirSync(deps.resultsDir, { recursive: true });
  const keys = new ApiKeys(config.apiKeys);
  if (!keys.required) logger.warn('API_KEYS is empty: the HTTP API is open to anyone who can reach the port');
  const service = new ApiService({
    engine,
    queue,
    status,
    resultsDir: deps.resultsDir,
    events: deps.events ?? jobEvents,
    ...(deps.worker ? { worker: deps.worker } : {}),
    ...(deps.watchPollMs ? { watchPollMs: deps.watchPollMs } : {}),
  });
  app.addHook('onClose', async () => service.close());

  installErrorHandlers(app);
  const rpm = config.rateLimitRequestsPerMinute;
  installAccessControl(app, {
    keys,
    limiter: deps.rateLimiter ?? new MemoryTokenBucket({ capacity: rpm, ratePerMinute: rpm }),
    limitPerMinute: rpm,
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  const openapi = new OpenApiCollector(app);

  await app.register(
    async (api) => {
      await api.register(linkRoutes, { service });
      await api.register(jobRoutes, { service });
      await api.register(statusRoutes, { service });
      await api.register(adminRoutes, { service });
    },
    { prefix: '/api/v1' },
  );
  await app.register(metricsRoute, { status });
  await registerGraphql(app, { service, keys });
  await app.register(dashboardRoutes);

  let document: Record<string, unknown> | undefined;
  app.get('/api/v1/openapi.json', { config: { access: 'public' } }, async () => {
    document ??= openapi.document(
      {
        title: 'dlbot API',
        version: packageVersion(),
        description: 'Download media from 20+ platforms. GraphQL (queries, mutations, jobProgress subscription) is served at /graphql.',
      },
      SHARED_SCHEMAS,
      {
        '/graphql': {
          post: {
            summary: 'GraphQL: detect, info, job, platforms, dashboard; createJob, cancelJob (subscription jobProgress over websocket)',
            tags: ['graphql'],
            operationId: 'graphql',
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { type: 'object', required: ['query'], properties: { query: { type: 'string' }, variables: { type: 'object' }, operationName: { type: 'string' } } } } },
            },
            responses: { 200: { description: 'A GraphQL response ({data, errors}); errors carry extensions.code.' } },
            security: [{ bearer: [] }],
          },
        },
      },
    );
    return document;
  });
  return app;
}
