// Loads the fake Bot API server (test/support/fake-telegram, TypeScript) for benchmarks:
// compiles it with the project's tsc into bench/out/fake-telegram once, then imports it.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = join(root, 'test', 'support', 'fake-telegram');
const out = join(root, 'bench', 'out', 'fake-telegram');

function newest(dir) {
  return Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
}

/** The FakeTelegram class. */
export async function loadFakeTelegram() {
  const compiled = join(out, 'index.js');
  if (!existsSync(compiled) || newest(source) > statSync(compiled).mtimeMs) {
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const r = spawnSync(tsc, [
      '--outDir', out, '--rootDir', source, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
      '--target', 'ES2022', '--skipLibCheck', '--strict', '--types', 'node', join(source, 'index.ts'),
    ], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('could not compile the fake Bot API server');
  }
  return (await import(pathToFileURL(compiled).href)).FakeTelegram;
}
