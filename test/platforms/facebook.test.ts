import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'facebook');
const CDN = 'https://video.fitm2-1.fna.fbcdn.net';
const REEL = '1195289147628387';
const VIDEO = '3676516585958356';

let h: PlatformHarness;
let media: SampleMedia;

const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');
/** A RegExp for a URL path on the video CDN, whatever its query (signatures change). */
const cdnPath = (path: string) => new RegExp(`^${CDN.replace(/[.]/g, '\\.')}${path.replace(/[.]/g, '\\.')}(\\?|$)`);

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const videoOnly = join(h.dir, 'video-only.mp4');
  const audioOnly = join(h.dir, 'audio-only.m4a');
  await run('ffmpeg', ['-v', 'error', '-y', '-i', media.mp4, '-an', '-c', 'copy', videoOnly]);
  await run('ffmpeg', ['-v', 'error', '-y', '-i', media.mp4, '-vn', '-c', 'copy', audioOnly]);

  // a reel: legacy HD/SD fields, progressive_urls and an inline DASH manifest of single files
  h.web.html(new RegExp(`^https://www\\.facebook\\.com/reel/${REEL}/?(\\?|$)`), await fixture('reel.html'));
  h.web.file(cdnPath('/o1/v/t2/f2/m69/AQNqL7reel_hd.mp4'), media.mp4, 'video/mp4');
  h.web.file(cdnPath('/o1/v/t2/f2/m69/AQMz4Kreel_sd.mp4'), media.mp4, 'video/mp4');
  h.web.file(cdnPath('/o1/v/t2/f2/m366/AQOreel_v720.mp4'), videoOnly, 'video/mp4');
  h.web.file(cdnPath('/o1/v/t2/f2/m367/AQPreel_audio.mp4'), audioOnly, 'audio/mp4');

  // a page video: playable_url fields and a DASH manifest URL
  h.web.html(`https://www.facebook.com/radiokicksfm/videos/${VIDEO}/`, await fixture('watch.html'));
  h.web.html('https://www.facebook.com/watch/', await fixture('watch.html'));
  h.web.route(new RegExp(`^${CDN.replace(/[.]/g, '\\.')}/dash/${VIDEO}/`), (req, res) => {
    const name = basename(req.target.pathname);
    sendFile(req, res, join(media.dir, 'dash', name), name.endsWith('.mpd') ? 'application/dash+xml' : 'video/iso.segment');
  });

  // a post with two videos
  h.web.html('https://www.facebook.com/story.php', await fixture('post-two-videos.html'));
  h.web.file(/^https:\/\/video\.fitm2-1\.fna\.fbcdn\.net\/o1\/v\/t2\/f2\/m69\/post_clip\d_sd\.mp4/, media.mp4, 'video/mp4');

  // failures: a removed reel, a redirect to the login page, a login form instead of the post
  h.web.html('https://www.facebook.com/reel/1000000000000001', await fixture('unavailable.html'));
  h.web.redirect('https://www.facebook.com/video.php', 'https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fvideo.php%3Fv%3D637842556329505');
  h.web.html('https://www.facebook.com/login/', await fixture('login-form.html'));
  h.web.html('https://www.facebook.com/groups/1024490957622648/permalink/1396382447100162/', await fixture('login-form.html'));

  // share links
  h.web.redirect('https://www.facebook.com/share/r/19Ck3Mv6Zq/', `https://www.facebook.com/reel/${REEL}/?mibextid=rS40aB7S9Ucbxw6v`);
  h.web.redirect('https://fb.watch/bSfz0zR4Ad/', `https://www.facebook.com/watch/?v=${VIDEO}&ref=sharing`, 301);
});

afterAll(() => h?.close());

