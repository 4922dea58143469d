#!/usr/bin/env node
// Cache benchmark: a Zipf(1.0) workload — 10 000 requests over 2 000 items, drawn with a seeded
// PRNG so every run sees the same sequence — against the hybrid cache (2 MiB memory tier + disk
// tier) and, for comparison, the plain 2 MiB MemoryCache. On a miss the item is "fetched" (made)
// and set. The items total ~40 MB, so the memory tier holds only a small hot subset.
// Run after `npm run build`: `node bench/cache.mjs`. Prints a table, writes bench/out/cache.json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HybridCache } from '../dist/utils/cache.js';
import { MemoryCache } from '../dist/utils/memory-cache.js';
import { openDatabase } from '../dist/utils/store.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', 'out');
const dataDir = join(work, 'cache-data');

const ITEMS = 2000;
const REQUESTS = 10_000;
const ZIPF_S = 1.0;
const SEED = 20240601;
const MEMORY_BYTES = 2 * 1024 * 1024;
const TTL_SEC = 3600;
/** Simulated time between requests (100 requests/s), so the 60 s promotion window means something. */
const STEP_MS = 10;

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed gives the same run everywhere. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sampler of ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s, by binary search on the CDF. */
function zipf(n, s, random) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

// Item sizes (bytes of JSON): 90 % metadata-like 1–8 KiB, 10 % large 64–256 KiB. Popularity rank
// and size are independent, as for real links.
const sizeRandom = prng(SEED ^ 0x5eed);
const sizes = Array.from({ length: ITEMS }, () =>
  sizeRandom() < 0.9 ? 1024 + Math.floor(sizeRandom() * 7 * 1024) : 64 * 1024 + Math.floor(sizeRandom() * 192 * 1024),
);
const totalBytes = sizes.reduce((a, b) => a + b, 0);
const fetchItem = (id) => ({ id, payload: 'x'.repeat(Math.max(0, sizes[id] - 20)) });

/** The request sequence for one run: item ids. */
function workload(seed) {
  const next = zipf(ITEMS, ZIPF_S, prng(seed));
  return Array.from({ length: REQUESTS }, next);
}

/** Plays `requests` against `cache` (get; on a miss fetch and set); returns hits and timing. */
async function play(cache, requests, clock) {
  let hits = 0;
  const started = process.hrtime.bigint();
  for (const id of requests) {
    clock.nowMs += STEP_MS;
    const key = `info:item:${id}`;
    if ((await cache.get(key)) !== undefined) hits++;
    else await cache.set(key, fetchItem(id), TTL_SEC);
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { hits, hitRate: hits / requests.length, wallMs, usPerRequest: (wallMs * 1000) / requests.length };
}

const pct = (x) => Math.round(x * 1000) / 10;
const first = workload(SEED);
const second = workload(SEED + 1);
const distinct = new Set(first).size;

rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const dbFile = join(dataDir, 'dlbot.db');
const filesDir = join(dataDir, 'cache');
const clock = { nowMs: Date.parse('2024-06-01T00:00:00Z') };
const hybridOptions = () => ({ memoryMaxBytes: MEMORY_BYTES, sweepIntervalMs: 0, now: () => clock.nowMs });

// 1. the hybrid cache, cold
let db = openDatabase(dbFile);
let hybrid = new HybridCache({ ...hybridOptions(), disk: { db, filesDir } });
const cold = await play(hybrid, first, clock);
const coldStats = hybrid.stats();
hybrid.close();
db.close();

// 2. the same cache after a restart (memory empty, disk kept), on a fresh sequence
db = openDatabase(dbFile);
hybrid = new HybridCache({ ...hybridOptions(), disk: { db, filesDir } });
const warm = await play(hybrid, second, clock);
const warmStats = hybrid.stats();
hybrid.close();
db.close();

// 3. baseline: the plain memory LRU of the same size
const baseline = await play(new MemoryCache({ maxBytes: MEMORY_BYTES }), first, clock);

const tierRates = (stats) => ({
  memory: stats.memory.hits / REQUESTS,
  disk: (stats.disk?.hits ?? 0) / REQUESTS,
});
const result = {
  workload: { items: ITEMS, requests: REQUESTS, zipfS: ZIPF_S, seed: SEED, distinctItemsRequested: distinct, totalItemBytes: totalBytes },
  memoryTierBytes: MEMORY_BYTES,
  bestPossibleColdHitRate: 1 - distinct / REQUESTS,
  runs: {
    hybridCold: { ...cold, tiers: tierRates(coldStats), stats: coldStats },
    hybridAfterRestart: { ...warm, tiers: tierRates(warmStats), stats: warmStats },
    memoryOnlyBaseline: baseline,
  },
  node: process.version,
  at: new Date().toISOString(),
};

console.log(`Zipf(${ZIPF_S}) · ${REQUESTS} requests over ${ITEMS} items (${(totalBytes / 1048576).toFixed(1)} MB in all) · memory tier ${MEMORY_BYTES / 1048576} MiB · seed ${SEED}`);
console.log(`distinct items requested: ${distinct} → best possible cold hit rate ${pct(result.bestPossibleColdHitRate)} %\n`);
const rows = [
  ['hybrid (memory + disk), cold', cold, tierRates(coldStats), coldStats],
  ['hybrid after restart (disk kept)', warm, tierRates(warmStats), warmStats],
  ['MemoryCache 2 MiB (baseline)', baseline],
];
console.log('run                                 hit %   memory %   disk %   promotions   µs/request');
for (const [name, run, tiers, stats] of rows) {
  console.log(
    `${name.padEnd(34)} ${String(pct(run.hitRate)).padStart(6)}   ${tiers ? String(pct(tiers.memory)).padStart(8) : '       –'}   ${tiers ? String(pct(tiers.disk)).padStart(6) : '     –'}   ${stats ? String(stats.promotions).padStart(10) : '         –'}   ${run.usPerRequest.toFixed(1).padStart(10)}`,
  );
}
mkdirSync(work, { recursive: true });
writeFileSync(join(work, 'cache.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwrote ${join('bench', 'out', 'cache.json')}`);
rmSync(dataDir, { recursive: true, force: true });
