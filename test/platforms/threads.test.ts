import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';
import { BROWSER_PROFILES } from '../../src/platforms/instagram/browser.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'threads');
const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');
const TH = 'https://www.threads.com';

let h: PlatformHarness;
let media: SampleMedia;
let jpg: string;

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  jpg = join(h.dir, 'photo.jpg');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x640', '-frames:v', '1', jpg]);
  h.web.route(/cdninstagram\.com\/.*\.mp4\?/, (req, res) => sendFile(req, res, media.mp4, 'video/mp4'));
  h.web.route(/cdninstagram\.com\/.*\.webp\?/, (req, res) => sendFile(req, res, jpg, 'image/jpeg'));
  h.web.html(`${TH}/@zuck/post/DHV7vTivqWD`, await fixture('post-video.html'));
  h.web.html(`${TH}/@zuck/post/DJDhoQfxb43`, await fixture('post-carousel.html'));
  h.web.html(`${TH}/@zuck/post/DI3mC0GxkYA`, await fixture('post-photo.html'));
  // the short form redirects to the post's page under its author
  h.web.redirect(`${TH}/t/DI3mC0GxkYA`, `${TH}/@zuck/post/DI3mC0GxkYA`, 301);
  h.web.html(`${TH}/@mosseri/post/DKq7uOtE5Ab`, await fixture('post-quote.html'));
  h.web.html(`${TH}/@zuck/post/DKtExT0nLyA`, await fixture('post-text.html'));
  h.web.html(`${TH}/@zuck/post/C0gonE5xYzA`, await fixture('post-removed.html'));
  h.web.status(`${TH}/@zuck/post/C404gonE5xY`, 404);
  h.web.redirect(`${TH}/@someone/post/CpRiv4te0xQ`, `${TH}/login?next=%2F%40someone%2Fpost%2FCpRiv4te0xQ`);
  h.web.html(`${TH}/login`, '<!DOCTYPE html><html><head><title>Threads • Log in</title></head><body></body></html>');
});

afterAll(() => h?.close());

