import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServerResponse } from 'node:http';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'soundcloud');
const CLIENT_ID = 'FixtureClientIdForDlbotTests0001';
const HOME = 'https://soundcloud.com/';
const RESOLVE = 'https://api-v2.soundcloud.com/resolve';
const TRACK_URL = 'https://soundcloud.com/jaimemf/youtube-dl-test-video-a-y-baw/s-8Pjrp';
const MEDIA = 'https://api-v2.soundcloud.com/media/soundcloud:tracks:123998367';
const PROGRESSIVE_CDN = 'https://cf-media.sndcdn.com/Zt7dXrhGl4Pj.128.mp3';
const AAC_HLS = 'https://playback.media-streaming.soundcloud.cloud/Zt7dXrhGl4Pj/aac_160k/2f1a8c51-7bde-4d1c-bd0f-2b0c4f6e0a11';
const SIGNED = '?Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=fixture&Key-Pair-Id=APKAI6TU7MMXM5DG6EPQ';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

let h: PlatformHarness;
let media: SampleMedia;
let aacHlsDir: string;
/** What each api-v2 resolve URL (the `url` parameter) answers. */
const resolvable = new Map<string, { status: number; body?: unknown }>();
/** What each transcoding URL (by path) answers with: the real stream URL. */
const streams = new Map<string, string>();
let tracksByIds: Array<{ id: number }>;

const fixture = async <T>(name: string): Promise<T> => JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as T;

/** An api-v2 endpoint: 401 without the web app's current client_id, like the real API. */
function apiRoute(handler: (target: URL, res: ServerResponse) => void) {
  return (req: { target: URL }, res: ServerResponse) => {
    if (req.target.searchParams.get('client_id') !== CLIENT_ID) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      return;
    }
    handler(req.target, res);
  };
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body === undefined ? '' : JSON.stringify(body));

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  // SoundCloud's AAC stream: an audio-only HLS playlist of 1 s segments
  aacHlsDir = join(h.dir, 'sc-aac');
  await mkdir(aacHlsDir, { recursive: true });
  await ffmpeg([
    '-f', 'lavfi', '-i', 'sine=frequency=660', '-t', '2', '-c:a', 'aac', '-b:a', '160k', '-f', 'hls', '-hls_time', '1',
    '-hls_playlist_type', 'vod', '-hls_segment_filename', join(aacHlsDir, 'seg%d.ts'), join(aacHlsDir, 'playlist.m3u8'),
  ]);

  h.web.html(HOME, await readFile(join(FIXTURES, 'home.html'), 'utf8'));
  h.web.route('https://a-v2.sndcdn.com/assets/49-6f1d2e83.js', async (_req, res) =>
    void res.writeHead(200, { 'content-type': 'application/javascript' }).end(await readFile(join(FIXTURES, 'bundle-49.js'))));
  h.web.route('https://a-v2.sndcdn.com/assets/2-a4d27f90.js', async (_req, res) =>
    void res.writeHead(200, { 'content-type': 'application/javascript' }).end(await readFile(join(FIXTURES, 'bundle-2.js'))));

  h.web.route(RESOLVE, apiRoute((target, res) => {
    const answer = resolvable.get(target.searchParams.get('url') ?? '');
    if (!answer) return json(res, 404, {});
    json(res, answer.status, answer.body);
  }));
  h.web.route(/^https:\/\/api-v2\.soundcloud\.com\/media\//, apiRoute((target, res) => {
    const url = streams.get(decodeURIComponent(target.pathname));
    if (!url) return json(res, 404, {});
    json(res, 200, { url });
  }));
  h.web.route('https://api-v2.soundcloud.com/tracks', apiRoute((target, res) => {
    const ids = (target.searchParams.get('ids') ?? '').split(',').map(Number);
    json(res, 200, tracksByIds.filter((t) => ids.includes(t.id)));
  }));

  resolvable.set(TRACK_URL, { status: 200, body: await fixture('track-private.json') });
  const path = (uuid: string, kind: string) => `/media/soundcloud:tracks:123998367/${uuid}/stream/${kind}`;
  streams.set(path('7c5d1e0b-3a92-4c8e-9f61-0d4b2a8e5c37', 'progressive'), PROGRESSIVE_CDN + SIGNED);
  streams.set(path('7c5d1e0b-3a92-4c8e-9f61-0d4b2a8e5c37', 'hls'), 'https://cf-hls-media.sndcdn.com/playlist/Zt7dXrhGl4Pj.128.mp3/playlist.m3u8' + SIGNED);
  streams.set(path('2f1a8c51-7bde-4d1c-bd0f-2b0c4f6e0a11', 'hls'), `${AAC_HLS}/playlist.m3u8?expires=1747311693`);
  streams.set(path('e4b7a9d2-6f03-4b18-8c5e-93a0f1d27b64', 'hls'), 'https://cf-hls-opus-media.sndcdn.com/playlist/Zt7dXrhGl4Pj.64.opus/playlist.m3u8' + SIGNED);
  h.web.file(PROGRESSIVE_CDN, media.mp3, 'audio/mpeg');
  h.web.route(new RegExp(`^${AAC_HLS.replace(/[.]/g, '\\.')}/`), (req, res) =>
    sendFile(req, res, join(aacHlsDir, req.target.pathname.split('/').pop()!), req.target.pathname.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t'));

  const playlist = await fixture<{ tracks: Array<{ id: number; media?: { transcodings: Array<{ url: string }> } }> }>('playlist.json');
  tracksByIds = await fixture('tracks-by-ids.json');
  resolvable.set('https://soundcloud.com/the-concept-band/sets/the-royal-concept-ep', { status: 200, body: playlist });
  for (const t of [...playlist.tracks, ...tracksByIds] as Array<{ id: number; media?: { transcodings: Array<{ url: string }> } }>) {
    for (const tc of t.media?.transcodings ?? []) streams.set(new URL(tc.url).pathname, `https://cf-media.sndcdn.com/track${t.id}.128.mp3${SIGNED}`);
  }

  const track = await fixture<Record<string, unknown>>('track-private.json');
  resolvable.set('https://soundcloud.com/jaimemf/go-plus-only', { status: 200, body: { ...track, policy: 'SNIP', permalink_url: 'https://soundcloud.com/jaimemf/go-plus-only' } });
  resolvable.set('https://soundcloud.com/jaimemf/not-here', { status: 200, body: { ...track, policy: 'BLOCK', permalink_url: 'https://soundcloud.com/jaimemf/not-here' } });
  h.web.redirect('https://on.soundcloud.com/Jzk7pRbDnVUtwPvr9', `${TRACK_URL}?si=4f0c6a5e2b8d4a7f9e1c3b5d7f9a1c3e&utm_source=clipboard&utm_medium=text&utm_campaign=social_sharing`);
});

