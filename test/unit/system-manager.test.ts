import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemManager, dependencyOrder, type Component, type SystemManagerOptions } from '../../src/core/system-manager.js';
import { Monitoring } from '../../src/utils/monitoring.js';
import { AlertManager, type Alert } from '../../src/utils/alerts.js';
import { exponential } from '../../src/utils/retry.js';
import { silentLogger } from '../../src/utils/logger.js';

const MB = 1024 * 1024;

interface FakeComponent extends Component {
  healthy: boolean;
  starts: number;
}

/** A component that logs its lifecycle into `log`; `failStarts` makes its first starts throw. */
function fake(name: string, log: string[], o: Partial<Component> & { failStarts?: number; startMs?: number; onStart?: () => void } = {}): FakeComponent {
  let failures = o.failStarts ?? 0;
  const c: FakeComponent = {
    name,
    healthy: true,
    starts: 0,
    ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
    ...(o.lazy ? { lazy: true } : {}),
    ...(o.critical ? { critical: true } : {}),
    async start() {
      c.starts++;
      if (o.startMs) await sleep(o.startMs);
      o.onStart?.();
      if (failures > 0) {
        failures--;
        log.push(`fail:${name}`);
        throw new Error(`${name} cannot connect`);
      }
      c.healthy = true;
      log.push(`start:${name}`);
    },
    async stop() {
      log.push(`stop:${name}`);
    },
    async health() {
      return c.healthy ? { ok: true } : { ok: false, detail: `${name} lost its connection` };
    },
    ...(o.drain ? { drain: o.drain } : {}),
  };
  return c;
}

function manager(over: Partial<SystemManagerOptions> = {}): SystemManager {
  return new SystemManager({
    logger: silentLogger,
    monitoring: new Monitoring({ memoryLimitBytes: 200 * MB, defaultMetrics: false, memoryUsage: () => ({ rss: 100 * MB, heapUsed: 1, heapTotal: 1 }) }),
    healthIntervalMs: 0,
    ...over,
  });
}

/** The seed's graph, registered out of order. */
function seedGraph(log: string[]): FakeComponent[] {
  return [
    fake('bot', log, { dependsOn: ['platforms', 'queue'] }),
    fake('api', log, { dependsOn: ['platforms'] }),
    fake('platforms', log, { dependsOn: ['cache', 'queue'] }),
    fake('queue', log, { dependsOn: ['store'] }),
    fake('cache', log, { dependsOn: ['store'] }),
    fake('store', log, { dependsOn: ['config'] }),
    fake('config', log, { critical: true }),
  ];
}

describe('SystemManager start order', () => {
  it('starts components after their dependencies and stops them in reverse', async () => {
    const log: string[] = [];
    const system = manager();
    for (const c of seedGraph(log)) system.register(c);
    expect(system.state).toBe('starting');
    await system.start();
    const starts = log.filter((l) => l.startsWith('start:')).map((l) => l.slice(6));
    expect(starts).toEqual(['config', 'store', 'cache', 'queue', 'platforms', 'bot', 'api']);
    expect(system.state).toBe('running');

    await expect(system.start()).rejects.toThrow('already started');

    log.length = 0;
    await system.shutdown();
    expect(log).toEqual(['stop:api', 'stop:bot', 'stop:platforms', 'stop:queue', 'stop:cache', 'stop:store', 'stop:config']);
    expect(system.state).toBe('stopped');
  });

  it('rejects a dependency cycle, naming it, before anything starts', async () => {
    const log: string[] = [];
    const system = manager();
    system.register(fake('config', log)).register(fake('a', log, { dependsOn: ['config', 'c'] })).register(fake('b', log, { dependsOn: ['a'] })).register(fake('c', log, { dependsOn: ['b'] }));
    await expect(system.start()).rejects.toThrow('Component dependency cycle: a → c → b → a.');
    expect(log).toEqual([]);
  });

  it('rejects an unknown dependency and a duplicate name', () => {
    expect(() => dependencyOrder([{ name: 'queue', dependsOn: ['store'] }])).toThrow('Component queue depends on store, which is not registered.');
    expect(() => dependencyOrder([{ name: 'solo', dependsOn: ['solo'] }])).toThrow('solo → solo');
    expect(() => manager().register(fake('x', [])).register(fake('x', []))).toThrow('registered twice');
  });

  it('aborts start when a critical component fails, stopping what had started', async () => {
    const log: string[] = [];
    const system = manager();
    system.register(fake('config', log, { critical: true })).register(fake('store', log, { critical: true, dependsOn: ['config'], failStarts: 1 })).register(fake('bot', log, { dependsOn: ['store'] }));
    await expect(system.start()).rejects.toThrow('Critical component store failed to start: store cannot connect');
    expect(log).toEqual(['start:config', 'fail:store', 'stop:store', 'stop:config']);
    expect(system.state).toBe('stopped');
  });
});

