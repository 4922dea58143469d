import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleMedia } from '../support/sample-media.js';
import { cliInfoJson, probeFile, rejectionOf, startPlatformHarness, type PlatformHarness } from '../support/platform-harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'snapchat');
const SPOTLIGHT_ID = 'W7_EDlXWTBiXAEEniNoMPwAAYcnVjYWdwcGV1AZEaIYn5AZEaIYnrAAAAAQ';
const SPOTLIGHT_PAGE = `https://www.snapchat.com/spotlight/${SPOTLIGHT_ID}`;
const SPOTLIGHT_CDN = 'https://cf-st.sc-cdn.net/d/2DJTIYbVqVWS1ZjT35f1w.850.IRZXSOY';
const PHOTO_SNAP = 'AAAAAJHqYzZmOFlQVHgxSm9PSVJGblh6RGVhAAGMlv-TSAAAAAE';
const PHOTO_CDN = 'https://cf-st.sc-cdn.net/d/Qm3VbC8xT1sYp2wK0rN5d';
const VIDEO_CDN = 'https://cf-st.sc-cdn.net/d/Zr8HkL2vW4nB6cX1yT9q0';

const run = promisify(execFile);

let h: PlatformHarness;
const read = (name: string) => readFile(join(FIXTURES, name), 'utf8');

beforeAll(async () => {
  h = await startPlatformHarness();
  const media = await makeSampleMedia(h.dir);
  const photo = join(h.dir, 'snap.jpg');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', media.mp4, '-frames:v', '1', photo]);

  h.web.html(SPOTLIGHT_PAGE, await read('spotlight.html'));
  h.web.file(SPOTLIGHT_CDN, media.mp4, 'video/mp4');
  const profile = await read('profile-story.html');
  h.web.html('https://www.snapchat.com/@bazerkmakane', profile);
  h.web.html(`https://www.snapchat.com/add/bazerkmakane/${PHOTO_SNAP}`, profile);
  // a highlight page carries the highlight under pageProps.highlight
  h.web.html(
    'https://www.snapchat.com/@bazerkmakane/highlight/3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a',
    profile.replace('"curatedHighlights":[{', '"highlight":{').replace(/\}\],"spotlightHighlights"/, '},"spotlightHighlights"'),
  );
  h.web.file(PHOTO_CDN, photo, 'image/jpeg');
  h.web.file(VIDEO_CDN, media.mp4, 'video/mp4');
  h.web.html('https://www.snapchat.com/@quietcreator', await read('profile-empty.html'));
  h.web.html('https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYaGZnZm5tcAAQ', '<!DOCTYPE html><html><body>Not Found</body></html>', 404);
  h.web.redirect('https://t.snapchat.com/9kHnE0Wd', `${SPOTLIGHT_PAGE}?share_id=Qk3xN8vR2Lw&locale=en-US`);
});

afterAll(() => h?.close());

