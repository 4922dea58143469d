/**
 * DASH: a parser for MPD manifests (ISO/IEC 23009-1) that turns every Representation into a
 * Format, and a native downloader for one Representation: SegmentTemplate (number or
 * timeline), SegmentList and single-file SegmentBase/BaseURL addressing, BaseURL inheritance.
 */
import { rename, rm } from 'node:fs/promises';
import { Parser } from 'htmlparser2';
import type { Format } from './types.js';
import type { Ffmpeg } from './ffmpeg.js';
import { downloadToFile, type TransferResult } from './downloader.js';
import { fetchSegments, type Segment, type SegmentOptions } from './segments.js';
import { splitCodecs } from './hls.js';
import { isoDurationSeconds } from './iso-duration.js';
import { DownloadError } from '../utils/errors.js';
import { type HttpClient, readText } from '../utils/http.js';

/** A parsed XML element: just what an MPD needs. */
interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Segments one representation may have; a VOD of hours at 2 s segments fits easily. */
const MAX_SEGMENTS = 50_000;

/** Parses XML into a small tree; namespace prefixes are dropped (`cenc:pssh` → `pssh`). */
function parseXml(text: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const node: XmlNode = { name: name.replace(/^.*:/, ''), attrs, children: [], text: '' };
        stack[stack.length - 1]!.children.push(node);
        stack.push(node);
      },
      ontext(text) {
        stack[stack.length - 1]!.text += text;
      },
      onclosetag() {
        if (stack.length > 1) stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(text);
  parser.end();
  return root;
}

const child = (node: XmlNode | undefined, name: string) => node?.children.find((c) => c.name === name);
const children = (node: XmlNode | undefined, name: string) => node?.children.filter((c) => c.name === name) ?? [];

/** xs:duration (PT1H2M3.5S) in seconds; xs:duration is the ISO 8601 duration, so this is the shared parser under its DASH name. */
export const parseXsDuration = isoDurationSeconds;

/** A Representation with everything it inherits from its AdaptationSet, Period and MPD. */
interface ResolvedRepresentation {
  id: string;
  attrs: Record<string, string>;
  contentType: 'video' | 'audio' | 'text' | 'image' | undefined;
  baseUrl: string;
  template?: XmlNode;
  list?: XmlNode;
  segmentBase?: XmlNode;
  periodDurationSec?: number;
  protected: boolean;
  language?: string;
}

function joinBase(base: string, node: XmlNode | undefined): string {
  const own = child(node, 'BaseURL')?.text.trim();
  return own ? new URL(own, base).href : base;
}

function representations(text: string, manifestUrl: string): { reps: ResolvedRepresentation[]; live: boolean } {
  const mpd = child(parseXml(text), 'MPD');
  if (!mpd) throw new DownloadError('fetch.failed', 'Not a DASH manifest (no <MPD>).', { url: manifestUrl }, { retriable: false });
  const live = mpd.attrs.type === 'dynamic';
  const mpdBase = joinBase(manifestUrl, mpd);
  const mpdDuration = isoDurationSeconds(mpd.attrs.mediaPresentationDuration);
  const reps: ResolvedRepresentation[] = [];
  // the first Period holds the programme; later ones are usually ads or bumpers
  const period = children(mpd, 'Period')[0];
  if (!period) return { reps, live };
  const periodBase = joinBase(mpdBase, period);
  const periodDurationSec = isoDurationSeconds(period.attrs.duration) ?? mpdDuration;
  for (const set of children(period, 'AdaptationSet')) {
    const setBase = joinBase(periodBase, set);
    for (const rep of children(set, 'Representation')) {
      const attrs = { ...set.attrs, ...rep.attrs };
      const mime = attrs.mimeType ?? '';
      const type = (set.attrs.contentType ?? mime.split('/')[0]) as ResolvedRepresentation['contentType'];
      const r: ResolvedRepresentation = {
        id: rep.attrs.id ?? String(reps.length),
        attrs,
        contentType: type === 'video' || type === 'audio' || type === 'text' || type === 'image' ? type : undefined,
        baseUrl: joinBase(setBase, rep),
        protected: children(set, 'ContentProtection').length > 0 || children(rep, 'ContentProtection').length > 0,
      };
      const template = child(rep, 'SegmentTemplate') ?? child(set, 'SegmentTemplate') ?? child(period, 'SegmentTemplate');
      const list = child(rep, 'SegmentList') ?? child(set, 'SegmentList');
      const segmentBase = child(rep, 'SegmentBase') ?? child(set, 'SegmentBase');
      if (template) r.template = mergeTemplate(template, child(set, 'SegmentTemplate'));
      if (list) r.list = list;
      if (segmentBase) r.segmentBase = segmentBase;
      if (periodDurationSec !== undefined) r.periodDurationSec = periodDurationSec;
      if (set.attrs.lang) r.language = set.attrs.lang;
      reps.push(r);
    }
  }
  return { reps, live };
}

