/**
 * Instagram's two media shapes and how they become a MediaInfo. Threads serves the second one
 * too, so its extractor reads posts through this module.
 *
 * - The graph shape: the web GraphQL query (`data.xdt_shortcode_media`), the older query_hash
 *   query and the embed page (`gql_data.shortcode_media`). Photos in `display_resources`
 *   (smallest first) and `display_url`, a video in `video_url` with an inline DASH manifest in
 *   `dash_info.video_dash_manifest`, carousel children in `edge_sidecar_to_children.edges`.
 * - The API shape: `/api/v1/media/{id}/info/`, `?__a=1&__d=dis`, `feed/reels_media` (stories)
 *   and Threads posts. Photos in `image_versions2.candidates` (largest first), videos in
 *   `video_versions` (+ `video_dash_manifest`), carousel children in `carousel_media`.
 *
 * Both are read into a Post first; postToMediaInfo turns a Post into a MediaInfo, with one
 * entry per item for a carousel.
 */
import type { Format, MediaInfo, MusicInfo } from '../../media/types.js';
import { attributes, compact, decodeEntities, notFound, num, str } from '../page.js';
import { mediaIdToShortcode } from './shortcode.js';
import { uniqueFormatIds, uniqueFormats } from '../unique-formats.js';

/** A user as both shapes carry it (`owner` in the graph shape, `user` in the API shape). */
export interface IgUser {
  id?: string;
  pk?: string | number;
  username?: string;
  full_name?: string;
  is_private?: boolean;
}

/** One photo size of the API shape. */
export interface ApiImageCandidate {
  url?: string;
  width?: number;
  height?: number;
}

/** One progressive MP4 of the API shape. `type` is Instagram's quality id (101, 102, 103…). */
export interface ApiVideoVersion {
  url?: string;
  width?: number | null;
  height?: number | null;
  type?: number;
  id?: string;
}

/** A media item in the API shape (a post, a carousel child, a story item, a Threads post). */
export interface ApiMedia {
  /** The media id; a JSON number here has lost digits, so `id` ("{pk}_{owner}") is preferred. */
  pk?: string | number;
  id?: string;
  code?: string;
  /** 1 photo, 2 video, 8 carousel (19 a Threads text post). */
  media_type?: number;
  product_type?: string;
  taken_at?: number;
  title?: string | null;
  caption?: { text?: string } | null;
  user?: IgUser;
  owner?: IgUser;
  like_count?: number;
  play_count?: number;
  view_count?: number;
  video_duration?: number;
  has_audio?: boolean;
  video_codec?: string;
  original_width?: number;
  original_height?: number;
  video_versions?: ApiVideoVersion[] | null;
  video_dash_manifest?: string | null;
  image_versions2?: { candidates?: ApiImageCandidate[] } | null;
  carousel_media?: ApiMedia[] | null;
  clips_metadata?: {
    music_info?: { music_asset_info?: { title?: string; display_artist?: string } } | null;
    original_sound_info?: { original_audio_title?: string; ig_artist?: { username?: string } } | null;
  } | null;
}

/** One size of a photo in the graph shape. */
export interface GraphResource {
  src?: string;
  config_width?: number;
  config_height?: number;
}

/** A media node in the graph shape (`xdt_shortcode_media`, `shortcode_media`, sidecar children). */
export interface GraphMedia {
  __typename?: string;
  id?: string;
  shortcode?: string;
  dimensions?: { width?: number; height?: number };
  display_url?: string;
  display_resources?: GraphResource[];
  thumbnail_src?: string;
  is_video?: boolean;
  video_url?: string | null;
  video_duration?: number;
  video_view_count?: number;
  video_play_count?: number | null;
  has_audio?: boolean;
  dash_info?: { is_dash_eligible?: boolean; video_dash_manifest?: string | null; number_of_qualities?: number } | null;
  product_type?: string;
  title?: string | null;
  owner?: IgUser;
  edge_media_to_caption?: { edges?: Array<{ node?: { text?: string } }> };
  taken_at_timestamp?: number;
  edge_media_preview_like?: { count?: number };
  edge_liked_by?: { count?: number };
  edge_sidecar_to_children?: { edges?: Array<{ node?: GraphMedia }> } | null;
  clips_music_attribution_info?: { artist_name?: string; song_name?: string; uses_original_audio?: boolean } | null;
}

/** One downloadable item of a post: the post itself, or one carousel child. */
export interface PostItem {
  id: string;
  formats: Format[];
  durationSec?: number;
  thumbnail?: string;
  viewCount?: number;
}

