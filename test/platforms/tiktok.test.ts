import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServerResponse } from 'node:http';
import { sendFile, type WebHandler } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';
import { selectFormats } from '../../src/media/format-selection.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tiktok');

const VIDEO_ID = '6718335390845095173';
const PHOTO_ID = '7206382937372134662';
const APP_ID = '7106594312292453675';
const CDN_1080 = 'https://v16-webapp-prime.us.tiktok.com/video/tos/useast5/tos-useast5-pve-0068-tx/oMfA8IgIEBCDqBQmfE1QEAAiBqDEFwJiIRcwIe/';
const CDN_540 = 'https://v16-webapp-prime.us.tiktok.com/video/tos/useast5/tos-useast5-pve-0068-tx/oEqVcQCh0yAw8DJEAwiiwrBPCwAII2PEIXfqqi/';
const CDN_DOWNLOAD = 'https://v16-webapp-prime.us.tiktok.com/video/tos/useast5/tos-useast5-ve-0068c002-tx/osfcdiPqwAAiJuhIQEqtwEAADXrwR0rqBCIEiO/';
const CDN_MUSIC = 'https://v16-webapp-prime.us.tiktok.com/video/tos/useast8/tos-useast8-v-27dcd7-tx2/oc9Og0yHAEA5ATYwAIF2LfqDofbpOKfEIoCAvI/';
const APP_API = 'https://api16-normal-c-useast1a.tiktokv.com/aweme/v1/multi/aweme/detail/';
const CHAIN_TOKEN = 'Rl9ZbWN2Q0ZxZ1hLcUZ0d0pGQ2V3RlBfd3ZtT1BaTk0';

/** What www.tiktok.com sets on a first visit; the CDN wants tt_chain_token back. */
const PAGE_COOKIES = [
  `tt_chain_token=${CHAIN_TOKEN}; Path=/; Domain=.tiktok.com; Max-Age=15552000; Secure; HttpOnly`,
  'ttwid=1%7CqAXRNPsJ6f7YKm0bM7n6Q0Y5c2x3cZ8d0tB7G1pD2hI%7C1787188358%7C5d0b2a7c9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b; Path=/; Domain=tiktok.com; Max-Age=31536000; HttpOnly; Secure; SameSite=None',
  'tt_csrf_token=Gx7Qk2aB-9LwT0vHs4M3Jd8yF1cRnU6eP5oI; Path=/; Domain=tiktok.com; Secure; SameSite=Lax',
];

let h: PlatformHarness;
let media: SampleMedia;
let photoJpg: string;

const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');

