/**
 * The system manager: owns the lifecycle of every component of a dlbot process.
 *
 * - Components declare what they depend on (config → store → cache → queue → platform
 *   manager → bot/api) and start in dependency order; a cycle or an unknown dependency is
 *   rejected before anything starts.
 * - Critical components (the seed preloads config and the memory manager) start eagerly and
 *   a failure aborts the start; `lazy` components start on their first get(), which keeps the
 *   cold start short; the rest start eagerly and, when they fail, leave the system degraded
 *   while recovery retries them.
 * - Health checks run on an interval; a failed component is restarted (stop + start, its
 *   running dependents with it) with exponential backoff, and the time to recover is recorded.
 * - Shutdown (SIGINT/SIGTERM) drains first — the bot stops taking updates, workers let their
 *   running jobs finish — within one deadline, then stops components in reverse order (the
 *   store closes last), removes DATA_DIR/tmp and exits 0.
 *
 * It is also the StatusSource the API, the bot's /status and the dashboard read.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AlertManager, AlertSnapshot } from '../utils/alerts.js';
import type { CacheStats, Monitoring } from '../utils/monitoring.js';
import { exponential, type RetryStrategy } from '../utils/retry.js';
import type { JobCounts } from './job-queue.js';
import type { CircuitState, ComponentHealth, DashboardData, HealthReport, StatusSource, SystemState } from './status.js';

/** One part of the process the manager starts, watches and stops. */
export interface Component {
  name: string;
  /** Names of the components that must be running before this one starts. */
  dependsOn?: string[];
  /** Start on the first get() instead of at start(). Ignored for critical components. */
  lazy?: boolean;
  /** The process cannot run without it: started eagerly, and a failure to start aborts start(). */
  critical?: boolean;
  start(): Promise<void>;
  /** Must be safe after a failed start(): recovery stops a failed component before starting it again. */
  stop(): Promise<void>;
  /** Called on every health tick; a thrown error or a timeout counts as unhealthy. */
  health?(): Promise<ComponentHealth>;
  /**
   * First phase of shutdown: stop taking new work (updates, jobs) and let work in flight
   * finish within `deadlineMs`. Called in reverse dependency order before any stop().
   */
  drain?(deadlineMs: number): Promise<void>;
}

/** Where the dashboard's queue, cache and circuit fields come from. */
export interface StatusProviders {
  queueCounts?(): Promise<JobCounts>;
  cacheStats?(): CacheStats | Promise<CacheStats>;
  circuits?(): Record<string, CircuitState>;
}

export interface SystemManagerOptions {
  logger: Logger;
  monitoring: Monitoring;
  alerts?: AlertManager;
  providers?: StatusProviders;
  /** DATA_DIR: its tmp/ is removed on shutdown. */
  dataDir?: string;
  /** Health check interval; 0 turns the background checks off. */
  healthIntervalMs?: number;
  /** A health() call that takes longer counts as failed. */
  healthTimeoutMs?: number;
  /** Delay before recovery attempt n + 1 (the first attempt is immediate). */
  recoveryBackoff?: RetryStrategy;
  /** The whole shutdown — drain, stop, cleanup — must fit in this. */
  shutdownDeadlineMs?: number;
  /** Minutes of downloads the error-rate alert looks at. */
  errorWindowMin?: number;
  /** Reported with the deployment.started alert. */
  version?: string;
  /** process.exit unless a test replaces it. */
  exit?: (code: number) => void;
  now?: () => number;
}

type Phase = 'idle' | 'starting' | 'running' | 'failed' | 'stopping' | 'stopped';

interface Entry {
  component: Component;
  phase: Phase;
  starting?: Promise<void>;
  health: ComponentHealth;
  recovering?: Promise<void>;
}

/** Fits Kubernetes' 30 s grace period; under Docker's 10 s default, pass a smaller deadline (or `docker stop -t`). */
const DEFAULT_SHUTDOWN_DEADLINE_MS = 25_000;
const EMPTY_QUEUE: JobCounts = { queued: 0, running: 0, done: 0, cancelled: 0, dead: 0 };

/** Resolves after `ms` or when `signal` aborts; never keeps the process alive. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Runs `work` for at most `ms`; true when it finished in time. Its failure is rethrown. */
async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Orders components so that each comes after its dependencies (depth-first, in registration
 * order among equals). Throws on an unknown dependency or a cycle, naming it.
 */
