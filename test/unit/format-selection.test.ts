import { describe, expect, it } from 'vitest';
import { codecFamily, resolutionP, selectFormats } from '../../src/media/format-selection.js';
import type { DownloadRequest, Format, MediaInfo } from '../../src/media/types.js';
import { DownloadError } from '../../src/utils/errors.js';

const MB = 1024 * 1024;
const f = (id: string, extra: Partial<Format> = {}): Format => ({ id, url: `https://cdn.example.com/${id}`, protocol: 'https', ...extra });
const muxed = (id: string, height: number, extra: Partial<Format> = {}) =>
  f(id, { container: 'mp4', vcodec: 'avc1.64001f', acodec: 'mp4a.40.2', width: Math.round((height * 16) / 9), height, ...extra });
const videoOnly = (id: string, height: number, vcodec: string, extra: Partial<Format> = {}) =>
  f(id, { container: vcodec.startsWith('vp') ? 'webm' : 'mp4', vcodec, acodec: null, width: Math.round((height * 16) / 9), height, ...extra });
const audioOnly = (id: string, acodec: string, bitrateKbps: number, extra: Partial<Format> = {}) =>
  f(id, { container: acodec.startsWith('opus') ? 'webm' : 'm4a', vcodec: null, acodec, bitrateKbps, ...extra });
const info = (formats: Format[], extra: Partial<MediaInfo> = {}): MediaInfo => ({ platform: 'test', id: 'x', url: 'https://example.com/x', formats, ...extra });

/** A YouTube-like item: avc1 up to 1080p, vp9 up to 2160p, av1 at 1080p, two audio tracks and a muxed 360p. */
const youtubeLike = info(
  [
    muxed('18', 360, { filesizeBytes: 5 * MB }),
    videoOnly('137', 1080, 'avc1.640028', { filesizeBytes: 40 * MB, fps: 30 }),
    videoOnly('136', 720, 'avc1.4d401f', { filesizeBytes: 20 * MB, fps: 30 }),
    videoOnly('135', 480, 'avc1.4d401e', { filesizeBytes: 10 * MB }),
    videoOnly('248', 1080, 'vp9', { filesizeBytes: 35 * MB, fps: 30 }),
    videoOnly('313', 2160, 'vp9', { filesizeBytes: 200 * MB, fps: 30 }),
    videoOnly('271', 1440, 'vp9', { filesizeBytes: 90 * MB, fps: 30 }),
    videoOnly('399', 1080, 'av01.0.08M.08', { filesizeBytes: 30 * MB, fps: 30 }),
    audioOnly('140', 'mp4a.40.2', 129, { filesizeBytes: 3 * MB }),
    audioOnly('251', 'opus', 160, { filesizeBytes: 3.5 * MB }),
  ],
  { durationSec: 212 },
);

/** A TikTok-like item: watermarked download_addr and clean play_addr variants, vertical. */
const tiktokLike = info([
  f('download', { container: 'mp4', vcodec: 'h264', acodec: 'aac', width: 720, height: 1280, watermarked: true, filesizeBytes: 4 * MB }),
  f('play-540', { container: 'mp4', vcodec: 'h264', acodec: 'aac', width: 576, height: 1024, filesizeBytes: 2 * MB }),
  f('play-1080', { container: 'mp4', vcodec: 'h265', acodec: 'aac', width: 1080, height: 1920, filesizeBytes: 6 * MB }),
  f('play-720', { container: 'mp4', vcodec: 'h264', acodec: 'aac', width: 720, height: 1280, filesizeBytes: 3 * MB }),
]);

const ids = (req: DownloadRequest, item = youtubeLike) => selectFormats(item, req).formats.map((x) => x.id);

