/**
 * Live job updates for GraphQL subscribers. Two sources feed a watch: the in-process bus the
 * API job handler publishes progress to (immediate, several times a second), and a poll of the
 * queue (catches state changes and jobs run by workers in other processes, whose progress
 * arrives with their heartbeats). A watch yields full snapshots, so a slow consumer only ever
 * misses intermediate ones, and it ends after the job reaches a final state.
 */
import { EventEmitter } from 'node:events';
import type { DownloadProgress } from '../core/download-service.js';
import type { Job, JobQueue, JobState } from '../core/job-queue.js';

/** In-process progress of running jobs, by job id. */
export class JobEventBus {
  private readonly emitter = new EventEmitter();
  /** The last progress of each job running in this process (dropped by end()). */
  private readonly latestByJob = new Map<string, DownloadProgress>();

  constructor() {
    // one listener per live subscription: the count is bounded by the sockets, not by this class
    this.emitter.setMaxListeners(0);
  }

  publish(jobId: string, progress: DownloadProgress): void {
    this.latestByJob.set(jobId, progress);
    this.emitter.emit(jobId, progress);
  }

  /** The job stopped running here (finished, failed or aborted): forget its progress. */
  end(jobId: string): void {
    this.latestByJob.delete(jobId);
  }

  /**
   * The freshest progress of a job running in this process; the queue's copy is only as new
   * as the worker's last heartbeat.
   */
  latest(jobId: string): DownloadProgress | undefined {
    return this.latestByJob.get(jobId);
  }

  /** Calls `listener` on each progress of `jobId`; returns the unsubscribe function. */
  subscribe(jobId: string, listener: (progress: DownloadProgress) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }
}

/** The process-wide bus: apiJobHandler publishes here unless given another. */
export const jobEvents = new JobEventBus();

const FINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'cancelled', 'dead']);

/** True for states a job never leaves on its own. */
export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

export interface WatchOptions {
  /** How often the queue is read. */
  pollMs?: number;
}

/**
 * Snapshots of job `first.id` starting with `first` itself: one per progress event or state
 * change, the last one in a final state. `return()` stops it at once (the client went away).
 */
export function watchJob(queue: JobQueue, bus: JobEventBus, first: Job, options: WatchOptions = {}): AsyncIterableIterator<Job> {
  let latest = first;
  /** The next snapshot not yet taken; newer ones replace it (latest wins). */
  let pending: Job | undefined = first;
  let finished = false;
  let waiter: ((result: IteratorResult<Job>) => void) | undefined;

  const stop = () => {
    finished = true;
    clearInterval(timer);
    unsubscribe();
    waiter?.({ value: undefined, done: true });
    waiter = undefined;
  };
  const offer = (job: Job) => {
    if (finished || isFinalState(latest.state)) return;
    latest = job;
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w({ value: job, done: false });
    } else {
      pending = job;
    }
  };
  const unsubscribe = bus.subscribe(first.id, (progress) => offer({ ...latest, state: 'running', progress }));
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    queue.get(first.id).then(
      (job) => {
        polling = false;
        if (!job) return offer({ ...latest, state: 'cancelled' });
        // the bus is fresher than a heartbeat while the job runs in this process
        const live = job.state === 'running' ? bus.latest(first.id) : undefined;
        const next = live ? { ...job, progress: live } : job;
        const same = next.state === latest.state && next.updatedAt === latest.updatedAt && JSON.stringify(next.progress) === JSON.stringify(latest.progress);
        if (!same) offer(next);
      },
      () => {
        polling = false;
      },
    );
  }, options.pollMs ?? 1000);
  timer.unref();

  const iterator: AsyncIterableIterator<Job> = {
    next() {
      if (pending) {
        const job = pending;
        pending = undefined;
        return Promise.resolve({ value: job, done: false });
      }
      if (finished || isFinalState(latest.state)) {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve) => {
        waiter = resolve;
      });
    },
    return() {
      stop();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
