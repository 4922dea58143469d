import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'twitch');
const GQL = 'https://gql.twitch.tv/gql';
const CLIP_CDN = 'https://production.assets.clips.twitchcdn.net/v2/media/FaintLightGullWholeWheat/38c47eba-2b3e-435e-8912-acba90e08882';
const VOD_CDN = 'https://d2nvs31859zcd8.cloudfront.net/9d6b1fe4ef2c5bc3c4b1_riotgames_38429146592_1590770569';
const NEW_CLIP_HASH = '993d9a5131f15a37bd16f32342c44ed1e0b1a9b968c6afdb662d2cddd595f6c5';

/** One operation of the batch our extractor posts. */
interface Operation {
  operationName: string;
  query?: string;
  variables: Record<string, unknown>;
  extensions?: { persistedQuery: { sha256Hash: string } };
}
type Answer = { data?: unknown; errors?: Array<{ message: string }> };

let h: PlatformHarness;
let media: SampleMedia;
const fixture = async <T>(name: string) => JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as T;

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const [clipMeta, clipToken] = await fixture<Answer[]>('clip-gql.json');
  const [vodMeta, vodToken] = await fixture<Answer[]>('vod-gql.json');
  const [liveChannel] = await fixture<Answer[]>('channel-live-gql.json');

  /** What Twitch answers for one operation, keyed the way the real API keys it. */
  const answer = (op: Operation): Answer => {
    const arg = /\((?:slug|id|login): "([^"]+)"\)/.exec(op.query ?? '')?.[1];
    switch (op.operationName) {
      case 'ClipMetadata':
        return arg === 'FaintLightGullWholeWheat' || arg === 'OldHashClip' ? clipMeta! : { data: { clip: null } };
      case 'VideoAccessToken_Clip':
        if (op.variables.slug === 'OldHashClip' && op.extensions?.persistedQuery.sha256Hash === NEW_CLIP_HASH) {
          return { errors: [{ message: 'PersistedQueryNotFound' }] };
        }
        return op.variables.slug === 'GoneClip' ? { data: { clip: null } } : clipToken!;
      case 'VodMetadata':
        return arg === '635475444' || arg === '1822395420' ? vodMeta! : { data: { video: null } };
      case 'PlaybackAccessToken':
        return vodToken!;
      case 'ChannelStream':
        if (arg === 'xqc') return liveChannel!;
        if (arg === 'sleepy') return { data: { user: { id: '1', login: 'sleepy', displayName: 'Sleepy', broadcastSettings: { title: 'zzz' }, stream: null } } };
        return { data: { user: null } };
      default:
        return { errors: [{ message: `unknown operation ${op.operationName}` }] };
    }
  };
  h.web.route(GQL, (req, res) => {
    const ops = JSON.parse(req.body) as Operation[];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ops.map(answer)));
  });

  for (const q of ['1080', '720', '360']) h.web.file(`${CLIP_CDN}/video-${q}.mp4`, media.mp4, 'video/mp4');

  h.web.html('https://usher.ttvnw.net/vod/635475444.m3u8', await readFile(join(FIXTURES, 'vod-master.m3u8'), 'utf8'), 200, { 'content-type': 'application/vnd.apple.mpegurl' });
  h.web.json('https://usher.ttvnw.net/vod/1822395420.m3u8', await fixture('usher-restricted.json'), 403);
  // every rendition serves the sample HLS media playlist and its .ts segments
  h.web.route(new RegExp(`^${VOD_CDN.replace(/\./g, '\\.')}/`), (req, res) => {
    const name = basename(req.target.pathname);
    sendFile(req, res, join(media.dir, 'hls', name === 'index-dvr.m3u8' ? 'media.m3u8' : name), name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
  });
});

afterAll(() => h?.close());

