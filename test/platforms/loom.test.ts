import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'loom');
const ID = '43d05f362f734614a2e81b4694a3a523';
const MP4_ONLY = 'c43a642f815f4378b6f80a889bb73d8d';
const API = 'https://www.loom.com/api/campaigns/sessions';
const HLS_DIR = `https://luna.loom.com/id/${ID}/rev/7d1c0a9e3b5f4c2a8e6d0b4f2a9c7e5d3b1f9e7c5a3d1b9f7e5c3a1d9b7f5e3c1/resource/hls`;
const TRANSCODED = `https://cdn.loom.com/sessions/transcoded/${ID}-1648454238464.mp4`;
const CLOUDFRONT_COOKIE =
  'CloudFront-Policy=eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0cHM6Ly9sdW5hLmxvb20uY29tL2lkLzQzZDA1ZjM2MmY3MzQ2MTRhMmU4MWI0Njk0YTNhNTIzLyoiLCJDb25kaXRpb24iOnsiRGF0ZUxlc3NUaGFuIjp7IkFXUzpFcG9jaFRpbWUiOjE3MzQyMDY0MDB9fX1dfQ__; ' +
  'CloudFront-Signature=UmF3U2lnbmF0dXJlRm9yVGVzdHM~; CloudFront-Key-Pair-Id=APKAJQIC5BGSW7XXK7FQ';

let h: PlatformHarness;
let media: SampleMedia;
const text = (name: string) => readFile(join(FIXTURES, name), 'utf8');

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const page = await text(`share-${ID}.html`);
  h.web.html(`https://www.loom.com/share/${ID}`, page);
  h.web.json(`${API}/${ID}/raw-url`, JSON.parse(await text('raw-url.json')));
  h.web.json(`${API}/${ID}/transcoded-url`, JSON.parse(await text('transcoded-url.json')));
  h.web.html(`${HLS_DIR}/playlist.m3u8`, await text('playlist.m3u8'), 200, { 'content-type': 'application/vnd.apple.mpegurl' });
  h.web.route(new RegExp(`^${HLS_DIR.replace(/\./g, '\\.')}/(playlist-\\d+x\\d+\\.m3u8|media\\d+\\.ts)`), (req, res) => {
    const name = basename(req.target.pathname);
    sendFile(req, res, join(media.dir, 'hls', name.endsWith('.ts') ? name : 'media.m3u8'), name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
  });
  h.web.file(TRANSCODED, media.mp4, 'video/mp4');

  // raw-url has nothing (an empty answer), transcoded-url an mp4, and the signed M3U8 of the
  // page's Apollo state has expired (CloudFront answers 403)
  h.web.html(`https://www.loom.com/share/${MP4_ONLY}`, page.replaceAll(ID, MP4_ONLY));
  h.web.status(`${API}/${MP4_ONLY}/raw-url`, 204);
  h.web.status(new RegExp(`^https://luna\\.loom\\.com/id/${MP4_ONLY}/`), 403);
  h.web.json(`${API}/${MP4_ONLY}/transcoded-url`, { url: `${TRANSCODED}?Expires=1734206400&Signature=abc&Key-Pair-Id=APKAJQIC5BGSW7XXK7FQ`.replace(ID, MP4_ONLY) });
  h.web.file(`https://cdn.loom.com/sessions/transcoded/${MP4_ONLY}-1648454238464.mp4`, media.mp4, 'video/mp4');

  h.web.html('https://www.loom.com/share/50e26e8aeb7940189dff5630f95ce1f4', await text('share-50e26e8aeb7940189dff5630f95ce1f4.html'));
  h.web.html('https://www.loom.com/share/ddcf1c1ad21f451ea7468b1e33917e4e', await text('share-ddcf1c1ad21f451ea7468b1e33917e4e.html'));
  h.web.html('https://www.loom.com/share/24351eb8b317420289b158e4b7e96ff2', '<!doctype html><title>Page not found | Loom</title>', 404);
});

afterAll(() => h?.close());

