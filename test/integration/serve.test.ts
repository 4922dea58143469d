import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia, type SampleMedia } from '../support/sample-media.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dlbot');
const KEY = 'test-key-0123456789';
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

let dir: string;
let media: SampleMedia;
let server: TestServer;
let child: ChildProcess;
let api: string;
let stderr = '';

const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-serve-'));
  media = await makeSampleMedia(dir);
  server = await startServer({
    '/clip.mp4': async (_req, res) => {
      const body = await readFile(media.mp4);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(body.length) }).end(body);
    },
  });
  await writeFile(join(dir, 'empty.yaml'), '');
  child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      HTTP_PORT: '0',
      API_KEYS: KEY,
      ALLOWED_PRIVATE_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // the API logs its address once it listens (port 0 → a free one)
  api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dlbot serve did not start:\n${stderr}`)), 20_000);
    const look = () => {
      const m = /"address":"(http:\/\/[^"]+)"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', look);
        resolve(m[1]!.replace('0.0.0.0', '127.0.0.1'));
      }
    };
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`dlbot serve exited ${code}:\n${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dlbot serve', () => {
  it('takes a job over REST, runs it in its worker, serves the file, and counts it on the dashboard and /metrics', async () => {
    const created = await fetch(`${api}/api/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `${server.origin}/clip.mp4` }) });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let job: { state: string; result?: { files: Array<{ url: string }> } } = { state: 'queued' };
    for (let i = 0; i < 100 && job.state !== 'done' && job.state !== 'dead'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await (await fetch(`${api}/api/v1/jobs/${id}`, { headers: auth })).json()) as typeof job;
    }
    expect(job.state, stderr).toBe('done');
    const file = await fetch(`${api}/api/v1/jobs/${id}/file`, { headers: auth });
    expect(file.status).toBe(200);
    const saved = join(dir, 'got.mp4');
    await writeFile(saved, Buffer.from(await file.arrayBuffer()));
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', saved]);
    expect(Number(stdout)).toBeCloseTo(2, 0);

    const dashboard = (await (await fetch(`${api}/api/v1/dashboard`)).json()) as { system: { state: string }; downloads: { total: number; success_rate: number }; platforms: Record<string, { success: number }> };
    expect(dashboard.system.state).toBe('running');
    expect(dashboard.downloads.total).toBe(1);
    expect(dashboard.downloads.success_rate).toBe(100);
    expect(dashboard.platforms.generic).toEqual({ success: 1, failed: 0 });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/dlbot_downloads_total\{[^}]*platform="generic"[^}]*\} 1/);
    expect((await fetch(`${api}/api/v1/ready`)).status).toBe(200);
  });

  it.skipIf(!existsSync(CHROMIUM))('shows the real numbers on the web dashboard (screenshot in test-artifacts/)', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
      await page.goto(`${api}/`);
      await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });
      expect((await page.locator('#state').textContent())?.trim()).toBe('running');
      expect((await page.locator('#success-rate').textContent())?.trim()).toBe('100.0%');
      expect((await page.locator('#downloads-total').textContent())?.trim()).toBe('1');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-serve.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('drains and exits 0 on SIGTERM, removing its temp directory', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'data', 'tmp'))).toBe(false);
  });
});
