import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { createApiServer } from '../../src/api/server.js';
import { createEngine, type Engine } from '../../src/core/engine.js';
import { SqliteJobQueue } from '../../src/core/job-queue.js';
import { testConfig } from '../../src/utils/config.js';
import { silentLogger } from '../../src/utils/logger.js';
import { openDatabase, type SqliteDatabase } from '../../src/utils/store.js';
import { SeededStatus } from '../support/seeded-status.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard.test.ts skipped: ${CHROMIUM} is missing (apt-get install chromium)`);

describe.skipIf(!hasChromium)('web dashboard in Chromium', () => {
  let dir: string;
  let db: SqliteDatabase;
  let engine: Engine;
  let app: FastifyInstance;
  let browser: Browser;
  let origin: string;
  const status = new SeededStatus();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dlbot-dashboard-'));
    // keys are set, to prove the page needs none
    const config = testConfig({ dataDir: dir, apiKeys: ['some-key'] });
    engine = createEngine(config, silentLogger);
    db = openDatabase(':memory:');
    const queue = new SqliteJobQueue(db, { maxAttempts: 2 });
    app = await createApiServer({ engine, queue, status, config, resultsDir: join(dir, 'results') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await engine?.close();
    db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders the status numbers, platforms, queue and errors, draws the charts, and keeps polling', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${origin}/?interval=1`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });

    const text = async (id: string) => (await page.locator(`#${id}`).textContent())?.trim();
    expect(await text('state')).toBe('running');
    expect(await text('success-rate')).toBe('94.2%');
    expect(await text('downloads-total')).toBe('1,247');
    expect(await text('uptime')).toBe('2h 45m');
    expect(await text('memory')).toBe('78.0%');
    expect(await text('memory-limit')).toBe('156 MB of 200 MB');
    expect(await text('queue-depth')).toBe('7');
    expect(await text('queue-running')).toBe('2');
    expect(await text('queue-dead')).toBe('3');
    expect(await text('cache-hit-rate')).toBe('84.0%');
    expect(await text('open-circuits')).toBe('circuit open: instagram, tiktok');

    // platforms, busiest first, with their counts and circuit dots
    const rows = page.locator('#platforms li.platform');
    expect(await Promise.all((await rows.all()).map((row) => row.getAttribute('data-platform')))).toEqual(['youtube', 'instagram', 'tiktok']);
    expect(await rows.first().locator('.success').innerText()).toBe('890');
    expect(await rows.first().locator('.failed').innerText()).toBe('12');
    expect(await rows.nth(2).locator('.dot').getAttribute('data-circuit')).toBe('open');

    // newest error first
    expect(await page.locator('#errors tr td code').allInnerTexts()).toEqual(['fetch.rate_limited', 'content.login_required']);

    // chart.js drew both charts with the seeded series
    // (page code is passed as text: the test build has no DOM types)
    const charts: unknown = await page.evaluate(`({
      points: Chart.getChart(document.getElementById('history-chart'))?.data.datasets[0].data.length,
      queue: Chart.getChart(document.getElementById('queue-chart'))?.data.datasets[0].data,
    })`);
    expect(charts).toEqual({ points: 60, queue: [7, 2, 1175, 4, 3] });

    // a change on the server shows up with the next poll
    status.data.queue.queued = 12;
    await page.locator('#queue-depth:text-is("12")').waitFor({ timeout: 5_000 });

    await mkdir(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);

    // the strict CSP let everything load: no console errors
    expect(problems).toEqual([]);
    await page.close();
  });

  it('switches between dark and light with the toggle and remembers the choice', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-loaded="true"]');
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(await background()).toBe('rgb(245, 247, 251)');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-light.png') });
    await page.click('#theme');
    expect(await background()).toBe('rgb(11, 16, 32)');
    await page.reload();
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.close();
  });
});
