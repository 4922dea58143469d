/**
 * What the HTTP API can do, independent of how it is asked: REST routes and GraphQL resolvers
 * are thin shells over this class, so both answer the same way and fail with the same codes.
 */
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Engine } from '../core/engine.js';
import type { Job, JobQueue } from '../core/job-queue.js';
import type { DetectResult } from '../core/platform-manager.js';
import type { DashboardData, HealthReport, StatusSource, CircuitState } from '../core/status.js';
import type { Worker } from '../core/worker.js';
import type { AudioFormat, DownloadRequest, MediaInfo, Quality } from '../media/types.js';
import { QUALITIES } from '../media/types.js';
import { DownloadError } from '../utils/errors.js';
import { ApiError } from './errors.js';
import { canAccessJob, type Caller } from './auth.js';
import { jobView, type JobView } from './job-view.js';
import { jobResultsDir, type ApiJobFile, type ApiJobResult } from './job-handler.js';
import { isFinalState, watchJob, type JobEventBus } from './job-events.js';

/** What a client asks for when it creates a job. */
export interface CreateJobInput {
  url: string;
  quality?: string;
  /** Shorthand for quality `audio`. */
  audio?: boolean;
  audioFormat?: string;
  noWatermark?: boolean;
}

/** The answer to a created job. */
export interface JobTicket {
  id: string;
  state: Job['state'];
  position?: number;
}

/** One platform as the API lists it. */
export interface PlatformView {
  name: string;
  enabled: boolean;
  /** A native extractor exists (otherwise the yt-dlp fallback does the work). */
  native: boolean;
  circuit: CircuitState;
}

/** A result file ready to be streamed. */
export interface ResultFile extends ApiJobFile {
  path: string;
  /** Size on disk now (the stored size could differ if someone touched the file). */
  diskBytes: number;
  modifiedAt: Date;
}

export interface ApiServiceDeps {
  engine: Engine;
  queue: JobQueue;
  status: StatusSource;
  resultsDir: string;
  events: JobEventBus;
  worker?: Worker;
  /** How often a job watch reads the queue. */
  watchPollMs?: number;
}

const AUDIO_FORMATS: readonly AudioFormat[] = ['m4a', 'mp3'];

export class ApiService {
  private readonly watches = new Set<AsyncIterableIterator<Job>>();

  constructor(private readonly deps: ApiServiceDeps) {}

  /** Offline platform detection, one result per input, in the `dlbot detect` shape. */
  detect(urls: readonly string[]): DetectResult[] {
    return urls.map((url) => this.deps.engine.platforms.detect(url));
  }

  /** Extracts the media information behind `url`. */
  info(url: string, signal?: AbortSignal): Promise<MediaInfo> {
    this.checkLink(url);
    return this.deps.engine.downloads.info(url, signal);
  }

  /** Validates and persists a job; resolves only once the queue holds it. */
  async createJob(caller: Caller, input: CreateJobInput, idempotencyKey?: string): Promise<JobTicket> {
    this.checkLink(input.url);
    const job = await this.deps.queue.add(
      { url: input.url, request: downloadRequest(input), userId: caller.userId, source: 'api' },
      idempotencyKey ? { key: `${caller.userId}:${idempotencyKey}` } : {},
    );
    this.deps.worker?.poke();
    const position = await this.deps.queue.position(job.id);
    return { id: job.id, state: job.state, ...(position !== undefined ? { position } : {}) };
  }

  /** The job `id` if `caller` may see it; job.not_found otherwise (another key's job does not exist for you). */
  async job(caller: Caller, id: string): Promise<Job> {
    const job = await this.deps.queue.get(id);
    if (!job || !canAccessJob(caller, job.data.userId)) throw new ApiError('job.not_found', `No job ${id}.`);
    return job;
  }

  /** The public view of job `id`, with its queue position while it waits. */
  async jobView(caller: Caller, id: string): Promise<JobView> {
    const job = await this.job(caller, id);
    const live = job.state === 'running' ? this.deps.events.latest(job.id) : undefined;
    return jobView(live ? { ...job, progress: live } : job, job.state === 'queued' ? await this.deps.queue.position(job.id) : undefined);
  }

  /** Cancels a queued or running job; a running one is aborted at once when it runs in this process. */
  async cancelJob(caller: Caller, id: string): Promise<JobView> {
    const job = await this.job(caller, id);
    if (isFinalState(job.state) || !(await this.deps.queue.cancel(id))) {
      throw new ApiError('job.finished', `Job ${id} already finished (${job.state}).`);
    }
    this.deps.worker?.abort(id);
    return jobView((await this.deps.queue.get(id)) ?? job);
  }

