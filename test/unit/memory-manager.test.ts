import { afterEach, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AllocationTracker, MemoryManager, nextMemoryLevel, type MemoryLevel, type MemoryLevelChange } from '../../src/utils/memory-manager.js';

const MB = 1024 * 1024;

/**
 * V8's gc(): the global one under --expose-gc, else exposed at runtime through a V8 flag;
 * undefined when neither works (the GC test is then skipped, the bookkeeping tests still run).
 */
function gcFunction(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** A manager with a 100 MB budget fed from `series` (RSS in MB), one value per sample(). */
function syntheticManager(series: number[] = []) {
  const feed = { rssMb: 0 };
  let i = 0;
  const manager = new MemoryManager({
    maxMemoryMb: 100,
    sampler: () => ({ rss: (series.length ? series[i++]! : feed.rssMb) * MB, heapUsed: 10 * MB }),
    now: () => 1_700_000_000_000,
  });
  const changes: MemoryLevelChange[] = [];
  manager.onLevel((c) => changes.push(c));
  return { manager, changes, feed };
}

describe('nextMemoryLevel', () => {
  const table: Array<[MemoryLevel, number, MemoryLevel]> = [
    ['normal', 0.5, 'normal'],
    ['normal', 0.7999, 'normal'],
    ['normal', 0.8, 'warning'],
    ['normal', 0.95, 'critical'],
    ['warning', 0.94, 'warning'],
    ['warning', 0.76, 'warning'],
    ['warning', 0.75, 'warning'],
    ['warning', 0.7499, 'normal'],
    ['critical', 0.96, 'critical'],
    ['critical', 0.9, 'critical'],
    ['critical', 0.8999, 'warning'],
    ['critical', 0.76, 'warning'],
    ['critical', 0.5, 'normal'],
  ];
  it.each(table)('%s at %f → %s', (current, ratio, expected) => {
    expect(nextMemoryLevel(current, ratio)).toBe(expected);
  });
});

describe('MemoryManager levels', () => {
  it('fires one event per crossing over a synthetic rise and fall, and gates jobs', () => {
    const series = [50, 70, 79, 80, 85, 94, 95, 97, 92, 90, 89.9, 94.9, 78, 75, 74, 79, 100, 60];
    const { manager, changes } = syntheticManager(series);
    const named: string[] = [];
    for (const level of ['normal', 'warning', 'critical'] as const) manager.on(level, (c) => named.push(`${c.previous}→${level}`));
    const levels: MemoryLevel[] = [];
    const gates: boolean[] = [];
    for (let i = 0; i < series.length; i++) {
      levels.push(manager.sample().level);
      gates.push(manager.canTakeJobs());
    }
    expect(levels).toEqual([
      'normal', 'normal', 'normal', 'warning', 'warning', 'warning', 'critical', 'critical', 'critical', 'critical',
      'warning', 'warning', 'warning', 'warning', 'normal', 'normal', 'critical', 'normal',
    ]);
    expect(gates).toEqual(levels.map((l) => l !== 'critical'));
    expect(named).toEqual(['normal→warning', 'warning→critical', 'critical→warning', 'warning→normal', 'normal→critical', 'critical→normal']);
    expect(changes.map((c) => [c.previous, c.level, Math.round(c.sample.rssBytes / MB * 10) / 10])).toEqual([
      ['normal', 'warning', 80],
      ['warning', 'critical', 95],
      ['critical', 'warning', 89.9],
      ['warning', 'normal', 74],
      ['normal', 'critical', 100],
      ['critical', 'normal', 60],
    ]);
    expect(manager.level()).toBe('normal');
  });

  it('does not flap while RSS hovers around a threshold (hysteresis)', () => {
    const { manager, changes, feed } = syntheticManager();
    const gates = new Set<boolean>();
    for (let i = 0; i < 50; i++) {
      feed.rssMb = i % 2 ? 94 : 96; // either side of 95 %
      manager.sample();
      gates.add(manager.canTakeJobs());
    }
    expect(changes.map((c) => c.level)).toEqual(['critical']);
    expect([...gates]).toEqual([false]);
    for (let i = 0; i < 50; i++) {
      feed.rssMb = i % 2 ? 79 : 81; // either side of 80 %, after falling from critical
      manager.sample();
    }
    expect(changes.map((c) => c.level)).toEqual(['critical', 'warning']);
  });

  it('reports the sample it took', () => {
    const { manager } = syntheticManager([42]);
    const s = manager.sample();
    expect(s).toMatchObject({ atMs: 1_700_000_000_000, rssBytes: 42 * MB, heapUsedBytes: 10 * MB, limitBytes: 100 * MB, level: 'normal' });
    expect(s.ratio).toBeCloseTo(0.42, 12);
    expect(manager.lastSample()).toBe(s);
  });

  it('keeps notifying the other listeners when one throws, and reports the failure', () => {
    const error = vi.fn();
    const manager = new MemoryManager({ maxMemoryMb: 100, sampler: () => ({ rss: 99 * MB }), logger: { error } as never });
    const heard: string[] = [];
    manager.on('critical', () => {
      throw new Error('cache refused to shrink');
    });
    manager.on('critical', (c) => heard.push(c.level));
    manager.sample();
    expect(heard).toEqual(['critical']);
    expect(manager.canTakeJobs()).toBe(false);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ message: 'cache refused to shrink' }) }), "memory 'critical' listener failed");
  });

  it('unsubscribes an onLevel listener', () => {
    const { manager } = syntheticManager([81, 99]);
    const heard: MemoryLevel[] = [];
    const off = manager.onLevel((c) => heard.push(c.level));
    manager.sample();
    off();
    manager.sample();
    expect(heard).toEqual(['warning']);
  });

  it('rejects a budget or thresholds that make no sense', () => {
    expect(() => new MemoryManager({ maxMemoryMb: 0 })).toThrow(RangeError);
    expect(() => new MemoryManager({ maxMemoryMb: 100, thresholds: { warningRatio: 0.96 } })).toThrow(/warning \(0.96\) < critical \(0.95\)/);
  });
});

