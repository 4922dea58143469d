import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'reddit');
const LISTING = /^https:\/\/(www|old)\.reddit\.com\/comments\/([a-z0-9]+)\/\.json/;
const VIDEO = 'https://v.redd.it/zv89llsvexdz';

const text = (name: string) => readFile(join(FIXTURES, name), 'utf8');
const fixture = async (name: string) => JSON.parse(await text(name)) as unknown;

let h: PlatformHarness;
let media: SampleMedia;

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  // v.redd.it keeps picture and sound in separate files, as DASH representations
  const files = {
    'DASH_180.mp4': join(h.dir, 'video-only.mp4'),
    'DASH_AUDIO_128.mp4': join(h.dir, 'audio-only.mp4'),
    'photo.jpg': join(h.dir, 'photo.jpg'),
    'photo.png': join(h.dir, 'photo.png'),
  };
  await ffmpeg(['-i', media.mp4, '-an', '-c:v', 'copy', files['DASH_180.mp4']]);
  await ffmpeg(['-i', media.mp4, '-vn', '-c:a', 'copy', files['DASH_AUDIO_128.mp4']]);
  await ffmpeg(['-i', media.mp4, '-frames:v', '1', files['photo.jpg']]);
  await ffmpeg(['-i', media.mp4, '-frames:v', '1', files['photo.png']]);

  const posts: Record<string, unknown> = {
    '6rrwyj': await fixture('post-video.json'),
    '1cl9h0u': await fixture('post-gallery.json'),
    '6t7wi5': await fixture('post-crosspost.json'),
    '9xq2lm': await fixture('post-removed.json'),
    '44z7ar': await fixture('post-link.json'),
    '1cxwzso': await fixture('post-text-video.json'),
    '1dq8g2k': await fixture('post-image-gif.json'),
  };
  const refusals: Record<string, object> = {
    priv01: { reason: 'private', message: 'Forbidden', error: 403 },
    quar01: { reason: 'quarantined', quarantine_message: 'This community is quarantined.', message: 'Forbidden', error: 403 },
  };
  h.web.route(LISTING, (req, res) => {
    const [, origin, id = ''] = LISTING.exec(req.target.href)!;
    if (id === 'blk001' && origin === 'www') {
      return void res.writeHead(403, { 'content-type': 'text/html' }).end('<!doctype html><title>Blocked</title><p>You\'ve been blocked by network security.</p>');
    }
    const body = posts[id === 'blk001' ? '6rrwyj' : id] ?? refusals[id] ?? { message: 'Not Found', error: 404 };
    const status = posts[id === 'blk001' ? '6rrwyj' : id] ? 200 : refusals[id] ? 403 : 404;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  });

  const mpd = await text('DASHPlaylist.mpd');
  const hls = await text('HLSPlaylist.m3u8');
  h.web.route(/^https:\/\/v\.redd\.it\/.+\/(DASHPlaylist\.mpd|HLSPlaylist\.m3u8|DASH_180\.mp4|DASH_AUDIO_128\.mp4)/, (req, res) => {
    const name = req.target.pathname.split('/').pop()!;
    if (name === 'DASHPlaylist.mpd') return void res.writeHead(200, { 'content-type': 'application/dash+xml' }).end(mpd);
    if (name === 'HLSPlaylist.m3u8') return void res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(hls);
    sendFile(req, res, files[name as keyof typeof files], 'video/mp4');
  });
  h.web.route(/^https:\/\/v\.redd\.it\/[a-z0-9]+$/, (_req, res) => void res.writeHead(403, { 'content-type': 'text/html' }).end('Forbidden'));
  h.web.redirect(VIDEO, 'https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/', 301);
  h.web.route(/^https:\/\/v\.redd\.it\/gone12345\//, (_req, res) => void res.writeHead(403).end());
  h.web.html('https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/', '<!doctype html><title>reddit</title>');

  h.web.file('https://i.redd.it/n4nfy0ts9uyc1.jpg', files['photo.jpg'], 'image/jpeg');
  h.web.file('https://i.redd.it/4y3x2t8u9uyc1.png', files['photo.png'], 'image/png');
  h.web.file('https://preview.redd.it/q8w7e6r5t4yc1.gif', files['DASH_180.mp4'], 'video/mp4');
  h.web.redirect('https://www.reddit.com/r/aww/s/7wvh1QtU8Y', 'https://www.reddit.com/r/aww/comments/1cl9h0u/my_cats_three_moods/?share_id=Qm9x2&utm_medium=android_app', 301);
  h.web.json('https://ajax.streamable.com/videos/dnd1', JSON.parse(await readFile(join(import.meta.dirname, '..', 'fixtures', 'streamable', 'video-dnd1.json'), 'utf8')));
});

