import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'dailymotion');
const METADATA = 'https://www.dailymotion.com/player/metadata/video';
const MASTER = 'https://cdndirector.dailymotion.com/cdn/manifest/video/x8u4owg.m3u8';

let h: PlatformHarness;
let media: SampleMedia;
const text = (name: string) => readFile(join(FIXTURES, name), 'utf8');
const json = async (name: string): Promise<unknown> => JSON.parse(await text(name));

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const metadata = await text('metadata-x8u4owg.json');
  h.web.route(`${METADATA}/x8u4owg`, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': ['v1st=1fa328e4-00eb-5fa4-aa73-5db74587e0a8; Domain=.dailymotion.com; Path=/; Max-Age=33696000; Secure; SameSite=None', 'ts=127121; Domain=.dailymotion.com; Path=/; Secure'],
    }).end(metadata);
  });
  h.web.html(MASTER, await text('master-x8u4owg.m3u8'), 200, { 'content-type': 'application/vnd.apple.mpegurl' });
  // every rendition serves the sample HLS media playlist and its segments
  h.web.route(/^https:\/\/vod3\.cf\.dmcdn\.net\/sec2\([^)]+\)\/video\/fmp4\//, (req, res) => {
    const name = basename(req.target.pathname);
    sendFile(req, res, join(media.dir, 'hls', name === 'manifest.m3u8' ? 'media.m3u8' : name), name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
  });

  h.web.json(`${METADATA}/x7tgad0`, await json('error-geo.json'));
  h.web.json(`${METADATA}/x5kesuj`, await json('error-private.json'));
  h.web.json(`${METADATA}/k46oCapRs4iikoz9DWy`, await json('error-password.json'), 403);
  h.web.json(`${METADATA}/x2iuewm`, await json('error-deleted.json'));
  h.web.status(`${METADATA}/xhza0o`, 404);
  const drm = JSON.parse(metadata) as Record<string, unknown>;
  h.web.json(`${METADATA}/x89eyek`, { ...drm, id: 'x89eyek', protected_delivery: true });
});

afterAll(() => h?.close());

describe('dailymotion', () => {
  it('reads the player metadata and expands the auto HLS master with the site headers', async () => {
    const info = await h.info('https://dai.ly/x8u4owg');
    expect(info).toMatchObject({
      platform: 'dailymotion', id: 'x8u4owg', url: 'https://www.dailymotion.com/video/x8u4owg',
      title: 'VIDÉO. Le « véloto », la voiture à pédales qui aimerait se faire une place sur les routes',
      uploader: 'Le Parisien', uploaderId: 'leparisien', durationSec: 428, timestamp: 1709997866,
      thumbnail: 'https://s1.dmcdn.net/v/VqEJy1bvOYhZaS5Bw/x1080',
    });
    expect(info.tags).toHaveLength(7);
    expect(info.ageLimit).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.fps, f.bitrateKbps])).toEqual([
      ['hls-1080p', 1920, 1080, 25, 4491], ['hls-720p', 1280, 720, 25, 2241], ['hls-480p', 854, 480, 25, 1174], ['hls-360p', 640, 360, 25, 721],
    ]);
    expect(info.formats[0]!.url).not.toContain('#');
    expect(info.formats[0]!.headers).toEqual({
      referer: 'https://www.dailymotion.com/', origin: 'https://www.dailymotion.com',
      cookie: 'v1st=1fa328e4-00eb-5fa4-aa73-5db74587e0a8; ts=127121',
    });

    const meta = h.web.seen(`${METADATA}/x8u4owg`)[0]!;
    expect(new URL(meta.url).searchParams.get('app')).toBe('com.dailymotion.neon');
    const master = h.web.seen(MASTER)[0]!;
    expect(new URL(master.url).searchParams.get('sec')).toMatch(/^Fvfvb/);
    expect(master.headers).toMatchObject({ referer: 'https://www.dailymotion.com/', cookie: 'v1st=1fa328e4-00eb-5fa4-aa73-5db74587e0a8; ts=127121' });
  });

  it('downloads the best variant over HLS with the cookies on every segment', async () => {
    const result = await h.downloads.download('https://www.dailymotion.com/video/x8u4owg_le-veloto_news', { quality: 'best' }, { outputDir: join(h.dir, 'out') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    const segments = h.web.requests.filter((r) => r.url.includes('/h264_aac_fhd/1/media'));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((r) => r.headers.cookie === 'v1st=1fa328e4-00eb-5fa4-aa73-5db74587e0a8; ts=127121')).toBe(true);
  });

  it('maps geo-blocking, privacy, passwords and removal to their codes', async () => {
    const geo = await rejectionOf(h.info('https://www.dailymotion.com/video/x7tgad0'));
    expect([geo.code, geo.message]).toEqual(['content.geo_blocked', 'Video geo-restricted by the owner.']);
    expect((await rejectionOf(h.info('https://www.dailymotion.com/embed/video/x5kesuj'))).code).toBe('content.private');
    const password = await rejectionOf(h.info('https://geo.dailymotion.com/player/x86gw.html?video=k46oCapRs4iikoz9DWy'));
    expect([password.code, password.message]).toEqual(['content.private', 'This Dailymotion video is password-protected.']);
    expect((await rejectionOf(h.info('https://touch.dailymotion.com/video/x2iuewm'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://m.dailymotion.com/video/xhza0o/'))).code).toBe('content.not_found');
  });

  it('refuses DRM-protected delivery for good and leaves playlists to the fallback backend', async () => {
    const drm = await rejectionOf(h.info('https://geo.dailymotion.com/player.html?video=x89eyek'));
    expect([drm.code, drm.final]).toEqual(['link.unsupported', true]);
    const playlist = await rejectionOf(h.info('https://www.dailymotion.com/playlist/xv4bw_nqtv_sport/1'));
    expect([playlist.code, playlist.final]).toEqual(['link.unsupported', false]);
  });
});

describe('dailymotion through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://dai.ly/x8u4owg');
    expect(info).toMatchObject({
      platform: 'dailymotion', id: 'x8u4owg', url: 'https://www.dailymotion.com/video/x8u4owg',
      title: 'VIDÉO. Le « véloto », la voiture à pédales qui aimerait se faire une place sur les routes',
      uploader: 'Le Parisien', uploaderId: 'leparisien', durationSec: 428,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([
      ['hls-1080p', 'hls', 1080], ['hls-720p', 'hls', 720], ['hls-480p', 'hls', 480], ['hls-360p', 'hls', 360],
    ]);
    expect(info.formats.every((f) => /^https:\/\/vod3\.cf\.dmcdn\.net\/sec2\(/.test(f.url))).toBe(true);
    expect(info.formats[0]!.headers).toMatchObject({ referer: 'https://www.dailymotion.com/', cookie: 'v1st=1fa328e4-00eb-5fa4-aa73-5db74587e0a8; ts=127121' });
  });
});
