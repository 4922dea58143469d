/**
 * The bot's media decisions as tables: how files are sent (kind, albums, upload by path or
 * bytes, the size limit), what a user's settings ask for, the cache key, and the next lower
 * quality after a too-large file.
 */
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputFile } from 'grammy';
import { describe, expect, it } from 'vitest';
import {
  balancedSizes,
  CLOUD_UPLOAD_LIMIT_BYTES,
  LOCAL_UPLOAD_LIMIT_BYTES,
  mediaInput,
  planSends,
  telegramKind,
  uploadLimitBytes,
  type Outgoing,
} from '../../src/bot/send.js';
import { cacheKey, lowerQuality, requestFor } from '../../src/bot/request.js';
import { jobDir, removeStaleJobDirs } from '../../src/bot/job-handler.js';
import { DEFAULT_SETTINGS } from '../../src/bot/store.js';
import type { DownloadedFile } from '../../src/core/download-service.js';
import type { Format } from '../../src/media/types.js';

const MB = 1024 * 1024;

describe('upload limit and input', () => {
  it('is 50 MB through the cloud API and 2000 MB through a local Bot API server', () => {
    expect(uploadLimitBytes(false)).toBe(50 * MB);
    expect(uploadLimitBytes(true)).toBe(2000 * MB);
    expect([CLOUD_UPLOAD_LIMIT_BYTES, LOCAL_UPLOAD_LIMIT_BYTES]).toEqual([50 * MB, 2000 * MB]);
  });

  it('uploads bytes to the cloud API and hands a local server the file path', () => {
    const cloud = mediaInput('/data/tmp/bot-1/clip [abc].mp4', false);
    expect(cloud).toBeInstanceOf(InputFile);
    expect((cloud as InputFile).filename).toBe('clip [abc].mp4');
    expect(mediaInput('/data/tmp/bot-1/clip [abc].mp4', true)).toBe('file:///data/tmp/bot-1/clip [abc].mp4');
  });
});

function file(kind: DownloadedFile['kind'], container: string, formats: Array<Partial<Format>>, sizeBytes = 1000): DownloadedFile {
  const full = formats.map((f, i) => ({ id: `f${i}`, url: 'https://x/y', protocol: 'https' as const, ...f }));
  return { path: '/x', kind, container, sizeBytes, item: { platform: 'p', id: 'i', url: 'https://x', formats: full }, formatIds: full.map((f) => f.id) };
}

describe('telegramKind', () => {
  it.each([
    ['a muxed mp4', file('video', 'mp4', [{ vcodec: 'avc1', acodec: 'mp4a' }]), 'video'],
    ['video merged with separate audio', file('video', 'mp4', [{ vcodec: 'avc1', acodec: null }, { vcodec: null, acodec: 'mp4a' }]), 'video'],
    ['a clip without sound', file('video', 'mp4', [{ vcodec: 'avc1', acodec: null }]), 'animation'],
    ['a format noted as a GIF', file('video', 'mp4', [{ vcodec: 'avc1', note: 'gif' }]), 'animation'],
    ['an unknown-codec video', file('video', 'mp4', [{}]), 'video'],
    ['audio', file('audio', 'm4a', [{ vcodec: null, acodec: 'mp4a' }]), 'audio'],
    ['a photo', file('image', 'jpg', [{ image: true }]), 'photo'],
    ['a GIF image', file('image', 'gif', [{ image: true }]), 'animation'],
    ['a photo over 10 MB', file('image', 'png', [{ image: true }], 11 * MB), 'document'],
  ])('sends %s as %s', (_name, downloaded, kind) => {
    expect(telegramKind(downloaded)).toBe(kind);
  });
});

