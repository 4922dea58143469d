/**
 * The platform manager: the registry's front door. It turns user input into a Match (offline),
 * resolves short links through the guarded client (remembering where they led), and runs a
 * platform's extractor behind a circuit breaker per platform, falling back to the yt-dlp
 * backend when the native one is missing, failing with a non-final error, or paused by its
 * open circuit. With several egress identities (PROXY_URL list) it spreads jobs across them.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleType,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import type { ExtractContext, Match, Platform } from '../platforms/base.js';
import type { MediaInfo } from '../media/types.js';
import type { HttpClient } from '../utils/http.js';
import type { EgressPool } from './egress.js';
import { DownloadError, isDownloadError, toDownloadError, type ErrorCode } from '../utils/errors.js';

/** One line of `dlbot detect`: the contract other programs parse. */
export interface DetectResult {
  input: string;
  platform: string | null;
  id: string | null;
  needsResolve?: true;
  kind?: string;
  error?: Extract<ErrorCode, 'link.invalid' | 'link.unsupported'>;
}

/** The part of the yt-dlp backend the manager needs. */
export interface FallbackBackend {
  available(): Promise<boolean>;
  /** `proxyUrl` is the job's egress proxy: the media URLs it hands back are often bound to the address that asked. */
  extract(url: string, options: { signal?: AbortSignal; proxyUrl?: string }): Promise<MediaInfo>;
}

/** When a platform's circuit opens and how long it stays open. */
export interface CircuitOptions {
  /** Non-content failures in a row (fetch.failed, fetch.rate_limited, internal) that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit answers platform.unavailable before one probe call may try again. */
  halfOpenAfterMs?: number;
}

/** A platform circuit's state, as /status and the dashboard show it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

export interface PlatformManagerOptions {
  /** ENABLE_PLATFORMS: names that may be extracted; empty means all. */
  enabled?: readonly string[];
  maxUrlLength?: number;
  /** Hops a short link may take before we give up. */
  maxResolveHops?: number;
  fallback?: FallbackBackend;
  circuit?: CircuitOptions;
  /** Several ways out (PROXY_URL list): jobs take turns, rate-limited identities sit out. */
  egress?: EgressPool;
  /** Receives circuit state changes (opened, probing, closed) for the operator. */
  logger?: Logger;
}

/** Options of extractMany. */
export interface ExtractManyOptions {
  /** Extractions running at once (default 4). */
  concurrency?: number;
}

/** What resolve() needs: the client, a signal, and the cache that remembers where short links lead. */
export type ResolveContext = Pick<ExtractContext, 'http' | 'signal' | 'cache'>;

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** A bare host with a path, as people paste links without a scheme ("youtu.be/abc"). */
const BARE_HOST = /^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]|$)/i;

const DEFAULT_FAILURE_THRESHOLD = 5;
const DEFAULT_HALF_OPEN_AFTER_MS = 30_000;
const DEFAULT_EXTRACT_CONCURRENCY = 4;
/** A short link keeps pointing at the same post; a day bounds the damage of a reused one. */
export const RESOLVE_CACHE_TTL_SEC = 24 * 60 * 60;

/**
 * Failures that say the platform (or our way to it) is broken rather than the content: only
 * these count towards opening a circuit. A content.* or link.* answer proves the platform works.
 */
const TRIPPING_CODES = new Set<ErrorCode>(['fetch.failed', 'fetch.rate_limited', 'internal']);