/** What both shapes say about a post, in one vocabulary. */
export interface Post {
  code: string;
  title?: string;
  caption?: string;
  username?: string;
  fullName?: string;
  timestamp?: number;
  likeCount?: number;
  music?: MusicInfo;
  /** A carousel's items become entries, even when only one of them is left. */
  carousel: boolean;
  items: PostItem[];
}

/** Where a Post is shown and how its media is fetched. */
export interface Site {
  platform: string;
  /** Canonical page URL of the post. */
  url: string;
  /** Headers the CDN wants on media requests (Referer). */
  mediaHeaders: Record<string, string>;
  /** The most entries a carousel may give (PLAYLIST_LIMIT). */
  limit: number;
  /** Page URL of carousel item `n` (1-based); the post URL when absent. */
  itemUrl?(n: number): string;
}

// ---------------------------------------------------------------------------------------------
// Graph shape

/** Reads a graph-shape node (a post or a whole sidecar) into a Post. */
export function postFromGraph(media: GraphMedia, code: string, site: Pick<Site, 'mediaHeaders'>): Post {
  const children = (media.edge_sidecar_to_children?.edges ?? []).map((e) => e.node).filter((n): n is GraphMedia => !!n);
  const carousel = children.length > 0;
  const nodes = carousel ? children : [media];
  return compact<Post>({
    code: str(media.shortcode) ?? code,
    title: str(media.title),
    caption: str(media.edge_media_to_caption?.edges?.[0]?.node?.text),
    username: str(media.owner?.username),
    fullName: str(media.owner?.full_name),
    timestamp: num(media.taken_at_timestamp),
    likeCount: num(media.edge_media_preview_like?.count) ?? num(media.edge_liked_by?.count),
    music: graphMusic(media),
    carousel,
    items: nodes.map((node, i) => graphItem(node, carousel ? childId(node.shortcode, node.id, code, i) : code, site.mediaHeaders)),
  });
}

function graphItem(node: GraphMedia, id: string, headers: Record<string, string>): PostItem {
  const photos = graphPhotoFormats(node, headers);
  return compact<PostItem>({
    id,
    formats: node.is_video ? graphVideoFormats(node, headers) : photos,
    durationSec: num(node.video_duration),
    thumbnail: photos[0]?.url ?? str(node.thumbnail_src),
    viewCount: num(node.video_view_count) ?? num(node.video_play_count),
  });
}

function graphVideoFormats(node: GraphMedia, headers: Record<string, string>): Format[] {
  const formats: Format[] = [];
  const url = str(node.video_url);
  if (url) {
    formats.push(
      compact<Format>({
        id: 'mp4',
        url,
        protocol: 'https',
        container: 'mp4',
        width: num(node.dimensions?.width),
        height: num(node.dimensions?.height),
        acodec: node.has_audio === false ? null : undefined,
        headers,
      }),
    );
  }
  const manifest = str(node.dash_info?.video_dash_manifest);
  if (manifest) formats.push(...dashManifestFormats(manifest, headers));
  return formats;
}

function graphPhotoFormats(node: GraphMedia, headers: Record<string, string>): Format[] {
  const sizes: ApiImageCandidate[] = (node.display_resources ?? []).map((r) => compact({ url: r.src, width: r.config_width, height: r.config_height }));
  if (sizes.length === 0 && node.display_url) sizes.push(compact({ url: node.display_url, width: node.dimensions?.width, height: node.dimensions?.height }));
  return photoFormats(sizes, headers);
}

function graphMusic(media: GraphMedia): MusicInfo | undefined {
  const info = media.clips_music_attribution_info;
  const title = str(info?.song_name);
  const author = str(info?.artist_name);
  return title || author ? compact<MusicInfo>({ title, author }) : undefined;
}

/** True when every video in a graph node has a URL (the embed page leaves them out of reels). */
export function graphHasMedia(media: GraphMedia): boolean {
  const children = (media.edge_sidecar_to_children?.edges ?? []).map((e) => e.node).filter((n): n is GraphMedia => !!n);
  const nodes = children.length ? children : [media];
  return nodes.every((n) => (n.is_video ? !!str(n.video_url) : !!(str(n.display_url) || n.display_resources?.length)));
}

// ---------------------------------------------------------------------------------------------
// API shape

