import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { WebSocket } from 'undici';
import { createApiServer } from '../../src/api/server.js';
import { apiJobHandler } from '../../src/api/job-handler.js';
import { JobEventBus } from '../../src/api/job-events.js';
import { createEngine, type Engine } from '../../src/core/engine.js';
import { SqliteJobQueue } from '../../src/core/job-queue.js';
import { Worker } from '../../src/core/worker.js';
import { testConfig } from '../../src/utils/config.js';
import { DownloadError, type ErrorCode } from '../../src/utils/errors.js';
import { silentLogger } from '../../src/utils/logger.js';
import { RetryPolicy, exponential } from '../../src/utils/retry.js';
import { openDatabase, type SqliteDatabase } from '../../src/utils/store.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia } from '../support/sample-media.js';
import { SeededStatus, seededDashboard } from '../support/seeded-status.js';

const ADMIN = 'admin-key-6f1c2d';
const USER = 'user-key-93ab41';
const OTHER = 'other-key-5d7e20';
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
let mp4: Buffer;
let media: TestServer;
let db: SqliteDatabase;
let queue: SqliteJobQueue;
let engine: Engine;
let worker: Worker;
let status: SeededStatus;
let app: FastifyInstance;
const events = new JobEventBus();

/** Serves `bytes` as video/mp4, honouring single byte ranges, paced by `delayMs` per 16 kB when set. */
async function serveMp4(req: IncomingMessage, res: ServerResponse, bytes: Buffer, delayMs = 0) {
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const end = m && m[2] ? Number(m[2]) : bytes.length - 1;
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
  res.writeHead(m ? 206 : 200, m ? { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}` } : headers);
  if (req.method === 'HEAD') return void res.end();
  const chunk = 16 * 1024;
  for (let at = start; at <= end && !res.destroyed; at += chunk) {
    res.write(bytes.subarray(at, Math.min(end + 1, at + chunk)));
    if (delayMs) await sleep(delayMs);
  }
  res.end();
}

const json = <T = Record<string, any>>(res: LightMyRequestResponse) => res.json() as T;

async function waitForJob(id: string, states: string[], timeoutMs = 20_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: as(USER) });
    const job = json(res);
    if (states.includes(job.state)) return job;
    if (Date.now() > until) throw new Error(`job ${id} stayed ${job.state}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-api-'));
  const sample = await makeSampleMedia(dir);
  mp4 = await readFile(sample.mp4);
  media = await startServer({
    '/clip.mp4': (req, res) => serveMp4(req, res, mp4),
    // about 1.5 s for the ~100 kB clip: time for a subscriber to see progress
    '/slow.mp4': (req, res) => serveMp4(req, res, mp4, 200),
    '/page.html': (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><title>Nothing</title><body>no video</body></html>'),
  });
  const config = testConfig({
    dataDir: join(dir, 'data'),
    allowedPrivateHosts: ['127.0.0.1'],
    apiKeys: [ADMIN, USER, OTHER],
    rateLimitRequestsPerMinute: 10_000,
    enablePlatforms: [],
  });
  engine = createEngine(config, silentLogger);
  db = openDatabase(':memory:');
  queue = new SqliteJobQueue(db, { maxAttempts: 2 });
  status = new SeededStatus();
  const resultsDir = join(dir, 'results');
  worker = new Worker(queue, apiJobHandler(engine, resultsDir, { events, progressIntervalMs: 20 }), {
    id: 'api-test',
    concurrency: 2,
    pollMs: 50,
    // slow heartbeats: live progress must come from the in-process bus, not the queue's copy
    heartbeatMs: 5_000,
    leaseMs: 15_000,
    retry: new RetryPolicy({ maxAttempts: 2, strategy: exponential({ baseMs: 10, jitter: false }) }),
    logger: silentLogger,
  });
  app = await createApiServer({ engine, queue, status, config, worker, resultsDir, events, watchPollMs: 100 });
  worker.start();
});

afterAll(async () => {
  await worker?.stop(1000);
  await app?.close();
  await engine?.close();
  db?.close();
  await media?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('access', () => {
  it('refuses keyed routes without a key, with a wrong key, and admin routes with a user key', async () => {
    const none = await app.inject({ method: 'POST', url: '/api/v1/detect', payload: { url: 'https://youtu.be/dQw4w9WgXcQ' } });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="dlbot"');
    expect(json(none)).toEqual({ error: { code: 'auth.required', message: expect.stringContaining('Authorization: Bearer') } });

    const wrong = await app.inject({ method: 'GET', url: '/api/v1/jobs/x', headers: as('not-a-key') });
    expect(wrong.statusCode).toBe(401);
    expect(json(wrong).error.code).toBe('auth.required');

    const graphql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ platforms { name } }' } });
    expect(graphql.statusCode).toBe(401);
    expect(json(graphql)).toEqual({ data: null, errors: [{ message: expect.any(String), extensions: { code: 'auth.required' } }] });

    const userDlq = await app.inject({ method: 'GET', url: '/api/v1/dlq', headers: as(USER) });
    expect(userDlq.statusCode).toBe(403);
    expect(json(userDlq).error.code).toBe('auth.forbidden');
  });

  it('serves probes, dashboard data, the platform list and the OpenAPI document without a key', async () => {
    for (const url of ['/api/v1/health', '/api/v1/ready', '/metrics', '/api/v1/dashboard', '/api/v1/platforms', '/api/v1/openapi.json', '/', '/assets/chart.js']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });

  it('answers an unknown route with a 404 in the standard error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nope', headers: as(USER) });
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ error: { code: 'route.not_found', message: 'No route GET /api/v1/nope.' } });
  });
});