/** Serves a TikTok page as www.tiktok.com does: HTML plus its Set-Cookie headers. */
function page(html: string): WebHandler {
  return (_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': PAGE_COOKIES }).end(html);
}

/** A CDN that, like TikTok's, refuses requests without the page's cookie and referer. */
function guardedCdn(file: () => string, type: string): WebHandler {
  return (req, res: ServerResponse) => {
    const cookie = req.headers.cookie ?? '';
    if (!cookie.includes(`tt_chain_token=${CHAIN_TOKEN}`) || req.headers.referer !== 'https://www.tiktok.com/') {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Access Denied');
      return;
    }
    sendFile(req, res, file(), type);
  };
}

/** A page route that ignores the @user part, as TikTok does for the video id. */
const pageRoute = (id: string) => new RegExp(`^https://www\\.tiktok\\.com/@[\\w.-]+/video/${id}(\\?|$)`);

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  photoJpg = join(h.dir, 'photo.jpg');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=270x360', '-frames:v', '1', photoJpg]);

  h.web.route(pageRoute(VIDEO_ID), page(await fixture('video-6718335390845095173.html')));
  h.web.route(pageRoute(PHOTO_ID), page(await fixture('photo-7206382937372134662.html')));
  h.web.route(pageRoute('7000000000000000001'), page(await fixture('removed-10204.html')));
  h.web.route(pageRoute('7000000000000000002'), page(await fixture('private-10222.html')));
  h.web.route(pageRoute('7000000000000000003'), page(await fixture('private-10216.html')));
  h.web.route(pageRoute('7311122233344455566'), page(await fixture('age-restricted.html')));
  h.web.redirect(pageRoute('7000000000000000004'), 'https://www.tiktok.com/login?redirect_url=https%3A%2F%2Fwww.tiktok.com%2F%40_%2Fvideo%2F7000000000000000004');
  h.web.html('https://www.tiktok.com/login', '<!DOCTYPE html><html><head><title>Log in | TikTok</title></head><body></body></html>');
  h.web.route(pageRoute(APP_ID), page(await fixture('waf-challenge.html')));
  h.web.route(pageRoute('7000000000000000005'), page(await fixture('waf-challenge.html')));

  h.web.route(/^https:\/\/v1[69]-webapp-prime\.us\.tiktok\.com\/video\/tos\/useast5\//, guardedCdn(() => media.mp4, 'video/mp4'));
  h.web.route(/^https:\/\/v16-webapp-prime\.us\.tiktok\.com\/video\/tos\/useast8\//, guardedCdn(() => media.mp3, 'audio/mpeg'));
  h.web.route(/^https:\/\/p16-sign-va\.tiktokcdn\.com\/tos-maliva-i-photomode-us\/.+\.jpeg\?/, (req, res) => sendFile(req, res, photoJpg, 'image/jpeg'));
  h.web.route(/^https:\/\/v16m\.tiktokcdn\.com\//, (req, res) => sendFile(req, res, media.mp4, 'video/mp4'));

  const aweme = JSON.parse(await fixture('aweme-detail-7106594312292453675.json')) as unknown;
  h.web.route(APP_API, (req, res) => {
    const asked = new URLSearchParams(req.body).get('aweme_ids');
    if (req.method === 'POST' && asked === `[${APP_ID}]`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(aweme));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(''); // what the API answers a request it dislikes
  });

  h.web.redirect('https://vm.tiktok.com/ZTR45GpSF/', `https://www.tiktok.com/@scout2015/video/${VIDEO_ID}?_r=1&_t=8ozTsZ3nHkY`, 301);
  h.web.redirect('https://vt.tiktok.com/ZSe4FqkKd/', 'https://vm.tiktok.com/ZSe4FqkKd/', 302);
  h.web.redirect('https://vm.tiktok.com/ZSe4FqkKd/', `https://www.tiktok.com/@moxypatch/photo/${PHOTO_ID}?_r=1&_t=ZT-8ozU2`, 301);
  h.web.redirect('https://www.tiktok.com/t/ZTRC5xgJp/', `https://www.tiktok.com/@scout2015/video/${VIDEO_ID}?_t=ZT-8ozTz&_r=1`, 301);
});

afterAll(() => h?.close());

describe('tiktok videos', () => {
  it('reads the rehydration JSON into metadata, music, hashtags and every clean and watermarked file', async () => {
    const info = await h.info(`https://www.tiktok.com/@scout2015/video/${VIDEO_ID}?is_from_webapp=1`);
    expect(info).toMatchObject({
      platform: 'tiktok',
      id: VIDEO_ID,
      url: `https://www.tiktok.com/@scout2015/video/${VIDEO_ID}`,
      title: 'Scout says hi 🐶 #dog #puppy',
      description: 'Scout says hi 🐶 #dog #puppy\nsecond line of the caption',
      uploader: 'Scout2015',
      uploaderId: 'scout2015',
      durationSec: 2,
      timestamp: 1564234358,
      viewCount: 12100,
      likeCount: 2887,
      tags: ['dog', 'puppy'],
      thumbnail: expect.stringMatching(/^https:\/\/p16-sign-va\.tiktokcdn\.com\/tos-maliva-p-0068\/oQkURApBckG2dIQRP0LeHCAVe0ek5gQTjVGQI3~tplv-tiktokx-origin\.image\?/),
      music: { title: 'original sound - scout2015', author: 'Scout2015', original: true, durationSec: 2, url: expect.stringMatching(/^https:\/\/v16-webapp-prime\.us\.tiktok\.com\/video\/tos\/useast8\//) },
    });
    // the page's playAddr repeats lower_540_0; the bytevc2 variant plays nowhere; aweme/v1 redirectors are skipped
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.vcodec, f.acodec, f.filesizeBytes, f.bitrateKbps, !!f.watermarked])).toEqual([
      ['adapt_lowest_1080_1', 1080, 1920, 'hvc1', 'mp4a.40.2', 593754, 2375, false],
      ['adapt_lower_720_1', 720, 1280, 'hvc1', 'mp4a.40.2', 368303, 1473, false],
      ['lower_540_0', 576, 1024, 'avc1', 'mp4a.40.2', 314036, 1256, false],
      ['download', undefined, undefined, 'avc1', 'mp4a.40.2', undefined, undefined, true],
      ['audio', undefined, undefined, null, 'mp3', undefined, undefined, false],
    ]);
    expect(info.formats[0]!.url.startsWith(`${CDN_1080}?a=1988&`)).toBe(true);
    expect(info.formats.every((f) => !f.url.startsWith('https://www.tiktok.com/'))).toBe(true);
    expect(info.formats[0]!.headers).toEqual({
      Referer: 'https://www.tiktok.com/',
      Cookie: `tt_chain_token=${CHAIN_TOKEN}; ttwid=1%7CqAXRNPsJ6f7YKm0bM7n6Q0Y5c2x3cZ8d0tB7G1pD2hI%7C1787188358%7C5d0b2a7c9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b; tt_csrf_token=Gx7Qk2aB-9LwT0vHs4M3Jd8yF1cRnU6eP5oI`,
    });
  });

  it('lets noWatermark and the quality pick clean variants over the watermarked download', async () => {
    const info = await h.info(`https://www.tiktok.com/@scout2015/video/${VIDEO_ID}`);
    const pick = (quality: 'best' | 'worst' | '720p', noWatermark: boolean) => selectFormats(info, { quality, noWatermark }).formats.map((f) => f.id);
    expect(pick('best', true)).toEqual(['adapt_lowest_1080_1']);
    expect(pick('worst', true)).toEqual(['lower_540_0']);
    expect(pick('worst', false)).toEqual(['lower_540_0']);
    expect(pick('720p', true)).toEqual(['adapt_lower_720_1']);
  });

  it('downloads the best clean file from the CDN with the page cookies and referer', async () => {
    const before = h.web.seen(CDN_1080).length;
    const result = await h.downloads.download(`https://m.tiktok.com/v/${VIDEO_ID}.html`, { quality: 'best', noWatermark: true }, { outputDir: join(h.dir, 'out-video') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['adapt_lowest_1080_1']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    const cdn = h.web.seen(CDN_1080).slice(before);
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn[0]!.headers.cookie).toContain(`tt_chain_token=${CHAIN_TOKEN}`);
    expect(cdn[0]!.headers.referer).toBe('https://www.tiktok.com/');
    expect(h.web.seen(CDN_DOWNLOAD)).toHaveLength(0);
    expect(h.web.seen(CDN_540)).toHaveLength(0);
  });

  it('downloads the music track for quality audio', async () => {
    const result = await h.downloads.download(`https://www.tiktok.com/@scout2015/video/${VIDEO_ID}`, { quality: 'audio', audioFormat: 'mp3' }, { outputDir: join(h.dir, 'out-audio') });
    expect(result.files[0]!.formatIds).toEqual(['audio']);
    expect(result.files[0]!.container).toBe('mp3');
    expect((await probeFile(result.files[0]!.path)).streams).toEqual(['audio']);
    expect(h.web.seen(CDN_MUSIC).at(-1)!.headers.cookie).toContain('tt_chain_token=');
  });
});

describe('tiktok photo posts', () => {
  it('turns imagePost into a carousel of jpeg entries with the sound as the music', async () => {
    const info = await h.info(`https://www.tiktok.com/@moxypatch/photo/${PHOTO_ID}`);
    expect(info).toMatchObject({
      id: PHOTO_ID,
      url: `https://www.tiktok.com/@moxypatch/photo/${PHOTO_ID}`,
      title: 'Three panels from the new patch set #embroidery',
      uploader: 'MoxyPatch',
      uploaderId: 'moxypatch',
      tags: ['embroidery'],
      viewCount: 31200,
      music: { title: 'original sound', author: 'your worst nightmare', original: true, durationSec: 10 },
    });
    expect(info.durationSec).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.vcodec, f.container])).toEqual([['audio', null, 'mp3']]);
    expect(info.entries).toHaveLength(2);
    expect(info.entriesTotal).toBeUndefined();
    expect(info.entries!.map((e) => [e.id, e.title])).toEqual([
      [`${PHOTO_ID}_1`, 'Three panels from the new patch set #embroidery (1/2)'],
      [`${PHOTO_ID}_2`, 'Three panels from the new patch set #embroidery (2/2)'],
    ]);
    const image = info.entries![0]!.formats[0]!;
    expect(image).toMatchObject({ image: true, container: 'jpg', width: 1080, height: 1440 });
    expect(image.url).toMatch(/^https:\/\/p16-sign-va\.tiktokcdn\.com\/tos-maliva-i-photomode-us\/6f1d9e0c3b7d4f0ea3b87f2e6c1b1a7e~tplv-photomode-image\.jpeg\?/);
  });

  it('downloads every photo as an image file', async () => {
    const result = await h.downloads.download(`https://www.tiktok.com/@moxypatch/photo/${PHOTO_ID}`, { quality: 'best' }, { outputDir: join(h.dir, 'out-photo') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['image', 'jpg']]);
    expect(h.web.requests.filter((r) => r.url.includes('tplv-photomode-image.webp'))).toHaveLength(0);
  });

  it('cuts a carousel to PLAYLIST_LIMIT and says how many there were', async () => {
    const limited = await startPlatformHarness({ playlistLimit: 1 });
    try {
      limited.web.route(pageRoute(PHOTO_ID), page(await fixture('photo-7206382937372134662.html')));
      const info = await limited.info(`https://www.tiktok.com/@moxypatch/photo/${PHOTO_ID}`);
      expect(info.entries).toHaveLength(1);
      expect(info.entriesTotal).toBe(2);
    } finally {
      await limited.close();
    }
  });
});

