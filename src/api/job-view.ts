/**
 * The public face of a job, shared by REST and GraphQL: state, progress, attempts, errors and
 * links to the result files. Internal fields (worker id, lease, Telegram chat, owner) stay out.
 */
import type { Job, JobState } from '../core/job-queue.js';
import type { DownloadProgress } from '../core/download-service.js';
import type { ApiJobResult } from './job-handler.js';
import { redactText } from '../utils/logger.js';

export interface JobProgressView {
  stage: DownloadProgress['stage'];
  item: number;
  items: number;
  downloadedBytes: number;
  totalBytes?: number;
  /** 0–100 over the known total, one decimal; absent when the total is unknown. */
  percent?: number;
}

export interface JobFileView {
  index: number;
  name: string;
  kind: string;
  container: string;
  sizeBytes: number;
  durationSec?: number;
  width?: number;
  height?: number;
  /** Path of the download, relative to the server: /api/v1/jobs/<id>/file?index=<n>. */
  url: string;
}

export interface JobView {
  id: string;
  state: JobState;
  /** 1-based place in line while queued. */
  position?: number;
  url: string;
  request: { quality: string; audioFormat?: string; noWatermark?: boolean };
  attempts: number;
  maxAttempts: number;
  progress?: JobProgressView;
  errors: Array<{ at: string; code: string; message: string; attempt: number }>;
  result?: { platform: string; mediaId: string; title?: string; files: JobFileView[] };
  createdAt: string;
  updatedAt: string;
}

/** The path that serves file `index` of job `id`. */
export function jobFilePath(id: string, index: number): string {
  return `/api/v1/jobs/${encodeURIComponent(id)}/file?index=${index}`;
}

function progressView(value: unknown): JobProgressView | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const p = value as Partial<DownloadProgress>;
  if (typeof p.stage !== 'string' || typeof p.downloadedBytes !== 'number') return undefined;
  const view: JobProgressView = { stage: p.stage, item: p.item ?? 0, items: p.items ?? 1, downloadedBytes: p.downloadedBytes };
  if (typeof p.totalBytes === 'number' && p.totalBytes > 0) {
    view.totalBytes = p.totalBytes;
    view.percent = Math.min(100, Math.round((p.downloadedBytes / p.totalBytes) * 1000) / 10);
  }
  if (p.stage === 'done') view.percent = 100;
  return view;
}

function resultView(job: Job): JobView['result'] {
  const r = job.result as Partial<ApiJobResult> | undefined;
  if (job.state !== 'done' || !r || !Array.isArray(r.files)) return undefined;
  return {
    platform: r.platform ?? 'unknown',
    mediaId: r.mediaId ?? '',
    ...(r.title ? { title: r.title } : {}),
    files: r.files.map((f, index) => ({ index, ...f, url: jobFilePath(job.id, index) })),
  };
}

/** The view of `job`; `position` comes from the queue when the job is waiting. */
export function jobView(job: Job, position?: number): JobView {
  const progress = job.state === 'done' ? progressView({ stage: 'done', item: 0, items: 1, downloadedBytes: totalBytes(job) }) : progressView(job.progress);
  const result = resultView(job);
  return {
    id: job.id,
    state: job.state,
    ...(position !== undefined ? { position } : {}),
    url: job.data.url,
    request: {
      quality: job.data.request.quality,
      ...(job.data.request.audioFormat ? { audioFormat: job.data.request.audioFormat } : {}),
      ...(job.data.request.noWatermark !== undefined ? { noWatermark: job.data.request.noWatermark } : {}),
    },
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    ...(progress ? { progress } : {}),
    errors: job.errors.map((e) => ({ at: new Date(e.at).toISOString(), code: e.code, message: publicMessage(e.code, e.message), attempt: e.attempt })),
    ...(result ? { result } : {}),
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
  };
}

function totalBytes(job: Job): number {
  const files = (job.result as Partial<ApiJobResult> | undefined)?.files;
  return Array.isArray(files) ? files.reduce((sum, f) => sum + (f.sizeBytes ?? 0), 0) : 0;
}

/** An internal error's text may name paths or libraries: the client gets the code and a plain sentence. */
function publicMessage(code: string, message: string): string {
  return code === 'internal' ? 'Something went wrong on our side.' : redactText(message);
}
