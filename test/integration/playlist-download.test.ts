import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PlatformManager } from '../../src/core/platform-manager.js';
import { DownloadService, type DownloadProgress } from '../../src/core/download-service.js';
import { hostIs, matched, type Match, type Platform } from '../../src/platforms/base.js';
import type { MediaInfo } from '../../src/media/types.js';
import { DownloadError } from '../../src/utils/errors.js';
import { HttpClient } from '../../src/utils/http.js';
import { silentLogger } from '../../src/utils/logger.js';
import { testConfig } from '../../src/utils/config.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { sendFile } from '../support/fake-web.js';
import { makeSampleMedia } from '../support/sample-media.js';

let dir: string;
let server: TestServer;
let http: HttpClient;
/** What each playlist answers: its entries, as YouTube's playlist extractor gives them (no formats). */
const playlists = new Map<string, MediaInfo[]>();
/** Video ids whose extraction fails, with the code. */
const broken = new Map<string, DownloadError['code']>();

const row = (id: string): MediaInfo => ({ platform: 'tube', id, url: `https://tube.test/watch/${id}`, title: `Video ${id}`, formats: [] });

/** A YouTube-like platform: /playlist/<id> is a container of rows, /watch/<id> a video served by the local server. */
const tube: Platform = {
  name: 'tube',
  hosts: ['tube.test'],
  examples: [],
  match(url) {
    if (!hostIs(url.hostname, 'tube.test')) return null;
    const [kind, id] = url.pathname.split('/').filter(Boolean);
    return id ? matched('tube', url, id, kind === 'playlist' ? 'playlist' : 'video') : null;
  },
  extract: vi.fn(async (m: Match): Promise<MediaInfo> => {
    if (m.kind === 'playlist') {
      return { platform: 'tube', id: m.id!, url: m.url.href, title: 'A playlist', formats: [], entries: playlists.get(m.id!) ?? [] };
    }
    const code = broken.get(m.id!);
    if (code) throw new DownloadError(code, `video ${m.id} failed`);
    return {
      platform: 'tube',
      id: m.id!,
      url: m.url.href,
      title: `Video ${m.id} (extracted)`,
      formats: [{ id: 'mp4', url: `${server.origin}/media/${m.id}.mp4`, protocol: 'https', container: 'mp4', vcodec: 'avc1', acodec: 'mp4a', height: 180 }],
    };
  }),
};

const extractedUrls = () => vi.mocked(tube.extract!).mock.calls.map(([m]) => m.url.pathname);

function service(overrides: Parameters<typeof testConfig>[0] = {}) {
  const config = testConfig({ dataDir: join(dir, 'data'), allowedPrivateHosts: ['127.0.0.1'], ...overrides });
  const platforms = new PlatformManager([tube]);
  return new DownloadService({ config, http, platforms, logger: silentLogger });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-playlist-'));
  const media = await makeSampleMedia(dir);
  server = await startServer({}, (req, res) => {
    const name = basename(new URL(req.url ?? '/', 'http://x').pathname);
    return name.endsWith('.mp4') ? sendFile(req, res, media.mp4, 'video/mp4') : void res.writeHead(404).end();
  });
  http = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'], timeoutMs: 5000 });
});

afterAll(async () => {
  await http?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  vi.mocked(tube.extract!).mockClear();
  broken.clear();
});

