import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tumblr');
const TOKEN = 'aIcXSOoTtqrzR8L8YEIOmBeW94c3FmbSNSWAUbxsny9KKx5VFh';
const VIDEO_URL = 'https://va.media.tumblr.com/tumblr_qfd2rlKnpD1rs2ykl.mp4';
const API = 'https://www.tumblr.com/api/v2/blog';

let h: PlatformHarness;
let media: SampleMedia;

const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const jpg = join(h.dir, 'photo.jpg');
  const png = join(h.dir, 'photo.png');
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1', jpg]);
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1', png]);

  // a video post: the state is a JSON script tag
  h.web.html('https://www.tumblr.com/maskofthedragon/626907179849564160', await fixture('page-video.html'));
  h.web.file(VIDEO_URL, media.mp4, 'video/mp4');
  // a reblogged photoset: the state is a window assignment
  h.web.html('https://www.tumblr.com/felixcosm/730460905855467520', await fixture('page-photoset.html'));
  h.web.file(/^https:\/\/64\.media\.tumblr\.com\/.*\.jpg$/, jpg, 'image/jpeg');
  h.web.file(/^https:\/\/64\.media\.tumblr\.com\/.*\.pnj$/, png, 'image/png');
  // a post the page state does not carry: the API answers (with the bearer token)
  h.web.html('https://www.tumblr.com/shieldfoss/675519763813908480', await fixture('page-without-post.html'));
  h.web.route(`${API}/shieldfoss/posts/675519763813908480/permalink`, async (req, res) => {
    const ok = req.headers.authorization === `Bearer ${TOKEN}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? await fixture('api-permalink-675519763813908480.json') : '{}');
  });
  // a dashboard-only blog: the page redirects to the login wall and the API refuses
  h.web.redirect('https://www.tumblr.com/hiddenblog/700000000000000001', 'https://www.tumblr.com/login_required/hiddenblog');
  h.web.html('https://www.tumblr.com/login_required/hiddenblog', await fixture('page-without-post.html'));
  h.web.html(`${API}/hiddenblog/posts/700000000000000001/permalink`, await fixture('api-forbidden.json'), 403);
  // a removed post
  h.web.html('https://www.tumblr.com/shieldfoss/700000000000000002', '<html><title>Not found</title></html>', 404);
  // a page without state, an API without the post: the theme page's <video><source>
  h.web.html('https://www.tumblr.com/tatianamaslanydaily/54196191430', '<!DOCTYPE html><html><head><title>Tumblr</title></head><body></body></html>');
  h.web.json(`${API}/tatianamaslanydaily/posts/54196191430/permalink`, JSON.parse(await fixture('api-empty.json')));
  h.web.html('https://tatianamaslanydaily.tumblr.com/post/54196191430', await fixture('legacy-theme-post.html'));
  h.web.file('https://va.media.tumblr.com/tumblr_mp5xsvRkwI1qz6u9r.mp4', media.mp4, 'video/mp4');
  h.web.html('https://www.tumblr.com/login', await fixture('page-without-post.html'));
  // at.tumblr.com share link
  h.web.redirect('https://at.tumblr.com/maskofthedragon/8dbvk3ne5fzx', 'https://www.tumblr.com/maskofthedragon/626907179849564160?source=share');
});

afterAll(() => h?.close());

describe('tumblr', () => {
  it('reads a video post from the page state: the mp4, its poster and the metadata', async () => {
    const info = await h.info('https://maskofthedragon.tumblr.com/post/626907179849564160/mona-talking-in-english/');
    expect(info).toMatchObject({
      platform: 'tumblr', id: '626907179849564160', url: 'https://www.tumblr.com/maskofthedragon/626907179849564160',
      title: 'Mona\u00a0“talking” in\u00a0“english”', description: 'Mona “talking” in “english”',
      uploader: 'maskofthedragon', uploaderId: 'maskofthedragon', timestamp: 1597865276, durationSec: 2,
      tags: ['genshin impact', 'mona', 'genshin'], likeCount: 1021, ageLimit: 0,
      thumbnail: 'https://64.media.tumblr.com/tumblr_qfd2rlKnpD1rs2ykl_frame1.jpg',
    });
    expect(info.formats).toEqual([{ id: 'mp4', url: VIDEO_URL, protocol: 'https', container: 'mp4', width: 320, height: 180 }]);
    expect(await h.ctx.cache!.get('tumblr:api-token')).toBe(TOKEN);
  });

  it('downloads the video post into a valid mp4', async () => {
    const result = await h.downloads.download('https://www.tumblr.com/maskofthedragon/626907179849564160', { quality: 'best' }, { outputDir: join(h.dir, 'video') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(VIDEO_URL).length).toBeGreaterThan(0);
  });

  it('turns a reblogged photoset into one image entry per block, credited to the original blog', async () => {
    const info = await h.info('https://www.tumblr.com/felixcosm/730460905855467520/if-youre-looking-for-new-music-to-write-or');
    expect(info).toMatchObject({ title: 'Autumn in the valley', description: 'Autumn in the valley\n\nso pretty', uploaderId: 'lightandlens', timestamp: 1696990000 });
    expect(info.entries?.map((e) => [e.id, e.formats[0]!.container, e.formats[0]!.width, e.formats.length])).toEqual([
      ['730460905855467520_1', 'jpg', 640, 2],
      ['730460905855467520_2', 'png', 640, 2],
    ]);
    const result = await h.downloads.download('https://www.tumblr.com/felixcosm/730460905855467520', { quality: 'best' }, { outputDir: join(h.dir, 'photos') });
    expect(result.files.map((f) => [f.kind, f.container, f.formatIds[0]])).toEqual([['image', 'jpg', 'original'], ['image', 'png', 'original']]);
    for (const file of result.files) expect(await probeFile(file.path)).toMatchObject({ width: 640, height: 360 });
  });

  it('asks the permalink API with the bearer token when the page state lacks the post', async () => {
    const info = await h.info('https://shieldfoss.tumblr.com/post/675519763813908480');
    expect(info).toMatchObject({ id: '675519763813908480', title: 'Lullaby (demo)', uploader: 'Shieldfoss', tags: ['music'], likeCount: 12 });
    expect(info.formats).toEqual([{ id: 'audio', url: 'https://a.tumblr.com/tumblr_r5k2a1QxYz1zq9ab1o1.mp3', protocol: 'https', container: 'mp3', vcodec: null, acodec: 'mp3' }]);
    expect(h.web.seen(`${API}/shieldfoss/`)[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('says content.login_required for a dashboard-only post and content.not_found for a removed one', async () => {
    expect((await rejectionOf(h.info('https://www.tumblr.com/hiddenblog/700000000000000001'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://www.tumblr.com/shieldfoss/700000000000000002'))).code).toBe('content.not_found');
  });

  it('falls back to the blog theme page and its <video><source>', async () => {
    const info = await h.info('http://tatianamaslanydaily.tumblr.com/post/54196191430/orphan-black-dvd-extra-behind-the-scenes');
    expect(info).toMatchObject({ title: 'Orphan Black DVD Extra - behind the scenes', description: 'Tatiana Maslany on set', thumbnail: 'https://64.media.tumblr.com/tumblr_mp5xsvRkwI1qz6u9r_frame1.jpg' });
    expect(info.formats.map((f) => f.url)).toEqual(['https://va.media.tumblr.com/tumblr_mp5xsvRkwI1qz6u9r.mp4']);
  });

  it('follows an at.tumblr.com share link to the post', async () => {
    const info = await h.info('https://at.tumblr.com/maskofthedragon/8dbvk3ne5fzx');
    expect(info.id).toBe('626907179849564160');
    expect(h.web.seen('https://at.tumblr.com/')).toHaveLength(1);
  });
});

describe('tumblr through dlbot info --json', () => {
  it('prints the video post as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://maskofthedragon.tumblr.com/post/626907179849564160/mona-talking-in-english/');
    expect(info).toMatchObject({
      platform: 'tumblr', id: '626907179849564160', url: 'https://www.tumblr.com/maskofthedragon/626907179849564160',
      title: 'Mona\u00a0“talking” in\u00a0“english”', uploader: 'maskofthedragon', durationSec: 2, likeCount: 1021,
    });
    expect(info.formats).toEqual([{ id: 'mp4', url: VIDEO_URL, protocol: 'https', container: 'mp4', width: 320, height: 180 }]);
  });
});
