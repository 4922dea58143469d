/**
 * Bluesky. URLs, offline: posts `/profile/{handle or did}/post/{rkey}` (anything after the
 * rkey, such as `/quotes`, still names the post) on bsky.app (staging. included) and the
 * main.bsky.dev development host. `at://` URIs are not http and are not matched.
 *
 * Extraction uses the public AppView, no login:
 * - https://public.api.bsky.app/xrpc/com.atproto.identity.resolveHandle?handle={handle} turns a
 *   handle into its DID (cached under "bluesky:did:{handle}").
 * - https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri=at://{did}/app.bsky.feed.post/{rkey}&depth=0
 *   answers the post view with its hydrated embed: `app.bsky.embed.video#view` (an HLS playlist
 *   on video.bsky.app), `app.bsky.embed.images#view` (fullsize images on cdn.bsky.app),
 *   `app.bsky.embed.external#view` (a Tenor GIF, or a link handed to its own platform),
 *   `app.bsky.embed.recordWithMedia#view`, and `app.bsky.embed.record#view` (a quoted post's
 *   media when the post has none of its own).
 * - A video's original upload is also offered as a blob from the author's PDS
 *   ({pds}/xrpc/com.atproto.sync.getBlob?did&cid), the PDS found in the DID document at
 *   https://plc.directory/{did} (did:plc) or https://{host}/.well-known/did.json (did:web).
 * Authors who opted out of logged-out viewing (the `!no-unauthenticated` label) are respected.
 */
import { isWebUrlOn, matched, pathSegments, requestOptions, type ExtractContext, type Match, type Platform, type UrlExample } from './base.js';
import type { Format, MediaInfo } from '../media/types.js';
import { DownloadError, errorForStatus } from '../utils/errors.js';
import { hlsFormats } from './manifests.js';
import { compact, num, str, unixSeconds } from './page.js';

const NAME = 'bluesky';
const HOSTS = ['bsky.app', 'main.bsky.dev'] as const;

/** A domain handle (`alice.bsky.social`) or a DID (`did:plc:…`, `did:web:…`). */
const ACTOR = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|did:[a-z]+:[A-Za-z0-9._:%-]+)$/;
/** Record keys: usually a 13-character TID, but the lexicon allows this wider set. */
const RKEY = /^[A-Za-z0-9._~:-]{1,512}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://bsky.app/profile/blu3blue.bsky.social/post/3l4omssdl632g', id: '3l4omssdl632g', kind: 'post' },
  { url: 'https://bsky.app/profile/bsky.app/post/3l3vgf77uco2g', id: '3l3vgf77uco2g', kind: 'post' },
  { url: 'https://bsky.app/profile/de1.pds.tentacle.expert/post/3l3w4tnezek2e', id: '3l3w4tnezek2e', kind: 'post' },
  { url: 'https://bsky.app/profile/did:plc:ia76kvnndjutgedggx2ibrem/post/3l6zrz6zyl2dr', id: '3l6zrz6zyl2dr', kind: 'post' },
  { url: 'https://bsky.app/profile/cinny.bun.how/post/3l7rdfxhyds2f?ref_src=embed', id: '3l7rdfxhyds2f', kind: 'post' },
  { url: 'https://bsky.app/profile/endshark.bsky.social/post/3jzxjkcemae2m/', id: '3jzxjkcemae2m', kind: 'post' },
  { url: 'https://bsky.app/profile/dannybhoix.bsky.social/post/3l6oe5mtr2c2j/quotes', id: '3l6oe5mtr2c2j', kind: 'post' },
  { url: 'https://BSKY.APP/profile/purpleicetea.bsky.social/post/3l7gv55dc2o2w', id: '3l7gv55dc2o2w', kind: 'post' },
  { url: 'https://main.bsky.dev/profile/souris.moe/post/3l4qhp7bcs52c', id: '3l4qhp7bcs52c', kind: 'post' },
  { url: 'https://staging.bsky.app/profile/yunayuispink.bsky.social/post/3l7gqcfes742o', id: '3l7gqcfes742o', kind: 'post' },
  { url: 'https://bsky.app.evil.io/profile/a.bsky.social/post/3kxyz', id: false },
  { url: 'https://notbsky.app/profile/a.bsky.social/post/3l4omssdl632g', id: false },
  { url: 'https://bsky.dev/profile/a.bsky.social/post/3l4omssdl632g', id: false },
  { url: 'https://bsky.app/profile/bsky.app', id: false },
  { url: 'https://bsky.app/profile/bsky.app/feed/whats-hot', id: false },
  { url: 'https://bsky.app/search?q=video', id: false },
];

