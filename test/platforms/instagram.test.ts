import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServerResponse } from 'node:http';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';
import { mediaIdToShortcode, shortcodeToMediaId } from '../../src/platforms/instagram.js';
import { BROWSER_PROFILES } from '../../src/platforms/instagram/browser.js';
import { postFromGraph, postToMediaInfo, type GraphMedia } from '../../src/platforms/instagram/media.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'instagram');
const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');
const fixtureJson = async (name: string) => JSON.parse(await fixture(name)) as Record<string, unknown>;

const IG = 'https://www.instagram.com';
const CSRF_FROM_HOME = 'Hk3nQ8xWmZ2pL5vR';
const LSD_FROM_HOME = 'AVqbxe3J_YA';
const USER_AGENTS = BROWSER_PROFILES.map((b) => b.userAgent);

interface LocalMedia extends SampleMedia {
  jpg: string;
  videoOnly: string;
  audioOnly: string;
}

/** The sample clip split the way DASH serves it, and a photo, all made by ffmpeg. */
async function makeLocalMedia(dir: string): Promise<LocalMedia> {
  const media = await makeSampleMedia(dir);
  const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  const local = { ...media, jpg: join(dir, 'photo.jpg'), videoOnly: join(dir, 'video-only.mp4'), audioOnly: join(dir, 'audio-only.m4a') };
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x640', '-frames:v', '1', local.jpg]);
  await ffmpeg(['-i', media.mp4, '-an', '-c', 'copy', local.videoOnly]);
  await ffmpeg(['-i', media.mp4, '-vn', '-c', 'copy', local.audioOnly]);
  return local;
}

/** Instagram's CDN: DASH video and audio representations, muxed MP4s and photos. */
function serveCdn(h: PlatformHarness, media: LocalMedia): void {
  h.web.route(/cdninstagram\.com\/.*\.mp4\?/, (req, res) => {
    const path = req.target.pathname;
    if (/AQOreelv(1080|720)\.mp4$/.test(path)) return sendFile(req, res, media.videoOnly, 'video/mp4');
    if (/AQOreela\.mp4$/.test(path)) return sendFile(req, res, media.audioOnly, 'audio/mp4');
    return sendFile(req, res, media.mp4, 'video/mp4');
  });
  h.web.route(/cdninstagram\.com\/.*\.(jpg|webp)\?/, (req, res) => sendFile(req, res, media.jpg, 'image/jpeg'));
}

type Answer = (res: ServerResponse) => void;
const json = (body: unknown, status = 200): Answer => (res) => void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
const text = (body: string, type = 'text/html; charset=utf-8', status = 200): Answer => (res) => void res.writeHead(status, { 'content-type': type }).end(body);
const toLogin = (code: string): Answer => (res) =>
  void res.writeHead(302, { location: `${IG}/accounts/login/?next=%2Fp%2F${code}%2F` }).end();

/**
 * The endpoints every post shares a path of: the GraphQL query (told apart by the shortcode in
 * its `variables`) and the route definitions (by `route_urls[0]`).
 */
function serveSharedEndpoints(h: PlatformHarness, graphql: Record<string, Answer>, routes: Record<string, Answer>): void {
  h.web.route(`${IG}/graphql/query`, (req, res) => {
    const form = new URLSearchParams(req.body);
    const code = (JSON.parse(form.get('variables') ?? '{}') as { shortcode?: string }).shortcode ?? '';
    (graphql[code] ?? json({ data: { xdt_shortcode_media: null }, extensions: { is_final: true }, status: 'ok' }))(res);
  });
  h.web.route(`${IG}/ajax/bulk-route-definitions/`, (req, res) => {
    const path = new URLSearchParams(req.body).get('route_urls[0]') ?? '';
    const code = /^\/p\/([^/]+)\/$/.exec(path)?.[1] ?? '';
    (routes[code] ?? text('for (;;);{"__ar":1,"payload":{"payloads":{}}}', 'application/x-javascript; charset=utf-8'))(res);
  });
}

