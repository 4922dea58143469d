/**
 * What to download for a user: the DownloadRequest that follows from their settings or from a
 * button they pressed, the canonical key the file_id cache uses for it, and the next lower
 * quality to try when a file is too big for Telegram. Pure functions.
 */
import type { DownloadRequest, Quality } from '../media/types.js';
import type { UserSettings } from './store.js';

/** What a quality button (or an automatic fallback) asks for. */
export const CHOICES = ['best', '1080p', '720p', '480p', '360p', 'worst', 'audio'] as const;
/** One of CHOICES. */
export type Choice = (typeof CHOICES)[number];

/** The buttons under a link when the user's setting is "ask". */
export const KEYBOARD_CHOICES: readonly Choice[] = ['best', '1080p', '720p', '480p', 'audio'];

/** Resolutions from high to low, the ladder a too-large video walks down. */
const LADDER: ReadonlyArray<[Quality, number]> = [
  ['2160p', 2160],
  ['1440p', 1440],
  ['1080p', 1080],
  ['720p', 720],
  ['480p', 480],
  ['360p', 360],
];

/** True when `value` is a known choice (callback data is untrusted input). */
export function isChoice(value: string): value is Choice {
  return (CHOICES as readonly string[]).includes(value);
}

/**
 * The request for a user's settings, or for an explicit `choice` (a button). Audio comes from
 * the choice "audio" or from the format setting; the watermark preference always applies.
 */
export function requestFor(settings: UserSettings, choice?: Choice): DownloadRequest {
  const audio = choice === 'audio' || (choice === undefined && settings.format === 'audio');
  if (audio) return { quality: 'audio', audioFormat: settings.audioFormat, noWatermark: settings.noWatermark };
  const quality: Quality = choice ?? (settings.quality === 'ask' ? 'best' : settings.quality);
  return { quality, noWatermark: settings.noWatermark };
}

/**
 * The file_id cache key: canonical platform + id + quality + format. Two links to the same
 * media asked for in the same way share one key, so the second is answered without a download.
 */
export function cacheKey(platform: string, id: string, request: DownloadRequest): string {
  const format = request.quality === 'audio' ? (request.audioFormat ?? 'm4a') : 'video';
  return `${platform}:${id}:${request.quality}:${format}`;
}

/**
 * The next quality to try after a `current` download came out too big, given the short side
 * of the frame it had (`heightP`): the highest ladder step below it, then `worst`; undefined
 * when nothing lower exists (audio, or `worst` already tried).
 */
export function lowerQuality(current: Quality, heightP?: number): Quality | undefined {
  if (current === 'audio' || current === 'worst') return undefined;
  const ceiling = heightP ?? LADDER.find(([q]) => q === current)?.[1] ?? Infinity;
  const next = LADDER.find(([, p]) => p < ceiling)?.[0];
  return next ?? 'worst';
}
