import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'okru');
const EMBED = (id: string) => `https://ok.ru/videoembed/${id}`;
/** The mp4 CDN answers every variant (`?type=N`) at its root. */
const CDN = 'https://vd341.okcdn.ru/';

let h: PlatformHarness;
let media: SampleMedia;

const page = (id: string) => readFile(join(FIXTURES, `videoembed-${id}.html`), 'utf8');

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  for (const id of ['20079905452', '3568183087575', '484531969818', '63567059965189-0', '1484130554189', '2361249957145', '954886983203']) {
    h.web.html(EMBED(id), await page(id));
  }
  h.web.file(CDN, media.mp4, 'video/mp4');
  h.web.file('https://vd341.okcdn.ru/video.m3u8', media.hlsMaster, 'application/vnd.apple.mpegurl');
  h.web.file('https://vd341.okcdn.ru/media.m3u8', media.hlsMedia, 'application/vnd.apple.mpegurl');
  h.web.json('https://ok.ru/dk', JSON.parse(await readFile(join(FIXTURES, 'metadata-63567059965189-0.json'), 'utf8')));
  h.web.status(EMBED('404404404'), 404);
  // the external player handed over: streamable's API
  h.web.json('https://ajax.streamable.com/videos/dnd1', {
    status: 2,
    title: 'Народная забава',
    files: { mp4: { url: '//cdn-cf-east.streamable.com/video/mp4/dnd1.mp4', width: 320, height: 180 } },
  });
});

afterAll(() => h?.close());

describe('okru', () => {
  it('reads the player options of the embed page into metadata and every allowed variant', async () => {
    const info = await h.info('https://ok.ru/video/20079905452');
    expect(info).toMatchObject({
      platform: 'okru',
      id: '20079905452',
      url: 'https://ok.ru/video/20079905452',
      title: 'Культура меняет нас (прекрасный ролик!))',
      uploader: 'Виталий Добровольский',
      uploaderId: '330537914540',
      durationSec: 100,
      likeCount: 12,
      thumbnail: 'https://i.mycdn.me/videoPreview?id=2090981460542&type=37&idx=4&tkn=fqlnoQD_xwq5ovIlKfgNyU08qmM&fn=external_8',
    });
    expect(info.live).toBeUndefined();
    // `quad` is disallowed (paid/login-only) and left out; the HLS master adds its rendition
    expect(info.formats.map((f) => [f.id, f.protocol, f.height])).toEqual([
      ['mobile', 'https', 144], ['lowest', 'https', 240], ['low', 'https', 360], ['sd', 'https', 480],
      ['hd', 'https', 720], ['full', 'https', 1080], ['hls-180p', 'hls', 180],
    ]);
    // the metadata's \u0026 escapes and the attribute's entities are both undone
    expect(info.formats[0]!.url).toBe(
      'https://vd341.okcdn.ru/?expires=1767225600000&srcIp=203.0.113.7&pr=40&srcAg=CHROME&ms=185.226.53.155&type=4&sig=Llt0TRAfz-E&ct=0&urls=185.226.52.162&clientType=0&zs=43&id=2090981460542',
    );
    expect(info.formats.every((f) => f.headers?.Referer === 'https://ok.ru/')).toBe(true);
  });

  it('downloads the 1080p mp4 variant into a valid file', async () => {
    const result = await h.downloads.download('https://m.ok.ru/video/20079905452', { quality: '1080p' }, { outputDir: join(h.dir, 'out') });
    expect(result.files.map((f) => f.formatIds)).toEqual([['full']]);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    const fetched = h.web.seen(CDN).filter((r) => new URL(r.url).searchParams.get('type') === '5');
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched[0]!.headers.referer).toBe('https://ok.ru/');
  });

  it('fetches the metadata from metadataUrl when the page does not inline it', async () => {
    const info = await h.info('http://ok.ru/video/63567059965189-0?fromTime=5');
    expect([info.title, info.uploader, info.durationSec]).toEqual(['Девушка без комплексов ...', '☭ Андрей Мещанинов ☭', 191]);
    expect(info.formats.map((f) => f.id)).toEqual(['mobile', 'lowest', 'low', 'sd']);
    const [call] = h.web.seen('https://ok.ru/dk');
    expect(call!.method).toBe('POST');
    expect(new URL(call!.url).searchParams.get('mid')).toBe('63567059965189-0');
    expect(new URLSearchParams(call!.body).get('st.location')).toBe('AUTOPLAY_LAYER_MOVIE');
  });

  it('maps the stub, the restriction notice, a copyright status and HTTP 404 to stable codes', async () => {
    const removed = await rejectionOf(h.info('https://ok.ru/video/2361249957145'));
    expect([removed.code, removed.message]).toEqual(['content.not_found', 'Video has not been found']);
    expect((await rejectionOf(h.info('https://ok.ru/video/954886983203'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://ok.ru/video/3568183087575'))).code).toBe('content.geo_blocked');
    expect((await rejectionOf(h.info('https://ok.ru/videoembed/404404404'))).code).toBe('content.not_found');
  });

  it('marks a stream on air as live', async () => {
    const info = await h.info('https://www.ok.ru/live/484531969818');
    expect(info).toMatchObject({ live: true, url: 'https://ok.ru/live/484531969818', title: 'Хоккей. КХЛ. Прямая трансляция', uploader: 'Спорт Live' });
    expect(info.formats.map((f) => [f.id, f.protocol, f.url])).toEqual([['hls-live', 'hls', 'https://vsd12.okcdn.ru/hls/484531969818.m3u8?p']]);
  });

  it('hands an external player to the platform it belongs to', async () => {
    const info = await h.info('https://ok.ru/video/1484130554189');
    expect([info.platform, info.id, info.title]).toEqual(['streamable', 'dnd1', 'Народная забава']);
  });
});

describe('okru through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://ok.ru/video/20079905452');
    expect(info).toMatchObject({
      platform: 'okru', id: '20079905452', url: 'https://ok.ru/video/20079905452',
      title: 'Культура меняет нас (прекрасный ролик!))', uploader: 'Виталий Добровольский', uploaderId: '330537914540', durationSec: 100,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['mobile', 'https'], ['lowest', 'https'], ['low', 'https'], ['sd', 'https'], ['hd', 'https'], ['full', 'https'], ['hls-180p', 'hls'],
    ]);
    expect(info.formats[0]!.url).toBe(
      'https://vd341.okcdn.ru/?expires=1767225600000&srcIp=203.0.113.7&pr=40&srcAg=CHROME&ms=185.226.53.155&type=4&sig=Llt0TRAfz-E&ct=0&urls=185.226.52.162&clientType=0&zs=43&id=2090981460542',
    );
  });
});
