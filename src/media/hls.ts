/**
 * HLS: a parser for master and media playlists (RFC 8216) and a native downloader that fetches
 * the segments itself (several at a time, AES-128 decrypted, byte ranges honoured) and lets
 * ffmpeg remux the result into MP4 from a local file.
 */
import { rename, rm } from 'node:fs/promises';
import type { Format } from './types.js';
import type { Ffmpeg } from './ffmpeg.js';
import { fetchSegments, type Segment, type SegmentOptions } from './segments.js';
import type { TransferResult } from './downloader.js';
import { DownloadError } from '../utils/errors.js';
import { type HttpClient, readText } from '../utils/http.js';

/** A master playlist: its variants (and audio renditions) as formats. */
export interface HlsMaster {
  kind: 'master';
  variants: Format[];
}

/** A media playlist: the segments of one rendition. */
export interface HlsMedia {
  kind: 'media';
  segments: Segment[];
  /** An initialization section (EXT-X-MAP) fetched once before the segments: fMP4 streams. */
  init?: Segment;
  totalDurationSec: number;
  /** EXT-X-ENDLIST was seen: a finished (VOD) stream, not a live one. */
  endList: boolean;
  encrypted: boolean;
  /** SAMPLE-AES or another method we cannot decrypt (DRM). */
  unsupportedEncryption?: string;
}

export type HlsPlaylist = HlsMaster | HlsMedia;

const MAX_PLAYLIST_BYTES = 8 * 1024 * 1024;

/** Parses an attribute list: `BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360`. */
export function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m[2]!;
    out[m[1]!] = value.startsWith('"') ? value.slice(1, -1) : value;
  }
  return out;
}

const VIDEO_CODEC = /^(avc[1-4]|hvc1|hev1|dvh[1e]|vp0?[89]|vp09|av01|mp4v|theora)/i;
const AUDIO_CODEC = /^(mp4a|opus|vorbis|flac|ac-3|ec-3|mp3|alac)/i;

/** Splits an RFC 6381 codecs list (a string, or its items) into its video and audio codec. */
export function splitCodecs(codecs: string | readonly string[] | undefined): { vcodec?: string; acodec?: string } {
  const out: { vcodec?: string; acodec?: string } = {};
  const items = typeof codecs === 'string' || codecs === undefined ? (codecs ?? '').split(',') : codecs;
  for (const c of items.map((s) => s.trim()).filter(Boolean)) {
    if (VIDEO_CODEC.test(c)) out.vcodec ??= c;
    else if (AUDIO_CODEC.test(c)) out.acodec ??= c;
  }
  return out;
}

/** Parses a playlist fetched from `baseUrl` (relative URIs resolve against it). */
export function parseHlsPlaylist(text: string, baseUrl: string): HlsPlaylist {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== '#EXTM3U') throw new DownloadError('fetch.failed', 'Not an HLS playlist (no #EXTM3U).', { url: baseUrl }, { retriable: false });
  const resolve = (uri: string) => new URL(uri, baseUrl).href;
  return lines.some((l) => l.startsWith('#EXT-X-STREAM-INF')) ? parseMaster(lines, resolve) : parseMedia(lines, resolve, baseUrl);
}

