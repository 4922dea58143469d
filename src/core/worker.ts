/**
 * A queue worker: claims jobs up to its concurrency, keeps their leases alive with heartbeats,
 * runs the handler with an AbortSignal, and records success or failure through the retry
 * policy. A heartbeat that finds the job cancelled (or taken over) aborts it. Stopping is
 * graceful: no new claims, running jobs get a deadline to finish, the rest are aborted and
 * their leases simply run out, so another worker picks them up.
 */
import type { Logger } from 'pino';
import type { Job, JobQueue } from './job-queue.js';
import { RetryPolicy } from '../utils/retry.js';
import { toDownloadError } from '../utils/errors.js';

export interface JobContext {
  job: Job;
  signal: AbortSignal;
  /** Reports progress; stored with the next heartbeat. */
  progress(value: unknown): void;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export interface WorkerOptions {
  id: string;
  concurrency: number;
  leaseMs?: number;
  heartbeatMs?: number;
  pollMs?: number;
  perUserLimit?: number;
  retry: RetryPolicy;
  logger: Logger;
  /** Asked before each claim; false pauses taking work (memory pressure, shutdown). */
  canTake?: () => boolean;
}

interface Running {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

export class Worker {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private polling = false;
  readonly leaseMs: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly handler: JobHandler,
    private readonly options: WorkerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  /** Jobs running in this worker now. */
  get active(): number {
    return this.running.size;
  }

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  /** Wakes the worker at once (a job was just added). */
  poke(): void {
    if (!this.stopping) this.schedule(0);
  }

  /** Aborts a job running here; the queue records it as cancelled separately. */
  abort(jobId: string): boolean {
    const r = this.running.get(jobId);
    r?.controller.abort(new Error('cancelled'));
    return !!r;
  }

  /** Stops claiming, waits up to `deadlineMs` for running jobs, then aborts what is left. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    const deadline = new Promise((resolve) => setTimeout(resolve, deadlineMs).unref());
    await Promise.race([all, deadline]);
    for (const r of this.running.values()) r.controller.abort(new Error('shutting down'));
    await all;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    // a started worker keeps its process alive (a `dlbot worker` process has nothing else)
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopping) return;
    this.polling = true;
    try {
      while (!this.stopping && this.running.size < this.options.concurrency && (this.options.canTake?.() ?? true)) {
        const job = await this.queue.claim(this.options.id, {
          leaseMs: this.leaseMs,
          ...(this.options.perUserLimit ? { perUserLimit: this.options.perUserLimit } : {}),
        });
        if (!job) break;
        this.run(job);
      }
    } catch (error) {
      this.options.logger.error({ err: error }, 'claiming a job failed');
    } finally {
      this.polling = false;
      if (!this.stopping) this.schedule(this.options.pollMs ?? 500);
    }
  }

  private run(job: Job): void {
    const controller = new AbortController();
    let progress: unknown;
    const beat = setInterval(() => {
      void this.queue.heartbeat(job.id, this.options.id, this.leaseMs, progress).then(
        (mine) => {
          if (!mine) controller.abort(new Error('cancelled'));
        },
        (error: unknown) => this.options.logger.warn({ err: error, jobId: job.id }, 'heartbeat failed'),
      );
    }, this.options.heartbeatMs ?? Math.max(100, Math.floor(this.leaseMs / 3)));
    beat.unref();
    const done = (async () => {
      try {
        const result = await this.handler({ job, signal: controller.signal, progress: (p) => (progress = p) });
        await this.queue.complete(job.id, this.options.id, result).catch((storeError: unknown) => {
          this.options.logger.error({ err: storeError, jobId: job.id }, 'recording a finished job failed; its lease will run out');
        });
      } catch (error) {
        if (controller.signal.aborted && this.stopping) return; // lease runs out; another worker takes it
        const e = toDownloadError(error);
        if (controller.signal.aborted) return; // cancelled: the queue already says so
        const decision = this.options.retry.decide(e, job.attempts);
        try {
          const outcome = await this.queue.fail(job.id, this.options.id, { code: e.code, message: e.message }, decision.retry ? { retryInMs: decision.delayMs } : { final: true });
          this.options.logger.info({ jobId: job.id, code: e.code, attempt: job.attempts, outcome }, 'job failed');
        } catch (storeError) {
          // the lease runs out and the job is claimed again: nothing is lost, so do not crash
          this.options.logger.error({ err: storeError, jobId: job.id }, 'recording a job failure failed');
        }
      } finally {
        clearInterval(beat);
        this.running.delete(job.id);
        if (!this.stopping) this.schedule(0);
      }
    })();
    this.running.set(job.id, { job, controller, done });
  }
}
