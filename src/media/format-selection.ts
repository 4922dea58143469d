/**
 * Format selection: a pure function from what a platform offers (MediaInfo.formats) and what
 * the user asked for (DownloadRequest) to what the pipeline fetches (FormatPlan).
 *
 * The rules, in order: never a live stream; clean (watermark-free) variants before watermarked
 * ones whenever a clean one exists; the requested resolution or the nearest below it (the
 * nearest above when nothing is below); the preferred codec (avc1 by default, which every
 * Telegram client plays inline); then frame rate, bitrate and a direct file over a manifest.
 * A plan whose known size is over the limit is skipped; when every plan is over it, the
 * answer is content.too_large. Resolution is the short side of the frame, so a vertical
 * 1080×1920 clip counts as 1080p, as the platforms label it.
 */
import type { DownloadRequest, Format, FormatPlan, MediaInfo, Quality, VideoCodec } from './types.js';
import { DownloadError } from '../utils/errors.js';

const TARGET_P: Record<Exclude<Quality, 'best' | 'worst' | 'audio'>, number> = {
  '2160p': 2160, '1440p': 1440, '1080p': 1080, '720p': 720, '480p': 480, '360p': 360,
};

const CODEC_FAMILY: Array<[VideoCodec | 'hevc', RegExp]> = [
  ['avc1', /^(avc[1-4]|h264)/i],
  ['vp9', /^(vp0?9|vp09)/i],
  ['av1', /^(av01|av1)/i],
  ['hevc', /^(hvc1|hev1|h265|hevc|dvh[1e])/i],
];

const MP4_AUDIO = new Set(['m4a', 'mp4', 'aac', 'mp3']);

/** A video codec's family name, or undefined when unknown. */
export function codecFamily(vcodec: string | null | undefined): string | undefined {
  if (!vcodec) return undefined;
  return CODEC_FAMILY.find(([, re]) => re.test(vcodec))?.[0];
}

/** The short side of the frame (1080 for 1920×1080 and for 1080×1920); height when only that is known. */
export function resolutionP(f: Pick<Format, 'width' | 'height'>): number | undefined {
  if (f.width && f.height) return Math.min(f.width, f.height);
  return f.height ?? undefined;
}

const isImage = (f: Format) => !!f.image;
const hasVideo = (f: Format) => !isImage(f) && f.vcodec !== null;
const hasAudio = (f: Format) => !isImage(f) && f.acodec !== null;
const isMuxed = (f: Format) => hasVideo(f) && hasAudio(f);
const isVideoOnly = (f: Format) => hasVideo(f) && f.acodec === null;
const isAudioOnly = (f: Format) => !isImage(f) && f.vcodec === null && f.acodec !== null;

/** Estimated bytes of a format: its size, or bitrate × duration. */
function estimate(f: Format, durationSec: number | undefined): number | undefined {
  if (f.filesizeBytes) return f.filesizeBytes;
  if (f.bitrateKbps && durationSec) return Math.round(f.bitrateKbps * 125 * durationSec);
  return undefined;
}

interface Candidate {
  plan: FormatPlan;
  p: number | undefined;
  watermarked: boolean;
  codecRank: number;
  fps: number;
  bitrateKbps: number;
  direct: boolean;
}

function codecRank(f: Format, prefer: VideoCodec): number {
  const family = codecFamily(f.vcodec);
  if (family === prefer) return 0;
  const order = ['avc1', 'vp9', 'av1', 'hevc'];
  return family ? 1 + order.indexOf(family) : order.length + 1;
}

/** The container two separate streams are merged into. */
function mergedContainer(video: Format, audio: Format): string {
  const v = video.container ?? 'mp4';
  const a = audio.container ?? 'm4a';
  if ((v === 'mp4' || v === 'mov') && MP4_AUDIO.has(a)) return 'mp4';
  if (v === 'webm' && (a === 'webm' || a === 'opus' || a === 'ogg')) return 'webm';
  return 'mkv';
}

