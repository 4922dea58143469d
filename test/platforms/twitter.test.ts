import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';
import { sendFile, type FakeWeb } from '../support/fake-web.js';
import { syndicationToken } from '../../src/platforms/twitter.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'twitter');
const ACTIVATE = 'https://api.x.com/1.1/guest/activate.json';
const GRAPHQL = 'https://api.x.com/graphql/qxWQxcMLiTPcavz9Qy5hwQ/TweetResultByRestId';
const SYNDICATION = 'https://cdn.syndication.twimg.com/tweet-result';
const VIDEO_720 = 'https://video.twimg.com/ext_tw_video/1790637594260779008/pu/vid/avc1/320x180/kZc3hrq0XK0nBvhQ.mp4';
const VIDEO_90 = 'https://video.twimg.com/ext_tw_video/1790637594260779008/pu/vid/avc1/160x90/u7yXvNjJ0wl3Ww1D.mp4';
const CAROUSEL_VIDEO = 'https://video.twimg.com/ext_tw_video/1600649697407913985/pu/vid/320x180/aQb1yMtzkH1IOHEW.mp4';
const CAROUSEL_GIF = 'https://video.twimg.com/tweet_video/FjUpDFeXwAAbLmX.mp4';
const CAROUSEL_PHOTO = 'https://pbs.twimg.com/media/FjUpCNNXkAEGwZx';
const GUEST_TOKEN = '1790700000000000001';

const fixture = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as unknown;

/** GraphQL as x.com answers it: only for the current guest token (or a logged-in cookie), per tweet id. */
async function serveTwitter(web: FakeWeb, media: SampleMedia, silent: string, photo: string): Promise<void> {
  const tweets: Record<string, unknown> = {
    '1790637656616943991': await fixture('tweet-video.json'),
    '1600649710662213632': await fixture('tweet-carousel.json'),
    '1111111111111111111': await fixture('tweet-nsfw.json'),
    '1222222222222222222': await fixture('tweet-deleted.json'),
    '1333333333333333333': await fixture('tweet-suspended.json'),
    '1444444444444444444': await fixture('tweet-tombstone.json'),
  };
  const nsfwForMembers = await fixture('tweet-video.json');
  let issued = 0;
  web.route(ACTIVATE, (req, res) => {
    issued++;
    const ok = req.method === 'POST' && req.headers.authorization?.startsWith('Bearer AAAAAAAAAAAAAAAAAAAAANRILgAAAAAA');
    res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { guest_token: GUEST_TOKEN } : { errors: [{ code: 99 }] }));
  });
  web.route(GRAPHQL, (req, res) => {
    const { tweetId } = JSON.parse(req.target.searchParams.get('variables') ?? '{}') as { tweetId?: string };
    const loggedIn = /auth_token=/.test(req.headers.cookie ?? '') && req.headers['x-csrf-token'] === 'csrf0token';
    if (!loggedIn && req.headers['x-guest-token'] !== GUEST_TOKEN) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 239, message: 'Bad guest token.' }] }));
      return;
    }
    if (tweetId === '1555555555555555555') {
      res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 88, message: 'Rate limit exceeded' }] }));
      return;
    }
    const body = loggedIn && tweetId === '1111111111111111111' ? nsfwForMembers : tweets[tweetId ?? ''];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { data: { tweetResult: {} } }));
  });
  web.file(VIDEO_720, media.mp4, 'video/mp4');
  web.file(VIDEO_90, media.mp4, 'video/mp4');
  web.file(CAROUSEL_VIDEO, media.mp4, 'video/mp4');
  web.file(CAROUSEL_GIF, silent, 'video/mp4');
  web.file(CAROUSEL_PHOTO, photo, 'image/jpeg');
  Object.defineProperty(web, 'issuedTokens', { get: () => issued });
}

let h: PlatformHarness;
let media: SampleMedia;
let silent: string;
let photo: string;
const issuedTokens = () => (h.web as FakeWeb & { issuedTokens: number }).issuedTokens;

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  silent = join(h.dir, 'gif.mp4');
  photo = join(h.dir, 'photo.jpg');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', media.mp4, '-an', '-c:v', 'copy', silent]);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', media.mp4, '-frames:v', '1', photo]);
  await serveTwitter(h.web, media, silent, photo);
  h.web.json(SYNDICATION, await fixture('syndication-video.json'));
});