/** Reads an API-shape item (a post, a carousel, a story item, a Threads post) into a Post. */
export function postFromApi(media: ApiMedia, code: string, site: Pick<Site, 'mediaHeaders'>): Post {
  const children = media.carousel_media ?? [];
  const carousel = children.length > 0;
  const nodes = carousel ? children : [media];
  const user = media.user ?? media.owner;
  const postCode = str(media.code) ?? code;
  return compact<Post>({
    code: postCode,
    title: str(media.title),
    caption: str(media.caption?.text),
    username: str(user?.username),
    fullName: str(user?.full_name),
    timestamp: num(media.taken_at),
    likeCount: num(media.like_count),
    music: apiMusic(media),
    carousel,
    items: nodes.map((node, i) => apiItem(node, carousel ? childId(node.code, apiMediaId(node), postCode, i) : postCode, site.mediaHeaders)),
  });
}

function apiItem(node: ApiMedia, id: string, headers: Record<string, string>): PostItem {
  const photos = photoFormats(node.image_versions2?.candidates ?? [], headers);
  const videos = apiVideoFormats(node, headers);
  return compact<PostItem>({
    id,
    formats: videos.length ? videos : photos,
    durationSec: videos.length ? num(node.video_duration) : undefined,
    thumbnail: photos[0]?.url,
    viewCount: num(node.play_count) ?? num(node.view_count),
  });
}

function apiVideoFormats(node: ApiMedia, headers: Record<string, string>): Format[] {
  const versions = (node.video_versions ?? []).flatMap((v) => {
    const url = str(v.url);
    return url
      ? [
          compact<Format>({
            id: v.type !== undefined ? `mp4-${v.type}` : 'mp4',
            url,
            protocol: 'https',
            container: 'mp4',
            // Threads leaves the versions' sizes out; the item's original size is the best guess
            width: num(v.width) ?? num(node.original_width),
            height: num(v.height) ?? num(node.original_height),
            vcodec: str(node.video_codec),
            acodec: node.has_audio === false ? null : undefined,
            headers,
          }),
        ]
      : [];
  });
  const formats = uniqueFormats(versions);
  const manifest = str(node.video_dash_manifest);
  if (manifest) formats.push(...dashManifestFormats(manifest, headers));
  return formats;
}

function apiMusic(media: ApiMedia): MusicInfo | undefined {
  const asset = media.clips_metadata?.music_info?.music_asset_info;
  const sound = media.clips_metadata?.original_sound_info;
  const title = str(asset?.title) ?? str(sound?.original_audio_title);
  const author = str(asset?.display_artist) ?? str(sound?.ig_artist?.username);
  return title || author ? compact<MusicInfo>({ title, author }) : undefined;
}

