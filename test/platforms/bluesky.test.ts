import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'bluesky');
const XRPC = 'https://public.api.bsky.app/xrpc';
const RESOLVE = `${XRPC}/com.atproto.identity.resolveHandle`;
const THREAD = `${XRPC}/app.bsky.feed.getPostThread`;
const VIDEO_DID = 'did:plc:a6z6ky7vmeyl6lhjf6krw6wq';
const VIDEO_CID = 'bafkreib5z7bhyccqv6iqvxwqr3v4gbp3h7nmkq5b4rwbyywbatbrkxdl4a';
const WATCH = `https://video.bsky.app/watch/did%3Aplc%3Aa6z6ky7vmeyl6lhjf6krw6wq/${VIDEO_CID}`;
const QUOTE_WATCH = 'https://video.bsky.app/watch/did%3Aplc%3A6ttyq36rhiyed7wu3ws7dmqj/bafkreia2cxp5l4hlftw7vx3rwkovw7cvqcz3mdwy3g4cu2yfxd6nnllcfu';
const IMAGE_1 = 'https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreiaa3qd6aynzmmpxpzjcgsrzjrfdrxfzfgj7jf7lpshbpmhyvsxgpe@jpeg';
const IMAGE_2 = 'https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreicqfvxwfrjoydprphqtdcc3qi5ip6ygvq6pdxdmcxwi5upm6yzwuu@jpeg';

const TENOR_GIF = 'https://media.tenor.com/3ZQO0rFQq9AAAAAC/cat-dance.gif';

const fixture = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as unknown;

let h: PlatformHarness;
let media: SampleMedia;

