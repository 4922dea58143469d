/**
 * Alerts: rules over a snapshot of the system (memory, recent error rate, circuits, component
 * health) and rules for events (a component recovered, a deployment started), delivered to
 * pluggable sinks — the log, and whatever the bot plugs in to message ADMIN_IDS.
 *
 * An operator must be able to trust the channel, so a rule that keeps firing notifies once
 * until it resolves, and every rule has a token bucket: a flapping rule (fire, resolve, fire…)
 * spends its tokens and then stays quiet, reporting how many notifications it held back once
 * it may speak again.
 */
import type { Logger } from 'pino';
import type { CircuitState } from '../core/status.js';
import { MemoryTokenBucket } from './rate-limiter.js';

export type Severity = 'critical' | 'warning' | 'info';

/** What condition rules look at; the system manager builds it from monitoring and its providers. */
export interface AlertSnapshot {
  /** Resident memory as a percentage of MAX_MEMORY_MB. */
  memoryPercent: number;
  /** Finished downloads over the error-rate window. */
  recent: { success: number; failed: number };
  /** Circuit state per enabled platform; empty when unknown. */
  circuits: Record<string, CircuitState>;
  /** Names of components whose last health check failed. */
  unhealthyComponents: string[];
}

/** A rule over the snapshot: a message while firing, null otherwise. */
export interface ConditionRule {
  kind: 'condition';
  name: string;
  severity: Severity;
  check(snapshot: AlertSnapshot): string | null;
}

/** Events the system reports, with their data. */
export interface AlertEvents {
  'component.recovered': { component: string; recoveryMs: number };
  'deployment.started': { version?: string; startupMs?: number };
}
export type AlertEventName = keyof AlertEvents;

/** A rule that turns an event into a notification. */
export interface EventRule<E extends AlertEventName = AlertEventName> {
  kind: 'event';
  name: string;
  severity: Severity;
  event: E;
  describe(data: AlertEvents[E]): string;
}

export type AlertRule = ConditionRule | EventRule;

/** One notification. */
export interface Alert {
  rule: string;
  severity: Severity;
  /** firing: a condition started (or is still) true; resolved: it stopped; event: a one-off. */
  status: 'firing' | 'resolved' | 'event';
  message: string;
  at: number;
  /** Notifications of this rule the rate limit held back since the last one sent. */
  suppressed: number;
}

/** Where notifications go; a sink that throws is logged and does not stop the others. */
export type AlertSink = (alert: Alert) => void | Promise<void>;

/** Thresholds of the default rules (the seed's: memory 80 / 95 %, error rate 10 %). */
export interface DefaultRuleOptions {
  memoryWarningPercent?: number;
  memoryCriticalPercent?: number;
  errorRatePercent?: number;
  /** Fewer downloads than this in the window never count as an error rate (1 of 1 is not 100 %). */
  errorRateMinDownloads?: number;
  /** Only for the message; the snapshot's `recent` must cover this window. */
  errorRateWindowMin?: number;
}

