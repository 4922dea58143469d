/**
 * Temporary working directories for one download. Everything a download writes before the
 * finished file is moved out lives in one directory that is removed whatever happens.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs `fn` with a fresh directory under `base`; the directory is removed afterwards, always. */
export async function withTempDir<T>(base: string, fn: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'dl-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
