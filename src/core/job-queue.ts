/**
 * The durable job queue. A request is written here before the user is told "queued"; workers
 * claim jobs under a lease they renew with heartbeats, so a worker that dies (kill -9, power
 * loss) loses its lease and the job is claimed again. Failures are retried with the retry
 * manager's delay until RETRY_MAX_ATTEMPTS; then (or at once for a final error) the job goes
 * to the dead-letter queue with its error history, where an admin can retry or purge it.
 *
 * One interface, two backends: SQLite (embedded default, this file) and Redis (ioredis with
 * one Lua script per state change, job-queue-redis.ts) when REDIS_URL is set; that file says
 * why BullMQ's model does not fit per-user caps, cross-process cancel and lease accounting.
 */
import { randomUUID } from 'node:crypto';
import type { DownloadRequest } from '../media/types.js';
import { migrate, type SqliteDatabase } from '../utils/store.js';

export type JobState = 'queued' | 'running' | 'done' | 'cancelled' | 'dead';

/** What a job is asked to do: one link, one request, and where the answer goes. */
export interface JobData {
  url: string;
  request: DownloadRequest;
  /** Who asked (Telegram user id, API key hash); per-user caps and fairness use it. */
  userId?: string;
  /** Where the result is delivered: a Telegram chat and the status message to edit, or the API. */
  chatId?: number;
  statusMessageId?: number;
  replyToMessageId?: number;
  source: 'bot' | 'api' | 'cli' | 'test';
  [key: string]: unknown;
}

export interface JobError {
  at: number;
  code: string;
  message: string;
  attempt: number;
}

export interface Job {
  id: string;
  /** Idempotency key: a second add() with the same key while the first is active returns the first. */
  key?: string;
  state: JobState;
  priority: number;
  data: JobData;
  attempts: number;
  maxAttempts: number;
  /** Set once the result reached its destination: a retried job never sends twice. */
  delivered: boolean;
  result?: unknown;
  errors: JobError[];
  progress?: unknown;
  createdAt: number;
  updatedAt: number;
  workerId?: string;
}

export interface AddOptions {
  priority?: number;
  key?: string;
  maxAttempts?: number;
}

export interface ClaimOptions {
  leaseMs: number;
  /** At most this many running jobs per user; others wait. */
  perUserLimit?: number;
}

export interface FailOptions {
  /** The error cannot be fixed by retrying: straight to the dead-letter queue. */
  final?: boolean;
  /** Wait this long before the next attempt. */
  retryInMs?: number;
}

export type JobCounts = Record<JobState, number>;

/** The queue contract every backend implements. */
export interface JobQueue {
  readonly backend: 'sqlite' | 'redis';
  /** Persists a job and returns it; the caller may tell the user "queued" only after this resolves. */
  add(data: JobData, options?: AddOptions): Promise<Job>;
  /** The next job this worker should run (highest priority, oldest first), leased to it; null when none. */
  claim(workerId: string, options: ClaimOptions): Promise<Job | null>;
  /** Renews the lease; false when the job is no longer this worker's (cancelled, reclaimed): stop working on it. */
  heartbeat(id: string, workerId: string, leaseMs: number, progress?: unknown): Promise<boolean>;
  complete(id: string, workerId: string, result?: unknown): Promise<void>;
  /** Records a failure; the job is queued again (returns 'retry') or moved to the DLQ ('dead'). */
  fail(id: string, workerId: string, error: { code: string; message: string }, options?: FailOptions): Promise<'retry' | 'dead' | 'lost'>;
  /** Marks the result delivered; false when it already was (the caller must not send again). */
  markDelivered(id: string): Promise<boolean>;
  cancel(id: string): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** 1-based place in line of a queued job; undefined when it is not waiting. */
  position(id: string): Promise<number | undefined>;
  counts(): Promise<JobCounts>;
  listDead(limit?: number): Promise<Job[]>;
  /** Moves a dead job back to the queue with a fresh attempt budget. */
  retryDead(id: string): Promise<boolean>;
  purgeDead(): Promise<number>;
  /** Deletes finished (done or cancelled) jobs last touched before `olderThan` (unix ms); returns how many. */
  purgeFinished?(olderThan: number): Promise<number>;
  close(): Promise<void>;
}

/** The jobs table (one per queue: bot jobs and API jobs are separate queues in one file). */
const schema = (t: string) => `
CREATE TABLE IF NOT EXISTS ${t} (
  id TEXT PRIMARY KEY,
  key TEXT,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  user_id TEXT,
  data TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  worker_id TEXT,
  delivered INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  errors TEXT NOT NULL DEFAULT '[]',
  progress TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${t}_ready ON ${t}(state, priority DESC, created_at);
CREATE INDEX IF NOT EXISTS ${t}_user ON ${t}(user_id, state);
CREATE UNIQUE INDEX IF NOT EXISTS ${t}_active_key ON ${t}(key) WHERE key IS NOT NULL AND state IN ('queued', 'running');
`;