/** The seed's alert rules, with configurable thresholds. */
export function defaultRules(o: DefaultRuleOptions = {}): AlertRule[] {
  const warn = o.memoryWarningPercent ?? 80;
  const crit = o.memoryCriticalPercent ?? 95;
  const errorRate = o.errorRatePercent ?? 10;
  const minDownloads = o.errorRateMinDownloads ?? 10;
  const windowMin = o.errorRateWindowMin ?? 5;
  const recovered: EventRule<'component.recovered'> = {
    kind: 'event', name: 'component.recovered', severity: 'info', event: 'component.recovered',
    describe: (d) => `Component ${d.component} recovered in ${(d.recoveryMs / 1000).toFixed(1)} s.`,
  };
  const deployed: EventRule<'deployment.started'> = {
    kind: 'event', name: 'deployment.started', severity: 'info', event: 'deployment.started',
    describe: (d) => `dlbot${d.version ? ` ${d.version}` : ''} started${d.startupMs !== undefined ? ` in ${(d.startupMs / 1000).toFixed(1)} s` : ''}.`,
  };
  return [
    {
      kind: 'condition', name: 'memory.critical', severity: 'critical',
      check: (s) => (s.memoryPercent > crit ? `Memory at ${s.memoryPercent}% of the budget (critical above ${crit}%).` : null),
    },
    {
      kind: 'condition', name: 'memory.high', severity: 'warning',
      check: (s) => (s.memoryPercent > warn ? `Memory at ${s.memoryPercent}% of the budget (warning above ${warn}%).` : null),
    },
    {
      kind: 'condition', name: 'errors.rate', severity: 'warning',
      check: (s) => {
        const total = s.recent.success + s.recent.failed;
        const percent = total === 0 ? 0 : (s.recent.failed / total) * 100;
        return total >= minDownloads && percent > errorRate
          ? `${s.recent.failed} of ${total} downloads failed in the last ${windowMin} min (${percent.toFixed(1)}%, above ${errorRate}%).`
          : null;
      },
    },
    {
      kind: 'condition', name: 'platforms.down', severity: 'critical',
      check: (s) => {
        const states = Object.values(s.circuits);
        return states.length > 0 && states.every((c) => c === 'open') ? `All ${states.length} platforms are down (every circuit is open).` : null;
      },
    },
    {
      kind: 'condition', name: 'component.down', severity: 'warning',
      check: (s) => (s.unhealthyComponents.length > 0 ? `Unhealthy: ${s.unhealthyComponents.join(', ')}; recovery is running.` : null),
    },
    recovered as EventRule,
    deployed as EventRule,
  ];
}

const ICON: Record<Alert['status'] | Severity, string> = { critical: '🔴', warning: '🟡', info: '🟢', resolved: '✅', firing: '', event: '' };

/** One line for a chat or a log: "🔴 CRITICAL memory.critical: Memory at 96%…". */
export function formatAlert(alert: Alert): string {
  const head = alert.status === 'resolved' ? `${ICON.resolved} RESOLVED ${alert.rule}` : `${ICON[alert.severity]} ${alert.severity.toUpperCase()} ${alert.rule}`;
  const held = alert.suppressed > 0 ? ` (${alert.suppressed} similar notification${alert.suppressed === 1 ? '' : 's'} held back)` : '';
  return `${head}: ${alert.message}${held}`;
}

