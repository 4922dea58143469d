/**
 * Stories and highlights. Instagram serves them to logged-in sessions only, so without an
 * instagram.com `sessionid` in COOKIES_FILE the answer is content.login_required before any
 * request is made.
 *
 * - A user's numeric id: GET https://www.instagram.com/api/v1/users/web_profile_info/?username={user}
 *   → data.user.id (cached for a day).
 * - The reel: GET https://i.instagram.com/api/v1/feed/reels_media/?reel_ids={user id | highlight:{id}}
 *   as the iOS app (its user agent and X-IG-App-ID) → reels_media[].items in the API shape.
 *
 * A story URL (`/stories/{user}/{id}`) gives that one item; a user's tray or a highlight gives
 * one entry per item.
 */
import type { ExtractContext, Match } from '../base.js';
import type { MediaInfo } from '../../media/types.js';
import { DownloadError, isDownloadError } from '../../utils/errors.js';
import { compact, str } from '../page.js';
import { apiMediaId, postFromApi, postToMediaInfo, type ApiMedia, type IgUser, type Site } from './media.js';
import { BASE_URL, InstagramSession, PLATFORM, parseJson } from './session.js';
import { mediaIdToShortcode } from './shortcode.js';

/** The iOS app's id and a user agent of the same app; the mobile API wants them together. */
const IOS_APP_ID = '124024574287414';
const IOS_USER_AGENT = 'Instagram 361.0.0.35.82 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 674117118)';
const USER_ID_TTL_SEC = 24 * 3600;

/** One reel of `feed/reels_media`: a user's current stories or one highlight. */
interface Reel {
  id?: string | number;
  title?: string;
  user?: IgUser;
  items?: ApiMedia[];
}

interface ReelsMediaAnswer {
  reels_media?: Reel[];
  reels?: Record<string, Reel>;
  status?: string;
}

/** Extracts a story, a user's story tray or a highlight. */
export async function extractStories(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const session = new InstagramSession(ctx);
  const id = match.id!;
  const url = storyUrl(match);
  if (!session.loggedIn) {
    throw new DownloadError('content.login_required', 'Instagram shows stories and highlights to logged-in sessions only: set COOKIES_FILE with an instagram.com sessionid.', {
      platform: PLATFORM,
      url,
    });
  }
  const user = match.extra?.user;
  const reelId = match.kind === 'highlight' ? `highlight:${id}` : await userId(session, user!, url);
  const reel = await reelsMedia(session, reelId, url);
  const items = reel.items ?? [];
  const owner = str(reel.user?.username) ?? user;
  if (match.kind === 'story') {
    const item = items.find((i) => apiMediaId(i) === id);
    if (!item) throw new DownloadError('content.not_found', 'That story has expired or was deleted.', { platform: PLATFORM, url });
    return itemInfo(item, id, url, session, reel.user);
  }
  if (items.length === 0) throw new DownloadError('content.not_found', 'There are no stories to download right now.', { platform: PLATFORM, url });
  const title = str(reel.title) ?? `Stories by @${owner}`;
  const shown = items.slice(0, ctx.config.playlistLimit);
  const entries = shown.map((item, i) => {
    const itemId = apiMediaId(item) ?? `${id}_${i + 1}`;
    const entry = itemInfo(item, itemId, owner ? `${BASE_URL}/stories/${owner}/${itemId}/` : url, session, reel.user);
    return { ...entry, title: `${title} (${i + 1}/${items.length})` };
  });
  return compact<MediaInfo>({
    platform: PLATFORM,
    id,
    url,
    title,
    uploader: str(reel.user?.full_name) ?? owner,
    uploaderId: owner,
    thumbnail: entries[0]?.thumbnail,
    formats: [],
    entries,
    entriesTotal: items.length > shown.length ? items.length : undefined,
  });
}

function storyUrl(match: Match): string {
  if (match.kind === 'highlight') return `${BASE_URL}/stories/highlights/${match.id}/`;
  if (match.kind === 'story') return `${BASE_URL}/stories/${match.extra?.user}/${match.id}/`;
  return `${BASE_URL}/stories/${match.id}/`;
}

function itemInfo(item: ApiMedia, id: string, url: string, session: InstagramSession, owner: IgUser | undefined): MediaInfo {
  const site: Site = { platform: PLATFORM, url, mediaHeaders: { Referer: `${BASE_URL}/` }, limit: session.ctx.config.playlistLimit };
  const info = postToMediaInfo(postFromApi({ ...item, user: item.user ?? owner }, safeShortcode(id), site), site);
  return { ...info, id };
}

function safeShortcode(mediaId: string): string {
  return /^\d+$/.test(mediaId) ? mediaIdToShortcode(mediaId) : mediaId;
}

/** The numeric id of `username`, which reels_media wants for a user's stories. */
async function userId(session: InstagramSession, username: string, pageUrl: string): Promise<string> {
  const key = `instagram:user-id:${username.toLowerCase()}`;
  const cached = await session.ctx.cache?.get<string>(key);
  if (cached) return cached;
  const url = `${BASE_URL}/api/v1/users/web_profile_info/`;
  const res = await session.fetch(url, { headers: await session.apiHeaders(url, pageUrl), query: { username } });
  const id = str(parseJson<{ data?: { user?: { id?: string } | null } }>(res.text)?.data?.user?.id);
  if (!id) throw new DownloadError('content.not_found', `There is no Instagram account named ${username}.`, { platform: PLATFORM, url: pageUrl });
  await session.ctx.cache?.set(key, id, USER_ID_TTL_SEC);
  return id;
}

/** One reel from the mobile API; a refused session is content.login_required. */
async function reelsMedia(session: InstagramSession, reelId: string, pageUrl: string): Promise<Reel> {
  const url = 'https://i.instagram.com/api/v1/feed/reels_media/';
  let text: string;
  try {
    ({ text } = await session.fetch(url, { headers: mobileHeaders(session, url), query: { reel_ids: reelId } }));
  } catch (error) {
    if (isDownloadError(error) && error.code === 'fetch.failed' && error.context.status === 403) {
      throw new DownloadError('content.login_required', 'Instagram refused the COOKIES_FILE session; export fresh cookies.', { platform: PLATFORM, url: pageUrl }, { cause: error });
    }
    throw error;
  }
  const answer = parseJson<ReelsMediaAnswer>(text);
  if (!answer) throw new DownloadError('fetch.failed', 'Instagram\'s reels_media answer is not JSON.', { platform: PLATFORM, url });
  const reels = [...(answer.reels_media ?? []), ...Object.values(answer.reels ?? {})];
  const reel = reels.find((r) => String(r.id) === reelId) ?? reels[0];
  if (!reel) throw new DownloadError('content.not_found', 'There is nothing to see in this story or highlight any more.', { platform: PLATFORM, url: pageUrl });
  return reel;
}

function mobileHeaders(session: InstagramSession, url: string): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': IOS_USER_AGENT,
    'x-ig-app-id': IOS_APP_ID,
    'x-ig-app-locale': 'en_US',
    'x-ig-device-locale': 'en_US',
    'x-ig-mapped-locale': 'en_US',
    'x-ig-www-claim': '0',
    'accept-language': 'en-US',
    accept: '*/*',
  };
  const cookie = session.cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  return headers;
}