/** A Representation's SegmentTemplate inherits the AdaptationSet's attributes and timeline. */
function mergeTemplate(own: XmlNode, inherited: XmlNode | undefined): XmlNode {
  if (!inherited || inherited === own) return own;
  return { ...own, attrs: { ...inherited.attrs, ...own.attrs }, children: own.children.length ? own.children : inherited.children };
}

/**
 * Every playable Representation of the manifest at `manifestUrl` as a Format whose
 * `manifestStreamId` names it. DRM-protected and text/image tracks are left out.
 */
export function parseMpd(text: string, manifestUrl: string): Format[] {
  const { reps } = representations(text, manifestUrl);
  const formats: Format[] = [];
  for (const r of reps) {
    if (r.protected || r.contentType === 'text' || r.contentType === 'image') continue;
    const codecs = splitCodecs(r.attrs.codecs);
    const mime = r.attrs.mimeType ?? '';
    const isAudio = r.contentType === 'audio' || (!codecs.vcodec && !!codecs.acodec);
    const isVideo = r.contentType === 'video' || !!codecs.vcodec;
    const container = mime.includes('webm') ? 'webm' : isAudio && !isVideo ? 'm4a' : 'mp4';
    const f: Format = { id: `dash-${r.id}`, url: manifestUrl, protocol: 'dash', container, manifestStreamId: r.id };
    if (isAudio && !isVideo) {
      f.vcodec = null;
      if (codecs.acodec) f.acodec = codecs.acodec;
      if (r.language) f.language = r.language;
    } else {
      if (codecs.vcodec) f.vcodec = codecs.vcodec;
      f.acodec = codecs.acodec ?? null;
      const width = Number(r.attrs.width);
      const height = Number(r.attrs.height);
      if (width && height) Object.assign(f, { width, height });
      const fps = frameRate(r.attrs.frameRate);
      if (fps) f.fps = fps;
    }
    const bandwidth = Number(r.attrs.bandwidth);
    if (bandwidth) {
      f.bitrateKbps = Math.round(bandwidth / 1000);
      if (r.periodDurationSec) {
        f.filesizeBytes = Math.round((bandwidth / 8) * r.periodDurationSec);
        f.filesizeApprox = true;
      }
    }
    formats.push(f);
  }
  return formats;
}

function frameRate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const [n, d] = value.split('/').map(Number);
  const fps = d ? n! / d : n!;
  return Number.isFinite(fps) && fps > 0 ? Math.round(fps) : undefined;
}

/** Fills a SegmentTemplate pattern: $RepresentationID$, $Number%05d$, $Time$, $Bandwidth$, $$. */
export function fillTemplate(pattern: string, values: { RepresentationID: string; Number?: number; Time?: number; Bandwidth?: string }): string {
  return pattern.replace(/\$(RepresentationID|Number|Time|Bandwidth)?(%0(\d+)d)?\$/g, (_all, name: string | undefined, _fmt, width: string | undefined) => {
    if (!name) return '$';
    const value = String(values[name as keyof typeof values] ?? '');
    return width ? value.padStart(Number(width), '0') : value;
  });
}