describe('albums', () => {
  it.each([
    [1, [1]],
    [2, [2]],
    [10, [10]],
    [11, [6, 5]],
    [12, [6, 6]],
    [21, [7, 7, 7]],
    [25, [9, 8, 8]],
  ])('splits %i items into albums of %j', (count, sizes) => {
    expect(balancedSizes(count)).toEqual(sizes);
    expect(sizes.every((n) => n <= 10)).toBe(true);
  });

  const item = (kind: Outgoing['kind'], uploadBytes = 1) => ({ kind, uploadBytes, name: `${kind}` });
  const shape = (steps: ReturnType<typeof planSends<ReturnType<typeof item>>>) =>
    steps.map((s) => (s.type === 'single' ? s.item.kind : s.items.map((i) => i.kind).join('+')));

  it('sends one item as an ordinary message', () => {
    expect(shape(planSends([item('video')]))).toEqual(['video']);
  });

  it('mixes photos and videos, keeps audio and documents apart, and sends animations alone', () => {
    const items = [item('photo'), item('video'), item('animation'), item('audio'), item('photo'), item('audio'), item('document')];
    expect(shape(planSends(items))).toEqual(['photo+video+photo', 'animation', 'audio+audio', 'document']);
  });

  it('splits an album whose uploads would exceed one request', () => {
    const items = [item('photo', 30), item('photo', 30), item('photo', 30), item('photo', 10)];
    expect(shape(planSends(items, 60))).toEqual(['photo+photo', 'photo+photo']);
    expect(shape(planSends(items, 40))).toEqual(['photo', 'photo', 'photo+photo']);
  });
});

describe('what a user asks for', () => {
  it.each([
    [{}, undefined, { quality: 'best', noWatermark: true }],
    [{ quality: 'ask' as const }, undefined, { quality: 'best', noWatermark: true }],
    [{ quality: '720p' as const, noWatermark: false }, undefined, { quality: '720p', noWatermark: false }],
    [{ format: 'audio' as const, audioFormat: 'mp3' as const }, undefined, { quality: 'audio', audioFormat: 'mp3', noWatermark: true }],
    [{ format: 'audio' as const }, '1080p' as const, { quality: '1080p', noWatermark: true }],
    [{}, 'audio' as const, { quality: 'audio', audioFormat: 'm4a', noWatermark: true }],
  ])('settings %j with choice %s → %j', (settings, choice, request) => {
    expect(requestFor({ ...DEFAULT_SETTINGS, ...settings }, choice)).toEqual(request);
  });

  it('keys the file_id cache by platform, id, quality and format', () => {
    expect(cacheKey('youtube', 'dQw4w9WgXcQ', { quality: 'best' })).toBe('youtube:dQw4w9WgXcQ:best:video');
    expect(cacheKey('youtube', 'dQw4w9WgXcQ', { quality: 'audio', audioFormat: 'mp3' })).toBe('youtube:dQw4w9WgXcQ:audio:mp3');
    expect(cacheKey('tiktok', '1', { quality: 'audio' })).toBe('tiktok:1:audio:m4a');
  });
});

describe('lowerQuality', () => {
  it.each([
    ['best', 1080, '720p'],
    ['best', 2160, '1440p'],
    ['best', 720, '480p'],
    ['best', 1000, '720p'],
    ['1080p', 1080, '720p'],
    ['1080p', undefined, '720p'],
    ['480p', 360, 'worst'],
    ['360p', 360, 'worst'],
    ['best', 180, 'worst'],
    ['worst', 144, undefined],
    ['audio', undefined, undefined],
  ] as const)('after %s came out at %sp: %s', (current, p, next) => {
    expect(lowerQuality(current, p)).toBe(next);
  });
});

describe('stale job temp dirs', () => {
  it('removes only bot job dirs older than the limit', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dlbot-stale-'));
    try {
      const old = jobDir(dataDir, 'old-job');
      const fresh = jobDir(dataDir, 'fresh-job');
      const other = join(dataDir, 'tmp', 'dl-other');
      for (const dir of [old, fresh, other]) await mkdir(dir, { recursive: true });
      const hourAgo = new Date(Date.now() - 3600_000);
      await utimes(old, hourAgo, hourAgo);
      await utimes(other, hourAgo, hourAgo);
      expect(await removeStaleJobDirs(dataDir, 600_000)).toBe(1);
      expect((await readdir(join(dataDir, 'tmp'))).sort()).toEqual(['bot-fresh-job', 'dl-other']);
      expect(await removeStaleJobDirs(join(dataDir, 'missing'), 0)).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