// ---------------------------------------------------------------------------------------------
// Extraction

const APPVIEW = 'https://public.api.bsky.app/xrpc';
const DID_TTL_SEC = 24 * 60 * 60;
/** Labels that keep a post away from logged-out viewers, and those that mean adult content. */
const LOGIN_LABELS = new Set(['!no-unauthenticated']);
const ADULT_LABELS = new Set(['porn', 'sexual', 'nudity', 'graphic-media']);

interface ApiLabel {
  val?: string;
}

interface ApiAuthor {
  did?: string;
  handle?: string;
  displayName?: string;
  labels?: ApiLabel[];
}

interface ApiAspectRatio {
  width?: number;
  height?: number;
}

/** A blob reference inside a record: `{ $type: 'blob', ref: { $link: cid }, mimeType, size }`. */
interface ApiBlob {
  ref?: { $link?: string };
  mimeType?: string;
  size?: number;
}

/** The embed as written in the post record (`app.bsky.embed.video`, `…recordWithMedia`). */
interface ApiRecordEmbed {
  $type?: string;
  video?: ApiBlob;
  media?: ApiRecordEmbed;
}

/** The `app.bsky.feed.post` record. */
interface ApiPostRecord {
  text?: string;
  createdAt?: string;
  tags?: string[];
  facets?: Array<{ features?: Array<{ $type?: string; tag?: string }> }>;
  embed?: ApiRecordEmbed;
}

/** A quoted post inside `app.bsky.embed.record#view`. */
interface ApiViewRecord {
  $type?: string;
  uri?: string;
  author?: ApiAuthor;
  value?: ApiPostRecord;
  embeds?: ApiEmbedView[];
}

/** A hydrated embed: the union of the `#view` shapes we read. */
interface ApiEmbedView {
  $type?: string;
  /** video#view */
  cid?: string;
  playlist?: string;
  thumbnail?: string;
  alt?: string;
  aspectRatio?: ApiAspectRatio;
  /** images#view */
  images?: Array<{ thumb?: string; fullsize?: string; alt?: string; aspectRatio?: ApiAspectRatio }>;
  /** external#view */
  external?: { uri?: string; title?: string; thumb?: string };
  /** recordWithMedia#view */
  media?: ApiEmbedView;
  /** record#view holds a viewRecord; recordWithMedia#view holds a record#view around it. */
  record?: ApiViewRecord & { record?: ApiViewRecord };
}

/** `app.bsky.feed.defs#postView`. */
interface ApiPostView {
  uri?: string;
  author?: ApiAuthor;
  record?: ApiPostRecord;
  embed?: ApiEmbedView;
  likeCount?: number;
  repostCount?: number;
  indexedAt?: string;
  labels?: ApiLabel[];
}

/** getPostThread's answer; `error` with a 400 status when the post or the actor is unknown. */
interface ApiThreadAnswer {
  thread?: { $type?: string; post?: ApiPostView; notFound?: boolean; blocked?: boolean };
  error?: string;
  message?: string;
}

/** The DID document's services: where the account's PDS lives. */
interface ApiDidDocument {
  service?: Array<{ id?: string; type?: string; serviceEndpoint?: string }>;
}

/** One downloadable thing in a post. */
type MediaItem =
  | { kind: 'video'; view: ApiEmbedView; did?: string; blob?: ApiBlob }
  | { kind: 'image'; url: string; aspectRatio?: ApiAspectRatio }
  | { kind: 'gif'; url: string }
  | { kind: 'link'; url: string };