/** The exact media id of an API item: a string `pk`, or the part of `id` before the owner. */
export function apiMediaId(media: ApiMedia): string | undefined {
  if (typeof media.pk === 'string' && /^\d+$/.test(media.pk)) return media.pk;
  const fromId = media.id?.split('_')[0];
  return fromId && /^\d+$/.test(fromId) ? fromId : undefined;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** A carousel child's id: its own shortcode, one made from its media id, or `{post}_{n}`. */
function childId(shortcode: string | undefined, mediaId: string | undefined, postCode: string, index: number): string {
  if (str(shortcode)) return shortcode!;
  if (mediaId && /^\d+$/.test(mediaId)) return mediaIdToShortcode(mediaId);
  return `${postCode}_${index + 1}`;
}

/** Photo sizes as image formats, largest first, one per distinct URL. */
function photoFormats(sizes: ApiImageCandidate[], headers: Record<string, string>): Format[] {
  const area = (s: ApiImageCandidate) => (s.width ?? 0) * (s.height ?? 0);
  const formats = [...sizes]
    .sort((a, b) => area(b) - area(a))
    .flatMap((size) => {
      const url = str(size.url);
      if (!url) return [];
      const container = imageContainer(url);
      const width = num(size.width);
      const height = num(size.height);
      const id = width && height ? `${container}-${width}x${height}` : container;
      return [compact<Format>({ id, url, protocol: 'https', container, width, height, image: true, headers })];
    });
  return uniqueFormats(formats);
}

/** The file type of a CDN image URL; `stp=dst-jpg` asks the CDN for a JPEG whatever the path says. */
function imageContainer(url: string): string {
  let ext = '';
  try {
    ext = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? '';
  } catch {
    return 'jpg';
  }
  if (ext === 'jpeg' || (ext === 'webp' && url.includes('dst-jpg'))) return 'jpg';
  return ['jpg', 'png', 'webp', 'heic'].includes(ext) ? ext : 'jpg';
}

/**
 * The representations of an inline DASH manifest (`video_dash_manifest`) as direct formats.
 * Instagram's manifests are on-demand profile: every Representation is one whole MP4 at its
 * BaseURL (video-only or audio-only), so each is fetched over HTTPS and merged by ffmpeg.
 */
export function dashManifestFormats(manifest: string, headers: Record<string, string>): Format[] {
  const formats: Format[] = [];
  for (const set of manifest.matchAll(/<AdaptationSet\b([^>]*)>([\s\S]*?)<\/AdaptationSet>/gi)) {
    const setAttrs = attributes(set[1]!);
    for (const rep of set[2]!.matchAll(/<Representation\b([^>]*)>([\s\S]*?)<\/Representation>/gi)) {
      const a = { ...setAttrs, ...attributes(rep[1]!) };
      const base = /<BaseURL>([\s\S]*?)<\/BaseURL>/i.exec(rep[2]!)?.[1];
      const url = base ? str(decodeEntities(base)) : undefined;
      if (!url) continue;
      const audio = (a.mimetype ?? '').startsWith('audio/') || a.contenttype === 'audio';
      const bandwidth = num(a.bandwidth);
      const common = {
        id: `dash-${a.id ?? formats.length}`,
        url,
        protocol: 'https' as const,
        bitrateKbps: bandwidth ? Math.round(bandwidth / 1000) : undefined,
        headers,
      };
      formats.push(
        audio
          ? compact<Format>({ ...common, container: 'm4a', vcodec: null, acodec: str(a.codecs) })
          : compact<Format>({
              ...common,
              container: 'mp4',
              vcodec: str(a.codecs),
              acodec: null,
              width: num(a.width),
              height: num(a.height),
              fps: frameRate(a.framerate),
              note: str(a.fbqualitylabel),
            }),
      );
    }
  }
  return uniqueFormatIds(formats);
}

function frameRate(value: string | undefined): number | undefined {
  const [n, d] = (value ?? '').split('/').map(Number);
  const fps = d ? n! / d : n;
  return fps && Number.isFinite(fps) ? Math.round(fps) : undefined;
}

/** Hashtags of a caption, without the `#`, each once. */
export function hashtags(text: string | undefined): string[] | undefined {
  const tags = [...new Set([...(text ?? '').matchAll(/#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]!))];
  return tags.length ? tags : undefined;
}

/** A post's title: its own (IGTV), else the caption's first line, else "Video/Post by @user". */
function postTitle(post: Post): string {
  if (post.title) return post.title;
  const line = post.caption?.split('\n').map((l) => l.trim()).find(Boolean);
  if (line) return line.length > 100 ? `${line.slice(0, 99).trimEnd()}…` : line;
  const isVideo = !post.carousel && post.items[0]?.formats.some((f) => !f.image);
  return `${isVideo ? 'Video' : 'Post'} by ${post.username ? `@${post.username}` : post.code}`;
}

/**
 * The MediaInfo of a post: one item's formats directly, a carousel as entries (cut to
 * `site.limit`, with `entriesTotal` when cut). Items without any format are left out; a post
 * left with nothing is content.not_found.
 */
export function postToMediaInfo(post: Post, site: Site): MediaInfo {
  const title = postTitle(post);
  const meta = {
    platform: site.platform,
    uploader: post.fullName ?? post.username,
    uploaderId: post.username,
    description: post.caption,
    tags: hashtags(post.caption),
    timestamp: post.timestamp,
    likeCount: post.likeCount,
    music: post.music,
  };
  const items = post.items.filter((i) => i.formats.length > 0);
  if (items.length === 0) throw notFound(site.platform, site.url, 'This post has no video or photo to download.');
  if (!post.carousel) {
    const item = items[0]!;
    return compact<MediaInfo>({
      ...meta,
      id: post.code,
      url: site.url,
      title,
      durationSec: item.durationSec,
      thumbnail: item.thumbnail,
      viewCount: item.viewCount,
      formats: item.formats,
    });
  }
  const shown = items.slice(0, site.limit);
  const entries = shown.map((item, i) =>
    compact<MediaInfo>({
      ...meta,
      id: item.id,
      url: site.itemUrl?.(i + 1) ?? site.url,
      title: `${title} (${i + 1}/${items.length})`,
      durationSec: item.durationSec,
      thumbnail: item.thumbnail,
      viewCount: item.viewCount,
      formats: item.formats,
    }),
  );
  return compact<MediaInfo>({
    ...meta,
    id: post.code,
    url: site.url,
    title,
    thumbnail: shown[0]?.thumbnail,
    formats: [],
    entries,
    entriesTotal: items.length > shown.length ? items.length : undefined,
  });
}