function parseMaster(lines: string[], resolve: (uri: string) => string): HlsMaster {
  const audioGroups = new Map<string, Array<Record<string, string>>>();
  for (const line of lines) {
    if (!line.startsWith('#EXT-X-MEDIA:')) continue;
    const a = parseAttributes(line.slice('#EXT-X-MEDIA:'.length));
    if (a.TYPE !== 'AUDIO' || !a['GROUP-ID']) continue;
    audioGroups.set(a['GROUP-ID'], [...(audioGroups.get(a['GROUP-ID']) ?? []), a]);
  }
  const variants: Format[] = [];
  const groupCodec = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const uri = lines.slice(i + 1).find((l) => !l.startsWith('#'));
    if (!uri) continue;
    const a = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
    const bandwidth = Number(a['AVERAGE-BANDWIDTH'] ?? a.BANDWIDTH);
    const [w, h] = (a.RESOLUTION ?? '').split('x').map(Number);
    const codecs = splitCodecs(a.CODECS);
    // a variant whose audio group has its own playlists carries no audio itself
    const separateAudio = a.AUDIO ? (audioGroups.get(a.AUDIO) ?? []).some((r) => r.URI) : false;
    if (a.AUDIO && codecs.acodec) groupCodec.set(a.AUDIO, codecs.acodec);
    const f: Format = {
      id: `hls-${h ? `${h}p` : Number.isFinite(bandwidth) ? `${Math.round(bandwidth / 1000)}k` : variants.length}`,
      url: resolve(uri),
      protocol: 'hls',
      container: 'mp4',
    };
    if (w && h) Object.assign(f, { width: w, height: h });
    if (codecs.vcodec) f.vcodec = codecs.vcodec;
    else if (a.CODECS && !h) f.vcodec = null; // an audio-only variant lists only an audio codec
    if (separateAudio) f.acodec = null;
    else if (codecs.acodec) f.acodec = codecs.acodec;
    if (a['FRAME-RATE']) f.fps = Math.round(Number(a['FRAME-RATE']));
    if (Number.isFinite(bandwidth)) f.bitrateKbps = Math.round(bandwidth / 1000);
    if (a['VIDEO-RANGE'] === 'PQ' || a['VIDEO-RANGE'] === 'HLG') f.dynamicRange = 'HDR';
    variants.push(f);
  }
  for (const [group, renditions] of audioGroups) {
    for (const r of renditions) {
      if (!r.URI) continue;
      const f: Format = { id: `hls-audio-${group}${r.LANGUAGE ? `-${r.LANGUAGE}` : ''}`, url: resolve(r.URI), protocol: 'hls', container: 'm4a', vcodec: null };
      const acodec = groupCodec.get(group);
      if (acodec) f.acodec = acodec;
      if (r.LANGUAGE) f.language = r.LANGUAGE;
      if (r.DEFAULT === 'YES') f.defaultAudio = true;
      if (r.NAME) f.note = r.NAME;
      variants.push(f);
    }
  }
  return { kind: 'master', variants };
}

function parseMedia(lines: string[], resolve: (uri: string) => string, baseUrl: string): HlsMedia {
  const out: HlsMedia = { kind: 'media', segments: [], totalDurationSec: 0, endList: false, encrypted: false };
  let sequence = 0;
  let duration = 0;
  let key: { url: string; iv?: Buffer } | undefined;
  let range: { start: number; end: number } | undefined;
  let nextOffset = 0;
  const byteRange = (spec: string) => {
    const [length, offset] = spec.split('@').map(Number);
    const start = offset !== undefined && Number.isFinite(offset) ? offset : nextOffset;
    nextOffset = start + length!;
    return { start, end: start + length! - 1 };
  };
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = Number(line.split(':')[1]) || 0;
    else if (line.startsWith('#EXTINF:')) duration = parseFloat(line.slice(8)) || 0;
    else if (line.startsWith('#EXT-X-BYTERANGE:')) range = byteRange(line.slice(17));
    else if (line === '#EXT-X-ENDLIST') out.endList = true;
    else if (line.startsWith('#EXT-X-PLAYLIST-TYPE:VOD')) out.endList = true;
    else if (line.startsWith('#EXT-X-KEY:')) {
      const a = parseAttributes(line.slice(11));
      if (a.METHOD === 'NONE') key = undefined;
      else if (a.METHOD === 'AES-128' && a.URI) {
        key = { url: resolve(a.URI), ...(a.IV ? { iv: Buffer.from(a.IV.replace(/^0x/i, '').padStart(32, '0'), 'hex') } : {}) };
        out.encrypted = true;
      } else {
        out.encrypted = true;
        out.unsupportedEncryption = a.METHOD ?? 'unknown';
      }
    } else if (line.startsWith('#EXT-X-MAP:')) {
      const a = parseAttributes(line.slice(11));
      if (a.URI) {
        const init: Segment = { url: resolve(a.URI) };
        if (a.BYTERANGE) {
          const [length, offset] = a.BYTERANGE.split('@').map(Number);
          init.range = { start: offset ?? 0, end: (offset ?? 0) + length! - 1 };
        }
        out.init = init;
      }
    } else if (!line.startsWith('#')) {
      const segment: Segment = { url: resolve(line) };
      if (range) segment.range = range;
      else nextOffset = 0;
      if (key) {
        // without an explicit IV, the IV is the segment's media sequence number (RFC 8216 5.2)
        const iv = key.iv ?? Buffer.alloc(16);
        if (!key.iv) iv.writeUInt32BE(sequence + out.segments.length, 12);
        segment.key = { url: key.url, iv };
      }
      out.segments.push(segment);
      out.totalDurationSec += duration;
      duration = 0;
      range = undefined;
    }
  }
  if (out.segments.length === 0 && out.endList) {
    throw new DownloadError('content.not_found', 'The HLS playlist has no segments.', { url: baseUrl });
  }
  out.totalDurationSec = Math.round(out.totalDurationSec * 1000) / 1000;
  return out;
}