/** Audio streams best first: the original/default track, a container matching `video`, then bitrate. */
function rankAudio(audios: Format[], video?: Format): Format[] {
  const sameFamily = (a: Format) => (video ? mergedContainer(video, a) !== 'mkv' : false);
  return [...audios].sort(
    (a, b) =>
      Number(!!b.defaultAudio) - Number(!!a.defaultAudio) ||
      Number(sameFamily(b)) - Number(sameFamily(a)) ||
      (b.bitrateKbps ?? 0) - (a.bitrateKbps ?? 0),
  );
}

function candidate(formats: [Format] | [Format, Format], info: MediaInfo, prefer: VideoCodec): Candidate {
  const video = formats[0];
  const sizes = formats.map((f) => estimate(f, info.durationSec));
  const plan: FormatPlan = {
    formats,
    container: formats.length === 2 ? mergedContainer(formats[0], formats[1]) : video.protocol === 'https' ? (video.container ?? 'mp4') : 'mp4',
  };
  if (sizes.every((s) => s !== undefined)) plan.estimatedBytes = sizes.reduce((a, b) => a! + b!, 0);
  return {
    plan,
    p: resolutionP(video),
    watermarked: formats.some((f) => f.watermarked),
    codecRank: codecRank(video, prefer),
    fps: video.fps ?? 0,
    bitrateKbps: formats.reduce((s, f) => s + (f.bitrateKbps ?? 0), 0),
    direct: formats.every((f) => f.protocol === 'https'),
  };
}

/** Drops plans over the size limit; throws content.too_large when nothing is left. */
function withinSize<T extends { plan: FormatPlan }>(items: T[], maxBytes: number | undefined, info: MediaInfo): T[] {
  if (maxBytes === undefined || !Number.isFinite(maxBytes)) return items;
  const fitting = items.filter((c) => c.plan.estimatedBytes === undefined || c.plan.estimatedBytes <= maxBytes);
  if (fitting.length > 0) return fitting;
  const smallest = Math.min(...items.map((c) => c.plan.estimatedBytes ?? Infinity));
  throw new DownloadError('content.too_large', `The smallest version is about ${smallest} bytes, over the limit of ${maxBytes}.`, {
    platform: info.platform,
    url: info.url,
    estimatedBytes: smallest,
    maxBytes,
  });
}

/** Chooses what to fetch for one item. */
export function selectFormats(info: MediaInfo, request: DownloadRequest): FormatPlan {
  if (info.live) throw new DownloadError('content.live', undefined, { platform: info.platform, url: info.url });
  const formats = info.formats.filter((f) => !!f.url);
  if (formats.length === 0) {
    throw new DownloadError('content.not_found', 'No downloadable format was found.', { platform: info.platform, url: info.url });
  }
  const media = formats.filter((f) => !isImage(f));
  if (media.length === 0) return selectImage(formats, request, info);
  const anyClean = media.some((f) => !f.watermarked);
  const pool = request.noWatermark && anyClean ? media.filter((f) => !f.watermarked) : media;
  return request.quality === 'audio' ? selectAudio(pool, request, info) : selectVideo(pool, request, info);
}

function selectImage(formats: Format[], request: DownloadRequest, info: MediaInfo): FormatPlan {
  const area = (f: Format) => (f.width ?? 0) * (f.height ?? 0);
  const ranked = [...formats].sort((a, b) => Number(!!a.watermarked) - Number(!!b.watermarked) || area(b) - area(a));
  const plans = ranked.map((f) => ({ plan: { formats: [f], container: f.container ?? 'jpg', ...(f.filesizeBytes ? { estimatedBytes: f.filesizeBytes } : {}) } as FormatPlan }));
  const ordered = request.quality === 'worst' ? plans.reverse() : plans;
  return withinSize(ordered, request.maxFilesizeBytes, info)[0]!.plan;
}

