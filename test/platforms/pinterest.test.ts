import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'pinterest');
const API = 'https://www.pinterest.com/resource/PinResource/get/';
const VIDEO_PIN = '664281013778109217';
const IMAGE_PIN = '306385580911098712';
const STORY_PIN = '1084663891475263837';
const PAGE_PIN = '845058317597614592';
const GONE_PIN = '111111111111111111';
const HASH = '3583f2d46aa3b6e0a0b1c2d3e4f5a6b7';
const MP4 = `https://v1.pinimg.com/videos/mc/720p/35/83/f2/${HASH}.mp4`;
const HLS_DIR = 'https://v1.pinimg.com/videos/mc/hls/35/83/f2/';

let h: PlatformHarness;
let media: SampleMedia;
let jpg: string;

const fixture = async (name: string) => readFile(join(FIXTURES, name), 'utf8');

/** The pin id a PinResource request asks for (from its `data` query parameter). */
function requestedPin(target: URL): string {
  const data = JSON.parse(target.searchParams.get('data') ?? '{}') as { options?: { id?: string } };
  return data.options?.id ?? '';
}

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  jpg = join(h.dir, 'pin.jpg');
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1', jpg]);

  const answers: Record<string, { status: number; body: string }> = {
    [VIDEO_PIN]: { status: 200, body: await fixture('pin-video.json') },
    [IMAGE_PIN]: { status: 200, body: await fixture('pin-image.json') },
    [STORY_PIN]: { status: 200, body: await fixture('pin-story.json') },
    [GONE_PIN]: { status: 404, body: await fixture('pin-not-found.json') },
    // the resource API sometimes refuses anonymous callers; the page still has the pin
    [PAGE_PIN]: { status: 403, body: '{"resource_response":{"status":"failure","message":"Forbidden","data":null}}' },
  };
  h.web.route(API, (req, res) => {
    const answer = answers[requestedPin(req.target)];
    if (!answer || req.headers['x-pinterest-pws-handler'] !== 'www/[username].js') return void res.writeHead(403).end('{}');
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  h.web.html(`https://www.pinterest.com/pin/${PAGE_PIN}/`, await fixture(`page-${PAGE_PIN}.html`));

  h.web.file(MP4, media.mp4, 'video/mp4');
  h.web.route(new RegExp(`^${HLS_DIR.replace(/[.]/g, '\\.')}`), (req, res) => {
    const name = basename(req.target.pathname);
    const file = name === `${HASH}.m3u8` ? media.hlsMaster : join(media.dir, 'hls', name);
    sendFile(req, res, file, name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t');
  });
  h.web.file('https://v1.pinimg.com/videos/iht/expMp4/ab/12/cd/ab12cd34ef56ab12cd34ef56ab12cd34_720w.mp4', media.mp4, 'video/mp4');
  h.web.file(/^https:\/\/i\.pinimg\.com\/originals\//, jpg, 'image/jpeg');

  // pin.it → the url_shortener → the pin page (with share parameters)
  h.web.redirect('https://pin.it/4Xhp5Jc', 'https://api.pinterest.com/url_shortener/4Xhp5Jc/redirect/', 301);
  h.web.redirect('https://api.pinterest.com/url_shortener/4Xhp5Jc/redirect/', `https://www.pinterest.com/pin/${VIDEO_PIN}/sent/?invite_code=abc&sender=664281151214936911&sfo=1`);
  h.web.html(`https://www.pinterest.com/pin/${VIDEO_PIN}/sent/`, '<html><title>Pinterest</title></html>');
});

afterAll(() => h?.close());

describe('pinterest', () => {
  it('reads a video pin from PinResource: the mp4 variant, the HLS variants and the metadata', async () => {
    const info = await h.info(`https://www.pinterest.com/pin/${VIDEO_PIN}/`);
    expect(info).toMatchObject({
      platform: 'pinterest', id: VIDEO_PIN, url: `https://www.pinterest.com/pin/${VIDEO_PIN}/`,
      title: 'Origami', uploader: 'Paper Art Studio', uploaderId: 'paperartstudio',
      description: 'Easy origami crane, step by step #origami #paperfolding',
      timestamp: 1593073622, durationSec: 2, likeCount: 314, tags: ['origami', 'paperfolding'],
      thumbnail: `https://i.pinimg.com/videos/thumbnails/originals/35/83/f2/${HASH}.0000000.jpg`,
    });
    const mp4 = info.formats.find((f) => f.id === 'V_720P');
    expect(mp4).toMatchObject({ url: MP4, protocol: 'https', container: 'mp4', width: 720, height: 1280 });
    const hls = info.formats.filter((f) => f.protocol === 'hls');
    expect(hls.length).toBeGreaterThan(0);
    expect(hls.every((f) => f.id.startsWith('V_HLSV4') && f.url.startsWith(HLS_DIR))).toBe(true);
    // both HLS keys name the same playlist: it is read once
    expect(h.web.seen(`${HLS_DIR}${HASH}.m3u8`)).toHaveLength(1);
    const call = h.web.seen(API)[0]!;
    expect(JSON.parse(new URL(call.url).searchParams.get('data')!)).toMatchObject({ options: { id: VIDEO_PIN, field_set_key: 'detailed' } });
  });

  it('downloads the mp4 variant for best and the HLS variant for a low quality', async () => {
    const best = await h.downloads.download(`https://www.pinterest.com/pin/${VIDEO_PIN}/`, { quality: 'best' }, { outputDir: join(h.dir, 'best') });
    expect(best.files[0]!.formatIds).toEqual(['V_720P']);
    const probe = await probeFile(best.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);

    const low = await h.downloads.download(`https://www.pinterest.com/pin/${VIDEO_PIN}/`, { quality: '360p' }, { outputDir: join(h.dir, 'low') });
    expect(low.files[0]!.formatIds[0]).toMatch(/^V_HLSV4/);
    const lowProbe = await probeFile(low.files[0]!.path);
    expect(lowProbe.durationSec).toBeCloseTo(2, 0);
    expect(lowProbe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(`${HLS_DIR}media0.ts`).length).toBeGreaterThan(0);
  });

  it('downloads an image pin as its original jpg', async () => {
    const info = await h.info(`https://www.pinterest.co.uk/pin/${IMAGE_PIN}/?mt=login`);
    expect(info.title).toBe('Cozy reading nook');
    expect(info.description).toBe('Cozy reading nook ideas for small spaces');
    expect(info.formats[0]).toMatchObject({ id: 'orig', image: true, container: 'jpg', width: 640, height: 360 });
    const result = await h.downloads.download(`https://www.pinterest.com/pin/${IMAGE_PIN}/`, { quality: 'best' }, { outputDir: join(h.dir, 'img') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ kind: 'image', container: 'jpg', formatIds: ['orig'] });
    expect(await probeFile(result.files[0]!.path)).toMatchObject({ width: 640, height: 360 });
  });

  it('turns an idea pin into one entry per video and image block', async () => {
    const info = await h.info(`https://www.pinterest.com/pin/${STORY_PIN}/`);
    expect(info.formats).toEqual([]);
    expect(info.entries?.map((e) => [e.id, e.formats[0]?.id, e.formats[0]?.image ?? false])).toEqual([
      [`${STORY_PIN}_1`, 'V_EXP7', false],
      [`${STORY_PIN}_2`, 'originals', true],
    ]);
    const result = await h.downloads.download(`https://www.pinterest.com/pin/${STORY_PIN}/`, { quality: 'best' }, { outputDir: join(h.dir, 'story') });
    expect(result.files.map((f) => f.kind)).toEqual(['video', 'image']);
    expect((await probeFile(result.files[0]!.path)).durationSec).toBeCloseTo(2, 0);
  });

  it('reads the pin from the page state when the resource API refuses', async () => {
    const info = await h.info(`https://www.pinterest.jp/pin/${PAGE_PIN}/`);
    expect(info).toMatchObject({ id: PAGE_PIN, title: 'Kyoto in autumn', uploader: 'Wanderlust Japan' });
    expect(info.formats[0]).toMatchObject({ id: 'orig', image: true, container: 'png', url: 'https://i.pinimg.com/originals/c1/d2/e3/c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6.png' });
  });

  it('says content.not_found for a removed pin', async () => {
    expect((await rejectionOf(h.info(`https://www.pinterest.com/pin/${GONE_PIN}/`))).code).toBe('content.not_found');
  });

  it('follows a pin.it short link through the url_shortener to the pin', async () => {
    const info = await h.info('https://pin.it/4Xhp5Jc');
    expect(info).toMatchObject({ id: VIDEO_PIN, title: 'Origami' });
    expect(h.web.seen('https://api.pinterest.com/url_shortener/4Xhp5Jc/redirect/')).toHaveLength(1);
  });
});

describe('pinterest through dlbot info --json', () => {
  it('prints the video pin as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://www.pinterest.com/pin/${VIDEO_PIN}/`);
    expect(info).toMatchObject({
      platform: 'pinterest', id: VIDEO_PIN, url: `https://www.pinterest.com/pin/${VIDEO_PIN}/`,
      title: 'Origami', uploader: 'Paper Art Studio', uploaderId: 'paperartstudio', durationSec: 2, tags: ['origami', 'paperfolding'],
    });
    expect(info.formats.find((f) => f.id === 'V_720P')).toMatchObject({ url: MP4, protocol: 'https', container: 'mp4', width: 720, height: 1280 });
    const hls = info.formats.filter((f) => f.protocol === 'hls');
    expect(hls.length).toBeGreaterThan(0);
    expect(hls.every((f) => f.id.startsWith('V_HLSV4') && f.url.startsWith(HLS_DIR))).toBe(true);
    expect(info.formats.every((f) => f.id === 'V_720P' || f.protocol === 'hls')).toBe(true);
  });
});
