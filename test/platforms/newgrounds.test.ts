import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'newgrounds');
const VIDEO_1080 = 'https://uploads.ungrounded.net/alternate/1528000/1528775_alternate_113347.1080p.mp4';
const MP3 = 'https://audio.ngfiles.com/549000/549479_B7-BusMode.mp3';

let h: PlatformHarness;

const read = (name: string) => readFile(join(FIXTURES, name), 'utf8');

beforeAll(async () => {
  h = await startPlatformHarness();
  const media = await makeSampleMedia(h.dir);
  h.web.html('https://www.newgrounds.com/portal/view/1', await read('portal-view-1.html'));
  // the endpoint answers JSON only to the player's XMLHttpRequest; a plain visit gets the page
  const videoJson = await read('video-1.json');
  const portalPage = await read('portal-view-1.html');
  h.web.route('https://www.newgrounds.com/portal/video/1', (req, res) => {
    if (req.headers['x-requested-with'] !== 'XMLHttpRequest') return void res.writeHead(200, { 'content-type': 'text/html' }).end(portalPage);
    res.writeHead(200, { 'content-type': 'application/json' }).end(videoJson);
  });
  h.web.file(VIDEO_1080, media.mp4, 'video/mp4');
  h.web.html('https://www.newgrounds.com/audio/listen/549479', await read('audio-listen-549479.html'));
  h.web.file(MP3, media.mp3, 'audio/mpeg');

  // an adult movie: a 401 with the notice for guests
  h.web.html('https://www.newgrounds.com/portal/view/823109', await read('adult-gate.html'), 401);
  // an adult track whose page shows the notice with a 200
  h.web.html('https://www.newgrounds.com/audio/listen/1366420', await read('adult-gate.html'));
  h.web.html('https://www.newgrounds.com/portal/view/999999999', '<html><head><title>Error 404</title></head><body>Not found</body></html>', 404);
});

afterAll(() => h?.close());

describe('newgrounds', () => {
  it('reads a movie page and its video JSON into every quality', async () => {
    const info = await h.info('https://www.newgrounds.com/portal/view/1');
    expect(info).toMatchObject({
      platform: 'newgrounds', id: '1', url: 'https://www.newgrounds.com/portal/view/1',
      title: 'Scrotum 1', uploader: 'Brian-Beaton', description: 'Scrotum plays "catch."',
      thumbnail: 'https://picon.ngfiles.com/0/flash_1_card.png?f1489444426',
      timestamp: 955078533, viewCount: 1201371, ageLimit: 17,
    });
    expect(info.formats.map((f) => [f.id, f.height, f.container])).toEqual([['1080p', 1080, 'mp4'], ['720p', 720, 'mp4'], ['360p', 360, 'mp4']]);
    expect(info.formats[0]!.url).toBe(`${VIDEO_1080}?1528249684`);
    const json = h.web.seen('https://www.newgrounds.com/portal/video/1')[0]!;
    expect(json.headers['x-requested-with']).toBe('XMLHttpRequest');
    expect(json.headers.referer).toBe('https://www.newgrounds.com/portal/view/1');
  });

  it('downloads the best movie file', async () => {
    const result = await h.downloads.download('https://www.newgrounds.com/portal/view/1/format/flash', { quality: 'best' }, { outputDir: join(h.dir, 'out-video') });
    expect(result.files[0]!.formatIds).toEqual(['1080p']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(probe.durationSec).toBeCloseTo(2, 0);
  });

  it('reads an audio page from its embedded player data', async () => {
    const info = await h.info('https://newgrounds.com/audio/listen/549479?updated=1');
    expect(info).toMatchObject({
      id: '549479', url: 'https://www.newgrounds.com/audio/listen/549479',
      title: 'B7 - BusMode', uploader: 'Burn7', durationSec: 143, timestamp: 1378892945, viewCount: 12410, ageLimit: 0,
      description: 'My first attempt at a bus mode song.\nEnjoy!',
      thumbnail: 'https://aicon.ngfiles.com/549/549479.png?f1378892945',
    });
    expect(info.formats).toEqual([
      { id: 'mp3', url: `${MP3}?f1378892945`, protocol: 'https', container: 'mp3', vcodec: null, acodec: 'mp3', filesizeBytes: 2301048 },
    ]);
  });

  it('downloads the mp3 of a track', async () => {
    const result = await h.downloads.download('https://www.newgrounds.com/audio/listen/549479', { quality: 'audio', audioFormat: 'mp3' }, { outputDir: join(h.dir, 'out-audio') });
    expect(result.files[0]!).toMatchObject({ kind: 'audio', container: 'mp3' });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio']);
    expect(probe.durationSec).toBeCloseTo(1, 0);
  });

  it('says content.age_restricted for adult items and content.not_found for missing ones', async () => {
    expect((await rejectionOf(h.info('https://www.newgrounds.com/portal/view/823109'))).code).toBe('content.age_restricted');
    expect((await rejectionOf(h.info('https://www.newgrounds.com/audio/listen/1366420'))).code).toBe('content.age_restricted');
    expect((await rejectionOf(h.info('https://www.newgrounds.com/portal/view/999999999'))).code).toBe('content.not_found');
  });

  it('sends the COOKIES_FILE session, which lets an adult account through', async () => {
    const cookies = join(h.dir, 'cookies.txt');
    await writeFile(cookies, '# Netscape HTTP Cookie File\n.newgrounds.com\tTRUE\t/\tTRUE\t2147483647\tvmk1du5I8m\tsession-fixture-value\n');
    const logged = await startPlatformHarness({ cookiesFile: cookies });
    try {
      const page = (await read('portal-view-1.html')).replace(/Scrotum 1/g, 'Adult Feature').replace('rated-m', 'rated-a');
      logged.web.route('https://www.newgrounds.com/portal/view/823109', (req, res) => {
        if (!req.headers.cookie?.includes('vmk1du5I8m=session-fixture-value')) return void res.writeHead(401).end('');
        res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      });
      logged.web.route('https://www.newgrounds.com/portal/video/823109', (req, res) => {
        if (!req.headers.cookie) return void res.writeHead(401).end('');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 823109, title: 'Adult Feature', author: 'DefaultUser12', sources: { '720p': [{ src: 'https://uploads.ungrounded.net/alternate/2199000/2199122_alternate_170001.720p.mp4?1637611540', type: 'video/mp4' }] } }));
      });
      const info = await logged.info('https://www.newgrounds.com/portal/view/823109');
      expect(info).toMatchObject({ title: 'Adult Feature', uploader: 'DefaultUser12', ageLimit: 18 });
      expect(info.formats.map((f) => f.id)).toEqual(['720p']);
    } finally {
      await logged.close();
    }
  });
});

describe('newgrounds through dlbot info --json', () => {
  it('prints the movie as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://www.newgrounds.com/portal/view/1');
    expect(info).toMatchObject({
      platform: 'newgrounds', id: '1', url: 'https://www.newgrounds.com/portal/view/1',
      title: 'Scrotum 1', uploader: 'Brian-Beaton', viewCount: 1201371, ageLimit: 17,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([['1080p', 'https', 1080], ['720p', 'https', 720], ['360p', 'https', 360]]);
    expect(info.formats[0]!.url).toBe(`${VIDEO_1080}?1528249684`);
  });
});