describe('POST /api/v1/detect', () => {
  it('detects platforms offline, one result per input, in the dlbot detect shape', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/detect',
      headers: as(USER),
      payload: { url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', urls: ['https://vm.tiktok.com/ZMeAbCdEf/', 'not a link', 'ftp://example.com/a.mp4'] },
    });
    expect(res.statusCode).toBe(200);
    expect(json(res).results).toEqual([
      { input: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', platform: 'youtube', id: 'dQw4w9WgXcQ', kind: expect.any(String) },
      { input: 'https://vm.tiktok.com/ZMeAbCdEf/', platform: 'tiktok', id: null, needsResolve: true, kind: expect.any(String) },
      { input: 'not a link', platform: null, id: null, error: 'link.invalid' },
      { input: 'ftp://example.com/a.mp4', platform: null, id: null, error: 'link.unsupported' },
    ]);
  });

  it('refuses a body without url or urls with 400 request.invalid', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/detect', headers: as(USER), payload: { link: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe('request.invalid');
  });

  it('refuses a body over the size limit with 413 request.too_large', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/detect', headers: as(USER), payload: { urls: Array(3000).fill('https://youtu.be/dQw4w9WgXcQ') } });
    expect(res.statusCode).toBe(413);
    expect(json(res).error.code).toBe('request.too_large');
  });
});

