/**
 * Who is calling and how often. Every route declares its access level in its route config
 * (`config: { access }`); one onRequest hook checks the Bearer key against API_KEYS and spends
 * one token of the caller's rate-limit bucket before anything else runs.
 *
 * Access levels:
 * - `probe`  — liveness, readiness, Prometheus metrics and the dashboard's static files: never
 *              refused and never rate-limited, so orchestrators and scrapers need no secret.
 * - `public` — read-only operational data (dashboard JSON, platform list, OpenAPI document):
 *              no key needed, rate-limited per key or, without one, per client address.
 * - `key`    — everything that touches content or jobs (detect, info, jobs, GraphQL): needs a
 *              key from API_KEYS when API_KEYS is set.
 * - `admin`  — the dead-letter queue: needs the FIRST key of API_KEYS, which also sees every
 *              job instead of only its own.
 * A route without an access level counts as `key` (new routes are closed until opened).
 * With API_KEYS empty the API is open: every caller is the same anonymous admin — bind the
 * port to localhost or set API_KEYS before exposing it.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimiter } from '../utils/rate-limiter.js';
import { ApiError } from './errors.js';

export type Access = 'probe' | 'public' | 'key' | 'admin';

/** The identity a request acts as. */
export interface Caller {
  /** Stored as the job's userId: `api:` + a hash of the key (never the key), or `api:anonymous`. */
  userId: string;
  /** A valid key came with the request. */
  keyed: boolean;
  /** The admin key, or any caller when API_KEYS is empty. */
  admin: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller: Caller;
  }
}

const ANONYMOUS_USER = 'api:anonymous';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Recognises API keys. Keys are kept only as hashes, so a lookup does not compare secrets byte by byte. */
export class ApiKeys {
  private readonly byHash: Map<string, number>;

  constructor(keys: readonly string[]) {
    this.byHash = new Map(keys.map((key, index) => [sha256(key), index]));
  }

  /** True when API_KEYS is set and keys are required. */
  get required(): boolean {
    return this.byHash.size > 0;
  }

  /**
   * The caller behind an Authorization header: a key holder, the anonymous caller (no keys
   * configured, or no header on a route that needs none), or null for a wrong or missing key.
   */
  identify(authorization: string | undefined): Caller | null {
    if (!this.required) return { userId: ANONYMOUS_USER, keyed: false, admin: true };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return authorization ? null : { userId: ANONYMOUS_USER, keyed: false, admin: false };
    const hash = sha256(match[1]!);
    const index = this.byHash.get(hash);
    if (index === undefined) return null;
    return { userId: `api:${hash.slice(0, 16)}`, keyed: true, admin: index === 0 };
  }

  /** The caller for a route at `access`, or the ApiError that refuses it. */
  authorize(authorization: string | undefined, access: Access): Caller {
    const caller = this.identify(authorization);
    if (access === 'probe') return caller ?? { userId: ANONYMOUS_USER, keyed: false, admin: false };
    if (access === 'public') {
      if (caller) return caller;
      // a wrong key on an open route is still a mistake worth telling
      throw unauthorized('The API key is not valid.');
    }
    if (!caller) throw unauthorized('The API key is not valid.');
    if (this.required && !caller.keyed) throw unauthorized('An API key is required: send "Authorization: Bearer <key>".');
    if (access === 'admin' && !caller.admin) throw new ApiError('auth.forbidden', 'This route needs the admin key (the first of API_KEYS).');
    return caller;
  }
}

function unauthorized(message: string): ApiError {
  return new ApiError('auth.required', message, { 'www-authenticate': 'Bearer realm="dlbot"' });
}

/** True when `caller` may see or change a job owned by `ownerUserId`. */
export function canAccessJob(caller: Caller, ownerUserId: string | undefined): boolean {
  return caller.admin || ownerUserId === caller.userId;
}

/** A GraphQL websocket authenticates per subscription, from the upgrade headers or connection_init payload. */
function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade?.toLowerCase() === 'websocket';
}

/** Installs the access check and the per-caller rate limit on every route of `app`. */
export function installAccessControl(app: FastifyInstance, options: { keys: ApiKeys; limiter: RateLimiter; limitPerMinute: number }): void {
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.access ?? 'key';
    request.caller = options.keys.authorize(request.headers.authorization, isWebSocketUpgrade(request) ? 'public' : access);
    if (access === 'probe') return;
    const bucket = request.caller.keyed ? request.caller.userId : `ip:${request.ip}`;
    const decision = await options.limiter.consume(bucket);
    reply.header('x-ratelimit-limit', String(options.limitPerMinute));
    reply.header('x-ratelimit-remaining', String(Math.max(0, decision.remaining)));
    if (!decision.allowed) {
      const retryAfterSec = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new ApiError('request.rate_limited', `Too many requests; try again in ${retryAfterSec} s.`, { 'retry-after': String(retryAfterSec) });
    }
  });
}
