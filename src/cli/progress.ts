/**
 * Progress for `dlbot get`: a cli-progress bar on a terminal (stderr), or JSON lines on stdout
 * for programs ({"event":"progress",…}, then {"event":"done",…} or {"event":"error",…}).
 */
import { SingleBar, Presets } from 'cli-progress';
import type { DownloadProgress, DownloadResult } from '../core/download-service.js';
import type { DownloadError } from '../utils/errors.js';

export interface ProgressReporter {
  update(progress: DownloadProgress): void;
  finish(result: DownloadResult): void;
  fail(error: DownloadError): void;
}

const MB = 1024 * 1024;

function summary(result: DownloadResult) {
  return {
    platform: result.info.platform,
    id: result.info.id,
    title: result.info.title ?? null,
    files: result.files.map((f) => ({
      path: f.path,
      kind: f.kind,
      container: f.container,
      sizeBytes: f.sizeBytes,
      durationSec: f.durationSec ?? null,
      width: f.width ?? null,
      height: f.height ?? null,
      formats: f.formatIds,
    })),
  };
}

export function createProgressReporter(mode: 'json' | 'bar', io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): ProgressReporter {
  if (mode === 'json') {
    let lastAt = 0;
    const line = (obj: unknown) => io.stdout.write(JSON.stringify(obj) + '\n');
    return {
      update(p) {
        const now = Date.now();
        if (p.stage === 'download' && now - lastAt < 500) return; // keep the stream readable
        lastAt = now;
        line({ event: 'progress', ...p });
      },
      finish: (result) => line({ event: 'done', ...summary(result) }),
      fail: (e) => line({ event: 'error', code: e.code, message: e.message }),
    };
  }
  const started = Date.now();
  const bar = new SingleBar(
    {
      stream: io.stderr,
      format: ' {stage} |{bar}| {percentage}% | {done}/{size} MB | {speed} MB/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 10,
    },
    Presets.shades_classic,
  );
  let active = false;
  let item = -1;
  const fmt = (bytes: number) => (bytes / MB).toFixed(1);
  return {
    update(p) {
      // a finished download is 100 % even when its size was never known up front (live-length HLS)
      const total = p.totalBytes ?? (p.stage === 'done' || p.stage === 'process' ? p.downloadedBytes : 0);
      const payload = {
        stage: p.items > 1 ? `${p.stage} ${p.item + 1}/${p.items}` : p.stage,
        done: fmt(p.downloadedBytes),
        size: total ? fmt(total) : '?',
        speed: (p.downloadedBytes / MB / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1),
      };
      if (!active || item !== p.item) {
        if (active) bar.stop();
        bar.start(Math.max(total, 1), 0, payload);
        active = true;
        item = p.item;
      }
      if (total) bar.setTotal(total);
      bar.update(total ? Math.min(p.downloadedBytes, total) : 0, payload);
    },
    finish(result) {
      if (active) bar.stop();
      for (const f of result.files) io.stderr.write(`saved ${f.path} (${fmt(f.sizeBytes)} MB)\n`);
    },
    fail(e) {
      if (active) bar.stop();
      io.stderr.write(`dlbot: error ${e.code}: ${e.message}\n`);
    },
  };
}
