import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vimeo');
const PLAYER = 'https://player.vimeo.com/video';
const CLIP_UUID = '6ae3b3c0-8e64-4e53-9d87-1f1b0b1c2d3e';

let h: PlatformHarness;
let media: SampleMedia;
let videoOnly: string;
let audioOnly: string;
const text = (name: string) => readFile(join(FIXTURES, name), 'utf8');

/** The sample clip cut into a video-only and an audio-only HLS rendition, as Vimeo serves them. */
async function splitRenditions(dir: string): Promise<void> {
  videoOnly = join(dir, 'vimeo-video');
  audioOnly = join(dir, 'vimeo-audio');
  await mkdir(videoOnly, { recursive: true });
  await mkdir(audioOnly, { recursive: true });
  const hls = (out: string, streamFlag: string, prefix: string) =>
    run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', media.mp4, streamFlag, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
      '-hls_segment_filename', join(out, `${prefix}%d.ts`), join(out, 'media.m3u8')]);
  await hls(videoOnly, '-an', 'v');
  await hls(audioOnly, '-vn', 'a');
}

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  await splitRenditions(h.dir);

  h.web.json(`${PLAYER}/76979871/config`, JSON.parse(await text('config-76979871.json')));
  h.web.json(`${PLAYER}/56015672/config`, JSON.parse(await text('config-56015672.json')));
  // an unlisted video answers only when its hash comes along
  h.web.route(`${PLAYER}/160743502/config`, async (req, res) => {
    if (req.target.searchParams.get('h') === 'abd0e13fb4') res.writeHead(200, { 'content-type': 'application/json' }).end(await text('config-76979871.json'));
    else res.writeHead(403, { 'content-type': 'text/html' }).end(await text('privacy-403.html'));
  });
  h.web.json(`${PLAYER}/54469442/config`, JSON.parse(await text('config-password.json')));
  h.web.html(`${PLAYER}/22439234/config`, await text('privacy-403.html'), 403);
  h.web.html(`${PLAYER}/11111111/config`, '<!doctype html><title>Page not found</title>', 404);
  // the config endpoint sending the player page instead: the page's window.playerConfig is read
  h.web.html(`${PLAYER}/7809605/config`, '<!doctype html><title>Vimeo</title>');
  h.web.html(`${PLAYER}/7809605`, `<!doctype html><html><head><title>Vimeo player</title></head><body><div id="player"></div><script>window.playerConfig = ${await text('config-56015672.json')};
  var fullscreenSupport = "exitFullscreen" in document;</script></body></html>`);

  const cdn = new RegExp(`^https://vod-adaptive-ak\\.vimeocdn\\.com/[^/]+/${CLIP_UUID}/`);
  h.web.route(cdn, async (req, res) => {
    const path = req.target.pathname;
    if (path.endsWith('/v2/playlist/av/primary/prot/cXNyPTE/playlist.m3u8')) {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(await text('master-76979871.m3u8'));
      return;
    }
    const rendition = /\/remux\/avf\/(video|audio)-\w+\/([^/]+)$/.exec(path);
    if (!rendition) return void res.writeHead(404).end();
    sendFile(req, res, join(rendition[1] === 'video' ? videoOnly : audioOnly, basename(rendition[2]!)), rendition[2]!.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
  });
  h.web.file(/^https:\/\/vod-progressive-ak\.vimeocdn\.com\/.*\/165631714\.mp4/, media.mp4, 'video/mp4');
});

afterAll(() => h?.close());