describe('selectFormats: video qualities', () => {
  it.each<[DownloadRequest, string[]]>([
    [{ quality: 'best' }, ['313', '251']],
    [{ quality: '2160p' }, ['313', '251']],
    [{ quality: '1440p' }, ['271', '251']],
    [{ quality: '1080p' }, ['137', '140']],
    [{ quality: '720p' }, ['136', '140']],
    [{ quality: '480p' }, ['135', '140']],
    [{ quality: '360p' }, ['18']],
    [{ quality: 'worst' }, ['18']],
    [{ quality: '1080p', preferCodec: 'vp9' }, ['248', '251']],
    [{ quality: '1080p', preferCodec: 'av1' }, ['399', '140']],
    [{ quality: 'best', maxFilesizeBytes: 100 * MB }, ['271', '251']],
    [{ quality: 'best', maxFilesizeBytes: 40 * MB }, ['248', '251']],
    [{ quality: '1080p', maxFilesizeBytes: 30 * MB }, ['136', '140']],
    [{ quality: 'best', maxFilesizeBytes: 6 * MB }, ['18']],
  ])('%j → %j', (req, expected) => {
    expect(ids(req)).toEqual(expected);
  });

  it('picks the nearest quality above when nothing is at or below the target', () => {
    const item = info([muxed('hd', 720), muxed('fhd', 1080)]);
    expect(ids({ quality: '360p' }, item)).toEqual(['hd']);
  });

  it('merges mp4 video with m4a audio into mp4, webm with opus into webm, anything else into mkv', () => {
    expect(selectFormats(youtubeLike, { quality: '1080p' }).container).toBe('mp4');
    expect(selectFormats(youtubeLike, { quality: '1080p', preferCodec: 'vp9' }).container).toBe('webm');
    const mixed = info([videoOnly('v', 720, 'vp9'), audioOnly('a', 'mp4a.40.2', 128)]);
    expect(selectFormats(mixed, { quality: 'best' }).container).toBe('mkv');
  });

  it('adds the sizes of both streams into the estimate', () => {
    expect(selectFormats(youtubeLike, { quality: '1080p' }).estimatedBytes).toBe(43 * MB);
  });

  it('estimates from bitrate × duration when sizes are missing', () => {
    const item = info([muxed('a', 720, { bitrateKbps: 1000 })], { durationSec: 10 });
    expect(selectFormats(item, { quality: 'best' }).estimatedBytes).toBe(1_250_000);
  });

  it('counts a vertical video by its short side', () => {
    expect(resolutionP({ width: 1080, height: 1920 })).toBe(1080);
    expect(resolutionP({ height: 720 })).toBe(720);
    expect(ids({ quality: '720p' }, tiktokLike)).toEqual(['play-720']);
  });

  it('prefers avc1 over hevc at equal resolution, but takes a higher hevc resolution for best', () => {
    expect(ids({ quality: 'best' }, tiktokLike)).toEqual(['play-1080']);
    const same = info([f('hevc', { vcodec: 'hvc1', acodec: 'aac', height: 720, width: 1280 }), f('avc', { vcodec: 'avc1', acodec: 'aac', height: 720, width: 1280 })]);
    expect(ids({ quality: 'best' }, same)).toEqual(['avc']);
  });

  it('prefers a direct file over a manifest at equal quality', () => {
    const item = info([muxed('hls', 720, { protocol: 'hls' }), muxed('file', 720)]);
    expect(ids({ quality: 'best' }, item)).toEqual(['file']);
  });

  it('prefers higher frame rate, then bitrate, at equal resolution and codec', () => {
    const item = info([muxed('30', 1080, { fps: 30, bitrateKbps: 5000 }), muxed('60', 1080, { fps: 60, bitrateKbps: 4000 }), muxed('60hi', 1080, { fps: 60, bitrateKbps: 6000 })]);
    expect(ids({ quality: 'best' }, item)).toEqual(['60hi']);
  });

  it('treats formats of unknown resolution as fitting any target, after known ones', () => {
    const item = info([f('unknown', { container: 'mp4' }), muxed('480', 480)]);
    expect(ids({ quality: '720p' }, item)).toEqual(['480']);
    expect(ids({ quality: 'best' }, info([f('only', { container: 'mp4' })]))).toEqual(['only']);
  });

  it('sends a silent video-only stream alone when there is no audio to pair', () => {
    const plan = selectFormats(info([videoOnly('gif', 480, 'avc1')]), { quality: 'best' });
    expect(plan.formats.map((x) => x.id)).toEqual(['gif']);
    expect(plan.container).toBe('mp4');
  });

  it('pairs the default (original-language) audio track first', () => {
    const item = info([videoOnly('v', 720, 'avc1'), audioOnly('dub', 'mp4a.40.2', 256, { language: 'de' }), audioOnly('orig', 'mp4a.40.2', 128, { language: 'en', defaultAudio: true })]);
    expect(ids({ quality: 'best' }, item)).toEqual(['v', 'orig']);
  });

  it('uses mp4 as the container of an hls or dash format', () => {
    const plan = selectFormats(info([muxed('h', 720, { protocol: 'hls', container: 'ts' })]), { quality: 'best' });
    expect(plan.container).toBe('mp4');
  });
});

describe('selectFormats: watermarks', () => {
  it('never picks a watermarked variant when a clean one exists, even at lower resolution', () => {
    const item = info([muxed('wm', 1080, { watermarked: true }), muxed('clean', 720)]);
    expect(ids({ quality: 'best' }, item)).toEqual(['clean']);
    expect(ids({ quality: 'best', noWatermark: true }, item)).toEqual(['clean']);
  });

  it('falls back to the watermarked variant when no clean one exists', () => {
    const item = info([muxed('wm', 720, { watermarked: true })]);
    expect(ids({ quality: 'best', noWatermark: true }, item)).toEqual(['wm']);
  });

  it('picks the clean 720p TikTok variant for 720p, and the watermarked one never', () => {
    expect(ids({ quality: '720p', noWatermark: true }, tiktokLike)).toEqual(['play-720']);
    expect(ids({ quality: 'worst' }, tiktokLike)).toEqual(['play-540']);
  });
});

