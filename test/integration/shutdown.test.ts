import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/utils/store.js';

const APP = join(import.meta.dirname, '..', 'support', 'shutdown-app.mjs');
const DIST = join(import.meta.dirname, '..', '..', 'dist', 'core', 'system-manager.js');

interface Event {
  event: string;
  at: number;
  name?: string;
  deadlineMs?: number;
}

interface Run {
  events: Event[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From SIGTERM to exit. */
  shutdownMs: number;
  stderr: string;
}

/** Starts the app, sends SIGTERM once it is ready, and collects what it printed until it exits. */
function runAndTerminate(dataDir: string, jobMs: number, deadlineMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, dataDir, String(jobMs), String(deadlineMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Event[] = [];
    let stderr = '';
    let signalledAt = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as Event;
      events.push(e);
      if (e.event === 'ready') {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      }
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not exit; stderr:\n${stderr}`));
    }, deadlineMs + 10_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ events, code, signal, shutdownMs: Date.now() - signalledAt, stderr });
    });
  });
}

const steps = (run: Run) => run.events.filter((e) => e.event !== 'start' && e.event !== 'ready').map((e) => (e.name ? `${e.event}:${e.name}` : e.event));

beforeAll(() => {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before this test');
});

describe('graceful shutdown of a real process on SIGTERM', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dlbot-shutdown-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops taking updates, lets the running job finish, stops in reverse order, cleans tmp and exits 0', async () => {
    const run = await runAndTerminate(dataDir, 1500, 8000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.signal).toBeNull();
    expect(run.events.filter((e) => e.event === 'start').map((e) => e.name)).toEqual(['config', 'store', 'worker', 'bot']);
    expect(steps(run)).toEqual(['drain:bot', 'drain:worker', 'job-done', 'stop:bot', 'stop:worker', 'stop:store', 'stop:config']);
    // it waited for the job (about 1.5 s after start), well inside the 8 s deadline
    expect(run.shutdownMs).toBeGreaterThanOrEqual(1000);
    expect(run.shutdownMs).toBeLessThan(8000);
    expect(await readdir(dataDir)).not.toContain('tmp');

    // the finished job's download was persisted before the store closed
    const db = openDatabase(join(dataDir, 'dlbot.db'));
    try {
      expect(db.prepare('SELECT success, failed, bytes FROM metrics_platform_totals WHERE platform = ?').get('youtube')).toEqual({ success: 1, failed: 0, bytes: 1234 });
    } finally {
      db.close();
    }
  });

  it('aborts a job that outlives the deadline and still exits 0 within it', async () => {
    const run = await runAndTerminate(dataDir, 60_000, 1500);
    expect(run.code, run.stderr).toBe(0);
    expect(steps(run)).toEqual(['drain:bot', 'drain:worker', 'stop:bot', 'job-aborted', 'stop:worker', 'stop:store', 'stop:config']);
    const drain = run.events.find((e) => e.event === 'drain' && e.name === 'worker')!;
    expect(drain.deadlineMs).toBeGreaterThan(0);
    expect(drain.deadlineMs).toBeLessThanOrEqual(1500);
    expect(run.shutdownMs).toBeGreaterThanOrEqual(1000);
    // the deadline plus process start-up slack on a busy machine
    expect(run.shutdownMs).toBeLessThan(1500 + 1500);
    expect(run.stderr).toContain('drain deadline passed');
    expect(await readdir(dataDir)).not.toContain('tmp');
  });
});
