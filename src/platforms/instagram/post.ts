/**
 * Posts, reels, IGTV and carousels. The site's own answers are tried in order until one
 * carries the media:
 *
 * 1. COOKIES_FILE only: GET /api/v1/media/{media id}/info/ → items[0] (API shape). Also opens
 *    private posts of accounts the session follows.
 * 2. POST /graphql/query with doc_id (PolarisPostActionLoadPostQueryQuery, variables
 *    {shortcode}) and the LSD/CSRF pair → data.xdt_shortcode_media (graph shape).
 * 3. COOKIES_FILE only: GET /graphql/query/?query_hash=…&variables={shortcode} → data.shortcode_media.
 * 4. GET /p/{code}/?__a=1&__d=dis → items[0] (API shape) or graphql.shortcode_media, where it
 *    still answers.
 * 5. GET /p/{code}/embed/captioned/ → the page's contextJSON → gql_data.shortcode_media. Photos
 *    and carousels come with their URLs; reels usually do not, then this step gives nothing.
 *
 * When none has it, POST /ajax/bulk-route-definitions/ for /p/{code}/ says why: a private
 * post (content.private), one that exists but is hidden from logged-out visitors (age-gated per
 * /api/v1/web/get_ruling_for_media_content_logged_out → content.age_restricted, else
 * content.login_required) or none at all (content.not_found).
 */
import type { Match, ExtractContext } from '../base.js';
import type { MediaInfo } from '../../media/types.js';
import { DownloadError, isDownloadError } from '../../utils/errors.js';
import { dig } from '../page.js';
import { graphHasMedia, postFromApi, postFromGraph, postToMediaInfo, type ApiMedia, type GraphMedia, type Site } from './media.js';
import { BASE_URL, InstagramSession, PLATFORM, jazoest, parseJson } from './session.js';
import { isPrivateShortcode, shortcodeToMediaId } from './shortcode.js';

/** The web app's post query; Instagram rotates doc ids now and then. */
const POST_QUERY = { docId: '8845758582119845', name: 'PolarisPostActionLoadPostQueryQuery' } as const;
/** The older persisted query for a shortcode's media (answers logged-in sessions). */
const POST_QUERY_HASH = '9f8827793ef34641b2fb195d4d41151c';

/** Media found by a source, in whichever shape that source speaks. */
type Found = { graph: GraphMedia } | { api: ApiMedia };

/** One way of asking Instagram for a post. */
interface Source {
  name: string;
  needsLogin: boolean;
  read(session: InstagramSession, code: string, pageUrl: string): Promise<Found | undefined>;
}

/** What the sources that gave nothing said, for the final error. */
interface Misses {
  loginWall: boolean;
  gone: boolean;
  errors: DownloadError[];
}

const SOURCES: readonly Source[] = [
  { name: 'media-info-api', needsLogin: true, read: fromMediaInfoApi },
  { name: 'graphql-doc', needsLogin: false, read: fromGraphqlDoc },
  { name: 'graphql-query-hash', needsLogin: true, read: fromGraphqlHash },
  { name: 'a1', needsLogin: false, read: fromA1 },
  { name: 'embed', needsLogin: false, read: fromEmbed },
];

/** Extracts a post, reel or IGTV video by shortcode. */
export async function extractPost(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const code = match.id!;
  const site = postSite(code, match.kind, ctx);
  const session = new InstagramSession(ctx);
  const misses: Misses = { loginWall: false, gone: false, errors: [] };
  for (const source of SOURCES) {
    if (source.needsLogin && !session.loggedIn) continue;
    let found: Found | undefined;
    try {
      found = await source.read(session, code, site.url);
    } catch (error) {
      noteMiss(error, misses, ctx);
      ctx.logger.debug({ platform: PLATFORM, source: source.name, code, error: (error as DownloadError).code }, 'instagram source failed');
      continue;
    }
    if (found) {
      const post = 'graph' in found ? postFromGraph(found.graph, code, site) : postFromApi(found.api, code, site);
      return postToMediaInfo(post, site);
    }
    ctx.logger.debug({ platform: PLATFORM, source: source.name, code }, 'instagram source had no media');
  }
  throw await explainMissing(session, code, site.url, misses);
}

function postSite(code: string, kind: string | undefined, ctx: ExtractContext): Site {
  const word = kind === 'reel' ? 'reel' : kind === 'video' ? 'tv' : 'p';
  return {
    platform: PLATFORM,
    url: `${BASE_URL}/${word}/${code}/`,
    mediaHeaders: { Referer: `${BASE_URL}/` },
    limit: ctx.config.playlistLimit,
    itemUrl: (n) => `${BASE_URL}/p/${code}/?img_index=${n}`,
  };
}