describe('tiktok failures', () => {
  it('maps the page status codes: 10204 removed, 10222/10216 private, classified posts age-restricted', async () => {
    expect((await rejectionOf(h.info('https://www.tiktok.com/@someone/video/7000000000000000001'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://www.tiktok.com/@someone/video/7000000000000000002'))).code).toBe('content.private');
    expect((await rejectionOf(h.info('https://www.tiktok.com/@someone/video/7000000000000000003'))).code).toBe('content.private');
    expect((await rejectionOf(h.info('https://www.tiktok.com/@scout2015/video/7311122233344455566'))).code).toBe('content.age_restricted');
    expect(h.web.seen(APP_API).filter((r) => r.body.includes('700000000000000000'))).toHaveLength(0);
  });

  it('says content.login_required when TikTok redirects to its login page', async () => {
    expect((await rejectionOf(h.info('https://www.tiktok.com/@/video/7000000000000000004'))).code).toBe('content.login_required');
  });

  it('refuses lives with content.live', async () => {
    expect((await rejectionOf(h.info('https://www.tiktok.com/@weathernewslive/live'))).code).toBe('content.live');
  });
});

describe('tiktok short links', () => {
  it('follows vm.tiktok.com, a vt → vm chain and tiktok.com/t/ to the post', async () => {
    expect((await h.info('https://vm.tiktok.com/ZTR45GpSF/')).id).toBe(VIDEO_ID);
    const photo = await h.info('https://vt.tiktok.com/ZSe4FqkKd/');
    expect(photo.id).toBe(PHOTO_ID);
    expect(photo.entries).toHaveLength(2);
    expect(h.web.seen('https://vm.tiktok.com/ZSe4FqkKd/')).toHaveLength(1);
    expect((await h.info('https://www.tiktok.com/t/ZTRC5xgJp/')).id).toBe(VIDEO_ID);
  });
});

describe('tiktok mobile API fallback', () => {
  it('asks multi/aweme/detail when the page is a bot check, as the Android app would', async () => {
    const info = await h.info(`https://www.tiktok.com/@treatbagcat/video/${APP_ID}`);
    expect(info).toMatchObject({
      id: APP_ID,
      url: `https://www.tiktok.com/@treatbagcat/video/${APP_ID}`,
      title: 'POV: the cat hears the treat bag #cat #fyp',
      uploader: 'Treat Bag Cat',
      uploaderId: 'treatbagcat',
      durationSec: 2,
      timestamp: 1654620211,
      viewCount: 801233,
      likeCount: 58210,
      tags: ['cat', 'fyp'],
      music: { title: 'original sound - treatbagcat', author: 'Treat Bag Cat', original: true },
    });
    // normal_720_0 repeats play_addr; download_addr's height is derived from its width and the video's ratio
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.vcodec, !!f.watermarked])).toEqual([
      ['play_addr', 720, 1280, 'avc1', false],
      ['lower_540_0', 576, 1024, 'hvc1', false],
      ['download_addr', 720, 1280, 'avc1', true],
      ['audio', undefined, undefined, null, false],
    ]);
    expect(info.formats[0]!.url).toMatch(/^https:\/\/v16m\.tiktokcdn\.com\//);

    const call = h.web.seen(APP_API).at(-1)!;
    expect(call.method).toBe('POST');
    expect(new URLSearchParams(call.body).get('aweme_ids')).toBe(`[${APP_ID}]`);
    expect(call.headers['user-agent']).toMatch(/^com\.zhiliaoapp\.musically\/2023501030 \(Linux; U; Android 13/);
    const query = new URL(call.url).searchParams;
    expect(query.get('aid')).toBe('0');
    expect(query.get('app_name')).toBe('musical_ly');
    expect(query.get('device_id')).toMatch(/^72[5-9]\d{16}$/);
    expect(await h.ctx.cache!.get('tiktok:device-id')).toBe(query.get('device_id'));
  });

  it('downloads the clean app file', async () => {
    const result = await h.downloads.download(`https://www.tiktok.com/@treatbagcat/video/${APP_ID}`, { quality: 'best', noWatermark: true }, { outputDir: join(h.dir, 'out-app') });
    expect(result.files[0]!.formatIds).toEqual(['play_addr']);
    expect((await probeFile(result.files[0]!.path)).streams).toEqual(['audio', 'video']);
  });

  it('reports the page failure when the app API has nothing either', async () => {
    const error = await rejectionOf(h.info('https://www.tiktok.com/@_/video/7000000000000000005'));
    expect(error.code).toBe('fetch.failed');
    expect(error.message).toMatch(/without the post data/);
    expect(h.web.seen(APP_API).some((r) => new URLSearchParams(r.body).get('aweme_ids') === '[7000000000000000005]')).toBe(true);
  });
});

describe('tiktok through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://www.tiktok.com/@scout2015/video/${VIDEO_ID}?is_from_webapp=1`);
    expect(info).toMatchObject({
      platform: 'tiktok', id: VIDEO_ID, url: `https://www.tiktok.com/@scout2015/video/${VIDEO_ID}`,
      title: 'Scout says hi 🐶 #dog #puppy', uploader: 'Scout2015', uploaderId: 'scout2015', durationSec: 2, tags: ['dog', 'puppy'],
      music: { title: 'original sound - scout2015', original: true },
    });
    expect(info.formats.map((f) => [f.id, f.protocol, !!f.watermarked])).toEqual([
      ['adapt_lowest_1080_1', 'https', false], ['adapt_lower_720_1', 'https', false], ['lower_540_0', 'https', false], ['download', 'https', true], ['audio', 'https', false],
    ]);
    expect(info.formats[0]!.url.startsWith(`${CDN_1080}?a=1988&`)).toBe(true);
    expect(info.formats[0]!.headers).toMatchObject({ Referer: 'https://www.tiktok.com/' });
  });
});
