/**
 * Keeps the process inside its memory budget (MAX_MEMORY_MB, 200 on a free tier): samples RSS
 * and heap on an unref'd timer, turns the sample into a pressure level and announces each
 * change as an event, so the parts that own memory can react —
 *
 * - `warning` (RSS ≥ 80 % of the budget): caches shrink, concurrency drops;
 * - `critical` (≥ 95 %): no new jobs are taken (`canTakeJobs()` is false) until RSS falls back;
 * - `normal`: recovered.
 *
 * Levels fall back only once RSS is a hysteresis margin (5 points) below the threshold that
 * raised them, so a process hovering at 95 % does not flap between taking and refusing jobs.
 * The alert system subscribes to the same events.
 *
 * It also tracks large buffers (downloads held in memory, thumbnails, merge chunks) by label
 * with a FinalizationRegistry, so an operator sees which kind of buffer holds the memory.
 */
import { EventEmitter } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from 'pino';

/** Memory pressure, from none to "stop taking work". */
export type MemoryLevel = 'normal' | 'warning' | 'critical';

/** What a sampler reads (the shape of `process.memoryUsage()`; only `rss` is required). */
export interface MemoryReading {
  rss: number;
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
  arrayBuffers?: number;
}

/** Reads the process' memory; tests inject synthetic readings. */
export type MemorySampler = () => MemoryReading;

/** One sample, with the level it put the process in. */
export interface MemorySample {
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  limitBytes: number;
  /** rssBytes / limitBytes. */
  ratio: number;
  level: MemoryLevel;
  /** Bytes of tracked buffers still alive. */
  trackedBytes: number;
  /** Garbage collections observed since start() and their total pause. */
  gcCount: number;
  gcPauseMs: number;
}

/** Where the levels start and how far below a threshold RSS must fall to leave its level. */
export interface MemoryThresholds {
  /** Default 0.80. */
  warningRatio: number;
  /** Default 0.95. */
  criticalRatio: number;
  /** Default 0.05: critical ends below 90 %, warning below 75 %. */
  hysteresisRatio: number;
}

/** The seed's thresholds: 80 % and 95 % of MAX_MEMORY_MB. */
export const DEFAULT_MEMORY_THRESHOLDS: Readonly<MemoryThresholds> = { warningRatio: 0.8, criticalRatio: 0.95, hysteresisRatio: 0.05 };

/**
 * The level after a sample: rising takes effect at the threshold, falling only below the
 * threshold minus the hysteresis margin.
 */
export function nextMemoryLevel(current: MemoryLevel, ratio: number, t: MemoryThresholds = DEFAULT_MEMORY_THRESHOLDS): MemoryLevel {
  if (ratio >= t.criticalRatio) return 'critical';
  if (current === 'critical' && ratio >= t.criticalRatio - t.hysteresisRatio) return 'critical';
  if (ratio >= t.warningRatio) return 'warning';
  if (current !== 'normal' && ratio >= t.warningRatio - t.hysteresisRatio) return 'warning';
  return 'normal';
}

/** A level change, as delivered to listeners. */
export interface MemoryLevelChange {
  level: MemoryLevel;
  previous: MemoryLevel;
  sample: MemorySample;
}

/** Events of MemoryManager: one per level change, under the new level's name and under `level`. */
export type MemoryEvents = {
  level: [MemoryLevelChange];
  normal: [MemoryLevelChange];
  warning: [MemoryLevelChange];
  critical: [MemoryLevelChange];
};

/** Live bytes and count of tracked buffers under one label. */
export interface TrackedUsage {
  bytes: number;
  count: number;
}

interface Held {
  label: string;
  bytes: number;
}

/**
 * Counts the bytes of large buffers by label while they are alive. A tracked buffer is
 * counted until it is garbage-collected (FinalizationRegistry) or untracked explicitly; the
 * tracker never keeps a buffer alive itself.
 */
export class AllocationTracker {
  private readonly byLabel = new Map<string, TrackedUsage>();
  /** Weak: lets untrack() find a buffer's record without holding the buffer. */
  private readonly records = new WeakMap<object, Held>();
  private readonly registry = new FinalizationRegistry<Held>((held) => this.release(held));

  /** Starts counting `buffer` under `label`; false if it is already tracked. */
  track(buffer: ArrayBuffer | ArrayBufferView, label: string): boolean {
    if (this.records.has(buffer)) return false;
    const held: Held = { label, bytes: buffer.byteLength };
    this.records.set(buffer, held);
    // the buffer is its own unregister token (held weakly by the registry)
    this.registry.register(buffer, held, buffer);
    const usage = this.byLabel.get(label) ?? { bytes: 0, count: 0 };
    usage.bytes += held.bytes;
    usage.count++;
    this.byLabel.set(label, usage);
    return true;
  }

  /** Stops counting a buffer its owner has released; false if it was not tracked. */
  untrack(buffer: ArrayBuffer | ArrayBufferView): boolean {
    const held = this.records.get(buffer);
    if (!held) return false;
    this.records.delete(buffer);
    this.registry.unregister(buffer);
    this.release(held);
    return true;
  }

  /** Live tracked bytes and counts, by label. */
  usage(): Record<string, TrackedUsage> {
    return Object.fromEntries([...this.byLabel].map(([label, u]) => [label, { ...u }]));
  }

  /** Live tracked bytes in total. */
  totalBytes(): number {
    let total = 0;
    for (const u of this.byLabel.values()) total += u.bytes;
    return total;
  }

