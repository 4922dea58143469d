/**
 * GraphQL at /graphql (mercurius): queries detect, info, job, platforms, dashboard; mutations
 * createJob, cancelJob; subscription jobProgress over websockets (graphql-transport-ws or the
 * legacy graphql-ws protocol). Requests are bounded by a depth limit and a cost limit.
 *
 * HTTP requests are authenticated by the access hook like any keyed route. A websocket may
 * carry its key in the upgrade request's Authorization header or, as browsers cannot set one,
 * in the connection_init payload (`{ "authorization": "Bearer <key>" }`); each subscription
 * checks it. Errors carry `extensions.code` with the same codes as REST.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius, { type IResolvers, type MercuriusContext } from 'mercurius';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { graphql } from './graphql-lib.js';
import type { DashboardData } from '../../core/status.js';
import type { ApiService, CreateJobInput } from '../service.js';
import type { ApiKeys, Caller } from '../auth.js';
import { ApiError, errorResponse } from '../errors.js';
import { DownloadError } from '../../utils/errors.js';
import { DETECT_MAX_URLS } from '../schemas.js';
import { costLimitRule, depthLimitRule } from './limits.js';
import { typeDefs } from './schema.js';

export interface GraphqlOptions {
  service: ApiService;
  keys: ApiKeys;
  /** Deepest selection allowed (default 8). */
  maxDepth?: number;
  /** Highest query cost allowed (default 1000; see limits.ts). */
  maxCost?: number;
}

type Context = MercuriusContext & { request?: FastifyRequest };

/**
 * The caller behind a resolver. Over HTTP the access hook already checked the same header; on
 * a websocket the headers include what connection_init sent, so this is where its key is checked.
 */
function callerOf(context: Context, keys: ApiKeys): Caller {
  const headers = (context.reply?.request ?? context.request)?.headers ?? {};
  // a connection_init payload keeps the client's spelling of the name
  const header = headers.authorization ?? headers.Authorization;
  return keys.authorize(typeof header === 'string' ? header : undefined, 'key');
}

/** Maps map-shaped dashboard fields to lists and snake_case to camelCase. */
function dashboardView(d: DashboardData) {
  return {
    system: {
      state: d.system.state,
      uptime: d.system.uptime,
      memoryUsage: d.system.memory_usage,
      uptimeSec: d.system.uptime_sec,
      rssBytes: d.system.rss_bytes,
      memoryLimitBytes: d.system.memory_limit_bytes,
      memoryPercent: d.system.memory_percent,
    },
    downloads: { total: d.downloads.total, successRate: d.downloads.success_rate, avgDurationMs: d.downloads.avg_duration_ms, bytes: d.downloads.bytes },
    platforms: Object.entries(d.platforms).map(([name, s]) => ({ name, ...s })),
    queue: d.queue,
    cache: { hits: d.cache.hits, misses: d.cache.misses, evictions: d.cache.evictions, hitRate: d.cache.hit_rate },
    circuits: Object.entries(d.circuits).map(([platform, state]) => ({ platform, state })),
    recentErrors: d.recent_errors,
    history: d.history,
  };
}

/**
 * The error a client sees for anything a resolver threw: the stable code in extensions and a
 * safe sentence. graphql-js copies `extensions` when it adds the path, so the code survives
 * into query, mutation and subscription responses alike.
 */
function codedError(error: unknown): GraphQLError {
  if (error instanceof graphql.GraphQLError) return error;
  const known = error instanceof ApiError || error instanceof DownloadError;
  const { body } = errorResponse(known ? error : new DownloadError('internal'));
  return new graphql.GraphQLError(body.error.message, { extensions: { code: body.error.code } });
}

/** Wraps a resolver so whatever it throws reaches the client as codedError. */
function coded<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw codedError(error);
    }
  };
}

function resolvers(service: ApiService, keys: ApiKeys): IResolvers {
  return {
    Query: {
      detect: coded((_root: unknown, { urls }: { urls: string[] }, ctx: Context) => {
        callerOf(ctx, keys);
        if (urls.length > DETECT_MAX_URLS) throw new ApiError('request.invalid', `At most ${DETECT_MAX_URLS} links per call.`);
        return service.detect(urls);
      }),
      info: coded((_root: unknown, { url }: { url: string }, ctx: Context) => {
        callerOf(ctx, keys);
        return service.info(url);
      }),
      job: coded(async (_root: unknown, { id }: { id: string }, ctx: Context) => {
        try {
          return await service.jobView(callerOf(ctx, keys), id);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'job.not_found') return null;
          throw error;
        }
      }),
      platforms: coded(() => service.platforms()),
      dashboard: coded(async () => dashboardView(await service.dashboard())),
    },
    Mutation: {
      createJob: coded((_root: unknown, { input }: { input: CreateJobInput }, ctx: Context) => service.createJob(callerOf(ctx, keys), input)),
      cancelJob: coded((_root: unknown, { id }: { id: string }, ctx: Context) => service.cancelJob(callerOf(ctx, keys), id)),
    },
    Subscription: {
      jobProgress: {
        subscribe: coded((_root: unknown, { id }: { id: string }, ctx: Context) => service.watch(callerOf(ctx, keys), id)),
        resolve: (job: unknown) => job,
      },
    },
  };
}

/** Last line of defence in the formatter: an error that escaped `coded` still leaks nothing. */
function publicError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  // validation errors (no original, or mercurius' wrapper holding a list) and coded errors are ready
  if (!original || original instanceof graphql.GraphQLError || Array.isArray((original as { errors?: unknown }).errors)) return error;
  const coded = codedError(original);
  return new graphql.GraphQLError(coded.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: coded.extensions,
  });
}

/** Registers mercurius on `app` with the schema, resolvers, limits and subscriptions. */
export async function registerGraphql(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  // depth first: a deep query is usually also costly, and "too deep" is the clearer answer
  const limits = [depthLimitRule(options.maxDepth ?? 8), costLimitRule({ maxCost: options.maxCost ?? 1000 })];
  const formatErrors = (execution: ExecutionResult & { errors: readonly GraphQLError[] }, context: MercuriusContext) =>
    mercurius.defaultErrorFormatter({ ...execution, errors: execution.errors.map(publicError) }, context);
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: resolvers(options.service, options.keys),
    path: '/graphql',
    graphiql: false,
    validationRules: limits,
    subscription: { keepAlive: 30_000 },
    errorFormatter: formatErrors,
    // errors before execution (the access hook, validation) come here
    errorHandler: async (error, request, reply) => {
      if (error instanceof ApiError) {
        // refused at the door (no key, rate limit): HTTP status and headers as REST has them
        await reply.code(error.status).headers(error.headers).send({ data: null, errors: [{ message: error.message, extensions: { code: error.code } }] });
        return;
      }
      const { statusCode, response } = formatErrors(
        { errors: [new graphql.GraphQLError(error.message, { originalError: error })] },
        { reply, app: request.server } as unknown as MercuriusContext,
      );
      // an invalid document is a bad request however many rules it broke (mercurius says 200 for several)
      await reply.code(typeof error.statusCode === 'number' ? error.statusCode : statusCode).send(response);
    },
  });
  // mercurius runs validationRules for queries and mutations only: subscriptions get them here
  app.graphql.addHook('preSubscriptionExecution', async (schema, document) => {
    const errors = graphql.validate(schema, document, limits);
    if (errors.length > 0) throw errors[0];
  });
}