afterAll(() => h?.close());

describe('twitter', () => {
  it('reads a video tweet from GraphQL with a guest token into mp4 formats and metadata', async () => {
    const info = await h.info('https://x.com/historyinmemes/status/1790637656616943991?s=20');
    expect(info).toMatchObject({
      platform: 'twitter', id: '1790637656616943991', url: 'https://x.com/historyinmemes/status/1790637656616943991',
      title: 'Astronauts training for zero gravity #history #1960s', uploader: 'Historic Vids', uploaderId: 'historyinmemes',
      description: 'Astronauts training for zero gravity #history #1960s https://t.co/Qx8aYb3QqL',
      durationSec: 2, timestamp: 1715756914, likeCount: 51234, viewCount: 3482091, tags: ['history', '1960s'],
      thumbnail: 'https://pbs.twimg.com/ext_tw_video_thumb/1790637594260779008/pu/img/5bqBuN2vW9h3NVYq.jpg',
    });
    expect(info.entries).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.width, f.height, f.bitrateKbps, f.vcodec, f.acodec])).toEqual([
      ['http-832', 320, 180, 832, 'avc1', 'mp4a.40.2'],
      ['http-256', 160, 90, 256, 'avc1', 'mp4a.40.2'],
    ]);
    expect(info.formats[0]!.url).toBe(`${VIDEO_720}?tag=12`);
    const call = h.web.seen(GRAPHQL).at(-1)!;
    expect(call.headers['x-guest-token']).toBe(GUEST_TOKEN);
    expect(call.headers.authorization).toMatch(/^Bearer AAAAAAAAAAAAAAAAAAAAANRILgAAAAAAnNwIzUejRCOuH5E6I8xnZz4puTs/);
    const q = new URL(call.url).searchParams;
    expect(JSON.parse(q.get('variables')!)).toMatchObject({ tweetId: '1790637656616943991', withCommunity: false });
    expect(JSON.parse(q.get('features')!)).toMatchObject({ longform_notetweets_consumption_enabled: true });
  });

  it('activates a guest token once and reuses it from the cache', async () => {
    const before = issuedTokens();
    await h.info('https://twitter.com/historyinmemes/status/1790637656616943991');
    await h.info('https://fxtwitter.com/historyinmemes/status/1790637656616943991');
    expect(issuedTokens()).toBe(before);
    expect(await h.ctx.cache!.get('twitter:guest-token')).toBe(GUEST_TOKEN);
  });

  it('renews a guest token x.com calls bad and retries', async () => {
    await h.ctx.cache!.set('twitter:guest-token', 'expired-token', 3600);
    const before = issuedTokens();
    const info = await h.info('https://x.com/i/status/1790637656616943991');
    expect(info.id).toBe('1790637656616943991');
    expect(issuedTokens()).toBe(before + 1);
    expect(await h.ctx.cache!.get('twitter:guest-token')).toBe(GUEST_TOKEN);
  });

  it('turns a photo + video + GIF tweet into a carousel of entries', async () => {
    const info = await h.info('https://twitter.com/CTVJLaidlaw/status/1600649710662213632');
    expect(info).toMatchObject({ id: '1600649710662213632', uploaderId: 'CTVJLaidlaw', viewCount: 98311, formats: [] });
    expect(info.entries!.map((e) => [e.id, e.url, e.title])).toEqual([
      ['1600649710662213632_1', 'https://x.com/CTVJLaidlaw/status/1600649710662213632/photo/1', 'Here are some pictures and video from Shawnigan Lake this morning #1'],
      ['1600649710662213632_2', 'https://x.com/CTVJLaidlaw/status/1600649710662213632/video/2', 'Here are some pictures and video from Shawnigan Lake this morning #2'],
      ['1600649710662213632_3', 'https://x.com/CTVJLaidlaw/status/1600649710662213632/video/3', 'Here are some pictures and video from Shawnigan Lake this morning #3'],
    ]);
    const [photoItem, videoItem, gifItem] = info.entries!;
    expect(photoItem!.formats).toEqual([
      { id: 'orig', url: `${CAROUSEL_PHOTO}?format=jpg&name=orig`, protocol: 'https', container: 'jpg', width: 320, height: 180, image: true },
    ]);
    expect(videoItem!.formats.map((f) => [f.id, f.width, f.height, f.acodec])).toEqual([['http-632', 320, 180, 'mp4a.40.2']]);
    expect(gifItem!.formats).toEqual([
      { id: 'gif', url: CAROUSEL_GIF, protocol: 'https', container: 'mp4', vcodec: 'avc1', acodec: null, width: 320, height: 180, note: 'gif' },
    ]);
  });

  it('keeps only the media a /video/{n} link points at', async () => {
    const info = await h.info('https://x.com/CTVJLaidlaw/status/1600649710662213632/video/3');
    expect(info.entries).toBeUndefined();
    expect(info.id).toBe('1600649710662213632');
    expect(info.formats.map((f) => f.note)).toEqual(['gif']);
  });

  it('downloads the best mp4 variant of a video tweet', async () => {
    const result = await h.downloads.download('https://x.com/historyinmemes/status/1790637656616943991', { quality: 'best' }, { outputDir: join(h.dir, 'out-video') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['http-832']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(VIDEO_720)).toHaveLength(1);
  });

  it('downloads every item of a carousel: the original photo, the video and the silent GIF', async () => {
    const result = await h.downloads.download('https://x.com/CTVJLaidlaw/status/1600649710662213632', { quality: 'best' }, { outputDir: join(h.dir, 'out-carousel') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['video', 'mp4'], ['video', 'mp4']]);
    expect((await probeFile(result.files[0]!.path)).width).toBe(320);
    expect((await probeFile(result.files[1]!.path)).streams).toEqual(['audio', 'video']);
    const gif = await probeFile(result.files[2]!.path);
    expect(gif.streams).toEqual(['video']);
    expect(gif.durationSec).toBeCloseTo(2, 0);
  });

  it('falls back to the syndication API when GraphQL is rate-limited, with the site\'s token', async () => {
    const info = await h.info('https://x.com/someone/status/1555555555555555555');
    expect(info).toMatchObject({ title: 'Astronauts training for zero gravity #history #1960s', uploaderId: 'historyinmemes', timestamp: 1715756914, durationSec: 2 });
    expect(info.formats.map((f) => f.id)).toEqual(['http-832', 'http-256']);
    const call = h.web.seen(SYNDICATION).at(-1)!;
    expect(new URL(call.url).searchParams.get('id')).toBe('1555555555555555555');
    expect(new URL(call.url).searchParams.get('token')).toBe(syndicationToken('1555555555555555555'));
    expect(syndicationToken('1790637656616943991')).toBe('4c9gcitu1vq');
  });

  it('reads the HLS master when a video has no mp4 variant, and downloads it', async () => {
    const tweet = JSON.parse(JSON.stringify(await fixture('tweet-video.json'))) as {
      data: { tweetResult: { result: { rest_id: string; legacy: { extended_entities: { media: Array<{ video_info: { variants: Array<{ content_type: string }> } }> } } } } };
    };
    const item = tweet.data.tweetResult.result.legacy.extended_entities.media[0]!;
    item.video_info.variants = item.video_info.variants.filter((v) => v.content_type === 'application/x-mpegURL');
    h.web.route(/^https:\/\/api\.x\.com\/graphql\/.*1777777777777777777/, (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tweet)));
    const master = await readFile(join(FIXTURES, 'hls-master.m3u8'), 'utf8');
    h.web.route(/^https:\/\/video\.twimg\.com\/ext_tw_video\/1790637594260779008\/pu\/pl\//, (req, res) => {
      const name = req.target.pathname.split('/').pop()!;
      if (name === 'Wf2u5bXc1Fy7dIEy.m3u8') return void res.writeHead(200, { 'content-type': 'application/x-mpegURL' }).end(master);
      if (name.endsWith('.m3u8')) return sendFile(req, res, media.hlsMedia, 'application/x-mpegURL');
      sendFile(req, res, join(media.dir, 'hls', name), 'video/mp2t');
    });
    const info = await h.info('https://x.com/historyinmemes/status/1777777777777777777');
    expect(info.formats.map((f) => [f.id, f.protocol, f.width, f.height, f.url])).toEqual([
      ['hls-180p', 'hls', 320, 180, 'https://video.twimg.com/ext_tw_video/1790637594260779008/pu/pl/avc1/320x180/kZc3hrq0XK0nBvhQ.m3u8?container=cmaf'],
    ]);
    const result = await h.downloads.download('https://x.com/historyinmemes/status/1777777777777777777', { quality: 'best' }, { outputDir: join(h.dir, 'out-hls') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(probe.durationSec).toBeCloseTo(2, 0);
  });

  it('maps unavailable tweets to stable codes', async () => {
    expect((await rejectionOf(h.info('https://x.com/a/status/1111111111111111111'))).code).toBe('content.login_required');
    expect((await rejectionOf(h.info('https://x.com/a/status/1222222222222222222'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://x.com/a/status/1333333333333333333'))).code).toBe('content.not_found');
    const protectedTweet = await rejectionOf(h.info('https://x.com/a/status/1444444444444444444'));
    expect(protectedTweet.code).toBe('content.login_required');
    expect(protectedTweet.message).toBe('You’re unable to view this Post because this account owner limits who can view their Posts.');
  });

  it('a tombstone from the syndication fallback is final too', async () => {
    h.web.route(/^https:\/\/api\.x\.com\/graphql\/.*1666666666666666666/, (_req, res) => void res.writeHead(500).end());
    h.web.route(/^https:\/\/cdn\.syndication\.twimg\.com\/tweet-result\?id=1666666666666666666/, (_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ __typename: 'TweetTombstone', tombstone: { text: { text: 'This Post was deleted by the Post author. Learn more' } } })),
    );
    const error = await rejectionOf(h.info('https://x.com/a/status/1666666666666666666'));
    expect(error.code).toBe('content.not_found');
    expect(error.message).toBe('This Post was deleted by the Post author.');
  });
});

describe('twitter with COOKIES_FILE', () => {
  let logged: PlatformHarness;

  beforeAll(async () => {
    const cookies = join(h.dir, 'cookies.txt');
    await writeFile(cookies, ['# Netscape HTTP Cookie File', '.x.com\tTRUE\t/\tTRUE\t0\tauth_token\tsecret-auth', '.x.com\tTRUE\t/\tTRUE\t0\tct0\tcsrf0token', ''].join('\n'));
    logged = await startPlatformHarness({ cookiesFile: cookies });
    await serveTwitter(logged.web, media, silent, photo);
  });

  afterAll(() => logged?.close());

  it('calls GraphQL as the account (cookie + csrf, no guest token) and sees sensitive posts', async () => {
    const info = await logged.info('https://x.com/a/status/1111111111111111111');
    expect(info.formats[0]!.id).toBe('http-832');
    const call = logged.web.seen(GRAPHQL)[0]!;
    expect(call.headers.cookie).toContain('auth_token=secret-auth');
    expect(call.headers['x-csrf-token']).toBe('csrf0token');
    expect(call.headers['x-twitter-auth-type']).toBe('OAuth2Session');
    expect(call.headers['x-guest-token']).toBeUndefined();
    expect(logged.web.seen(ACTIVATE)).toHaveLength(0);
  });
});

describe('twitter through dlbot info --json', () => {
  it('prints the video tweet as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://x.com/historyinmemes/status/1790637656616943991?s=20');
    expect(info).toMatchObject({
      platform: 'twitter', id: '1790637656616943991', url: 'https://x.com/historyinmemes/status/1790637656616943991',
      title: 'Astronauts training for zero gravity #history #1960s', uploader: 'Historic Vids', uploaderId: 'historyinmemes', durationSec: 2,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.url])).toEqual([
      ['http-832', 'https', `${VIDEO_720}?tag=12`],
      ['http-256', 'https', `${VIDEO_90}?tag=12`],
    ]);
  });
});
