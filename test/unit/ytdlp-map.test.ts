import { describe, expect, it } from 'vitest';
import { mapYtdlpInfo, platformForExtractor, ytdlpArgs, ytdlpError, ytdlpErrorCode } from '../../src/platforms/ytdlp.js';
import type { ErrorCode } from '../../src/utils/errors.js';

/** The shape `yt-dlp -J` prints for a YouTube watch page (trimmed to the fields that matter). */
const YOUTUBE = {
  id: 'dQw4w9WgXcQ',
  title: 'Rick Astley - Never Gonna Give You Up (Official Music Video)',
  channel: 'Rick Astley',
  uploader: 'Rick Astley',
  uploader_id: '@RickAstleyYT',
  channel_id: 'UCuAXFkgsw1L7xaCfnd5JJOw',
  duration: 212,
  thumbnail: 'https://i.ytimg.com/vi_webp/dQw4w9WgXcQ/maxresdefault.webp',
  thumbnails: [{ url: 'https://i.ytimg.com/vi/dQw4w9WgXcQ/default.jpg' }, { url: 'https://i.ytimg.com/vi_webp/dQw4w9WgXcQ/maxresdefault.webp' }],
  description: 'The official video for “Never Gonna Give You Up” by Rick Astley.',
  tags: ['rick astley', 'Never Gonna Give You Up', '', 42],
  upload_date: '20091025',
  view_count: 1_500_000_000,
  like_count: 17_000_000,
  age_limit: 0,
  is_live: false,
  live_status: 'not_live',
  webpage_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
  original_url: 'https://youtu.be/dQw4w9WgXcQ',
  extractor: 'youtube',
  extractor_key: 'Youtube',
  formats: [
    { format_id: 'sb0', format_note: 'storyboard', ext: 'mhtml', protocol: 'mhtml', vcodec: 'none', acodec: 'none', url: 'https://i.ytimg.com/sb/dQw4w9WgXcQ/storyboard3_L0/default.jpg' },
    {
      format_id: '140', format_note: 'medium', ext: 'm4a', protocol: 'https', acodec: 'mp4a.40.2', vcodec: 'none', tbr: 129.5,
      filesize: 3_433_514, language: 'en', language_preference: 10, url: 'https://rr1---sn.googlevideo.com/videoplayback?itag=140',
      http_headers: { 'User-Agent': 'Mozilla/5.0', Accept: '*/*' }, audio_ext: 'm4a', video_ext: 'none',
    },
    {
      format_id: '137', format_note: '1080p', ext: 'mp4', protocol: 'https', vcodec: 'avc1.640028', acodec: 'none', width: 1920, height: 1080,
      fps: 25, tbr: 2583.1, filesize_approx: 68_464_311.4, dynamic_range: 'SDR', url: 'https://rr1---sn.googlevideo.com/videoplayback?itag=137',
    },
    {
      format_id: '337', format_note: '2160p60 HDR', ext: 'webm', protocol: 'https', vcodec: 'vp09.02.51.10.01.09.16.09.00', acodec: 'none',
      width: 3840, height: 2160, fps: 60, dynamic_range: 'HDR10', url: 'https://rr1---sn.googlevideo.com/videoplayback?itag=337',
    },
    { format_id: '18', format_note: '360p', ext: 'mp4', protocol: 'https', vcodec: 'avc1.42001E', acodec: 'mp4a.40.2', width: 640, height: 360, url: 'https://rr1---sn.googlevideo.com/videoplayback?itag=18' },
    {
      format_id: '96', ext: 'mp4', protocol: 'm3u8_native', vcodec: 'avc1.640028', acodec: 'mp4a.40.2', width: 1920, height: 1080, fps: 25, tbr: 4500,
      url: 'https://manifest.googlevideo.com/api/manifest/hls_playlist/itag/96/index.m3u8', manifest_url: 'https://manifest.googlevideo.com/api/manifest/hls_variant/master.m3u8',
    },
    {
      format_id: 'dash-v1', ext: 'mp4', protocol: 'http_dash_segments', vcodec: 'avc1.4d401f', acodec: 'none', width: 1280, height: 720,
      url: 'https://cdn.example.com/v/seg/', manifest_url: 'https://cdn.example.com/v/manifest.mpd',
    },
    { format_id: 'rtmp-1', protocol: 'rtmp', url: 'rtmp://live.example.com/app/stream', ext: 'flv' },
  ],
};

