import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { sendFile, type FakeWeb, type SeenRequest } from '../support/fake-web.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'youtube');
const PLAYER = 'https://www.youtube.com/youtubei/v1/player';
const BROWSE = 'https://www.youtube.com/youtubei/v1/browse';
const NEXT = 'https://www.youtube.com/youtubei/v1/next';
const RESOLVE = 'https://www.youtube.com/youtubei/v1/navigation/resolve_url';
const CDN = /^https:\/\/rr1---sn-xxxx\.googlevideo\.com\/videoplayback\?/;
const PLAYLIST = 'PL4lCao7KL_QFodcLWhDpGCYnngnHtQ-Xf';
const VISITOR_DATA = 'CgtQbWJ3a0NMNzRUSSiA_tzKBjIKCgJVUxIEGgAgYg%3D%3D';
const PO_TOKEN = 'MnQBVkQ0AfAh-bRu5H2OCsS8oKz2Rpm8x0D4lIzXfv3HGKG4l7kEJ5x9aOqA0Y8u8MZiI2eDsu4GxLxQ2XUvVRgk5UtxHvVkTRjY';

/** A fixture file, parsed. */
function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** A /player fixture answered for another video: its videoDetails patched with `details`. */
function answerFor(name: string, details: Record<string, unknown>): Record<string, unknown> {
  const answer = fixture<{ videoDetails?: Record<string, unknown> }>(name);
  answer.videoDetails = { ...answer.videoDetails, ...details };
  return answer;
}

/** The body youtubei.js POSTed to an innertube endpoint. */
interface InnertubeBody {
  videoId?: string;
  browseId?: string;
  continuation?: string;
  playlistId?: string;
  playlistIndex?: number;
  url?: string;
  context: { client: { clientName: string; clientVersion: string; visitorData?: string } };
  serviceIntegrityDimensions?: { poToken?: string };
}

const bodyOf = (r: SeenRequest) => JSON.parse(r.body) as InnertubeBody;
const clientsAsked = (web: FakeWeb, videoId: string) => web.seen(PLAYER).map(bodyOf).filter((b) => b.videoId === videoId).map((b) => b.context.client.clientName);

/** What /player answers: per video id, per client name ('*' for any); a number is an HTTP status. */
type PlayerAnswers = Record<string, Record<string, unknown>>;

/** Answers /player from `answers`, /browse, /next and resolve_url from the fixtures. */
function serveInnertube(web: FakeWeb, answers: PlayerAnswers): void {
  web.route(PLAYER, (req, res) => {
    const body = JSON.parse(req.body) as InnertubeBody;
    const byClient = answers[body.videoId ?? ''];
    const answer = byClient?.[body.context.client.clientName] ?? byClient?.['*'];
    if (answer === undefined) return void res.writeHead(404).end();
    if (typeof answer === 'number') return void res.writeHead(answer, { 'content-type': 'application/json' }).end('{"error":{"code":' + answer + '}}');
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(answer));
  });
  web.route(BROWSE, (req, res) => {
    const body = JSON.parse(req.body) as InnertubeBody;
    const pages: Record<string, string> = {
      [`VL${PLAYLIST}`]: 'browse-playlist.json',
      VLUULFX6OQ3DkcsbYNE6H8uQQuVA: 'browse-channel-uploads.json',
      VLPLgone000000000000000000000000000: 'browse-playlist-missing.json',
    };
    const name = body.continuation ? 'browse-playlist-continuation.json' : pages[body.browseId ?? ''];
    if (!name) return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}');
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(fixture(name)));
  });
  web.route(NEXT, (req, res) => {
    const body = JSON.parse(req.body) as InnertubeBody;
    const windows: Record<string, string> = { BaW_jenozKc: 'next-mix-1.json', FqZTN594JQw: 'next-mix-2.json', M9cJMXmQ_ZU: 'next-mix-3.json' };
    const name = body.playlistId === 'RDBaW_jenozKc' ? windows[body.videoId ?? ''] : undefined;
    if (!name) return void res.writeHead(400).end();
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(fixture(name)));
  });
  web.route(RESOLVE, (req, res) => {
    const { url } = JSON.parse(req.body) as InnertubeBody;
    if (url === 'https://www.youtube.com/@MrBeast') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixture('resolve-url-handle.json')));
    if (url === 'https://www.youtube.com/channel/UCSJ4gkVC6NrvII8umztf0Ow/live') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixture('resolve-url-channel-live.json')));
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":404,"status":"NOT_FOUND"}}');
  });
}

