/**
 * Runs API jobs: the Worker handler that downloads a job's link into
 * `<resultsDir>/<jobId>/` and returns what it made. The API serves those files from
 * GET /api/v1/jobs/:id/file; the result stored in the queue holds only names and sizes,
 * never paths, so moving resultsDir moves nothing in the database.
 *
 * Register it for jobs whose `data.source` is 'api':
 *
 *   const handler = apiJobHandler(engine, resultsDir);
 *   new Worker(queue, (ctx) => ctx.job.data.source === 'api' ? handler(ctx) : botHandler(ctx), options);
 */
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Engine } from '../core/engine.js';
import type { DownloadProgress } from '../core/download-service.js';
import type { JobHandler } from '../core/worker.js';
import { jobEvents, type JobEventBus } from './job-events.js';

/** One file of a finished API job. */
export interface ApiJobFile {
  /** File name inside the job's results directory. */
  name: string;
  kind: 'video' | 'audio' | 'image';
  container: string;
  sizeBytes: number;
  durationSec?: number;
  width?: number;
  height?: number;
}

/** What an API job stores as its result. */
export interface ApiJobResult {
  platform: string;
  mediaId: string;
  title?: string;
  files: ApiJobFile[];
}

export interface ApiJobHandlerOptions {
  /** Where progress is published for GraphQL subscribers in this process (default: the shared bus). */
  events?: JobEventBus;
  /** At most one progress event per this many ms (stage changes always go out). */
  progressIntervalMs?: number;
}

/** The directory holding one job's result files. */
export function jobResultsDir(resultsDir: string, jobId: string): string {
  return join(resultsDir, basename(jobId));
}

/** A Worker handler that downloads API jobs into `resultsDir/<jobId>/`. */
export function apiJobHandler(engine: Engine, resultsDir: string, options: ApiJobHandlerOptions = {}): JobHandler {
  const events = options.events ?? jobEvents;
  const intervalMs = options.progressIntervalMs ?? 250;
  return async ({ job, signal, progress }) => {
    const outputDir = jobResultsDir(resultsDir, job.id);
    // a retried attempt starts clean: no half-finished carousel from the attempt before
    await rm(outputDir, { recursive: true, force: true });
    let lastAt = 0;
    let lastStage: DownloadProgress['stage'] | undefined;
    const onProgress = (p: DownloadProgress) => {
      progress(p);
      const now = Date.now();
      if (p.stage === lastStage && now - lastAt < intervalMs) return;
      lastAt = now;
      lastStage = p.stage;
      events.publish(job.id, p);
    };
    try {
      const { info, files } = await engine.downloads.download(job.data.url, job.data.request, { outputDir, signal, onProgress });
      const result: ApiJobResult = {
        platform: info.platform,
        mediaId: info.id,
        ...(info.title ? { title: info.title } : {}),
        files: files.map((f) => ({
          name: basename(f.path),
          kind: f.kind,
          container: f.container,
          sizeBytes: f.sizeBytes,
          ...(f.durationSec !== undefined ? { durationSec: f.durationSec } : {}),
          ...(f.width ? { width: f.width } : {}),
          ...(f.height ? { height: f.height } : {}),
        })),
      };
      return result;
    } catch (error) {
      await rm(outputDir, { recursive: true, force: true });
      throw error;
    } finally {
      events.end(job.id);
    }
  };
}
