import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';

const runFile = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dlbot');

let dir: string;
let media: SampleMedia;
let server: TestServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI like a user would, with a clean environment plus `env`. */
async function dlbot(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await runFile(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, DATA_DIR: join(dir, 'data'), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const local = { ALLOWED_PRIVATE_HOSTS: '127.0.0.1' };
const duration = async (file: string) =>
  Number((await runFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file])).stdout.trim());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-cli-'));
  media = await makeSampleMedia(dir);
  const types: Record<string, string> = { mp4: 'video/mp4', m3u8: 'application/vnd.apple.mpegurl', ts: 'video/mp2t', mpd: 'application/dash+xml', m4s: 'video/iso.segment' };
  server = await startServer({}, async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path);
    if (path.includes('..') || !existsSync(file)) return void res.writeHead(404).end();
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[path.split('.').pop()!] ?? 'application/octet-stream', 'content-length': String(body.length) }).end(body);
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dlbot detect', () => {
  it('prints one JSON line per URL in the documented shape', async () => {
    const r = await dlbot(['detect', '--json', 'https://www.tiktok.com/@scout2015/video/6718335390845095173', 'https://vm.tiktok.com/ZMabc123/', 'ftp://x.example.com/a', 'not a url', 'https://example.com/clip.mp4']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      { input: 'https://www.tiktok.com/@scout2015/video/6718335390845095173', platform: 'tiktok', id: '6718335390845095173' },
      { input: 'https://vm.tiktok.com/ZMabc123/', platform: 'tiktok', id: null, needsResolve: true },
      { input: 'ftp://x.example.com/a', platform: null, id: null, error: 'link.unsupported' },
      { input: 'not a url', platform: null, id: null, error: 'link.invalid' },
      { input: 'https://example.com/clip.mp4', platform: 'generic', id: 'https://example.com/clip.mp4' },
    ]);
  });
});

describe('dlbot get', () => {
  it('downloads a direct MP4 and reports JSON lines ending in done', async () => {
    const out = join(dir, 'out-mp4');
    const r = await dlbot(['get', `${server.origin}/clip.mp4`, '-o', out, '--json'], local);
    expect(r.code, r.stderr).toBe(0);
    const events = lines(r.stdout);
    expect(events[0]).toMatchObject({ event: 'progress', stage: 'extract' });
    const done = events.at(-1) as { event: string; platform: string; files: Array<{ path: string; kind: string; durationSec: number; width: number }> };
    expect(done).toMatchObject({ event: 'done', platform: 'generic' });
    expect(done.files).toHaveLength(1);
    expect(done.files[0]).toMatchObject({ kind: 'video', width: 320, height: 180 });
    expect(await duration(done.files[0]!.path)).toBeCloseTo(2, 0);
    expect(await readdir(out)).toEqual(['clip [' + done.files[0]!.path.split('[')[1]]);
  });

  it('downloads an HLS stream into a playable MP4', async () => {
    const out = join(dir, 'out-hls');
    const r = await dlbot(['get', `${server.origin}/hls/master.m3u8`, '-o', out, '--json'], local);
    expect(r.code, r.stderr).toBe(0);
    const done = lines(r.stdout).at(-1) as { files: Array<{ path: string; container: string }> };
    expect(done.files[0]!.container).toBe('mp4');
    expect(await duration(done.files[0]!.path)).toBeCloseTo(2, 0);
  });

  it('merges a DASH manifest’s separate video and audio', async () => {
    const out = join(dir, 'out-dash');
    const r = await dlbot(['get', `${server.origin}/dash/manifest.mpd`, '-o', out, '--json'], local);
    expect(r.code, r.stderr).toBe(0);
    const done = lines(r.stdout).at(-1) as { files: Array<{ path: string; formats: string[] }> };
    expect(done.files[0]!.formats).toHaveLength(2);
    const streams = (await runFile('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', done.files[0]!.path])).stdout;
    expect(streams.trim().split('\n').sort()).toEqual(['audio', 'video']);
  });

  it('extracts audio as mp3 with --audio --audio-format mp3', async () => {
    const out = join(dir, 'out-mp3');
    const r = await dlbot(['get', `${server.origin}/clip.mp4`, '-o', out, '--audio', '--audio-format', 'mp3', '--json'], local);
    expect(r.code, r.stderr).toBe(0);
    const done = lines(r.stdout).at(-1) as { files: Array<{ path: string; kind: string; container: string }> };
    expect(done.files[0]).toMatchObject({ kind: 'audio', container: 'mp3' });
    expect(done.files[0]!.path.endsWith('.mp3')).toBe(true);
  });

  it('refuses a file over --max-size with content.too_large and leaves nothing behind', async () => {
    const out = join(dir, 'out-big');
    const r = await dlbot(['get', `${server.origin}/clip.mp4`, '-o', out, '--max-size', '0.01', '--json'], local);
    expect(r.code).toBe(1);
    expect(lines(r.stdout).at(-1)).toMatchObject({ event: 'error', code: 'content.too_large' });
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
    expect(await readdir(join(dir, 'data', 'tmp'))).toEqual([]);
  });

  it('refuses a private address unless ALLOWED_PRIVATE_HOSTS names it (exit 1, fetch.blocked)', async () => {
    const r = await dlbot(['get', `${server.origin}/clip.mp4`, '-o', join(dir, 'out-blocked'), '--json']);
    expect(r.code).toBe(1);
    expect(lines(r.stdout).at(-1)).toMatchObject({ event: 'error', code: 'fetch.blocked' });
  });

  it('exits 2 on a usage error and on a bad setting, naming it', async () => {
    const usage = await dlbot(['get', `${server.origin}/clip.mp4`, '-q', '999p']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Unknown quality');
    const config = await dlbot(['get', `${server.origin}/clip.mp4`], { MAX_MEMORY_MB: 'abc' });
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('MAX_MEMORY_MB');
  });
});
