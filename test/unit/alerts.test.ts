import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AlertManager, defaultRules, formatAlert, logSink, messageSink, type Alert, type AlertSnapshot } from '../../src/utils/alerts.js';

const MIN = 60_000;

const calm = (): AlertSnapshot => ({
  memoryPercent: 40,
  recent: { success: 100, failed: 2 },
  circuits: { youtube: 'closed', tiktok: 'closed' },
  unhealthyComponents: [],
});

const summary = (alerts: Alert[]) => alerts.map((a) => `${a.status}:${a.rule}`);

describe('AlertManager', () => {
  let now: number;
  let received: Alert[];
  let alerts: AlertManager;
  beforeEach(() => {
    now = 1_000_000;
    received = [];
    alerts = new AlertManager({ sinks: [(a) => void received.push(a)], now: () => now, burst: 2, refillMs: 10 * MIN });
  });

  it('stays quiet while everything is normal', async () => {
    expect(await alerts.evaluate(calm())).toEqual([]);
    expect(received).toEqual([]);
  });

  it('fires memory warning above 80 % and critical above 95 %, each once, and resolves them', async () => {
    await alerts.evaluate({ ...calm(), memoryPercent: 85 });
    expect(summary(received)).toEqual(['firing:memory.high']);
    expect(received[0]).toMatchObject({ severity: 'warning', at: now });
    expect(received[0]!.message).toContain('85%');

    now += MIN;
    await alerts.evaluate({ ...calm(), memoryPercent: 96 });
    expect(summary(received)).toEqual(['firing:memory.high', 'firing:memory.critical']);
    expect(received[1]!.severity).toBe('critical');

    // still high: de-duplicated
    for (let i = 0; i < 5; i++) {
      now += MIN;
      expect(await alerts.evaluate({ ...calm(), memoryPercent: 97 })).toEqual([]);
    }
    expect(alerts.active().map((a) => a.rule).sort()).toEqual(['memory.critical', 'memory.high']);

    now += MIN;
    await alerts.evaluate({ ...calm(), memoryPercent: 90 });
    expect(summary(received).slice(2)).toEqual(['resolved:memory.critical']);
    now += MIN;
    await alerts.evaluate({ ...calm(), memoryPercent: 50 });
    expect(summary(received).slice(3)).toEqual(['resolved:memory.high']);
    expect(alerts.active()).toEqual([]);
  });

  it('fires the error-rate warning only above 10 % with enough downloads in the window', async () => {
    expect(await alerts.evaluate({ ...calm(), recent: { success: 2, failed: 3 } })).toEqual([]); // 60 %, but only 5 downloads
    expect(await alerts.evaluate({ ...calm(), recent: { success: 90, failed: 10 } })).toEqual([]); // exactly 10 %
    const sent = await alerts.evaluate({ ...calm(), recent: { success: 89, failed: 11 } });
    expect(summary(sent)).toEqual(['firing:errors.rate']);
    expect(sent[0]!.message).toBe('11 of 100 downloads failed in the last 5 min (11.0%, above 10%).');
  });

  it('fires critical when every platform circuit is open, not when one still works', async () => {
    expect(await alerts.evaluate({ ...calm(), circuits: { youtube: 'open', tiktok: 'half-open' } })).toEqual([]);
    expect(await alerts.evaluate({ ...calm(), circuits: {} })).toEqual([]);
    const sent = await alerts.evaluate({ ...calm(), circuits: { youtube: 'open', tiktok: 'open' } });
    expect(sent).toMatchObject([{ rule: 'platforms.down', severity: 'critical', status: 'firing', message: 'All 2 platforms are down (every circuit is open).' }]);
  });

  it('rate-limits a flapping rule and reports what it held back once tokens refill', async () => {
    for (let i = 0; i < 6; i++) {
      now += 10_000;
      await alerts.evaluate({ ...calm(), memoryPercent: 99 });
      now += 10_000;
      await alerts.evaluate(calm());
    }
    const critical = received.filter((a) => a.rule === 'memory.critical');
    // burst 2: two episodes reach the sinks (with their resolutions), four are held back
    expect(summary(critical)).toEqual(['firing:memory.critical', 'resolved:memory.critical', 'firing:memory.critical', 'resolved:memory.critical']);

    now += 10 * MIN;
    await alerts.evaluate({ ...calm(), memoryPercent: 99 });
    const last = received.filter((a) => a.rule === 'memory.critical').at(-1)!;
    expect(last).toMatchObject({ status: 'firing', suppressed: 4 });
    expect(formatAlert(last)).toMatch(/\(4 similar notifications held back\)$/);
  });

  it('notifies a condition that kept firing while rate-limited as soon as a token is back', async () => {
    for (let i = 0; i < 2; i++) {
      await alerts.evaluate({ ...calm(), memoryPercent: 99 });
      await alerts.evaluate(calm());
    }
    received.length = 0;
    await alerts.evaluate({ ...calm(), memoryPercent: 99 });
    expect(received.filter((a) => a.rule === 'memory.critical')).toEqual([]);
    now += 4 * MIN;
    await alerts.evaluate({ ...calm(), memoryPercent: 99 });
    expect(received.filter((a) => a.rule === 'memory.critical')).toEqual([]);
    now += 6 * MIN; // one token back after 10 minutes
    await alerts.evaluate({ ...calm(), memoryPercent: 99 });
    expect(summary(received.filter((a) => a.rule === 'memory.critical'))).toEqual(['firing:memory.critical']);
    now += MIN;
    await alerts.evaluate({ ...calm(), memoryPercent: 99 });
    expect(received.filter((a) => a.rule === 'memory.critical')).toHaveLength(1);
  });

  it('turns events into info notifications, rate-limited per rule', async () => {
    const first = await alerts.emit('component.recovered', { component: 'queue', recoveryMs: 1530 });
    expect(first).toMatchObject({ rule: 'component.recovered', severity: 'info', status: 'event', message: 'Component queue recovered in 1.5 s.' });
    await alerts.emit('component.recovered', { component: 'cache', recoveryMs: 200 });
    expect(await alerts.emit('component.recovered', { component: 'queue', recoveryMs: 100 })).toBeUndefined();
    // another rule has its own budget
    expect(await alerts.emit('deployment.started', { version: '0.1.0', startupMs: 812 })).toMatchObject({ message: 'dlbot 0.1.0 started in 0.8 s.' });
    expect(summary(received)).toEqual(['event:component.recovered', 'event:component.recovered', 'event:deployment.started']);
  });

  it('reports unhealthy components as a warning', async () => {
    const sent = await alerts.evaluate({ ...calm(), unhealthyComponents: ['queue', 'cache'] });
    expect(sent).toMatchObject([{ rule: 'component.down', severity: 'warning', message: 'Unhealthy: queue, cache; recovery is running.' }]);
  });

  it('honours configured thresholds', async () => {
    const strict = new AlertManager({ rules: defaultRules({ memoryWarningPercent: 50, errorRatePercent: 1, errorRateMinDownloads: 1 }), sinks: [], now: () => now });
    const sent = await strict.evaluate({ ...calm(), memoryPercent: 51, recent: { success: 1, failed: 1 } });
    expect(summary(sent)).toEqual(['firing:memory.high', 'firing:errors.rate']);
  });

  it('keeps notifying the other sinks when one throws, and logs the failure', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
    const got: string[] = [];
    const manager = new AlertManager({
      sinks: [() => { throw new Error('telegram down'); }, async (a) => void got.push(a.rule)],
      now: () => now,
      logger,
    });
    await manager.evaluate({ ...calm(), memoryPercent: 99 });
    expect(got).toEqual(['memory.critical', 'memory.high']);
    expect(lines.filter((l) => l.includes('an alert sink failed'))).toHaveLength(2);
  });

  describe('on an interval', () => {
    afterEach(() => {
      alerts.stop();
      vi.useRealTimers();
    });

    it('evaluates the snapshot provider in the background on an unref\'d timer', async () => {
      const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = refTimers();
      let snapshot = calm();
      const background = new AlertManager({ sinks: [(a) => void received.push(a)], snapshot: () => snapshot, now: () => now });
      background.start(60_000);
      expect(refTimers()).toBe(before);
      background.stop();

      vi.useFakeTimers();
      background.start(1000);
      snapshot = { ...calm(), memoryPercent: 99 };
      await vi.advanceTimersByTimeAsync(1000);
      expect(summary(received)).toEqual(['firing:memory.critical', 'firing:memory.high']);
      await vi.advanceTimersByTimeAsync(5000);
      expect(received).toHaveLength(2);
      snapshot = calm();
      await vi.advanceTimersByTimeAsync(1000);
      expect(summary(received).slice(2)).toEqual(['resolved:memory.critical', 'resolved:memory.high']);
      background.stop();
    });
  });
});