describe('instagram shortcodes', () => {
  it('converts shortcodes to media ids and back, past 2^53', () => {
    expect(shortcodeToMediaId('aye83DjauH')).toBe('482584233761418119');
    expect(mediaIdToShortcode('482584233761418119')).toBe('aye83DjauH');
    expect(shortcodeToMediaId('Chunk8-jurw')).toBe('2913440072144448240');
    expect(mediaIdToShortcode('2913440072144448240_25025320')).toBe('Chunk8-jurw');
    expect(mediaIdToShortcode(3570766765028588805n)).toBe(mediaIdToShortcode('3570766765028588805'));
    expect(shortcodeToMediaId(mediaIdToShortcode('3570766765028588805'))).toBe('3570766765028588805');
    expect(shortcodeToMediaId('-Cmh1cukG2')).toBe(shortcodeToMediaId('-Cmh1cukG2'.padStart(11, 'A')));
  });

  it('ignores the 28 characters a private post adds, and refuses what is not a shortcode', () => {
    expect(shortcodeToMediaId(`Chunk8-jurw${'A'.repeat(28)}`)).toBe('2913440072144448240');
    expect(() => shortcodeToMediaId('abc$def')).toThrow(expect.objectContaining({ code: 'link.invalid' }) as Error);
    expect(() => mediaIdToShortcode('12ab')).toThrow(expect.objectContaining({ code: 'link.invalid' }) as Error);
  });
});

describe('instagram media mapping', () => {
  it('cuts a carousel to the playlist limit and says how many items there were', async () => {
    const answer = (await fixtureJson('graphql-carousel.json')) as { data: { xdt_shortcode_media: GraphMedia } };
    const site = { platform: 'instagram', url: `${IG}/p/DA7mW2qPcLb/`, mediaHeaders: {}, limit: 2 };
    const info = postToMediaInfo(postFromGraph(answer.data.xdt_shortcode_media, 'DA7mW2qPcLb', site), site);
    expect(info.entries!.map((e) => e.title)).toEqual([`${info.title} (1/3)`, `${info.title} (2/3)`]);
    expect(info.entriesTotal).toBe(3);
  });
});