  private release(held: Held): void {
    const usage = this.byLabel.get(held.label);
    if (!usage) return;
    usage.bytes -= held.bytes;
    usage.count--;
    if (usage.count <= 0) this.byLabel.delete(held.label);
  }
}

/** Budget, thresholds, and the injectable sampler and clock. */
export interface MemoryManagerOptions {
  /** The budget (MAX_MEMORY_MB). */
  maxMemoryMb: number;
  thresholds?: Partial<MemoryThresholds>;
  /** How often the timer samples (default 2000 ms). */
  sampleIntervalMs?: number;
  /** Default: process.memoryUsage. */
  sampler?: MemorySampler;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Where a failing listener or sampler is reported (default: a process warning). */
  logger?: Logger;
}

/** Samples memory, holds the pressure level, and tells listeners when it changes. */
export class MemoryManager extends EventEmitter<MemoryEvents> {
  readonly limitBytes: number;
  readonly thresholds: Readonly<MemoryThresholds>;
  readonly allocations = new AllocationTracker();
  private readonly sampler: MemorySampler;
  private readonly now: () => number;
  private readonly sampleIntervalMs: number;
  private readonly logger: Logger | undefined;
  private current: MemoryLevel = 'normal';
  private last: MemorySample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private gcObserver: PerformanceObserver | undefined;
  private gcCount = 0;
  private gcPauseMs = 0;

  constructor(options: MemoryManagerOptions) {
    super();
    if (!(options.maxMemoryMb > 0)) throw new RangeError(`maxMemoryMb must be positive, got ${options.maxMemoryMb}`);
    this.thresholds = { ...DEFAULT_MEMORY_THRESHOLDS, ...options.thresholds };
    const { warningRatio, criticalRatio, hysteresisRatio } = this.thresholds;
    if (!(warningRatio > 0 && warningRatio < criticalRatio && hysteresisRatio >= 0 && hysteresisRatio < warningRatio)) {
      throw new RangeError(`memory thresholds need 0 < warning (${warningRatio}) < critical (${criticalRatio}) and 0 ≤ hysteresis (${hysteresisRatio}) < warning`);
    }
    this.limitBytes = options.maxMemoryMb * 1024 * 1024;
    this.sampler = options.sampler ?? (() => process.memoryUsage());
    this.now = options.now ?? Date.now;
    this.sampleIntervalMs = options.sampleIntervalMs ?? 2000;
    this.logger = options.logger;
  }

  /** Starts sampling on a timer that never keeps the process alive; samples once at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.sampleIntervalMs).unref();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.gcCount++;
        this.gcPauseMs += entry.duration;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.tick();
  }

  /** Stops sampling (the level and last sample stay readable). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.gcObserver?.disconnect();
    this.gcObserver = undefined;
  }

  /** Reads memory now, updates the level, and emits when it changed. */
  sample(): MemorySample {
    const reading = this.sampler();
    const ratio = reading.rss / this.limitBytes;
    const previous = this.current;
    const level = nextMemoryLevel(previous, ratio, this.thresholds);
    const sample: MemorySample = {
      atMs: this.now(),
      rssBytes: reading.rss,
      heapUsedBytes: reading.heapUsed ?? 0,
      heapTotalBytes: reading.heapTotal ?? 0,
      externalBytes: reading.external ?? 0,
      arrayBuffersBytes: reading.arrayBuffers ?? 0,
      limitBytes: this.limitBytes,
      ratio,
      level,
      trackedBytes: this.allocations.totalBytes(),
      gcCount: this.gcCount,
      gcPauseMs: this.gcPauseMs,
    };
    this.current = level;
    this.last = sample;
    if (level !== previous) {
      const change: MemoryLevelChange = { level, previous, sample };
      this.deliver(level, change);
      this.deliver('level', change);
    }
    return sample;
  }

  /** The current pressure level. */
  level(): MemoryLevel {
    return this.current;
  }

  /** The most recent sample, if any was taken. */
  lastSample(): MemorySample | undefined {
    return this.last;
  }

  /** False while critical: workers stop claiming new jobs until memory falls back. */
  canTakeJobs(): boolean {
    return this.current !== 'critical';
  }

  /** Calls `listener` on every level change; returns the function that unsubscribes it. */
  onLevel(listener: (change: MemoryLevelChange) => void): () => void {
    this.on('level', listener);
    return () => this.off('level', listener);
  }

  /** Counts a large buffer under `label` until it is collected or untracked. */
  track(buffer: ArrayBuffer | ArrayBufferView, label: string): boolean {
    return this.allocations.track(buffer, label);
  }

  /** Stops counting a buffer. */
  untrack(buffer: ArrayBuffer | ArrayBufferView): boolean {
    return this.allocations.untrack(buffer);
  }

  /** Live tracked bytes and counts, by label. */
  tracked(): Record<string, TrackedUsage> {
    return this.allocations.usage();
  }

  private tick(): void {
    try {
      this.sample();
    } catch (err) {
      this.report(err, 'memory sampler failed');
    }
  }

  /**
   * Emits to each listener in turn, isolating failures: one listener throwing (say, a cache
   * that fails to shrink) must not keep the others — or the job gate — from hearing of it.
   */
  private deliver(event: keyof MemoryEvents, change: MemoryLevelChange): void {
    for (const listener of this.rawListeners(event)) {
      try {
        (listener as (c: MemoryLevelChange) => void).call(this, change);
      } catch (err) {
        this.report(err, `memory '${event}' listener failed`);
      }
    }
  }

  private report(err: unknown, message: string): void {
    if (this.logger) this.logger.error({ err }, message);
    else process.emitWarning(`${message}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