describe('twitch clips', () => {
  it('reads clip metadata and signs every mp4 quality with the playback access token', async () => {
    const info = await h.info('https://www.twitch.tv/ea/clip/FaintLightGullWholeWheat?filter=clips');
    expect(info).toMatchObject({
      platform: 'twitch', id: 'FaintLightGullWholeWheat', url: 'https://clips.twitch.tv/FaintLightGullWholeWheat',
      title: 'EA Play 2016 Live from the Novo Theatre', uploader: 'EA', uploaderId: 'ea',
      durationSec: 32, viewCount: 49561, timestamp: 1465767393, tags: ['EA Play'],
      thumbnail: expect.stringMatching(/preview-480x272\.jpg$/),
    });
    expect(info.formats.map((f) => [f.id, f.height, f.fps, f.protocol])).toEqual([
      ['1080p60', 1080, 60, 'https'], ['720p30', 720, 30, 'https'], ['360p30', 360, 30, 'https'],
    ]);
    const signed = new URL(info.formats[0]!.url);
    expect(signed.origin + signed.pathname).toBe(`${CLIP_CDN}/video-1080.mp4`);
    expect(signed.searchParams.get('sig')).toBe('3c0f8a4e5b9d21c7f6e0a1b2c3d4e5f60718293a');
    expect(JSON.parse(signed.searchParams.get('token')!)).toMatchObject({ clip_slug: 'FaintLightGullWholeWheat', version: 2 });
    expect(signed.search).toContain('token=%7B%22authorization%22');

    const post = h.web.seen(GQL).at(-1)!;
    expect(post.headers['client-id']).toBe('kimne78kx3ncx6brgo4mv6wki5h1ko');
    const ops = JSON.parse(post.body) as Operation[];
    expect(ops.map((o) => o.operationName)).toEqual(['ClipMetadata', 'VideoAccessToken_Clip']);
    expect(ops[1]!.extensions!.persistedQuery.sha256Hash).toBe(NEW_CLIP_HASH);
  });

  it('falls back to the older VideoAccessToken_Clip hash when Twitch no longer knows the newer one', async () => {
    const before = h.web.seen(GQL).length;
    const info = await h.info('https://clips.twitch.tv/OldHashClip');
    expect(info.formats).toHaveLength(3);
    const retry = JSON.parse(h.web.seen(GQL)[before + 1]!.body) as Operation[];
    expect(retry.map((o) => o.extensions?.persistedQuery.sha256Hash)).toEqual(['36b89d2507fce29e5ca551df756d27c1cfe079e2609642b4390aa4c35796eb11']);
  });

  it('downloads the best clip quality into a valid mp4', async () => {
    const result = await h.downloads.download('https://clips.twitch.tv/FaintLightGullWholeWheat', { quality: 'best' }, { outputDir: join(h.dir, 'clip') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    const fetched = h.web.seen(`${CLIP_CDN}/video-1080.mp4`);
    expect(fetched.length).toBeGreaterThan(0);
    expect(new URL(fetched[0]!.url).searchParams.get('sig')).toBe('3c0f8a4e5b9d21c7f6e0a1b2c3d4e5f60718293a');
  });

  it('says content.not_found for a deleted clip', async () => {
    const error = await rejectionOf(h.info('https://clips.twitch.tv/GoneClip'));
    expect(error.code).toBe('content.not_found');
  });
});

describe('twitch VODs', () => {
  it('expands the usher master opened with the VOD access token into named variants', async () => {
    const info = await h.info('https://www.twitch.tv/riotgames/v/635475444?t=5m10s');
    expect(info).toMatchObject({
      platform: 'twitch', id: '635475444', url: 'https://www.twitch.tv/videos/635475444',
      title: 'Riot Games', uploader: 'Riot Games', uploaderId: 'riotgames', durationSec: 11643,
      timestamp: 1590770569, viewCount: 12702, tags: ['League of Legends'],
    });
    expect(info.live).toBeUndefined();
    expect(info.formats.map((f) => [f.id, f.height, f.fps, f.vcodec ?? null])).toEqual([
      ['hls-1080p60', 1080, 60, 'avc1.64002A'], ['hls-720p60', 720, 60, 'avc1.4D401F'], ['hls-720p30', 720, 30, 'avc1.4D401F'],
      ['hls-360p30', 360, 30, 'avc1.4D401E'], ['hls-160k', undefined, undefined, null],
    ]);
    expect(info.formats[0]!.note).toBe('source');

    const usher = new URL(h.web.seen('https://usher.ttvnw.net/vod/635475444.m3u8').at(-1)!.url);
    expect(usher.searchParams.get('sig')).toBe('9e5d2c7a1b3f4e6d8c0a2b4d6f8e0a1c3e5b7d9f');
    expect(JSON.parse(usher.searchParams.get('token')!)).toMatchObject({ vod_id: 635475444 });
    expect(usher.searchParams.get('allow_source')).toBe('true');
    const ops = JSON.parse(h.web.seen(GQL).at(-1)!.body) as Operation[];
    expect(ops[1]).toMatchObject({ operationName: 'PlaybackAccessToken', variables: { isVod: true, vodID: '635475444', isLive: false } });
  });

  it('downloads the requested rendition over HLS', async () => {
    // quality 'best' would be refused on size: the real duration (3 h) times the source bitrate
    const result = await h.downloads.download('https://www.twitch.tv/videos/635475444', { quality: '360p' }, { outputDir: join(h.dir, 'vod') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(`${VOD_CDN}/360p30/media0.ts`).length).toBeGreaterThan(0);
    expect(h.web.seen(`${VOD_CDN}/chunked/`)).toHaveLength(0);
  });

  it('says content.login_required for a subscriber-only VOD and content.not_found for a deleted one', async () => {
    const restricted = await rejectionOf(h.info('https://www.twitch.tv/tangotek/schedule?vodID=1822395420'));
    expect(restricted.code).toBe('content.login_required');
    expect(restricted.message).toMatch(/subscribers only.*COOKIES_FILE/);
    expect((await rejectionOf(h.info('https://www.twitch.tv/videos/999999999'))).code).toBe('content.not_found');
  });

  it('sends the COOKIES_FILE auth-token as an OAuth header', async () => {
    const cookies = join(h.dir, 'cookies.txt');
    await writeFile(cookies, '# Netscape HTTP Cookie File\n.twitch.tv\tTRUE\t/\tTRUE\t0\tauth-token\tabc123token\n');
    const authed = await startPlatformHarness({ cookiesFile: cookies });
    try {
      authed.web.json(GQL, [{ data: { video: null } }, { data: { videoPlaybackAccessToken: null } }]);
      expect((await rejectionOf(authed.info('https://www.twitch.tv/videos/123'))).code).toBe('content.not_found');
      expect(authed.web.seen(GQL)[0]!.headers.authorization).toBe('OAuth abc123token');
    } finally {
      await authed.close();
    }
  });
});

describe('twitch channels', () => {
  it('marks a channel that is live now as live, which downloads refuse with content.live', async () => {
    const info = await h.info('https://www.twitch.tv/xqc');
    expect(info).toMatchObject({ platform: 'twitch', id: 'xqc', live: true, uploader: 'xQc', title: 'LIVE NOW - REACTING TO EVERYTHING', tags: ['Just Chatting'] });
    const error = await rejectionOf(h.downloads.download('https://www.twitch.tv/xqc', { quality: 'best' }, { outputDir: join(h.dir, 'live') }));
    expect(error.code).toBe('content.live');
  });

  it('says content.not_found for an offline or unknown channel', async () => {
    const offline = await rejectionOf(h.info('https://www.twitch.tv/sleepy'));
    expect(offline.code).toBe('content.not_found');
    expect(offline.message).toMatch(/offline/);
    expect((await rejectionOf(h.info('https://www.twitch.tv/nobodyhere'))).code).toBe('content.not_found');
  });
});

describe('twitch through dlbot info --json', () => {
  it('prints the clip as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://www.twitch.tv/ea/clip/FaintLightGullWholeWheat?filter=clips');
    expect(info).toMatchObject({
      platform: 'twitch', id: 'FaintLightGullWholeWheat', url: 'https://clips.twitch.tv/FaintLightGullWholeWheat',
      title: 'EA Play 2016 Live from the Novo Theatre', uploader: 'EA', uploaderId: 'ea', durationSec: 32, viewCount: 49561,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, new URL(f.url).origin + new URL(f.url).pathname])).toEqual([
      ['1080p60', 'https', `${CLIP_CDN}/video-1080.mp4`],
      ['720p30', 'https', `${CLIP_CDN}/video-720.mp4`],
      ['360p30', 'https', `${CLIP_CDN}/video-360.mp4`],
    ]);
    expect(new URL(info.formats[0]!.url).searchParams.get('sig')).toBe('3c0f8a4e5b9d21c7f6e0a1b2c3d4e5f60718293a');
  });
});