  /** File `index` of a finished job, checked to exist inside the results directory. */
  async resultFile(caller: Caller, id: string, index: number): Promise<ResultFile> {
    const job = await this.job(caller, id);
    if (job.state !== 'done') throw new ApiError('job.not_ready', `Job ${id} is ${job.state}; its file is ready when it is done.`);
    const file = (job.result as ApiJobResult | undefined)?.files?.[index];
    if (!file) throw new ApiError('job.not_found', `Job ${id} has no file ${index}.`);
    const dir = resolve(jobResultsDir(this.deps.resultsDir, job.id));
    const path = resolve(dir, file.name);
    // names come from our own handler, but a stored result is data: never leave the job's directory
    if (!path.startsWith(dir + sep)) throw new ApiError('job.not_found', `Job ${id} has no file ${index}.`);
    try {
      const s = await stat(path);
      return { ...file, path, diskBytes: s.size, modifiedAt: s.mtime };
    } catch {
      throw new ApiError('job.expired', `The result of job ${id} is no longer stored.`);
    }
  }

  /**
   * Live snapshots of a job for a subscription: the current state first, then every change
   * until it finishes. Closed watches are forgotten; close() ends those still open.
   */
  async watch(caller: Caller, id: string): Promise<AsyncIterableIterator<JobView>> {
    const job = await this.job(caller, id);
    const source = watchJob(this.deps.queue, this.deps.events, job, this.deps.watchPollMs ? { pollMs: this.deps.watchPollMs } : {});
    this.watches.add(source);
    const watches = this.watches;
    const queue = this.deps.queue;
    const views: AsyncIterableIterator<JobView> = {
      async next() {
        const r = await source.next();
        if (r.done) {
          watches.delete(source);
          return { value: undefined, done: true };
        }
        const position = r.value.state === 'queued' ? await queue.position(id) : undefined;
        return { value: jobView(r.value, position), done: false };
      },
      async return() {
        watches.delete(source);
        await source.return?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return views;
      },
    };
    return views;
  }

  /** Every registered platform with whether it is enabled and its circuit state. */
  async platforms(): Promise<PlatformView[]> {
    const { circuits } = await this.deps.status.dashboard();
    const manager = this.deps.engine.platforms;
    return manager.platforms.map((p) => ({
      name: p.name,
      enabled: manager.isEnabled(p.name),
      native: typeof p.extract === 'function',
      circuit: circuits[p.name] ?? 'closed',
    }));
  }

  dashboard(): Promise<DashboardData> {
    return this.deps.status.dashboard();
  }

  health(): Promise<HealthReport> {
    return this.deps.status.health();
  }

  /** Newest dead jobs first. */
  async deadJobs(limit: number): Promise<JobView[]> {
    return (await this.deps.queue.listDead(limit)).map((job) => jobView(job));
  }

  /** Moves a dead job back to the queue with a fresh attempt budget. */
  async retryDead(id: string): Promise<JobView> {
    if (!(await this.deps.queue.retryDead(id))) throw new ApiError('job.not_found', `No dead job ${id}.`);
    this.deps.worker?.poke();
    const job = await this.deps.queue.get(id);
    return jobView(job!, await this.deps.queue.position(id));
  }

  /** Ends every open job watch (server shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.return?.()));
    this.watches.clear();
  }

  /** Refuses, offline, a link no worker could ever download: invalid, unsupported or disabled. */
  private checkLink(url: string): void {
    const detection = this.deps.engine.platforms.detect(url);
    if (detection.error) throw new DownloadError(detection.error, undefined, { url: url.slice(0, 200) });
    if (detection.platform && !this.deps.engine.platforms.isEnabled(detection.platform)) {
      throw new DownloadError('link.unsupported', `The platform ${detection.platform} is disabled here.`, { platform: detection.platform });
    }
  }
}

/** The download request a job input stands for; request.invalid for values outside the vocabulary. */
export function downloadRequest(input: CreateJobInput): DownloadRequest {
  const quality = input.audio ? 'audio' : (input.quality ?? 'best');
  if (!(QUALITIES as readonly string[]).includes(quality)) {
    throw new ApiError('request.invalid', `quality must be one of ${QUALITIES.join(', ')}.`);
  }
  if (input.audioFormat !== undefined && !(AUDIO_FORMATS as readonly string[]).includes(input.audioFormat)) {
    throw new ApiError('request.invalid', `audioFormat must be one of ${AUDIO_FORMATS.join(', ')}.`);
  }
  return {
    quality: quality as Quality,
    ...(input.audioFormat ? { audioFormat: input.audioFormat as AudioFormat } : {}),
    ...(input.noWatermark !== undefined ? { noWatermark: input.noWatermark } : {}),
  };
}