describe('SystemManager lazy components', () => {
  it('starts lazy components (and their lazy dependencies) on the first get(), once', async () => {
    const log: string[] = [];
    const system = manager();
    system
      .register(fake('config', log, { critical: true }))
      .register(fake('memory', log, { critical: true, lazy: true }))
      .register(fake('store', log, { dependsOn: ['config'] }))
      .register(fake('ytdlp', log, { lazy: true, dependsOn: ['store'], startMs: 20 }))
      .register(fake('api', log, { lazy: true, dependsOn: ['ytdlp'] }));
    await system.start();
    // critical wins over lazy: the seed preloads config and the memory manager
    expect(log).toEqual(['start:config', 'start:memory', 'start:store']);
    const report = await system.health();
    expect(report.components.api).toEqual({ ok: true, detail: 'not started (lazy)' });
    expect(report.state).toBe('running');

    const [a, b] = await Promise.all([system.get('api'), system.get('api')]);
    expect(a).toBe(b);
    expect(a.name).toBe('api');
    expect(log).toEqual(['start:config', 'start:memory', 'start:store', 'start:ytdlp', 'start:api']);
    await system.get('api');
    expect(log.filter((l) => l === 'start:api')).toHaveLength(1);

    await system.shutdown();
    expect(log.slice(5)).toEqual(['stop:api', 'stop:ytdlp', 'stop:store', 'stop:memory', 'stop:config']);
    await expect(system.get('api')).rejects.toThrow('shutting down');
  });

  it('leaves a never-used lazy component alone at shutdown', async () => {
    const log: string[] = [];
    const system = manager();
    system.register(fake('config', log, { critical: true })).register(fake('browser', log, { lazy: true, dependsOn: ['config'] }));
    await system.start();
    await system.shutdown();
    expect(log).toEqual(['start:config', 'stop:config']);
  });
});

