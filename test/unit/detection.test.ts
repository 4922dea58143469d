import { describe, expect, it } from 'vitest';
import { loadPlatformModules } from '../support/platform-modules.js';

const platforms = await loadPlatformModules();
const specific = platforms.filter((p) => p.name !== 'generic');

/** Lookalike and spoofed URLs that no specific platform may claim. */
const SPOOFS = [
  'https://youtube.com.evil.net/watch?v=dQw4w9WgXcQ',
  'https://evil.net/?u=youtube.com/watch?v=dQw4w9WgXcQ',
  'https://evil.net/youtube.com/watch?v=dQw4w9WgXcQ',
  'https://notyoutube.com/watch?v=dQw4w9WgXcQ',
  'https://youtube.evil.com/watch?v=dQw4w9WgXcQ',
  'https://www.tiktok.com.attacker.io/@user/video/7106594312292453675',
  'https://instagram.com@evil.net/p/CfJ3Xv5LqYb/',
  'https://evil.net#instagram.com/p/CfJ3Xv5LqYb/',
  'https://x.com.phish.io/user/status/1234567890123456789',
  'https://fakereddit.com/r/videos/comments/abc123/title/',
  'https://vimeo.com.example.org/76979871',
  'https://my-twitch.tv/videos/123456789',
  'https://bsky.app.evil.io/profile/a.bsky.social/post/3kxyz',
  'https://evilbilibili.com/video/BV1xx411c7mD',
];

/** The canonical names of DESIGN.md; the registry must have exactly these. */
const CANONICAL = [
  'youtube', 'instagram', 'tiktok', 'twitter', 'facebook', 'reddit', 'vimeo', 'dailymotion', 'twitch', 'soundcloud',
  'pinterest', 'streamable', 'bilibili', 'tumblr', 'vk', 'okru', 'rutube', 'bluesky', 'loom', 'threads', 'snapchat',
  'kick', 'linkedin', 'newgrounds', 'generic',
];

describe('platform URL tables', () => {
  it('every canonical platform has a file, and the registry lists each once', async () => {
    expect(platforms.map((p) => p.name).sort()).toEqual([...CANONICAL].sort());
    const { PLATFORMS } = await import('../../src/platforms/index.js');
    expect(PLATFORMS.map((p) => p.name)).toEqual(CANONICAL);
  });

  it('every platform has at least 8 URL forms and a lookalike that must not match', () => {
    for (const p of specific) {
      const positives = p.examples.filter((e) => e.id !== false);
      const negatives = p.examples.filter((e) => e.id === false);
      expect(positives.length, `${p.name} positive examples`).toBeGreaterThanOrEqual(8);
      expect(negatives.length, `${p.name} negative examples`).toBeGreaterThanOrEqual(1);
    }
  });

  for (const p of platforms) {
    describe(p.name, () => {
      for (const ex of p.examples) {
        it(`${ex.id === false ? 'rejects' : 'matches'} ${ex.url}`, () => {
          const m = p.match(new URL(ex.url));
          if (ex.id === false) {
            expect(m).toBeNull();
            return;
          }
          expect(m, `${p.name} should match ${ex.url}`).not.toBeNull();
          expect(m!.platform).toBe(p.name);
          expect(m!.id).toBe(ex.id);
          expect(!!m!.needsResolve).toBe(ex.id === null || !!ex.needsResolve);
          if (ex.kind) expect(m!.kind).toBe(ex.kind);
        });
      }
    });
  }

  it('no two specific platforms claim the same example URL', () => {
    for (const p of specific) {
      for (const ex of p.examples.filter((e) => e.id !== false)) {
        const claimants = specific.filter((q) => q.match(new URL(ex.url)) !== null).map((q) => q.name);
        expect(claimants, ex.url).toEqual([p.name]);
      }
    }
  });

  it.each(SPOOFS)('no specific platform claims the lookalike %s', (url) => {
    const claimants = specific.filter((q) => q.match(new URL(url)) !== null).map((q) => q.name);
    expect(claimants).toEqual([]);
  });
});
