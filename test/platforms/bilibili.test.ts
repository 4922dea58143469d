import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServerResponse } from 'node:http';
import { makeSampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';
import { signWbi, wbiMixinKey } from '../../src/platforms/bilibili.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'bilibili');
const VIEW = 'https://api.bilibili.com/x/web-interface/view';
const PLAYURL = 'https://api.bilibili.com/x/player/wbi/playurl';
const NAV = 'https://api.bilibili.com/x/web-interface/nav';
/** The keys nav-guest.json hands out, mixed. */
const MIXIN = wbiMixinKey('7cd084941338484aae1ad9425b84077c', '4932caff0ff746eab6f01bf08b70ac45');
const VIDEO_CDN = 'https://upos-sz-mirrorcos.bilivideo.com/upgcxcode/89/45/14694589/14694589-1-100050.m4s';
const AUDIO_CDN = 'https://upos-sz-mirrorcos.bilivideo.com/upgcxcode/89/45/14694589/14694589-1-30280.m4s';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

let h: PlatformHarness;
/** View API answers by "BV…" or "av…". */
const views = new Map<string, unknown>();
/** playurl answers by cid. */
const plays = new Map<string, unknown>();

const fixture = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(FIXTURES, name), 'utf8'));
const json = (res: ServerResponse, body: unknown) => void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
const envelope = (code: number, message: string) => ({ code, message, ttl: 1 });

beforeAll(async () => {
  h = await startPlatformHarness();
  const media = await makeSampleMedia(h.dir);
  // Bilibili serves DASH as separate fragmented-MP4 video and audio files (.m4s)
  const videoOnly = join(h.dir, 'video-only.mp4');
  const audioOnly = join(h.dir, 'audio-only.m4a');
  await ffmpeg(['-i', media.mp4, '-an', '-c:v', 'copy', '-movflags', 'frag_keyframe+empty_moov', videoOnly]);
  await ffmpeg(['-i', media.mp4, '-vn', '-c:a', 'copy', '-movflags', 'frag_keyframe+empty_moov', audioOnly]);
  h.web.file(VIDEO_CDN, videoOnly, 'video/mp4');
  h.web.file(AUDIO_CDN, audioOnly, 'audio/mp4');

  h.web.json(NAV, await fixture('nav-guest.json'));
  h.web.route(VIEW, (req, res) => {
    const q = req.target.searchParams;
    json(res, views.get(q.get('bvid') ?? `av${q.get('aid')}`) ?? envelope(-404, '啥都木有'));
  });
  h.web.route(PLAYURL, (req, res) => {
    const q = Object.fromEntries(req.target.searchParams);
    const { w_rid: signature, ...signed } = q;
    const { wts, ...params } = signed;
    // like the real API: an unsigned or wrongly signed request is refused
    if (!signature || signWbi(params, MIXIN, Number(wts)).w_rid !== signature) return json(res, envelope(-403, '访问权限不足'));
    json(res, plays.get(q.cid ?? '') ?? envelope(-404, '啥都木有'));
  });

  views.set('BV13x41117TL', await fixture('view-BV13x41117TL.json'));
  views.set('av8903802', await fixture('view-BV13x41117TL.json'));
  plays.set('14694589', await fixture('playurl-dash.json'));
  views.set('BV1bK411W797', await fixture('view-BV1bK411W797.json'));
  for (const cid of ['190524951', '190524952', '190524953']) plays.set(cid, await fixture('playurl-durl.json'));

  const removed = envelope(62002, '稿件不可见');
  views.set('BV1Xx411c7Xg', removed);
  views.set('BV1Gy4y1z7Rp', envelope(-10403, '抱歉您所在地区不可观看！'));
  views.set('BV1Kv4y1K7pZ', envelope(62012, '仅UP主自己可见'));
  const charged = JSON.parse(JSON.stringify(await fixture('view-BV13x41117TL.json'))) as { data: { bvid: string; pages: Array<{ cid: number }>; is_upower_exclusive: boolean } };
  charged.data.bvid = 'BV1Ch4y1m7Kq';
  charged.data.pages[0]!.cid = 999001;
  charged.data.is_upower_exclusive = true;
  views.set('BV1Ch4y1m7Kq', charged);
  plays.set('999001', envelope(87008, '当前视频为充电专属视频'));

  h.web.redirect('https://b23.tv/Xt9vKbr', 'https://www.bilibili.com/video/BV13x41117TL?share_medium=android&share_source=copy_link&bbid=XY4C8E5A0B2D4F6A8C0E2F4A6B8D0F2A4C6E8&ts=1747308093');
});