export function dependencyOrder(components: ReadonlyArray<Pick<Component, 'name' | 'dependsOn'>>): string[] {
  const byName = new Map(components.map((c) => [c.name, c]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new Error(`Component dependency cycle: ${cycle.join(' → ')}. Remove one of these dependsOn entries.`);
    }
    const component = byName.get(name);
    if (!component) throw new Error(`Component ${path.at(-1)} depends on ${name}, which is not registered.`);
    state.set(name, 'visiting');
    for (const dep of component.dependsOn ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const c of components) visit(c.name, []);
  return order;
}

/** Lifecycle, health and recovery of a process's components; the process's StatusSource. */
export class SystemManager implements StatusSource {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly shutdownSignal = new AbortController();
  private order: string[] = [];
  private lifecycle: 'idle' | 'starting' | 'started' | 'stopping' | 'stopped' = 'idle';
  private healthTimer: NodeJS.Timeout | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: SystemManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Adds a component; all must be registered before start(). */
  register(component: Component): this {
    if (this.entries.has(component.name)) throw new Error(`Component ${component.name} is registered twice.`);
    if (this.lifecycle !== 'idle') throw new Error(`Component ${component.name} was registered after start().`);
    this.entries.set(component.name, { component, phase: 'idle', health: { ok: true, detail: 'not started' } });
    return this;
  }

  /** The registered names in start order (dependencies first). */
  get startOrder(): string[] {
    return dependencyOrder([...this.entries.values()].map((e) => e.component));
  }

  get metricsContentType(): string {
    return this.options.monitoring.metricsContentType;
  }

  /** starting / running / degraded / stopping / stopped. */
  get state(): SystemState {
    if (this.lifecycle === 'idle' || this.lifecycle === 'starting') return 'starting';
    if (this.lifecycle === 'stopping') return 'stopping';
    if (this.lifecycle === 'stopped') return 'stopped';
    return [...this.entries.values()].some((e) => this.isDown(e)) ? 'degraded' : 'running';
  }

  /**
   * Starts every critical and non-lazy component (with what they depend on) in dependency
   * order, then the health checks. Rejects when a critical component fails, after stopping
   * what had started.
   */
  async start(): Promise<void> {
    if (this.lifecycle !== 'idle') throw new Error('The system was already started.');
    this.order = this.startOrder;
    this.lifecycle = 'starting';
    const began = this.now();
    for (const name of this.order) {
      const entry = this.entry(name);
      if (entry.component.lazy && !entry.component.critical) continue;
      try {
        await this.ensureStarted(name);
      } catch (error) {
        if (this.isCritical(name)) {
          this.options.logger.fatal({ err: error, component: name }, 'a critical component failed to start');
          const end = this.now() + 5_000;
          await this.stopAll(() => Math.max(0, end - this.now()));
          this.lifecycle = 'stopped';
          throw new Error(`Critical component ${name} failed to start: ${(error as Error).message}`, { cause: error });
        }
        this.options.logger.error({ err: error, component: name }, 'component failed to start; the system runs degraded while it recovers');
      }
    }
    this.lifecycle = 'started';
    const interval = this.options.healthIntervalMs ?? 30_000;
    if (interval > 0) {
      this.healthTimer = setInterval(() => void this.health().catch((error: unknown) => this.options.logger.error({ err: error }, 'health check failed')), interval);
      this.healthTimer.unref();
    }
    for (const entry of this.entries.values()) if (this.needsRecovery(entry)) this.scheduleRecovery(entry);
    const startupMs = this.now() - began;
    this.options.logger.info({ startupMs, state: this.state }, 'system started');
    void this.options.alerts?.emit('deployment.started', { startupMs, ...(this.options.version ? { version: this.options.version } : {}) });
  }

  /** The component `name`, started first (with its dependencies) when it has not been yet. */
  async get<C extends Component = Component>(name: string): Promise<C> {
    const entry = this.entry(name);
    if (this.lifecycle === 'stopping' || this.lifecycle === 'stopped') throw new Error(`Component ${name} is not available: the system is shutting down.`);
    await this.ensureStarted(name);
    return entry.component as C;
  }

  /** Runs every started component's health check (recovering the failed ones) and reports. */
  async health(): Promise<HealthReport> {
    if (this.lifecycle === 'started') {
      await Promise.all([...this.entries.values()].map((entry) => this.check(entry)));
      await this.options.alerts?.evaluate(this.alertSnapshot());
    }
    const components: Record<string, ComponentHealth> = {};
    for (const [name, entry] of this.entries) {
      components[name] = entry.phase === 'idle' ? { ok: true, detail: entry.component.lazy ? 'not started (lazy)' : 'not started' } : { ...entry.health };
    }
    const state = this.state;
    return { ok: state === 'running', state, components };
  }

  /**
   * The dashboard JSON, from monitoring and the queue, cache and circuit providers. A provider
   * that fails (its component is down) leaves its field empty rather than the whole dashboard.
   */
  async dashboard(): Promise<DashboardData> {
    const p = this.options.providers ?? {};
    const [queue, cache, circuits] = await Promise.all([
      this.provide('queueCounts', () => p.queueCounts?.()),
      this.provide('cacheStats', () => p.cacheStats?.()),
      this.provide('circuits', () => p.circuits?.()),
    ]);
    return this.options.monitoring.dashboard({ state: this.state, queue: queue ?? EMPTY_QUEUE, circuits: circuits ?? {}, ...(cache ? { cache } : {}) });
  }

  /** Prometheus text, with the queue, circuit and component gauges refreshed first. */
  async metricsText(): Promise<string> {
    const p = this.options.providers ?? {};
    const m = this.options.monitoring;
    const [queue, circuits] = await Promise.all([this.provide('queueCounts', () => p.queueCounts?.()), this.provide('circuits', () => p.circuits?.())]);
    if (queue) m.setQueue(queue);
    if (circuits) m.setCircuits(circuits);
    for (const [name, entry] of this.entries) if (entry.phase !== 'idle') m.setComponentHealth(name, entry.phase === 'running' && entry.health.ok);
    return m.metricsText();
  }

  private circuitStates(): Record<string, CircuitState> {
    try {
      return this.options.providers?.circuits?.() ?? {};
    } catch (error) {
      this.options.logger.warn({ err: error, provider: 'circuits' }, 'a status provider failed');
      return {};
    }
  }

  private async provide<T>(name: keyof StatusProviders, read: () => T | Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      this.options.logger.warn({ err: error, provider: name }, 'a status provider failed');
      return undefined;
    }
  }

  /** What the alert rules look at. */
  alertSnapshot(): AlertSnapshot {
    const m = this.options.monitoring;
    return {
      memoryPercent: m.memoryPercent(),
      recent: m.outcomes(this.options.errorWindowMin ?? 5),
      circuits: this.circuitStates(),
      unhealthyComponents: [...this.entries].filter(([, e]) => this.isDown(e)).map(([n]) => n),
    };
  }

  /**
   * Graceful shutdown, all within `shutdownDeadlineMs`: no more lazy starts or recoveries;
   * drain components in reverse order; stop them in reverse order; remove DATA_DIR/tmp.
   * Calling it again returns the same promise.
   */
  shutdown(reason = 'shutdown'): Promise<void> {
    this.shuttingDown ??= this.runShutdown(reason);
    return this.shuttingDown;
  }

  /**
   * SIGINT/SIGTERM → shutdown() → exit(0) (exit(1) if shutdown itself throws). A second signal
   * while shutting down exits at once with 1. Returns a function that removes the handlers.
   */
  installSignalHandlers(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): () => void {
    const exit = this.options.exit ?? ((code: number) => process.exit(code));
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.shuttingDown) {
        this.options.logger.warn({ signal }, 'second signal during shutdown: exiting now');
        exit(1);
        return;
      }
      this.options.logger.info({ signal }, 'shutting down');
      // the shutdown bounds every step by its deadline; this only catches a step that ignores it
      const overrun = setTimeout(() => {
        this.options.logger.error('shutdown overran its deadline: exiting');
        exit(1);
      }, (this.options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS) + 2_000);
      overrun.unref();
      this.shutdown(signal).then(
        () => {
          clearTimeout(overrun);
          exit(0);
        },
        (error: unknown) => {
          clearTimeout(overrun);
          this.options.logger.error({ err: error }, 'shutdown failed');
          exit(1);
        },
      );
    };
    for (const s of signals) process.on(s, onSignal);
    return () => {
      for (const s of signals) process.off(s, onSignal);
    };
  }

  private async runShutdown(reason: string): Promise<void> {
    const deadlineMs = this.options.shutdownDeadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
    const deadline = this.now() + deadlineMs;
    const left = () => Math.max(0, deadline - this.now());
    this.lifecycle = 'stopping';
    this.shutdownSignal.abort();
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.options.alerts?.stop();
    // keep a quarter of the time (up to 5 s) for stopping components and cleaning up
    const drainMs = deadlineMs - Math.min(5_000, Math.floor(deadlineMs / 4));
    const drainUntil = this.now() + drainMs;
    for (const entry of this.running().reverse()) {
      if (!entry.component.drain || entry.phase !== 'running') continue;
      const budget = Math.max(0, drainUntil - this.now());
      try {
        if (!(await within(budget, entry.component.drain(budget)))) this.options.logger.warn({ component: entry.component.name, budgetMs: budget }, 'drain deadline passed; stopping anyway');
      } catch (error) {
        this.options.logger.error({ err: error, component: entry.component.name }, 'drain failed');
      }
    }
    await within(left(), Promise.allSettled(this.recoveries()));
    await this.stopAll(left);
    this.options.monitoring.close();
    if (this.options.dataDir) {
      await rm(join(this.options.dataDir, 'tmp'), { recursive: true, force: true }).catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'removing temporary files failed'),
      );
    }
    this.lifecycle = 'stopped';
    this.options.logger.info({ reason, tookMs: deadlineMs - left() }, 'system stopped');
  }

  /** Stops every started component in reverse dependency order, each within what is left of the time. */
  private async stopAll(left: () => number): Promise<void> {
    for (const entry of this.running().reverse()) await this.stopEntry(entry, left());
  }

  private async stopEntry(entry: Entry, timeoutMs: number): Promise<void> {
    entry.phase = 'stopping';
    try {
      if (!(await within(timeoutMs, entry.component.stop()))) this.options.logger.warn({ component: entry.component.name }, 'component did not stop in time');
    } catch (error) {
      this.options.logger.error({ err: error, component: entry.component.name }, 'component failed to stop');
    }
    entry.phase = 'stopped';
  }

  /** Started (or failed) components in start order. */
  private running(): Entry[] {
    return this.order.map((n) => this.entry(n)).filter((e) => e.phase === 'running' || e.phase === 'failed' || e.phase === 'starting');
  }

  private recoveries(): Promise<void>[] {
    return [...this.entries.values()].flatMap((e) => (e.recovering ? [e.recovering] : []));
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`Unknown component ${name}.`);
    return entry;
  }

  /** Failed to start, failed its last health check, or being recovered. */
  private isDown(entry: Entry): boolean {
    return entry.phase === 'failed' || entry.recovering !== undefined || (entry.phase === 'running' && !entry.health.ok);
  }

  private isCritical(name: string): boolean {
    return this.entry(name).component.critical === true;
  }

  /** Starts `name` after its dependencies; concurrent callers share one start. */
  private ensureStarted(name: string): Promise<void> {
    const entry = this.entry(name);
    if (entry.phase === 'running') return Promise.resolve();
    entry.starting ??= (async () => {
      if (this.order.length === 0) this.order = this.startOrder;
      for (const dep of entry.component.dependsOn ?? []) {
        try {
          // a failed dependency is its own recovery's business; starting it again here would double the attempts
          if (this.entry(dep).phase === 'failed') throw new Error(`${dep} failed to start earlier`);
          await this.ensureStarted(dep);
        } catch (error) {
          entry.phase = 'failed';
          entry.health = { ok: false, detail: `dependency ${dep} is not running` };
          throw new Error(`${name} cannot start: its dependency ${dep} failed (${(error as Error).message})`, { cause: error });
        }
      }
      entry.phase = 'starting';
      const began = this.now();
      try {
        await entry.component.start();
      } catch (error) {
        entry.phase = 'failed';
        entry.health = { ok: false, detail: `start failed: ${(error as Error).message}` };
        throw error;
      }
      entry.phase = 'running';
      entry.health = { ok: true, ...(entry.health.lastRecoveryMs !== undefined ? { lastRecoveryMs: entry.health.lastRecoveryMs } : {}) };
      this.options.logger.debug({ component: name, startMs: this.now() - began }, 'component started');
    })().finally(() => {
      entry.starting = undefined;
    });
    return entry.starting;
  }

  /**
   * A failed component whose dependencies run gets its own recovery; one blocked by a failed
   * dependency is started again by that dependency's recovery.
   */
  private needsRecovery(entry: Entry): boolean {
    return entry.phase === 'failed' && !entry.recovering && (entry.component.dependsOn ?? []).every((d) => this.entry(d).phase === 'running');
  }

  /** One health check of a running component; a failure (or an earlier failed start) starts recovery. */
  private async check(entry: Entry): Promise<void> {
    if (this.needsRecovery(entry)) return this.scheduleRecovery(entry);
    if (entry.phase !== 'running' || entry.recovering || !entry.component.health) return;
    const result = await this.probe(entry);
    const lastRecoveryMs = entry.health.lastRecoveryMs;
    entry.health = { ...result, ...(lastRecoveryMs !== undefined ? { lastRecoveryMs } : {}) };
    this.options.monitoring.setComponentHealth(entry.component.name, result.ok);
    if (!result.ok) {
      this.options.logger.warn({ component: entry.component.name, detail: result.detail }, 'component unhealthy; recovering');
      this.scheduleRecovery(entry);
    }
  }

  private async probe(entry: Entry): Promise<ComponentHealth> {
    const health = entry.component.health;
    if (!health) return { ok: true };
    const timeoutMs = this.options.healthTimeoutMs ?? 5_000;
    let result: ComponentHealth = { ok: false, detail: `health check timed out after ${timeoutMs} ms` };
    try {
      await within(timeoutMs, health.call(entry.component).then((r) => (result = r)));
    } catch (error) {
      result = { ok: false, detail: `health check threw: ${(error as Error).message}` };
    }
    return result;
  }

  /**
   * Restarts a failed component until it is healthy: immediately, then with backoff. Its
   * running dependents are stopped first and started again after it (they hold its handles).
   */
  private scheduleRecovery(entry: Entry): void {
    if (entry.recovering || this.shutdownSignal.signal.aborted) return;
    const name = entry.component.name;
    const detectedAt = this.now();
    const backoff = this.options.recoveryBackoff ?? exponential({ baseMs: 1_000, maxMs: 60_000, jitter: false });
    entry.recovering = (async () => {
      for (let attempt = 1; !this.shutdownSignal.signal.aborted; attempt++) {
        try {
          await this.restart(entry);
          const result = await this.probe(entry);
          if (result.ok) {
            const recoveryMs = this.now() - detectedAt;
            entry.health = { ok: true, lastRecoveryMs: recoveryMs };
            this.options.monitoring.recordRecovery(name, recoveryMs);
            this.options.monitoring.setComponentHealth(name, true);
            this.options.logger.info({ component: name, recoveryMs, attempts: attempt }, 'component recovered');
            void this.options.alerts?.emit('component.recovered', { component: name, recoveryMs });
            return;
          }
          entry.phase = 'failed';
          entry.health = { ...result, ok: false };
        } catch (error) {
          this.options.logger.warn({ err: error, component: name, attempt }, 'recovery attempt failed');
        }
        await pause(backoff.delayMs(attempt, {}), this.shutdownSignal.signal);
      }
    })().finally(() => {
      entry.recovering = undefined;
    });
  }

  private async restart(entry: Entry): Promise<void> {
    const dependents = this.dependentsOf(entry.component.name);
    const wasRunning = new Set(dependents.filter((d) => d.phase === 'running' || d.phase === 'failed').map((d) => d.component.name));
    for (const d of [...dependents].reverse()) if (wasRunning.has(d.component.name)) await this.stopEntry(d, this.options.healthTimeoutMs ?? 5_000);
    if (entry.phase !== 'idle') await this.stopEntry(entry, this.options.healthTimeoutMs ?? 5_000);
    await this.ensureStarted(entry.component.name);
    for (const d of dependents) {
      const eager = !d.component.lazy || d.component.critical;
      if (wasRunning.has(d.component.name) || eager) {
        await this.ensureStarted(d.component.name).catch((error: unknown) =>
          this.options.logger.warn({ err: error, component: d.component.name }, 'dependent did not restart'),
        );
      }
    }
  }

  /** Components that depend on `name`, directly or not, in start order. */
  private dependentsOf(name: string): Entry[] {
    const found = new Set<string>();
    for (const n of this.order) {
      const deps = this.entry(n).component.dependsOn ?? [];
      if (deps.some((d) => d === name || found.has(d))) found.add(n);
    }
    return this.order.filter((n) => found.has(n)).map((n) => this.entry(n));
  }
}