describe('SystemManager health and recovery', () => {
  afterEach(() => vi.useRealTimers());

  it('restarts a component that fails its health check, with its dependents, and records the recovery time', async () => {
    const log: string[] = [];
    let now = 50_000;
    const alerts: Alert[] = [];
    const monitoring = new Monitoring({ memoryLimitBytes: 200 * MB, defaultMetrics: false, now: () => now });
    const alertManager = new AlertManager({ sinks: [(a) => void alerts.push(a)], now: () => now });
    const system = manager({ now: () => now, monitoring, alerts: alertManager });
    // a restart that takes a moment, so the degraded state is observable while it runs
    const store = fake('store', log, { startMs: 30, onStart: () => (now += 1500) });
    system.register(fake('config', log, { critical: true })).register(store).register(fake('cache', log, { dependsOn: ['store'] })).register(fake('api', log, { dependsOn: ['config'] }));
    await system.start();
    await vi.waitFor(() => expect(alerts.map((a) => a.rule)).toEqual(['deployment.started']));
    log.length = 0;
    alerts.length = 0;

    store.healthy = false;
    const during = await system.health();
    expect(during.ok).toBe(false);
    expect(during.state).toBe('degraded');
    expect(during.components.store).toMatchObject({ ok: false, detail: 'store lost its connection' });

    await vi.waitFor(async () => expect((await system.health()).state).toBe('running'));
    // stop the dependent first, restart the failed one, then the dependent again; api is untouched
    expect(log).toEqual(['stop:cache', 'stop:store', 'start:store', 'start:cache']);
    const after = await system.health();
    expect(after.components.store).toEqual({ ok: true, lastRecoveryMs: 1500 });
    expect(after.ok).toBe(true);

    const metrics = await system.metricsText();
    expect(metrics).toMatch(/^dlbot_component_recovery_seconds_count\{component="store"\} 1$/m);
    expect(metrics).toMatch(/^dlbot_component_recovery_seconds_sum\{component="store"\} 1\.5$/m);
    expect(metrics).toMatch(/^dlbot_component_up\{component="store"\} 1$/m);
    expect(alerts.map((a) => `${a.status}:${a.rule}`)).toEqual(['firing:component.down', 'event:component.recovered', 'resolved:component.down']);
    expect(alerts[1]!.message).toBe('Component store recovered in 1.5 s.');
    await system.shutdown();
  });

  it('retries a component that failed to start with backoff until it runs, then starts what waited for it', async () => {
    vi.useFakeTimers({ now: 0 });
    const log: string[] = [];
    const system = manager({ recoveryBackoff: exponential({ baseMs: 1000, jitter: false }) });
    const cache = fake('cache', log, { failStarts: 3 });
    system.register(fake('config', log, { critical: true })).register(cache).register(fake('queue', log, { dependsOn: ['cache'] }));
    await system.start();
    expect(system.state).toBe('degraded');
    expect((await system.health()).components.queue).toEqual({ ok: false, detail: 'dependency cache is not running' });

    await vi.advanceTimersByTimeAsync(0); // attempt 1 at once
    expect(cache.starts).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(cache.starts).toBe(2);
    await vi.advanceTimersByTimeAsync(1); // attempt 2 after 1 s
    expect(cache.starts).toBe(3);
    await vi.advanceTimersByTimeAsync(1999);
    expect(cache.starts).toBe(3);
    await vi.advanceTimersByTimeAsync(1); // attempt 3 after 2 s more: succeeds
    expect(cache.starts).toBe(4);
    expect(system.state).toBe('running');
    expect(log.filter((l) => l.startsWith('start:'))).toEqual(['start:config', 'start:cache', 'start:queue']);
    const report = await system.health();
    expect(report.components.cache).toEqual({ ok: true, lastRecoveryMs: 3000 });
    await system.shutdown();
  });

  it('counts a health check that throws or hangs as a failure', async () => {
    const log: string[] = [];
    const system = manager({ healthTimeoutMs: 30, recoveryBackoff: exponential({ baseMs: 60_000, jitter: false }) });
    const hanging: Component = { name: 'hanging', start: async () => void log.push('start:hanging'), stop: async () => {}, health: () => new Promise(() => {}) };
    const throwing: Component = { name: 'throwing', start: async () => { await sleep(50); }, stop: async () => {}, health: async () => { throw new Error('db locked'); } };
    system.register(hanging).register(throwing);
    await system.start();
    const report = await system.health();
    expect(report.components.hanging).toMatchObject({ ok: false, detail: 'health check timed out after 30 ms' });
    expect(report.components.throwing).toMatchObject({ ok: false, detail: 'health check threw: db locked' });
    await system.shutdown();
  });

  it('runs health checks on an unref\'d interval', async () => {
    const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refTimers();
    const idle = manager({ healthIntervalMs: 60_000 });
    idle.register(fake('config', []));
    await idle.start();
    expect(refTimers()).toBe(before);
    await idle.shutdown();

    vi.useFakeTimers({ now: 0 });
    const log: string[] = [];
    const system = manager({ healthIntervalMs: 10_000 });
    const store = fake('store', log);
    let checks = 0;
    const health = store.health!.bind(store);
    store.health = async () => {
      checks++;
      return health();
    };
    system.register(store);
    await system.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(checks).toBe(3);
    await system.shutdown();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(checks).toBe(3);
  });
});