describe('POST /api/v1/info', () => {
  it('extracts a direct media link and never exposes per-format request headers', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: `${media.origin}/clip.mp4` } });
    expect(res.statusCode).toBe(200);
    const info = json(res);
    expect(info).toMatchObject({ platform: 'generic', url: `${media.origin}/clip.mp4` });
    expect(info.formats).toHaveLength(1);
    expect(info.formats[0]).toMatchObject({ protocol: 'https', url: `${media.origin}/clip.mp4`, filesizeBytes: mp4.length });
    expect(info.formats[0]).not.toHaveProperty('headers');
  });

  it('maps link and content failures from the real engine: 400, 422, 404', async () => {
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: 'no spaces allowed' } });
    expect([invalid.statusCode, json(invalid).error.code]).toEqual([400, 'link.invalid']);
    const unsupported = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: 'ftp://example.com/x' } });
    expect([unsupported.statusCode, json(unsupported).error.code]).toEqual([422, 'link.unsupported']);
    const missing = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: `${media.origin}/gone.mp4` } });
    expect([missing.statusCode, json(missing).error.code]).toEqual([404, 'content.not_found']);
    const noVideo = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: `${media.origin}/page.html` } });
    expect([noVideo.statusCode, json(noVideo).error.code]).toEqual([404, 'content.not_found']);
  });

  const table: Array<[ErrorCode, number]> = [
    ['content.private', 403],
    ['content.login_required', 403],
    ['content.age_restricted', 403],
    ['content.geo_blocked', 403],
    ['content.too_large', 413],
    ['content.live', 422],
    ['fetch.rate_limited', 429],
    ['fetch.failed', 502],
    ['fetch.blocked', 403],
    ['platform.unavailable', 503],
    ['internal', 500],
  ];
  it.each(table)('answers %s with HTTP %i and the code', async (code, httpStatus) => {
    const spy = vi.spyOn(engine.downloads, 'info').mockRejectedValueOnce(new DownloadError(code, undefined, { url: 'x', retryAfterSec: 7 }));
    const res = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: 'https://vimeo.com/76979871' } });
    spy.mockRestore();
    expect(res.statusCode).toBe(httpStatus);
    expect(json(res).error.code).toBe(code);
    expect(res.headers['retry-after']).toBe(httpStatus === 429 || httpStatus === 503 ? '7' : undefined);
  });

  it('answers an unexpected exception with 500 internal and no trace of it', async () => {
    const spy = vi.spyOn(engine.downloads, 'info').mockRejectedValueOnce(new TypeError('secret detail at /srv/app/x.js:10'));
    const res = await app.inject({ method: 'POST', url: '/api/v1/info', headers: as(USER), payload: { url: 'https://vimeo.com/76979871' } });
    spy.mockRestore();
    expect(res.statusCode).toBe(500);
    expect(json(res)).toEqual({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
    expect(res.body).not.toContain('secret');
  });
});

