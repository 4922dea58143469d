/**
 * Snapchat (snapchat.com with www., story. and t. subdomains). Knows:
 * - Spotlight videos: /spotlight/{id} and /@{user}/spotlight/{id};
 * - public stories: story.snapchat.com/s/{id}, a snap in a profile's story
 *   /add/{user}/{snapId} or /u/{user}/{snapId}, a "timed" story /@{user}/{storyId}, and saved
 *   highlights /@{user}/highlight/{id};
 * - a profile's public story: /add/{user}, /u/{user}, /@{user} (kind channel, id the user name);
 * - share links t.snapchat.com/{x} and snapchat.com/t/{x} (resolved first).
 *
 * Extraction reads the page's Next.js data (`<script id="__NEXT_DATA__" type="application/json">`),
 * props.pageProps:
 * - Spotlight: spotlightFeed.spotlightStories[] (the requested one found by story.storyId.value;
 *   the others are recommendations) → metadata.videoMetadata {contentUrl, name, thumbnailUrl,
 *   uploadDateMs, durationMs, width, height, creator.personCreator.username}, or the top-level
 *   videoMetadata, else the story's first snap;
 * - stories and highlights: story / highlight {storyTitle, snapList[] {snapId, snapMediaType
 *   (0 image, 1 video), snapUrls {mediaUrl, mediaPreviewUrl}, timestampInSec}} → one entry per
 *   snap (or the one snap the URL names); a profile's page gives its current story, else its
 *   curated highlights.
 * Public content needs no login; a missing page (404) or an empty story is content.not_found.
 */
import { hostIs, isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError } from '../utils/errors.js';
import { absoluteUrl, compact, num, scriptById, str, tryParseJson } from './page.js';

const NAME = 'snapchat';
const HOSTS = ['snapchat.com'] as const;

const USER_RE = /^[A-Za-z][\w.-]{1,31}$/;
/** Spotlight ids are long base64url-like strings (`W7_EDlXWTBiXAEEniNoMPwAA…`). */
const SPOTLIGHT_RE = /^[\w-]{16,255}$/;
/** Story and snap ids: base64url-like, UUIDs, or `m:`/`h:`-prefixed. */
const STORY_RE = /^[\w:.-]{8,255}$/;
const SHORT_RE = /^[\w-]{4,32}$/;
/** A "timed" story right after /@{user}/: long enough never to be a section (/stories, /spotlights). */
const TIMED_STORY_RE = /^[\w-]{20,255}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA', id: 'W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA', kind: 'spotlight' },
  { url: 'https://snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYdWxucG9pZmNqAY46j0a5AY46j0YbAAAAAQ?share_id=abc', id: 'W7_EDlXWTBiXAEEniNoMPwAAYdWxucG9pZmNqAY46j0a5AY46j0YbAAAAAQ', kind: 'spotlight' },
  { url: 'https://www.snapchat.com/@djkhaled/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYcnVjYWdwcGV1AZEaIYn5AZEaIYnrAAAAAQ', id: 'W7_EDlXWTBiXAEEniNoMPwAAYcnVjYWdwcGV1AZEaIYn5AZEaIYnrAAAAAQ', kind: 'spotlight' },
  { url: 'https://story.snapchat.com/s/m:W7_EDlXWTBiXAEEniNoMPwAAYbWhlcnhqbXJ2AX7zY2v6AX7zY2vSAAAAAQ', id: 'm:W7_EDlXWTBiXAEEniNoMPwAAYbWhlcnhqbXJ2AX7zY2v6AX7zY2vSAAAAAQ', kind: 'story' },
  { url: 'https://www.snapchat.com/add/bazerkmakane/AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', id: 'AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', kind: 'story' },
  { url: 'https://www.snapchat.com/u/bazerkmakane/AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', id: 'AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE', kind: 'story' },
  { url: 'https://www.snapchat.com/@bazerkmakane/highlight/3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a', id: '3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a', kind: 'story' },
  { url: 'https://www.snapchat.com/@snackattackshow/PnJFM8uuTRWo90OsrEH5pwAAgeGZvd2RrZGxxAZ1I2NonAZ1I2NmfAAAAAA', id: 'PnJFM8uuTRWo90OsrEH5pwAAgeGZvd2RrZGxxAZ1I2NonAZ1I2NmfAAAAAA', kind: 'story' },
  { url: 'https://www.snapchat.com/add/bazerkmakane', id: 'bazerkmakane', kind: 'channel' },
  { url: 'https://WWW.SNAPCHAT.COM/add/bazerkmakane/?share_id=xyz', id: 'bazerkmakane', kind: 'channel' },
  { url: 'https://www.snapchat.com/@djkhaled', id: 'djkhaled', kind: 'channel' },
  { url: 'https://t.snapchat.com/9kHnE0Wd', id: null },
  { url: 'https://snapchat.com/t/xyZk2Lm1', id: null },
  { url: 'https://www.snapchat.com/', id: false },
  { url: 'https://www.snapchat.com/@djkhaled/spotlight', id: false },
  { url: 'https://www.snapchat.com/@djkhaled/spotlights', id: false },
  { url: 'https://www.snapchat.com/lens/8f1b2a5c3d4e4f6a9b0c1d2e3f4a5b6c', id: false },
  { url: 'https://accounts.snapchat.com/accounts/login', id: false },
  { url: 'https://snapchat.com.evil.net/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYYWtidGhudGZpAX1TKn0JAX1TKnXJAAAAAA', id: false },
  { url: 'https://notsnapchat.com/add/bazerkmakane', id: false },
];