describe('sinks', () => {
  const alert = (over: Partial<Alert>): Alert => ({ rule: 'memory.critical', severity: 'critical', status: 'firing', message: 'Memory at 96%.', at: 0, suppressed: 0, ...over });

  it('formats a line per status', () => {
    expect(formatAlert(alert({}))).toBe('🔴 CRITICAL memory.critical: Memory at 96%.');
    expect(formatAlert(alert({ severity: 'warning', rule: 'memory.high' }))).toBe('🟡 WARNING memory.high: Memory at 96%.');
    expect(formatAlert(alert({ status: 'resolved' }))).toBe('✅ RESOLVED memory.critical: Memory at 96%.');
    expect(formatAlert(alert({ severity: 'info', status: 'event', rule: 'deployment.started', message: 'dlbot started.', suppressed: 1 }))).toBe(
      '🟢 INFO deployment.started: dlbot started. (1 similar notification held back)',
    );
  });

  it('messageSink sends formatted text at or above its severity', async () => {
    const sent: string[] = [];
    const sink = messageSink(async (text) => void sent.push(text), 'warning');
    await sink(alert({ severity: 'info', status: 'event' }));
    await sink(alert({ severity: 'warning' }));
    await sink(alert({}));
    expect(sent).toEqual(['🟡 WARNING memory.critical: Memory at 96%.', '🔴 CRITICAL memory.critical: Memory at 96%.']);
  });

  it('logSink maps severity to log levels', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, new Writable({ write(c, _e, done) { lines.push(JSON.parse(String(c))); done(); } }));
    const sink = logSink(logger);
    void sink(alert({}));
    void sink(alert({ severity: 'warning' }));
    void sink(alert({ status: 'resolved' }));
    expect(lines.map((l) => [l.level, l.alert, l.msg])).toEqual([
      [50, 'memory.critical', 'Memory at 96%.'],
      [40, 'memory.critical', 'Memory at 96%.'],
      [30, 'memory.critical', 'Memory at 96%.'],
    ]);
  });
});
