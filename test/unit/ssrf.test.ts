import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, checkUrl, isPrivateAddress, type LookupFn } from '../../src/utils/http.js';
import { DownloadError } from '../../src/utils/errors.js';
import { startServer, type TestServer } from '../support/http-server.js';

/** Hostile URLs the guard must refuse before any connection. */
const HOSTILE = [
  'http://127.0.0.1/',
  'http://127.1/',
  'http://2130706433/', // decimal 127.0.0.1
  'http://0x7f000001/', // hex
  'http://0177.0.0.1/', // octal
  'http://017700000001/',
  'http://0.0.0.0/',
  'http://0/',
  'http://localhost/',
  'http://LOCALHOST./',
  'http://api.localhost/',
  'http://[::1]/',
  'http://[::]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[0:0:0:0:0:ffff:169.254.169.254]/',
  'http://[64:ff9b::a00:1]/', // NAT64 of 10.0.0.1
  'http://[fe80::1]/',
  'http://[fd00::1]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://10.0.0.1/',
  'http://10.255.255.255:8080/',
  'http://172.16.0.1/',
  'http://172.31.255.255/',
  'http://192.168.1.1/',
  'http://100.64.0.1/', // carrier-grade NAT
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  'http://printer.local/',
  'http://intranet/',
  'file:///etc/passwd',
  'ftp://example.com/video.mp4',
  'gopher://example.com:70/',
  'data:text/html,<script>alert(1)</script>',
  'javascript:alert(1)',
  'http://user:pass@example.com/',
];

describe('SSRF guard: literal targets', () => {
  it.each(HOSTILE)('refuses %s with fetch.blocked', (url) => {
    let error: unknown;
    try {
      checkUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe('fetch.blocked');
  });

  it.each(['https://www.youtube.com/watch?v=dQw4w9WgXcQ', 'http://93.184.216.34/', 'http://[2606:4700::1111]/', 'https://v.redd.it/abc/DASH_720.mp4'])(
    'lets the public target %s through',
    (url) => {
      expect(checkUrl(url).href).toBe(new URL(url).href);
    },
  );

  it('classifies addresses', () => {
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('172.32.0.1')).toBe(false);
    expect(isPrivateAddress('172.15.255.255')).toBe(false);
    expect(isPrivateAddress('::ffff:8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2a00:1450:4001::200e')).toBe(false);
    expect(isPrivateAddress('::ffff:10.1.2.3')).toBe(true);
    expect(isPrivateAddress('fe80::1%eth0')).toBe(true);
  });

  it('allows exactly the hosts named in ALLOWED_PRIVATE_HOSTS', () => {
    expect(checkUrl('http://127.0.0.1:9/x', ['127.0.0.1']).hostname).toBe('127.0.0.1');
    expect(() => checkUrl('http://127.0.0.2:9/x', ['127.0.0.1'])).toThrow(DownloadError);
  });
});

describe('SSRF guard: DNS answers and redirects', () => {
  let server: TestServer;
  /** A resolver where public-looking names answer with loopback, as a rebinding attacker's DNS would. */
  const lookup: LookupFn = (hostname, _options, callback) => {
    if (hostname === 'media.example.com' || hostname === 'cdn.example.net') return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    if (hostname === 'mixed.example.org') {
      return callback(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '::1', family: 6 },
      ]);
    }
    return callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
  };

  beforeAll(async () => {
    server = await startServer({
      '/ok': (_req, res) => void res.end('hello'),
      '/to-private': (_req, res) => void res.writeHead(302, { location: 'http://10.0.0.1/secret' }).end(),
      '/to-metadata': (_req, res) => void res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
      '/to-rebinding-name': (_req, res) => void res.writeHead(302, { location: `http://media.example.com:${server.port}/ok` }).end(),
      '/to-file': (_req, res) => void res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
      '/loop': (_req, res) => void res.writeHead(302, { location: '/loop' }).end(),
    });
  });
  afterAll(() => server.close());

  it('refuses a public-looking name whose DNS answer is 127.0.0.1, before any byte reaches it', async () => {
    const client = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'], lookup });
    const before = server.hits.length;
    await expect(client.text(`http://media.example.com:${server.port}/ok`)).rejects.toMatchObject({ code: 'fetch.blocked' });
    expect(server.hits.length).toBe(before);
    await client.close();
  });

  it('refuses a name when any of its addresses is private', async () => {
    const client = new HttpClient({ lookup });
    await expect(client.text(`http://mixed.example.org:${server.port}/ok`)).rejects.toMatchObject({ code: 'fetch.blocked' });
    await client.close();
  });

  it('connects through the same resolver when the name is explicitly allowed (the check is real)', async () => {
    const client = new HttpClient({ allowedPrivateHosts: ['media.example.com'], lookup });
    await expect(client.text(`http://media.example.com:${server.port}/ok`)).resolves.toBe('hello');
    await client.close();
  });

  it.each(['/to-private', '/to-metadata', '/to-rebinding-name', '/to-file'])(
    'refuses a redirect from an allowed host to a forbidden target (%s)',
    async (path) => {
      const client = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'], lookup });
      await expect(client.text(`${server.origin}${path}`)).rejects.toMatchObject({ code: 'fetch.blocked' });
      await client.close();
    },
  );

  it('bounds redirect hops', async () => {
    const client = new HttpClient({ allowedPrivateHosts: ['127.0.0.1'], maxRedirects: 3 });
    await expect(client.text(`${server.origin}/loop`)).rejects.toMatchObject({ code: 'fetch.failed', retriable: false });
    await client.close();
  });

  it('refuses private targets even through a proxy (DNS is the proxy\'s, the guard still checks literals and names)', async () => {
    const client = new HttpClient({ proxyUrl: `http://127.0.0.1:${server.port}` });
    await expect(client.text('http://192.168.0.10/')).rejects.toMatchObject({ code: 'fetch.blocked' });
    await expect(client.text('http://localhost:8080/')).rejects.toMatchObject({ code: 'fetch.blocked' });
    await client.close();
  });
});
