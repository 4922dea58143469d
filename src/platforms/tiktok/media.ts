/**
 * What the TikTok web page and the mobile API have in common once parsed: the canonical URL,
 * titles, codec names, picking a playable URL out of a URL list, the photo carousel and the
 * music track. Both readers (web.ts, app.ts) turn their own JSON into these pieces.
 */
import type { ExtractContext } from '../base.js';
import type { Format, MediaInfo, MusicInfo } from '../../media/types.js';
import { absoluteUrl, compact } from '../page.js';

/** The platform's canonical name. */
export const NAME = 'tiktok';
/** Origin of the web site: page URLs and the Referer the CDN expects. */
export const SITE = 'https://www.tiktok.com';

/** The music of a clip; MusicInfo carries every fact TikTok gives. */
export type TikTokMusic = MusicInfo;

/** One photo of a photo post, as both sources describe it. */
export interface Photo {
  urls: string[];
  width?: number;
  height?: number;
}

/** https://www.tiktok.com/@{user}/video/{id} (or /photo/{id}); `@_` when the author is unknown. */
export function canonicalUrl(user: string | undefined, id: string, photo = false): string {
  return `${SITE}/@${user || '_'}/${photo ? 'photo' : 'video'}/${id}`;
}

/** The first line of the caption, shortened; captionless posts get "TikTok video #id". */
export function titleFrom(desc: string | undefined, id: string, photo = false): string {
  const line = (desc ?? '').split('\n').map((l) => l.trim()).find(Boolean);
  if (!line) return `TikTok ${photo ? 'photo' : 'video'} #${id}`;
  return line.length > 100 ? `${line.slice(0, 99).trimEnd()}…` : line;
}

/** TikTok codec names ("h264", "h265_hvc1", "bytevc1", "bytevc2") as RFC 6381-style family names. */
export function videoCodec(name: string | undefined, hevc = false): string | undefined {
  const n = (name ?? '').toLowerCase();
  if (n.includes('bytevc2')) return 'bytevc2';
  if (hevc || n.includes('265') || n.includes('bytevc1') || n.includes('hevc')) return 'hvc1';
  if (n.includes('264') || n === '') return 'avc1';
  return n;
}

/** ByteDance's own VVC-like codec: nothing outside their apps plays it. */
export function isUnplayable(vcodec: string | undefined): boolean {
  return vcodec === 'bytevc2';
}

/**
 * The first URL of a list that can be fetched directly: TikTok also lists
 * www.tiktok.com/aweme/v1/play/ redirectors, which refuse requests without the app's
 * signatures, and /media-video-hvc1/ paths, which are often video-only.
 */
export function playableUrl(urls: ReadonlyArray<string | undefined> | undefined): string | undefined {
  for (const raw of urls ?? []) {
    if (!raw) continue;
    let url: URL;
    try {
      url = new URL(raw.startsWith('//') ? `https:${raw}` : raw);
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    if (url.hostname === 'www.tiktok.com' || url.pathname.includes('/media-video-hvc1/')) continue;
    return url.href;
  }
  return undefined;
}

/** The audio-only format of a music URL: mp3 when TikTok says audio_mpeg, else AAC in m4a. */
export function musicFormat(url: string, headers: Record<string, string> | undefined): Format {
  const mp3 = /mime_type=audio_mpeg/.test(url) || /\.mp3(\?|$)/.test(new URL(url).pathname);
  return compact<Format>({
    id: 'audio',
    url,
    protocol: 'https',
    container: mp3 ? 'mp3' : 'm4a',
    vcodec: null,
    acodec: mp3 ? 'mp3' : 'mp4a.40.2',
    headers,
    note: 'music track',
  });
}

/** Image extension of a TikTok image URL (`…~tplv-photomode-image.jpeg?…`). */
function imageExtension(url: string): string {
  const ext = /\.(jpe?g|webp|heic|png|avif)$/i.exec(url.split('?', 1)[0]!)?.[1]?.toLowerCase();
  return ext === 'jpeg' || ext === undefined ? 'jpg' : ext;
}

/** TikTok lists each photo as webp/heic and jpeg; jpeg is what every Telegram client shows. */
function preferredImage(urls: string[]): string | undefined {
  const usable = urls.map((u) => absoluteUrl(u)).filter((u): u is string => !!u && /^https?:/.test(u));
  return usable.find((u) => /\.jpe?g$/i.test(u.split('?', 1)[0]!)) ?? usable[0];
}

/** The photos of a photo post as carousel entries, one image format each, cut to PLAYLIST_LIMIT. */
export function photoEntries(
  ctx: ExtractContext,
  parent: Pick<MediaInfo, 'id' | 'url' | 'title' | 'uploader' | 'uploaderId' | 'timestamp'>,
  photos: Photo[],
  headersFor: (url: string) => Record<string, string> | undefined,
): Pick<MediaInfo, 'entries' | 'entriesTotal'> {
  const usable = photos
    .map((p) => ({ ...p, url: preferredImage(p.urls) }))
    .filter((p): p is typeof p & { url: string } => !!p.url);
  const limit = ctx.config.playlistLimit;
  const entries = usable.slice(0, limit).map((p, i) =>
    compact<MediaInfo>({
      platform: NAME,
      id: `${parent.id}_${i + 1}`,
      url: parent.url,
      title: usable.length > 1 ? `${parent.title} (${i + 1}/${usable.length})` : parent.title,
      uploader: parent.uploader,
      uploaderId: parent.uploaderId,
      timestamp: parent.timestamp,
      formats: [
        compact<Format>({
          id: 'image',
          url: p.url,
          protocol: 'https',
          container: imageExtension(p.url),
          width: p.width,
          height: p.height,
          image: true,
          headers: headersFor(p.url),
        }),
      ],
    }),
  );
  return compact({ entries, entriesTotal: usable.length > entries.length ? usable.length : undefined });
}

/** Hashtags from both of TikTok's lists (caption text extras and challenges), in order, once each. */
export function hashtags(...lists: Array<Array<string | undefined> | undefined>): string[] | undefined {
  const out = [...new Set(lists.flatMap((l) => l ?? []).map((t) => t?.trim()).filter((t): t is string => !!t))];
  return out.length ? out : undefined;
}