/**
 * A profile (`add/{user}`, `u/{user}`, `@{user}`) and what follows it: the add/u forms name a
 * snap right after the user, the @ form a (long) timed-story id.
 */
function fromProfile(url: URL, user: string, rest: string[], snapAfterUser: boolean): Match | null {
  if (!USER_RE.test(user)) return null;
  const [first, second] = rest;
  if (rest.length === 0) return matched(NAME, url, user, 'channel');
  if (rest.length === 1 && (snapAfterUser ? STORY_RE : TIMED_STORY_RE).test(first!)) return matched(NAME, url, first!, 'story', { user });
  if (rest.length !== 2 || !second) return null;
  if (first === 'spotlight' && SPOTLIGHT_RE.test(second)) return matched(NAME, url, second, 'spotlight', { user });
  if (first === 'highlight' && STORY_RE.test(second)) return matched(NAME, url, second, 'story', { user, type: 'highlight' });
  return null;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const SITE = 'https://www.snapchat.com';
/** snapMediaType of a photo snap (1 is a video). */
const IMAGE_SNAP = 0;

/** Snapchat wraps many scalars as `{ "value": … }`. */
interface Wrapped<T> {
  value?: T;
}

interface Snap {
  snapIndex?: number;
  snapId?: Wrapped<string>;
  snapMediaType?: number;
  snapUrls?: { mediaUrl?: string; mediaPreviewUrl?: Wrapped<string> };
  timestampInSec?: Wrapped<string | number>;
}

/** A story, a highlight or a Spotlight's story: a titled list of snaps. */
interface Story {
  storyId?: Wrapped<string>;
  highlightId?: Wrapped<string>;
  storyTitle?: Wrapped<string>;
  thumbnailUrl?: Wrapped<string>;
  snapList?: Snap[];
}

interface VideoMetadata {
  name?: string;
  description?: string;
  thumbnailUrl?: string;
  contentUrl?: string;
  width?: number;
  height?: number;
  durationMs?: number;
  uploadDateMs?: number;
  /** -1 when hidden. */
  viewCount?: number;
  creator?: { personCreator?: { username?: string; url?: string } };
}

interface SpotlightStory {
  story?: Story;
  metadata?: {
    videoMetadata?: VideoMetadata;
    description?: string;
    hashtags?: string[];
    engagementStats?: { viewCount?: number; shareCount?: number };
  };
}

/** props.pageProps of the Next.js data (the parts we use). */
interface PageProps {
  spotlightFeed?: { spotlightStories?: SpotlightStory[] };
  videoMetadata?: VideoMetadata;
  story?: Story;
  highlight?: Story;
  curatedHighlights?: Story[];
  userProfile?: { publicProfileInfo?: { username?: string; title?: string }; userInfo?: { username?: string; displayName?: string } };
  publicUserProfile?: { username?: string };
}

interface NextData {
  props?: { pageProps?: PageProps };
}

/** The page to read: canonical for Spotlight and profiles, the page as linked for stories. */
function pageUrl(match: Match): string {
  if (match.kind === 'spotlight') return `${SITE}/spotlight/${match.id!}`;
  if (match.kind === 'channel') return `${SITE}/@${match.id!}`;
  return `https://${match.url.hostname.toLowerCase()}${match.url.pathname}`;
}

async function pageProps(ctx: ExtractContext, url: string): Promise<PageProps> {
  const html = await ctx.http.text(url, requestOptions(ctx, NAME, { headers: { accept: 'text/html,application/xhtml+xml' } }));
  const raw = scriptById(html, '__NEXT_DATA__');
  if (raw === undefined) throw new DownloadError('fetch.failed', 'The Snapchat page carries no __NEXT_DATA__.', { platform: NAME, url }, { retriable: false });
  const data = tryParseJson<NextData>(raw);
  if (data === undefined) throw new DownloadError('fetch.failed', "The Snapchat page's __NEXT_DATA__ is not JSON.", { platform: NAME, url }, { retriable: false });
  return data.props?.pageProps ?? {};
}

function seconds(value: number | string | undefined, scale = 1): number | undefined {
  const n = num(value);
  return n !== undefined && n > 0 ? n / scale : undefined;
}

/** A Spotlight video: the requested story of the feed, else the page's own videoMetadata. */
function spotlightInfo(props: PageProps, id: string, url: string): MediaInfo | undefined {
  const item = props.spotlightFeed?.spotlightStories?.find((s) => s.story?.storyId?.value === id);
  const video = item?.metadata?.videoMetadata ?? props.videoMetadata;
  const media = absoluteUrl(video?.contentUrl) ?? absoluteUrl(item?.story?.snapList?.[0]?.snapUrls?.mediaUrl);
  if (!media) return undefined;
  const views = num(item?.metadata?.engagementStats?.viewCount) ?? num(video?.viewCount);
  const hashtags = (item?.metadata?.hashtags ?? []).filter((t) => !!str(t));
  return compact<MediaInfo>({
    platform: NAME,
    id,
    url,
    title: str(video?.name) ?? str(item?.story?.storyTitle?.value) ?? 'Spotlight Snap',
    description: str(item?.metadata?.description) ?? str(video?.description),
    uploader: str(video?.creator?.personCreator?.username),
    thumbnail: absoluteUrl(video?.thumbnailUrl) ?? absoluteUrl(item?.story?.snapList?.[0]?.snapUrls?.mediaPreviewUrl?.value),
    durationSec: seconds(video?.durationMs, 1000),
    timestamp: seconds(video?.uploadDateMs, 1000),
    viewCount: views !== undefined && views >= 0 ? views : undefined,
    tags: hashtags.length ? hashtags : undefined,
    formats: [compact<Format>({ id: 'mp4', url: media, protocol: 'https', container: 'mp4', width: num(video?.width), height: num(video?.height) })],
  });
}

/** One snap of a story: a photo or a video. */
function snapInfo(snap: Snap, story: Story, user: string | undefined, url: string, index: number): MediaInfo | undefined {
  const media = absoluteUrl(snap.snapUrls?.mediaUrl);
  if (!media) return undefined;
  const image = snap.snapMediaType === IMAGE_SNAP;
  const storyId = story.highlightId?.value ?? story.storyId?.value ?? 'story';
  const title = str(story.storyTitle?.value) ?? (user ? `${user}'s story` : 'Snapchat story');
  return compact<MediaInfo>({
    platform: NAME,
    id: str(snap.snapId?.value) ?? `${storyId}-${(snap.snapIndex ?? index) + 1}`,
    url,
    title: `${title} #${(snap.snapIndex ?? index) + 1}`,
    uploader: user,
    thumbnail: absoluteUrl(snap.snapUrls?.mediaPreviewUrl?.value),
    timestamp: seconds(snap.timestampInSec?.value),
    formats: [
      image
        ? { id: 'image', url: media, protocol: 'https', container: 'jpg', image: true }
        : { id: 'video', url: media, protocol: 'https', container: 'mp4' },
    ],
  });
}

/** A story or highlight: the snap the URL names, else one entry per snap. */
function storyInfo(ctx: ExtractContext, props: PageProps, match: Match, url: string): MediaInfo | undefined {
  const user = str(props.userProfile?.publicProfileInfo?.username) ?? str(props.publicUserProfile?.username) ?? str(props.userProfile?.userInfo?.username) ?? match.extra?.user;
  const own = match.extra?.type === 'highlight' ? (props.highlight ?? props.story) : (props.story ?? props.highlight);
  const stories = own?.snapList?.length ? [own] : match.kind === 'channel' ? (props.curatedHighlights ?? []) : [];
  const snaps = stories.flatMap((story) => (story.snapList ?? []).map((snap) => ({ story, snap })));
  const named = snaps.findIndex(({ snap }) => snap.snapId?.value === match.id);
  if (named >= 0) return snapInfo(snaps[named]!.snap, snaps[named]!.story, user, url, named);
  const entries = snaps
    .slice(0, ctx.config.playlistLimit)
    .map(({ story, snap }, i) => snapInfo(snap, story, user, url, i))
    .filter((e): e is MediaInfo => !!e);
  if (entries.length === 0) return undefined;
  const first = stories[0]!;
  return compact<MediaInfo>({
    platform: NAME,
    id: match.id!,
    url,
    title: str(first.storyTitle?.value) ?? (user ? `${user}'s story` : 'Snapchat story'),
    uploader: user,
    thumbnail: absoluteUrl(first.thumbnailUrl?.value) ?? entries[0]!.thumbnail,
    formats: [],
    entries,
    entriesTotal: snaps.length > entries.length ? snaps.length : undefined,
  });
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const url = pageUrl(match);
  const props = await pageProps(ctx, url);
  const info = match.kind === 'spotlight'
    ? spotlightInfo(props, match.id!, url)
    : (storyInfo(ctx, props, match, url) ?? spotlightInfo(props, match.id!, url));
  if (!info) {
    const what = match.kind === 'channel' ? 'This profile has no public story right now.' : 'The snap was not found on its Snapchat page.';
    throw new DownloadError('content.not_found', what, { platform: NAME, url });
  }
  return info;
}

/** Snapchat Spotlight videos, public stories and profiles. */
export const snapchat: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const segments = pathSegments(url);
    const [first, second] = segments;
    if (hostIs(url.hostname, 't.snapchat.com')) {
      return segments.length === 1 && SHORT_RE.test(first!) ? matched(NAME, url, null) : null;
    }
    if (first === 't' && segments.length === 2 && SHORT_RE.test(second!)) return matched(NAME, url, null);
    if (first === 's' && segments.length === 2 && STORY_RE.test(second!)) return matched(NAME, url, second!, 'story');
    if (first === 'spotlight' && segments.length === 2 && SPOTLIGHT_RE.test(second!)) {
      return matched(NAME, url, second!, 'spotlight');
    }
    if ((first === 'add' || first === 'u') && second) return fromProfile(url, second, segments.slice(2), true);
    if (first?.startsWith('@')) return fromProfile(url, first.slice(1), segments.slice(1), false);
    return null;
  },

  extract,
};
