/**
 * The platform manager: the registry's front door. It turns user input into a Match (offline),
 * resolves short links through the guarded client, and runs a platform's extractor, falling
 * back to the yt-dlp backend when the native one is missing or fails with a non-final error.
 */
import type { ExtractContext, Match, Platform } from '../platforms/base.js';
import type { MediaInfo } from '../media/types.js';
import type { HttpClient } from '../utils/http.js';
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
  extract(url: string, options: { signal?: AbortSignal }): Promise<MediaInfo>;
}

export interface PlatformManagerOptions {
  /** ENABLE_PLATFORMS: names that may be extracted; empty means all. */
  enabled?: readonly string[];
  maxUrlLength?: number;
  /** Hops a short link may take before we give up. */
  maxResolveHops?: number;
  fallback?: FallbackBackend;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** A bare host with a path, as people paste links without a scheme ("youtu.be/abc"). */
const BARE_HOST = /^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]|$)/i;

export class PlatformManager {
  readonly platforms: readonly Platform[];
  private readonly enabled: ReadonlySet<string> | null;
  private readonly maxUrlLength: number;
  private readonly maxResolveHops: number;
  private readonly fallback: FallbackBackend | undefined;

  constructor(platforms: readonly Platform[], options: PlatformManagerOptions = {}) {
    // generic claims everything, so it must be asked last whatever order the caller used
    this.platforms = [...platforms.filter((p) => p.name !== 'generic'), ...platforms.filter((p) => p.name === 'generic')];
    this.enabled = options.enabled && options.enabled.length > 0 ? new Set(options.enabled) : null;
    this.maxUrlLength = options.maxUrlLength ?? 2048;
    this.maxResolveHops = options.maxResolveHops ?? 5;
    this.fallback = options.fallback;
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

  /**
   * Follows a short link's redirects through the guarded client and matches the target again,
   * up to maxResolveHops times (a short link may point at another short link).
   */
  async resolve(match: Match, http: HttpClient, signal?: AbortSignal): Promise<Match> {
    let current = match;
    for (let hop = 0; current.needsResolve; hop++) {
      if (hop >= this.maxResolveHops) {
        throw new DownloadError('link.invalid', 'The short link did not lead to a video.', { platform: match.platform, url: match.url.href });
      }
      const target = await http.resolveRedirects(current.url, { ...(signal ? { signal } : {}), platform: current.platform });
      const next = this.match(new URL(target));
      if (!next || (next.needsResolve && next.url.href === current.url.href)) {
        throw new DownloadError('content.not_found', 'The short link does not lead to a video.', { platform: match.platform, url: target });
      }
      current = next;
    }
    return current;
  }

  /**
   * Extracts the media behind `input`: detect, resolve short links, run the native extractor,
   * and on a missing extractor or a non-final failure try the fallback backend.
   */
  async extract(input: string, ctx: ExtractContext): Promise<MediaInfo> {
    const url = this.parseInput(input);
    let m = this.match(url);
    if (!m) throw new DownloadError('link.unsupported', undefined, { url: url.href });
    if (m.needsResolve) m = await this.resolve(m, ctx.http, ctx.signal);
    if (!this.isEnabled(m.platform)) {
      throw new DownloadError('link.unsupported', `The platform ${m.platform} is disabled here.`, { platform: m.platform, url: url.href });
    }
    const platform = this.get(m.platform)!;
    const context: ExtractContext = { ...ctx, extractUrl: (inner) => this.extract(inner, ctx) };
    if (!platform.extract) return this.viaFallback(m, ctx, undefined);
    try {
      return await platform.extract(m, context);
    } catch (error) {
      const e = toDownloadError(error, { platform: m.platform, url: m.url.href });
      if (e.final || e.context.aborted || ctx.signal?.aborted) throw e;
      ctx.logger.warn({ platform: m.platform, code: e.code }, 'native extractor failed; trying the fallback backend');
      return this.viaFallback(m, ctx, e);
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
    const info = await this.fallback.extract(m.url.href, ctx.signal ? { signal: ctx.signal } : {});
    return { ...info, platform: m.platform, id: m.id ?? info.id };
  }
}
