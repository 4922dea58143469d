import { describe, expect, it } from 'vitest';
import { SqliteJobQueue, type Job } from '../../src/core/job-queue.js';
import { openDatabase } from '../../src/utils/store.js';
import { JobEventBus, watchJob } from '../../src/api/job-events.js';
import { parseRange, contentDisposition, type RangeRequest } from '../../src/api/file-response.js';
import { ApiKeys } from '../../src/api/auth.js';
import { ApiError, errorResponse, DOWNLOAD_ERROR_STATUS } from '../../src/api/errors.js';
import { costLimitRule, depthLimitRule } from '../../src/api/graphql/limits.js';
import { graphql } from '../../src/api/graphql/graphql-lib.js';
import { typeDefs } from '../../src/api/graphql/schema.js';
import { DownloadError, ERROR_CODES } from '../../src/utils/errors.js';

describe('parseRange', () => {
  const cases: Array<[string | undefined, number, RangeRequest]> = [
    [undefined, 1000, { kind: 'full' }],
    ['bytes=0-99', 1000, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=900-', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['bytes=900-5000', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-100', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', 1000, { kind: 'partial', start: 0, end: 999 }],
    ['BYTES = 10 - 19', 1000, { kind: 'partial', start: 10, end: 19 }],
    ['bytes=1000-', 1000, { kind: 'unsatisfiable' }],
    ['bytes=1000-2000', 1000, { kind: 'unsatisfiable' }],
    ['bytes=-0', 1000, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=50-10', 1000, { kind: 'full' }],
    ['bytes=0-1,5-9', 1000, { kind: 'full' }],
    ['items=0-9', 1000, { kind: 'full' }],
    ['bytes=-', 1000, { kind: 'full' }],
    ['bytes=abc', 1000, { kind: 'full' }],
  ];
  it.each(cases)('%j of %i bytes → %j', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('contentDisposition', () => {
  it('keeps a non-ASCII title in filename* and gives an ASCII fallback', () => {
    expect(contentDisposition('Café "live" [abc].mp4')).toBe(
      `attachment; filename="Caf_ _live_ [abc].mp4"; filename*=UTF-8''Caf%C3%A9%20%22live%22%20%5Babc%5D.mp4`,
    );
  });
});

describe('ApiKeys', () => {
  const keys = new ApiKeys(['admin-secret', 'user-secret']);

  it('makes the first key admin, others plain, and hashes keys into user ids', () => {
    const admin = keys.authorize('Bearer admin-secret', 'admin');
    expect(admin).toMatchObject({ keyed: true, admin: true, userId: expect.stringMatching(/^api:[0-9a-f]{16}$/) });
    const user = keys.authorize('bearer   user-secret', 'key');
    expect(user).toMatchObject({ keyed: true, admin: false });
    expect(user.userId).not.toBe(admin.userId);
    expect(JSON.stringify([admin, user])).not.toContain('secret');
  });

  it('refuses what each access level refuses', () => {
    const code = (header: string | undefined, access: 'probe' | 'public' | 'key' | 'admin') => {
      try {
        keys.authorize(header, access);
        return 'ok';
      } catch (error) {
        return (error as ApiError).code;
      }
    };
    expect(code(undefined, 'probe')).toBe('ok');
    expect(code('Bearer wrong', 'probe')).toBe('ok');
    expect(code(undefined, 'public')).toBe('ok');
    expect(code('Bearer wrong', 'public')).toBe('auth.required');
    expect(code(undefined, 'key')).toBe('auth.required');
    expect(code('Basic dXNlcjpwYXNz', 'key')).toBe('auth.required');
    expect(code('Bearer user-secret', 'admin')).toBe('auth.forbidden');
  });

  it('lets everyone in as the anonymous admin when API_KEYS is empty', () => {
    expect(new ApiKeys([]).authorize(undefined, 'admin')).toEqual({ userId: 'api:anonymous', keyed: false, admin: true });
  });
});

describe('errorResponse', () => {
  it('maps every DownloadError code to a status, with Retry-After on 429 and 503', () => {
    expect(Object.keys(DOWNLOAD_ERROR_STATUS).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(errorResponse(new DownloadError('fetch.rate_limited', undefined, { retryAfterSec: 12.2 }))).toEqual({
      status: 429,
      body: { error: { code: 'fetch.rate_limited', message: expect.any(String) } },
      headers: { 'retry-after': '13' },
    });
    expect(errorResponse(new DownloadError('platform.unavailable')).headers).toEqual({ 'retry-after': '30' });
  });

  it('never passes on the text of internal errors or unknown exceptions', () => {
    expect(errorResponse(new DownloadError('internal', 'ENOENT /var/lib/dlbot/x')).body.error.message).toBe('Something went wrong on our side.');
    expect(errorResponse(new Error('db password=hunter2'))).toEqual({ status: 500, body: { error: { code: 'internal', message: 'Something went wrong on our side.' } }, headers: {} });
  });
});

describe('GraphQL limits', () => {
  const schema = graphql.buildSchema(typeDefs);
  const errors = (query: string, maxCost = 100) =>
    graphql.validate(schema, graphql.parse(query), [depthLimitRule(4), costLimitRule({ maxCost })]).map((e) => e.message);

  it('counts depth through fields, inline fragments and named fragments', () => {
    const unbounded = Number.MAX_SAFE_INTEGER;
    expect(errors('{ info(url: "x") { entries { entries { entries { id } } } } }', unbounded)).toEqual([]);
    expect(errors('{ info(url: "x") { entries { entries { entries { entries { id } } } } } }', unbounded)).toEqual([
      'The query is 5 levels deep, more than the depth limit of 4.',
    ]);
    expect(errors('{ info(url: "x") { ...E } } fragment E on MediaInfo { entries { ... on MediaInfo { entries { entries { entries { id } } } } } }', unbounded)).toEqual([
      'The query is 5 levels deep, more than the depth limit of 4.',
    ]);
  });

  it('multiplies what is selected under a list by ten', () => {
    // job 1 + errors (1 + 10 × 2) = 22; detect 1 + 10 × 3 = 31
    expect(errors('{ job(id: "a") { errors { code message } } detect(urls: []) { platform id input } }')).toEqual([]);
    // info 1 + entries (1 + 10 × (formats (1 + 10 × 1))) = 1 + 1 + 110 = 112
    expect(errors('{ info(url: "x") { entries { formats { id } } } }')).toEqual(['The query costs 112, more than the limit of 100; ask for fewer fields or lists.']);
  });

  it('does not loop on a fragment cycle (the spec rule reports it)', () => {
    const all = graphql.validate(schema, graphql.parse('{ info(url: "x") { ...A } } fragment A on MediaInfo { entries { ...A } }'), [
      ...graphql.specifiedRules,
      depthLimitRule(4),
      costLimitRule({ maxCost: 100 }),
    ]);
    expect(all.map((e) => e.message)).toContain('Cannot spread fragment "A" within itself.');
  });
});

describe('watchJob', () => {
  const setup = async () => {
    const queue = new SqliteJobQueue(openDatabase(':memory:'), { maxAttempts: 1 });
    const job = await queue.add({ url: 'https://example.com/v.mp4', request: { quality: 'best' }, source: 'test' });
    return { queue, job };
  };
  const take = async (it: AsyncIterableIterator<Job>) => {
    const r = await it.next();
    return r.done ? 'end' : `${r.value.state}:${JSON.stringify(r.value.progress ?? null)}`;
  };

  it('yields the job now, then what a worker elsewhere records in the queue, and ends after a final state', async () => {
    const { queue, job } = await setup();
    const watch = watchJob(queue, new JobEventBus(), job, { pollMs: 5 });
    expect(await take(watch)).toBe('queued:null');
    await queue.claim('w', { leaseMs: 1000 });
    expect(await take(watch)).toBe('running:null');
    await queue.heartbeat(job.id, 'w', 1000, { stage: 'download', downloadedBytes: 10 });
    expect(await take(watch)).toBe('running:{"stage":"download","downloadedBytes":10}');
    await queue.complete(job.id, 'w', { files: [] });
    expect(await take(watch)).toMatch(/^done:/);
    expect(await take(watch)).toBe('end');
  });

  it('passes on in-process progress at once and stops when the consumer returns', async () => {
    const { queue, job } = await setup();
    const bus = new JobEventBus();
    const watch = watchJob(queue, bus, job, { pollMs: 60_000 });
    expect(await take(watch)).toBe('queued:null');
    const pending = watch.next();
    bus.publish(job.id, { stage: 'download', item: 0, items: 1, downloadedBytes: 42 });
    expect((await pending).value?.progress).toEqual({ stage: 'download', item: 0, items: 1, downloadedBytes: 42 });
    const waiting = watch.next();
    await watch.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    bus.publish(job.id, { stage: 'download', item: 0, items: 1, downloadedBytes: 43 });
    expect(await watch.next()).toEqual({ value: undefined, done: true });
  });
});
