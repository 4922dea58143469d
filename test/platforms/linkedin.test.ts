import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'linkedin');
const SLUG = 'the-mathworks_2_what-is-mathworks-cloud-center-activity-7151241570371948544-4Gu7';
const POST = `https://www.linkedin.com/posts/${SLUG}`;
const FEED = 'https://www.linkedin.com/feed/update/urn:li:activity:7016901149999955968/';
const GUEST_CDN = /^https:\/\/dms\.licdn\.com\/playlist\/vid\/v2\/D4E05AQFqzGTyJ7oKxg\/mp4-/;
const MEMBER_720 = 'https://dms.licdn.com/playlist/vid/v2/D4D05AQHsYjQ2a3bN1w/mp4-720p-30fp-crf28/0/1673280123456';

let h: PlatformHarness;
/** A second harness whose COOKIES_FILE holds a LinkedIn session. */
let member: PlatformHarness;
let media: SampleMedia;
let cookieDir: string;

const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8');

/** Routes shared by both harnesses: the feed page is the member page with li_at, else the auth wall. */
async function serve(web: PlatformHarness['web']): Promise<void> {
  web.html(POST, await fixture('guest-post.html'));
  web.file(GUEST_CDN, media.mp4, 'video/mp4');
  const memberPage = await fixture('member-post.html');
  web.route(FEED, (req, res) => {
    if (String(req.headers.cookie ?? '').includes('li_at=')) return void res.writeHead(200, { 'content-type': 'text/html' }).end(memberPage);
    res.writeHead(302, { location: 'https://www.linkedin.com/authwall?trk=bf&trkInfo=AQE&original_referer=&sessionRedirect=https%3A%2F%2Fwww.linkedin.com%2Ffeed%2Fupdate%2Furn%3Ali%3Aactivity%3A7016901149999955968%2F' }).end();
  });
  web.html('https://www.linkedin.com/authwall', '<html><title>Sign Up | LinkedIn</title></html>');
  web.file(MEMBER_720, media.mp4, 'video/mp4');
  web.html('https://www.linkedin.com/posts/someone_gone-activity-7000000000000000000-AbCd', '<html><title>Page not found | LinkedIn</title></html>', 404);
  web.redirect('https://lnkd.in/gJd2ZqX5', `${POST}?utm_source=share&utm_medium=member_desktop`, 301);
}

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  cookieDir = await mkdtemp(join(tmpdir(), 'dlbot-li-cookies-'));
  const cookies = join(cookieDir, 'cookies.txt');
  await writeFile(cookies, '# Netscape HTTP Cookie File\n.www.linkedin.com\tTRUE\t/\tTRUE\t0\tli_at\tAQEDAR-test-session\n.www.linkedin.com\tTRUE\t/\tTRUE\t0\tJSESSIONID\t"ajax:123"\n');
  member = await startPlatformHarness({ cookiesFile: cookies });
  await serve(h.web);
  await serve(member.web);
});

afterAll(async () => {
  await h?.close();
  await member?.close();
  if (cookieDir) await rm(cookieDir, { recursive: true, force: true });
});

describe('linkedin', () => {
  it('reads the public post page: data-sources renditions, JSON-LD author and reactions', async () => {
    const info = await h.info(`${POST}?utm_source=share`);
    expect(info).toMatchObject({
      platform: 'linkedin', id: '7151241570371948544', url: POST,
      title: 'What Is MathWorks Cloud Center? | MathWorks posted on the topic',
      description: 'What Is MathWorks Cloud Center? Learn how to run MATLAB in the cloud in two minutes.',
      uploader: 'MathWorks', uploaderId: 'the-mathworks_2', timestamp: 1705006827, likeCount: 245,
      thumbnail: expect.stringMatching(/^https:\/\/media\.licdn\.com\/dms\/image\/v2\/D4E05AQFqzGTyJ7oKxg\/videocover-high\/.*&v=beta&t=/),
    });
    expect(info.formats.map((f) => [f.id, f.height, f.fps, f.bitrateKbps])).toEqual([
      ['mp4-720', 720, 30, 1621],
      ['mp4-640', 640, 30, 612],
      ['mp4-360', 360, 30, 249],
    ]);
    expect(info.formats[0]!.url).toMatch(/\/mp4-720p-30fp-crf28\/0\/1705006421962\?e=2147483647&v=beta&t=/);
  });

  it('downloads the best rendition into a valid mp4', async () => {
    const result = await h.downloads.download(POST, { quality: 'best' }, { outputDir: join(h.dir, 'out') });
    expect(result.files[0]!.formatIds).toEqual(['mp4-720']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('says content.login_required when LinkedIn sends a guest to the auth wall', async () => {
    const error = await rejectionOf(h.info('https://www.linkedin.com/feed/update/urn:li:activity:7016901149999955968/?utm_source=share'));
    expect(error.code).toBe('content.login_required');
  });

  it('reads the member page with COOKIES_FILE: VideoPlayMetadata progressive streams with size and resolution', async () => {
    const info = await member.info('https://www.linkedin.com/feed/update/urn:li:activity:7016901149999955968');
    expect(info).toMatchObject({ id: '7016901149999955968', title: 'Office tour | Jane Doe', durationSec: 2, url: FEED });
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.bitrateKbps, f.filesizeBytes])).toEqual([
      ['mp4-720', 1280, 720, 1608, 402113],
      ['mp4-360', 640, 360, 406, 101552],
    ]);
    expect(member.web.seen(FEED)[0]!.headers.cookie).toContain('li_at=AQEDAR-test-session');
    const result = await member.downloads.download(FEED, { quality: 'best' }, { outputDir: join(member.dir, 'out') });
    expect((await probeFile(result.files[0]!.path)).durationSec).toBeCloseTo(2, 0);
  });

  it('says content.not_found for a removed post', async () => {
    expect((await rejectionOf(h.info('https://www.linkedin.com/posts/someone_gone-activity-7000000000000000000-AbCd'))).code).toBe('content.not_found');
  });

  it('follows an lnkd.in short link to the post', async () => {
    const info = await h.info('https://lnkd.in/gJd2ZqX5');
    expect(info.id).toBe('7151241570371948544');
    expect(h.web.seen('https://lnkd.in/gJd2ZqX5')).toHaveLength(1);
  });
});

describe('linkedin through dlbot info --json', () => {
  it('prints the public post as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `${POST}?utm_source=share`);
    expect(info).toMatchObject({
      platform: 'linkedin', id: '7151241570371948544', url: POST,
      title: 'What Is MathWorks Cloud Center? | MathWorks posted on the topic', uploader: 'MathWorks', uploaderId: 'the-mathworks_2', likeCount: 245,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([['mp4-720', 'https', 720], ['mp4-640', 'https', 640], ['mp4-360', 'https', 360]]);
    expect(info.formats.every((f) => GUEST_CDN.test(f.url))).toBe(true);
    expect(info.formats[0]!.url).toMatch(/\/mp4-720p-30fp-crf28\/0\/1705006421962\?e=2147483647&v=beta&t=/);
  });
});