describe('playlist download', () => {
  it('extracts each entry when its turn comes, in order, and downloads one file per entry', async () => {
    playlists.set('PL1', [row('a'), row('b'), row('c')]);
    const progress: DownloadProgress[] = [];
    const out = join(dir, 'out-ordered');
    const result = await service().download('https://tube.test/playlist/PL1', { quality: 'best' }, { outputDir: out, onProgress: (p) => progress.push(p) });

    expect(extractedUrls()).toEqual(['/playlist/PL1', '/watch/a', '/watch/b', '/watch/c']);
    expect(result.files.map((f) => f.item.title)).toEqual(['Video a (extracted)', 'Video b (extracted)', 'Video c (extracted)']);
    expect(result.files.map((f) => f.formatIds)).toEqual([['mp4'], ['mp4'], ['mp4']]);
    expect(result.files.every((f) => f.kind === 'video' && f.sizeBytes > 10_000)).toBe(true);
    expect(result.failed).toBeUndefined();
    expect((await readdir(out)).sort()).toEqual(['Video a (extracted) [a].mp4', 'Video b (extracted) [b].mp4', 'Video c (extracted) [c].mp4']);
    expect(progress.filter((p) => p.stage === 'extract').map((p) => [p.item, p.items])).toEqual([[0, 1], [0, 3], [1, 3], [2, 3]]);
    expect(progress.at(-1)).toMatchObject({ stage: 'done', item: 3, items: 3 });
    expect(server.hits.filter((h) => h.startsWith('GET /media/')).map((h) => h.split(' ')[1])).toEqual(
      expect.arrayContaining(['/media/a.mp4', '/media/b.mp4', '/media/c.mp4']),
    );
  });

  it('stops at PLAYLIST_LIMIT without extracting the rest', async () => {
    playlists.set('PL2', [row('a'), row('b'), row('c'), row('d'), row('e')]);
    const result = await service({ playlistLimit: 2 }).download('https://tube.test/playlist/PL2', { quality: 'best' }, { outputDir: join(dir, 'out-limit') });
    expect(extractedUrls()).toEqual(['/playlist/PL2', '/watch/a', '/watch/b']);
    expect(result.files).toHaveLength(2);
  });

  it('records a failing entry and goes on with the others', async () => {
    playlists.set('PL3', [row('a'), row('gone'), row('c'), row('locked')]);
    broken.set('gone', 'content.not_found');
    broken.set('locked', 'content.private');
    const result = await service().download('https://tube.test/playlist/PL3', { quality: 'best' }, { outputDir: join(dir, 'out-partial') });

    expect(extractedUrls()).toEqual(['/playlist/PL3', '/watch/a', '/watch/gone', '/watch/c', '/watch/locked']);
    expect(result.files.map((f) => f.item.id)).toEqual(['a', 'c']);
    expect(result.failed).toEqual([
      { item: row('gone'), code: 'content.not_found', message: 'video gone failed' },
      { item: row('locked'), code: 'content.private', message: 'video locked failed' },
    ]);
  });

  it('records an entry whose media fails to download, too', async () => {
    playlists.set('PL4', [row('a'), row('missing-media')]);
    const missing = vi.mocked(tube.extract!).getMockImplementation()!;
    vi.mocked(tube.extract!).mockImplementation(async (m, ctx) => {
      const info = await missing(m, ctx);
      return m.id === 'missing-media' ? { ...info, formats: info.formats.map((f) => ({ ...f, url: `${server.origin}/media/none.bin` })) } : info;
    });
    try {
      const result = await service().download('https://tube.test/playlist/PL4', { quality: 'best' }, { outputDir: join(dir, 'out-media') });
      expect(result.files.map((f) => f.item.id)).toEqual(['a']);
      expect(result.failed?.map((f) => [f.item.id, f.code])).toEqual([['missing-media', 'content.not_found']]);
    } finally {
      vi.mocked(tube.extract!).mockImplementation(missing);
    }
  });

  it('when every entry fails, throws the first error', async () => {
    playlists.set('PL5', [row('x'), row('y')]);
    broken.set('x', 'content.private');
    broken.set('y', 'content.not_found');
    let error: unknown;
    try {
      await service().download('https://tube.test/playlist/PL5', { quality: 'best' }, { outputDir: join(dir, 'out-none') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe('content.private');
    expect(extractedUrls()).toEqual(['/playlist/PL5', '/watch/x', '/watch/y']);
  });

  it('does not extract entries that already carry formats (a carousel)', async () => {
    const out = join(dir, 'out-carousel');
    const info: MediaInfo = {
      platform: 'tube',
      id: 'post',
      url: 'https://tube.test/post/1',
      formats: [],
      entries: ['p1', 'p2'].map((id) => ({
        platform: 'tube',
        id,
        url: `https://tube.test/post/1#${id}`,
        title: `Slide ${id}`,
        formats: [{ id: 'mp4', url: `${server.origin}/media/${id}.mp4`, protocol: 'https' as const, container: 'mp4', vcodec: 'avc1', acodec: 'mp4a' }],
      })),
    };
    const result = await service().download(info.url, { quality: 'best' }, { outputDir: out, info });
    expect(tube.extract).not.toHaveBeenCalled();
    expect(result.files.map((f) => f.item.id)).toEqual(['p1', 'p2']);
  });

  it('a single video still fails as a whole', async () => {
    broken.set('solo', 'content.private');
    let error: unknown;
    try {
      await service().download('https://tube.test/watch/solo', { quality: 'best' }, { outputDir: join(dir, 'out-solo') });
    } catch (e) {
      error = e;
    }
    expect((error as DownloadError).code).toBe('content.private');
  });
});