/** A sink that logs: critical as error, warning as warn, the rest as info. */
export function logSink(logger: Logger): AlertSink {
  return (alert) => {
    const level = alert.status === 'resolved' || alert.severity === 'info' ? 'info' : alert.severity === 'critical' ? 'error' : 'warn';
    logger[level]({ alert: alert.rule, severity: alert.severity, status: alert.status, suppressed: alert.suppressed }, alert.message);
  };
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * A sink that sends the formatted line through `send` (the bot messages every ADMIN_IDS chat
 * with it), for alerts of at least `minSeverity`; resolutions follow their firing's severity.
 */
export function messageSink(send: (text: string, alert: Alert) => Promise<void>, minSeverity: Severity = 'info'): AlertSink {
  return async (alert) => {
    if (RANK[alert.severity] >= RANK[minSeverity]) await send(formatAlert(alert), alert);
  };
}

export interface AlertManagerOptions {
  rules?: AlertRule[];
  sinks: AlertSink[];
  /** Where evaluate() gets its snapshot when none is passed. */
  snapshot?: () => AlertSnapshot | Promise<AlertSnapshot>;
  /** Notifications one rule may send in a burst… */
  burst?: number;
  /** …refilled at this pace (one token per `refillMs`). */
  refillMs?: number;
  now?: () => number;
  logger?: Logger;
}

interface RuleState {
  firing: boolean;
  /** The current firing episode reached the sinks (so its resolution does too). */
  notified: boolean;
  message: string;
  suppressed: number;
}

/** Evaluates rules, de-duplicates and rate-limits them, and fans notifications out to the sinks. */
export class AlertManager {
  private readonly rules: AlertRule[];
  private readonly now: () => number;
  private readonly limiter: MemoryTokenBucket;
  private readonly states = new Map<string, RuleState>();
  private timer: NodeJS.Timeout | undefined;
  private evaluating: Promise<Alert[]> | undefined;

  constructor(private readonly options: AlertManagerOptions) {
    this.rules = options.rules ?? defaultRules();
    this.now = options.now ?? Date.now;
    const refillMs = options.refillMs ?? 10 * 60_000;
    this.limiter = new MemoryTokenBucket({ capacity: options.burst ?? 3, ratePerMinute: 60_000 / refillMs, now: this.now });
  }

  /** Evaluates every `intervalMs` in the background; the timer never keeps the process alive. */
  start(intervalMs = 30_000): void {
    this.stop();
    this.timer = setInterval(() => {
      this.evaluate().catch((error: unknown) => this.options.logger?.error({ err: error }, 'evaluating alerts failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Rules firing now, with their messages. */
  active(): Array<{ rule: string; message: string }> {
    return [...this.states].filter(([, s]) => s.firing).map(([rule, s]) => ({ rule, message: s.message }));
  }

  /**
   * Checks every condition rule against `snapshot` (or the configured provider) and returns
   * the notifications sent. Overlapping calls share one evaluation.
   */
  evaluate(snapshot?: AlertSnapshot): Promise<Alert[]> {
    if (this.evaluating) return this.evaluating;
    this.evaluating = this.runEvaluation(snapshot).finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  /** Reports an event; returns the notification when one was sent. */
  async emit<E extends AlertEventName>(event: E, data: AlertEvents[E]): Promise<Alert | undefined> {
    const rule = this.rules.find((r): r is EventRule<E> => r.kind === 'event' && r.event === event);
    if (!rule) return undefined;
    const state = this.state(rule.name);
    const message = rule.describe(data);
    if (!(await this.spend(rule.name))) {
      state.suppressed++;
      return undefined;
    }
    return this.send(rule, 'event', message, state);
  }

  private async runEvaluation(given: AlertSnapshot | undefined): Promise<Alert[]> {
    const snapshot = given ?? (await this.options.snapshot?.());
    if (!snapshot) return [];
    const sent: Alert[] = [];
    for (const rule of this.rules) {
      if (rule.kind !== 'condition') continue;
      const state = this.state(rule.name);
      let message: string | null;
      try {
        message = rule.check(snapshot);
      } catch (error) {
        this.options.logger?.error({ err: error, rule: rule.name }, 'alert rule failed');
        continue;
      }
      if (message !== null) {
        const wasFiring = state.firing;
        state.firing = true;
        state.message = message;
        if (state.notified) continue;
        // a fresh episode (or one the limit held back earlier) asks for a token
        if (await this.spend(rule.name)) {
          state.notified = true;
          sent.push(await this.send(rule, 'firing', message, state));
        } else if (!wasFiring) {
          state.suppressed++;
        }
      } else if (state.firing) {
        state.firing = false;
        if (state.notified) {
          state.notified = false;
          sent.push(await this.send(rule, 'resolved', `${state.message.replace(/\.$/, '')} — back to normal.`, state));
        }
      }
    }
    return sent;
  }

  private state(rule: string): RuleState {
    let s = this.states.get(rule);
    if (!s) {
      s = { firing: false, notified: false, message: '', suppressed: 0 };
      this.states.set(rule, s);
    }
    return s;
  }

  private async spend(rule: string): Promise<boolean> {
    return (await this.limiter.consume(rule)).allowed;
  }

  private async send(rule: AlertRule, status: Alert['status'], message: string, state: RuleState): Promise<Alert> {
    const alert: Alert = { rule: rule.name, severity: rule.severity, status, message, at: this.now(), suppressed: status === 'resolved' ? 0 : state.suppressed };
    if (status !== 'resolved') state.suppressed = 0;
    await Promise.all(
      this.options.sinks.map(async (sink) => {
        try {
          await sink(alert);
        } catch (error) {
          this.options.logger?.error({ err: error, alert: alert.rule }, 'an alert sink failed');
        }
      }),
    );
    return alert;
  }
}
