/**
 * Turning a platform's HLS or DASH manifest URL into formats: fetch it through the guarded
 * client and let the media layer's parsers list the variants. A media playlist (no variants)
 * becomes one format.
 */
import { requestOptions, type ExtractContext } from './base.js';
import type { Format } from '../media/types.js';
import { parseHlsPlaylist } from '../media/hls.js';
import { parseMpd } from '../media/dash.js';
import { readText } from '../utils/http.js';

const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

interface ManifestOptions {
  platform: string;
  headers?: Record<string, string>;
  /** Prefix for format ids ("hls" by default). */
  idPrefix?: string;
}

/** The variants of an HLS playlist as formats (headers carried to every media request). */
export async function hlsFormats(ctx: ExtractContext, url: string, options: ManifestOptions): Promise<Format[]> {
  const res = await ctx.http.request(url, request(ctx, options));
  const playlist = parseHlsPlaylist(await readText(res, MAX_MANIFEST_BYTES), res.url);
  const formats: Format[] = playlist.kind === 'master' ? playlist.variants : [{ id: 'hls', url: res.url, protocol: 'hls', container: 'mp4' }];
  return formats.map((f) => decorate(f, options));
}

/** The representations of a DASH manifest as formats. */
export async function dashFormats(ctx: ExtractContext, url: string, options: ManifestOptions): Promise<Format[]> {
  const res = await ctx.http.request(url, request(ctx, options));
  return parseMpd(await readText(res, MAX_MANIFEST_BYTES), res.url).map((f) => decorate(f, options));
}

function request(ctx: ExtractContext, options: ManifestOptions) {
  return requestOptions(ctx, options.platform, options.headers ? { headers: options.headers } : {});
}

function decorate(f: Format, options: ManifestOptions): Format {
  const out: Format = { ...f };
  if (options.idPrefix) out.id = out.id.replace(/^(hls|dash)/, options.idPrefix);
  if (options.headers) out.headers = { ...options.headers, ...f.headers };
  return out;
}
