/**
 * The media vocabulary every layer shares: what a platform found (MediaInfo, Format), what the
 * user asked for (DownloadRequest), and what the pipeline will fetch (FormatPlan).
 */

/** How a format's bytes are fetched: one HTTP resource, an HLS playlist or a DASH manifest. */
export type Protocol = 'https' | 'hls' | 'dash';

/** One way to get the media: a muxed file, a video-only or audio-only stream, or an image. */
export interface Format {
  /** Unique within its MediaInfo: the platform's own id (itag, variant name) where it has one. */
  id: string;
  url: string;
  protocol: Protocol;
  /** Container or file extension: mp4, webm, m4a, mp3, ogg, jpg, … */
  container?: string;
  /** Video codec (avc1.64001F, vp9, av01…); null means the format has no video track; undefined unknown. */
  vcodec?: string | null;
  /** Audio codec (mp4a.40.2, opus…); null means no audio track; undefined unknown. */
  acodec?: string | null;
  width?: number;
  height?: number;
  fps?: number;
  /** Total bitrate in kbit/s. */
  bitrateKbps?: number;
  /** Exact size when the platform tells it, else an estimate (see filesizeApprox). */
  filesizeBytes?: number;
  filesizeApprox?: boolean;
  dynamicRange?: 'SDR' | 'HDR';
  /** True when the platform burns its watermark/logo into this variant. */
  watermarked?: boolean;
  /** An image (photo in a carousel, a pin) rather than a video or audio stream. */
  image?: boolean;
  /** Audio language (BCP-47) and whether it is the original/default track. */
  language?: string;
  defaultAudio?: boolean;
  /** For dash/hls: the representation/variant id inside the manifest at `url`. */
  manifestStreamId?: string;
  /** Headers the platform requires on the media request (Referer, Origin, cookies). */
  headers?: Record<string, string>;
  /** Human note for `dlbot info` (e.g. "no watermark", "HDR"). */
  note?: string;
}

/** Music a clip uses (TikTok sounds, Instagram audio). */
export interface MusicInfo {
  title?: string;
  author?: string;
  url?: string;
  /** The creator's own sound ("original sound - …") rather than a licensed track. */
  original?: boolean;
  /** Cover art URL. */
  cover?: string;
  durationSec?: number;
}

/** Everything a platform found about one item, or a container of items (`entries`). */
export interface MediaInfo {
  platform: string;
  id: string;
  /** The canonical page URL of the item. */
  url: string;
  title?: string;
  uploader?: string;
  uploaderId?: string;
  durationSec?: number;
  thumbnail?: string;
  description?: string;
  tags?: string[];
  music?: MusicInfo;
  /** Unix seconds of publication. */
  timestamp?: number;
  viewCount?: number;
  likeCount?: number;
  formats: Format[];
  /** Carousel items, playlist videos or thread posts; a container usually has no own formats. */
  entries?: MediaInfo[];
  /** Set when the container was cut to a limit (playlists). */
  entriesTotal?: number;
  live?: boolean;
  ageLimit?: number;
}

export const QUALITIES = ['best', 'worst', '2160p', '1440p', '1080p', '720p', '480p', '360p', 'audio'] as const;
export type Quality = (typeof QUALITIES)[number];

export type AudioFormat = 'm4a' | 'mp3';
export type VideoCodec = 'avc1' | 'vp9' | 'av1';

/** What the user asked for. */
export interface DownloadRequest {
  quality: Quality;
  /** Audio extraction target when quality is `audio` (default m4a: a remux when the source is AAC). */
  audioFormat?: AudioFormat;
  /** Refuse watermarked variants when a clean one exists (and prefer clean ones always). */
  noWatermark?: boolean;
  /** Upper bound for the result's size; larger plans are skipped or refused with content.too_large. */
  maxFilesizeBytes?: number;
  /** Codec preference; default avc1 first because every Telegram client plays it inline. */
  preferCodec?: VideoCodec;
}

/** What the pipeline will fetch for one item and how it becomes one output file. */
export interface FormatPlan {
  /** One format (muxed, audio-only or image) or two (video-only + audio-only, merged with ffmpeg). */
  formats: [Format] | [Format, Format];
  /** Extension of the output file: mp4, webm, mkv, m4a, mp3, jpg, … */
  container: string;
  /** Convert the fetched audio into this format (quality `audio`). */
  extractAudio?: AudioFormat;
  /** Best estimate of the output size in bytes, when any format told its size. */
  estimatedBytes?: number;
}
