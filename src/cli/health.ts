/**
 * `dlbot health`: what this machine can do — ffmpeg/ffprobe present, yt-dlp fallback present,
 * data directory writable, configuration valid. Exit 0 when everything required is there.
 */
import { spawn } from 'node:child_process';
import { mkdir, access, constants } from 'node:fs/promises';
import type { Config } from '../utils/config.js';
import { YtdlpBackend } from '../platforms/ytdlp.js';
import { silentLogger } from '../utils/logger.js';

export interface HealthCheck {
  name: string;
  ok: boolean;
  required: boolean;
  detail: string;
}

/** First line of `<bin> -version`, or null when the binary cannot run. */
function version(bin: string, flag: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(bin, [flag], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? (out.split('\n')[0] ?? '').trim() : null));
  });
}

export async function healthChecks(config: Config): Promise<HealthCheck[]> {
  const [ffmpeg, ffprobe] = await Promise.all([version(config.ffmpegPath, '-version'), version(config.ffprobePath, '-version')]);
  const ytdlp = new YtdlpBackend({ logger: silentLogger, ...(config.ytdlpPath ? { path: config.ytdlpPath } : {}) });
  const ytdlpOk = await ytdlp.available();
  let dataOk = true;
  let dataDetail = config.dataDir;
  try {
    await mkdir(config.dataDir, { recursive: true });
    await access(config.dataDir, constants.W_OK);
  } catch (error) {
    dataOk = false;
    dataDetail = `${config.dataDir}: ${(error as Error).message}`;
  }
  return [
    { name: 'config', ok: true, required: true, detail: 'valid' },
    { name: 'ffmpeg', ok: !!ffmpeg, required: true, detail: ffmpeg ?? `not found (${config.ffmpegPath}); install ffmpeg or set FFMPEG_PATH` },
    { name: 'ffprobe', ok: !!ffprobe, required: true, detail: ffprobe ?? `not found (${config.ffprobePath}); install ffmpeg or set FFPROBE_PATH` },
    { name: 'yt-dlp', ok: ytdlpOk, required: false, detail: ytdlpOk ? 'fallback backend available' : 'not found; fallback backend off' },
    { name: 'data_dir', ok: dataOk, required: true, detail: dataDetail },
  ];
}

export async function runHealth(config: Config, json: boolean, io: { stdout: NodeJS.WritableStream }): Promise<number> {
  const checks = await healthChecks(config);
  const ok = checks.every((c) => c.ok || !c.required);
  if (json) io.stdout.write(JSON.stringify({ ok, checks }) + '\n');
  else for (const c of checks) io.stdout.write(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name.padEnd(9)} ${c.detail}\n`);
  return ok ? 0 : 1;
}
