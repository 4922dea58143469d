import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kick');
const VOD_ID = '5c697a87-afce-4256-b01f-3c8fe71ef5cb';
const VOD_MASTER = 'https://stream.kick.com/ivs/v1/196233775518/bEs1TqSPDPuO/2025/8/25/0/40/XJvO1fEJDqTg/media/hls/master.m3u8';
const VOD_BASE = VOD_MASTER.replace(/master\.m3u8$/, '');
const CLIP_ID = 'clip_01J8RGZRKHXHXXKJEHGRM932A5';
const CLIP_BASE = `https://clips.kick.com/clips/f2/${CLIP_ID}/`;

let h: PlatformHarness;
let media: SampleMedia;

const fixture = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(FIXTURES, name), 'utf8'));

/** Serves the sample HLS media playlist and its segments under `base` + `{variant}/…`, as IVS lays them out. */
function serveHlsVariants(base: string): void {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  h.web.route(new RegExp(`^${escaped}(?:[\\w]+/)?(playlist\\.m3u8|media\\d+\\.ts)(\\?|$)`), (req, res) => {
    const name = /([^/]+)$/.exec(req.target.pathname)![1]!;
    const file = name === 'playlist.m3u8' ? media.hlsMedia : join(media.dir, 'hls', name);
    sendFile(req, res, file, name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
  });
}

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  h.web.json('https://kick.com/api/v2/channels/xqc', await fixture('channel-xqc-live.json'));
  h.web.json('https://kick.com/api/v2/channels/buddha', await fixture('channel-buddha-offline.json'));
  h.web.json('https://kick.com/api/v2/channels/nobody-here', await fixture('channel-not-found.json'), 404);
  h.web.json(`https://kick.com/api/v1/video/${VOD_ID}`, await fixture('video-5c697a87.json'));
  h.web.json('https://kick.com/api/v1/video/cae573f9-6042-4b6a-a1f0-20352e522756', await fixture('video-subscriber-only.json'), 403);
  h.web.html('https://kick.com/api/v1/video/0f0f0f0f-1111-2222-3333-444444444444', '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>', 403, {
    'cf-mitigated': 'challenge',
  });
  h.web.json(`https://kick.com/api/v2/clips/${CLIP_ID}`, await fixture('clip-spreen.json'));
  h.web.json('https://kick.com/api/v2/clips/clip_01GONE000000000000000000000', { message: 'Clip not found' }, 404);
  h.web.file(VOD_MASTER, join(FIXTURES, 'ivs-master.m3u8'), 'application/vnd.apple.mpegurl');
  serveHlsVariants(VOD_BASE);
  serveHlsVariants(CLIP_BASE);
  h.web.file(`${CLIP_BASE}video.mp4`, media.mp4, 'video/mp4');
});

afterAll(() => h?.close());

describe('kick VODs', () => {
  it('reads the video API and the IVS master playlist into metadata and HLS variants', async () => {
    const info = await h.info(`https://kick.com/xqc/videos/${VOD_ID}`);
    expect(info).toMatchObject({
      platform: 'kick',
      id: VOD_ID,
      url: `https://kick.com/xqc/videos/${VOD_ID}`,
      title: '🐗LIVE🐗CLICK🐗HERE🐗DRAMA🐗ALL DAY🐗NEWS🐗VIDEOS🐗CLIPS🐗GAMES🐗STUFF🐗WOW🐗IM HERE🐗LETS GO🐗COOL🐗VERY NICE🐗',
      uploader: 'xQc',
      uploaderId: 'xqc',
      durationSec: 22278,
      timestamp: 1756082443,
      viewCount: 187342,
      tags: ['Deadlock'],
      ageLimit: 18,
      thumbnail: 'https://images.kick.com/video_thumbnails/bEs1TqSPDPuO/XJvO1fEJDqTg/720.webp',
    });
    expect(info.live).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.fps, f.vcodec, f.url])).toEqual([
      ['hls-1080p', 1920, 1080, 60, 'avc1.64002A', `${VOD_BASE}1080p60/playlist.m3u8`],
      ['hls-360p', 640, 360, 30, 'avc1.4D401E', `${VOD_BASE}360p30/playlist.m3u8`],
    ]);
    expect(info.formats[0]!.headers).toEqual({ Referer: 'https://kick.com/', Origin: 'https://kick.com' });
  });

  it('downloads the chosen HLS variant into a valid mp4', async () => {
    const result = await h.downloads.download(`https://kick.com/video/${VOD_ID}`, { quality: '360p' }, { outputDir: join(h.dir, 'out-vod') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['hls-360p']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(`${VOD_BASE}360p30/media0.ts`)).toHaveLength(1);
    expect(h.web.seen(`${VOD_BASE}1080p60/`)).toHaveLength(0);
    expect(h.web.seen(`${VOD_BASE}360p30/playlist.m3u8`)[0]!.headers.referer).toBe('https://kick.com/');
  });

  it('says content.login_required for a subscriber-only VOD and fetch.failed for a Cloudflare check', async () => {
    const subOnly = await rejectionOf(h.info('https://kick.com/hinano/videos/cae573f9-6042-4b6a-a1f0-20352e522756'));
    expect(subOnly.code).toBe('content.login_required');
    const challenged = await rejectionOf(h.info('https://kick.com/video/0f0f0f0f-1111-2222-3333-444444444444'));
    expect(challenged.code).toBe('fetch.failed');
    expect(challenged.retriable).toBe(true);
  });

  it('sends the session_token from COOKIES_FILE as a bearer token', async () => {
    const cookies = join(h.dir, 'kick-cookies.txt');
    await writeFile(cookies, '# Netscape HTTP Cookie File\n.kick.com\tTRUE\t/\tTRUE\t0\tsession_token\t123456%7Cabcdef\n');
    const authed = await startPlatformHarness({ cookiesFile: cookies });
    try {
      authed.web.json(`https://kick.com/api/v1/video/${VOD_ID}`, await fixture('video-5c697a87.json'));
      authed.web.file(VOD_MASTER, join(FIXTURES, 'ivs-master.m3u8'), 'application/vnd.apple.mpegurl');
      await authed.info(`https://kick.com/video/${VOD_ID}`);
      const [api] = authed.web.seen(`https://kick.com/api/v1/video/${VOD_ID}`);
      expect(api!.headers.authorization).toBe('Bearer 123456|abcdef');
      expect(api!.headers.cookie).toBe('session_token=123456%7Cabcdef');
    } finally {
      await authed.close();
    }
  });
});