/** GETs an XRPC method, reading the body of 400 answers, which carry the `error` name. */
async function xrpc<T extends { error?: string; message?: string }>(ctx: ExtractContext, method: string, query: Record<string, string | number>, url: string): Promise<T> {
  const res = await ctx.http.request(`${APPVIEW}/${method}`, requestOptions(ctx, NAME, { query, throwOnStatus: false, headers: { accept: 'application/json' } }));
  if (res.status !== 200 && res.status !== 400) {
    await res.body.dump();
    throw errorForStatus(res.status, { platform: NAME, url });
  }
  let body: T;
  try {
    body = (await res.body.json()) as T;
  } catch {
    throw new DownloadError('fetch.failed', `${method} answered something that is not JSON.`, { platform: NAME, url }, { retriable: false });
  }
  if (res.status === 400) {
    if (body.error === 'NotFound' || /not found|resolve handle/i.test(body.message ?? '')) {
      throw new DownloadError('content.not_found', body.message ?? undefined, { platform: NAME, url });
    }
    throw new DownloadError('fetch.failed', `${method}: ${body.error ?? 'HTTP 400'} ${body.message ?? ''}`.trim(), { platform: NAME, url, status: 400 }, { retriable: false });
  }
  return body;
}

/** The DID behind the URL's actor: as it is when the URL names one, else via resolveHandle (cached). */
async function resolveDid(actor: string, ctx: ExtractContext, url: string): Promise<string> {
  if (actor.startsWith('did:')) return actor;
  const key = `bluesky:did:${actor.toLowerCase()}`;
  const cached = await ctx.cache?.get<string>(key);
  if (cached) return cached;
  const answer = await xrpc<{ did?: string; error?: string; message?: string }>(ctx, 'com.atproto.identity.resolveHandle', { handle: actor }, url);
  const did = str(answer.did);
  if (!did) throw new DownloadError('content.not_found', `The handle ${actor} does not resolve to an account.`, { platform: NAME, url });
  await ctx.cache?.set(key, did, DID_TTL_SEC);
  return did;
}

/** The account's PDS (where its blobs live), from its DID document; cached. */
async function pdsEndpoint(did: string, ctx: ExtractContext): Promise<string | undefined> {
  const key = `bluesky:pds:${did}`;
  const cached = await ctx.cache?.get<string>(key);
  if (cached) return cached;
  const docUrl = did.startsWith('did:web:') ? `https://${did.slice('did:web:'.length)}/.well-known/did.json` : `https://plc.directory/${did}`;
  const doc = await ctx.http.json<ApiDidDocument>(docUrl, requestOptions(ctx, NAME));
  const endpoint = str(doc.service?.find((s) => s.type === 'AtprotoPersonalDataServer' || s.id === '#atproto_pds')?.serviceEndpoint);
  if (endpoint) await ctx.cache?.set(key, endpoint.replace(/\/+$/, ''), DID_TTL_SEC);
  return endpoint?.replace(/\/+$/, '');
}

/** The video blob a record embed names (directly or inside recordWithMedia). */
function recordVideo(embed: ApiRecordEmbed | undefined): ApiBlob | undefined {
  return embed?.video ?? embed?.media?.video;
}