describe('loom', () => {
  it('reads the Apollo state for metadata and the raw/transcoded endpoints for formats', async () => {
    const info = await h.info(`https://www.loom.com/embed/${ID}?hideEmbedTopBar=true`);
    expect(info).toMatchObject({
      platform: 'loom', id: ID, url: `https://www.loom.com/share/${ID}`,
      title: 'A Ruler for Windows - 28 March 2022', uploader: 'wILLIAM PIP', timestamp: 1648454238,
      durationSec: 27.427, viewCount: 1184, thumbnail: `https://cdn.loom.com/sessions/thumbnails/${ID}-1648454238464.jpg`,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.width, f.height])).toEqual([
      ['hls-raw-720p', 'hls', 1280, 720], ['hls-raw-480p', 'hls', 854, 480], ['http-transcoded', 'https', 1280, 720],
    ]);
    // the "-split" playlist is swapped for the muxed one, and its segments get the signature as cookies
    expect(h.web.seen(`${HLS_DIR}/playlist.m3u8`)).toHaveLength(1);
    expect(info.formats[0]!.headers).toEqual({ cookie: CLOUDFRONT_COOKIE });
    expect(info.formats[2]!.headers).toBeUndefined();

    const raw = h.web.seen(`${API}/${ID}/raw-url`)[0]!;
    expect(raw.method).toBe('POST');
    expect(JSON.parse(raw.body)).toMatchObject({ anonID: expect.stringMatching(/^[0-9a-f-]{36}$/), force_original: false, password: null });
    expect(raw.headers).toMatchObject({ 'x-loom-request-source': 'loom_web_45a5bd4', origin: 'https://www.loom.com', referer: `https://www.loom.com/share/${ID}` });
  });

  it('downloads the best HLS variant with the CloudFront signature on every segment', async () => {
    const result = await h.downloads.download(`https://www.loom.com/share/A-Ruler-for-Windows-${ID}`, { quality: 'best' }, { outputDir: join(h.dir, 'hls') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    const segments = h.web.seen(`${HLS_DIR}/media`);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((r) => r.headers.cookie === CLOUDFRONT_COOKIE)).toBe(true);
  });

  it('downloads the transcoded mp4 when the other sources are empty or refused', async () => {
    const info = await h.info(`https://loom.com/share/${MP4_ONLY}`);
    expect(info.formats.map((f) => f.id)).toEqual(['http-transcoded']);
    expect(h.web.seen(`https://luna.loom.com/id/${MP4_ONLY}/`)).toHaveLength(1);
    const result = await h.downloads.download(`https://loom.com/share/${MP4_ONLY}`, { quality: 'best' }, { outputDir: join(h.dir, 'mp4') });
    expect((await probeFile(result.files[0]!.path)).streams).toEqual(['audio', 'video']);
  });

  it('maps password, privacy and removal to their codes', async () => {
    const password = await rejectionOf(h.info('https://www.loom.com/share/50e26e8aeb7940189dff5630f95ce1f4'));
    expect([password.code, password.message]).toEqual(['content.private', 'This Loom video is password-protected.']);
    expect(h.web.seen(`${API}/50e26e8aeb7940189dff5630f95ce1f4`)).toHaveLength(0);
    expect((await rejectionOf(h.info('https://www.loom.com/share/ddcf1c1ad21f451ea7468b1e33917e4e'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://www.loom.com/share/24351eb8b317420289b158e4b7e96ff2'))).code).toBe('content.not_found');
  });

  it('leaves folders to the fallback backend', async () => {
    const error = await rejectionOf(h.info('https://www.loom.com/share/folder/997db4db046f43e5912f10dc5f817b5c'));
    expect([error.code, error.final]).toEqual(['link.unsupported', false]);
  });
});

describe('loom through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://www.loom.com/embed/${ID}?hideEmbedTopBar=true`);
    expect(info).toMatchObject({
      platform: 'loom', id: ID, url: `https://www.loom.com/share/${ID}`,
      title: 'A Ruler for Windows - 28 March 2022', uploader: 'wILLIAM PIP', durationSec: 27.427, viewCount: 1184,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([['hls-raw-720p', 'hls'], ['hls-raw-480p', 'hls'], ['http-transcoded', 'https']]);
    expect(info.formats[0]!.url.startsWith(`${HLS_DIR}/`)).toBe(true);
    expect(info.formats[0]!.headers).toEqual({ cookie: CLOUDFRONT_COOKIE });
    expect(info.formats[2]!.url.startsWith(TRANSCODED)).toBe(true);
  });
});
