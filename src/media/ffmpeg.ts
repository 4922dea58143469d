/**
 * ffmpeg and ffprobe, spawned without a shell and limited to local files
 * (`-protocol_whitelist file,pipe`): the network side of every download is ours, so ffmpeg
 * never fetches anything. Used to remux HLS/DASH output, merge separate video and audio,
 * extract audio, read duration and dimensions, and make a Telegram-sized JPEG thumbnail.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { AudioFormat } from './types.js';
import { DownloadError } from '../utils/errors.js';

export interface FfmpegPaths {
  ffmpegPath?: string;
  ffprobePath?: string;
}

/** What ffprobe tells about a finished file. */
export interface ProbeResult {
  durationSec?: number;
  width?: number;
  height?: number;
  vcodec?: string;
  acodec?: string;
  /** ffprobe's format name: "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mp3", … */
  formatName?: string;
}

interface RunOptions {
  signal?: AbortSignal;
}

/** Telegram's limits for a thumbnail: at most 320 px a side and 200 kB. */
export const THUMBNAIL_MAX_SIDE = 320;
export const THUMBNAIL_MAX_BYTES = 200 * 1024;

const LOCAL_ONLY = ['-protocol_whitelist', 'file,pipe'];
const STDERR_KEEP_BYTES = 8 * 1024;

export class Ffmpeg {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;

  constructor(paths: FfmpegPaths = {}) {
    this.ffmpegPath = paths.ffmpegPath ?? 'ffmpeg';
    this.ffprobePath = paths.ffprobePath ?? 'ffprobe';
  }

  /** Copies the streams of `input` into the container `output`'s extension names (no re-encode). */
  async remux(input: string, output: string, options: RunOptions = {}): Promise<void> {
    await this.ffmpeg(['-i', input, '-map', '0:v?', '-map', '0:a?', '-c', 'copy', ...faststart(output), output], options);
  }

  /** Muxes a video-only and an audio-only file into `output` without re-encoding. */
  async merge(videoPath: string, audioPath: string, output: string, options: RunOptions = {}): Promise<void> {
    await this.ffmpeg(
      ['-i', videoPath, '-i', audioPath, '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy', '-shortest', ...faststart(output), output],
      options,
    );
  }

  /**
   * Writes the audio of `input` as m4a or mp3. AAC into m4a and MP3 into mp3 are copied
   * (no quality lost, and fast); anything else is encoded.
   */
  async extractAudio(input: string, output: string, format: AudioFormat, options: RunOptions = {}): Promise<void> {
    const probe = await this.probe(input, options);
    if (!probe.acodec) throw new DownloadError('content.not_found', 'The media has no audio track.');
    const copy = (format === 'm4a' && probe.acodec === 'aac') || (format === 'mp3' && probe.acodec === 'mp3');
    const codec = copy ? ['-c:a', 'copy'] : format === 'mp3' ? ['-c:a', 'libmp3lame', '-q:a', '2'] : ['-c:a', 'aac', '-b:a', '192k'];
    await this.ffmpeg(['-i', input, '-vn', '-map', '0:a:0', ...codec, ...faststart(output), output], options);
  }

  /** Duration, dimensions and codecs of a local file. */
  async probe(file: string, options: RunOptions = {}): Promise<ProbeResult> {
    const out = await run(
      this.ffprobePath,
      ['-v', 'error', ...LOCAL_ONLY, '-print_format', 'json', '-show_format', '-show_streams', file],
      options,
      'ffprobe',
    );
    let data: { format?: { duration?: string; format_name?: string }; streams?: Array<Record<string, unknown>> };
    try {
      data = JSON.parse(out) as typeof data;
    } catch {
      throw new DownloadError('internal', 'ffprobe printed something that is not JSON.');
    }
    const streams = data.streams ?? [];
    // an attached cover picture is a "video" stream too; the real video is the first other one
    const video = streams.find((s) => s.codec_type === 'video' && !(s.disposition as { attached_pic?: number } | undefined)?.attached_pic);
    const audioStream = streams.find((s) => s.codec_type === 'audio');
    const result: ProbeResult = {};
    const duration = Number(data.format?.duration ?? video?.duration ?? audioStream?.duration);
    if (Number.isFinite(duration) && duration > 0) result.durationSec = Math.round(duration * 1000) / 1000;
    if (video) {
      if (typeof video.width === 'number') result.width = video.width;
      if (typeof video.height === 'number') result.height = video.height;
      if (typeof video.codec_name === 'string') result.vcodec = video.codec_name;
    }
    if (typeof audioStream?.codec_name === 'string') result.acodec = audioStream.codec_name;
    if (data.format?.format_name) result.formatName = data.format.format_name;
    return result;
  }

  /**
   * A JPEG frame of `input` that fits Telegram's thumbnail limits (≤ 320 px a side, ≤ 200 kB),
   * taken a second in (or at the middle of a shorter clip) so it is rarely a black frame.
   */
  async thumbnail(input: string, output: string, options: RunOptions & { durationSec?: number } = {}): Promise<void> {
    const duration = options.durationSec ?? (await this.probe(input, options)).durationSec ?? 0;
    const at = Math.min(1, duration / 2).toFixed(3);
    const scale = `scale=${THUMBNAIL_MAX_SIDE}:${THUMBNAIL_MAX_SIDE}:force_original_aspect_ratio=decrease`;
    for (const quality of [4, 10, 20, 31]) {
      await this.ffmpeg(['-ss', at, '-i', input, '-frames:v', '1', '-vf', scale, '-q:v', String(quality), '-f', 'mjpeg', output], options);
      if ((await stat(output)).size <= THUMBNAIL_MAX_BYTES) return;
    }
    throw new DownloadError('internal', 'Could not make a thumbnail under 200 kB.');
  }

  private async ffmpeg(args: string[], options: RunOptions): Promise<void> {
    await run(this.ffmpegPath, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...LOCAL_ONLY, ...args], options, 'ffmpeg');
  }
}

/** MP4-family outputs get their index at the front, so Telegram and browsers can stream them. */
function faststart(output: string): string[] {
  return /\.(mp4|m4a|mov)$/i.test(output) ? ['-movflags', '+faststart'] : [];
}

/** Runs a tool with an argument array (never a shell); resolves with stdout, rejects with the tail of stderr. */
function run(command: string, args: string[], options: RunOptions, tool: string): Promise<string> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_KEEP_BYTES);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') return reject(error);
      const hint = error.code === 'ENOENT' ? ` (${command} not found: install ffmpeg or set ${tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'})` : '';
      reject(new DownloadError('internal', `Could not start ${tool}${hint}.`, { tool }, { cause: error }));
    });
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(stdout).toString('utf8'));
      if (options.signal?.aborted) return reject(options.signal.reason);
      const last = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
      reject(new DownloadError('internal', `${tool} failed (exit ${code}): ${last || 'no message'}`, { tool }));
    });
  });
}