/** Tenor GIFs come as external links; their query only asks for a downscaled copy. */
function tenorGif(uri: string): string | undefined {
  try {
    const u = new URL(uri);
    if (u.hostname !== 'media.tenor.com' || !u.pathname.endsWith('.gif')) return undefined;
    return `${u.origin}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/** The media of an embed view, in order. `owner` is the post whose record and author the embed belongs to. */
function mediaOf(view: ApiEmbedView | undefined, owner: { did?: string; record?: ApiPostRecord }): MediaItem[] {
  switch (view?.$type) {
    case 'app.bsky.embed.video#view':
      return view.playlist ? [{ kind: 'video', view, ...(owner.did ? { did: owner.did } : {}), ...withBlob(recordVideo(owner.record?.embed)) }] : [];
    case 'app.bsky.embed.images#view':
      return (view.images ?? []).flatMap((i) => (i.fullsize ? [{ kind: 'image' as const, url: i.fullsize, ...(i.aspectRatio ? { aspectRatio: i.aspectRatio } : {}) }] : []));
    case 'app.bsky.embed.external#view': {
      const uri = str(view.external?.uri);
      if (!uri) return [];
      const gif = tenorGif(uri);
      return [gif ? { kind: 'gif', url: gif } : { kind: 'link', url: uri }];
    }
    case 'app.bsky.embed.recordWithMedia#view':
      return mediaOf(view.media, owner);
    case 'app.bsky.embed.record#view': {
      const quoted = view.record;
      if (quoted?.$type !== 'app.bsky.embed.record#viewRecord') return [];
      return mediaOf(quoted.embeds?.[0], { ...(quoted.author?.did ? { did: quoted.author.did } : {}), ...(quoted.value ? { record: quoted.value } : {}) });
    }
    default:
      return [];
  }
}

function withBlob(blob: ApiBlob | undefined): { blob?: ApiBlob } {
  return blob ? { blob } : {};
}

/** The container a blob's MIME type names. */
function blobContainer(mimeType: string | undefined): string {
  if (mimeType === 'video/webm') return 'webm';
  if (mimeType === 'video/quicktime') return 'mov';
  return 'mp4';
}

/** An aspectRatio is usually the real frame size; a reduced one (16×9) says nothing about resolution. */
function frameSize(ratio: ApiAspectRatio | undefined): { width?: number; height?: number } {
  const width = num(ratio?.width);
  const height = num(ratio?.height);
  return width && height && Math.min(width, height) >= 100 ? { width, height } : {};
}

/** A video's formats: the HLS variants, plus the original upload from the author's PDS when it can be found. */
async function videoFormats(item: Extract<MediaItem, { kind: 'video' }>, ctx: ExtractContext): Promise<Format[]> {
  const formats = await hlsFormats(ctx, item.view.playlist!, { platform: NAME });
  const cid = str(item.view.cid) ?? str(item.blob?.ref?.$link);
  if (!item.did || !cid) return formats;
  let pds: string | undefined;
  try {
    pds = await pdsEndpoint(item.did, ctx);
  } catch (error) {
    // the HLS variants are enough to deliver the video; the original upload is a bonus
    ctx.logger.warn({ platform: NAME, did: item.did, err: error }, 'could not find the PDS; offering the HLS variants only');
  }
  if (!pds) return formats;
  const blobUrl = new URL(`${pds}/xrpc/com.atproto.sync.getBlob`);
  blobUrl.searchParams.set('did', item.did);
  blobUrl.searchParams.set('cid', cid);
  formats.push(
    compact<Format>({
      id: 'original',
      url: blobUrl.href,
      protocol: 'https',
      container: blobContainer(item.blob?.mimeType),
      ...frameSize(item.view.aspectRatio),
      filesizeBytes: num(item.blob?.size),
      note: 'original upload',
    }),
  );
  return formats;
}

/** The formats of one item; links go to the platform that owns them. */
async function itemFormats(item: Exclude<MediaItem, { kind: 'link' }>, ctx: ExtractContext): Promise<Format[]> {
  switch (item.kind) {
    case 'video':
      return videoFormats(item, ctx);
    case 'image':
      return [compact<Format>({ id: 'fullsize', url: item.url, protocol: 'https', container: /@png$/.test(item.url) ? 'png' : 'jpg', image: true, ...frameSize(item.aspectRatio) })];
    case 'gif':
      return [{ id: 'gif', url: item.url, protocol: 'https', container: 'gif', image: true, note: 'gif' }];
  }
}

/** Hashtags from the record's `tags` and its tag facets, without duplicates. */
function tagsOf(record: ApiPostRecord | undefined): string[] {
  const facetTags = (record?.facets ?? []).flatMap((f) => (f.features ?? []).filter((x) => x.$type === 'app.bsky.richtext.facet#tag').map((x) => x.tag ?? ''));
  return [...new Set([...(record?.tags ?? []), ...facetTags].map((t) => t.trim()).filter(Boolean))];
}

function titleOf(text: string | undefined, handle: string): string {
  const line = (text ?? '').split('\n').map((l) => l.trim()).find(Boolean);
  if (!line) return `Post by @${handle}`;
  return line.length > 100 ? `${line.slice(0, 99).trimEnd()}…` : line;
}

/** The post view, or the error its thread node stands for. */
function postOf(answer: ApiThreadAnswer, url: string): ApiPostView {
  const thread = answer.thread;
  if (thread?.$type === 'app.bsky.feed.defs#blockedPost' || thread?.blocked) {
    throw new DownloadError('content.login_required', 'The author blocks the viewer of this post; it needs a logged-in session.', { platform: NAME, url });
  }
  if (!thread?.post || thread.$type === 'app.bsky.feed.defs#notFoundPost' || thread.notFound) {
    throw new DownloadError('content.not_found', undefined, { platform: NAME, url });
  }
  const labels = [...(thread.post.author?.labels ?? []), ...(thread.post.labels ?? [])].map((l) => l.val ?? '');
  if (labels.some((l) => LOGIN_LABELS.has(l))) {
    throw new DownloadError('content.login_required', 'The author shows this post to logged-in Bluesky users only.', { platform: NAME, url });
  }
  return thread.post;
}

async function extract(match: Match, ctx: ExtractContext): Promise<MediaInfo> {
  const rkey = match.id!;
  const actor = match.extra?.handle ?? '';
  const inputUrl = `https://bsky.app/profile/${actor}/post/${rkey}`;
  const did = await resolveDid(actor, ctx, inputUrl);
  const answer = await xrpc<ApiThreadAnswer>(ctx, 'app.bsky.feed.getPostThread', { uri: `at://${did}/app.bsky.feed.post/${rkey}`, depth: 0, parentHeight: 0 }, inputUrl);
  const post = postOf(answer, inputUrl);
  const handle = str(post.author?.handle) ?? actor;
  const url = `https://bsky.app/profile/${handle}/post/${rkey}`;
  const items = mediaOf(post.embed, { ...(post.author?.did ? { did: post.author.did } : {}), ...(post.record ? { record: post.record } : {}) });
  const link = items.find((i) => i.kind === 'link');
  if (items.length === 1 && link && ctx.extractUrl) return ctx.extractUrl(link.url);
  const media = items.filter((i): i is Exclude<MediaItem, { kind: 'link' }> => i.kind !== 'link');
  if (media.length === 0) throw new DownloadError('content.not_found', 'This post has no video or image.', { platform: NAME, url });

  const labels = (post.labels ?? []).map((l) => l.val ?? '');
  const tags = tagsOf(post.record);
  const common = compact({
    title: titleOf(post.record?.text, handle),
    description: str(post.record?.text),
    uploader: str(post.author?.displayName) ?? handle,
    uploaderId: handle,
    timestamp: unixSeconds(post.record?.createdAt) ?? unixSeconds(post.indexedAt),
    likeCount: num(post.likeCount),
    tags: tags.length ? tags : undefined,
    ageLimit: labels.some((l) => ADULT_LABELS.has(l)) ? 18 : undefined,
  });
  const kept = media.slice(0, ctx.config.playlistLimit);
  const entries = await Promise.all(
    kept.map(async (item, i) =>
      compact<MediaInfo>({
        platform: NAME,
        id: media.length === 1 ? rkey : `${rkey}_${i + 1}`,
        url,
        ...common,
        ...(media.length > 1 ? { title: `${common.title} #${i + 1}` } : {}),
        thumbnail: item.kind === 'video' ? str(item.view.thumbnail) : item.url,
        formats: await itemFormats(item, ctx),
      }),
    ),
  );
  if (entries.length === 1) return entries[0]!;
  return compact<MediaInfo>({
    platform: NAME,
    id: rkey,
    url,
    ...common,
    thumbnail: entries[0]?.thumbnail,
    formats: [],
    entries,
    entriesTotal: media.length > entries.length ? media.length : undefined,
  });
}

/** Bluesky posts. */
export const bluesky: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (!isWebUrlOn(url, HOSTS)) return null;
    const [first, actor, word, rkey] = pathSegments(url);
    if (first !== 'profile' || !actor || !ACTOR.test(actor) || word !== 'post' || !rkey || !RKEY.test(rkey)) return null;
    return matched(NAME, url, rkey, 'post', { handle: actor });
  },

  extract,
};
