/**
 * The algorithm table both rate-limiter test files run: the unit test against the memory
 * backend, the integration test against Redis (Lua), each with the same fake clock — so the
 * two backends are proven to admit exactly the same requests.
 */
import type { AlgorithmSpec } from '../../src/utils/rate-limiter.js';

/** One call at a fake instant and what it must answer (fields left out are not checked). */
export interface LimiterStep {
  atMs: number;
  cost?: number;
  key?: string;
  op?: 'consume' | 'refund';
  expect?: { allowed: boolean; retryAfterMs?: number; remaining?: number; delayMs?: number };
}

/** A named scenario for one limiter. */
export interface LimiterCase {
  name: string;
  spec: AlgorithmSpec;
  steps: LimiterStep[];
}

const ok = (remaining: number, delayMs = 0) => ({ allowed: true, retryAfterMs: 0, remaining, delayMs });
const no = (retryAfterMs: number, remaining = 0) => ({ allowed: false, retryAfterMs, remaining });

const TOKEN = { algorithm: 'token-bucket', capacity: 3, ratePerMinute: 60 } as const;
const WINDOW = { algorithm: 'sliding-window', limit: 3, windowMs: 1000 } as const;
const LEAKY = { algorithm: 'leaky-bucket', capacity: 3, ratePerMinute: 60 } as const;