afterAll(() => h?.close());

describe('reddit', () => {
  it('reads a video post\'s JSON listing into DASH representations and the fallback file', async () => {
    const info = await h.info('https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/');
    expect(info).toMatchObject({
      platform: 'reddit', id: '6rrwyj', url: 'https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/',
      title: 'That small heart attack.', uploader: 'rtbrsp', uploaderId: 't2_10wb2ma', timestamp: 1502136183, likeCount: 26041, durationSec: 2,
      thumbnail: 'https://external-preview.redd.it/rfOQCXj2kvSsOLrXGqCHOfQhhqeOlPTCyR5Sb6fTbQ4.png?format=pjpg&auto=webp&s=8f1bd8dcb1c36a3d1d2d0cbcb5fd8a5a61e1bb7a',
    });
    expect(info.ageLimit).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.protocol, f.width, f.height, f.vcodec, f.acodec])).toEqual([
      ['dash-1', 'dash', 320, 180, 'avc1.64000c', null],
      ['dash-4', 'dash', undefined, undefined, null, 'mp4a.40.2'],
      ['fallback', 'https', 320, 180, 'h264', null],
    ]);
    // the listing's URLs are HTML-escaped; the manifest is fetched with a real query string
    const manifest = h.web.seen(`${VIDEO}/DASHPlaylist.mpd`).at(-1)!;
    expect(new URL(manifest.url).searchParams.get('f')).toBe('sd');
    expect(manifest.url).not.toContain('amp;');
    const listing = h.web.seen('https://www.reddit.com/comments/6rrwyj/.json').at(-1)!;
    expect(listing.headers.cookie).toContain('over18=1');
    expect(listing.headers['user-agent']).toMatch(/^Mozilla\/5\.0/);
  });

  it('downloads a v.redd.it video by merging its separate DASH video and audio representations', async () => {
    const result = await h.downloads.download('https://old.reddit.com/r/videos/comments/6rrwyj/', { quality: 'best' }, { outputDir: join(h.dir, 'out-video') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['dash-1', 'dash-4']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(`${VIDEO}/DASH_180.mp4`).length).toBeGreaterThanOrEqual(1);
    expect(h.web.seen(`${VIDEO}/DASH_AUDIO_128.mp4`).length).toBeGreaterThanOrEqual(1);
  });

  it('follows a v.redd.it link to its post', async () => {
    const info = await h.info('https://v.redd.it/zv89llsvexdz');
    expect(info).toMatchObject({ id: 'zv89llsvexdz', title: 'That small heart attack.', uploader: 'rtbrsp' });
    expect(info.formats.map((f) => f.id)).toEqual(['dash-1', 'dash-4', 'fallback']);
  });

  it('reads a v.redd.it video without a post straight from its DASH manifest and downloads it', async () => {
    const info = await h.info('https://v.redd.it/abcde12345/DASH_720.mp4?source=fallback');
    expect(info).toMatchObject({ id: 'abcde12345', url: 'https://v.redd.it/abcde12345' });
    expect(info.formats.map((f) => f.id)).toEqual(['dash-1', 'dash-4']);
    const result = await h.downloads.download('https://v.redd.it/abcde12345', { quality: 'best' }, { outputDir: join(h.dir, 'out-bare') });
    expect((await probeFile(result.files[0]!.path)).streams).toEqual(['audio', 'video']);
  });

  it('turns a gallery into entries of original images and the animated item\'s mp4', async () => {
    const info = await h.info('https://www.reddit.com/gallery/1cl9h0u');
    expect(info).toMatchObject({ id: '1cl9h0u', title: 'My cat\'s three moods', uploader: 'whiskerdaze', tags: ['Cats'], formats: [] });
    expect(info.entries!.map((e) => [e.id, e.title, e.formats])).toEqual([
      ['1cl9h0u_1', 'My cat\'s three moods #1', [{ id: 'orig', url: 'https://i.redd.it/n4nfy0ts9uyc1.jpg', protocol: 'https', container: 'jpg', width: 320, height: 180, image: true }]],
      ['1cl9h0u_2', 'My cat\'s three moods #2', [{ id: 'orig', url: 'https://i.redd.it/4y3x2t8u9uyc1.png', protocol: 'https', container: 'png', width: 320, height: 180, image: true }]],
      ['1cl9h0u_3', 'My cat\'s three moods #3', [{ id: 'mp4', url: 'https://preview.redd.it/q8w7e6r5t4yc1.gif?format=mp4&s=6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d', protocol: 'https', container: 'mp4', vcodec: 'h264', acodec: null, width: 320, height: 180, note: 'gif' }]],
    ]);
  });

  it('downloads every gallery item reached through a share link', async () => {
    const result = await h.downloads.download('https://www.reddit.com/r/aww/s/7wvh1QtU8Y', { quality: 'best' }, { outputDir: join(h.dir, 'out-gallery') });
    expect(result.info.id).toBe('1cl9h0u');
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['image', 'png'], ['video', 'mp4']]);
    expect((await probeFile(result.files[2]!.path)).streams).toEqual(['video']);
  });

  it('takes a crosspost\'s media from the post it crossposts', async () => {
    const info = await h.info('https://np.reddit.com/r/MadeMeSmile/comments/6t7wi5/wait_for_it/');
    expect(info).toMatchObject({ id: '6t7wi5', title: 'This never gets old', uploader: 'smilebot3000', url: 'https://www.reddit.com/r/MadeMeSmile/comments/6t7wi5/this_never_gets_old/' });
    expect(info.formats.map((f) => f.id)).toEqual(['dash-1', 'dash-4', 'fallback']);
  });

  it('reads a text post\'s inline video from its media_metadata', async () => {
    const info = await h.info('https://www.reddit.com/link/1cxwzso/video/8x4ot2rbm92d1/player');
    expect(info).toMatchObject({ id: '8x4ot2rbm92d1', title: 'Footage from a deep sea dive' });
    expect(info.formats.map((f) => [f.id, f.url])).toEqual([
      ['dash-1', 'https://v.redd.it/link/1cxwzso/asset/8x4ot2rbm92d1/DASHPlaylist.mpd?a=1735689600%2CYjQ2&v=1&f=sd'],
      ['dash-4', 'https://v.redd.it/link/1cxwzso/asset/8x4ot2rbm92d1/DASHPlaylist.mpd?a=1735689600%2CYjQ2&v=1&f=sd'],
    ]);
  });

  it('offers reddit\'s mp4 rendition of a GIF post before the GIF itself', async () => {
    const info = await h.info('https://www.reddit.com/r/gifs/comments/1dq8g2k/cat_discovers_the_zoomies/');
    expect(info).toMatchObject({ id: '1dq8g2k', title: 'Cat discovers the zoomies', uploader: 'zoomcat' });
    expect(info.formats).toEqual([
      { id: 'mp4', url: 'https://preview.redd.it/5x7m2h0tq39d1.gif?format=mp4&s=1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e', protocol: 'https', container: 'mp4', vcodec: 'h264', acodec: null, width: 320, height: 180, note: 'gif' },
      { id: 'orig', url: 'https://i.redd.it/5x7m2h0tq39d1.gif', protocol: 'https', container: 'gif', width: 320, height: 180, image: true },
    ]);
  });

  it('hands a link post to the platform of the link', async () => {
    const info = await h.info('https://redd.it/44z7ar');
    expect(info).toMatchObject({ platform: 'streamable', id: 'dnd1' });
  });

  it('asks old.reddit when www answers with a block page', async () => {
    const info = await h.info('https://www.reddit.com/comments/blk001');
    expect(info.title).toBe('That small heart attack.');
    expect(h.web.seen('https://old.reddit.com/comments/blk001/.json')).toHaveLength(1);
  });

  it('maps removed, missing, private and quarantined posts to stable codes', async () => {
    const removed = await rejectionOf(h.info('https://www.reddit.com/r/videos/comments/9xq2lm/x/'));
    expect(removed.code).toBe('content.not_found');
    expect(removed.message).toBe('The post was removed (copyright_takedown).');
    expect((await rejectionOf(h.info('https://www.reddit.com/comments/zzz999'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://www.reddit.com/r/secret/comments/priv01/'))).code).toBe('content.private');
    expect((await rejectionOf(h.info('https://www.reddit.com/r/edgy/comments/quar01/'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://v.redd.it/gone12345'))).code).toBe('content.not_found');
  });
});

describe('reddit through dlbot info --json', () => {
  it('prints the video post as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/');
    expect(info).toMatchObject({
      platform: 'reddit', id: '6rrwyj', url: 'https://www.reddit.com/r/videos/comments/6rrwyj/that_small_heart_attack/',
      title: 'That small heart attack.', uploader: 'rtbrsp', durationSec: 2, likeCount: 26041,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([['dash-1', 'dash'], ['dash-4', 'dash'], ['fallback', 'https']]);
    expect(info.formats.every((f) => f.url.startsWith(`${VIDEO}/`))).toBe(true);
    expect(new URL(info.formats[0]!.url).pathname).toBe('/zv89llsvexdz/DASHPlaylist.mpd');
  });
});
