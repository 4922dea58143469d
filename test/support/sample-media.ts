/**
 * Real media made by ffmpeg at test time: a 2 s 320x180 H.264/AAC mp4, a 1 s mp3, the mp4 as
 * an HLS master + media playlist, and as a DASH manifest. Made once per directory.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SampleMedia {
  dir: string;
  mp4: string;
  mp3: string;
  /** hls/master.m3u8 → hls/media.m3u8 → hls/media*.ts */
  hlsMaster: string;
  hlsMedia: string;
  /** dash/manifest.mpd with its init and media segments beside it. */
  mpd: string;
}

const ffmpeg = (args: string[]) => run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

export async function makeSampleMedia(dir: string): Promise<SampleMedia> {
  const mp4 = join(dir, 'clip.mp4');
  const mp3 = join(dir, 'clip.mp3');
  await mkdir(join(dir, 'hls'), { recursive: true });
  await mkdir(join(dir, 'dash'), { recursive: true });
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '2', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', mp4,
  ]);
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '1', '-c:a', 'libmp3lame', mp3]);
  await ffmpeg([
    '-i', mp4, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
    '-master_pl_name', 'master.m3u8', '-hls_segment_filename', join(dir, 'hls', 'media%d.ts'), join(dir, 'hls', 'media.m3u8'),
  ]);
  await ffmpeg(['-i', mp4, '-c', 'copy', '-f', 'dash', '-seg_duration', '1', join(dir, 'dash', 'manifest.mpd')]);
  return {
    dir,
    mp4,
    mp3,
    hlsMaster: join(dir, 'hls', 'master.m3u8'),
    hlsMedia: join(dir, 'hls', 'media.m3u8'),
    mpd: join(dir, 'dash', 'manifest.mpd'),
  };
}