function selectAudio(pool: Format[], request: DownloadRequest, info: MediaInfo): FormatPlan {
  const target = request.audioFormat ?? 'm4a';
  const audios = pool.filter(isAudioOnly);
  // a stream already in the target codec is copied, not re-encoded: it wins at equal rank
  const native = (f: Format) => (target === 'm4a' ? /^(mp4a|aac)/i.test(f.acodec ?? '') || f.container === 'm4a' : /^mp3/i.test(f.acodec ?? '') || f.container === 'mp3');
  const ranked = audios.length
    ? [...rankAudio(audios)].sort((a, b) => Number(!!b.defaultAudio) - Number(!!a.defaultAudio) || Number(native(b)) - Number(native(a)) || (b.bitrateKbps ?? 0) - (a.bitrateKbps ?? 0))
    : // no separate audio: take the smallest muxed file and extract its sound
      [...pool.filter(isMuxed)].sort((a, b) => (resolutionP(a) ?? 0) - (resolutionP(b) ?? 0) || (estimate(a, info.durationSec) ?? 0) - (estimate(b, info.durationSec) ?? 0));
  if (ranked.length === 0) throw new DownloadError('content.not_found', 'This item has no audio.', { platform: info.platform, url: info.url });
  const plans = ranked.map((f) => {
    const size = estimate(f, info.durationSec);
    return { plan: { formats: [f], container: target, extractAudio: target, ...(size !== undefined ? { estimatedBytes: size } : {}) } as FormatPlan };
  });
  return withinSize(plans, request.maxFilesizeBytes, info)[0]!.plan;
}

function selectVideo(pool: Format[], request: DownloadRequest, info: MediaInfo): FormatPlan {
  const prefer = request.preferCodec ?? 'avc1';
  const candidates: Candidate[] = pool.filter(isMuxed).map((f) => candidate([f], info, prefer));
  const audios = pool.filter(isAudioOnly);
  for (const video of pool.filter(isVideoOnly)) {
    const audio = rankAudio(audios, video)[0];
    // a video stream without any audio stream to pair with is still a video (silent clips, GIFs)
    candidates.push(candidate(audio ? [video, audio] : [video], info, prefer));
  }
  if (candidates.length === 0) return selectAudio(pool, { ...request, quality: 'audio' }, info);

  const quality = request.quality;
  const target = quality === 'best' ? Infinity : quality === 'worst' ? -Infinity : TARGET_P[quality as keyof typeof TARGET_P];
  const clean = candidates.some((c) => !c.watermarked);
  const byQuality = (a: Candidate, b: Candidate) =>
    (b.p ?? 0) - (a.p ?? 0) || a.codecRank - b.codecRank || b.fps - a.fps || b.bitrateKbps - a.bitrateKbps || Number(b.direct) - Number(a.direct);
  let ordered: Candidate[];
  if (quality === 'worst') {
    ordered = [...candidates].sort(
      (a, b) => (a.p ?? 0) - (b.p ?? 0) || a.codecRank - b.codecRank || (a.plan.estimatedBytes ?? 0) - (b.plan.estimatedBytes ?? 0) || a.bitrateKbps - b.bitrateKbps,
    );
  } else {
    // at or below the target first (best of those first), then above it (closest first)
    const fits = (c: Candidate) => c.p === undefined || c.p <= target;
    ordered = [
      ...candidates.filter(fits).sort(byQuality),
      ...candidates.filter((c) => !fits(c)).sort((a, b) => (a.p ?? 0) - (b.p ?? 0) || a.codecRank - b.codecRank || b.bitrateKbps - a.bitrateKbps),
    ];
  }
  if (clean) ordered = [...ordered.filter((c) => !c.watermarked), ...ordered.filter((c) => c.watermarked)];
  return withinSize(ordered, request.maxFilesizeBytes, info)[0]!.plan;
}