/** Serves googlevideo stream URLs from sample media by itag: video-only, audio-only or muxed. */
function serveStreams(web: FakeWeb, files: { video: string; audio: string; muxed: string }): void {
  web.route(CDN, (req, res) => {
    const itag = req.target.searchParams.get('itag') ?? '';
    if (['137', '136', '248', '701'].includes(itag)) return sendFile(req, res, files.video, 'video/mp4');
    if (['140', '251'].includes(itag)) return sendFile(req, res, files.audio, 'audio/mp4');
    if (itag === '18') return sendFile(req, res, files.muxed, 'video/mp4');
    res.writeHead(403).end();
  });
}

const ANSWERS: PlayerAnswers = {
  BaW_jenozKc: { '*': fixture('player-ok.json') },
  // rotation: VISIONOS is refused, IOS meets the bot check, ANDROID_VR plays
  'a9LDPn-MO4I': { VISIONOS: 403, iOS: fixture('player-bot-check.json'), ANDROID_VR: answerFor('player-ok.json', { videoId: 'a9LDPn-MO4I', title: 'youtube-dl test video 2' }) },
  xxxxxxxxxx0: { '*': fixture('player-unavailable.json') },
  yYr8q0y5Jfg: { '*': fixture('player-private.json') },
  HtVdAasjOgU: { '*': fixture('player-age-gated.json') },
  'sJL6WA-aGkQ': { '*': fixture('player-geo-blocked.json') },
  Tq92D6wQ1mg: { '*': fixture('player-members-only.json') },
  jfKfPfyJRdk: { '*': fixture('player-live-now.json') },
  x7KvR6u2rOE: { '*': fixture('player-upcoming.json') },
  botbotbot01: { '*': fixture('player-bot-check.json') },
  ratelimit01: { '*': 429 },
  // VISIONOS cannot play it; IOS answers streams without URLs (SABR only) and an HLS master
  M9cJMXmQ_ZU: { VISIONOS: fixture('player-not-on-this-app.json'), iOS: fixture('player-ios-hls-only.json') },
  // a live stream that has ended: a VOD with formats
  FqZTN594JQw: { '*': answerFor('player-ok.json', { videoId: 'FqZTN594JQw', title: 'Finished stream', isLiveContent: true, lengthSeconds: '5417' }) },
};

let h: PlatformHarness;
let media: SampleMedia;
let streams: { video: string; audio: string; muxed: string };

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const ffmpeg = (args: string[]) => run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  streams = { video: join(h.dir, 'video-only.mp4'), audio: join(h.dir, 'audio-only.m4a'), muxed: media.mp4 };
  await ffmpeg(['-i', media.mp4, '-an', '-c:v', 'copy', '-movflags', '+faststart', streams.video]);
  await ffmpeg(['-i', media.mp4, '-vn', '-c:a', 'copy', '-movflags', '+faststart', streams.audio]);
  serveInnertube(h.web, ANSWERS);
  serveStreams(h.web, streams);
  // the HLS master at .../file/index.m3u8, its media playlist and segments beside it
  h.web.route(/^https:\/\/manifest\.googlevideo\.com\/api\/manifest\/hls_variant\//, (req, res) => {
    const name = basename(req.target.pathname);
    sendFile(req, res, name === 'index.m3u8' ? media.hlsMaster : join(dirname(media.hlsMaster), name), name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
  });
});