/** The segments (init first) of one representation, or the single file it lives in. */
export function representationSegments(text: string, manifestUrl: string, representationId: string): { segments: Segment[]; single?: string } {
  const { reps, live } = representations(text, manifestUrl);
  if (live) throw new DownloadError('content.live', undefined, { url: manifestUrl });
  const r = reps.find((x) => x.id === representationId);
  if (!r) throw new DownloadError('content.not_found', `The manifest has no representation "${representationId}".`, { url: manifestUrl });
  if (r.protected) throw new DownloadError('link.unsupported', 'The stream is DRM-protected.', { url: manifestUrl });
  const abs = (u: string) => new URL(u, r.baseUrl).href;
  const vars = { RepresentationID: r.id, ...(r.attrs.bandwidth ? { Bandwidth: r.attrs.bandwidth } : {}) };
  if (r.template) {
    const t = r.template.attrs;
    const segments: Segment[] = [];
    if (t.initialization) segments.push({ url: abs(fillTemplate(t.initialization, vars)) });
    const timescale = Number(t.timescale ?? 1) || 1;
    const startNumber = Number(t.startNumber ?? 1);
    const timeline = child(r.template, 'SegmentTimeline');
    if (timeline) {
      let time = 0;
      let number = startNumber;
      for (const s of children(timeline, 'S')) {
        if (s.attrs.t !== undefined) time = Number(s.attrs.t);
        const d = Number(s.attrs.d);
        const repeat = Number(s.attrs.r ?? 0);
        // r = -1 repeats until the end of the period
        const count = repeat >= 0 ? repeat + 1 : Math.ceil(((r.periodDurationSec ?? 0) * timescale - time) / d);
        for (let i = 0; i < count && segments.length <= MAX_SEGMENTS; i++) {
          segments.push({ url: abs(fillTemplate(t.media ?? '', { ...vars, Number: number++, Time: time })) });
          time += d;
        }
      }
    } else {
      const d = Number(t.duration);
      if (!d || !r.periodDurationSec) throw new DownloadError('fetch.failed', 'The DASH template has no duration to count segments by.', { url: manifestUrl }, { retriable: false });
      const count = Math.ceil((r.periodDurationSec * timescale) / d);
      if (count > MAX_SEGMENTS) throw new DownloadError('content.too_large', 'The stream has too many segments.', { url: manifestUrl });
      for (let i = 0; i < count; i++) segments.push({ url: abs(fillTemplate(t.media ?? '', { ...vars, Number: startNumber + i, Time: i * d })) });
    }
    return { segments };
  }
  if (r.list) {
    const segments: Segment[] = [];
    const init = child(r.list, 'Initialization');
    if (init) segments.push(withRange({ url: init.attrs.sourceURL ? abs(init.attrs.sourceURL) : r.baseUrl }, init.attrs.range));
    for (const s of children(r.list, 'SegmentURL')) {
      segments.push(withRange({ url: s.attrs.media ? abs(s.attrs.media) : r.baseUrl }, s.attrs.mediaRange));
    }
    return { segments };
  }
  // SegmentBase or a bare BaseURL: the whole representation is one file
  return { segments: [], single: r.baseUrl };
}

function withRange(segment: Segment, range: string | undefined): Segment {
  const m = /^(\d+)-(\d+)$/.exec(range ?? '');
  if (m) segment.range = { start: Number(m[1]), end: Number(m[2]) };
  return segment;
}

export interface DashDownloadOptions extends SegmentOptions {
  /** Remuxes the fetched fragments into a plain (faststart) MP4/WebM. */
  ffmpeg?: Ffmpeg;
}

/** Downloads one Representation of the manifest at `manifestUrl` into `target`. */
export async function downloadDashRepresentation(
  http: HttpClient,
  manifestUrl: string,
  representationId: string,
  target: string,
  options: DashDownloadOptions = {},
): Promise<TransferResult> {
  const res = await http.request(manifestUrl, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const text = await readText(res, MAX_MANIFEST_BYTES);
  const { segments, single } = representationSegments(text, res.url, representationId);
  const raw = `${target}.part`;
  try {
    const result = single ? await downloadToFile(http, single, raw, options) : await fetchSegments(http, segments, raw, options);
    if (options.ffmpeg) {
      const ext = target.slice(target.lastIndexOf('.'));
      await options.ffmpeg.remux(raw, `${raw}${ext}`, options.signal ? { signal: options.signal } : {});
      await rename(`${raw}${ext}`, target);
    } else {
      await rename(raw, target);
    }
    return result;
  } finally {
    await rm(raw, { force: true });
  }
}
