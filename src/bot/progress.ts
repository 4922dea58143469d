/**
 * Progress for a status message: human sizes, durations, a transfer speed over a sliding
 * window, and the throttle that keeps edits of one message to at most one per interval (3 s by
 * default — Telegram tolerates about one message per second per chat, and several jobs may
 * share a chat).
 */

/** Minimum time between two edits of one status message. */
export const PROGRESS_EDIT_INTERVAL_MS = 3000;

/** "850 KB", "12.3 MB", "1.20 GB" (binary units, as file managers show them). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : unit >= 3 ? 2 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** "45 s", "2 min 05 s", "1 h 03 min". */
export function formatDuration(totalSec: number): string {
  const s = Math.max(0, Math.round(totalSec));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** Bytes per second over the last `windowMs`, from cumulative byte counts. */
export class SpeedMeter {
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  /** Adds a reading of the cumulative byte count at time `at` (ms). */
  sample(bytes: number, at: number): void {
    const last = this.samples.at(-1);
    // a new item of a carousel starts from zero: begin a new window
    if (last && bytes < last.bytes) this.samples.length = 0;
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  /** Current speed; undefined until two readings at least 200 ms apart exist. */
  get bytesPerSec(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 200) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }
}

/** Decides when a message may be edited again. */
export class EditThrottle {
  constructor(
    private readonly intervalMs: number,
    private lastAt: number,
  ) {}

  /** True when the last edit (or the message itself) is at least the interval old. */
  due(now: number): boolean {
    return now - this.lastAt >= this.intervalMs;
  }

  /** Records an edit made at `now`. */
  mark(now: number): void {
    this.lastAt = now;
  }
}