afterAll(() => h?.close());

describe('youtube videos', () => {
  it('reads a VISIONOS /player answer into metadata and itag formats', async () => {
    const before = h.web.requests.length;
    const info = await h.info('https://www.youtube.com/watch?v=BaW_jenozKc');
    expect(info).toMatchObject({
      platform: 'youtube', id: 'BaW_jenozKc', url: 'https://www.youtube.com/watch?v=BaW_jenozKc',
      title: 'youtube-dl test video "\'/\\ä↭𝕐', uploader: 'Philipp Hagemeister', uploaderId: 'UCLqxVugv74EIW3VWh2NOa3Q',
      durationSec: 10, viewCount: 2618463, tags: ['youtube-dl'],
      thumbnail: 'https://i.ytimg.com/vi/BaW_jenozKc/maxresdefault.jpg',
      description: expect.stringMatching(/^test chars: {2}"'\/\\ä↭𝕐\ntest URL: https:\/\/github\.com\/rg3\/youtube-dl\/issues\/1892/),
    });
    expect(info.live).toBeUndefined();
    expect(info.formats.map((f) => f.id)).toEqual(['18', '137', '248', '701', '136', '140', '140-de-DE', '251']);
    const byId = new Map(info.formats.map((f) => [f.id, f]));
    expect(byId.get('18')).toMatchObject({ container: 'mp4', vcodec: 'avc1.42001E', acodec: 'mp4a.40.2', width: 640, height: 360, fps: 25, bitrateKbps: 381 });
    expect(byId.get('137')).toMatchObject({
      protocol: 'https', container: 'mp4', vcodec: 'avc1.640028', acodec: null, width: 1920, height: 1080, fps: 25,
      bitrateKbps: 1175, filesizeBytes: 1468540, dynamicRange: 'SDR', note: '1080p',
    });
    expect(byId.get('248')).toMatchObject({ container: 'webm', vcodec: 'vp9', acodec: null, dynamicRange: 'SDR' });
    expect(byId.get('701')).toMatchObject({ vcodec: 'av01.0.13M.10.0.110.09.16.09.0', width: 3840, height: 2160, fps: 50, dynamicRange: 'HDR' });
    expect(byId.get('140')).toMatchObject({ container: 'm4a', vcodec: null, acodec: 'mp4a.40.2', bitrateKbps: 129, filesizeBytes: 162067, language: 'en-US', defaultAudio: true });
    expect(byId.get('140-de-DE')).toMatchObject({ acodec: 'mp4a.40.2', language: 'de-DE', defaultAudio: false, note: 'German (Germany)' });
    expect(byId.get('251')).toMatchObject({ container: 'webm', vcodec: null, acodec: 'opus' });
    expect(byId.get('137')!.url).toMatch(CDN);
    expect(new URL(byId.get('137')!.url).searchParams.get('itag')).toBe('137');

    // youtubei.js in this mode sends exactly one request: the /player POST, through our client
    const sent = h.web.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${PLAYER}?prettyPrint=false&alt=json`]);
    const request = sent[0]!;
    const body = bodyOf(request);
    expect(body).toMatchObject({ videoId: 'BaW_jenozKc', racyCheckOk: true, contentCheckOk: true, context: { client: { clientName: 'VISIONOS', hl: 'en', gl: 'US' } } });
    expect(request.headers['x-youtube-client-name']).toBe('101');
    expect(request.headers['user-agent']).toMatch(/Safari/);
    expect(request.headers['x-goog-visitor-id']).toBe(body.context.client.visitorData);
    expect(request.headers.cookie).toBeUndefined();
  });

  it('treats Shorts, youtu.be, music, embed, nocookie and /live/ links as the same video', async () => {
    const urls = [
      'https://www.youtube.com/shorts/BaW_jenozKc',
      'https://youtu.be/BaW_jenozKc?si=Qx3lGd5kW1bQ2n7P',
      'https://music.youtube.com/watch?v=BaW_jenozKc',
      'https://www.youtube.com/embed/BaW_jenozKc?start=3',
      'https://www.youtube-nocookie.com/embed/BaW_jenozKc',
      'https://m.youtube.com/live/BaW_jenozKc?feature=share',
    ];
    const before = h.web.seen(PLAYER).length;
    for (const url of urls) {
      const info = await h.info(url);
      expect([info.id, info.url, info.formats.length]).toEqual(['BaW_jenozKc', 'https://www.youtube.com/watch?v=BaW_jenozKc', 8]);
    }
    // one /player request each, all as the same returning visitor (the id is cached in ctx.cache)
    const sent = h.web.seen(PLAYER).slice(before);
    expect(sent).toHaveLength(urls.length);
    expect(new Set(sent.map((r) => r.headers['x-goog-visitor-id'])).size).toBe(1);
    expect(await h.ctx.cache!.get('youtube:visitor-data')).toBe(sent[0]!.headers['x-goog-visitor-id']);
  });

  it('downloads the 1080p avc1 video and the default audio and merges them into an mp4', async () => {
    const seenBefore = h.web.seen('https://rr1---sn-xxxx.googlevideo.com/').length;
    const result = await h.downloads.download('https://www.youtube.com/watch?v=BaW_jenozKc', { quality: '1080p' }, { outputDir: join(h.dir, 'out') });
    expect(result.files).toHaveLength(1);
    const file = result.files[0]!;
    expect(file.formatIds).toEqual(['137', '140']);
    expect(file.container).toBe('mp4');
    expect(file.path.endsWith('.mp4')).toBe(true);
    const probe = await probeFile(file.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    const itags = h.web.seen('https://rr1---sn-xxxx.googlevideo.com/').slice(seenBefore).map((r) => new URL(r.url).searchParams.get('itag'));
    expect(itags).toEqual(['137', '140']);
  });

  it('rotates clients on HTTP 403 and on the bot check until one plays', async () => {
    const info = await h.info('https://www.youtube.com/watch?v=a9LDPn-MO4I');
    expect(info.title).toBe('youtube-dl test video 2');
    expect(info.formats).toHaveLength(8);
    expect(clientsAsked(h.web, 'a9LDPn-MO4I')).toEqual(['VISIONOS', 'iOS', 'ANDROID_VR']);
    const vr = h.web.seen(PLAYER).find((r) => bodyOf(r).videoId === 'a9LDPn-MO4I' && bodyOf(r).context.client.clientName === 'ANDROID_VR')!;
    expect(vr.headers['user-agent']).toMatch(/^com\.google\.android\.apps\.youtube\.vr\.oculus\//);
    expect(vr.headers['x-youtube-client-name']).toBe('28');
  });

  it('maps playability statuses to stable error codes', async () => {
    const cases: Array<[string, string, number]> = [
      ['xxxxxxxxxx0', 'content.not_found', 3], // ERROR may be client-specific, so every client is asked
      ['yYr8q0y5Jfg', 'content.private', 1],
      ['sJL6WA-aGkQ', 'content.geo_blocked', 1],
      ['Tq92D6wQ1mg', 'content.login_required', 1],
      ['HtVdAasjOgU', 'content.age_restricted', 1],
      ['x7KvR6u2rOE', 'content.live', 1],
    ];
    for (const [id, code, requests] of cases) {
      const error = await rejectionOf(h.info(`https://www.youtube.com/watch?v=${id}`));
      expect([id, error.code]).toEqual([id, code]);
      expect([id, clientsAsked(h.web, id).length]).toEqual([id, requests]);
    }
    const removed = await rejectionOf(h.info('https://youtu.be/xxxxxxxxxx0'));
    expect(removed.message).toBe('Video unavailable — This video has been removed by the uploader');
  });

  it('says login_required with what to configure when every client meets the bot check', async () => {
    const error = await rejectionOf(h.info('https://www.youtube.com/watch?v=botbotbot01'));
    expect(error.code).toBe('content.login_required');
    expect(error.message).toMatch(/not a bot.*COOKIES_FILE/);
    expect(clientsAsked(h.web, 'botbotbot01')).toEqual(['VISIONOS', 'iOS', 'ANDROID_VR']);
  });

  it('stops at once with fetch.rate_limited on HTTP 429', async () => {
    const error = await rejectionOf(h.info('https://www.youtube.com/watch?v=ratelimit01'));
    expect([error.code, error.retriable, error.context.status]).toEqual(['fetch.rate_limited', true, 429]);
    expect(clientsAsked(h.web, 'ratelimit01')).toEqual(['VISIONOS']);
  });

  it('marks a video that is live now, which the download refuses with content.live', async () => {
    const info = await h.info('https://www.youtube.com/live/jfKfPfyJRdk');
    expect(info).toMatchObject({ id: 'jfKfPfyJRdk', live: true, title: 'lofi hip hop radio 📚 beats to relax/study to', uploader: 'Lofi Girl' });
    expect(info.durationSec).toBeUndefined();
    expect(info.formats).toEqual([
      { id: 'hls', url: expect.stringMatching(/^https:\/\/manifest\.googlevideo\.com\/api\/manifest\/hls_variant\/.*\/file\/index\.m3u8$/), protocol: 'hls', container: 'mp4', note: 'live' },
    ]);
    const error = await rejectionOf(h.downloads.download('https://www.youtube.com/live/jfKfPfyJRdk', { quality: 'best' }, { outputDir: join(h.dir, 'out-live') }));
    expect(error.code).toBe('content.live');
  });

  it('reads a finished live stream as a VOD with its formats', async () => {
    const info = await h.info('https://www.youtube.com/watch?v=FqZTN594JQw');
    expect(info).toMatchObject({ id: 'FqZTN594JQw', title: 'Finished stream', durationSec: 5417 });
    expect(info.live).toBeUndefined();
    expect(info.formats.map((f) => f.id)).toContain('137');
  });

  it('falls back to the HLS master when a client answers streams without URLs, and downloads it', async () => {
    const info = await h.info('https://www.youtube.com/watch?v=M9cJMXmQ_ZU');
    expect(clientsAsked(h.web, 'M9cJMXmQ_ZU')).toEqual(['VISIONOS', 'iOS']);
    expect(info).toMatchObject({ title: 'Sample video 4', durationSec: 241, uploader: 'Another Channel' });
    expect(info.formats).toHaveLength(1);
    expect(info.formats[0]).toMatchObject({ protocol: 'hls', width: 320, height: 180, url: expect.stringMatching(/^https:\/\/manifest\.googlevideo\.com\/.*\/file\/media\.m3u8$/) });
    const result = await h.downloads.download('https://www.youtube.com/watch?v=M9cJMXmQ_ZU', { quality: 'best' }, { outputDir: join(h.dir, 'out-hls') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
  });

  it('hands clips to the fallback backend with a non-final error', async () => {
    const error = await rejectionOf(h.info('https://www.youtube.com/clip/UgytZKpehg-hEMBSn3F4AaABCQ'));
    expect([error.code, error.retriable, error.final, error.context.fallback]).toEqual(['link.unsupported', false, false, true]);
  });
});

describe('youtube with COOKIES_FILE', () => {
  let cookieDir: string;
  let signedIn: PlatformHarness;

  beforeAll(async () => {
    cookieDir = await mkdtemp(join(tmpdir(), 'dlbot-yt-cookies-'));
    const cookiesFile = join(cookieDir, 'cookies.txt');
    await writeFile(
      cookiesFile,
      [
        '# Netscape HTTP Cookie File',
        '.youtube.com\tTRUE\t/\tTRUE\t2145916800\tSAPISID\tq8fX2kP0vR3sT7uW/AbCdEfGhIjKlMnOp',
        '.youtube.com\tTRUE\t/\tTRUE\t2145916800\t__Secure-3PSID\tg.a000sAi8TwQ3rNxY',
        '.youtube.com\tTRUE\t/\tFALSE\t2145916800\tLOGIN_INFO\tAFmmF2swRQIhAOx',
        '',
      ].join('\n'),
    );
    signedIn = await startPlatformHarness({ cookiesFile });
    serveInnertube(signedIn.web, {
      // anonymous: the age gate; signed in: TV streams are all ciphered, WEB_EMBEDDED has plain ones
      HtVdAasjOgU: {
        VISIONOS: fixture('player-age-gated.json'),
        TVHTML5: answerFor('player-tv-ciphered.json', { videoId: 'HtVdAasjOgU' }),
        WEB_EMBEDDED_PLAYER: answerFor('player-ok.json', { videoId: 'HtVdAasjOgU', title: 'The Witcher 3: Wild Hunt - The Sword Of Destiny Trailer', author: 'The Witcher' }),
      },
      // signed in, every client still only offers signature-protected streams
      Tq92D6wQ1mg: {
        VISIONOS: fixture('player-members-only.json'),
        '*': answerFor('player-tv-ciphered.json', { videoId: 'Tq92D6wQ1mg', title: 'Members only stream' }),
      },
    });
  });

  afterAll(async () => {
    await signedIn?.close();
    await rm(cookieDir, { recursive: true, force: true });
  });

  it('retries an age-gated video signed in, with the cookies and SAPISIDHASH, on cookie clients only', async () => {
    const info = await signedIn.info('https://www.youtube.com/watch?v=HtVdAasjOgU');
    expect(info).toMatchObject({ id: 'HtVdAasjOgU', title: 'The Witcher 3: Wild Hunt - The Sword Of Destiny Trailer', ageLimit: 18 });
    expect(info.formats.map((f) => f.id)).toContain('137');
    expect(clientsAsked(signedIn.web, 'HtVdAasjOgU')).toEqual(['VISIONOS', 'TVHTML5', 'WEB_EMBEDDED_PLAYER']);
    const [anonymous, ...authed] = signedIn.web.seen(PLAYER);
    expect(anonymous!.headers.cookie).toBeUndefined();
    expect(anonymous!.headers.authorization).toBeUndefined();
    for (const request of authed) {
      expect(request.headers.cookie).toContain('SAPISID=q8fX2kP0vR3sT7uW/AbCdEfGhIjKlMnOp');
      expect(request.headers.authorization).toMatch(/^SAPISIDHASH \d+_[0-9a-f]{40}$/);
    }
  });

  it('leaves signature-only answers to the fallback backend with a non-final error', async () => {
    const error = await rejectionOf(signedIn.info('https://www.youtube.com/watch?v=Tq92D6wQ1mg'));
    expect([error.code, error.final]).toEqual(['fetch.failed', false]);
    expect(error.message).toMatch(/signature-protected/);
    expect(clientsAsked(signedIn.web, 'Tq92D6wQ1mg')).toEqual(['VISIONOS', 'TVHTML5', 'WEB_EMBEDDED_PLAYER', 'WEB']);
  });
});

describe('youtube with YOUTUBE_PO_TOKEN', () => {
  let withToken: PlatformHarness;

  beforeAll(async () => {
    withToken = await startPlatformHarness({ youtubePoToken: PO_TOKEN, youtubeVisitorData: VISITOR_DATA });
    serveInnertube(withToken.web, { BaW_jenozKc: { WEB: fixture('player-ok.json'), '*': fixture('player-bot-check.json') } });
  });

  afterAll(() => withToken?.close());

  it('asks WEB last with the PO token and its visitor data, and puts the token on the stream URLs', async () => {
    const info = await withToken.info('https://www.youtube.com/watch?v=BaW_jenozKc');
    expect(clientsAsked(withToken.web, 'BaW_jenozKc')).toEqual(['VISIONOS', 'iOS', 'ANDROID_VR', 'WEB']);
    const web = withToken.web.seen(PLAYER).at(-1)!;
    expect(bodyOf(web).serviceIntegrityDimensions).toEqual({ poToken: PO_TOKEN });
    expect(bodyOf(web).context.client.visitorData).toBe(VISITOR_DATA);
    expect(web.headers['x-goog-visitor-id']).toBe(VISITOR_DATA);
    expect(info.formats.every((f) => new URL(f.url).searchParams.get('pot') === PO_TOKEN)).toBe(true);
  });
});

describe('youtube playlists, mixes and channels', () => {
  it('reads a playlist page and its continuation into formatless entries', async () => {
    const before = h.web.seen(BROWSE).length;
    const info = await h.info(`https://www.youtube.com/playlist?list=${PLAYLIST}`);
    expect(info).toMatchObject({
      platform: 'youtube', id: PLAYLIST, url: `https://www.youtube.com/playlist?list=${PLAYLIST}`,
      title: '[OLD]Team Fortress 2 (Class-based LP)', uploader: 'Sergey M.', uploaderId: 'UCmlqkdCBesrv2Lak1mF_MxA',
      entriesTotal: 5, formats: [],
    });
    // the "[Private video]" row is not playable and is left out
    expect(info.entries!.map((e) => [e.id, e.title, e.durationSec])).toEqual([
      ['Xx1Lu7N7aPk', 'TF2 Class-based LP #1: Scout', 723],
      ['4gR3mQ8bT_c', 'TF2 Class-based LP #2: Soldier', 1381],
      ['hP7dK2yVbsQ', 'TF2 Class-based LP #3: Pyro', 1105],
      ['Zk3nW9qLr0E', 'TF2 Class-based LP #4: Demoman', 3722],
    ]);
    expect(info.entries![0]).toEqual({
      platform: 'youtube', id: 'Xx1Lu7N7aPk', url: 'https://www.youtube.com/watch?v=Xx1Lu7N7aPk', title: 'TF2 Class-based LP #1: Scout',
      durationSec: 723, uploader: 'Sergey M.', uploaderId: 'UCmlqkdCBesrv2Lak1mF_MxA',
      thumbnail: expect.stringMatching(/^https:\/\/i\.ytimg\.com\/vi\/Xx1Lu7N7aPk\/hqdefault\.jpg\?sqp=-oaymwEcCNACELwBSFXyq4qpAw4IARUAAIhCGAFwAcABBg==/),
      formats: [],
    });
    const bodies = h.web.seen(BROWSE).slice(before).map(bodyOf);
    expect(bodies.map((b) => b.browseId ?? 'continuation')).toEqual([`VL${PLAYLIST}`, 'continuation']);
    expect(bodies[1]!.continuation).toMatch(/^4qmFsgKlARIkVkxQTDRsQ2Fv/);
    expect(bodies[0]!.context.client.clientName).toBe('WEB');
  });

  it('stops at PLAYLIST_LIMIT without fetching further pages', async () => {
    const limited = await startPlatformHarness({ playlistLimit: 2 });
    try {
      serveInnertube(limited.web, {});
      const info = await limited.info(`https://www.youtube.com/watch?list=${PLAYLIST}`);
      expect(info.entries!.map((e) => e.id)).toEqual(['Xx1Lu7N7aPk', '4gR3mQ8bT_c']);
      expect(info.entriesTotal).toBe(5);
      expect(limited.web.seen(BROWSE)).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('says content.not_found for a playlist YouTube does not know', async () => {
    expect((await rejectionOf(h.info('https://www.youtube.com/playlist?list=PLgone000000000000000000000000000'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://www.youtube.com/playlist?list=PLmalformed00000000000'))).code).toBe('content.not_found');
  });

  it('reads a mix window by window from /next until no new video comes', async () => {
    const before = h.web.seen(NEXT).length;
    const info = await h.info('https://www.youtube.com/watch?list=RDBaW_jenozKc');
    expect(info).toMatchObject({ id: 'RDBaW_jenozKc', title: 'Mix – youtube-dl test video "\'/\\ä↭𝕐', uploader: 'YouTube' });
    expect(info.entriesTotal).toBeUndefined();
    expect(info.entries!.map((e) => [e.id, e.durationSec, e.uploader])).toEqual([
      ['BaW_jenozKc', 10, 'Philipp Hagemeister'],
      ['a9LDPn-MO4I', 13, 'Test Account'],
      ['FqZTN594JQw', 212, 'Another Channel'],
      ['M9cJMXmQ_ZU', 241, 'Another Channel'],
    ]);
    const bodies = h.web.seen(NEXT).slice(before).map(bodyOf);
    expect(bodies.map((b) => [b.videoId, b.playlistIndex])).toEqual([['BaW_jenozKc', undefined], ['FqZTN594JQw', 2], ['M9cJMXmQ_ZU', 3]]);
  });

  it('reads a channel tab as its uploads playlist after resolving the handle', async () => {
    const info = await h.info('https://www.youtube.com/@MrBeast/videos');
    expect(info).toMatchObject({
      id: '@MrBeast', url: 'https://www.youtube.com/channel/UCX6OQ3DkcsbYNE6H8uQQuVA/videos', title: 'MrBeast',
      uploader: 'MrBeast', uploaderId: 'UCX6OQ3DkcsbYNE6H8uQQuVA', entriesTotal: 2,
    });
    expect(info.entries!.map((e) => e.id)).toEqual(['0e3GPea1Tyg', 'tnTPaLOaHz8']);
    expect(bodyOf(h.web.seen(RESOLVE).at(-1)!).url).toBe('https://www.youtube.com/@MrBeast');
    expect(bodyOf(h.web.seen(BROWSE).at(-1)!).browseId).toBe('VLUULFX6OQ3DkcsbYNE6H8uQQuVA');
  });

  it('follows a channel live embed to the video streaming now', async () => {
    const info = await h.info('https://www.youtube.com/embed/live_stream?channel=UCSJ4gkVC6NrvII8umztf0Ow');
    expect(info).toMatchObject({ id: 'jfKfPfyJRdk', live: true });
    expect(bodyOf(h.web.seen(RESOLVE).at(-1)!).url).toBe('https://www.youtube.com/channel/UCSJ4gkVC6NrvII8umztf0Ow/live');
  });

  it('says content.not_found for a handle YouTube does not know', async () => {
    expect((await rejectionOf(h.info('https://www.youtube.com/@nobody-here-123'))).code).toBe('content.not_found');
  });
});

describe('youtube through dlbot info --json', () => {
  it('prints the watch page as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://www.youtube.com/watch?v=BaW_jenozKc');
    expect(info).toMatchObject({
      platform: 'youtube', id: 'BaW_jenozKc', url: 'https://www.youtube.com/watch?v=BaW_jenozKc',
      title: 'youtube-dl test video "\'/\\ä↭𝕐', uploader: 'Philipp Hagemeister', durationSec: 10, viewCount: 2618463,
    });
    expect(info.formats.map((f) => [f.id, f.protocol])).toEqual([
      ['18', 'https'], ['137', 'https'], ['248', 'https'], ['701', 'https'], ['136', 'https'], ['140', 'https'], ['140-de-DE', 'https'], ['251', 'https'],
    ]);
    expect(info.formats.every((f) => CDN.test(f.url))).toBe(true);
    expect(new URL(info.formats[1]!.url).searchParams.get('itag')).toBe('137');
  });
});
