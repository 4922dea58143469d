// A small dlbot-shaped process for the graceful-shutdown test: a SystemManager (from dist/) with
// config → store → worker → bot, where the worker runs one "download" of <job ms> and the bot
// "polls" for updates. Every lifecycle step is printed as a JSON line on stdout.
// Usage: node shutdown-app.mjs <data dir> <job ms> <shutdown deadline ms>
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const dist = new URL('../../dist/', import.meta.url);
const { SystemManager } = await import(new URL('core/system-manager.js', dist).href);
const { Monitoring } = await import(new URL('utils/monitoring.js', dist).href);
const { openDatabase, databasePath } = await import(new URL('utils/store.js', dist).href);
const { createLogger } = await import(new URL('utils/logger.js', dist).href);

const [dataDir, jobMsText, deadlineMsText] = process.argv.slice(2);
const jobMs = Number(jobMsText);
const say = (event, extra = {}) => process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...extra })}\n`);

const db = openDatabase(databasePath(dataDir));
const monitoring = new Monitoring({ memoryLimitBytes: 200 * 1024 * 1024, db, defaultMetrics: false });
const system = new SystemManager({
  logger: createLogger('info', process.stderr),
  monitoring,
  dataDir,
  shutdownDeadlineMs: Number(deadlineMsText),
  healthIntervalMs: 500,
});

const lifecycle = (name, more = {}) => ({
  name,
  start: async () => say('start', { name }),
  stop: async () => say('stop', { name }),
  ...more,
});

let job;
let polling;
system
  .register(lifecycle('config', { critical: true }))
  .register(lifecycle('store', {
    dependsOn: ['config'],
    stop: async () => {
      db.close();
      say('stop', { name: 'store' });
    },
    health: async () => ({ ok: db.open }),
  }))
  .register(lifecycle('worker', {
    dependsOn: ['store'],
    start: async () => {
      const dir = join(dataDir, 'tmp', 'dl-job1');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'part.bin'), 'partial download');
      let timer;
      const done = new Promise((resolve) => {
        timer = setTimeout(() => {
          monitoring.recordDownload({ platform: 'youtube', ok: true, durationMs: jobMs, bytes: 1234 });
          say('job-done');
          job = undefined;
          resolve();
        }, jobMs);
      });
      job = { done, abort: () => clearTimeout(timer) };
      say('start', { name: 'worker' });
    },
    drain: async (deadlineMs) => {
      say('drain', { name: 'worker', deadlineMs });
      await job?.done;
    },
    stop: async () => {
      if (job) {
        job.abort();
        say('job-aborted');
      }
      say('stop', { name: 'worker' });
    },
  }))
  .register(lifecycle('bot', {
    dependsOn: ['worker'],
    start: async () => {
      polling = setInterval(() => {}, 100);
      say('start', { name: 'bot' });
    },
    drain: async () => {
      clearInterval(polling);
      say('drain', { name: 'bot' });
    },
  }));

await system.start();
system.installSignalHandlers();
say('ready', { state: system.state });