/**
 * Files a failed source under what it says about the post. Rate limits, cancellations,
 * blocked addresses and our own bugs end the extraction at once.
 */
function noteMiss(error: unknown, misses: Misses, ctx: ExtractContext): void {
  if (!isDownloadError(error) || ctx.signal?.aborted) throw error;
  switch (error.code) {
    case 'content.login_required':
      misses.loginWall = true;
      return;
    case 'content.not_found':
      misses.gone = true;
      return;
    case 'fetch.failed':
      misses.errors.push(error);
      return;
    default:
      throw error;
  }
}

async function fromMediaInfoApi(session: InstagramSession, code: string, pageUrl: string): Promise<Found | undefined> {
  const url = `${BASE_URL}/api/v1/media/${shortcodeToMediaId(code)}/info/`;
  const res = await session.fetch(url, { headers: await session.apiHeaders(url, pageUrl) });
  const item = parseJson<{ items?: ApiMedia[] }>(res.text)?.items?.[0];
  return item ? { api: item } : undefined;
}

async function fromGraphqlDoc(session: InstagramSession, code: string, pageUrl: string): Promise<Found | undefined> {
  const url = `${BASE_URL}/graphql/query`;
  const { lsd } = await session.tokens();
  const res = await session.fetch(url, {
    method: 'POST',
    headers: { ...(await session.apiHeaders(url, pageUrl)), 'x-fb-lsd': lsd, 'x-fb-friendly-name': POST_QUERY.name },
    form: {
      av: '0',
      __d: 'www',
      __user: '0',
      __a: '1',
      __req: '3',
      __comet_req: '7',
      dpr: '1',
      lsd,
      jazoest: jazoest(lsd),
      fb_api_caller_class: 'RelayModern',
      fb_api_req_friendly_name: POST_QUERY.name,
      variables: JSON.stringify({ shortcode: code, fetch_tagged_user_count: null, hoisted_comment_id: null, hoisted_reply_id: null }),
      server_timestamps: 'true',
      doc_id: POST_QUERY.docId,
    },
  });
  return graphAnswer(res.text, 'xdt_shortcode_media', url);
}

async function fromGraphqlHash(session: InstagramSession, code: string, pageUrl: string): Promise<Found | undefined> {
  const url = `${BASE_URL}/graphql/query/`;
  const res = await session.fetch(url, {
    headers: await session.apiHeaders(url, pageUrl),
    query: {
      query_hash: POST_QUERY_HASH,
      variables: JSON.stringify({ shortcode: code, child_comment_count: 3, fetch_comment_count: 40, parent_comment_count: 24, has_threaded_comments: true }),
    },
  });
  return graphAnswer(res.text, 'shortcode_media', url);
}

/**
 * A GraphQL answer: `data.{key}` when the post is there; `{"require_login":true}` is the
 * login wall; `data.{key}: null` (no such post, or not for this visitor) gives nothing.
 */
function graphAnswer(text: string, key: string, url: string): Found | undefined {
  const body = parseJson<{ data?: Record<string, unknown>; require_login?: boolean; message?: string }>(text);
  if (!body) throw new DownloadError('fetch.failed', 'Instagram\'s GraphQL endpoint answered with something that is not JSON.', { platform: PLATFORM, url });
  if (body.require_login) {
    throw new DownloadError('content.login_required', body.message ?? 'Instagram wants a login for this request.', { platform: PLATFORM, url });
  }
  const media = body.data?.[key];
  return media && typeof media === 'object' ? { graph: media as GraphMedia } : undefined;
}

async function fromA1(session: InstagramSession, code: string, pageUrl: string): Promise<Found | undefined> {
  const url = `${BASE_URL}/p/${code}/`;
  const res = await session.fetch(url, { headers: await session.apiHeaders(url, pageUrl), query: { __a: '1', __d: 'dis' } });
  const body = parseJson<{ items?: ApiMedia[]; graphql?: { shortcode_media?: GraphMedia } }>(res.text);
  const item = body?.items?.[0];
  if (item) return { api: item };
  const graph = body?.graphql?.shortcode_media;
  return graph ? { graph } : undefined;
}