/** True when `error` should count against the platform's circuit. */
export function tripsCircuit(error: DownloadError): boolean {
  return TRIPPING_CODES.has(error.code) && !error.context.aborted;
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** What the native extractor ended with; a content error is an answer, not a platform failure. */
type NativeOutcome = { info: MediaInfo } | { answer: DownloadError };

/**
 * Carries an error through the circuit without counting it either way: a cancelled call, or a
 * failure of another platform the extractor handed an embed to (that one has its own circuit).
 */
class Uncounted extends Error {
  constructor(readonly error: DownloadError) {
    super(error.message);
  }
}

export class PlatformManager {
  readonly platforms: readonly Platform[];
  /** The egress identities jobs are spread across, when PROXY_URL lists several. */
  readonly egress: EgressPool | undefined;
  private readonly enabled: ReadonlySet<string> | null;
  private readonly maxUrlLength: number;
  private readonly maxResolveHops: number;
  private readonly fallback: FallbackBackend | undefined;
  private readonly halfOpenAfterMs: number;
  private readonly circuits = new Map<string, CircuitBreakerPolicy>();
  /** Errors that came out of a nested extraction (ctx.extractUrl): they belong to the inner platform's circuit. */
  private readonly nestedErrors = new WeakSet<DownloadError>();

  constructor(platforms: readonly Platform[], options: PlatformManagerOptions = {}) {
    // generic claims everything, so it must be asked last whatever order the caller used
    this.platforms = [...platforms.filter((p) => p.name !== 'generic'), ...platforms.filter((p) => p.name === 'generic')];
    this.enabled = options.enabled && options.enabled.length > 0 ? new Set(options.enabled) : null;
    this.maxUrlLength = options.maxUrlLength ?? 2048;
    this.maxResolveHops = options.maxResolveHops ?? 5;
    this.fallback = options.fallback;
    this.egress = options.egress;
    this.halfOpenAfterMs = options.circuit?.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
    // generic fronts unrelated sites: one dead site must not pause every other one
    for (const platform of this.platforms.filter((p) => p.name !== 'generic' && p.extract)) {
      const circuit = circuitBreaker(handleType(DownloadError, tripsCircuit), {
        halfOpenAfter: this.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.circuit?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD),
      });
      const logger = options.logger;
      if (logger) {
        circuit.onBreak(() => logger.warn({ platform: platform.name }, 'circuit opened: the platform keeps failing; pausing its extractor'));
        circuit.onHalfOpen(() => logger.info({ platform: platform.name }, 'circuit half-open: probing the platform'));
        circuit.onReset(() => logger.info({ platform: platform.name }, 'circuit closed: the platform works again'));
      }
      this.circuits.set(platform.name, circuit);
    }
  }

  /** The platform called `name`, if registered. */
  get(name: string): Platform | undefined {
    return this.platforms.find((p) => p.name === name);
  }

  /** True when ENABLE_PLATFORMS allows `name`. */
  isEnabled(name: string): boolean {
    return this.enabled === null || this.enabled.has(name);
  }

  /**
   * Parses what a user typed into a URL: trims, adds https:// to a bare "host/path", bounds the
   * length. Throws link.invalid for non-URLs and link.unsupported for non-web schemes.
   */
  parseInput(input: string): URL {
    const text = input.trim();
    if (!text || text.length > this.maxUrlLength || /\s/.test(text)) {
      throw new DownloadError('link.invalid', undefined, { url: text.slice(0, 200) });
    }
    const withScheme = SCHEME.test(text) && !BARE_HOST.test(text) ? text : BARE_HOST.test(text) ? `https://${text}` : text;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new DownloadError('link.invalid', undefined, { url: text.slice(0, 200) });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new DownloadError('link.unsupported', undefined, { url: text.slice(0, 200) });
    }
    if (!url.hostname) throw new DownloadError('link.invalid', undefined, { url: text.slice(0, 200) });
    return url;
  }

  /** The first platform that recognises the URL (generic last); null when none does. */
  match(url: URL): Match | null {
    for (const platform of this.platforms) {
      const m = platform.match(url);
      if (m) return m;
    }
    return null;
  }

  /** Offline detection in the `dlbot detect` shape; never throws. */
  detect(input: string): DetectResult {
    let url: URL;
    try {
      url = this.parseInput(input);
    } catch (error) {
      const code = isDownloadError(error) && error.code === 'link.unsupported' ? 'link.unsupported' : 'link.invalid';
      return { input, platform: null, id: null, error: code };
    }
    const m = this.match(url);
    if (!m) return { input, platform: null, id: null, error: 'link.unsupported' };
    const out: DetectResult = { input, platform: m.platform, id: m.id };
    if (m.needsResolve) out.needsResolve = true;
    if (m.kind) out.kind = m.kind;
    return out;
  }

  /** The circuit state of every platform with a native extractor (generic has none), for /status and the dashboard. */
  circuitStates(): Record<string, CircuitStateName> {
    const states: Record<string, CircuitStateName> = {};
    for (const [name, circuit] of this.circuits) states[name] = STATE_NAMES[circuit.state];
    return states;
  }

  /**
   * The HTTP client the next job should use. With several egress identities, the next healthy
   * one in turn; otherwise `http` itself. A job keeps the client it got for every request it
   * makes (extraction, playlist entries, media), since stream URLs are often bound to the
   * address that asked for them.
   */
  egressFor(http: HttpClient): HttpClient {
    return this.egress ? this.egress.pick().http : http;
  }

  /**
   * Follows a short link's redirects through the guarded client and matches the target again,
   * up to maxResolveHops times (a short link may point at another short link). Where a link
   * led is kept in ctx.cache for a day, so the same short link costs no request next time.
   */
  async resolve(match: Match, ctx: ResolveContext): Promise<Match> {
    const key = `resolve:${match.url.href}`;
    const known = await ctx.cache?.get<string>(key);
    const remembered = known ? this.match(new URL(known)) : null;
    if (remembered && !remembered.needsResolve) return remembered;
    let current = match;
    for (let hop = 0; current.needsResolve; hop++) {
      if (hop >= this.maxResolveHops) {
        throw new DownloadError('link.invalid', 'The short link did not lead to a video.', { platform: match.platform, url: match.url.href });
      }
      const target = await ctx.http.resolveRedirects(current.url, { ...(ctx.signal ? { signal: ctx.signal } : {}), platform: current.platform });
      const next = this.match(new URL(target));
      if (!next || (next.needsResolve && next.url.href === current.url.href)) {
        throw new DownloadError('content.not_found', 'The short link does not lead to a video.', { platform: match.platform, url: target });
      }
      current = next;
    }
    await ctx.cache?.set(key, current.url.href, RESOLVE_CACHE_TTL_SEC);
    return current;
  }

  /**
   * Extracts the media behind `input`: detect, resolve short links, run the native extractor
   * behind the platform's circuit, and on a missing extractor, a non-final failure or an open
   * circuit try the fallback backend. An open circuit without a fallback answers
   * platform.unavailable (retriable) without calling the extractor.
   */
  async extract(input: string, ctx: ExtractContext): Promise<MediaInfo> {
    const url = this.parseInput(input);
    let m = this.match(url);
    if (!m) throw new DownloadError('link.unsupported', undefined, { url: url.href });
    if (m.needsResolve) m = await this.resolve(m, ctx);
    if (!this.isEnabled(m.platform)) {
      throw new DownloadError('link.unsupported', `The platform ${m.platform} is disabled here by the operator (ENABLE_PLATFORMS).`, {
        platform: m.platform,
        url: url.href,
      });
    }
    const platform = this.get(m.platform)!;
    if (!platform.extract) return this.viaFallback(m, ctx, undefined);
    try {
      return await this.extractNative(platform, m, { ...ctx, extractUrl: (inner) => this.extractNested(inner, ctx) });
    } catch (error) {
      const e = toDownloadError(error, { platform: m.platform, url: m.url.href });
      this.egress?.report(ctx.http, e);
      if (e.final || e.context.aborted || ctx.signal?.aborted) throw e;
      if (e.code !== 'platform.unavailable') {
        ctx.logger.warn({ platform: m.platform, code: e.code }, 'native extractor failed; trying the fallback backend');
      }
      return this.viaFallback(m, ctx, e);
    }
  }

  /**
   * Extracts several links at once, at most `concurrency` at a time, each through its own
   * egress identity. Results come back settled and in the order of `urls`; a failure is always
   * a DownloadError.
   */
  async extractMany(urls: readonly string[], ctx: ExtractContext, options: ExtractManyOptions = {}): Promise<PromiseSettledResult<MediaInfo>[]> {
    const concurrency = Math.max(1, options.concurrency ?? DEFAULT_EXTRACT_CONCURRENCY);
    const results: PromiseSettledResult<MediaInfo>[] = new Array(urls.length);
    let next = 0;
    const worker = async () => {
      while (next < urls.length) {
        const index = next++;
        const url = urls[index]!;
        try {
          results[index] = { status: 'fulfilled', value: await this.extract(url, { ...ctx, http: this.egressFor(ctx.http) }) };
        } catch (error) {
          results[index] = { status: 'rejected', reason: toDownloadError(error, { url }) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
    return results;
  }

  /**
   * Runs the native extractor inside the platform's circuit. Content answers (content.*,
   * link.*) come out of the circuit as values, so they count as the platform working; tripping
   * failures go through it as failures; a cancelled call and another platform's failure (an
   * embed) pass through without counting. An open circuit becomes platform.unavailable.
   */
  private async extractNative(platform: Platform, m: Match, ctx: ExtractContext): Promise<MediaInfo> {
    const circuit = this.circuits.get(platform.name);
    if (!circuit) return platform.extract!(m, ctx);
    let outcome: NativeOutcome;
    try {
      outcome = await circuit.execute(async (): Promise<NativeOutcome> => {
        try {
          return { info: await platform.extract!(m, ctx) };
        } catch (error) {
          const e = toDownloadError(error, { platform: m.platform, url: m.url.href });
          if (e.context.aborted || ctx.signal?.aborted || this.nestedErrors.has(e)) throw new Uncounted(e);
          if (tripsCircuit(e)) throw e;
          return { answer: e };
        }
      });
    } catch (error) {
      if (error instanceof Uncounted) throw error.error;
      if (error instanceof BrokenCircuitError) {
        const retryAfterSec = Math.ceil(this.halfOpenAfterMs / 1000);
        throw new DownloadError('platform.unavailable', `${platform.name} kept failing, so its extractor is paused for up to ${retryAfterSec} s.`, {
          platform: m.platform,
          url: m.url.href,
          retryAfterSec,
        });
      }
      throw error;
    }
    if ('answer' in outcome) throw outcome.answer;
    return outcome.info;
  }

  /** An extraction an extractor asked for (an embed); its failure is marked as the inner platform's. */
  private async extractNested(input: string, ctx: ExtractContext): Promise<MediaInfo> {
    try {
      return await this.extract(input, ctx);
    } catch (error) {
      const e = toDownloadError(error, { url: input });
      this.nestedErrors.add(e);
      throw e;
    }
  }

  private async viaFallback(m: Match, ctx: ExtractContext, cause: DownloadError | undefined): Promise<MediaInfo> {
    if (!this.fallback || !(await this.fallback.available())) {
      throw (
        cause ??
        new DownloadError('link.unsupported', `There is no native extractor for ${m.platform} yet and yt-dlp is not installed.`, {
          platform: m.platform,
          url: m.url.href,
        })
      );
    }
    ctx.http.check(m.url); // yt-dlp does its own fetching: at least its starting point passes the guard
    const info = await this.fallback.extract(m.url.href, {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.http.proxyUrl ? { proxyUrl: ctx.http.proxyUrl } : {}),
    });
    return { ...info, platform: m.platform, id: m.id ?? info.id };
  }
}
