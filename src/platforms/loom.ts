/**
 * Loom (loom.com, www.loom.com). Knows:
 * - shared videos /share/{32 hex} and their titled form /share/Title-Words-{32 hex};
 * - the player /embed/{32 hex};
 * - community pages /community/{title-}{32 hex}-pg (a video page);
 * - folders /share/folder/{32 hex}[/name] (a playlist).
 * The id is always the 32-hex video or folder id, with any title prefix dropped.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'loom';
const HOSTS = ['loom.com'] as const;

/** A 32-hex id, alone or at the end of a hyphenated title. */
const SLUGGED_ID_RE = /^(?:.*-)?([\da-f]{32})$/;
const COMMUNITY_RE = /^(?:.*-)?([\da-f]{32})-pg$/;
const ID_RE = /^[\da-f]{32}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.loom.com/share/43d05f362f734614a2e81b4694a3a523', id: '43d05f362f734614a2e81b4694a3a523', kind: 'video' },
  { url: 'https://loom.com/share/c43a642f815f4378b6f80a889bb73d8d', id: 'c43a642f815f4378b6f80a889bb73d8d', kind: 'video' },
  { url: 'https://www.loom.com/share/9458bcbf79784162aa62ffb8dd66201b?sid=0a9fd0f5-6e58-4b8c-8a53-1f0b4b0b2a5c', id: '9458bcbf79784162aa62ffb8dd66201b', kind: 'video' },
  { url: 'https://WWW.LOOM.COM/share/24351eb8b317420289b158e4b7e96ff2/', id: '24351eb8b317420289b158e4b7e96ff2', kind: 'video' },
  { url: 'https://www.loom.com/share/Meet-AI-workflows-aa3d8b08bee74d05af5b42989e9f33e9', id: 'aa3d8b08bee74d05af5b42989e9f33e9', kind: 'video' },
  { url: 'https://www.loom.com/share/Unlocking-Incredible-Organizational-Velocity-with-Async-Video-4a2a8baf124c4390954dcbb46a58cfd7', id: '4a2a8baf124c4390954dcbb46a58cfd7', kind: 'video' },
  { url: 'https://www.loom.com/embed/ddcf1c1ad21f451ea7468b1e33917e4e', id: 'ddcf1c1ad21f451ea7468b1e33917e4e', kind: 'video' },
  { url: 'https://www.loom.com/embed/ddcf1c1ad21f451ea7468b1e33917e4e?hideEmbedTopBar=true&t=30', id: 'ddcf1c1ad21f451ea7468b1e33917e4e', kind: 'video' },
  { url: 'https://www.loom.com/community/e1229802a8694a09909e8ba0fbb6d073-pg', id: 'e1229802a8694a09909e8ba0fbb6d073', kind: 'video' },
  { url: 'https://www.loom.com/share/folder/997db4db046f43e5912f10dc5f817b5c', id: '997db4db046f43e5912f10dc5f817b5c', kind: 'playlist' },
  { url: 'https://www.loom.com/share/folder/bae17109a68146c7803454f2893c8cf8/Edpuzzle', id: 'bae17109a68146c7803454f2893c8cf8', kind: 'playlist' },
  { url: 'https://www.loom.com/', id: false },
  { url: 'https://www.loom.com/pricing', id: false },
  { url: 'https://www.loom.com/share/not-a-video', id: false },
  { url: 'https://loom.com.evil.net/share/43d05f362f734614a2e81b4694a3a523', id: false },
  { url: 'https://bloom.com/share/43d05f362f734614a2e81b4694a3a523', id: false },
];

/** The id captured by `re` in `segment`, if any. */
function idIn(segment: string | undefined, re: RegExp): string | null {
  return (segment && re.exec(segment)?.[1]) ?? null;
}

/** Loom shared and embedded videos and shared folders. */
export const loom: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const [section, item, folderId] = pathSegments(url);
    if (section === 'share' && item === 'folder') {
      return folderId && ID_RE.test(folderId) ? matched(NAME, url, folderId, 'playlist') : null;
    }
    let id: string | null = null;
    if (section === 'share' || section === 'embed') id = idIn(item, SLUGGED_ID_RE);
    else if (section === 'community') id = idIn(item, COMMUNITY_RE);
    return id ? matched(NAME, url, id, 'video') : null;
  },
};