async function fromEmbed(session: InstagramSession, code: string): Promise<Found | undefined> {
  const url = `${BASE_URL}/p/${code}/embed/captioned/`;
  const page = await session.page(url);
  if (page.text.includes('EmbedIsBroken')) {
    throw new DownloadError('content.not_found', 'The embed says the post was removed, is private or may not be embedded.', { platform: PLATFORM, url });
  }
  const media = embedMedia(page.text);
  return media && graphHasMedia(media) ? { graph: media } : undefined;
}

/**
 * The media of an embed page: each `"contextJSON":"…"` is a JSON string holding JSON; the one
 * with `gql_data.shortcode_media` (or `context.media`) is the post.
 */
export function embedMedia(html: string): GraphMedia | undefined {
  for (const m of html.matchAll(/"contextJSON":("(?:[^"\\]|\\.)*")/g)) {
    const context = parseJson<unknown>(parseJson<string>(m[1]!) ?? '');
    const media = dig(context, 'gql_data', 'shortcode_media') ?? dig(context, 'gql_data', 'xdt_shortcode_media') ?? dig(context, 'context', 'media');
    if (media && typeof media === 'object') return media as GraphMedia;
  }
  return undefined;
}

/** The error for a post no source could read. */
async function explainMissing(session: InstagramSession, code: string, url: string, misses: Misses): Promise<DownloadError> {
  const context = { platform: PLATFORM, url };
  if (isPrivateShortcode(code)) {
    return new DownloadError('content.private', 'This is a post of a private account; only its followers (COOKIES_FILE) can see it.', context);
  }
  let verdict: DownloadError | undefined;
  try {
    verdict = await routeVerdict(session, code, url);
  } catch (error) {
    noteMiss(error, misses, session.ctx);
  }
  if (verdict) return verdict;
  if (misses.loginWall) return new DownloadError('content.login_required', 'Instagram shows this post only to logged-in visitors right now (set COOKIES_FILE).', context);
  if (misses.gone) return new DownloadError('content.not_found', 'The post was removed, or its account is private.', context);
  return (
    misses.errors[0] ??
    new DownloadError('fetch.failed', 'Instagram answered every request without the post\'s media; its pages may have changed.', context, { retriable: true })
  );
}

/**
 * Asks the web app's router what /p/{code}/ is. Its answer names a private post's page
 * (`polaris.privatePostPage`), or carries the media and owner ids of a post that exists.
 */
async function routeVerdict(session: InstagramSession, code: string, url: string): Promise<DownloadError | undefined> {
  const context = { platform: PLATFORM, url };
  const endpoint = `${BASE_URL}/ajax/bulk-route-definitions/`;
  const { lsd } = await session.tokens();
  const res = await session.fetch(endpoint, {
    method: 'POST',
    headers: { ...(await session.apiHeaders(endpoint, url)), 'x-fb-lsd': lsd, 'x-ig-d': 'www' },
    form: { 'route_urls[0]': `/p/${code}/`, routing_namespace: 'igx_www', __d: 'www', __a: '1', __user: '0', __comet_req: '7', lsd, jazoest: jazoest(lsd) },
  });
  const text = res.text;
  if (text.includes('"tracePolicy":"polaris.privatePostPage"')) {
    return new DownloadError('content.private', 'This post belongs to a private account; only its followers (COOKIES_FILE) can see it.', context);
  }
  const ids = /"media_id":\s*"(\d+)",\s*"media_owner_id":\s*"(\d+)"/.exec(text);
  if (ids) return hiddenPostError(session, ids[1]!, ids[2]!, url);
  // a route answer for our path (its slashes JSON-escaped) without a media id: no such post
  if (text.includes('"payloads"') && text.includes(code)) return new DownloadError('content.not_found', undefined, context);
  return undefined;
}

/** A post that exists but was not served: age-gated, or for logged-in visitors only. */
async function hiddenPostError(session: InstagramSession, mediaId: string, ownerId: string, url: string): Promise<DownloadError> {
  const context = { platform: PLATFORM, url };
  const endpoint = `${BASE_URL}/api/v1/web/get_ruling_for_media_content_logged_out`;
  const res = await session.fetch(endpoint, { headers: await session.apiHeaders(endpoint, url), query: { media_id: mediaId, owner_id: ownerId } });
  const ruling = parseJson<{ title?: string; description?: string }>(res.text);
  if (ruling?.title?.includes('Restricted')) {
    return new DownloadError('content.age_restricted', ruling.description ?? undefined, context);
  }
  return new DownloadError('content.login_required', 'Instagram shows this post only to logged-in visitors (set COOKIES_FILE).', context);
}
