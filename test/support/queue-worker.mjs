// A real worker process for the crash tests: claims jobs from the queue named on the command
// line, "downloads" each (a real HTTP download from the test's slow media server) and records
// the delivery together with the delivered flag. The test kills it with SIGKILL at random.
// Usage: node queue-worker.mjs <sqlite|redis> <db path or redis url> <media url> <worker id> <tmp dir>
import { join } from 'node:path';
import { rm } from 'node:fs/promises';

const dist = new URL('../../dist/', import.meta.url);
const [backend, where, mediaUrl, workerId, tmp] = process.argv.slice(2);
const { Worker } = await import(new URL('core/worker.js', dist).href);
const { RetryPolicy, exponential } = await import(new URL('utils/retry.js', dist).href);
const { HttpClient } = await import(new URL('utils/http.js', dist).href);
const { downloadToFile } = await import(new URL('media/downloader.js', dist).href);
const { silentLogger } = await import(new URL('utils/logger.js', dist).href);

const http = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'] });
let queue;
let deliver;
if (backend === 'sqlite') {
  const { openDatabase } = await import(new URL('utils/store.js', dist).href);
  const { SqliteJobQueue } = await import(new URL('core/job-queue.js', dist).href);
  const db = openDatabase(where);
  db.exec('CREATE TABLE IF NOT EXISTS deliveries (job_id TEXT NOT NULL, worker TEXT NOT NULL)');
  queue = new SqliteJobQueue(db, { maxAttempts: 3 });
  deliver = async (job) => queue.deliverAtomically(job.id, (d) => d.prepare('INSERT INTO deliveries VALUES (?, ?)').run(job.id, workerId));
} else {
  const { RedisJobQueue } = await import(new URL('core/job-queue-redis.js', dist).href);
  queue = await RedisJobQueue.connect(where, { maxAttempts: 3, prefix: process.env.QUEUE_PREFIX });
  deliver = async (job) => queue.deliverAtomically(job.id, (multi) => multi.rpush(`${process.env.QUEUE_PREFIX}:deliveries`, job.id));
}

const worker = new Worker(
  queue,
  async ({ job, signal }) => {
    const file = join(tmp, `${workerId}-${job.id}.bin`);
    try {
      await downloadToFile(http, `${mediaUrl}?job=${job.id}`, file, { signal });
    } finally {
      await rm(file, { force: true });
    }
    await deliver(job);
    return { ok: true };
  },
  { id: workerId, concurrency: 2, leaseMs: 600, heartbeatMs: 150, pollMs: 50, retry: new RetryPolicy({ maxAttempts: 3, strategy: exponential({ baseMs: 20, jitter: false }) }), logger: silentLogger },
);
worker.start();
process.send?.('ready');
process.on('SIGTERM', async () => {
  await worker.stop(2000);
  process.exit(0);
});
