import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'rutube');
const ID = '3eac3b4561676c17df9132a9a1e62e3e';
const OPTIONS = (id: string | number) => `https://rutube.ru/api/play/options/${id}/`;
const META = (id: string) => `https://rutube.ru/api/video/${id}/`;
const BALANCER = `https://bl.rutube.ru/route/${ID}.m3u8`;
/** Both CDN mirrors the master names. */
const RIVER = /^https:\/\/river-\d-\d+\.rutube\.ru\/hls-vod\//;

let h: PlatformHarness;
let media: SampleMedia;

const fixture = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(FIXTURES, name), 'utf8'));

beforeAll(async () => {
  h = await startPlatformHarness({ playlistLimit: 2 });
  media = await makeSampleMedia(h.dir);
  const options = await fixture('play-options-video.json');
  h.web.json(OPTIONS(ID), options);
  h.web.json(META(ID), await fixture('video-3eac.json'));
  h.web.file(BALANCER, join(FIXTURES, 'master.m3u8'), 'application/vnd.apple.mpegurl');
  // every rendition's media playlist and its segments come from the sample HLS stream
  h.web.route(RIVER, (req, res) => {
    const path = req.target.pathname.endsWith('.m3u8') ? media.hlsMedia : join(media.dir, 'hls', basename(req.target.pathname));
    sendFile(req, res, path, path.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t');
  });

  // the numeric embed id resolves to the same hex video
  h.web.json(OPTIONS(6722881), options);

  h.web.json(OPTIONS('884fb55f07a97ab673c7d654553e0f48'), await fixture('play-options-private.json'), 403);
  h.web.json(OPTIONS('7716bd3e665725c3c008ae7ab4ff02e2'), await fixture('play-options-blocked.json'));
  h.web.json(OPTIONS('a10e53b86e8f349080f718582ce4c661'), await fixture('play-options-notfound.json'), 404);
  h.web.json(OPTIONS('c58f502c7bb34a8fcdd976b221fca292'), await fixture('play-options-live.json'));
  h.web.status(META('c58f502c7bb34a8fcdd976b221fca292'), 404);

  h.web.route('https://rutube.ru/api/playlist/custom/308547/videos/', async (req, res) => {
    const page = req.target.searchParams.get('page') === '2' ? 'playlist-308547-page2.json' : 'playlist-308547-page1.json';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await fixture(page)));
  });
  h.web.json(OPTIONS('10b3a03fc01d5bbcc632a2f3514e8aab'), await fixture('play-options-notfound.json'), 404);

  h.web.json('https://rutube.ru/pangolin/api/web/yappy/v4/yappypage/', await fixture('yappy-page.json'));
  h.web.file('https://yappy-vod.rutube.ru/c8/c3/c8c32bf7aee04412837656ea26c2b25b/video.mp4', media.mp4, 'video/mp4');
});

afterAll(() => h?.close());

