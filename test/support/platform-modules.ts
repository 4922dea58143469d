/**
 * Loads every platform module under src/platforms/ (one file per platform), so the detection
 * tests run each file's `examples` table without a hand-kept list.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Platform } from '../../src/platforms/base.js';

const DIR = join(import.meta.dirname, '..', '..', 'src', 'platforms');
const NOT_PLATFORMS = new Set(['base.ts', 'index.ts', 'ytdlp.ts']);

function isPlatform(value: unknown): value is Platform {
  return !!value && typeof value === 'object' && typeof (value as Platform).match === 'function' && typeof (value as Platform).name === 'string';
}

export async function loadPlatformModules(): Promise<Platform[]> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !NOT_PLATFORMS.has(f));
  const out: Platform[] = [];
  for (const file of files.sort()) {
    const mod = (await import(pathToFileURL(join(DIR, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) if (isPlatform(value)) out.push(value);
  }
  return out;
}
