import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../src/core/engine.js';
import { loadConfig } from '../../src/utils/config.js';
import { silentLogger } from '../../src/utils/logger.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { makeSampleMedia } from '../support/sample-media.js';
import { sendFile } from '../support/fake-web.js';

/** A CONNECT proxy that records the targets it tunnelled to. */
async function startConnectProxy(): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const server: Server = createServer((_req, res) => void res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let dir: string;
let origin: TestServer;
let proxies: Awaited<ReturnType<typeof startConnectProxy>>[];
let engine: Engine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlbot-egress-'));
  const media = await makeSampleMedia(dir);
  origin = await startServer({ '/clip.mp4': (req, res) => sendFile(req, res, media.mp4, 'video/mp4') });
  proxies = [await startConnectProxy(), await startConnectProxy()];
  const config = loadConfig({
    PROXY_URL: proxies.map((p) => p.url).join(','),
    ALLOWED_PRIVATE_HOSTS: '127.0.0.1',
    DATA_DIR: join(dir, 'data'),
  });
  engine = createEngine(config, silentLogger);
});

afterAll(async () => {
  await engine?.close();
  await Promise.all((proxies ?? []).map((p) => p.close()));
  await origin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('engine with a PROXY_URL list', () => {
  it('builds one egress identity per proxy, named without credentials', () => {
    expect(engine.egress?.states()).toEqual(proxies.map((p) => ({ name: p.url, coolingDownMs: 0 })));
    expect(engine.platforms.egress).toBe(engine.egress);
  });

  it('sends each download, extraction and media alike, through one proxy, the next download through the other', async () => {
    const target = `127.0.0.1:${origin.port}`;
    const first = await engine.downloads.download(`${origin.origin}/clip.mp4`, { quality: 'best' }, { outputDir: join(dir, 'out') });
    expect(first.files).toHaveLength(1);
    expect(proxies[0]!.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxies[0]!.tunnels)).toEqual(new Set([target]));
    expect(proxies[1]!.tunnels).toEqual([]);

    const hitsBefore = origin.hits.length;
    const tunnelsBefore = proxies[0]!.tunnels.length;
    await engine.downloads.download(`${origin.origin}/clip.mp4`, { quality: 'best' }, { outputDir: join(dir, 'out') });
    expect(origin.hits.length).toBeGreaterThan(hitsBefore);
    expect(proxies[1]!.tunnels.length).toBeGreaterThan(0);
    expect(proxies[0]!.tunnels.length).toBe(tunnelsBefore);
  });
});