describe('MemoryManager timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('samples at once on start, then every sampleIntervalMs, and stops', () => {
    vi.useFakeTimers();
    const sampler = vi.fn(() => ({ rss: 10 * MB }));
    const manager = new MemoryManager({ maxMemoryMb: 100, sampler, sampleIntervalMs: 1000 });
    manager.start();
    manager.start(); // idempotent
    expect(sampler).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(3000);
    expect(sampler).toHaveBeenCalledTimes(4);
    manager.stop();
    vi.advanceTimersByTime(3000);
    expect(sampler).toHaveBeenCalledTimes(4);
  });

  it('never keeps the process alive', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const manager = new MemoryManager({ maxMemoryMb: 100, sampleIntervalMs: 50 });
    manager.start();
    expect(timers()).toBe(before);
    manager.stop();
  });

  it('samples the real process by default and survives a failing sampler', () => {
    const manager = new MemoryManager({ maxMemoryMb: 65536 });
    const s = manager.sample();
    expect(s.rssBytes).toBeGreaterThan(10 * MB);
    expect(s.heapUsedBytes).toBeGreaterThan(0);
    const error = vi.fn();
    const broken = new MemoryManager({ maxMemoryMb: 100, logger: { error } as never, sampler: () => { throw new Error('no /proc'); } });
    broken.start();
    broken.stop();
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'memory sampler failed');
  });
});

describe('allocation tracking', () => {
  it('counts live tracked bytes by label and releases them on untrack', () => {
    const tracker = new AllocationTracker();
    const a = Buffer.alloc(1000);
    const b = new Uint8Array(500);
    const c = new ArrayBuffer(2048);
    expect(tracker.track(a, 'download')).toBe(true);
    expect(tracker.track(b, 'download')).toBe(true);
    expect(tracker.track(c, 'thumbnail')).toBe(true);
    expect(tracker.track(a, 'download')).toBe(false);
    expect(tracker.usage()).toEqual({ download: { bytes: 1500, count: 2 }, thumbnail: { bytes: 2048, count: 1 } });
    expect(tracker.totalBytes()).toBe(3548);
    expect(tracker.untrack(a)).toBe(true);
    expect(tracker.untrack(a)).toBe(false);
    expect(tracker.untrack(c)).toBe(true);
    expect(tracker.usage()).toEqual({ download: { bytes: 500, count: 1 } });
  });

  it('puts the tracked total into each sample', () => {
    const { manager } = syntheticManager([10]);
    const buf = Buffer.alloc(4096);
    manager.track(buf, 'merge');
    expect(manager.sample().trackedBytes).toBe(4096);
    expect(manager.tracked()).toEqual({ merge: { bytes: 4096, count: 1 } });
    manager.untrack(buf);
    expect(manager.tracked()).toEqual({});
  });

  it.runIf(gcFunction())('releases a buffer once it is garbage-collected', async () => {
    const gc = gcFunction()!;
    const tracker = new AllocationTracker();
    const kept = Buffer.alloc(64 * 1024);
    tracker.track(kept, 'kept');
    (() => {
      for (let i = 0; i < 4; i++) tracker.track(Buffer.alloc(256 * 1024), 'dropped');
    })();
    expect(tracker.usage().dropped).toEqual({ bytes: 1024 * 1024, count: 4 });
    // FinalizationRegistry callbacks run some ticks after a collection, so poll (up to ~1 s)
    for (let i = 0; i < 100 && tracker.usage().dropped; i++) {
      gc();
      await sleep(10);
    }
    expect(tracker.usage()).toEqual({ kept: { bytes: 64 * 1024, count: 1 } });
    expect(kept.byteLength).toBe(64 * 1024);
  });
});