describe('jobs', () => {
  it('queues a job (202), runs it in the worker, and serves the file whole and by Range', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: `${media.origin}/clip.mp4`, quality: 'best' } });
    expect(created.statusCode).toBe(202);
    const ticket = json(created);
    expect(ticket).toEqual({ id: expect.any(String), state: 'queued', position: expect.any(Number) });
    expect(created.headers.location).toBe(`/api/v1/jobs/${ticket.id}`);
    // persisted before the answer
    expect((await queue.get(ticket.id))?.data).toMatchObject({ source: 'api', url: `${media.origin}/clip.mp4`, userId: expect.stringMatching(/^api:[0-9a-f]{16}$/) });

    const job = await waitForJob(ticket.id, ['done', 'dead']);
    expect(job.state).toBe('done');
    expect(job.attempts).toBe(1);
    expect(job.errors).toEqual([]);
    expect(job.progress).toMatchObject({ stage: 'done', percent: 100 });
    expect(job.result.platform).toBe('generic');
    expect(job.result.files).toEqual([
      expect.objectContaining({ index: 0, kind: 'video', container: 'mp4', sizeBytes: mp4.length, url: `/api/v1/jobs/${ticket.id}/file?index=0` }),
    ]);

    const whole = await app.inject({ method: 'GET', url: job.result.files[0].url, headers: as(USER) });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-disposition']).toMatch(/^attachment; filename="/);
    expect(sha(whole.rawPayload)).toBe(sha(mp4));

    const head = await app.inject({ method: 'GET', url: job.result.files[0].url, headers: { ...as(USER), range: 'bytes=0-99' } });
    expect(head.statusCode).toBe(206);
    expect(head.headers['content-range']).toBe(`bytes 0-99/${mp4.length}`);
    expect(head.headers['content-length']).toBe('100');
    expect(head.rawPayload.equals(mp4.subarray(0, 100))).toBe(true);

    const tail = await app.inject({ method: 'GET', url: job.result.files[0].url, headers: { ...as(USER), range: 'bytes=-10' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(mp4.subarray(mp4.length - 10))).toBe(true);

    const beyond = await app.inject({ method: 'GET', url: job.result.files[0].url, headers: { ...as(USER), range: `bytes=${mp4.length}-` } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${mp4.length}`);
    expect(json(beyond).error.code).toBe('range.not_satisfiable');

    const noSuchFile = await app.inject({ method: 'GET', url: `/api/v1/jobs/${ticket.id}/file?index=3`, headers: as(USER) });
    expect([noSuchFile.statusCode, json(noSuchFile).error.code]).toEqual([404, 'job.not_found']);

    // another key does not see the job at all; the admin key does
    const other = await app.inject({ method: 'GET', url: `/api/v1/jobs/${ticket.id}`, headers: as(OTHER) });
    expect([other.statusCode, json(other).error.code]).toEqual([404, 'job.not_found']);
    const otherFile = await app.inject({ method: 'GET', url: job.result.files[0].url, headers: as(OTHER) });
    expect(otherFile.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/v1/jobs/${ticket.id}`, headers: as(ADMIN) })).statusCode).toBe(200);

    // a finished job cannot be cancelled
    const cancel = await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${ticket.id}`, headers: as(USER) });
    expect([cancel.statusCode, json(cancel).error.code]).toEqual([409, 'job.finished']);

    // results removed from disk: 410
    await rm(join(dir, 'results', ticket.id), { recursive: true });
    const gone = await app.inject({ method: 'GET', url: job.result.files[0].url, headers: as(USER) });
    expect([gone.statusCode, json(gone).error.code]).toEqual([410, 'job.expired']);
  });

  it('says 409 job.not_ready for the file of a running job, and cancels it (DELETE) mid-download', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: `${media.origin}/slow.mp4` } });
    const { id } = json(created);
    await waitForJob(id, ['running']);
    // progress between heartbeats comes from the worker in this process
    const until = Date.now() + 5_000;
    let progress: Record<string, any> | undefined;
    while (Date.now() < until && !(progress?.stage === 'download' && progress.downloadedBytes > 0)) {
      progress = json(await app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: as(USER) })).progress;
      await sleep(20);
    }
    expect(progress).toMatchObject({ stage: 'download', downloadedBytes: expect.any(Number), totalBytes: mp4.length });
    expect(progress!.percent).toBeGreaterThan(0);
    expect(progress!.percent).toBeLessThan(100);
    const early = await app.inject({ method: 'GET', url: `/api/v1/jobs/${id}/file`, headers: as(USER) });
    expect([early.statusCode, json(early).error.code]).toEqual([409, 'job.not_ready']);

    const cancel = await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${id}`, headers: as(USER) });
    expect(cancel.statusCode).toBe(200);
    expect(json(cancel).state).toBe('cancelled');
    // aborted in this process at once: it stays cancelled and leaves no files behind
    await sleep(300);
    expect((await queue.get(id))?.state).toBe('cancelled');
    expect(worker.active).toBe(0);
    expect(existsSync(join(dir, 'results', id))).toBe(false);
    const again = await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${id}`, headers: as(USER) });
    expect(again.statusCode).toBe(409);
  });

  it('validates a job before queueing it: 400 link.invalid, 422 link.unsupported, 400 request.invalid', async () => {
    const before = await queue.counts();
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: 'http://' } });
    expect([invalid.statusCode, json(invalid).error.code]).toEqual([400, 'link.invalid']);
    const unsupported = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: 'mailto:a@b.c' } });
    expect([unsupported.statusCode, json(unsupported).error.code]).toEqual([422, 'link.unsupported']);
    const quality = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: `${media.origin}/clip.mp4`, quality: '8k' } });
    expect([quality.statusCode, json(quality).error.code]).toEqual([400, 'request.invalid']);
    expect(await queue.counts()).toEqual(before);
  });

  it('returns the same job for a repeated Idempotency-Key', async () => {
    await worker.stop(1000);
    try {
      const headers = { ...as(USER), 'idempotency-key': 'order-42' };
      const payload = { url: `${media.origin}/clip.mp4`, audio: true, audioFormat: 'mp3' };
      const a = json(await app.inject({ method: 'POST', url: '/api/v1/jobs', headers, payload }));
      const b = json(await app.inject({ method: 'POST', url: '/api/v1/jobs', headers, payload }));
      expect(b.id).toBe(a.id);
      const view = json(await app.inject({ method: 'GET', url: `/api/v1/jobs/${a.id}`, headers: as(USER) }));
      expect(view).toMatchObject({ state: 'queued', position: expect.any(Number), request: { quality: 'audio', audioFormat: 'mp3' } });
      await queue.cancel(a.id);
    } finally {
      worker.start();
    }
  });

  it('answers an unknown job with 404 job.not_found', async () => {
    for (const [method, url] of [['GET', '/api/v1/jobs/nope'], ['DELETE', '/api/v1/jobs/nope'], ['GET', '/api/v1/jobs/nope/file']] as const) {
      const res = await app.inject({ method, url, headers: as(USER) });
      expect([res.statusCode, json(res).error.code], `${method} ${url}`).toEqual([404, 'job.not_found']);
    }
  });
});

describe('dead-letter queue', () => {
  it('lists a job that failed for good and sends it back to the queue (admin key)', async () => {
    const { id } = json(await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: `${media.origin}/missing.mp4` } }));
    const dead = await waitForJob(id, ['dead']);
    expect(dead.errors).toEqual([expect.objectContaining({ code: 'content.not_found', attempt: 1 })]);

    const list = await app.inject({ method: 'GET', url: '/api/v1/dlq?limit=10', headers: as(ADMIN) });
    expect(list.statusCode).toBe(200);
    expect(json(list).jobs.map((j: { id: string }) => j.id)).toContain(id);

    await worker.stop(1000);
    try {
      const retry = await app.inject({ method: 'POST', url: `/api/v1/dlq/${id}/retry`, headers: as(ADMIN) });
      expect(retry.statusCode).toBe(200);
      expect(json(retry)).toMatchObject({ id, state: 'queued', attempts: 0 });
      const unknown = await app.inject({ method: 'POST', url: '/api/v1/dlq/nope/retry', headers: as(ADMIN) });
      expect([unknown.statusCode, json(unknown).error.code]).toEqual([404, 'job.not_found']);
      await queue.cancel(id);
    } finally {
      worker.start();
    }
  });
});

describe('status routes', () => {
  it('lists platforms with enabled flags and circuit states from the status source', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/platforms' });
    const platforms = json(res).platforms as Array<{ name: string; enabled: boolean; native: boolean; circuit: string }>;
    expect(platforms.length).toBeGreaterThanOrEqual(25);
    expect(platforms.find((p) => p.name === 'youtube')).toEqual({ name: 'youtube', enabled: true, native: true, circuit: 'closed' });
    expect(platforms.find((p) => p.name === 'tiktok')?.circuit).toBe('open');
    expect(platforms.find((p) => p.name === 'instagram')?.circuit).toBe('half-open');
    expect(platforms.at(-1)?.name).toBe('generic');
  });

  it('serves the dashboard numbers exactly as the status source reports them', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/dashboard' });
    expect(json(res)).toEqual(seededDashboard());
  });

  it('reports liveness always and readiness from health(): 200, then 503', async () => {
    expect(json(await app.inject({ method: 'GET', url: '/api/v1/health' }))).toEqual({ status: 'ok', uptimeSec: expect.any(Number) });
    const ready = await app.inject({ method: 'GET', url: '/api/v1/ready' });
    expect([ready.statusCode, json(ready).ok]).toEqual([200, true]);
    status.healthy = false;
    try {
      const notReady = await app.inject({ method: 'GET', url: '/api/v1/ready' });
      expect(notReady.statusCode).toBe(503);
      expect(json(notReady).components.ffmpeg).toEqual({ ok: false, detail: 'ffmpeg not found' });
      const spy = vi.spyOn(status, 'health').mockRejectedValueOnce(new Error('boom'));
      expect((await app.inject({ method: 'GET', url: '/api/v1/ready' })).statusCode).toBe(503);
      spy.mockRestore();
      expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    } finally {
      status.healthy = true;
    }
  });

  it('serves Prometheus text at /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toBe(status.metricsContentType);
    expect(res.body).toContain('dlbot_downloads_total{platform="youtube",outcome="success"} 890');
  });

  it('describes every REST route in the OpenAPI document, with schemas and security', async () => {
    const doc = json(await app.inject({ method: 'GET', url: '/api/v1/openapi.json' }));
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'POST /api/v1/detect', 'POST /api/v1/info', 'POST /api/v1/jobs', 'GET /api/v1/jobs/{id}', 'GET /api/v1/jobs/{id}/file',
        'DELETE /api/v1/jobs/{id}', 'GET /api/v1/platforms', 'GET /api/v1/health', 'GET /api/v1/ready', 'GET /api/v1/dashboard',
        'GET /metrics', 'GET /api/v1/dlq', 'POST /api/v1/dlq/{id}/retry', 'POST /graphql',
      ].sort(),
    );
    const file = doc.paths['/api/v1/jobs/{id}/file'].get;
    expect(file.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
      expect.objectContaining({ name: 'index', in: 'query', required: false }),
    ]);
    expect(Object.keys(file.responses)).toEqual(expect.arrayContaining(['200', '206', '404', '409', '410', '416']));
    expect(doc.paths['/api/v1/jobs'].post.requestBody.content['application/json'].schema.properties.quality.enum).toContain('1080p');
    expect(doc.paths['/api/v1/jobs/{id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Job' });
    expect(doc.paths['/api/v1/dlq'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/health'].get.security).toEqual([]);
    expect(doc.components.schemas.MediaInfo.properties.entries.items).toEqual({ $ref: '#/components/schemas/MediaInfo' });
    expect(JSON.stringify(doc)).not.toMatch(/"\$ref":"[A-Za-z]+#"/);
  });
});

describe('rate limit', () => {
  it('gives each key its own budget and answers 429 with Retry-After; probes are never limited', async () => {
    const config = testConfig({ dataDir: join(dir, 'data'), apiKeys: [ADMIN, USER], rateLimitRequestsPerMinute: 3 });
    const limited = await createApiServer({ engine, queue, status, config, resultsDir: join(dir, 'results') });
    try {
      const detect = (key: string) => limited.inject({ method: 'POST', url: '/api/v1/detect', headers: as(key), payload: { url: 'https://youtu.be/dQw4w9WgXcQ' } });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await detect(USER)).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const refused = await detect(USER);
      expect(json(refused).error.code).toBe('request.rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(20);
      expect((await detect(ADMIN)).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) expect((await limited.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('GraphQL', () => {
  const gql = async (query: string, variables?: Record<string, unknown>, key = USER) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: as(key), payload: { query, ...(variables ? { variables } : {}) } });
    return { status: res.statusCode, body: json(res) };
  };

  it('answers detect, platforms, dashboard and an unknown job in one query', async () => {
    const { status: code, body } = await gql(`{
      detect(urls: ["https://youtu.be/dQw4w9WgXcQ", "nope"]) { platform id error }
      platforms { name circuit }
      dashboard { system { state uptime memoryPercent } downloads { total successRate } platforms { name success failed } queue { queued dead } circuits { platform state } }
      job(id: "missing") { id }
    }`);
    expect(code).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.detect).toEqual([{ platform: 'youtube', id: 'dQw4w9WgXcQ', error: null }, { platform: null, id: null, error: 'link.invalid' }]);
    expect(body.data.platforms).toContainEqual({ name: 'tiktok', circuit: 'open' });
    expect(body.data.dashboard).toMatchObject({
      system: { state: 'running', uptime: '2h 45m', memoryPercent: 78 },
      downloads: { total: 1247, successRate: 94.2 },
      platforms: [{ name: 'youtube', success: 890, failed: 12 }, { name: 'instagram', success: 234, failed: 8 }, { name: 'tiktok', success: 123, failed: 3 }],
      queue: { queued: 7, dead: 3 },
    });
    expect(body.data.job).toBeNull();
  });

  it('extracts info and reports a download error with its code in extensions', async () => {
    const ok = await gql('query($u: String!) { info(url: $u) { platform formats { protocol filesizeBytes } } }', { u: `${media.origin}/clip.mp4` });
    expect(ok.body.data.info).toEqual({ platform: 'generic', formats: [{ protocol: 'https', filesizeBytes: mp4.length }] });
    const bad = await gql('query($u: String!) { info(url: $u) { platform } }', { u: `${media.origin}/gone.mp4` });
    expect(bad.body.data).toBeNull();
    expect(bad.body.errors[0]).toMatchObject({ message: expect.any(String), extensions: { code: 'content.not_found' }, path: ['info'] });
  });

  it('creates and cancels a job with mutations', async () => {
    await worker.stop(1000);
    try {
      const created = await gql('mutation($u: String!) { createJob(input: { url: $u, quality: "720p" }) { id state position } }', { u: `${media.origin}/clip.mp4` });
      const { id, state, position } = created.body.data.createJob;
      expect([state, position >= 1]).toEqual(['queued', true]);
      expect((await queue.get(id))?.data.request.quality).toBe('720p');
      const read = await gql('query($id: ID!) { job(id: $id) { id state request { quality } } }', { id });
      expect(read.body.data.job).toEqual({ id, state: 'queued', request: { quality: '720p' } });
      const cancelled = await gql('mutation($id: ID!) { cancelJob(id: $id) { id state } }', { id });
      expect(cancelled.body.data.cancelJob).toEqual({ id, state: 'cancelled' });
      const invalid = await gql('mutation { createJob(input: { url: "https://youtu.be/dQw4w9WgXcQ", quality: "8k" }) { id } }');
      expect(invalid.body.errors[0].extensions.code).toBe('request.invalid');
    } finally {
      worker.start();
    }
  });

  it('rejects queries deeper than the depth limit and costlier than the cost limit, before running them', async () => {
    const spy = vi.spyOn(engine.downloads, 'info');
    const deep = await gql('{ info(url: "https://youtu.be/dQw4w9WgXcQ") { entries { entries { entries { entries { entries { entries { entries { entries { id } } } } } } } } } }');
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0].message).toBe('The query is 9 levels deep, more than the depth limit of 8.');
    const costly = await gql('{ info(url: "https://youtu.be/dQw4w9WgXcQ") { entries { entries { formats { id url protocol container vcodec acodec width height } } } } }');
    expect(costly.status).toBe(400);
    expect(costly.body.errors).toEqual([expect.objectContaining({ message: 'The query costs 8112, more than the limit of 1000; ask for fewer fields or lists.' })]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('streams jobProgress over a websocket until the job is done', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    await worker.stop(1000);
    const { id } = json(await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: as(USER), payload: { url: `${media.origin}/slow.mp4` } }));

    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const messages: Array<Record<string, any>> = [];
    const completed = new Promise<void>((resolve, reject) => {
      ws.addEventListener('message', (event) => {
        const msg = JSON.parse(String(event.data));
        messages.push(msg);
        if (msg.type === 'connection_ack') {
          ws.send(JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription($id: ID!) { jobProgress(id: $id) { state progress { stage downloadedBytes percent } result { files { sizeBytes } } } }', variables: { id } },
          }));
        }
        // the first snapshot is the job as it waits; only then may the worker take it
        if (msg.type === 'next' && messages.filter((m) => m.type === 'next').length === 1) worker.start();
        if (msg.type === 'complete' || msg.type === 'error') resolve();
      });
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${USER}` } })));
    await completed;
    ws.close();

    const updates = messages.filter((m) => m.type === 'next').map((m) => m.payload.data.jobProgress);
    expect(messages.find((m) => m.type === 'error')).toBeUndefined();
    expect(updates[0].state).toBe('queued');
    const downloading = updates.filter((u) => u.state === 'running' && u.progress?.stage === 'download');
    expect(downloading.length).toBeGreaterThanOrEqual(2);
    expect(downloading.at(-1).progress.downloadedBytes).toBeGreaterThan(downloading[0].progress.downloadedBytes);
    expect(updates.at(-1)).toEqual({ state: 'done', progress: { stage: 'done', downloadedBytes: mp4.length, percent: 100 }, result: { files: [{ sizeBytes: mp4.length }] } });
  });

  it('refuses a subscription without a key', async () => {
    const port = (app.server.address() as AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    const reply = new Promise<Record<string, any>>((resolve) => {
      ws.addEventListener('message', (event) => {
        const msg = JSON.parse(String(event.data));
        if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { jobProgress(id: "x") { state } }' } }));
        else if (msg.type !== 'ping') resolve(msg);
      });
    });
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    const msg = await reply;
    ws.close();
    expect(msg.type).toBe('error');
    expect(JSON.stringify(msg.payload)).toContain('auth.required');
  });
});