beforeAll(async () => {
  h = await startPlatformHarness();
  media = await makeSampleMedia(h.dir);
  const photo = join(h.dir, 'photo.jpg');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', media.mp4, '-frames:v', '1', photo]);

  const dids: Record<string, string> = { 'blu3blue.bsky.social': VIDEO_DID, 'bsky.app': 'did:plc:z72i7hdynmk6r22z27h6tvur', 'dannybhoix.bsky.social': 'did:plc:4llrhdclvdlmmynkwsmg5tdc' };
  h.web.route(RESOLVE, (req, res) => {
    const did = dids[req.target.searchParams.get('handle') ?? ''];
    const body = did ? { did } : { error: 'InvalidRequest', message: 'Unable to resolve handle' };
    res.writeHead(did ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const threads: Record<string, unknown> = {
    [`at://${VIDEO_DID}/app.bsky.feed.post/3l4omssdl632g`]: await fixture('thread-video.json'),
    'at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l3vgf77uco2g': await fixture('thread-images.json'),
    'at://did:plc:6ttyq36rhiyed7wu3ws7dmqj/app.bsky.feed.post/3l77u64l7le2e': await fixture('thread-quote-video.json'),
    'at://did:plc:4llrhdclvdlmmynkwsmg5tdc/app.bsky.feed.post/3l6oe5mtr2c2j': await fixture('thread-logged-in-only.json'),
    'at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l7gv55dc2o2w': await fixture('thread-tenor-gif.json'),
    'at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l7rdfxhyds2f': await fixture('thread-link-card.json'),
  };
  h.web.route(THREAD, (req, res) => {
    const uri = req.target.searchParams.get('uri') ?? '';
    const thread = threads[uri];
    const body = thread ?? { error: 'NotFound', message: `Post not found: ${uri}` };
    res.writeHead(thread ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  h.web.json(`https://plc.directory/${VIDEO_DID}`, await fixture('did-plc.json'));
  const master = await readFile(join(FIXTURES, 'playlist.m3u8'), 'utf8');
  // video.bsky.app: the master names 360p/ and 720p/ media playlists; both serve the sample's segments
  h.web.route(/^https:\/\/video\.bsky\.app\/watch\//, (req, res) => {
    const name = basename(req.target.pathname);
    if (name === 'playlist.m3u8') return void res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(master);
    if (name === 'video.m3u8') return sendFile(req, res, media.hlsMedia, 'application/vnd.apple.mpegurl');
    if (name === 'thumbnail.jpg') return sendFile(req, res, photo, 'image/jpeg');
    return sendFile(req, res, join(media.dir, 'hls', name), 'video/mp2t');
  });
  h.web.file(IMAGE_1, photo, 'image/jpeg');
  h.web.file(IMAGE_2, photo, 'image/jpeg');
  const gif = join(h.dir, 'cat.gif');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', media.mp4, '-t', '1', '-vf', 'fps=5', gif]);
  h.web.file(TENOR_GIF, gif, 'image/gif');
  h.web.json('https://ajax.streamable.com/videos/dnd1', JSON.parse(await readFile(join(import.meta.dirname, '..', 'fixtures', 'streamable', 'video-dnd1.json'), 'utf8')));
});

afterAll(() => h?.close());

describe('bluesky', () => {
  it('resolves the handle, reads the post thread and lists the HLS variants and the original upload', async () => {
    const info = await h.info('https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g');
    expect(info).toMatchObject({
      platform: 'bluesky', id: '3l4omssdl632g', url: 'https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g',
      title: 'Waves at Ocean Beach this morning #oceanwaves', description: 'Waves at Ocean Beach this morning #oceanwaves\nsound on',
      uploader: 'Blu3Blu3', uploaderId: 'blu3blue.bsky.social', timestamp: 1726156809, likeCount: 187, tags: ['oceanwaves'],
      thumbnail: `${WATCH}/thumbnail.jpg`,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.width, f.height, f.vcodec])).toEqual([
      ['hls-360p', 'hls', 640, 360, 'avc1.64001e'],
      ['hls-720p', 'hls', 1280, 720, 'avc1.64001f'],
      ['original', 'https', 1280, 720, undefined],
    ]);
    expect(info.formats[1]!.url).toBe(`${WATCH}/720p/video.m3u8`);
    expect(info.formats[2]).toMatchObject({
      url: `https://morel.us-east.host.bsky.network/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(VIDEO_DID)}&cid=${VIDEO_CID}`,
      container: 'mp4', filesizeBytes: 1048576,
    });
    const thread = new URL(h.web.seen(THREAD).at(-1)!.url).searchParams;
    expect(thread.get('uri')).toBe(`at://${VIDEO_DID}/app.bsky.feed.post/3l4omssdl632g`);
    expect(thread.get('depth')).toBe('0');
  });

  it('caches the handle\'s DID and the PDS between extractions', async () => {
    const resolves = h.web.seen(RESOLVE).length;
    const plc = h.web.seen('https://plc.directory/').length;
    await h.info('https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g/quotes');
    expect(h.web.seen(RESOLVE)).toHaveLength(resolves);
    expect(h.web.seen('https://plc.directory/')).toHaveLength(plc);
    expect(await h.ctx.cache!.get('bluesky:did:blu3blue.bsky.social')).toBe(VIDEO_DID);
  });

  it('downloads the 720p HLS variant into a valid mp4', async () => {
    const result = await h.downloads.download('https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g', { quality: 'best' }, { outputDir: join(h.dir, 'out-video') });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.formatIds).toEqual(['hls-720p']);
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(h.web.seen(`${WATCH}/720p/`).length).toBeGreaterThanOrEqual(3);
  });

  it('turns an images post into a carousel and downloads each fullsize image', async () => {
    const info = await h.info('https://bsky.app/profile/bsky.app/post/3l3vgf77uco2g');
    expect(info).toMatchObject({ id: '3l3vgf77uco2g', uploader: 'Bluesky', likeCount: 15923, tags: ['video'], formats: [] });
    expect(info.entries!.map((e) => [e.id, e.title, e.formats])).toEqual([
      ['3l3vgf77uco2g_1', 'Video is coming to Bluesky! Here is a sneak peek. #1', [{ id: 'fullsize', url: IMAGE_1, protocol: 'https', container: 'jpg', image: true, width: 320, height: 180 }]],
      ['3l3vgf77uco2g_2', 'Video is coming to Bluesky! Here is a sneak peek. #2', [{ id: 'fullsize', url: IMAGE_2, protocol: 'https', container: 'jpg', image: true, width: 320, height: 180 }]],
    ]);
    const result = await h.downloads.download('https://bsky.app/profile/bsky.app/post/3l3vgf77uco2g', { quality: 'best' }, { outputDir: join(h.dir, 'out-images') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['image', 'jpg']]);
    expect((await probeFile(result.files[1]!.path)).width).toBe(320);
  });

  it('takes the media of a quote post (recordWithMedia) and keeps going when the PDS cannot be found', async () => {
    const info = await h.info('https://bsky.app/profile/did:plc:6ttyq36rhiyed7wu3ws7dmqj/post/3l77u64l7le2e');
    expect(info).toMatchObject({ id: '3l77u64l7le2e', uploaderId: 'thafnine.net', url: 'https://bsky.app/profile/thafnine.net/post/3l77u64l7le2e' });
    expect(info.formats.map((f) => f.url)).toEqual([`${QUOTE_WATCH}/360p/video.m3u8`, `${QUOTE_WATCH}/720p/video.m3u8`]);
    expect(h.web.seen(RESOLVE).some((r) => r.url.includes('6ttyq36'))).toBe(false);
  });

  it('takes a Tenor GIF card as a full-size GIF and downloads it', async () => {
    const info = await h.info('https://bsky.app/profile/bsky.app/post/3l7gv55dc2o2w');
    expect(info).toMatchObject({ id: '3l7gv55dc2o2w', title: 'friday mood', thumbnail: TENOR_GIF });
    expect(info.formats).toEqual([{ id: 'gif', url: TENOR_GIF, protocol: 'https', container: 'gif', image: true, note: 'gif' }]);
    const result = await h.downloads.download('https://bsky.app/profile/bsky.app/post/3l7gv55dc2o2w', { quality: 'best' }, { outputDir: join(h.dir, 'out-gif') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'gif']]);
    expect(h.web.seen(TENOR_GIF)[0]!.url).toBe(TENOR_GIF);
  });

  it('hands a link card to the platform of the link', async () => {
    const info = await h.info('https://bsky.app/profile/bsky.app/post/3l7rdfxhyds2f');
    expect(info).toMatchObject({ platform: 'streamable', id: 'dnd1' });
  });

  it('says content.not_found for a missing post or handle, and login_required for logged-in-only authors', async () => {
    expect((await rejectionOf(h.info('https://bsky.app/profile/bsky.app/post/3kzzzzzzzzz2a'))).code).toBe('content.not_found');
    expect((await rejectionOf(h.info('https://bsky.app/profile/nobody.example.com/post/3l4omssdl632g'))).code).toBe('content.not_found');
    const hidden = await rejectionOf(h.info('https://bsky.app/profile/dannybhoix.bsky.social/post/3l6oe5mtr2c2j'));
    expect(hidden.code).toBe('content.login_required');
  });
});

describe('bluesky through dlbot info --json', () => {
  it('prints the video post as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, 'https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g');
    expect(info).toMatchObject({
      platform: 'bluesky', id: '3l4omssdl632g', url: 'https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g',
      title: 'Waves at Ocean Beach this morning #oceanwaves', uploader: 'Blu3Blu3', uploaderId: 'blu3blue.bsky.social', likeCount: 187,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.url])).toEqual([
      ['hls-360p', 'hls', `${WATCH}/360p/video.m3u8`],
      ['hls-720p', 'hls', `${WATCH}/720p/video.m3u8`],
      ['original', 'https', `https://morel.us-east.host.bsky.network/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(VIDEO_DID)}&cid=${VIDEO_CID}`],
    ]);
  });
});
