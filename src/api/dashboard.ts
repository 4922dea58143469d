/**
 * The web dashboard: one static page (public/index.html + dashboard.css + dashboard.js) that
 * polls /api/v1/dashboard and draws it with chart.js, served from node_modules. The files are
 * read once and kept in memory (together about 250 kB); a strict Content-Security-Policy allows
 * nothing but this origin.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/** src/api/public, found the same way from src/api (tests) and dist/api (built). */
const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'api', 'public');

function chartJsPath(): string {
  // chart.js exports only its module entry points; the UMD build sits beside them in dist/
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(entry), 'chart.umd.js');
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  file: () => string;
  type: string;
  /** Seconds browsers may cache it; the page itself is always revalidated. */
  maxAgeSec: number;
}

const ASSETS: Record<string, Asset> = {
  '/': { file: () => join(PUBLIC_DIR, 'index.html'), type: 'text/html; charset=utf-8', maxAgeSec: 0 },
  '/assets/dashboard.js': { file: () => join(PUBLIC_DIR, 'dashboard.js'), type: 'text/javascript; charset=utf-8', maxAgeSec: 300 },
  '/assets/dashboard.css': { file: () => join(PUBLIC_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8', maxAgeSec: 300 },
  '/assets/chart.js': { file: chartJsPath, type: 'text/javascript; charset=utf-8', maxAgeSec: 86_400 },
};

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const cache = new Map<string, Buffer>();
  for (const [url, asset] of Object.entries(ASSETS)) {
    app.get(url, { config: { access: 'probe' } }, async (_request, reply) => {
      let body = cache.get(url);
      if (!body) {
        body = await readFile(asset.file());
        cache.set(url, body);
      }
      return reply
        .type(asset.type)
        .header('cache-control', asset.maxAgeSec > 0 ? `public, max-age=${asset.maxAgeSec}` : 'no-cache')
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body);
    });
  }
};