describe('threads', () => {
  it('reads a video post from the page\'s data-sjs Relay data (threads.net links go to threads.com)', async () => {
    const info = await h.info('https://www.threads.net/@zuck/post/DHV7vTivqWD?xmt=AQGz');
    expect(info).toMatchObject({
      platform: 'threads', id: 'DHV7vTivqWD', url: 'https://www.threads.com/@zuck/post/DHV7vTivqWD',
      title: 'Me finding out Llama hit 1 BILLION downloads.', description: 'Me finding out Llama hit 1 BILLION downloads.',
      uploader: 'Mark Zuckerberg', uploaderId: 'zuck', timestamp: 1742305717, likeCount: 48210,
    });
    expect(info.thumbnail).toMatch(/485672113_threadvideo_n\.webp\?stp=dst-jpg_e35_s720x1280_tt6&/);
    // type 103 repeats type 101's URL, so two distinct files are offered
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.container, f.headers?.Referer])).toEqual([
      ['mp4-101', 720, 1280, 'mp4', 'https://www.threads.com/'],
      ['mp4-102', 720, 1280, 'mp4', 'https://www.threads.com/'],
    ]);
    const page = h.web.seen(`${TH}/@zuck/post/DHV7vTivqWD`)[0]!;
    expect(BROWSER_PROFILES.map((b) => b.userAgent)).toContain(page.headers['user-agent']);
    expect(page.headers['sec-fetch-mode']).toBe('navigate');
  });

  it('downloads the video post into a valid mp4', async () => {
    const result = await h.downloads.download('https://www.threads.com/@zuck/post/DHV7vTivqWD', { quality: 'best' }, { outputDir: join(h.dir, 'video') });
    expect(result.files).toHaveLength(1);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('turns a carousel of two photos and a video into three entries and three files', async () => {
    const info = await h.info('https://www.threads.com/@zuck/post/DJDhoQfxb43');
    expect(info).toMatchObject({ id: 'DJDhoQfxb43', title: 'Some photos from LlamaCon today 🦙', timestamp: 1745982529, formats: [] });
    expect(info.entries!.map((e) => [e.title, e.formats.map((f) => f.image ?? false)[0], e.formats[0]!.width, e.formats[0]!.height])).toEqual([
      ['Some photos from LlamaCon today 🦙 (1/3)', true, 1080, 1350],
      ['Some photos from LlamaCon today 🦙 (2/3)', true, 1080, 1350],
      ['Some photos from LlamaCon today 🦙 (3/3)', false, 720, 1280],
    ]);
    // Threads images are .webp paths that ask the CDN for a JPEG (stp=dst-jpg)
    expect(info.entries![0]!.formats.map((f) => [f.container, f.width])).toEqual([['jpg', 1080], ['jpg', 640], ['jpg', 320]]);
    const result = await h.downloads.download('https://www.threads.com/@zuck/post/DJDhoQfxb43', { quality: 'best' }, { outputDir: join(h.dir, 'carousel') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['image', 'jpg'], ['video', 'mp4']]);
    expect(await probeFile(result.files[0]!.path)).toMatchObject({ width: 640, height: 640 });
    const probe = await probeFile(result.files[2]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('follows the /t/ short form\'s redirect to a photo post and downloads the photo', async () => {
    const info = await h.info('https://www.threads.com/t/DI3mC0GxkYA');
    expect(info).toMatchObject({ id: 'DI3mC0GxkYA', url: 'https://www.threads.com/@zuck/post/DI3mC0GxkYA', title: 'Sunday project.', uploaderId: 'zuck' });
    expect(info.formats[0]).toMatchObject({ image: true, width: 1440, height: 1800, container: 'jpg' });
    expect(h.web.seen(`${TH}/t/DI3mC0GxkYA`)).toHaveLength(1);
    const result = await h.downloads.download('https://www.threads.com/t/DI3mC0GxkYA', { quality: 'best' }, { outputDir: join(h.dir, 'photo') });
    expect(result.files.map((f) => f.kind)).toEqual(['image']);
  });

  it('takes the media of the post a text post quotes, and refuses a text-only post', async () => {
    const info = await h.info('https://www.threads.com/@mosseri/post/DKq7uOtE5Ab');
    expect(info).toMatchObject({ id: 'DKq7uOtE5Ab', url: 'https://www.threads.com/@mosseri/post/DKq7uOtE5Ab', title: 'This never gets old', uploaderId: 'mosseri', timestamp: 1747000000 });
    expect(info.formats.map((f) => [f.id, f.width, f.height])).toEqual([['mp4-101', 720, 1280]]);
    const error = await rejectionOf(h.info('https://www.threads.com/@zuck/post/DKtExT0nLyA'));
    expect(error.code).toBe('content.not_found');
    expect(error.message).toMatch(/no video or photo/);
  });

  it('says content.not_found for a removed post, whether the page is empty or a 404', async () => {
    expect((await rejectionOf(h.info('https://www.threads.com/@zuck/post/C0gonE5xYzA'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://www.threads.net/@zuck/post/C404gonE5xY'))).code).toBe('content.not_found');
  });

  it('says content.login_required when Threads sends the visitor to its login page', async () => {
    expect((await rejectionOf(h.info('https://www.threads.com/@someone/post/CpRiv4te0xQ'))).code).toBe('content.login_required');
  });
});

describe('threads through dlbot info --json', () => {
  it('prints the video post as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://www.threads.net/@zuck/post/DHV7vTivqWD?xmt=AQGz');
    expect(info).toMatchObject({
      platform: 'threads', id: 'DHV7vTivqWD', url: 'https://www.threads.com/@zuck/post/DHV7vTivqWD',
      title: 'Me finding out Llama hit 1 BILLION downloads.', uploader: 'Mark Zuckerberg', uploaderId: 'zuck', likeCount: 48210,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([['mp4-101', 'https', 1280], ['mp4-102', 'https', 1280]]);
    expect(info.formats.every((f) => /^https:\/\/[^/]*cdninstagram\.com\/.*\.mp4\?/.test(f.url))).toBe(true);
    expect(info.formats[0]!.url).not.toBe(info.formats[1]!.url);
  });
});