describe('vimeo', () => {
  it('reads the player config and expands the default CDN HLS master into video and audio renditions', async () => {
    const info = await h.info('https://vimeo.com/channels/staffpicks/76979871');
    expect(info).toMatchObject({
      platform: 'vimeo', id: '76979871', url: 'https://vimeo.com/76979871',
      title: 'The New Vimeo Player (You Know, For Videos)', uploader: 'Vimeo', uploaderId: 'staff', durationSec: 62,
      thumbnail: 'https://i.vimeocdn.com/video/452001751-8216e0571c251a09d7a8387550942d89f7f86f6398f8ed886e639b0dd50d3c90-d_1280',
    });
    expect(info.formats.map((f) => [f.id, f.height ?? null, f.vcodec ?? null, f.acodec ?? null])).toEqual([
      ['hls-720p', 720, 'avc1.64001F', null],
      ['hls-360p', 360, 'avc1.64001E', null],
      ['hls-audio-audio-high-en', null, null, 'mp4a.40.2'],
      ['hls-audio-audio-medium-en', null, null, 'mp4a.40.2'],
    ]);
    expect(h.web.seen('https://vod-adaptive-ak.vimeocdn.com/').some((r) => r.url.includes('playlist.m3u8?omit=opus'))).toBe(true);
    expect(h.web.seen('https://skyfire.vimeocdn.com/')).toHaveLength(0);
    const config = h.web.seen(`${PLAYER}/76979871/config`)[0]!;
    expect(config.headers.referer).toBe('https://vimeo.com/76979871');
  });

  it('downloads the best HLS video rendition merged with its audio rendition', async () => {
    const result = await h.downloads.download('https://vimeo.com/76979871', { quality: 'best' }, { outputDir: join(h.dir, 'hls') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.requests.some((r) => /\/remux\/avf\/video-720\/v0\.ts$/.test(r.url))).toBe(true);
    expect(h.web.requests.some((r) => /\/remux\/avf\/audio-high\/a0\.ts$/.test(r.url))).toBe(true);
  });

  it('offers the progressive mp4 files of older uploads and downloads one directly', async () => {
    const info = await h.info('https://player.vimeo.com/video/56015672?badge=0');
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.protocol])).toEqual([['http-720p', 1280, 720, 'https'], ['http-360p', 640, 360, 'https']]);
    expect(info).toMatchObject({ title: 'Wednesday Morning', uploader: 'Ben', uploaderId: 'benlee', thumbnail: expect.stringMatching(/-d$/) });
    expect(h.web.seen(`${PLAYER}/56015672/config`)[0]!.headers.referer).toBe('https://player.vimeo.com/video/56015672?badge=0');
    const result = await h.downloads.download('https://vimeo.com/56015672', { quality: '720p' }, { outputDir: join(h.dir, 'progressive') });
    expect((await probeFile(result.files[0]!.path)).streams).toEqual(['audio', 'video']);
  });

  it('reads window.playerConfig from the player page when the config endpoint sends no JSON', async () => {
    const info = await h.info('https://www.vimeo.com/7809605?share=copy');
    expect(info.title).toBe('Wednesday Morning');
    expect(info.formats).toHaveLength(2);
  });

  it('passes the unlisted hash to the player config', async () => {
    const info = await h.info('https://vimeo.com/160743502/abd0e13fb4');
    expect(info.url).toBe('https://vimeo.com/160743502/abd0e13fb4');
    expect(new URL(h.web.seen(`${PLAYER}/160743502/config`).at(-1)!.url).searchParams.get('h')).toBe('abd0e13fb4');
  });

  it('maps password, privacy and removal to their codes', async () => {
    const password = await rejectionOf(h.info('https://player.vimeo.com/video/54469442'));
    expect([password.code, password.message]).toEqual(['content.private', 'This Vimeo video is password-protected.']);
    const embedOnly = await rejectionOf(h.info('https://vimeo.com/groups/travelhd/videos/22439234'));
    expect(embedOnly.code).toBe('content.login_required');
    expect(embedOnly.message).toMatch(/private \(or embed-only\)/);
    expect((await rejectionOf(h.info('https://vimeo.com/11111111'))).code).toBe('content.not_found');
  });

  it('leaves showcases to the fallback backend instead of failing them for good', async () => {
    const error = await rejectionOf(h.info('https://vimeo.com/showcase/3253534'));
    expect(error.code).toBe('link.unsupported');
    expect(error.final).toBe(false);
  });
});

describe('vimeo through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://vimeo.com/channels/staffpicks/76979871');
    expect(info).toMatchObject({
      platform: 'vimeo', id: '76979871', url: 'https://vimeo.com/76979871',
      title: 'The New Vimeo Player (You Know, For Videos)', uploader: 'Vimeo', uploaderId: 'staff', durationSec: 62,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['hls-720p', 'hls'], ['hls-360p', 'hls'], ['hls-audio-audio-high-en', 'hls'], ['hls-audio-audio-medium-en', 'hls'],
    ]);
    expect(info.formats.every((f) => f.url.startsWith(`https://vod-adaptive-ak.vimeocdn.com/`) && f.url.includes(`/${CLIP_UUID}/`))).toBe(true);
  });
});