export const LIMITER_CASES: LimiterCase[] = [
  {
    name: 'token bucket: a full bucket admits a burst of exactly capacity',
    spec: TOKEN,
    steps: [
      { atMs: 0, expect: ok(2) },
      { atMs: 0, expect: ok(1) },
      { atMs: 0, expect: ok(0) },
      { atMs: 0, expect: no(1000) },
      { atMs: 0, expect: no(1000) },
    ],
  },
  {
    name: 'token bucket: refills one token per second, never above capacity',
    spec: TOKEN,
    steps: [
      { atMs: 0 }, { atMs: 0 }, { atMs: 0 },
      { atMs: 999, expect: no(1) },
      { atMs: 1000, expect: ok(0) },
      { atMs: 1500, expect: no(500) },
      { atMs: 60_000, expect: ok(2) },
      { atMs: 60_000, expect: ok(1) },
      { atMs: 60_000, expect: ok(0) },
      { atMs: 60_000, expect: no(1000) },
    ],
  },
  {
    name: 'token bucket: fractional refill (90/min) waits for the exact remainder',
    spec: { algorithm: 'token-bucket', capacity: 3, ratePerMinute: 90 },
    steps: [
      { atMs: 0 }, { atMs: 0 }, { atMs: 0 },
      // 0.75 tokens after 500 ms; the missing 0.25 takes 166.7 ms
      { atMs: 500, expect: no(167) },
      { atMs: 666, expect: no(1) },
      { atMs: 667, expect: ok(0) },
    ],
  },
  {
    name: 'token bucket: float noise in the refill never costs a token',
    // 20 000 ms × (9 / 60 000) is 2.9999999999999996 in doubles; the bucket must still be full
    spec: { algorithm: 'token-bucket', capacity: 3, ratePerMinute: 9 },
    steps: [
      { atMs: 0, cost: 3, expect: ok(0) },
      { atMs: 20_000, cost: 3, expect: ok(0) },
    ],
  },
  {
    name: 'token bucket: cost > 1 spends several tokens and waits for all of them',
    spec: { algorithm: 'token-bucket', capacity: 5, ratePerMinute: 60 },
    steps: [
      { atMs: 0, cost: 3, expect: ok(2) },
      { atMs: 0, cost: 3, expect: no(1000, 2) },
      { atMs: 0, cost: 2, expect: ok(0) },
      { atMs: 2000, cost: 3, expect: no(1000, 2) },
      { atMs: 3000, cost: 3, expect: ok(0) },
    ],
  },
  {
    name: 'token bucket: a refund gives the tokens back',
    spec: TOKEN,
    steps: [
      { atMs: 0 }, { atMs: 0 }, { atMs: 0 },
      { atMs: 0, expect: no(1000) },
      { atMs: 0, op: 'refund', cost: 2 },
      { atMs: 0, expect: ok(1) },
      { atMs: 0, expect: ok(0) },
      { atMs: 0, expect: no(1000) },
    ],
  },
  {
    name: 'token bucket: keys are independent',
    spec: TOKEN,
    steps: [
      { atMs: 0, key: 'a' }, { atMs: 0, key: 'a' }, { atMs: 0, key: 'a' },
      { atMs: 0, key: 'a', expect: no(1000) },
      { atMs: 0, key: 'b', expect: ok(2) },
    ],
  },
  {
    name: 'sliding window: exactly limit per window, the next one when the oldest leaves',
    spec: WINDOW,
    steps: [
      { atMs: 0, expect: ok(2) },
      { atMs: 0, expect: ok(1) },
      { atMs: 0, expect: ok(0) },
      { atMs: 0, expect: no(1000) },
      { atMs: 999, expect: no(1) },
      { atMs: 1000, expect: ok(2) },
    ],
  },
  {
    name: 'sliding window: window edges follow each entry, not fixed buckets',
    spec: WINDOW,
    steps: [
      { atMs: 0, expect: ok(2) },
      { atMs: 400, expect: ok(1) },
      { atMs: 800, expect: ok(0) },
      { atMs: 900, expect: no(100) },
      { atMs: 1000, expect: ok(0) },
      { atMs: 1100, expect: no(300) },
      { atMs: 1400, expect: ok(0) },
      { atMs: 2400, expect: ok(2) },
    ],
  },
  {
    name: 'sliding window: no double burst across a window boundary (unlike a fixed window)',
    spec: WINDOW,
    steps: [
      { atMs: 999, expect: ok(2) },
      { atMs: 999, expect: ok(1) },
      { atMs: 999, expect: ok(0) },
      { atMs: 1000, expect: no(999) },
      { atMs: 1998, expect: no(1) },
      { atMs: 1999, expect: ok(2) },
    ],
  },
  {
    name: 'sliding window: cost > 1 waits until enough old entries have left',
    spec: { algorithm: 'sliding-window', limit: 5, windowMs: 1000 },
    steps: [
      { atMs: 0, cost: 2, expect: ok(3) },
      { atMs: 500, cost: 2, expect: ok(1) },
      { atMs: 600, cost: 3, expect: no(400, 1) },
      { atMs: 600, cost: 5, expect: no(900, 1) },
      { atMs: 1000, cost: 3, expect: ok(0) },
    ],
  },
  {
    name: 'sliding window: a refund removes the spent entry',
    spec: WINDOW,
    steps: [
      { atMs: 0 }, { atMs: 0 }, { atMs: 0 },
      { atMs: 100, op: 'refund' },
      { atMs: 100, expect: ok(0) },
      { atMs: 100, expect: no(900) },
    ],
  },
  {
    name: 'leaky bucket: admitted requests are spaced by the leak rate (queueing delay)',
    spec: LEAKY,
    steps: [
      { atMs: 0, expect: ok(2, 0) },
      { atMs: 0, expect: ok(1, 1000) },
      { atMs: 0, expect: ok(0, 2000) },
      { atMs: 0, expect: no(1000) },
      { atMs: 1000, expect: ok(0, 2000) },
      { atMs: 1500, expect: no(500) },
      { atMs: 10_000, expect: ok(2, 0) },
    ],
  },
  {
    name: 'leaky bucket: a request arriving mid-drain waits only for what is left ahead',
    spec: LEAKY,
    steps: [
      { atMs: 0, expect: ok(2, 0) },
      { atMs: 0, expect: ok(1, 1000) },
      { atMs: 1250, expect: ok(1, 750) },
      { atMs: 1250, expect: ok(0, 1750) },
    ],
  },
  {
    name: 'leaky bucket: float noise in the drain never blocks a full-size request',
    spec: { algorithm: 'leaky-bucket', capacity: 3, ratePerMinute: 9 },
    steps: [
      { atMs: 0, cost: 3, expect: ok(0, 0) },
      { atMs: 20_000, cost: 3, expect: ok(0, 0) },
    ],
  },
  {
    name: 'leaky bucket: cost > 1 occupies several slots of the queue',
    spec: { algorithm: 'leaky-bucket', capacity: 4, ratePerMinute: 60 },
    steps: [
      { atMs: 0, cost: 2, expect: ok(2, 0) },
      { atMs: 0, cost: 2, expect: ok(0, 2000) },
      { atMs: 0, cost: 1, expect: no(1000) },
      { atMs: 0, op: 'refund', cost: 2 },
      { atMs: 0, cost: 1, expect: ok(1, 2000) },
    ],
  },
];
