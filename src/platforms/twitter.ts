/**
 * Twitter / X. URLs, offline: `/{user}/status/{id}` (with `/video/{n}`, `/photo/{n}` or
 * anything else after it), `/i/status/{id}`, `/i/web/status/{id}`, `/statuses/{id}`,
 * `/i/bookmarks?post_id={id}`, the old player pages `/i/videos/tweet/{id}`, `/i/videos/{id}`
 * and `/i/cards/tfw/v1/{id}`, broadcasts `/i/broadcasts/{id}` and Spaces `/i/spaces/{id}`, on
 * twitter.com, x.com (www., mobile.) and the embed-fixer mirrors fxtwitter.com, vxtwitter.com,
 * fixupx.com, fixvx.com and twittpr.com. t.co is not claimed: its links lead anywhere.
 *
 * Extraction, as the web client does it:
 * - POST https://api.x.com/1.1/guest/activate.json with the public web Bearer token gives a
 *   guest token (cached ~2 h under "twitter:guest-token", renewed on 403 / "Bad guest token").
 * - GET https://api.x.com/graphql/{queryId}/TweetResultByRestId?variables&features&fieldToggles
 *   answers the tweet (`data.tweetResult.result`: Tweet, TweetWithVisibilityResults,
 *   TweetTombstone or TweetUnavailable with a `reason`). With COOKIES_FILE holding `auth_token`
 *   and `ct0` for x.com the same call runs as that account, which opens NSFW and protected posts.
 * - When GraphQL fails (rate limit, a retired query id, an unknown answer) the embed API
 *   https://cdn.syndication.twimg.com/tweet-result?id&token answers a smaller tweet
 *   (`mediaDetails`); its token is derived from the id the way platform.twitter.com does it.
 * Media: photos as `?format=jpg&name=orig`, videos as their mp4 variants (the HLS master only
 * when a video has no mp4), GIFs as their silent mp4 (note "gif"); several media → entries.
 * Broadcasts and Spaces have no native extractor here: they go to the yt-dlp backend.
 */
import { isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, isDownloadError, noNativeExtractor } from '../utils/errors.js';
import { cookieJarFor } from '../utils/cookies.js';
import { hlsFormats } from './manifests.js';
import { compact, num, str, tryParseJson, unixSeconds } from './page.js';

const NAME = 'twitter';
const HOSTS = ['twitter.com', 'x.com', 'fxtwitter.com', 'vxtwitter.com', 'fixupx.com', 'fixvx.com', 'twittpr.com'] as const;

const TWEET_ID = /^\d{1,20}$/;
const USERNAME = /^[A-Za-z0-9_]{1,50}$/;
/** Broadcast and Space ids are short base62 strings such as 1yNGaQLWpejGj. */
const LIVE_ID = /^[A-Za-z0-9]{8,20}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://twitter.com/freethenipple/status/643211948184596480', id: '643211948184596480', kind: 'post' },
  { url: 'https://x.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://mobile.twitter.com/BrooklynNets/status/1349794411333394432?s=20&t=abc', id: '1349794411333394432', kind: 'post' },
  { url: 'https://WWW.X.COM/TopHeroes_/status/2001950365332455490/', id: '2001950365332455490', kind: 'post' },
  { url: 'https://twitter.com/CTVJLaidlaw/status/1600649710662213632/video/2', id: '1600649710662213632', kind: 'post' },
  { url: 'https://twitter.com/giphz/status/657991469417025536/photo/1', id: '657991469417025536', kind: 'post' },
  { url: 'https://twitter.com/i/web/status/910031516746514432', id: '910031516746514432', kind: 'post' },
  { url: 'https://x.com/i/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://twitter.com/statuses/643211948184596480', id: '643211948184596480', kind: 'post' },
  { url: 'https://x.com/i/bookmarks?post_id=1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://twitter.com/i/videos/tweet/705235433198714880', id: '705235433198714880', kind: 'post' },
  { url: 'https://twitter.com/i/cards/tfw/v1/560070183650213889', id: '560070183650213889', kind: 'post' },
  { url: 'https://fxtwitter.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://d.vxtwitter.com/historyinmemes/status/1790637656616943991.mp4', id: '1790637656616943991', kind: 'post' },
  { url: 'https://vxtwitter.com/BTNBrentYarina/status/705235433198714880', id: '705235433198714880', kind: 'post' },
  { url: 'https://fixupx.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://fixvx.com/historyinmemes/status/1790637656616943991', id: '1790637656616943991', kind: 'post' },
  { url: 'https://twittpr.com/starwars/status/665052190608723968', id: '665052190608723968', kind: 'post' },
  { url: 'https://twitter.com/i/broadcasts/1yNGaQLWpejGj', id: '1yNGaQLWpejGj', kind: 'broadcast' },
  { url: 'https://x.com/i/spaces/1OwxWwQOPlNxQ', id: '1OwxWwQOPlNxQ', kind: 'space' },
  { url: 'https://x.com.phish.io/user/status/1234567890123456789', id: false },
  { url: 'https://notx.com/user/status/1234567890123456789', id: false },
  { url: 'https://t.co/dBk4TzXcWq', id: false },
  { url: 'https://x.com/home', id: false },
  { url: 'https://twitter.com/starwars', id: false },
  { url: 'https://twitter.com/starwars/status/latest', id: false },
];