export interface HlsDownloadOptions extends SegmentOptions {
  /** Remuxes the fetched segments into an MP4; without it the raw stream (TS or fMP4) is kept. */
  ffmpeg?: Ffmpeg;
}

/**
 * Downloads the HLS stream at `url` into `target` (an MP4 when ffmpeg is given). A master
 * playlist is followed to its highest-bandwidth variant; a live stream is refused.
 */
export async function downloadHls(http: HttpClient, url: string, target: string, options: HlsDownloadOptions = {}): Promise<TransferResult> {
  let playlist = await fetchPlaylist(http, url, options);
  let mediaUrl = url;
  if (playlist.kind === 'master') {
    const best = [...playlist.variants].filter((v) => v.vcodec !== null).sort((a, b) => (b.bitrateKbps ?? 0) - (a.bitrateKbps ?? 0))[0]
      ?? playlist.variants[0];
    if (!best) throw new DownloadError('content.not_found', 'The HLS master playlist lists no variants.', { url });
    mediaUrl = best.url;
    playlist = await fetchPlaylist(http, mediaUrl, options);
    if (playlist.kind === 'master') throw new DownloadError('fetch.failed', 'An HLS variant is itself a master playlist.', { url: mediaUrl }, { retriable: false });
  }
  if (!playlist.endList) throw new DownloadError('content.live', undefined, { url });
  if (playlist.unsupportedEncryption) {
    throw new DownloadError('link.unsupported', `The stream is protected with ${playlist.unsupportedEncryption} (DRM).`, { url: mediaUrl });
  }
  const segments = playlist.init ? [playlist.init, ...playlist.segments] : playlist.segments;
  if (!options.ffmpeg) return fetchSegments(http, segments, target, options);
  const raw = `${target}.${playlist.init ? 'm4s' : 'ts'}`;
  try {
    const result = await fetchSegments(http, segments, raw, options);
    await options.ffmpeg.remux(raw, `${target}.mp4`, options.signal ? { signal: options.signal } : {});
    await rename(`${target}.mp4`, target);
    return result;
  } finally {
    await rm(raw, { force: true });
    await rm(`${target}.mp4`, { force: true });
  }
}

async function fetchPlaylist(http: HttpClient, url: string, options: SegmentOptions): Promise<HlsPlaylist> {
  const res = await http.request(url, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  // relative segment URIs resolve against where the playlist really came from, after redirects
  return parseHlsPlaylist(await readText(res, MAX_PLAYLIST_BYTES), res.url);
}
