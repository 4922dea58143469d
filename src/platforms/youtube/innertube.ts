/**
 * YouTube's innertube API through youtubei.js, with every byte on OUR guarded client.
 *
 * youtubei.js builds what a real app sends: each client's context (VISIONOS, IOS, ANDROID_VR,
 * TV, WEB… with their device fields and versions, kept current by the library), the headers
 * that go with it (User-Agent, X-Youtube-Client-Name/Version, X-Goog-Visitor-Id), a locally
 * generated visitor id, and the SAPISIDHASH authorization when cookies are given. The session
 * is made with `generate_session_locally`, no innertube config and no player JS, so creating it
 * costs no request at all: the only traffic is the POSTs to https://www.youtube.com/youtubei/v1/
 * {player, next, browse, navigation/resolve_url} that we ask for. Those go through
 * `innertubeFetch`, a WHATWG fetch built on ctx.http, so the SSRF guard, PROXY_URL and (in
 * tests) the fake web see every request.
 *
 * youtubei.js is imported lazily: a process that never sees a YouTube link never loads it.
 */
import type { Innertube, Types } from 'youtubei.js';
import { requestOptions, type ExtractContext } from '../base.js';
import { DownloadError, isDownloadError } from '../../utils/errors.js';
import { readBounded, type RequestOptions } from '../../utils/http.js';
import { cookieJarFor } from '../../utils/cookies.js';

export const NAME = 'youtube';

/** The innertube endpoints we call (paths under /youtubei/v1). */
export type Endpoint = '/player' | '/next' | '/browse' | '/navigation/resolve_url';

/** An innertube client youtubei.js knows how to dress a request as. */
export type ClientName = Types.InnerTubeClient;

/** Innertube answers are JSON documents; a page is at most a few MB. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** A locally generated visitor id is reused for a while, as a returning app would. */
const VISITOR_TTL_SEC = 6 * 60 * 60;
const VISITOR_CACHE_KEY = `${NAME}:visitor-data`;
const METHODS = new Set<NonNullable<RequestOptions['method']>>(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']);
/** Statuses a WHATWG Response must be built without a body. */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/** One innertube conversation: anonymous, or signed in with the COOKIES_FILE cookies. */
export interface InnertubeSession {
  /**
   * POSTs `body` to an innertube endpoint (youtubei.js adds the context of `client`, or the
   * session's WEB context) and returns the parsed answer. HTTP errors arrive as DownloadErrors
   * with the status in their context.
   */
  call<T>(endpoint: Endpoint, body: Record<string, unknown>, client?: ClientName): Promise<T>;
}

/**
 * A fetch for youtubei.js on ctx.http: the guarded client sends the request, and the answer
 * comes back as a WHATWG Response (status, headers, body). Statuses >= 400 throw our
 * DownloadError (errorForStatus), which youtubei.js lets through unchanged, so a 429 stays
 * fetch.rate_limited and a 403 keeps its status for the client rotation.
 */
export function innertubeFetch(ctx: ExtractContext): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : input instanceof URL ? input.href : String(input);
    const headers = new Headers(request?.headers);
    new Headers(init?.headers).forEach((value, key) => headers.set(key, value));
    // undici hands back raw bytes: asking for gzip would leave us unable to read the answer
    headers.delete('accept-encoding');
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase() as NonNullable<RequestOptions['method']>;
    if (!METHODS.has(method)) throw new DownloadError('internal', `youtubei.js asked for an unsupported method ${method}.`, { platform: NAME, url });
    const body = await requestBody(init?.body ?? undefined, request, method);
    const res = await ctx.http.request(url, requestOptions(ctx, NAME, { method, headers: Object.fromEntries(headers), ...(body !== undefined ? { body } : {}) }));
    const bytes = await readBounded(res, MAX_ANSWER_BYTES);
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(key, v);
    }
    return new Response(NULL_BODY_STATUS.has(res.status) ? null : bytes, { status: res.status, headers: responseHeaders });
  };
}

/** The body youtubei.js gave, as a string or Buffer (it only ever sends JSON text or protobuf bytes). */
async function requestBody(body: RequestInit['body'] | undefined, request: Request | undefined, method: string): Promise<string | Buffer | undefined> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body === undefined) {
    if (!request || method === 'GET' || method === 'HEAD') return undefined;
    const text = await request.text();
    return text === '' ? undefined : text;
  }
  throw new DownloadError('internal', 'youtubei.js sent a request body of an unsupported kind.', { platform: NAME });
}

/** YOUTUBE_VISITOR_DATA when set (a PO token is bound to it), else the cached visitor id, if any. */
async function knownVisitorData(ctx: ExtractContext): Promise<string | undefined> {
  return ctx.config.youtubeVisitorData ?? (await ctx.cache?.get<string>(VISITOR_CACHE_KEY));
}

/** Opens an anonymous innertube session on ctx.http. */
export async function openSession(ctx: ExtractContext): Promise<InnertubeSession> {
  return createSession(ctx, undefined);
}

/**
 * Opens a session signed in with the COOKIES_FILE cookies for youtube.com (youtubei.js then
 * adds the SAPISIDHASH authorization); undefined when there is no cookie file or it holds no
 * YouTube cookie.
 */
export async function openSignedInSession(ctx: ExtractContext): Promise<InnertubeSession | undefined> {
  const cookie = cookieJarFor(ctx.config)?.headerFor('https://www.youtube.com/');
  return cookie ? createSession(ctx, cookie) : undefined;
}

async function createSession(ctx: ExtractContext, cookie: string | undefined): Promise<InnertubeSession> {
  const { Innertube } = await import('youtubei.js');
  const visitorData = await knownVisitorData(ctx);
  const innertube: Innertube = await Innertube.create({
    fetch: innertubeFetch(ctx),
    retrieve_player: false,
    generate_session_locally: true,
    retrieve_innertube_config: false,
    enable_session_cache: false,
    lang: 'en',
    location: 'US',
    ...(visitorData ? { visitor_data: visitorData } : {}),
    ...(cookie ? { cookie } : {}),
  });
  if (!visitorData && ctx.cache) {
    const generated = innertube.session.context.client.visitorData;
    if (generated) await ctx.cache.set(VISITOR_CACHE_KEY, generated, VISITOR_TTL_SEC);
  }
  return {
    async call<T>(endpoint: Endpoint, body: Record<string, unknown>, client?: ClientName): Promise<T> {
      try {
        const answer = await innertube.actions.execute(endpoint, { ...body, ...(client ? { client } : {}), parse: false });
        return answer.data as T;
      } catch (error) {
        if (isDownloadError(error)) throw error;
        // youtubei.js failed on its own (an answer that is not JSON, an unknown client name)
        throw new DownloadError('fetch.failed', `YouTube's ${endpoint} answer could not be read.`, { platform: NAME, endpoint }, { cause: error, retriable: false });
      }
    },
  };
}

/** YOUTUBE_PO_TOKEN, only when YOUTUBE_VISITOR_DATA is set too: the token is bound to that visitor. */
export function poToken(ctx: ExtractContext): string | undefined {
  return ctx.config.youtubePoToken && ctx.config.youtubeVisitorData ? ctx.config.youtubePoToken : undefined;
}
