/**
 * Egress identities: the ways out to the internet when PROXY_URL lists several proxies. Each
 * identity has its own HttpClient (its own connection pool through its proxy). A job picks one
 * identity and keeps it from extraction to the last media byte, because platforms bind stream
 * URLs and sessions to the address that asked for them. Identities take turns; one that just
 * got HTTP 429 sits out a cooldown so the next jobs go out through the others.
 */
import type { HttpClient } from '../utils/http.js';
import type { DownloadError } from '../utils/errors.js';

/** One way out: a proxy (or the direct connection) and the client that uses it. */
export interface EgressIdentity {
  /** Safe to show on /status and in logs: never carries credentials (see proxyLabel). */
  name: string;
  http: HttpClient;
}

/** An identity as /status and the dashboard show it. */
export interface EgressState {
  name: string;
  /** Milliseconds until the identity takes jobs again after a rate limit; 0 when it is healthy. */
  coolingDownMs: number;
}

export interface EgressPoolOptions {
  /** How long an identity sits out after a 429 without Retry-After (default 60 s). */
  cooldownMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_COOLDOWN_MS = 60_000;

/** A label for a proxy URL that is safe to show: scheme, host and port, never user or password. */
export function proxyLabel(proxyUrl: string): string {
  const url = new URL(proxyUrl);
  return `${url.protocol}//${url.host}`;
}

/** Round-robin over healthy egress identities, steering away from rate-limited ones. */
export class EgressPool {
  readonly identities: readonly EgressIdentity[];
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly coolingUntilMs = new Map<HttpClient, number>();
  private turn = 0;

  constructor(identities: readonly EgressIdentity[], options: EgressPoolOptions = {}) {
    if (identities.length === 0) throw new Error('An egress pool needs at least one identity.');
    this.identities = identities;
    this.cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The next identity in turn that is not cooling down. When every identity is cooling down,
   * the one that recovers first: a job waits on the platform's own limit rather than failing here.
   */
  pick(): EgressIdentity {
    const now = this.now();
    const count = this.identities.length;
    for (let i = 0; i < count; i++) {
      const index = (this.turn + i) % count;
      const candidate = this.identities[index]!;
      if (this.coolingLeftMs(candidate.http, now) === 0) {
        this.turn = (index + 1) % count;
        return candidate;
      }
    }
    return [...this.identities].sort((a, b) => this.coolingLeftMs(a.http, now) - this.coolingLeftMs(b.http, now))[0]!;
  }

  /** True when `http` is one of this pool's clients. */
  has(http: HttpClient): boolean {
    return this.identities.some((identity) => identity.http === http);
  }

  /**
   * Tells the pool how a request through `http` failed. A rate limit (fetch.rate_limited) puts
   * the identity in cooldown for the platform's Retry-After or the default cooldown, whichever
   * is longer; other failures say nothing about the identity and are ignored.
   */
  report(http: HttpClient, error: DownloadError): void {
    if (error.code !== 'fetch.rate_limited' || !this.has(http)) return;
    const retryAfterMs = (error.context.retryAfterSec ?? 0) * 1000;
    const until = this.now() + Math.max(this.cooldownMs, retryAfterMs);
    this.coolingUntilMs.set(http, Math.max(until, this.coolingUntilMs.get(http) ?? 0));
  }

  /** Every identity with its remaining cooldown, for /status and the dashboard. */
  states(): EgressState[] {
    const now = this.now();
    return this.identities.map((identity) => ({ name: identity.name, coolingDownMs: this.coolingLeftMs(identity.http, now) }));
  }

  /** Closes every identity's client. */
  async close(): Promise<void> {
    await Promise.all(this.identities.map((identity) => identity.http.close()));
  }

  private coolingLeftMs(http: HttpClient, now: number): number {
    return Math.max(0, (this.coolingUntilMs.get(http) ?? 0) - now);
  }
}
