import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vk');
const SHOW = 'https://vk.com/al_video.php';
const EMBED = 'https://vk.com/video_ext.php';
/** The mp4 CDN answers every variant (`?type=N`) at its root. */
const CDN = 'https://vkvd512.okcdn.ru/';

let h: PlatformHarness;
let media: SampleMedia;
let cookieDir: string;

/** VK serves its embed pages in windows-1251; the fixtures are stored as UTF-8 text. */
function cp1251(text: string): Buffer {
  return Buffer.from(
    [...text].map((ch) => {
      const c = ch.codePointAt(0)!;
      if (c < 0x80) return c;
      if (c >= 0x410 && c <= 0x44f) return c - 0x410 + 0xc0;
      if (c === 0x401) return 0xa8;
      if (c === 0x451) return 0xb8;
      throw new Error(`no windows-1251 byte for ${ch}`);
    }),
  );
}

beforeAll(async () => {
  cookieDir = await mkdtemp(join(tmpdir(), 'dlbot-vk-cookies-'));
  const cookiesFile = join(cookieDir, 'cookies.txt');
  await writeFile(cookiesFile, '# Netscape HTTP Cookie File\n.vk.com\tTRUE\t/\tTRUE\t0\tremixsid\t1_h7Kq2sessionvalue\n');
  h = await startPlatformHarness({ cookiesFile });
  media = await makeSampleMedia(h.dir);

  // al_video.php answers by the `video` form field: fixtures/vk/show_{owner}_{id}.txt
  h.web.route(SHOW, async (req, res) => {
    const video = new URLSearchParams(req.body).get('video');
    if (video === '-1_1') {
      // VK's anti-bot check: a redirect to a JS challenge page
      res.writeHead(302, { location: 'https://vk.com/challenge.html?redirect_uri=%2Fal_video.php&hash429=7ae6a1c0e1dd4d5b8d0f' }).end();
      return;
    }
    const body = await readFile(join(FIXTURES, `show_${video}.txt`), 'utf8').catch(() => undefined);
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
  h.web.html('https://vk.com/challenge.html', '<html><body><script>var salt = (function(){return "x";})(); var hash = "";</script></body></html>');
  // the embed page by its oid/id query: fixtures/vk/video_ext_{oid}_{id}.html, in windows-1251
  h.web.route(EMBED, async (req, res) => {
    const q = req.target.searchParams;
    const page = await readFile(join(FIXTURES, `video_ext_${q.get('oid')}_${q.get('id')}.html`), 'utf8').catch(() => undefined);
    if (page === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=windows-1251' }).end(cp1251(page));
  });
  h.web.file(CDN, media.mp4, 'video/mp4');
  h.web.file('https://vkvd512.okcdn.ru/video.m3u8', media.hlsMaster, 'application/vnd.apple.mpegurl');
  h.web.file('https://vkvd512.okcdn.ru/media.m3u8', media.hlsMedia, 'application/vnd.apple.mpegurl');
  h.web.redirect('https://vk.cc/cvZ0Ab', 'https://vk.com/video-18403220_456239696');
  // the OK player a VK video embeds
  h.web.html('https://ok.ru/videoembed/20079905452', await readFile(join(FIXTURES, '..', 'okru', 'videoembed-20079905452.html'), 'utf8'));
});

afterAll(async () => {
  await h?.close();
  await rm(cookieDir, { recursive: true, force: true });
});

describe('vk', () => {
  it('reads al_video.php into metadata, the mp4 sources by height and the HLS renditions', async () => {
    const info = await h.info('https://vkvideo.ru/video-18403220_456239696');
    expect(info).toMatchObject({
      platform: 'vk',
      id: '-18403220_456239696',
      url: 'https://vk.com/video-18403220_456239696',
      title: 'Трамп отменяет гранты // DeepSeek - Революция в ИИ // Илон Маск читер',
      description: 'Подписывайтесь на канал!\nТаймкоды:\n00:00 Трамп & гранты',
      uploader: 'Руслан Усачев',
      uploaderId: '-18403220',
      durationSec: 1983,
      timestamp: 1738252883,
      likeCount: 48213,
    });
    expect(info.thumbnail).toMatch(/^https:\/\/sun9-36\.userapi\.com\/impg\/.+type=video_thumb$/);
    expect(info.live).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([
      ['mp4-144', 'https', 144], ['mp4-240', 'https', 240], ['mp4-360', 'https', 360], ['mp4-480', 'https', 480],
      ['mp4-720', 'https', 720], ['hls-180p', 'hls', 180],
    ]);
    expect(new URL(info.formats[4]!.url).searchParams.get('type')).toBe('3');
    expect(info.formats.every((f) => f.headers?.Referer === 'https://vk.com/')).toBe(true);

    const [call] = h.web.seen(SHOW);
    expect(call!.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(call!.body))).toEqual({ act: 'show', al: '1', video: '-18403220_456239696' });
    expect(call!.headers['x-requested-with']).toBe('XMLHttpRequest');
    expect(call!.headers.cookie).toBe('remixsid=1_h7Kq2sessionvalue');
  });

  it('downloads the 720p mp4 into a valid file', async () => {
    const result = await h.downloads.download('https://vk.com/video-18403220_456239696', { quality: '720p' }, { outputDir: join(h.dir, 'out') });
    expect(result.files.map((f) => f.formatIds)).toEqual([['mp4-720']]);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(CDN).some((r) => new URL(r.url).searchParams.get('type') === '3' && r.headers.referer === 'https://vk.com/')).toBe(true);
  });

  it('follows a vk.cc short link to the video', async () => {
    const info = await h.info('https://vk.cc/cvZ0Ab');
    expect([info.id, info.uploader]).toEqual(['-18403220_456239696', 'Руслан Усачев']);
  });

  it('keeps the clip URL and prefers a url… source over the cache copy of the same height', async () => {
    const info = await h.info('https://vk.com/clips-74006511?z=clip-74006511_456247211');
    expect([info.url, info.title, info.uploader, info.durationSec]).toEqual(['https://vk.com/clip-74006511_456247211', 'Clip by @madempress', 'Шальная Императрица', 9]);
    expect(info.formats.map((f) => f.id)).toEqual(['mp4-240', 'mp4-360', 'mp4-480', 'mp4-720']);
    expect(info.formats[3]!.url.startsWith(CDN)).toBe(true);
  });

  it('reads an embed URL from the older playerParams page, decoded from windows-1251', async () => {
    const info = await h.info('https://vk.com/video_ext.php?oid=-77521&id=162222515&hash=87b046504ccd8bfa');
    expect(info).toMatchObject({ id: '-77521_162222515', title: 'ProtivoGunz - Песня', uploader: 'Noize MC', uploaderId: '39545378', durationSec: 195, timestamp: 1329049880 });
    expect(info.formats.map((f) => f.id)).toEqual(['mp4-240', 'mp4-360', 'mp4-480']);
    const [call] = h.web.seen(EMBED);
    expect(new URL(call!.url).searchParams.get('hash')).toBe('87b046504ccd8bfa');
    expect(h.web.requests.some((r) => r.url.startsWith(SHOW) && new URLSearchParams(r.body).get('video') === '-77521_162222515')).toBe(false);
  });

  it('falls back to the embed page and its prefetched video.get when the layer has no player', async () => {
    const info = await h.info('https://vk.com/video-95168827_456239103?list=cca524a0f0d5557e16');
    expect(info).toMatchObject({
      title: 'Кино и сериалы: обзор недели', description: 'Новинки проката за неделю', uploader: 'Кино и сериалы.', uploaderId: '-95168827',
      durationSec: 2918, timestamp: 1671387617, viewCount: 15234, likeCount: 412, thumbnail: 'https://sun9-1.userapi.com/impg/preview_1280.jpg',
    });
    expect(info.formats.map((f) => f.id)).toEqual(['mp4-144', 'mp4-240', 'mp4-360', 'hls-180p']);
    const show = h.web.requests.find((r) => r.url.startsWith(SHOW) && new URLSearchParams(r.body).get('video') === '-95168827_456239103');
    expect(new URLSearchParams(show!.body).get('list')).toBe('cca524a0f0d5557e16');
  });

  it('hands a video that is an OK player to the okru platform', async () => {
    const info = await h.info('https://vk.com/video276849682_170681728');
    expect([info.platform, info.id, info.title]).toEqual(['okru', '20079905452', 'Культура меняет нас (прекрасный ролик!))']);
  });

  it('maps VK refusals to stable codes', async () => {
    const blocked = await rejectionOf(h.info('https://vk.com/video-10639516_456240611'));
    expect([blocked.code, blocked.message]).toEqual(['content.not_found', 'This video is no longer available, because its author has been blocked.']);
    expect((await rejectionOf(h.info('https://vk.com/video205387401_165548505'))).code).toBe('content.private');
    // the layer wants a login and the embed page says so too
    const login = await rejectionOf(h.info('https://vk.com/video205387401_164765225'));
    expect(login.code).toBe('content.login_required');
    expect(h.web.seen(`${EMBED}?oid=205387401&id=164765225`)).toHaveLength(1);
  });

  it('reports the anti-bot challenge as rate limiting instead of parsing it', async () => {
    const error = await rejectionOf(h.info('https://vk.com/video-1_1'));
    expect(error.code).toBe('fetch.rate_limited');
    expect(error.message).toMatch(/COOKIES_FILE/);
  });

  it('leaves playlists to another backend with a non-final error', async () => {
    const error = await rejectionOf(h.info('https://vkvideo.ru/playlist/-204353299_426'));
    expect([error.code, error.final]).toEqual(['link.unsupported', false]);
  });
});

describe('vk through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://vkvideo.ru/video-18403220_456239696');
    expect(info).toMatchObject({
      platform: 'vk', id: '-18403220_456239696', url: 'https://vk.com/video-18403220_456239696',
      title: 'Трамп отменяет гранты // DeepSeek - Революция в ИИ // Илон Маск читер', uploader: 'Руслан Усачев', uploaderId: '-18403220', durationSec: 1983,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([
      ['mp4-144', 'https', 144], ['mp4-240', 'https', 240], ['mp4-360', 'https', 360], ['mp4-480', 'https', 480],
      ['mp4-720', 'https', 720], ['hls-180p', 'hls', 180],
    ]);
    expect(info.formats.every((f) => f.url.startsWith(CDN))).toBe(true);
    expect(new URL(info.formats[4]!.url).searchParams.get('type')).toBe('3');
  });
});