describe('facebook', () => {
  it('reads a reel: HD/SD files (each once), the inline DASH representations, owner and poster', async () => {
    const info = await h.info(`https://www.facebook.com/reel/${REEL}`);
    expect(info).toMatchObject({
      platform: 'facebook', id: REEL, url: `https://www.facebook.com/reel/${REEL}`,
      title: '9.7K views · 352 reactions | When your trying to help your partner out with an arrest and #FAAFO games begin. Let the “Slapathon” commence!! | Beast Camp Training',
      uploader: 'Beast Camp Training', uploaderId: '100040874179269', durationSec: 2, timestamp: 1637502609,
      thumbnail: 'https://scontent.fitm2-1.fna.fbcdn.net/v/t15.5256-10/316331228_n.jpg?stp=dst-jpg_s720x720&_nc_cat=1',
    });
    expect(info.live).toBeUndefined();
    const known = (v: string | null | undefined) => (v === undefined ? '?' : v);
    expect(info.formats.map((f) => [f.id, f.protocol, f.height ?? null, known(f.vcodec), known(f.acodec)])).toEqual([
      ['hd', 'https', 720, '?', '?'],
      ['sd', 'https', null, '?', '?'], // an svc_sd encode tag names no resolution
      ['dash-1087379619296735v', 'https', 1280, 'avc1.64001F', null],
      ['dash-1116285979554658a', 'https', null, null, 'mp4a.40.5'],
    ]);
    expect(info.formats[2]!.url).toMatch(/^https:\/\/video\.fitm2-1\.fna\.fbcdn\.net\/o1\/v\/t2\/f2\/m366\/AQOreel_v720\.mp4\?strext=1&efg=/);
    expect(info.formats[0]!.url).toContain('oh=00_AYBc8d1_5mD3xT'); // browser_native_hd_url wins over its re-signed twin
  });

  it('downloads a reel: best merges the DASH video and audio files, worst takes the SD file', async () => {
    const best = await h.downloads.download(`https://www.facebook.com/reel/${REEL}`, { quality: 'best' }, { outputDir: join(h.dir, 'best') });
    expect(best.files[0]!.formatIds).toEqual(['dash-1087379619296735v', 'dash-1116285979554658a']);
    const probe = await probeFile(best.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);

    const worst = await h.downloads.download(`https://www.facebook.com/reel/${REEL}`, { quality: 'worst' }, { outputDir: join(h.dir, 'worst') });
    expect(worst.files[0]!.formatIds).toEqual(['sd']);
    expect(h.web.seen(`${CDN}/o1/v/t2/f2/m69/AQMz4Kreel_sd.mp4`)[0]!.headers['user-agent']).toBe('facebookexternalhit/1.1');
    expect((await probeFile(worst.files[0]!.path)).streams).toEqual(['audio', 'video']);
  });

  it('reads a page video with playable_url fields and fetches its DASH manifest URL', async () => {
    const info = await h.info(`https://www.facebook.com/radiokicksfm/videos/${VIDEO}/`);
    expect(info).toMatchObject({
      id: VIDEO, url: `https://www.facebook.com/watch/?v=${VIDEO}`, title: 'dr Adam Przygoda', description: 'Rozmowa z dr. Adamem Przygodą o zdrowiu',
      uploader: 'RADIO KICKS FM', uploaderId: '100063498165543', timestamp: 1692361381, viewCount: 1873, durationSec: 2,
    });
    expect(info.formats.filter((f) => f.protocol === 'https').map((f) => f.id)).toEqual(['hd', 'sd']);
    const dash = info.formats.filter((f) => f.protocol === 'dash');
    expect(dash.map((f) => [f.vcodec === null ? 'audio' : 'video', f.url.startsWith(`${CDN}/dash/${VIDEO}/manifest.mpd`)])).toEqual([['video', true], ['audio', true]]);

    const result = await h.downloads.download(`https://www.facebook.com/radiokicksfm/videos/${VIDEO}/`, { quality: 'best' }, { outputDir: join(h.dir, 'page') });
    expect(result.files[0]!.formatIds.every((id) => id.startsWith('dash-'))).toBe(true);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('turns a post with two videos into two entries', async () => {
    const info = await h.info('https://m.facebook.com/story.php?story_fbid=1035862816472149&id=116132035111903');
    expect(info).toMatchObject({ id: '1035862816472149', title: 'Trail Runners - Two clips from the ridge', uploader: 'Trail Runners' });
    expect(info.entries?.map((e) => [e.id, e.formats.map((f) => `${f.id}@${f.height}`)])).toEqual([
      ['801234567890123', ['sd@360']],
      ['801234567890124', ['sd@360']],
    ]);
  });

  it('says content.not_found for removed content and content.login_required for login walls', async () => {
    expect((await rejectionOf(h.info('https://www.facebook.com/reel/1000000000000001'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://www.facebook.com/video.php?v=637842556329505'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://www.facebook.com/groups/1024490957622648/permalink/1396382447100162/'))).code).toBe('content.login_required');
  });

  it('follows share/r and fb.watch short links to the video', async () => {
    const reel = await h.info('https://www.facebook.com/share/r/19Ck3Mv6Zq/');
    expect(reel).toMatchObject({ id: REEL, uploader: 'Beast Camp Training' });
    const watch = await h.info('https://fb.watch/bSfz0zR4Ad/');
    expect(watch).toMatchObject({ id: VIDEO, title: 'dr Adam Przygoda' });
    expect(h.web.seen('https://fb.watch/bSfz0zR4Ad/')).toHaveLength(1);
    const page = h.web.seen('https://www.facebook.com/watch/').at(-1)!;
    expect(page.url).toBe(`https://www.facebook.com/watch/?v=${VIDEO}&ref=sharing`);
    expect(page.headers['sec-fetch-mode']).toBe('navigate');
  });
});

describe('facebook through dlbot info --json', () => {
  it('prints the reel as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://www.facebook.com/reel/${REEL}`);
    expect(info).toMatchObject({
      platform: 'facebook', id: REEL, url: `https://www.facebook.com/reel/${REEL}`,
      title: '9.7K views · 352 reactions | When your trying to help your partner out with an arrest and #FAAFO games begin. Let the “Slapathon” commence!! | Beast Camp Training',
      uploader: 'Beast Camp Training', uploaderId: '100040874179269', durationSec: 2,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['hd', 'https'], ['sd', 'https'], ['dash-1087379619296735v', 'https'], ['dash-1116285979554658a', 'https'],
    ]);
    expect(info.formats[2]!.url).toMatch(/^https:\/\/video\.fitm2-1\.fna\.fbcdn\.net\/o1\/v\/t2\/f2\/m366\/AQOreel_v720\.mp4\?strext=1&efg=/);
    expect(info.formats[0]!.url).toContain('oh=00_AYBc8d1_5mD3xT');
  });
});