describe('selectFormats: audio', () => {
  it.each<[DownloadRequest, string, string]>([
    [{ quality: 'audio' }, '140', 'm4a'],
    [{ quality: 'audio', audioFormat: 'm4a' }, '140', 'm4a'],
    [{ quality: 'audio', audioFormat: 'mp3' }, '251', 'mp3'],
  ])('%j → %s as %s', (req, id, container) => {
    const plan = selectFormats(youtubeLike, req);
    expect(plan.formats.map((x) => x.id)).toEqual([id]);
    expect(plan.container).toBe(container);
    expect(plan.extractAudio).toBe(container);
  });

  it('extracts audio from the smallest muxed format when there is no audio-only stream', () => {
    const item = info([muxed('hi', 1080, { filesizeBytes: 50 * MB }), muxed('lo', 360, { filesizeBytes: 5 * MB })]);
    const plan = selectFormats(item, { quality: 'audio' });
    expect(plan.formats.map((x) => x.id)).toEqual(['lo']);
    expect(plan.extractAudio).toBe('m4a');
  });

  it('prefers an mp3 stream for mp3 output (a copy, not a re-encode)', () => {
    const item = info([audioOnly('aac', 'mp4a.40.2', 256), f('mp3', { container: 'mp3', vcodec: null, acodec: 'mp3', bitrateKbps: 128 })]);
    expect(selectFormats(item, { quality: 'audio', audioFormat: 'mp3' }).formats[0].id).toBe('mp3');
    expect(selectFormats(item, { quality: 'audio', audioFormat: 'm4a' }).formats[0].id).toBe('aac');
  });

  it('answers a video request on an audio-only item (SoundCloud) with the audio', () => {
    const item = info([audioOnly('mp3', 'mp3', 128, { container: 'mp3' })]);
    const plan = selectFormats(item, { quality: '1080p' });
    expect(plan.formats[0].id).toBe('mp3');
    expect(plan.extractAudio).toBe('m4a');
  });

  it('refuses audio from an item that has none', () => {
    const item = info([videoOnly('v', 720, 'avc1')]);
    expect(() => selectFormats(item, { quality: 'audio' })).toThrow(expect.objectContaining({ code: 'content.not_found' }));
  });
});

describe('selectFormats: images, limits and refusals', () => {
  it('takes the largest image of a photo item, the smallest for worst', () => {
    const item = info([
      f('s', { image: true, container: 'jpg', width: 320, height: 320 }),
      f('l', { image: true, container: 'jpg', width: 1080, height: 1350 }),
      f('m', { image: true, container: 'webp', width: 640, height: 800 }),
    ]);
    expect(selectFormats(item, { quality: 'best' })).toEqual({ formats: [item.formats[1]], container: 'jpg' });
    expect(selectFormats(item, { quality: 'worst' }).formats[0].id).toBe('s');
  });

  it('refuses a live stream with content.live', () => {
    expect(() => selectFormats(info([muxed('l', 720)], { live: true }), { quality: 'best' })).toThrow(expect.objectContaining({ code: 'content.live' }));
  });

  it('refuses an item without formats with content.not_found', () => {
    expect(() => selectFormats(info([]), { quality: 'best' })).toThrow(expect.objectContaining({ code: 'content.not_found' }));
  });

  it('refuses with content.too_large when every version is over the limit, naming the smallest', () => {
    let error: unknown;
    try {
      selectFormats(youtubeLike, { quality: 'best', maxFilesizeBytes: 2 * MB });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe('content.too_large');
    expect((error as DownloadError).context.estimatedBytes).toBe(5 * MB);
  });

  it('lets formats of unknown size through the limit (the downloader enforces it)', () => {
    expect(ids({ quality: 'best', maxFilesizeBytes: 1 }, info([muxed('x', 720)]))).toEqual(['x']);
  });

  it.each([
    ['avc1.64001F', 'avc1'], ['h264', 'avc1'], ['vp09.00.40.08', 'vp9'], ['vp9', 'vp9'], ['av01.0.05M.08', 'av1'],
    ['hvc1.1.6.L93.B0', 'hevc'], ['hev1', 'hevc'], [null, undefined], ['theora', undefined],
  ])('knows the codec family of %s', (codec, family) => {
    expect(codecFamily(codec)).toBe(family);
  });
});