afterAll(() => h?.close());

describe('bilibili', () => {
  it('signs WBI requests exactly like the documented example', () => {
    expect(MIXIN).toBe('ea1db124af3c7062474693fa704f4ff8');
    expect(signWbi({ foo: '114', bar: '514', zab: 1919810 }, MIXIN, 1702204169)).toEqual({
      foo: '114', bar: '514', zab: '1919810', wts: '1702204169', w_rid: '8f6f2b5b3d485fe1886cec6a0be8c5d4',
    });
  });

  it('reads the view API and the signed playurl into DASH video and audio formats with the Referer', async () => {
    const info = await h.info('https://www.bilibili.com/video/BV13x41117TL/?spm_id_from=333.788.videopod.sections');
    expect(info).toMatchObject({
      platform: 'bilibili', id: 'BV13x41117TL', url: 'https://www.bilibili.com/video/BV13x41117TL',
      title: '阿滴英文｜英文歌分享#6 "Closer', uploader: '阿滴英文', uploaderId: '65880958',
      durationSec: 554, timestamp: 1488353834, viewCount: 1391542, likeCount: 44962,
      thumbnail: 'https://i2.hdslb.com/bfs/archive/3c2fb2aa2e5bd2e8dbc6bcbe9f1f8bc1e2eb0a7e.jpg',
    });
    expect(info.formats.map((f) => [f.id, f.vcodec, f.acodec, f.width, f.height, f.bitrateKbps])).toEqual([
      ['80-avc1', 'avc1.640032', null, 1920, 1080, 1332],
      ['80-hev1', 'hev1.1.6.L150.90', null, 1920, 1080, 635],
      ['64-avc1', 'avc1.640028', null, 1280, 720, 889],
      ['32-avc1', 'avc1.64001F', null, 852, 480, 403],
      ['audio-30280', null, 'mp4a.40.2', undefined, undefined, 319],
      ['audio-30232', null, 'mp4a.40.2', undefined, undefined, 135],
      ['audio-30216', null, 'mp4a.40.2', undefined, undefined, 67],
    ]);
    const best = info.formats[0]!;
    expect(best).toMatchObject({ fps: 29.97, note: '1080P 高清', headers: { Referer: 'https://www.bilibili.com/' } });
    // the peer-to-peer mcdn node (port 4483) is skipped for the first upos mirror
    expect(best.url.startsWith(`${VIDEO_CDN}?`)).toBe(true);

    const play = new URL(h.web.seen(PLAYURL).at(-1)!.url).searchParams;
    expect(Object.fromEntries(['bvid', 'cid', 'fnval', 'fourk', 'try_look'].map((k) => [k, play.get(k)]))).toEqual({
      bvid: 'BV13x41117TL', cid: '14694589', fnval: '4048', fourk: '1', try_look: '1',
    });
    expect(play.get('w_rid')).toMatch(/^[0-9a-f]{32}$/);
    expect(h.web.seen(PLAYURL).at(-1)!.headers.referer).toBe('https://www.bilibili.com/');
  });

  it('downloads the best video-only and audio-only streams with the Referer and merges them', async () => {
    const result = await h.downloads.download('https://www.bilibili.com/video/BV13x41117TL', { quality: 'best' }, { outputDir: join(h.dir, 'out') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['80-avc1', 'audio-30280']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    for (const cdn of [VIDEO_CDN, AUDIO_CDN]) {
      const hits = h.web.seen(cdn);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((r) => r.headers.referer === 'https://www.bilibili.com/')).toBe(true);
    }
    // the WBI key came from nav once and was cached for the later extractions
    expect(h.web.seen(NAV)).toHaveLength(1);
  });

  it('renews a stale WBI key once when playurl refuses the signature', async () => {
    await h.ctx.cache!.set('bilibili:wbi_mixin_key', '0123456789abcdef0123456789abcdef', 3600);
    const navCalls = h.web.seen(NAV).length;
    const info = await h.info('https://www.bilibili.com/video/BV13x41117TL');
    expect(info.formats).toHaveLength(7);
    expect(h.web.seen(NAV)).toHaveLength(navCalls + 1);
    expect(await h.ctx.cache!.get('bilibili:wbi_mixin_key')).toBe(MIXIN);
  });

  it('turns a multi-part video into one entry per part, from the muxed MP4 of old uploads', async () => {
    const info = await h.info('https://www.bilibili.com/video/BV1bK411W797');
    expect(info).toMatchObject({ id: 'BV1bK411W797', title: '物语中的人物是如何吐槽自己的OP的', uploader: '打牌还是打桩', formats: [] });
    expect(info.entries!.map((e) => [e.id, e.title, e.url, e.durationSec])).toEqual([
      ['BV1bK411W797_p1', '物语中的人物是如何吐槽自己的OP的 - P1 Staple Stable/战场原+羽川', 'https://www.bilibili.com/video/BV1bK411W797?p=1', 90],
      ['BV1bK411W797_p2', '物语中的人物是如何吐槽自己的OP的 - P2 帰り道/八九寺', 'https://www.bilibili.com/video/BV1bK411W797?p=2', 88],
      ['BV1bK411W797_p3', '物语中的人物是如何吐槽自己的OP的 - P3 ambivalent world/神原', 'https://www.bilibili.com/video/BV1bK411W797?p=3', 92],
    ]);
    expect(info.entries![0]!.formats).toEqual([
      expect.objectContaining({ id: 'mp4-64', container: 'mp4', height: 720, filesizeBytes: 5307361, note: '720P 高清', headers: { Referer: 'https://www.bilibili.com/' } }),
    ]);
  });

  it('picks the part named by ?p=', async () => {
    const before = h.web.seen(PLAYURL).length;
    const info = await h.info('https://www.bilibili.com/video/BV1bK411W797/?p=2');
    expect(info).toMatchObject({ id: 'BV1bK411W797_p2', url: 'https://www.bilibili.com/video/BV1bK411W797?p=2', durationSec: 88 });
    expect(info.entries).toBeUndefined();
    const calls = h.web.seen(PLAYURL).slice(before);
    expect(calls.map((c) => new URL(c.url).searchParams.get('cid'))).toEqual(['190524952']);
  });

  it('asks the view API by aid for an av link', async () => {
    const info = await h.info('http://www.bilibili.com/video/av8903802/');
    expect(info.id).toBe('BV13x41117TL');
    expect(new URL(h.web.seen(VIEW).at(-1)!.url).searchParams.get('aid')).toBe('8903802');
  });

  it('follows a b23.tv short link to the video', async () => {
    const info = await h.info('https://b23.tv/Xt9vKbr');
    expect(info.id).toBe('BV13x41117TL');
    expect(h.web.seen('https://b23.tv/Xt9vKbr')).toHaveLength(1);
  });

  it('maps the API codes to stable errors', async () => {
    expect((await rejectionOf(h.info('https://www.bilibili.com/video/BV1Ab411c7Ze'))).code).toBe('content.not_found'); // -404
    expect((await rejectionOf(h.info('https://www.bilibili.com/video/BV1Xx411c7Xg'))).code).toBe('content.not_found'); // 62002
    expect((await rejectionOf(h.info('https://www.bilibili.com/video/BV1Gy4y1z7Rp'))).code).toBe('content.geo_blocked'); // -10403
    expect((await rejectionOf(h.info('https://www.bilibili.com/video/BV1Kv4y1K7pZ'))).code).toBe('content.private'); // 62012
    const charged = await rejectionOf(h.info('https://www.bilibili.com/video/BV1Ch4y1m7Kq')); // 87008 from playurl
    expect(charged.code).toBe('content.login_required');
    expect(charged.context).toMatchObject({ platform: 'bilibili', apiCode: 87008 });
    expect((await rejectionOf(h.info('https://www.bilibili.com/video/BV1bK411W797?p=9'))).code).toBe('content.not_found');
  });
});

describe('bilibili through dlbot info --json', () => {
  it('prints the video as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://www.bilibili.com/video/BV13x41117TL/?spm_id_from=333.788.videopod.sections');
    expect(info).toMatchObject({
      platform: 'bilibili', id: 'BV13x41117TL', url: 'https://www.bilibili.com/video/BV13x41117TL',
      title: '阿滴英文｜英文歌分享#6 "Closer', uploader: '阿滴英文', uploaderId: '65880958', durationSec: 554,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['80-avc1', 'https'], ['80-hev1', 'https'], ['64-avc1', 'https'], ['32-avc1', 'https'],
      ['audio-30280', 'https'], ['audio-30232', 'https'], ['audio-30216', 'https'],
    ]);
    expect(info.formats[0]!.url.startsWith(`${VIDEO_CDN}?`)).toBe(true);
    expect(info.formats[4]!.url.startsWith(`${AUDIO_CDN}?`)).toBe(true);
    expect(info.formats[0]!.headers).toEqual({ Referer: 'https://www.bilibili.com/' });
  });
});
