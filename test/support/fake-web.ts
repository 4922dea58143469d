/**
 * A stand-in for the internet: one local HTTP server that answers for every host. The
 * HttpClient it hands out connects every origin (https://www.tiktok.com, https://v16.cdn…) to
 * this server, so extractors run unchanged against their real URLs and the server routes by
 * the Host header. Tests register what each URL answers, in the exact shape the real site
 * serves, and can read back every request that was made.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { HttpClient, type Connector } from '../../src/utils/http.js';

export type WebHandler = (req: IncomingMessage & { body: string; target: URL }, res: ServerResponse) => void | Promise<void>;

export interface SeenRequest {
  method: string;
  /** https://host/path?query as the client asked for it (the scheme is always shown as https). */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeWeb {
  /** A guarded client whose every connection lands on this server. */
  http: HttpClient;
  /**
   * Answers requests for `pattern`: a URL without query ("https://host/path" — the query is
   * ignored) or a RegExp tested against the full "https://host/path?query". Later routes win.
   */
  route(pattern: string | RegExp, handler: WebHandler): void;
  /** Shorthands: a JSON body, an HTML body, a redirect, a status, a local file (with Range). */
  json(pattern: string | RegExp, body: unknown, status?: number, headers?: Record<string, string>): void;
  html(pattern: string | RegExp, body: string, status?: number, headers?: Record<string, string>): void;
  redirect(pattern: string | RegExp, location: string, status?: number): void;
  status(pattern: string | RegExp, status: number, headers?: Record<string, string>): void;
  file(pattern: string | RegExp, path: string, type?: string): void;
  requests: SeenRequest[];
  /** Requests whose URL starts with `prefix`. */
  seen(prefix: string): SeenRequest[];
  close(): Promise<void>;
}

/** Serves a local file, answering Range requests with 206 like a CDN. */
export function sendFile(req: IncomingMessage, res: ServerResponse, path: string, type = 'application/octet-stream'): void {
  const size = statSync(path).size;
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    res.writeHead(206, { 'content-type': type, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    createReadStream(path, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': String(size), 'accept-ranges': 'bytes' });
  createReadStream(path).pipe(res);
}

export async function startFakeWeb(): Promise<FakeWeb> {
  const routes: Array<{ pattern: string | RegExp; handler: WebHandler }> = [];
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = new URL(req.url ?? '/', `https://${req.headers.host ?? 'unknown'}`);
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', url: target.href, headers: req.headers, body });
      const bare = target.origin + target.pathname;
      const route = [...routes].reverse().find((r) => (typeof r.pattern === 'string' ? r.pattern === bare : r.pattern.test(target.href)));
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no fixture for ${target.href}`);
        return;
      }
      Promise.resolve(route.handler(Object.assign(req, { body, target }), res)).catch((error: unknown) => res.destroy(error as Error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const connector: Connector = (_options, callback) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (error) => callback(error, null));
  };
  const http = new HttpClient({ connector, timeoutMs: 5_000 });
  const route = (pattern: string | RegExp, handler: WebHandler) => void routes.push({ pattern, handler });
  const send = (type: string) => (pattern: string | RegExp, body: string, status = 200, headers: Record<string, string> = {}) =>
    route(pattern, (_req, res) => void res.writeHead(status, { 'content-type': type, ...headers }).end(body));
  return {
    http,
    route,
    json: (pattern, body, status, headers) => send('application/json; charset=utf-8')(pattern, JSON.stringify(body), status, headers),
    html: send('text/html; charset=utf-8'),
    redirect: (pattern, location, status = 302) => route(pattern, (_req, res) => void res.writeHead(status, { location }).end()),
    status: (pattern, status, headers = {}) => route(pattern, (_req, res) => void res.writeHead(status, headers).end()),
    file: (pattern, path, type) => route(pattern, (req, res) => sendFile(req, res, path, type)),
    requests,
    seen: (prefix) => requests.filter((r) => r.url.startsWith(prefix)),
    close: async () => {
      await http.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