describe('mapYtdlpInfo', () => {
  it('maps a YouTube-like info: metadata, platform name, and every fetchable format', () => {
    const info = mapYtdlpInfo(YOUTUBE);
    expect(info).toMatchObject({
      platform: 'youtube',
      id: 'dQw4w9WgXcQ',
      url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      title: 'Rick Astley - Never Gonna Give You Up (Official Music Video)',
      uploader: 'Rick Astley',
      uploaderId: '@RickAstleyYT',
      durationSec: 212,
      thumbnail: 'https://i.ytimg.com/vi_webp/dQw4w9WgXcQ/maxresdefault.webp',
      tags: ['rick astley', 'Never Gonna Give You Up'],
      timestamp: Date.UTC(2009, 9, 25) / 1000,
      viewCount: 1_500_000_000,
      likeCount: 17_000_000,
    });
    expect(info.live).toBeUndefined();
    expect(info.ageLimit).toBeUndefined();
    expect(info.entries).toBeUndefined();
    // storyboard (mhtml) and rtmp are not fetchable by our pipeline
    expect(info.formats.map((f) => f.id)).toEqual(['140', '137', '337', '18', '96', 'dash-v1']);
    const byId = Object.fromEntries(info.formats.map((f) => [f.id, f]));
    expect(byId['140']).toEqual({
      id: '140', url: 'https://rr1---sn.googlevideo.com/videoplayback?itag=140', protocol: 'https', container: 'm4a',
      vcodec: null, acodec: 'mp4a.40.2', bitrateKbps: 129.5, filesizeBytes: 3_433_514, language: 'en', defaultAudio: true,
      headers: { 'User-Agent': 'Mozilla/5.0', Accept: '*/*' }, note: 'medium',
    });
    expect(byId['137']).toMatchObject({ vcodec: 'avc1.640028', acodec: null, width: 1920, height: 1080, fps: 25, bitrateKbps: 2583.1,
      filesizeBytes: 68_464_311, filesizeApprox: true, dynamicRange: 'SDR', protocol: 'https', container: 'mp4' });
    expect(byId['337']).toMatchObject({ dynamicRange: 'HDR', container: 'webm', width: 3840 });
    expect(byId['18']).toMatchObject({ vcodec: 'avc1.42001E', acodec: 'mp4a.40.2' });
    expect(byId['96']).toMatchObject({ protocol: 'hls', url: 'https://manifest.googlevideo.com/api/manifest/hls_playlist/itag/96/index.m3u8' });
    expect(byId['dash-v1']).toMatchObject({ protocol: 'dash', url: 'https://cdn.example.com/v/manifest.mpd', manifestStreamId: 'v1' });
  });

  it('maps live status, age limit, music and unknown codecs', () => {
    const info = mapYtdlpInfo({
      id: '7106594312292453675', extractor_key: 'TikTok', webpage_url: 'https://www.tiktok.com/@user/video/7106594312292453675',
      live_status: 'is_live', age_limit: 18, track: 'original sound', artist: 'user', timestamp: 1654041600.7,
      formats: [
        { format_id: 'download', url: 'https://v16.tiktokcdn.com/a.mp4', ext: 'mp4', format_note: 'watermarked', protocol: 'https' },
        { format_id: 'play', url: 'https://v16.tiktokcdn.com/b.mp4', ext: 'mp4', format_note: 'Direct video, no watermark', vcodec: 'h264' },
      ],
    });
    expect(info).toMatchObject({ platform: 'tiktok', live: true, ageLimit: 18, music: { title: 'original sound', author: 'user' }, timestamp: 1654041600 });
    expect(info.formats[0]).toMatchObject({ id: 'download', watermarked: true });
    expect(info.formats[0]!.vcodec).toBeUndefined();
    expect(info.formats[0]!.acodec).toBeUndefined();
    expect(info.formats[1]!.watermarked).toBeUndefined();
    expect(info.formats[1]).toMatchObject({ protocol: 'https', vcodec: 'h264' });
  });

  it('maps a flat playlist into entries with page URLs and the total count', () => {
    const info = mapYtdlpInfo({
      _type: 'playlist',
      id: 'PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI',
      title: 'Top hits',
      uploader: 'Some Channel',
      extractor_key: 'YoutubeTab',
      webpage_url: 'https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI',
      playlist_count: 120,
      entries: [
        { _type: 'url', ie_key: 'Youtube', id: 'dQw4w9WgXcQ', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', title: 'One', duration: 212 },
        null,
        { _type: 'url', ie_key: 'Youtube', id: '9bZkp7q19f0', url: 'https://www.youtube.com/watch?v=9bZkp7q19f0', title: 'Two' },
      ],
    });
    expect(info.platform).toBe('youtube');
    expect(info.formats).toEqual([]);
    expect(info.entriesTotal).toBe(120);
    expect(info.entries).toEqual([
      { platform: 'youtube', id: 'dQw4w9WgXcQ', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', title: 'One', durationSec: 212, formats: [] },
      { platform: 'youtube', id: '9bZkp7q19f0', url: 'https://www.youtube.com/watch?v=9bZkp7q19f0', title: 'Two', formats: [] },
    ]);
  });

  it('maps a carousel whose entries carry their own formats, recursively', () => {
    const info = mapYtdlpInfo({
      _type: 'playlist', id: 'CfJ3Xv5LqYb', extractor_key: 'Instagram', webpage_url: 'https://www.instagram.com/p/CfJ3Xv5LqYb/',
      entries: [
        { id: '1', title: 'Video 1', extractor_key: 'Instagram', formats: [{ format_id: 'dash-1', url: 'https://scontent.cdninstagram.com/1.mp4', ext: 'mp4', protocol: 'https', width: 720, height: 1280 }] },
        { _type: 'playlist', id: 'nested', extractor_key: 'Instagram', entries: [{ id: '2', url: 'https://scontent.cdninstagram.com/2.mp4', ext: 'mp4' }] },
      ],
    });
    expect(info.platform).toBe('instagram');
    expect(info.entries![0]!.formats).toEqual([{ id: 'dash-1', url: 'https://scontent.cdninstagram.com/1.mp4', protocol: 'https', container: 'mp4', width: 720, height: 1280 }]);
    expect(info.entries![1]!.entries![0]!.formats).toEqual([{ id: 'mp4', url: 'https://scontent.cdninstagram.com/2.mp4', protocol: 'https', container: 'mp4' }]);
    expect(info.entriesTotal).toBeUndefined();
  });

  it('turns a single-file result (top-level url, no formats) into one format', () => {
    const info = mapYtdlpInfo({
      id: 'clip', title: 'clip', direct: true, url: 'https://media.example.com/clip.mp4', ext: 'mp4', protocol: 'https',
      webpage_url: 'https://media.example.com/clip.mp4', extractor: 'generic', extractor_key: 'Generic', filesize: 1234,
    });
    expect(info).toEqual({
      platform: 'generic', id: 'clip', url: 'https://media.example.com/clip.mp4', title: 'clip',
      formats: [{ id: 'mp4', url: 'https://media.example.com/clip.mp4', protocol: 'https', container: 'mp4', filesizeBytes: 1234 }],
    });
  });

  it('derives a stable id when yt-dlp gives none, and refuses a non-object', () => {
    const a = mapYtdlpInfo({ webpage_url: 'https://example.com/v', formats: [] });
    const b = mapYtdlpInfo({ webpage_url: 'https://example.com/v', formats: [] });
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
    expect(a.id).toBe(b.id);
    expect(() => mapYtdlpInfo([1, 2])).toThrow(expect.objectContaining({ code: 'fetch.failed' }));
  });
});

describe('platformForExtractor', () => {
  it.each([
    ['Youtube', 'youtube'], ['YoutubeTab', 'youtube'], ['TikTok', 'tiktok'], ['Twitter', 'twitter'], ['TwitterBroadcast', 'twitter'],
    ['Generic', 'generic'], ['Instagram', 'instagram'], ['Odnoklassniki', 'okru'], ['BiliBili', 'bilibili'], ['VK', 'vk'],
    ['Reddit', 'reddit'], ['TwitchVod', 'twitch'], ['Vimeo', 'vimeo'], ['Kick', 'kick'], ['Kickstarter', 'kickstarter'],
    ['PeerTube', 'peertube'], [undefined, 'generic'],
  ])('%s → %s', (key, name) => {
    expect(platformForExtractor(key)).toBe(name);
  });
});

describe('yt-dlp errors', () => {
  const table: Array<[string, ErrorCode]> = [
    ['ERROR: [youtube] abc: Private video. Sign in if you\'ve been granted access to this video', 'content.private'],
    ['ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.', 'content.age_restricted'],
    ['ERROR: [youtube] abc: This live event will begin in 3 hours.', 'content.live'],
    ['ERROR: [twitch:stream] abc: The channel is live', 'content.live'],
    ['ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found (caused by <HTTPError 404>)', 'content.not_found'],
    ['ERROR: [youtube] abc: Video unavailable', 'content.not_found'],
    ['ERROR: [instagram] abc: Unable to download JSON metadata: HTTP Error 429: Too Many Requests', 'fetch.rate_limited'],
    ['ERROR: Unsupported URL: https://example.com/nothing', 'link.unsupported'],
    ['ERROR: \'--exec=id\' is not a valid URL. Set --default-search "ytsearch" (or run  yt-dlp "ytsearch:--exec=id" ) to search YouTube', 'link.invalid'],
    ['ERROR: [youtube] abc: The uploader has not made this video available in your country', 'content.geo_blocked'],
    ['ERROR: [instagram] abc: Requested content is not available, rate-limit reached or login required. Use --cookies', 'content.login_required'],
    ['ERROR: [facebook] abc: You need to log in to access this content', 'content.login_required'],
    ['ERROR: [youtube] abc: Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies', 'content.login_required'],
    ['ERROR: [generic] Unable to download webpage: <urlopen error [Errno 111] Connection refused>', 'fetch.failed'],
    ['Traceback (most recent call last):\n  File "yt_dlp/__main__.py"\nKeyError: \'formats\'', 'fetch.failed'],
  ];
  it.each(table)('%s → %s', (stderr, code) => {
    expect(ytdlpErrorCode(stderr)).toBe(code);
  });

  it('reads ERROR: lines only, so an earlier warning does not decide the code', () => {
    expect(ytdlpErrorCode('WARNING: [youtube] Falling back to generic, login may help\nERROR: [youtube] abc: Video unavailable')).toBe('content.not_found');
  });

  it('keeps the last error line (redacted) and makes unknown failures retriable', () => {
    const e = ytdlpError('ERROR: Unable to download https://user:secret@proxy.example.com/x: Connection reset', 'https://e.com/v');
    expect(e.code).toBe('fetch.failed');
    expect(e.retriable).toBe(true);
    expect(e.context.detail).toContain('<user>:<password>@');
    expect(e.context.detail).not.toContain('secret');
    expect(ytdlpError('ERROR: Private video', 'https://e.com/v').retriable).toBe(false);
  });
});

describe('ytdlpArgs', () => {
  it('puts the URL after -- and passes proxy, cookies and the playlist limit as separate arguments', () => {
    expect(ytdlpArgs('-x https://e.com/$(id)', { proxyUrl: 'socks5://127.0.0.1:1080', cookiesFile: '/tmp/c.txt', playlistLimit: 7 })).toEqual([
      '-J', '--no-warnings', '--ignore-config', '--no-playlist', '--flat-playlist', '--playlist-end', '7',
      '--proxy', 'socks5://127.0.0.1:1080', '--cookies', '/tmp/c.txt', '--', '-x https://e.com/$(id)',
    ]);
  });
});
