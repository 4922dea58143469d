import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'streamable');
const API = 'https://ajax.streamable.com/videos/dnd1';
const CDN = 'https://cdn-cf-east.streamable.com/video/mp4/dnd1.mp4';

let h: PlatformHarness;
let media: SampleMedia;

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const api = JSON.parse(await readFile(join(FIXTURES, 'video-dnd1.json'), 'utf8')) as { files: { mp4: { size: number } } };
  api.files.mp4.size = (await stat(media.mp4)).size; // the real API reports the file's exact size
  h.web.json(API, api);
  h.web.file(CDN, media.mp4, 'video/mp4');
  h.web.json('https://ajax.streamable.com/videos/proc1', { status: 1, files: {}, title: 'Uploading' });
  h.web.status('https://ajax.streamable.com/videos/gone1', 404);
});

afterAll(() => h?.close());

describe('streamable', () => {
  it('reads the ajax API into formats and metadata', async () => {
    const info = await h.info('https://streamable.com/e/dnd1');
    expect(info).toMatchObject({
      platform: 'streamable', id: 'dnd1', url: 'https://streamable.com/dnd1',
      title: 'Mikel Oiarzabal scores to make it 0-3 for La Real against Espanyol', uploader: 'teabaker',
      durationSec: 2, viewCount: 98765, timestamp: 1454964157.35115,
      thumbnail: expect.stringMatching(/^https:\/\/cdn-cf-east\.streamable\.com\/image\/dnd1\.jpg\?/),
    });
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.vcodec])).toEqual([['mp4', 320, 180, 'h264'], ['mp4-mobile', 160, 90, undefined]]);
    expect(info.formats[0]!.url.startsWith(`${CDN}?Expires=`)).toBe(true);
  });

  it('downloads the best file from the CDN into a valid mp4', async () => {
    const result = await h.downloads.download('https://streamable.com/dnd1', { quality: 'best' }, { outputDir: join(h.dir, 'out') });
    expect(result.files).toHaveLength(1);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(CDN)).toHaveLength(1);
  });

  it('says content.not_found for a video still processing and for a removed one', async () => {
    expect((await rejectionOf(h.info('https://streamable.com/proc1'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://streamable.com/gone1'))).code).toBe('content.not_found');
  });
});

describe('streamable through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://streamable.com/e/dnd1');
    expect(info).toMatchObject({
      platform: 'streamable', id: 'dnd1', url: 'https://streamable.com/dnd1',
      title: 'Mikel Oiarzabal scores to make it 0-3 for La Real against Espanyol', uploader: 'teabaker', durationSec: 2, viewCount: 98765,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.width, f.height])).toEqual([['mp4', 'https', 320, 180], ['mp4-mobile', 'https', 160, 90]]);
    expect(info.formats[0]!.url.startsWith(`${CDN}?Expires=`)).toBe(true);
  });
});
