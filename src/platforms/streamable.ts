/**
 * Streamable URLs: streamable.com/{shortcode}, the embed (/e/{shortcode}[/{anything}]), the
 * original-file page (/o/{shortcode}) and the older share form (/s/{shortcode}/{suffix}), on the
 * bare and www. hosts. Site pages (login, pricing, …) are not shortcodes; the CDN hosts serve
 * plain files and are left to the generic extractor.
 */
import { hostName, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError } from '../utils/errors.js';
import { absoluteUrl, compact, num, str } from './page.js';

const NAME = 'streamable';
const HOSTS = ['streamable.com'] as const;
const SITE_HOSTS = new Set(['streamable.com', 'www.streamable.com']);

const SHORTCODE = /^[A-Za-z0-9]{2,12}$/;
/** Single path segments that are site pages, never a shortcode. */
const RESERVED = new Set([
  'login', 'signup', 'pricing', 'about', 'terms', 'privacy', 'blog', 'documentation', 'upload', 'videos', 'settings',
  'careers', 'clipper', 'community', 'support', 'enterprise', 'api', 'account', 'contact', 'dmca', 'tools',
  'features', 'embed', 'cookies', 'help', 'recordings', 'solutions', 'affiliates', 'billing', 'home', 'logout',
  'plans', 'upgrade', 'folders', 'analytics', 'legal', 'security', 'subscribe', 'teams', 'press', 'jobs',
]);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://streamable.com/dnd1', id: 'dnd1', kind: 'video' },
  { url: 'https://streamable.com/moo', id: 'moo', kind: 'video' },
  { url: 'https://www.streamable.com/2f9kx8', id: '2f9kx8', kind: 'video' },
  { url: 'http://streamable.com/2f9kx8/', id: '2f9kx8', kind: 'video' },
  { url: 'https://streamable.com/e/dnd1', id: 'dnd1', kind: 'video' },
  { url: 'https://streamable.com/e/ohcj1x/noautoplay', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/o/ohcj1x', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/s/okkqk/drxjds', id: 'okkqk', kind: 'video' },
  { url: 'https://STREAMABLE.COM/ohcj1x?src=player-page-share', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/ohcj1x#t=12', id: 'ohcj1x', kind: 'video' },
  { url: 'https://streamable.com/', id: false },
  { url: 'https://streamable.com/login', id: false },
  { url: 'https://streamable.com/pricing', id: false },
  { url: 'https://streamable.com.evil.net/dnd1', id: false },
  { url: 'https://notstreamable.com/dnd1', id: false },
  { url: 'https://cdn-cf-east.streamable.com/video/mp4/ohcj1x.mp4', id: false },
];

/** One entry of the ajax API's `files` map ("mp4", "mp4-mobile", …). */
interface ApiFile {
  url?: string;
  width?: number;
  height?: number;
  size?: number;
  framerate?: number;
  bitrate?: number;
  duration?: number;
  input_metadata?: { video_codec_name?: string; audio_codec_name?: string };
}

/** The shape https://ajax.streamable.com/videos/{code} answers with (fields we use). */
interface ApiVideo {
  status?: number;
  title?: string;
  reddit_title?: string;
  description?: string;
  thumbnail_url?: string;
  date_added?: number;
  duration?: number;
  plays?: number;
  owner?: { user_name?: string };
  files?: Record<string, ApiFile>;
}

/** Status 2 means "at least one file is ready"; 0/1 are uploading/processing, 3 failed. */
const READY = 2;

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const id = match.id!;
  const url = `https://streamable.com/${id}`;
  const video = await ctx.http.json<ApiVideo>(`https://ajax.streamable.com/videos/${id}`, requestOptions(ctx, NAME));
  if (video.status !== READY) {
    throw new DownloadError('content.not_found', 'This video is still uploading or processing, or failed to process.', { platform: NAME, url, status: video.status });
  }
  const formats: Format[] = [];
  for (const [key, file] of Object.entries(video.files ?? {})) {
    const fileUrl = absoluteUrl(file.url);
    if (!fileUrl) continue;
    formats.push(
      compact<Format>({
        id: key,
        url: fileUrl,
        protocol: 'https',
        container: 'mp4',
        width: num(file.width),
        height: num(file.height),
        fps: num(file.framerate),
        bitrateKbps: file.bitrate ? Math.round(file.bitrate / 1000) : undefined,
        filesizeBytes: num(file.size),
        vcodec: str(file.input_metadata?.video_codec_name),
        acodec: str(file.input_metadata?.audio_codec_name),
      }),
    );
  }
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(video.reddit_title) ?? str(video.title) ?? id,
    description: str(video.description),
    thumbnail: absoluteUrl(video.thumbnail_url),
    uploader: str(video.owner?.user_name),
    timestamp: num(video.date_added),
    durationSec: num(video.duration),
    viewCount: num(video.plays),
    formats,
  });
}

function video(url: URL, code: string | undefined): Match | null {
  return code && SHORTCODE.test(code) && !RESERVED.has(code.toLowerCase()) ? matched(NAME, url, code, 'video') : null;
}

/** Streamable videos. */
export const streamable: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    if (!SITE_HOSTS.has(hostName(url))) return null;
    const [first, second, ...rest] = pathSegments(url);
    if (first === 'e' || first === 's') return video(url, second);
    if (first === 'o') return rest.length === 0 ? video(url, second) : null;
    return second === undefined ? video(url, first) : null;
  },

  extract,
};