interface Row {
  id: string;
  key: string | null;
  state: JobState;
  priority: number;
  user_id: string | null;
  data: string;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_until: number | null;
  worker_id: string | null;
  delivered: number;
  result: string | null;
  errors: string;
  progress: string | null;
  created_at: number;
  updated_at: number;
}

function toJob(r: Row): Job {
  const job: Job = {
    id: r.id,
    state: r.state,
    priority: r.priority,
    data: JSON.parse(r.data) as JobData,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    delivered: r.delivered === 1,
    errors: JSON.parse(r.errors) as JobError[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.key) job.key = r.key;
  if (r.result !== null) job.result = JSON.parse(r.result);
  if (r.progress !== null) job.progress = JSON.parse(r.progress);
  if (r.worker_id) job.workerId = r.worker_id;
  return job;
}

/** The embedded backend: one table in the SQLite store; every state change is one transaction. */
export class SqliteJobQueue implements JobQueue {
  readonly backend = 'sqlite';
  private readonly now: () => number;

  private readonly table: string;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: { maxAttempts: number; now?: () => number; /** Table name (default "jobs"). */ table?: string },
  ) {
    this.table = options.table ?? 'jobs';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.table)) throw new RangeError(`Bad queue table name: ${this.table}`);
    migrate(db, schema(this.table));
    this.now = options.now ?? Date.now;
  }

  async add(data: JobData, options: AddOptions = {}): Promise<Job> {
    const now = this.now();
    const insert = this.db.transaction(() => {
      if (options.key) {
        const existing = this.db.prepare(`SELECT * FROM ${this.table} WHERE key = ? AND state IN ('queued','running')`).get(options.key) as Row | undefined;
        if (existing) return existing;
      }
      const row: Row = {
        id: randomUUID(),
        key: options.key ?? null,
        state: 'queued',
        priority: options.priority ?? 0,
        user_id: data.userId ?? null,
        data: JSON.stringify(data),
        attempts: 0,
        max_attempts: options.maxAttempts ?? this.options.maxAttempts,
        run_at: now,
        lease_until: null,
        worker_id: null,
        delivered: 0,
        result: null,
        errors: '[]',
        progress: null,
        created_at: now,
        updated_at: now,
      };
      this.db
        .prepare(
          `INSERT INTO ${this.table} (id, key, state, priority, user_id, data, attempts, max_attempts, run_at, lease_until, worker_id, delivered, result, errors, progress, created_at, updated_at)
           VALUES (@id, @key, @state, @priority, @user_id, @data, @attempts, @max_attempts, @run_at, @lease_until, @worker_id, @delivered, @result, @errors, @progress, @created_at, @updated_at)`,
        )
        .run(row);
      return row;
    });
    return toJob(insert.immediate());
  }

  async claim(workerId: string, options: ClaimOptions): Promise<Job | null> {
    const now = this.now();
    const limit = options.perUserLimit ?? null;
    const claim = this.db.transaction((): Row | null => {
      for (;;) {
        const row = this.db
          .prepare(
            `SELECT * FROM ${this.table} j
             WHERE ((j.state = 'queued' AND j.run_at <= @now) OR (j.state = 'running' AND j.lease_until < @now))
               AND (@limit IS NULL OR j.user_id IS NULL OR
                    (SELECT count(*) FROM ${this.table} r WHERE r.user_id = j.user_id AND r.state = 'running' AND r.lease_until >= @now) < @limit)
             ORDER BY j.priority DESC, j.created_at ASC LIMIT 1`,
          )
          .get({ now, limit }) as Row | undefined;
        if (!row) return null;
        if (row.state === 'running' && row.attempts >= row.max_attempts) {
          // the worker holding it died on its last attempt: that is a failure too
          const errors = [...(JSON.parse(row.errors) as JobError[]), { at: now, code: 'internal', message: 'The worker stopped while running the job.', attempt: row.attempts }];
          this.db.prepare(`UPDATE ${this.table} SET state = 'dead', errors = ?, lease_until = NULL, worker_id = NULL, updated_at = ? WHERE id = ?`).run(JSON.stringify(errors), now, row.id);
          continue;
        }
        this.db
          .prepare(`UPDATE ${this.table} SET state = 'running', attempts = attempts + 1, worker_id = ?, lease_until = ?, updated_at = ? WHERE id = ?`)
          .run(workerId, now + options.leaseMs, now, row.id);
        return this.db.prepare(`SELECT * FROM ${this.table} WHERE id = ?`).get(row.id) as Row;
      }
    });
    const row = claim.immediate();
    return row ? toJob(row) : null;
  }

  async heartbeat(id: string, workerId: string, leaseMs: number, progress?: unknown): Promise<boolean> {
    const now = this.now();
    const r = this.db
      .prepare(`UPDATE ${this.table} SET lease_until = ?, updated_at = ?, progress = coalesce(?, progress) WHERE id = ? AND worker_id = ? AND state = 'running'`)
      .run(now + leaseMs, now, progress === undefined ? null : JSON.stringify(progress), id, workerId);
    return r.changes === 1;
  }

  async complete(id: string, workerId: string, result?: unknown): Promise<void> {
    this.db
      .prepare(`UPDATE ${this.table} SET state = 'done', result = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND worker_id = ? AND state = 'running'`)
      .run(result === undefined ? null : JSON.stringify(result), this.now(), id, workerId);
  }

  async fail(id: string, workerId: string, error: { code: string; message: string }, options: FailOptions = {}): Promise<'retry' | 'dead' | 'lost'> {
    const now = this.now();
    const fail = this.db.transaction((): 'retry' | 'dead' | 'lost' => {
      const row = this.db.prepare(`SELECT * FROM ${this.table} WHERE id = ? AND worker_id = ? AND state = 'running'`).get(id, workerId) as Row | undefined;
      if (!row) return 'lost';
      const errors = [...(JSON.parse(row.errors) as JobError[]), { at: now, code: error.code, message: error.message, attempt: row.attempts }];
      const dead = options.final || row.attempts >= row.max_attempts;
      this.db
        .prepare(`UPDATE ${this.table} SET state = ?, errors = ?, run_at = ?, lease_until = NULL, worker_id = NULL, updated_at = ? WHERE id = ?`)
        .run(dead ? 'dead' : 'queued', JSON.stringify(errors), now + (options.retryInMs ?? 0), now, id);
      return dead ? 'dead' : 'retry';
    });
    return fail.immediate();
  }

  async markDelivered(id: string): Promise<boolean> {
    return this.db.prepare(`UPDATE ${this.table} SET delivered = 1, updated_at = ? WHERE id = ? AND delivered = 0`).run(this.now(), id).changes === 1;
  }

  /**
   * Runs `deliver` and marks the job delivered in one transaction: for results stored in this
   * same database (the API's job results, tests), delivery and its record cannot disagree.
   */
  deliverAtomically(id: string, deliver: (db: SqliteDatabase) => void): boolean {
    return this.db
      .transaction(() => {
        if (this.db.prepare(`UPDATE ${this.table} SET delivered = 1 WHERE id = ? AND delivered = 0`).run(id).changes !== 1) return false;
        deliver(this.db);
        return true;
      })
      .immediate();
  }

  async cancel(id: string): Promise<boolean> {
    const r = this.db
      .prepare(`UPDATE ${this.table} SET state = 'cancelled', lease_until = NULL, updated_at = ? WHERE id = ? AND state IN ('queued', 'running')`)
      .run(this.now(), id);
    return r.changes === 1;
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.db.prepare(`SELECT * FROM ${this.table} WHERE id = ?`).get(id) as Row | undefined;
    return row ? toJob(row) : undefined;
  }

  async position(id: string): Promise<number | undefined> {
    const row = this.db.prepare(`SELECT priority, created_at FROM ${this.table} WHERE id = ? AND state = 'queued'`).get(id) as Pick<Row, 'priority' | 'created_at'> | undefined;
    if (!row) return undefined;
    const ahead = this.db
      .prepare(`SELECT count(*) AS n FROM ${this.table} WHERE state = 'queued' AND id != ? AND (priority > ? OR (priority = ? AND created_at <= ?))`)
      .get(id, row.priority, row.priority, row.created_at) as { n: number };
    return ahead.n + 1;
  }

  async counts(): Promise<JobCounts> {
    const out: JobCounts = { queued: 0, running: 0, done: 0, cancelled: 0, dead: 0 };
    for (const r of this.db.prepare(`SELECT state, count(*) AS n FROM ${this.table} GROUP BY state`).all() as Array<{ state: JobState; n: number }>) out[r.state] = r.n;
    return out;
  }

  async listDead(limit = 50): Promise<Job[]> {
    return (this.db.prepare(`SELECT * FROM ${this.table} WHERE state = 'dead' ORDER BY updated_at DESC LIMIT ?`).all(limit) as Row[]).map(toJob);
  }

  async retryDead(id: string): Promise<boolean> {
    const now = this.now();
    return this.db.prepare(`UPDATE ${this.table} SET state = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE id = ? AND state = 'dead'`).run(now, now, id).changes === 1;
  }

  async purgeDead(): Promise<number> {
    return this.db.prepare(`DELETE FROM ${this.table} WHERE state = 'dead'`).run().changes;
  }

  async purgeFinished(olderThan: number): Promise<number> {
    return this.db.prepare(`DELETE FROM ${this.table} WHERE state IN ('done', 'cancelled') AND updated_at < ?`).run(olderThan).changes;
  }

  async close(): Promise<void> {
    // the database belongs to the store; it is closed there
  }
}