describe('kick live channels', () => {
  it('marks a channel that is on air as live with its IVS playlist', async () => {
    const info = await h.info('https://kick.com/xqc');
    expect(info).toMatchObject({
      platform: 'kick',
      id: 'xqc',
      url: 'https://kick.com/xqc',
      live: true,
      title: '🐗LIVE🐗CLICK🐗HERE🐗DRAMA🐗ALL DAY🐗NEWS🐗VIDEOS🐗',
      uploader: 'xQc',
      viewCount: 41327,
      timestamp: 1787188358,
      tags: ['Just Chatting'],
      ageLimit: 18,
      thumbnail: 'https://images.kick.com/video_thumbnails/bEs1TqSPDPuO/6yMpkQ4MeXZy/720.webp',
    });
    expect(info.formats).toHaveLength(1);
    expect(info.formats[0]).toMatchObject({ protocol: 'hls', url: expect.stringMatching(/^https:\/\/fa723fc1b171\.us-west-2\.playback\.live-video\.net\/.+\.m3u8\?token=/) });
  });

  it('refuses to download a live stream with content.live', async () => {
    const error = await rejectionOf(h.downloads.download('https://player.kick.com/xqc', { quality: 'best' }, { outputDir: join(h.dir, 'out-live') }));
    expect(error.code).toBe('content.live');
  });

  it('says content.not_found for an offline channel and for an unknown one', async () => {
    const offline = await rejectionOf(h.info('https://kick.com/buddha'));
    expect(offline.code).toBe('content.not_found');
    expect(offline.message).toMatch(/Buddha is not live/);
    expect((await rejectionOf(h.info('https://kick.com/nobody-here'))).code).toBe('content.not_found');
  });
});

describe('kick clips', () => {
  it('reads the clip API: HLS clip_url variants plus the mp4 video_url', async () => {
    const info = await h.info(`https://kick.com/spreen?clip=${CLIP_ID}`);
    expect(info).toMatchObject({
      platform: 'kick',
      id: CLIP_ID,
      url: `https://kick.com/spreen/clips/${CLIP_ID}`,
      title: 'KLJASLDJKLJKASDLJKDAS',
      uploader: 'Spreen',
      uploaderId: 'spreen',
      durationSec: 43,
      timestamp: 1727399987,
      viewCount: 10483,
      likeCount: 312,
      tags: ['Minecraft'],
      thumbnail: `${CLIP_BASE}thumbnail.webp`,
    });
    expect(info.ageLimit).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.protocol, f.url])).toEqual([
      ['hls', 'hls', `${CLIP_BASE}playlist.m3u8`],
      ['mp4', 'https', `${CLIP_BASE}video.mp4`],
    ]);
  });

  it('downloads the direct mp4 of a clip', async () => {
    const result = await h.downloads.download(`https://kick.com/spreen/clips/${CLIP_ID}`, { quality: 'best' }, { outputDir: join(h.dir, 'out-clip') });
    expect(result.files[0]!.formatIds).toEqual(['mp4']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(`${CLIP_BASE}video.mp4`).length).toBeGreaterThan(0);
  });

  it('says content.not_found for a removed clip', async () => {
    expect((await rejectionOf(h.info('https://kick.com/spreen/clips/clip_01GONE000000000000000000000'))).code).toBe('content.not_found');
  });
});

describe('kick through dlbot info --json', () => {
  it('prints the VOD as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://kick.com/xqc/videos/${VOD_ID}`);
    expect(info).toMatchObject({
      platform: 'kick', id: VOD_ID, url: `https://kick.com/xqc/videos/${VOD_ID}`,
      title: '🐗LIVE🐗CLICK🐗HERE🐗DRAMA🐗ALL DAY🐗NEWS🐗VIDEOS🐗CLIPS🐗GAMES🐗STUFF🐗WOW🐗IM HERE🐗LETS GO🐗COOL🐗VERY NICE🐗',
      uploader: 'xQc', uploaderId: 'xqc', durationSec: 22278, ageLimit: 18,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.url])).toEqual([
      ['hls-1080p', 'hls', `${VOD_BASE}1080p60/playlist.m3u8`],
      ['hls-360p', 'hls', `${VOD_BASE}360p30/playlist.m3u8`],
    ]);
  });
});
