/**
 * Bluesky URLs, offline. Knows posts `/profile/{handle or did}/post/{rkey}` (anything after the
 * rkey, such as `/quotes`, still names the post) on bsky.app (staging. included) and the
 * main.bsky.dev development host. `at://` URIs are not http and are not matched.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

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

/** Bluesky posts. */
export const bluesky: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const [first, actor, word, rkey] = pathSegments(url);
    if (first !== 'profile' || !actor || !ACTOR.test(actor) || word !== 'post' || !rkey || !RKEY.test(rkey)) return null;
    return matched(NAME, url, rkey, 'post', { handle: actor });
  },
};