/** A tweet id, with the author and the media index (`/video/2`) kept as extra. */
function tweetMatch(url: URL, id: string | undefined, user?: string, index?: string): Match | null {
  if (!id || !TWEET_ID.test(id)) return null;
  const extra: Record<string, string> = {};
  if (user) extra.user = user;
  if (index && /^\d{1,2}$/.test(index)) extra.index = index;
  return matched(NAME, url, id, 'post', Object.keys(extra).length > 0 ? extra : undefined);
}

/** The `/i/…` pages: web status, bookmarks, old players, broadcasts and Spaces. */
function internalPath(url: URL, segments: string[]): Match | null {
  const [, word, a, b, c] = segments;
  switch (word) {
    case 'status':
      return tweetMatch(url, a);
    case 'web':
      return a === 'status' ? tweetMatch(url, b) : null;
    case 'bookmarks':
      return tweetMatch(url, url.searchParams.get('post_id') ?? undefined);
    case 'videos':
      return a === 'tweet' ? tweetMatch(url, b) : tweetMatch(url, a);
    case 'cards':
      return a === 'tfw' && b === 'v1' ? tweetMatch(url, c) : null;
    case 'broadcasts':
      return a && LIVE_ID.test(a) ? matched(NAME, url, a, 'broadcast') : null;
    case 'spaces':
      return a && LIVE_ID.test(a) ? matched(NAME, url, a, 'space') : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Extraction

/** The Bearer token of the x.com web app: public, the same for every visitor. */
const WEB_BEARER = 'AAAAAAAAAAAAAAAAAAAAANRILgAAAAAAnNwIzUejRCOuH5E6I8xnZz4puTs%3D1Zv7ttfk8LF81IUq16cHjhLTvJu4FA33AGWWjCpTnA';
const GUEST_ACTIVATE_URL = 'https://api.x.com/1.1/guest/activate.json';
/** The web app's query id for TweetResultByRestId; x.com rotates these now and then. */
const TWEET_QUERY_URL = 'https://api.x.com/graphql/qxWQxcMLiTPcavz9Qy5hwQ/TweetResultByRestId';
const SYNDICATION_URL = 'https://cdn.syndication.twimg.com/tweet-result';
const GUEST_TOKEN_KEY = 'twitter:guest-token';
/** Guest tokens live about three hours; renew a little before that. */
const GUEST_TOKEN_TTL_SEC = 2 * 60 * 60;
/** Error code x.com answers for an expired or unknown guest token. */
const BAD_GUEST_TOKEN = 239;
/** Error code for "No status found with that ID". */
const NO_STATUS = 144;

/** The feature switches the web app sends with TweetResultByRestId (it refuses calls missing some). */
const FEATURES = {
  payments_enabled: false,
  rweb_xchat_enabled: false,
  profile_label_improvements_pcf_label_in_post_enabled: true,
  rweb_tipjar_consumption_enabled: true,
  verified_phone_label_enabled: false,
  creator_subscriptions_tweet_preview_api_enabled: true,
  responsive_web_graphql_timeline_navigation_enabled: true,
  responsive_web_graphql_skip_user_profile_image_extensions_enabled: false,
  premium_content_api_read_enabled: false,
  communities_web_enable_tweet_community_results_fetch: true,
  c9s_tweet_anatomy_moderator_badge_enabled: true,
  responsive_web_grok_analyze_button_fetch_trends_enabled: false,
  responsive_web_grok_analyze_post_followups_enabled: true,
  responsive_web_jetfuel_frame: true,
  responsive_web_grok_share_attachment_enabled: true,
  articles_preview_enabled: true,
  responsive_web_edit_tweet_api_enabled: true,
  graphql_is_translatable_rweb_tweet_is_translatable_enabled: true,
  view_counts_everywhere_api_enabled: true,
  longform_notetweets_consumption_enabled: true,
  responsive_web_twitter_article_tweet_consumption_enabled: true,
  tweet_awards_web_tipping_enabled: false,
  responsive_web_grok_show_grok_translated_post: false,
  responsive_web_grok_analysis_button_from_backend: true,
  creator_subscriptions_quote_tweet_preview_enabled: false,
  freedom_of_speech_not_reach_fetch_enabled: true,
  standardized_nudges_misinfo: true,
  tweet_with_visibility_results_prefer_gql_limited_actions_policy_enabled: true,
  longform_notetweets_rich_text_read_enabled: true,
  longform_notetweets_inline_media_enabled: true,
  responsive_web_grok_image_annotation_enabled: true,
  responsive_web_grok_imagine_annotation_enabled: true,
  responsive_web_grok_community_note_auto_translation_is_enabled: false,
  responsive_web_enhance_cards_enabled: false,
};
const FIELD_TOGGLES = { withArticleRichContentState: true, withArticlePlainText: false, withGrokAnalyze: false, withDisallowedReplyControls: false };

/** One entry of `video_info.variants`: an mp4 rendition or the HLS master. */
interface ApiVariant {
  bitrate?: number;
  content_type?: string;
  url?: string;
}

/** A photo, video or GIF of `extended_entities.media` (GraphQL) or `mediaDetails` (syndication). */
interface ApiMedia {
  id_str?: string;
  type?: string;
  media_url_https?: string;
  ext_alt_text?: string;
  original_info?: { width?: number; height?: number };
  video_info?: { aspect_ratio?: number[]; duration_millis?: number; variants?: ApiVariant[] };
  ext_media_availability?: { status?: string; reason?: string };
}

/** A card's values: a list of {key, value} in GraphQL, a map in the syndication API. */
type ApiBindingValues = Array<{ key?: string; value?: { type?: string; string_value?: string } }> | Record<string, { type?: string; string_value?: string }>;

interface ApiCard {
  name?: string;
  binding_values?: ApiBindingValues;
}

/** `legacy` of a GraphQL tweet: the v1.1 status object. */
interface ApiTweetLegacy {
  id_str?: string;
  full_text?: string;
  created_at?: string;
  favorite_count?: number;
  possibly_sensitive?: boolean;
  entities?: { hashtags?: Array<{ text?: string }>; media?: ApiMedia[] };
  extended_entities?: { media?: ApiMedia[] };
  retweeted_status_result?: { result?: ApiTweetResult };
}

/** A GraphQL user; `core` holds the names since mid-2025, `legacy` held them before. */
interface ApiUserResult {
  rest_id?: string;
  core?: { name?: string; screen_name?: string };
  legacy?: { name?: string; screen_name?: string };
}

/** `data.tweetResult.result` of TweetResultByRestId. */
interface ApiTweetResult {
  __typename?: string;
  rest_id?: string;
  /** TweetUnavailable: NsfwLoggedOut, Protected, Suspended, NotFound, … */
  reason?: string;
  tombstone?: { text?: { text?: string } };
  /** TweetWithVisibilityResults wraps the tweet. */
  tweet?: ApiTweetResult;
  core?: { user_results?: { result?: ApiUserResult } };
  legacy?: ApiTweetLegacy;
  views?: { count?: string };
  card?: { legacy?: ApiCard };
  quoted_status_result?: { result?: ApiTweetResult };
}

interface ApiGraphqlAnswer {
  data?: { tweetResult?: { result?: ApiTweetResult } };
  errors?: Array<{ code?: number; message?: string }>;
}

/** https://cdn.syndication.twimg.com/tweet-result (fields we use). */
interface ApiSyndicationTweet {
  __typename?: string;
  id_str?: string;
  text?: string;
  created_at?: string;
  favorite_count?: number;
  possibly_sensitive?: boolean;
  user?: { name?: string; screen_name?: string };
  entities?: { hashtags?: Array<{ text?: string }> };
  mediaDetails?: ApiMedia[];
  card?: ApiCard;
  quoted_tweet?: { mediaDetails?: ApiMedia[] };
  tombstone?: { text?: { text?: string } };
}

/** What either API told us about a tweet, in one shape. */
interface Tweet {
  id: string;
  text?: string;
  timestamp?: number;
  name?: string;
  screenName?: string;
  likeCount?: number;
  viewCount?: number;
  sensitive?: boolean;
  hashtags: string[];
  media: ApiMedia[];
}

/** The logged-in session from COOKIES_FILE (auth_token + ct0 for x.com or twitter.com), if any. */
function session(ctx: ExtractContext): { cookie: string; csrf: string } | undefined {
  const jar = cookieJarFor(ctx.config);
  if (!jar) return undefined;
  for (const domain of ['x.com', 'twitter.com']) {
    const csrf = jar.get(domain, 'ct0');
    const cookie = jar.headerFor(`https://${domain}/`);
    if (jar.get(domain, 'auth_token') && csrf && cookie) return { cookie, csrf };
  }
  return undefined;
}

const API_HEADERS = {
  authorization: `Bearer ${WEB_BEARER}`,
  'x-twitter-client-language': 'en',
  'x-twitter-active-user': 'yes',
  origin: 'https://x.com',
  referer: 'https://x.com/',
};

/** A guest token from the cache, or a fresh one from guest/activate.json. */
async function guestToken(ctx: ExtractContext, renew: boolean): Promise<string> {
  if (!renew) {
    const cached = await ctx.cache?.get<string>(GUEST_TOKEN_KEY);
    if (cached) return cached;
  }
  const answer = await ctx.http.json<{ guest_token?: string }>(GUEST_ACTIVATE_URL, requestOptions(ctx, NAME, { method: 'POST', headers: API_HEADERS }));
  const token = str(answer.guest_token);
  if (!token) throw new DownloadError('fetch.failed', 'x.com did not hand out a guest token.', { platform: NAME, url: GUEST_ACTIVATE_URL });
  await ctx.cache?.set(GUEST_TOKEN_KEY, token, GUEST_TOKEN_TTL_SEC);
  return token;
}

/** One TweetResultByRestId call; the parsed answer with its HTTP status. */
async function callGraphql(id: string, ctx: ExtractContext, headers: Record<string, string>): Promise<{ status: number; body: ApiGraphqlAnswer }> {
  const res = await ctx.http.request(TWEET_QUERY_URL, requestOptions(ctx, NAME, {
    throwOnStatus: false,
    headers: { ...API_HEADERS, 'content-type': 'application/json', accept: 'application/json', ...headers },
    query: {
      variables: JSON.stringify({ tweetId: id, withCommunity: false, includePromotedContent: false, withVoice: false }),
      features: JSON.stringify(FEATURES),
      fieldToggles: JSON.stringify(FIELD_TOGGLES),
    },
  }));
  return { status: res.status, body: tryParseJson<ApiGraphqlAnswer>(await res.body.text()) ?? {} };
}

/** The tweet through GraphQL, as a guest (renewing a stale token once) or as the cookie session. */
async function graphqlTweet(id: string, ctx: ExtractContext): Promise<ApiTweetResult | undefined> {
  const login = session(ctx);
  let answer: { status: number; body: ApiGraphqlAnswer };
  if (login) {
    answer = await callGraphql(id, ctx, { cookie: login.cookie, 'x-csrf-token': login.csrf, 'x-twitter-auth-type': 'OAuth2Session' });
  } else {
    answer = await callGraphql(id, ctx, { 'x-guest-token': await guestToken(ctx, false) });
    const stale = answer.status === 401 || answer.status === 403 || answer.body.errors?.some((e) => e.code === BAD_GUEST_TOKEN);
    if (stale) answer = await callGraphql(id, ctx, { 'x-guest-token': await guestToken(ctx, true) });
  }
  const { status, body } = answer;
  const url = `https://x.com/i/status/${id}`;
  const messages = (body.errors ?? []).map((e) => e.message ?? '').join('; ');
  if (body.errors?.some((e) => e.code === NO_STATUS)) throw new DownloadError('content.not_found', undefined, { platform: NAME, url });
  if (status === 429) throw new DownloadError('fetch.rate_limited', undefined, { platform: NAME, url, status });
  if (/not authorized/i.test(messages)) throw new DownloadError('content.login_required', undefined, { platform: NAME, url, status });
  if (status >= 400 || !body.data) {
    throw new DownloadError('fetch.failed', `TweetResultByRestId answered HTTP ${status}${messages ? ` (${messages})` : ''}.`, { platform: NAME, url, status });
  }
  return body.data.tweetResult?.result;
}

/** Maps a tombstone's sentence to our code: a login wall or gone for good. */
function tombstoneError(text: string | undefined, url: string): DownloadError {
  const reason = text?.replace(/\s*Learn more\.?$/, '') || 'This post is unavailable.';
  const code = /log ?in|age-restricted|limits who can view/i.test(reason) ? 'content.login_required' : 'content.not_found';
  return new DownloadError(code, reason, { platform: NAME, url });
}

/** Maps TweetUnavailable's `reason` to our code. */
function unavailableError(reason: string | undefined, url: string): DownloadError {
  const context = { platform: NAME, url, reason };
  switch (reason) {
    case 'NsfwLoggedOut':
    case 'NsfwViewerHasNoStatedAge':
    case 'NsfwViewerIsUnderage':
      return new DownloadError('content.login_required', 'This post is marked sensitive; x.com shows it only to a logged-in account (COOKIES_FILE).', context);
    case 'Protected':
      return new DownloadError('content.login_required', 'This post is from a protected account; only an approved follower\'s session (COOKIES_FILE) can see it.', context);
    default:
      return new DownloadError('content.not_found', `x.com says the post is unavailable (${reason ?? 'no reason given'}).`, context);
  }
}

function hashtags(entities: { hashtags?: Array<{ text?: string }> } | undefined): string[] {
  return (entities?.hashtags ?? []).map((h) => str(h.text)).filter((t): t is string => !!t);
}

/** Normalises a GraphQL result (unwrapping visibility wrappers and retweets) or throws its tombstone. */
function fromGraphql(id: string, result: ApiTweetResult | undefined): Tweet {
  const url = `https://x.com/i/status/${id}`;
  if (!result) throw new DownloadError('content.not_found', undefined, { platform: NAME, url });
  let r = result.__typename === 'TweetWithVisibilityResults' && result.tweet ? result.tweet : result;
  if (r.__typename === 'TweetTombstone' || r.tombstone) throw tombstoneError(r.tombstone?.text?.text, url);
  if (r.__typename === 'TweetUnavailable') throw unavailableError(r.reason, url);
  const retweeted = r.legacy?.retweeted_status_result?.result;
  if (retweeted) r = retweeted.__typename === 'TweetWithVisibilityResults' && retweeted.tweet ? retweeted.tweet : retweeted;
  const legacy = r.legacy;
  if (!legacy) throw new DownloadError('fetch.failed', `x.com answered an unknown tweet shape (${r.__typename ?? 'no type'}).`, { platform: NAME, url }, { retriable: false });
  const user = r.core?.user_results?.result;
  const quoted = r.quoted_status_result?.result;
  const quotedLegacy = (quoted?.__typename === 'TweetWithVisibilityResults' ? quoted.tweet : quoted)?.legacy;
  const own = legacy.extended_entities?.media ?? legacy.entities?.media ?? [];
  const card = r.card?.legacy ? cardMedia(r.card.legacy) : [];
  return {
    id,
    text: str(legacy.full_text),
    timestamp: unixSeconds(legacy.created_at),
    name: str(user?.core?.name) ?? str(user?.legacy?.name),
    screenName: str(user?.core?.screen_name) ?? str(user?.legacy?.screen_name),
    likeCount: num(legacy.favorite_count),
    viewCount: num(r.views?.count),
    sensitive: legacy.possibly_sensitive,
    hashtags: hashtags(legacy.entities),
    media: own.length ? own : card.length ? card : (quotedLegacy?.extended_entities?.media ?? []),
  };
}

/** The embed API's token: the id over 1e15 times π in base 36, zeros and the point removed. */
export function syndicationToken(id: string): string {
  return ((Number(id) / 1e15) * Math.PI).toString(36).replace(/(0+|\.)/g, '');
}

/** The tweet through the syndication (embed) API. */
async function syndicationTweet(id: string, ctx: ExtractContext): Promise<Tweet> {
  const url = `https://x.com/i/status/${id}`;
  const t = await ctx.http.json<ApiSyndicationTweet>(SYNDICATION_URL, requestOptions(ctx, NAME, { query: { id, lang: 'en', token: syndicationToken(id) } }));
  if (t.__typename === 'TweetTombstone') throw tombstoneError(t.tombstone?.text?.text, url);
  if (!t.id_str && !t.__typename) throw new DownloadError('content.not_found', undefined, { platform: NAME, url });
  const own = t.mediaDetails ?? [];
  const card = t.card ? cardMedia(t.card) : [];
  return {
    id,
    text: str(t.text),
    timestamp: unixSeconds(t.created_at),
    name: str(t.user?.name),
    screenName: str(t.user?.screen_name),
    likeCount: num(t.favorite_count),
    sensitive: t.possibly_sensitive,
    hashtags: hashtags(t.entities),
    media: own.length ? own : card.length ? card : (t.quoted_tweet?.mediaDetails ?? []),
  };
}

/** Media of a `unified_card` (promoted video/image cards), which lists them apart from the tweet's own. */
function cardMedia(card: ApiCard): ApiMedia[] {
  const values = card.binding_values;
  const raw = Array.isArray(values) ? values.find((v) => v.key === 'unified_card')?.value?.string_value : values?.unified_card?.string_value;
  if (!raw) return [];
  return Object.values(tryParseJson<{ media_entities?: Record<string, ApiMedia> }>(raw)?.media_entities ?? {});
}

/** "/vid/avc1/1280x720/x.mp4" → 1280×720. */
function dimensionsInUrl(url: string): { width?: number; height?: number } {
  const m = /\/(\d{2,5})x(\d{2,5})\//.exec(url);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : {};
}

/** `pbs.twimg.com/media/ID.jpg` → `pbs.twimg.com/media/ID?format=jpg&name=orig` (the original upload). */
function photoUrl(mediaUrl: string): { url: string; container: string } {
  const m = /^(.*)\.(jpe?g|png|webp|gif)$/i.exec(mediaUrl.split('?')[0]!);
  if (!m) return { url: mediaUrl, container: 'jpg' };
  const ext = m[2]!.toLowerCase();
  return { url: `${m[1]}?format=${ext}&name=orig`, container: ext === 'jpeg' ? 'jpg' : ext };
}

/** The formats of one photo, video or GIF. */
async function mediaFormats(media: ApiMedia, ctx: ExtractContext): Promise<Format[]> {
  const width = num(media.original_info?.width);
  const height = num(media.original_info?.height);
  if (media.type === 'photo') {
    if (!media.media_url_https) return [];
    const { url, container } = photoUrl(media.media_url_https);
    return [compact<Format>({ id: 'orig', url, protocol: 'https', container, width, height, image: true })];
  }
  const gif = media.type === 'animated_gif';
  const variants = media.video_info?.variants ?? [];
  const mp4s = variants.filter((v) => v.content_type === 'video/mp4' && v.url);
  if (mp4s.length === 0) {
    const master = variants.find((v) => v.content_type === 'application/x-mpegURL' && v.url);
    return master ? hlsFormats(ctx, master.url!, { platform: NAME }) : [];
  }
  return mp4s
    .map((v) => {
      const dims = dimensionsInUrl(v.url!);
      const bitrateKbps = v.bitrate ? Math.round(v.bitrate / 1000) : undefined;
      return compact<Format>({
        id: gif ? 'gif' : `http-${bitrateKbps ?? 0}`,
        url: v.url!,
        protocol: 'https',
        container: 'mp4',
        // every mp4 x.com serves is H.264; a GIF's has no sound at all
        vcodec: /\/hevc\//.test(v.url!) ? 'hvc1' : 'avc1',
        acodec: gif ? null : 'mp4a.40.2',
        width: dims.width ?? (mp4s.length === 1 ? width : undefined),
        height: dims.height ?? (mp4s.length === 1 ? height : undefined),
        bitrateKbps,
        note: gif ? 'gif' : undefined,
      });
    })
    .sort((a, b) => (b.bitrateKbps ?? 0) - (a.bitrateKbps ?? 0));
}

/** A one-line title: the text without its trailing t.co links, cut to a readable length. */
function titleOf(tweet: Tweet): string {
  const text = (tweet.text ?? '').replace(/\s*https:\/\/t\.co\/\w+/g, '').replace(/\s+/g, ' ').trim();
  if (!text) return tweet.screenName ? `Post by @${tweet.screenName}` : `Post ${tweet.id}`;
  return text.length > 100 ? `${text.slice(0, 99).trimEnd()}…` : text;
}

/** Builds the MediaInfo: one item directly, several as entries (or only `/photo/{n}`'s one). */
async function toMediaInfo(tweet: Tweet, match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const url = `https://x.com/${tweet.screenName ?? 'i'}/status/${tweet.id}`;
  const common = compact({
    title: titleOf(tweet),
    description: tweet.text,
    uploader: tweet.name,
    uploaderId: tweet.screenName,
    timestamp: tweet.timestamp,
    likeCount: tweet.likeCount,
    viewCount: tweet.viewCount,
    tags: tweet.hashtags.length ? tweet.hashtags : undefined,
    ageLimit: tweet.sensitive ? 18 : undefined,
  });
  let media = tweet.media.filter((m) => m.ext_media_availability?.status !== 'Unavailable');
  if (media.length === 0) {
    const reason = tweet.media.find((m) => m.ext_media_availability?.reason)?.ext_media_availability?.reason;
    throw new DownloadError('content.not_found', reason ? `The post's media is unavailable (${reason}).` : 'This post has no video or photo.', { platform: NAME, url });
  }
  const index = num(match.extra?.index);
  if (index !== undefined && index >= 1 && index <= media.length) media = [media[index - 1]!];
  const limit = ctx.config.playlistLimit;
  const items = await Promise.all(
    media.slice(0, limit).map(async (m, i) =>
      compact<MediaInfo>({
        platform: NAME,
        id: media.length === 1 ? tweet.id : `${tweet.id}_${i + 1}`,
        url: media.length === 1 ? url : `${url}/${m.type === 'photo' ? 'photo' : 'video'}/${i + 1}`,
        ...common,
        ...(media.length > 1 ? { title: `${common.title} #${i + 1}` } : {}),
        durationSec: m.video_info?.duration_millis ? m.video_info.duration_millis / 1000 : undefined,
        thumbnail: str(m.media_url_https),
        formats: await mediaFormats(m, ctx),
      }),
    ),
  );
  if (items.length === 1) return { ...items[0]!, id: tweet.id, url };
  return compact<MediaInfo>({
    platform: NAME,
    id: tweet.id,
    url,
    ...common,
    thumbnail: items[0]?.thumbnail,
    formats: [],
    entries: items,
    entriesTotal: media.length > items.length ? media.length : undefined,
  });
}

/** True for failures another API may not have: anything but a verdict about the content itself. */
function worthFallback(error: unknown): boolean {
  return !isDownloadError(error) || ((error.code === 'fetch.failed' || error.code === 'fetch.rate_limited') && !error.context.aborted);
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  if (match.kind === 'broadcast' || match.kind === 'space') {
    // the platform manager hands these to the yt-dlp backend instead of giving up
    throw noNativeExtractor(NAME, match.url.href, `Twitter ${match.kind}s`);
  }
  const id = match.id!;
  let tweet: Tweet;
  try {
    tweet = fromGraphql(id, await graphqlTweet(id, ctx));
  } catch (error) {
    if (!worthFallback(error)) throw error;
    ctx.logger.warn({ platform: NAME, code: isDownloadError(error) ? error.code : 'internal' }, 'GraphQL tweet lookup failed; trying the syndication API');
    tweet = await syndicationTweet(id, ctx);
  }
  return toMediaInfo(tweet, match, ctx);
}

/** Twitter / X posts, broadcasts and Spaces. */
export const twitter: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first = '', second, third, , fifth] = segments;
    if (first === 'i') return internalPath(url, segments);
    if (first === 'statuses') return tweetMatch(url, second);
    if (!USERNAME.test(first) || (second !== 'status' && second !== 'statuses')) return null;
    // The fixer mirrors also serve `/status/{id}.mp4` and `/status/{id}/en` (a translation).
    return tweetMatch(url, third?.replace(/\.(?:mp4|jpg|png|gif)$/, ''), first, fifth);
  },

  extract,
};