describe('snapchat', () => {
  it('picks the requested Spotlight out of the page feed', async () => {
    const info = await h.info(`https://www.snapchat.com/@ganda0535/spotlight/${SPOTLIGHT_ID}`);
    expect(info).toMatchObject({
      platform: 'snapchat', id: SPOTLIGHT_ID, url: SPOTLIGHT_PAGE,
      title: 'Spotlight Snap', uploader: 'ganda0535',
      description: 'How he flirt her teacher🤭🤭🤩😍 #kdrama#cdrama #dramaclips #dramaspotlight',
      durationSec: 10.91, timestamp: 1722720291.307, viewCount: 1204389,
      tags: ['#dramaspotlight', '#dramaclips', '#cdrama', '#kdrama'],
      thumbnail: expect.stringMatching(/^https:\/\/cf-st\.sc-cdn\.net\/i\/ztfr6xFs0FOcFhwVczWfj\.256\.IRZXSOY\?mo=/),
    });
    expect(info.formats).toHaveLength(1);
    expect(info.formats[0]).toMatchObject({ id: 'mp4', container: 'mp4', width: 540, height: 960 });
    expect(info.formats[0]!.url.startsWith(`${SPOTLIGHT_CDN}?mo=`)).toBe(true);
  });

  it('downloads a Spotlight video', async () => {
    const result = await h.downloads.download(SPOTLIGHT_PAGE, { quality: 'best' }, { outputDir: join(h.dir, 'out-spotlight') });
    const probe = await probeFile(result.files[0]!.path);
    expect(probe.streams).toEqual(['audio', 'video']);
    expect(probe.durationSec).toBeCloseTo(2, 0);
    expect(h.web.seen(SPOTLIGHT_CDN)).toHaveLength(1);
  });

  it('follows a t.snapchat.com share link', async () => {
    const info = await h.info('https://t.snapchat.com/9kHnE0Wd');
    expect(info.id).toBe(SPOTLIGHT_ID);
  });

  it('gives the one snap a story link names, as a photo', async () => {
    const info = await h.info(`https://www.snapchat.com/add/bazerkmakane/${PHOTO_SNAP}`);
    expect(info).toMatchObject({ id: PHOTO_SNAP, uploader: 'bazerkmakane', title: 'Bazerk Makane #1', timestamp: 1731080000 });
    expect(info.entries).toBeUndefined();
    expect(info.formats).toEqual([expect.objectContaining({ id: 'image', container: 'jpg', image: true })]);
  });

  it("lists a profile's current story as entries and downloads the photo and the video", async () => {
    const info = await h.info('https://www.snapchat.com/@bazerkmakane');
    expect(info).toMatchObject({ id: 'bazerkmakane', title: 'Bazerk Makane', uploader: 'bazerkmakane', formats: [] });
    expect(info.entries!.map((e) => [e.id, e.formats[0]!.id, e.timestamp])).toEqual([
      [PHOTO_SNAP, 'image', 1731080000],
      ['AAAAAK7fXk9tQ2ZyN3dBbW1ZcWh0U2hqYmNBAAGMlw1pMAAAAAE', 'video', 1731080600],
    ]);

    const result = await h.downloads.download('https://www.snapchat.com/add/bazerkmakane', { quality: 'best' }, { outputDir: join(h.dir, 'out-story') });
    expect(result.files.map((f) => [f.kind, f.container])).toEqual([['image', 'jpg'], ['video', 'mp4']]);
    expect((await readFile(result.files[0]!.path)).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect((await probeFile(result.files[1]!.path)).streams).toEqual(['audio', 'video']);
  });

  it('reads a highlight page', async () => {
    const info = await h.info('https://www.snapchat.com/@bazerkmakane/highlight/3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a');
    expect(info).toMatchObject({ id: '3a7c5b1e-2d4f-4e8a-9b6c-1f0e2d3c4b5a', title: 'Paris 🇫🇷' });
    expect(info.entries!.map((e) => [e.id, e.title])).toEqual([['AAAAAMv2UXpHcE1Lc3Jfc0Z2bnpkVTZ4cGhBAAGLzV0p0AAAAAE', 'Paris 🇫🇷 #1']]);
  });

  it('says content.not_found for a removed Spotlight and a profile without a story', async () => {
    expect((await rejectionOf(h.info('https://www.snapchat.com/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYaGZnZm5tcAAQ'))).code).toBe('content.not_found');
    const empty = await rejectionOf(h.info('https://www.snapchat.com/@quietcreator'));
    expect(empty.code).toBe('content.not_found');
    expect(empty.message).toMatch(/no public story/);
  });
});

describe('snapchat through dlbot info --json', () => {
  it('prints the Spotlight as one complete MediaInfo line', async () => {
    const info = await cliInfoJson(h, `https://www.snapchat.com/@ganda0535/spotlight/${SPOTLIGHT_ID}`);
    expect(info).toMatchObject({
      platform: 'snapchat', id: SPOTLIGHT_ID, url: SPOTLIGHT_PAGE,
      title: 'Spotlight Snap', uploader: 'ganda0535', durationSec: 10.91, viewCount: 1204389,
    });
    expect(info.formats.map((f) => [f.id, f.protocol, f.container, f.width, f.height])).toEqual([['mp4', 'https', 'mp4', 540, 960]]);
    expect(info.formats[0]!.url.startsWith(`${SPOTLIGHT_CDN}?mo=`)).toBe(true);
  });
});