afterAll(() => h?.close());

describe('soundcloud', () => {
  it('finds the client_id in the web app bundles and resolves a private track into every stream', async () => {
    const info = await h.info(TRACK_URL);
    expect(info).toMatchObject({
      platform: 'soundcloud',
      id: 'jaimemf/youtube-dl-test-video-a-y-baw',
      url: 'https://soundcloud.com/jaimemf/youtube-dl-test-video-a-y-baw',
      title: "Youtube - Dl Test Video '' Ä↭",
      uploader: 'jaimeMF',
      uploaderId: 'jaimemf',
      durationSec: 9.927,
      thumbnail: 'https://i1.sndcdn.com/artworks-000064892153-8s2wxt-t500x500.jpg',
      tags: ['youtubedl', 'youtube dl', 'test', 'ytdl'],
      timestamp: 1386604920,
      viewCount: 3174,
      likeCount: 7,
    });
    // progressive first, the adaptive (abr) and DRM (ctr-encrypted) transcodings left out
    expect(info.formats.map((f) => [f.id, f.protocol, f.container, f.acodec, f.vcodec, f.bitrateKbps])).toEqual([
      ['http_mp3_1_0', 'https', 'mp3', 'mp3', null, 128],
      ['hls_mp3_1_0', 'hls', 'mp3', 'mp3', null, 128],
      ['hls_aac_160k', 'hls', 'm4a', 'mp4a.40.2', null, 160],
      ['hls_opus_0_0', 'hls', 'ogg', 'opus', null, 64],
    ]);
    expect(info.formats[0]!.url).toBe(PROGRESSIVE_CDN + SIGNED);
    expect(info.formats[2]!.url).toBe(`${AAC_HLS}/playlist.m3u8?expires=1747311693`);

    // the last bundle has no client_id, the one before it does; the others are never fetched
    expect(h.web.seen('https://a-v2.sndcdn.com/assets/49-6f1d2e83.js')).toHaveLength(1);
    expect(h.web.seen('https://a-v2.sndcdn.com/assets/2-a4d27f90.js')).toHaveLength(1);
    expect(h.web.seen('https://a-v2.sndcdn.com/assets/0-1c9a1e3b.js')).toHaveLength(0);
    expect(await h.ctx.cache!.get('soundcloud:client_id')).toBe(CLIENT_ID);

    const resolve = new URL(h.web.seen(RESOLVE).at(-1)!.url);
    expect(resolve.searchParams.get('url')).toBe(TRACK_URL);
    const stream = new URL(h.web.seen(`${MEDIA}/7c5d1e0b-3a92-4c8e-9f61-0d4b2a8e5c37/stream/progressive`)[0]!.url);
    expect(stream.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(stream.searchParams.get('secret_token')).toBe('s-8Pjrp');
    expect(stream.searchParams.get('track_authorization')).toMatch(/^eyJ0eXAiOiJKV1Qi.+\.fixture-signature$/);
    expect(h.web.seen(`${MEDIA}/0b9e6f3c-81d4-4a27-b5e0-6c2d8f19a4e3`)).toHaveLength(0);
  });

  it('drops a stale cached client_id on 401 and rediscovers it once', async () => {
    await h.ctx.cache!.set('soundcloud:client_id', 'StaleClientIdFromLastWeek0000001', 3600);
    const homeHits = h.web.seen(HOME).length;
    const info = await h.info(TRACK_URL);
    expect(info.formats).toHaveLength(4);
    expect(h.web.seen(HOME).length).toBe(homeHits + 1);
    expect(await h.ctx.cache!.get('soundcloud:client_id')).toBe(CLIENT_ID);
  });

  it('downloads the progressive mp3 stream when mp3 audio is asked for', async () => {
    const before = h.web.seen(PROGRESSIVE_CDN).length;
    const result = await h.downloads.download(TRACK_URL, { quality: 'audio', audioFormat: 'mp3' }, { outputDir: join(h.dir, 'out-mp3') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!).toMatchObject({ kind: 'audio', container: 'mp3', formatIds: ['http_mp3_1_0'] });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio']);
    expect(probe.durationSec).toBeCloseTo(1, 0);
    expect(h.web.seen(PROGRESSIVE_CDN).length).toBe(before + 1);
  });

  it('downloads the AAC HLS stream into an m4a without re-encoding for the default request', async () => {
    const result = await h.downloads.download(TRACK_URL, { quality: 'best' }, { outputDir: join(h.dir, 'out-best') });
    expect(result.files[0]!).toMatchObject({ kind: 'audio', container: 'm4a', formatIds: ['hls_aac_160k'] });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio']);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(h.web.seen(`${AAC_HLS}/seg1.ts`)).toHaveLength(1);
  });

  it('follows an on.soundcloud.com share link to the track', async () => {
    const info = await h.info('https://on.soundcloud.com/Jzk7pRbDnVUtwPvr9');
    expect(info.id).toBe('jaimemf/youtube-dl-test-video-a-y-baw');
    expect(h.web.seen('https://on.soundcloud.com/Jzk7pRbDnVUtwPvr9')).toHaveLength(1);
  });

  it('lists a set as entries up to PLAYLIST_LIMIT, filling stub tracks and skipping Go+ previews', async () => {
    const limited = await startPlatformHarness({ playlistLimit: 3 });
    try {
      // the limited harness talks to its own fake web: point it at the same fixtures
      limited.web.html(HOME, await readFile(join(FIXTURES, 'home.html'), 'utf8'));
      limited.web.route('https://a-v2.sndcdn.com/assets/49-6f1d2e83.js', (_req, res) => void res.writeHead(200).end(''));
      limited.web.route('https://a-v2.sndcdn.com/assets/2-a4d27f90.js', async (_req, res) => void res.writeHead(200).end(await readFile(join(FIXTURES, 'bundle-2.js'))));
      limited.web.route(RESOLVE, apiRoute((target, res) => {
        const answer = resolvable.get(target.searchParams.get('url') ?? '');
        json(res, answer?.status ?? 404, answer?.body ?? {});
      }));
      limited.web.route(/^https:\/\/api-v2\.soundcloud\.com\/media\//, apiRoute((target, res) => json(res, 200, { url: streams.get(target.pathname) })));
      limited.web.route('https://api-v2.soundcloud.com/tracks', apiRoute((target, res) => {
        const ids = (target.searchParams.get('ids') ?? '').split(',').map(Number);
        json(res, 200, tracksByIds.filter((t) => ids.includes(t.id)));
      }));

      const info = await limited.info('https://soundcloud.com/the-concept-band/sets/the-royal-concept-ep');
      expect(info).toMatchObject({
        id: 'the-concept-band/sets/the-royal-concept-ep',
        title: 'The Royal Concept EP',
        uploader: 'The Royal Concept',
        tags: ['Pop', 'indie pop', 'sweden'],
        thumbnail: 'https://i1.sndcdn.com/artworks-000059924431-1y6d6c-t500x500.jpg',
        formats: [],
        entriesTotal: 4,
      });
      // 100002 is a Go+ preview (skipped); 100004 is past the limit (never asked for)
      expect(info.entries!.map((e) => [e.id, e.title, e.formats[0]!.url])).toEqual([
        ['the-concept-band/d-d-dance', 'D-D-Dance', `https://cf-media.sndcdn.com/track100001.128.mp3${SIGNED}`],
        ['the-concept-band/goldrushed', 'Goldrushed', `https://cf-media.sndcdn.com/track100003.128.mp3${SIGNED}`],
      ]);
      const ids = new URL(limited.web.seen('https://api-v2.soundcloud.com/tracks')[0]!.url);
      expect(ids.searchParams.get('ids')).toBe('100002,100003');
      expect(ids.searchParams.get('playlistId')).toBe('9933402');
    } finally {
      await limited.close();
    }
  });

  it('maps a missing track to content.not_found, a Go+ preview to login_required and a blocked one to geo_blocked', async () => {
    expect((await rejectionOf(h.info('https://soundcloud.com/jaimemf/deleted-track'))).code).toBe('content.not_found');
    const snip = await rejectionOf(h.info('https://soundcloud.com/jaimemf/go-plus-only'));
    expect(snip.code).toBe('content.login_required');
    expect(snip.message).toMatch(/Go\+/);
    expect((await rejectionOf(h.info('https://soundcloud.com/jaimemf/not-here'))).code).toBe('content.geo_blocked');
  });

  it('takes the client_id from the home page hydration data without reading any bundle', async () => {
    await h.ctx.cache!.delete('soundcloud:client_id');
    const home = (await readFile(join(FIXTURES, 'home.html'), 'utf8')).replace(
      '[{"hydratable":"anonymousId"',
      `[{"hydratable":"apiClient","data":{"id":"${CLIENT_ID}","isExpiring":false}},{"hydratable":"anonymousId"`,
    );
    h.web.html(HOME, home);
    const bundles = h.web.seen('https://a-v2.sndcdn.com/').length;
    const info = await h.info(TRACK_URL);
    expect(info.formats).toHaveLength(4);
    expect(h.web.seen('https://a-v2.sndcdn.com/').length).toBe(bundles);
    expect(await h.ctx.cache!.get('soundcloud:client_id')).toBe(CLIENT_ID);
  });
});

describe('soundcloud through dlbot info --json', () => {
  it('prints the private track as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, TRACK_URL);
    expect(info).toMatchObject({
      platform: 'soundcloud', id: 'jaimemf/youtube-dl-test-video-a-y-baw', url: 'https://soundcloud.com/jaimemf/youtube-dl-test-video-a-y-baw',
      title: "Youtube - Dl Test Video '' Ä↭", uploader: 'jaimeMF', uploaderId: 'jaimemf', durationSec: 9.927,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['http_mp3_1_0', 'https'], ['hls_mp3_1_0', 'hls'], ['hls_aac_160k', 'hls'], ['hls_opus_0_0', 'hls'],
    ]);
    expect(info.formats[0]!.url).toBe(PROGRESSIVE_CDN + SIGNED);
    expect(info.formats[2]!.url).toBe(`${AAC_HLS}/playlist.m3u8?expires=1747311693`);
  });
});