describe('rutube', () => {
  it('reads the play options, the video API and the HLS master into metadata and formats', async () => {
    const info = await h.info(`https://rutube.ru/video/${ID}/?pl_id=4252`);
    expect(info).toMatchObject({
      platform: 'rutube',
      id: ID,
      url: `https://rutube.ru/video/${ID}/`,
      title: 'Раненный кенгуру забежал в аптеку',
      description: 'http://www.ntdtv.ru',
      uploader: 'NTDRussian',
      uploaderId: '29790',
      durationSec: 81,
      viewCount: 10341,
      ageLimit: 0,
      timestamp: 1381949602, // 2013-10-16T21:53:22 Moscow time
      thumbnail: 'https://pic.rutubelist.ru/video/d2/a0/d2a0aec998494a396deafc7ba2c82add.jpg',
    });
    // each rendition is listed once although the master names two CDN mirrors
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.vcodec, f.bitrateKbps])).toEqual([
      ['hls-360p', 640, 360, 'avc1.42c01f', 289],
      ['hls-720p', 1280, 720, 'avc1.640029', 740],
    ]);
    expect(info.formats[0]!.url).toMatch(/^https:\/\/river-2-204\.rutube\.ru\/hls-vod\/.+\.mp4\.m3u8\?i=640x360_289$/);
    expect(info.formats.every((f) => f.headers?.Referer === 'https://rutube.ru/')).toBe(true);

    const [call] = h.web.seen(OPTIONS(ID));
    expect(call!.headers.referer).toBe(`https://rutube.ru/video/${ID}/`);
    const query = new URL(call!.url).searchParams;
    expect([query.get('no_404'), query.get('pver'), query.get('referer')]).toEqual(['true', 'v2', `https://rutube.ru/video/${ID}/`]);
  });

  it('downloads the HLS stream with the Referer the CDN wants into a valid mp4', async () => {
    const result = await h.downloads.download(`https://rutube.ru/video/${ID}/`, { quality: 'best' }, { outputDir: join(h.dir, 'out') });
    expect(result.files).toHaveLength(1);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(result.files[0]!.formatIds).toEqual(['hls-720p']);
    const segments = h.web.requests.filter((r) => RIVER.test(r.url) && r.url.includes('.ts'));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((r) => r.headers.referer === 'https://rutube.ru/')).toBe(true);
  });

  it('maps a numeric embed id to the hex video the player names', async () => {
    const info = await h.info('https://rutube.ru/play/embed/6722881');
    expect([info.id, info.url, info.uploader]).toEqual([ID, `https://rutube.ru/video/${ID}/`, 'NTDRussian']);
    expect(h.web.seen(OPTIONS(6722881))).toHaveLength(1);
  });

  it('passes the private key to the API and says content.private when it is refused', async () => {
    const error = await rejectionOf(h.info('https://rutube.ru/video/private/884fb55f07a97ab673c7d654553e0f48/?p=x2QojCumHTS3rsKHWXN8Lg'));
    expect(error.code).toBe('content.private');
    expect(error.message).toBe('The author has restricted access to this video');
    const [call] = h.web.seen(OPTIONS('884fb55f07a97ab673c7d654553e0f48'));
    expect(new URL(call!.url).searchParams.get('p')).toBe('x2QojCumHTS3rsKHWXN8Lg');
  });

  it('says content.geo_blocked for a blocking rule and content.not_found for a removed video', async () => {
    const blocked = await rejectionOf(h.info('https://rutube.ru/video/7716bd3e665725c3c008ae7ab4ff02e2/'));
    expect([blocked.code, blocked.message]).toEqual(['content.geo_blocked', 'The video is unavailable by decision of the rights holder or when using a VPN']);
    expect((await rejectionOf(h.info('https://rutube.ru/embed/a10e53b86e8f349080f718582ce4c661'))).code).toBe('content.not_found');
  });

  it('marks a stream on air as live, which the pipeline refuses to download', async () => {
    const info = await h.info('https://rutube.ru/live/video/c58f502c7bb34a8fcdd976b221fca292/');
    expect(info).toMatchObject({ live: true, title: 'Первый канал. Прямой эфир', uploader: 'Первый канал', url: 'https://rutube.ru/live/video/c58f502c7bb34a8fcdd976b221fca292/' });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([['hls-live', 'hls']]);
    const error = await rejectionOf(h.downloads.download('https://rutube.ru/live/video/c58f502c7bb34a8fcdd976b221fca292/', { quality: 'best' }, { outputDir: join(h.dir, 'live') }));
    expect(error.code).toBe('content.live');
  });

  it('reads a playlist page by page up to PLAYLIST_LIMIT, skipping a removed video', async () => {
    const metaCalls = h.web.seen(META(ID)).length;
    const info = await h.info('https://rutube.ru/plst/308547/');
    expect(info).toMatchObject({ platform: 'rutube', id: '308547', url: 'https://rutube.ru/plst/308547/', formats: [], entriesTotal: 3 });
    // the limit is 2: the second listed video is gone, so one entry remains and page 2 is never needed
    expect(info.entries!.map((e) => [e.id, e.title, e.durationSec, e.formats.length])).toEqual([[ID, 'Раненный кенгуру забежал в аптеку', 81, 2]]);
    expect(h.web.seen('https://rutube.ru/api/playlist/custom/308547/videos/').map((r) => new URL(r.url).searchParams.get('page'))).toEqual(['1']);
    // the list already carried the metadata: no extra /api/video/ call for the entry
    expect(h.web.seen(META(ID))).toHaveLength(metaCalls);
  });

  it('downloads a Yappy short from the mp4 link its feed names', async () => {
    const info = await h.info('https://rutube.ru/yappy/c8c32bf7aee04412837656ea26c2b25b/');
    expect(info.formats.map((f) => [f.id, f.url])).toEqual([['mp4', 'https://yappy-vod.rutube.ru/c8/c3/c8c32bf7aee04412837656ea26c2b25b/video.mp4']]);
    const [call] = h.web.seen('https://rutube.ru/pangolin/api/web/yappy/v4/yappypage/');
    expect(new URL(call!.url).searchParams.get('videoId')).toBe('c8c32bf7aee04412837656ea26c2b25b');
    const result = await h.downloads.download('https://rutube.ru/yappy/c8c32bf7aee04412837656ea26c2b25b/', { quality: 'best' }, { outputDir: join(h.dir, 'yappy') });
    expect((await probeFile(result.files[0]!.path)).streams).toEqual(['audio', 'video']);
  });
});

describe('rutube through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://rutube.ru/video/${ID}/?pl_id=4252`);
    expect(info).toMatchObject({
      platform: 'rutube', id: ID, url: `https://rutube.ru/video/${ID}/`,
      title: 'Раненный кенгуру забежал в аптеку', uploader: 'NTDRussian', uploaderId: '29790', durationSec: 81,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([['hls-360p', 'hls', 360], ['hls-720p', 'hls', 720]]);
    expect(info.formats[0]!.url).toMatch(/^https:\/\/river-2-204\.rutube\.ru\/hls-vod\/.+\.mp4\.m3u8\?i=640x360_289$/);
  });
});