describe('instagram (anonymous)', () => {
  let h: PlatformHarness;
  let media: LocalMedia;

  beforeAll(async () => {
    h = await startPlatformHarness();
    media = await makeLocalMedia(h.dir);
    serveCdn(h, media);
    h.web.html(`${IG}/`, await fixture('home.html'), 200, { 'set-cookie': `csrftoken=${CSRF_FROM_HOME}; Domain=.instagram.com; expires=Tue, 02-Dec-2025 10:00:00 GMT; Max-Age=31449600; Path=/; Secure` });
    h.web.html(`${IG}/accounts/login/`, await fixture('login.html'));
    const broken = await fixture('embed-broken.html');
    serveSharedEndpoints(
      h,
      {
        'Chunk8-jurw': json(await fixtureJson('graphql-reel.json')),
        'DA7mW2qPcLb': json(await fixtureJson('graphql-carousel.json')),
        'BkfuX9UB-eK': json(await fixtureJson('graphql-igtv.json')),
        // without the right tokens the endpoint answers a "Page not found" HTML stub
        CfJ3Xv5LqYb: text('<!DOCTYPE html><html><head><title>Page not found • Instagram</title></head><body></body></html>'),
        CWqAgUZgCku: toLogin('CWqAgUZgCku'),
        CWaItMiNuTe: json({ message: 'Please wait a few minutes before you try again.', require_login: true, status: 'fail' }),
        C2rAtElImIt: (res) => void res.writeHead(429, { 'retry-after': '120', 'content-type': 'text/html' }).end(),
      },
      {
        C1prIvAtE9q: text(await fixture('route-private.txt'), 'application/x-javascript; charset=utf-8'),
        C0gonE5xYzA: text(await fixture('route-missing.txt'), 'application/x-javascript; charset=utf-8'),
        CaGeL0ck3dX: text(await fixture('route-restricted.txt'), 'application/x-javascript; charset=utf-8'),
        CWqAgUZgCku: toLogin('CWqAgUZgCku'),
      },
    );
    // the older endpoints, per post
    h.web.redirect(`${IG}/p/CfJ3Xv5LqYb/`, `${IG}/accounts/login/?next=%2Fp%2FCfJ3Xv5LqYb%2F%3F__a%3D1%26__d%3Ddis`);
    h.web.html(`${IG}/p/CfJ3Xv5LqYb/embed/captioned/`, await fixture('embed-photo.html'));
    h.web.redirect(`${IG}/p/CWqAgUZgCku/`, `${IG}/accounts/login/?next=%2Fp%2FCWqAgUZgCku%2F`);
    h.web.redirect(`${IG}/p/CWqAgUZgCku/embed/captioned/`, `${IG}/accounts/login/?next=%2Fp%2FCWqAgUZgCku%2F`);
    for (const code of ['C0gonE5xYzA', 'C1prIvAtE9q', 'CaGeL0ck3dX']) {
      h.web.status(`${IG}/p/${code}/`, 404);
      h.web.html(`${IG}/p/${code}/embed/captioned/`, broken);
    }
    h.web.json(`${IG}/api/v1/web/get_ruling_for_media_content_logged_out`, {
      title: 'Restricted Video',
      description: 'You must be 18 years old or over to see this video.',
      status: 'ok',
    });
    // a share link as the app hands it out
    h.web.redirect(`${IG}/share/reel/BAHtk2AamB/`, `${IG}/reel/Chunk8-jurw/?igsh=MXRtZ2V6bXd0c2o1eg%3D%3D`);
  });

  afterAll(() => h?.close());

  it('reads a reel from the GraphQL query: metadata, the muxed MP4 and every DASH representation', async () => {
    const info = await h.info('https://www.instagram.com/reel/Chunk8-jurw/?utm_source=ig_web_copy_link');
    expect(info).toMatchObject({
      platform: 'instagram', id: 'Chunk8-jurw', url: 'https://www.instagram.com/reel/Chunk8-jurw/',
      title: 'Meet Manu, a waterfall chaser 🌊', description: 'Meet Manu, a waterfall chaser 🌊\n\n#reels #waterfall',
      uploader: 'Instagram', uploaderId: 'instagram', durationSec: 2, timestamp: 1661529231,
      viewCount: 2510004, likeCount: 321654, tags: ['reels', 'waterfall'], music: { title: 'Original audio', author: 'instagram' },
    });
    expect(info.thumbnail).toMatch(/301396226_reel_n\.jpg\?stp=dst-jpg_e35_p1080x1080/);
    expect(info.entries).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.vcodec, f.acodec, f.bitrateKbps])).toEqual([
      ['mp4', 720, 1280, undefined, undefined, undefined],
      ['dash-1056344652636151v', 1080, 1920, 'avc1.640028', null, 1893],
      ['dash-1123617892275113v', 720, 1280, 'avc1.64001F', null, 912],
      ['dash-502998349085367a', undefined, undefined, null, 'mp4a.40.5', 70],
    ]);
    // the manifest's BaseURL, its &amp; entities decoded
    expect(info.formats[1]!.url).toMatch(/\/AQOreelv1080\.mp4\?stp=dst-mp4&efg=[^&]+&_nc_cat=103&/);
    expect(info.formats.every((f) => f.headers?.Referer === 'https://www.instagram.com/' && f.protocol === 'https')).toBe(true);
  });

  it('asks GraphQL the way the web app does: doc_id, LSD and CSRF from the home page, app id, a browser UA', async () => {
    const call = h.web.seen(`${IG}/graphql/query`).find((r) => r.body.includes('Chunk8-jurw'))!;
    const form = new URLSearchParams(call.body);
    expect(call.method).toBe('POST');
    expect(form.get('doc_id')).toBe('8845758582119845');
    expect(form.get('fb_api_req_friendly_name')).toBe('PolarisPostActionLoadPostQueryQuery');
    expect(JSON.parse(form.get('variables')!)).toMatchObject({ shortcode: 'Chunk8-jurw' });
    expect(form.get('lsd')).toBe(LSD_FROM_HOME);
    expect(call.headers).toMatchObject({
      'x-ig-app-id': '936619743392459',
      'x-fb-lsd': LSD_FROM_HOME,
      'x-csrftoken': CSRF_FROM_HOME,
      'x-fb-friendly-name': 'PolarisPostActionLoadPostQueryQuery',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(call.headers.cookie).toContain(`csrftoken=${CSRF_FROM_HOME}`);
    expect(USER_AGENTS).toContain(call.headers['user-agent']);
  });

  it('downloads a reel\'s best DASH video and its audio, merged into one file', async () => {
    const result = await h.downloads.download('https://www.instagram.com/reel/Chunk8-jurw/', { quality: 'best' }, { outputDir: join(h.dir, 'reel') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['dash-1056344652636151v', 'dash-502998349085367a']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen('https://scontent-iad3-1.cdninstagram.com/o1/v/t16/f2/m86/AQOreelv1080.mp4').at(-1)!.headers.referer).toBe('https://www.instagram.com/');
  });

  it('turns a carousel of two photos and a video into three entries, photos largest first', async () => {
    const info = await h.info('https://www.instagram.com/p/DA7mW2qPcLb/');
    expect(info).toMatchObject({
      id: 'DA7mW2qPcLb', url: 'https://www.instagram.com/p/DA7mW2qPcLb/', uploader: 'National Geographic', uploaderId: 'natgeo',
      title: 'Three views of Kenai Fjords, Alaska. Swipe for the glacier calving. #alaska #glaciers', timestamp: 1727369512,
      likeCount: 98765, tags: ['alaska', 'glaciers'], formats: [],
    });
    expect(info.entries!.map((e) => [e.id, e.url, e.title])).toEqual([
      [mediaIdToShortcode('3475540228914727650'), 'https://www.instagram.com/p/DA7mW2qPcLb/?img_index=1', `${info.title} (1/3)`],
      [mediaIdToShortcode('3475540229166349391'), 'https://www.instagram.com/p/DA7mW2qPcLb/?img_index=2', `${info.title} (2/3)`],
      [mediaIdToShortcode('3475540229451611003'), 'https://www.instagram.com/p/DA7mW2qPcLb/?img_index=3', `${info.title} (3/3)`],
    ]);
    const [first, video] = info.entries!;
    expect(first!.formats.map((f) => [f.image, f.container, f.width, f.height])).toEqual([
      [true, 'jpg', 1080, 1350],
      [true, 'jpg', 750, 938],
      [true, 'jpg', 640, 800],
    ]);
    expect(video!.formats).toEqual([
      expect.objectContaining({ id: 'mp4', width: 1080, height: 1350, container: 'mp4', url: expect.stringContaining('AQNsidecarvideo.mp4') as string }),
    ]);
    expect(video).toMatchObject({ durationSec: 2, viewCount: 120044 });
  });

  it('downloads the carousel as three files: two photos and a playable video', async () => {
    const result = await h.downloads.download('https://www.instagram.com/p/DA7mW2qPcLb/', { quality: 'best' }, { outputDir: join(h.dir, 'carousel') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['video', 'mp4'], ['image', 'jpg']]);
    for (const photo of [result.files[0]!, result.files[2]!]) {
      expect((await stat(photo.path)).size).toBe((await stat(media.jpg)).size);
      expect(await probeFile(photo.path)).toMatchObject({ width: 640, height: 640 });
    }
    const probe = await probeFile(result.files[1]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('reads an IGTV video with its own title and downloads its MP4', async () => {
    const info = await h.info('https://www.instagram.com/tv/BkfuX9UB-eK/');
    expect(info).toMatchObject({
      id: 'BkfuX9UB-eK', url: 'https://www.instagram.com/tv/BkfuX9UB-eK/', title: 'Fingerboarding Tricks with @cass.fb',
      uploaderId: 'instagram', timestamp: 1530032919, durationSec: 2, viewCount: 1312457,
    });
    expect(info.formats.map((f) => [f.id, f.width, f.height])).toEqual([['mp4', 360, 640]]);
    const result = await h.downloads.download('https://www.instagram.com/tv/BkfuX9UB-eK/', { quality: 'best' }, { outputDir: join(h.dir, 'igtv') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('falls back to the embed page when GraphQL and ?__a=1 give nothing', async () => {
    const info = await h.info('https://www.instagram.com/natgeo/p/CfJ3Xv5LqYb/');
    expect(info).toMatchObject({
      id: 'CfJ3Xv5LqYb', url: 'https://www.instagram.com/p/CfJ3Xv5LqYb/', uploader: 'natgeo', uploaderId: 'natgeo',
      title: 'A leopard rests in the shade of an acacia. Photo by @amivitale #leopard #kenya', likeCount: 154321,
      timestamp: 1656085821, tags: ['leopard', 'kenya'],
    });
    expect(info.formats.map((f) => [f.image, f.width, f.height])).toEqual([[true, 1080, 1350], [true, 750, 938], [true, 640, 800]]);
    expect(h.web.seen(`${IG}/p/CfJ3Xv5LqYb/?__a=1&__d=dis`)).toHaveLength(1);
    expect(h.web.seen(`${IG}/p/CfJ3Xv5LqYb/embed/captioned/`)[0]!.headers).toMatchObject({ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
    const result = await h.downloads.download('https://www.instagram.com/p/CfJ3Xv5LqYb/', { quality: 'best' }, { outputDir: join(h.dir, 'photo') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg']]);
  });

  it('follows a share link to the reel', async () => {
    const info = await h.info('https://www.instagram.com/share/reel/BAHtk2AamB/');
    expect(info).toMatchObject({ id: 'Chunk8-jurw', url: 'https://www.instagram.com/reel/Chunk8-jurw/', durationSec: 2 });
    expect(h.web.seen(`${IG}/share/reel/BAHtk2AamB/`)).toHaveLength(1);
  });

  it('says content.login_required when every answer is the login wall', async () => {
    const error = await rejectionOf(h.info('https://www.instagram.com/p/CWqAgUZgCku/'));
    expect(error.code).toBe('content.login_required');
    // GraphQL, ?__a=1, the embed and the router were all bounced to the login page
    expect(h.web.seen(`${IG}/accounts/login/?next=%2Fp%2FCWqAgUZgCku%2F`)).toHaveLength(4);
  });

  it('says content.login_required when GraphQL answers require_login and nothing else has the post', async () => {
    expect((await rejectionOf(h.info('https://www.instagram.com/p/CWaItMiNuTe/'))).code).toBe('content.login_required');
  });

  it('says fetch.rate_limited on HTTP 429 and stops asking', async () => {
    const error = await rejectionOf(h.info('https://www.instagram.com/reel/C2rAtElImIt/'));
    expect(error.code).toBe('fetch.rate_limited');
    expect(error.context.retryAfterSec).toBe(120);
    expect(h.web.seen(`${IG}/p/C2rAtElImIt/embed/captioned/`)).toHaveLength(0);
  });

  it('says content.not_found for a removed post', async () => {
    const error = await rejectionOf(h.info('https://www.instagram.com/p/C0gonE5xYzA/'));
    expect(error.code).toBe('content.not_found');
    expect(h.web.seen(`${IG}/p/C0gonE5xYzA/embed/captioned/`)).toHaveLength(1);
  });

  it('says content.private for a private account\'s post, from the router or from the long shortcode', async () => {
    expect((await rejectionOf(h.info('https://www.instagram.com/p/C1prIvAtE9q/'))).code).toBe('content.private');
    const longCode = 'DLIrVcmPuFA7g5tn9OzPjsA-R8qU2HPJv_FzCo0';
    expect((await rejectionOf(h.info(`https://www.instagram.com/p/${longCode}/`))).code).toBe('content.private');
    expect(h.web.seen(`${IG}/ajax/bulk-route-definitions/`).filter((r) => r.body.includes(longCode))).toHaveLength(0);
  });

  it('says content.age_restricted when the router knows the post and the ruling is "Restricted"', async () => {
    expect((await rejectionOf(h.info('https://www.instagram.com/p/CaGeL0ck3dX/'))).code).toBe('content.age_restricted');
    const ruling = h.web.seen(`${IG}/api/v1/web/get_ruling_for_media_content_logged_out`).at(-1)!;
    expect(new URL(ruling.url).searchParams.get('media_id')).toBe(shortcodeToMediaId('CaGeL0ck3dX'));
  });

  it('refuses stories and highlights without a session, before asking Instagram', async () => {
    expect((await rejectionOf(h.info('https://www.instagram.com/stories/fruits_zipper/3570766765028588805/'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://www.instagram.com/stories/highlights/18090946048123978/'))).code).toBe('content.login_required');
    expect(h.web.seen('https://i.instagram.com/')).toHaveLength(0);
  });

  it('prints the reel as one complete MediaInfo line through dlbot info --json', async () => {
    const info = await cliInfoJson(h, 'https://www.instagram.com/reel/Chunk8-jurw/?utm_source=ig_web_copy_link');
    expect(info).toMatchObject({
      platform: 'instagram', id: 'Chunk8-jurw', url: 'https://www.instagram.com/reel/Chunk8-jurw/',
      title: 'Meet Manu, a waterfall chaser 🌊', uploader: 'Instagram', uploaderId: 'instagram', durationSec: 2, likeCount: 321654,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['mp4', 'https'], ['dash-1056344652636151v', 'https'], ['dash-1123617892275113v', 'https'], ['dash-502998349085367a', 'https'],
    ]);
    expect(info.formats.every((f) => /^https:\/\/[^/]*cdninstagram\.com\/.*\.mp4\?/.test(f.url))).toBe(true);
    expect(info.formats[1]!.url).toMatch(/\/AQOreelv1080\.mp4\?stp=dst-mp4&efg=[^&]+&_nc_cat=103&/);
  });
});

describe('instagram with COOKIES_FILE', () => {
  const SESSION = '1385064271%3AqW8eRtYu1IoP9a%3A12%3AAYfLq0x3Zb';
  const CSRF = 'zC7pQ2mX9kLw4VnB8tRy1uHs';
  let h: PlatformHarness;
  let media: LocalMedia;
  let cookiesDir: string;

  beforeAll(async () => {
    const cookies = [
      '# Netscape HTTP Cookie File',
      `.instagram.com\tTRUE\t/\tTRUE\t2000000000\tcsrftoken\t${CSRF}`,
      `.instagram.com\tTRUE\t/\tTRUE\t2000000000\tds_user_id\t1385064271`,
      `#HttpOnly_.instagram.com\tTRUE\t/\tTRUE\t2000000000\tsessionid\t${SESSION}`,
    ].join('\n');
    cookiesDir = await mkdtemp(join(tmpdir(), 'dlbot-ig-cookies-'));
    const cookiesFile = join(cookiesDir, 'cookies.txt');
    await writeFile(cookiesFile, `${cookies}\n`);
    h = await startPlatformHarness({ cookiesFile });
    media = await makeLocalMedia(h.dir);
    serveCdn(h, media);
    serveSharedEndpoints(h, {}, {});
    h.web.route(`${IG}/api/v1/media/${shortcodeToMediaId('CDUMkliABpa')}/info/`, async (_req, res) =>
      text(await fixture('media-info-reel.json'), 'application/json; charset=utf-8')(res),
    );
    // an expired session: the media API bounces to the login page; the older query still answers
    h.web.route(`${IG}/api/v1/media/${shortcodeToMediaId('C5hAsHqUeRy')}/info/`, (_req, res) => toLogin('C5hAsHqUeRy')(res));
    const igtv = (await fixtureJson('graphql-igtv.json')) as { data: { xdt_shortcode_media: Record<string, unknown> } };
    h.web.json(`${IG}/graphql/query/`, {
      data: { shortcode_media: { ...igtv.data.xdt_shortcode_media, __typename: 'GraphVideo', shortcode: 'C5hAsHqUeRy' } },
      status: 'ok',
    });
    h.web.json(`${IG}/api/v1/users/web_profile_info/`, await fixtureJson('web-profile-info.json'));
    h.web.route('https://i.instagram.com/api/v1/feed/reels_media/', async (req, res) => {
      const reel = req.target.searchParams.get('reel_ids');
      const name = reel === 'highlight:18090946048123978' ? 'reels-media-highlight.json' : reel === '49865412017' ? 'reels-media-user.json' : null;
      if (!name) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"reels":{},"reels_media":[],"status":"ok"}');
      text(await fixture(name), 'application/json; charset=utf-8')(res);
    });
  });

  afterAll(async () => {
    await h?.close();
    await rm(cookiesDir, { recursive: true, force: true });
  });

  it('reads a post from the media info API with the session\'s cookies and CSRF token', async () => {
    const info = await h.info('https://www.instagram.com/reel/CDUMkliABpa/');
    expect(info).toMatchObject({
      id: 'CDUMkliABpa', url: 'https://www.instagram.com/reel/CDUMkliABpa/', uploader: 'The Dough Guy', uploaderId: 'the_dough_guy',
      title: 'Stretch test before the bake #sourdough #bread', timestamp: 1596473460, durationSec: 2, viewCount: 98123, likeCount: 4521,
      music: { title: 'Original audio', author: 'the_dough_guy' },
    });
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.vcodec])).toEqual([
      ['mp4-101', 720, 1280, 'avc1.64001F'],
      ['mp4-102', 480, 854, 'avc1.64001F'],
    ]);
    const call = h.web.seen(`${IG}/api/v1/media/2365570995034528346/info/`)[0]!;
    expect(call.headers.cookie).toContain(`sessionid=${SESSION}`);
    expect(call.headers['x-csrftoken']).toBe(CSRF);
    expect(call.headers['x-ig-app-id']).toBe('936619743392459');
    expect(h.web.seen(`${IG}/graphql/query`).filter((r) => r.body.includes('CDUMkliABpa'))).toHaveLength(0);
  });

  it('goes on to the query_hash query when the session is bounced to the login page', async () => {
    const info = await h.info('https://www.instagram.com/p/C5hAsHqUeRy/');
    expect(info).toMatchObject({ id: 'C5hAsHqUeRy', title: 'Fingerboarding Tricks with @cass.fb', durationSec: 2 });
    const hash = h.web.seen(`${IG}/graphql/query/?`).at(-1)!;
    expect(new URL(hash.url).searchParams.get('query_hash')).toBe('9f8827793ef34641b2fb195d4d41151c');
    expect(JSON.parse(new URL(hash.url).searchParams.get('variables')!)).toMatchObject({ shortcode: 'C5hAsHqUeRy' });
  });

  it('reads one story through reels_media as the iOS app', async () => {
    const info = await h.info('https://www.instagram.com/stories/fruits_zipper/3570766765028588805/');
    expect(info).toMatchObject({
      platform: 'instagram', id: '3570766765028588805', url: 'https://www.instagram.com/stories/fruits_zipper/3570766765028588805/',
      uploaderId: 'fruits_zipper', timestamp: 1740110000, durationSec: 2,
    });
    expect(info.formats.map((f) => [f.id, f.width, f.height])).toEqual([['mp4-101', 720, 1280]]);
    const call = h.web.seen('https://i.instagram.com/api/v1/feed/reels_media/').at(-1)!;
    expect(new URL(call.url).searchParams.get('reel_ids')).toBe('49865412017');
    expect(call.headers['user-agent']).toMatch(/^Instagram \d+\.\d+\.\d+\.\d+\.\d+ \(iPhone/);
    expect(call.headers['x-ig-app-id']).toBe('124024574287414');
    expect(call.headers.cookie).toContain(`sessionid=${SESSION}`);
  });

  it('gives a user\'s current stories as one entry per item', async () => {
    const info = await h.info('https://www.instagram.com/stories/fruits_zipper/');
    expect(info).toMatchObject({ id: 'fruits_zipper', url: 'https://www.instagram.com/stories/fruits_zipper/', title: 'Stories by @fruits_zipper' });
    expect(info.entries!.map((e) => [e.id, e.url])).toEqual([
      ['3570766765028588805', 'https://www.instagram.com/stories/fruits_zipper/3570766765028588805/'],
      ['3570881234567890123', 'https://www.instagram.com/stories/fruits_zipper/3570881234567890123/'],
    ]);
    // the user id came from the cache the first story request filled
    expect(h.web.seen(`${IG}/api/v1/users/web_profile_info/`)).toHaveLength(1);
  });

  it('says content.not_found for a story that has expired', async () => {
    expect((await rejectionOf(h.info('https://www.instagram.com/stories/fruits_zipper/3570000000000000001/'))).code).toBe('content.not_found');
  });

  it('gives a highlight as entries (also from its /s/ share link) and downloads each item', async () => {
    const info = await h.info('https://www.instagram.com/s/aGlnaGxpZ2h0OjE4MDkwOTQ2MDQ4MTIzOTc4?story_media_id=3249955566677788899_49865412017');
    expect(info).toMatchObject({ id: '18090946048123978', title: 'Rare', uploader: 'FRUITS ZIPPER', uploaderId: 'fruits_zipper', formats: [] });
    expect(info.entries!.map((e) => [e.id, e.title, e.formats[0]!.image ?? false])).toEqual([
      ['3249911122233344455', 'Rare (1/2)', true],
      ['3249955566677788899', 'Rare (2/2)', false],
    ]);
    const result = await h.downloads.download('https://www.instagram.com/stories/highlights/18090946048123978/', { quality: 'best' }, { outputDir: join(h.dir, 'highlight') });
    expect(result.files.map((f) => f.kind)).toEqual(['image', 'video']);
    expect((await probeFile(result.files[1]!.path)).durationSec).toBeCloseTo(2, 0);
  });
});
