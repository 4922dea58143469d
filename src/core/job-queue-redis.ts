/**
 * The Redis backend of the durable job queue (REDIS_URL set): any number of `dlbot worker`
 * processes on any number of boxes share one queue, with exactly the semantics of
 * SqliteJobQueue — priority then FIFO, idempotency keys, a per-user cap on running jobs,
 * leases renewed by heartbeats, an expired lease reclaimed as a new attempt (dead when it was
 * the last), retry with delay or the dead-letter queue with the error history, one delivery.
 *
 * Why ioredis and Lua scripts rather than BullMQ: BullMQ's open-source queue cannot express
 * three parts of the contract. Per-user concurrency needs BullMQ Pro's groups; a claim that
 * skips a capped user's jobs would have to take and put back jobs, which reorders the line.
 * Cancelling a running job only aborts it inside the process that runs it
 * (`Worker.cancelJob`), while here any process cancels and the owner learns it from its next
 * heartbeat. And a stalled job is counted in its own `stalledCounter`, found by a two-pass
 * timer, not counted as an attempt at claim time. So the queue is a handful of sets and one
 * Lua script per state change (job-queue-redis-scripts.ts): each change is atomic in Redis,
 * which is what makes it safe under kill -9 of a worker.
 *
 * Redis restarts: the main connection reconnects with backoff and holds commands until Redis
 * is back (maxRetriesPerRequest: null), so a worker's claim, heartbeat, complete or fail
 * waits out an outage instead of failing the job. Commands that were in flight are resent,
 * so every script is safe to run twice: add and claim remember their client-made id and token,
 * markDelivered its call token, and a resent complete, fail or cancel finds the job already
 * moved and changes nothing. deliverAtomically uses its own connection (see there). Redis
 * must persist (AOF) and must not evict keys (maxmemory-policy noeviction), as for any queue
 * on Redis. Finished jobs stay, as in SQLite; purgeDead clears the dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, ReplyError, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { AddOptions, ClaimOptions, FailOptions, Job, JobCounts, JobData, JobError, JobQueue, JobState } from './job-queue.js';
import { PRIORITY_LIMIT, QUEUE_SCRIPTS, scriptSource, type QueueScriptCommands } from './job-queue-redis-scripts.js';

/** How RedisJobQueue.connect is set up. */
export interface RedisJobQueueOptions {
  /** Attempt budget of jobs added without their own (RETRY_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Namespace of every key; one Redis can hold several queues. Default 'dlbot:queue'. */
  prefix?: string;
  /** Connection errors and reconnects are logged here (at warn); without it they are ignored, as ioredis retries anyway. */
  logger?: Logger;
  /** A fake clock for tests; by default the scripts use Redis server time, one clock for all boxes. */
  now?: () => number;
  /** How long deliverAtomically keeps trying through a Redis outage before it gives up. Default 30 s. */
  deliverTimeoutMs?: number;
}

const DEFAULT_PREFIX = 'dlbot:queue';
const PURGE_BATCH = 500;
const STATES: readonly JobState[] = ['queued', 'running', 'done', 'cancelled', 'dead'];