describe('SystemManager shutdown', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dlbot-system-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('drains in reverse order, lets the running job finish, stops in reverse and removes DATA_DIR/tmp', async () => {
    const log: string[] = [];
    await mkdir(join(dataDir, 'tmp', 'dl-abc'), { recursive: true });
    await writeFile(join(dataDir, 'tmp', 'dl-abc', 'part.bin'), 'x');
    await writeFile(join(dataDir, 'dlbot.db'), '');
    const system = manager({ dataDir, shutdownDeadlineMs: 5_000 });
    system
      .register(fake('store', log))
      .register(fake('worker', log, { dependsOn: ['store'], drain: async (deadlineMs) => {
        log.push(`drain:worker(${deadlineMs > 3000 && deadlineMs <= 3750 ? 'budget ok' : deadlineMs})`);
        await sleep(100);
        log.push('job finished');
      } }))
      .register(fake('bot', log, { dependsOn: ['worker'], drain: async () => void log.push('drain:bot') }));
    await system.start();
    log.length = 0;
    await system.shutdown('test');
    expect(log).toEqual(['drain:bot', 'drain:worker(budget ok)', 'job finished', 'stop:bot', 'stop:worker', 'stop:store']);
    expect(await readdir(dataDir)).toEqual(['dlbot.db']);
  });

  it('stops waiting for a drain at the deadline and still stops everything', async () => {
    const log: string[] = [];
    const system = manager({ dataDir, shutdownDeadlineMs: 400 });
    system.register(fake('store', log)).register(fake('worker', log, { dependsOn: ['store'], drain: () => new Promise(() => {}) }));
    await system.start();
    const began = Date.now();
    await system.shutdown();
    const tookMs = Date.now() - began;
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(2_000);
    expect(log.slice(-2)).toEqual(['stop:worker', 'stop:store']);
  });

  it('exits 0 after a signal, and 1 on a second signal', async () => {
    const exits: number[] = [];
    const log: string[] = [];
    const system = manager({ dataDir, exit: (code) => void exits.push(code) });
    system.register(fake('store', log, { drain: () => sleep(50) }));
    await system.start();
    const uninstall = system.installSignalHandlers(['SIGUSR2']);
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(exits).toEqual([1]);
      await vi.waitFor(() => expect(exits).toEqual([1, 0]));
      expect(log).toContain('stop:store');
    } finally {
      uninstall();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});

describe('SystemManager as StatusSource', () => {
  it('builds the dashboard and metrics from monitoring and the providers', async () => {
    const monitoring = new Monitoring({ memoryLimitBytes: 200 * MB, defaultMetrics: false, memoryUsage: () => ({ rss: 156 * MB, heapUsed: 1, heapTotal: 1 }) });
    monitoring.recordDownload({ platform: 'youtube', ok: true, durationMs: 1000, bytes: 5 });
    const system = manager({
      monitoring,
      providers: {
        queueCounts: async () => ({ queued: 7, running: 2, done: 1, cancelled: 0, dead: 0 }),
        cacheStats: () => ({ hits: 3, misses: 1, evictions: 0 }),
        circuits: () => ({ youtube: 'closed', tiktok: 'open' }),
      },
    });
    system.register(fake('config', [], { critical: true }));
    await system.start();
    const d = await system.dashboard();
    expect(d.system.state).toBe('running');
    expect(d.system.memory_usage).toBe('156MB (78%)');
    expect(d.queue).toEqual({ queued: 7, running: 2, done: 1, cancelled: 0, dead: 0 });
    expect(d.cache).toEqual({ hits: 3, misses: 1, evictions: 0, hit_rate: 75 });
    expect(d.circuits).toEqual({ youtube: 'closed', tiktok: 'open' });
    expect(d.downloads.total).toBe(1);

    const text = await system.metricsText();
    expect(text).toMatch(/^dlbot_queue_depth 7$/m);
    expect(text).toMatch(/^dlbot_jobs_running 2$/m);
    expect(text).toMatch(/^dlbot_circuit_state\{platform="tiktok"\} 2$/m);
    expect(text).toMatch(/^dlbot_component_up\{component="config"\} 1$/m);
    expect(system.metricsContentType).toMatch(/^text\/plain/);
    expect(system.alertSnapshot()).toEqual({ memoryPercent: 78, recent: { success: 1, failed: 0 }, circuits: { youtube: 'closed', tiktok: 'open' }, unhealthyComponents: [] });
    await system.shutdown();
  });

  it('still answers when a provider fails (its component is down)', async () => {
    const system = manager({
      providers: {
        queueCounts: async () => { throw new Error('The database connection is not open'); },
        circuits: () => { throw new Error('no platform manager'); },
      },
    });
    system.register(fake('config', [], { critical: true }));
    await system.start();
    const d = await system.dashboard();
    expect(d.queue).toEqual({ queued: 0, running: 0, done: 0, cancelled: 0, dead: 0 });
    expect(d.circuits).toEqual({});
    await expect(system.metricsText()).resolves.toContain('dlbot_downloads_total');
    expect(system.alertSnapshot().circuits).toEqual({});
    await system.shutdown();
  });

  it('announces the deployment to the alert sinks when started', async () => {
    const alerts: Alert[] = [];
    const system = manager({ alerts: new AlertManager({ sinks: [(a) => void alerts.push(a)] }), version: '1.2.3' });
    system.register(fake('config', [], { critical: true }));
    await system.start();
    await vi.waitFor(() => expect(alerts).toHaveLength(1));
    expect(alerts[0]).toMatchObject({ rule: 'deployment.started', severity: 'info' });
    expect(alerts[0]!.message).toMatch(/^dlbot 1\.2\.3 started in \d+\.\d s\.$/);
    await system.shutdown();
  });
});