/** Reconnect delay in ms: 100, 200, 400, 800, then once a second until Redis answers again. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 1000);
}

/** The Redis queue; create it with `RedisJobQueue.connect`. */
export class RedisJobQueue implements JobQueue {
  readonly backend = 'redis';
  private readonly prefix: string;
  /** deliverAtomically's connection: never reconnects, so a WATCH can never silently vanish with a reconnect. */
  private tx: Redis | undefined;
  /** WATCH state is per connection: one transaction at a time on `tx`. */
  private txChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly redis: Redis & QueueScriptCommands,
    private readonly url: string,
    private readonly options: RedisJobQueueOptions,
  ) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
  }

  /**
   * Connects, waiting for Redis if it is not up yet. The scripts go to Redis on first use
   * (EVALSHA, falling back to EVAL when a restarted Redis has forgotten them).
   */
  static async connect(url: string, options: RedisJobQueueOptions): Promise<RedisJobQueue> {
    const redis = new Redis(url, {
      // a queue operation waits out an outage rather than failing the job it belongs to
      maxRetriesPerRequest: null,
      retryStrategy: reconnectDelayMs,
      connectionName: 'dlbot-queue',
    });
    const log = options.logger;
    redis.on('error', (error: Error) => log?.warn({ err: error }, 'redis queue connection error'));
    redis.on('reconnecting', (delayMs: number) => log?.warn({ delayMs }, 'redis queue reconnecting'));
    for (const [name, body] of Object.entries(QUEUE_SCRIPTS)) redis.defineCommand(name, { lua: scriptSource(body), numberOfKeys: 0 });
    const queue = new RedisJobQueue(redis as Redis & QueueScriptCommands, url, options);
    await redis.ping();
    return queue;
  }

  async add(data: JobData, options: AddOptions = {}): Promise<Job> {
    const priority = options.priority ?? 0;
    if (!Number.isInteger(priority) || Math.abs(priority) > PRIORITY_LIMIT) {
      throw new RangeError(`Job priority must be an integer between -${PRIORITY_LIMIT} and ${PRIORITY_LIMIT}, got ${priority}.`);
    }
    const fields = await this.redis.queueAdd(
      ...this.head(),
      randomUUID(),
      options.key ?? '',
      priority,
      data.userId ?? '',
      JSON.stringify(data),
      options.maxAttempts ?? this.options.maxAttempts,
    );
    return toJob(fields as string[]);
  }

  async claim(workerId: string, options: ClaimOptions): Promise<Job | null> {
    const fields = await this.redis.queueClaim(...this.head(), workerId, options.leaseMs, options.perUserLimit ?? '', randomUUID());
    return fields ? toJob(fields as string[]) : null;
  }

  async heartbeat(id: string, workerId: string, leaseMs: number, progress?: unknown): Promise<boolean> {
    const given = progress !== undefined;
    return (await this.redis.queueHeartbeat(...this.head(), id, workerId, leaseMs, given ? '1' : '0', given ? JSON.stringify(progress) : '')) === 1;
  }

  async complete(id: string, workerId: string, result?: unknown): Promise<void> {
    const given = result !== undefined;
    await this.redis.queueComplete(...this.head(), id, workerId, given ? '1' : '0', given ? JSON.stringify(result) : '');
  }

  async fail(id: string, workerId: string, error: { code: string; message: string }, options: FailOptions = {}): Promise<'retry' | 'dead' | 'lost'> {
    const outcome = await this.redis.queueFail(...this.head(), id, workerId, error.code, error.message, options.final ? '1' : '0', options.retryInMs ?? 0);
    return outcome as 'retry' | 'dead' | 'lost';
  }

  async markDelivered(id: string): Promise<boolean> {
    return (await this.redis.queueMarkDelivered(...this.head(), id, randomUUID())) === 1;
  }

  /**
   * Marks the job delivered and runs the caller's commands (`deliver` adds them to the
   * transaction) in one MULTI/EXEC, only when the job was not delivered yet: the result and its
   * record cannot disagree, and a job run twice (its lease expired under a slow worker) still
   * delivers once. False when it already was delivered (or does not exist). If one of the
   * caller's commands fails inside EXEC, Redis has still applied the rest, so the job stays
   * delivered and the error is thrown. Through a Redis outage it keeps trying on a fresh
   * connection for `deliverTimeoutMs`.
   */
  async deliverAtomically(id: string, deliver: (multi: ChainableCommander) => void): Promise<boolean> {
    const run = this.txChain.then(() => this.deliverOnce(id, deliver));
    this.txChain = run.catch(() => undefined);
    return run;
  }

  async cancel(id: string): Promise<boolean> {
    return (await this.redis.queueCancel(...this.head(), id)) === 1;
  }

  async get(id: string): Promise<Job | undefined> {
    const fields = await this.redis.hgetall(this.key(`job:${id}`));
    return fields.id ? toJob(fields) : undefined;
  }

  async position(id: string): Promise<number | undefined> {
    const rank = await this.redis.zrank(this.key('queued'), id);
    return rank === null ? undefined : rank + 1;
  }

  async counts(): Promise<JobCounts> {
    // one MULTI, not a pipeline: a claim between two ZCARDs would count its job in neither set
    const multi = this.redis.multi();
    for (const state of STATES) multi.zcard(this.key(state));
    const replies = (await multi.exec()) ?? [];
    const out: JobCounts = { queued: 0, running: 0, done: 0, cancelled: 0, dead: 0 };
    STATES.forEach((state, i) => {
      const [error, n] = replies[i] ?? [null, 0];
      if (error) throw error;
      out[state] = Number(n);
    });
    return out;
  }

  async listDead(limit = 50): Promise<Job[]> {
    const ids = await this.redis.zrevrange(this.key('dead'), 0, limit - 1);
    const jobs = await Promise.all(ids.map((id) => this.get(id)));
    return jobs.filter((j): j is Job => j !== undefined);
  }

  async retryDead(id: string): Promise<boolean> {
    return (await this.redis.queueRetryDead(...this.head(), id)) === 1;
  }

  async purgeDead(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = Number(await this.redis.queuePurgeDead(...this.head(), PURGE_BATCH));
      total += n;
      if (n < PURGE_BATCH) return total;
    }
  }

  /** Quits both connections (at once when Redis is down: nothing is left to wait for). */
  async close(): Promise<void> {
    this.closed = true;
    await this.txChain;
    await Promise.all([quit(this.redis), this.tx ? quit(this.tx) : undefined]);
  }

  /** The first two arguments of every script: the prefix and the clock ('' = Redis time). */
  private head(): [string, string] {
    return [this.prefix, this.options.now ? String(this.options.now()) : ''];
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  private async deliverOnce(id: string, deliver: (multi: ChainableCommander) => void): Promise<boolean> {
    const jobKey = this.key(`job:${id}`);
    const deadline = Date.now() + (this.options.deliverTimeoutMs ?? 30_000);
    // the flag holds this call's token: when EXEC ran but its reply was lost, the retry knows it was us
    const token = randomUUID();
    let fatal: unknown; // an error retrying cannot fix: the caller's, or a reply from Redis
    for (let attempt = 1; ; attempt++) {
      try {
        const tx = await this.transactionConnection();
        await tx.watch(jobKey);
        const flag = await tx.hget(jobKey, 'delivered');
        if (flag !== '0') {
          await tx.unwatch();
          return flag === token;
        }
        const multi = tx.multi();
        multi.hset(jobKey, 'delivered', token);
        try {
          deliver(multi);
        } catch (error) {
          fatal = error;
          await tx.unwatch(); // nothing was sent: the queued MULTI goes out only with exec()
          throw error;
        }
        const replies = await multi.exec();
        if (replies === null) {
          // the job changed since WATCH (a heartbeat, say): read it again
          if (Date.now() >= deadline) throw new Error(`Could not mark job ${id} delivered: it kept changing under the transaction.`);
          continue;
        }
        const failed = replies.find(([error]) => error);
        if (failed) throw (fatal = failed[0]);
        return true;
      } catch (error) {
        // only a lost connection is worth another try
        if (error === fatal || error instanceof ReplyError || this.closed || Date.now() >= deadline) throw error;
        this.options.logger?.warn({ err: error, jobId: id, attempt }, 'delivery transaction lost its connection; retrying');
        await sleep(reconnectDelayMs(Math.min(attempt, 5)));
      }
    }
  }

  /**
   * A connection that never reconnects: its commands fail when it drops, so an EXEC can only
   * ever run on the connection that holds its WATCH. After a drop the next call opens a new one.
   */
  private async transactionConnection(): Promise<Redis> {
    if (this.tx?.status === 'ready') return this.tx;
    this.tx?.disconnect();
    const options: RedisOptions = { lazyConnect: true, retryStrategy: () => null, connectionName: 'dlbot-queue-tx' };
    const tx = new Redis(this.url, options);
    tx.on('error', () => undefined); // surfaced by the failing command; a closed connection is replaced on next use
    this.tx = tx;
    await tx.connect();
    return tx;
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}

/** A job from its hash: HGETALL's object, or a script's flat [field, value, …] reply. */
function toJob(hash: Record<string, string> | string[]): Job {
  const f: Record<string, string> = Array.isArray(hash) ? pairs(hash) : hash;
  const job: Job = {
    id: f.id!,
    state: f.state as JobState,
    priority: Number(f.priority),
    data: JSON.parse(f.data!) as JobData,
    attempts: Number(f.attempts),
    maxAttempts: Number(f.maxAttempts),
    delivered: f.delivered !== '0',
    errors: JSON.parse(f.errors ?? '[]') as JobError[],
    createdAt: Number(f.createdAt),
    updatedAt: Number(f.updatedAt),
  };
  if (f.key) job.key = f.key;
  if (f.result !== undefined) job.result = JSON.parse(f.result);
  if (f.progress !== undefined) job.progress = JSON.parse(f.progress);
  if (f.workerId) job.workerId = f.workerId;
  return job;
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
