import { describe, expect, it } from 'vitest';
import { parseAttributes, parseHlsPlaylist, splitCodecs, type HlsMedia } from '../../src/media/hls.js';
import { fillTemplate, parseMpd, parseXsDuration, representationSegments } from '../../src/media/dash.js';

const BASE = 'https://cdn.example.com/v/abc/master.m3u8?token=1';

describe('HLS parsing', () => {
  it('reads quoted and bare attributes', () => {
    expect(parseAttributes('BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360,NAME="a, b"')).toEqual({
      BANDWIDTH: '1280000', CODECS: 'avc1.4d401f,mp4a.40.2', RESOLUTION: '640x360', NAME: 'a, b',
    });
    expect(splitCodecs('mp4a.40.2, avc1.64001f')).toEqual({ vcodec: 'avc1.64001f', acodec: 'mp4a.40.2' });
  });

  it('turns a master playlist with a separate audio group into video-only variants plus audio renditions', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES,URI="audio/en.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="ro",NAME="Română",URI="audio/ro.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=5000000,AVERAGE-BANDWIDTH=4500000,RESOLUTION=1920x1080,FRAME-RATE=29.970,CODECS="avc1.640028,mp4a.40.2",AUDIO="aud",VIDEO-RANGE=PQ',
      '1080/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"',
      'https://other.example.com/360/index.m3u8',
    ].join('\n');
    const playlist = parseHlsPlaylist(text, BASE);
    expect(playlist.kind).toBe('master');
    if (playlist.kind !== 'master') return;
    expect(playlist.variants).toEqual([
      { id: 'hls-1080p', url: 'https://cdn.example.com/v/abc/1080/index.m3u8', protocol: 'hls', container: 'mp4', width: 1920, height: 1080, vcodec: 'avc1.640028', acodec: null, fps: 30, bitrateKbps: 4500, dynamicRange: 'HDR' },
      { id: 'hls-360p', url: 'https://other.example.com/360/index.m3u8', protocol: 'hls', container: 'mp4', width: 640, height: 360, vcodec: 'avc1.4d401e', acodec: null, bitrateKbps: 800 },
      { id: 'hls-audio-aud-en', url: 'https://cdn.example.com/v/abc/audio/en.m3u8', protocol: 'hls', container: 'm4a', vcodec: null, acodec: 'mp4a.40.2', language: 'en', defaultAudio: true, note: 'English' },
      { id: 'hls-audio-aud-ro', url: 'https://cdn.example.com/v/abc/audio/ro.m3u8', protocol: 'hls', container: 'm4a', vcodec: null, acodec: 'mp4a.40.2', language: 'ro', note: 'Română' },
    ]);
  });

  it('keeps audio in a variant whose audio group has no own playlists', () => {
    const text = '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="main",DEFAULT=YES\n#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS="avc1.4d401f,mp4a.40.2",AUDIO="a",RESOLUTION=1280x720\nv.m3u8\n';
    const playlist = parseHlsPlaylist(text, BASE);
    expect(playlist.kind === 'master' && playlist.variants).toEqual([expect.objectContaining({ acodec: 'mp4a.40.2', height: 720 })]);
  });

  it('reads segments, durations, byte ranges, the init map and AES-128 keys of a media playlist', () => {
    const text = [
      '\uFEFF#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:7',
      '#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"',
      '#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example.com/k1"',
      '#EXTINF:4.004,', '#EXT-X-BYTERANGE:1000@720', 'media.mp4',
      '#EXTINF:4.004,', '#EXT-X-BYTERANGE:500', 'media.mp4',
      '#EXT-X-KEY:METHOD=AES-128,URI="k2",IV=0x000102030405060708090a0b0c0d0e0f',
      '#EXTINF:2.5,', 'seg3.m4s',
      '#EXT-X-KEY:METHOD=NONE',
      '#EXTINF:1,', 'seg4.m4s',
      '#EXT-X-ENDLIST',
    ].join('\r\n');
    const p = parseHlsPlaylist(text, BASE) as HlsMedia;
    expect(p.kind).toBe('media');
    expect(p.endList).toBe(true);
    expect(p.encrypted).toBe(true);
    expect(p.totalDurationSec).toBe(11.508);
    expect(p.init).toEqual({ url: 'https://cdn.example.com/v/abc/init.mp4', range: { start: 0, end: 719 } });
    expect(p.segments.map((s) => [s.url.split('/').pop(), s.range])).toEqual([
      ['media.mp4', { start: 720, end: 1719 }], ['media.mp4', { start: 1720, end: 2219 }], ['seg3.m4s', undefined], ['seg4.m4s', undefined],
    ]);
    // no IV: the media sequence number, big-endian, in the last bytes
    expect(p.segments[0]!.key).toEqual({ url: 'https://keys.example.com/k1', iv: Buffer.from('00000000000000000000000000000007', 'hex') });
    expect(p.segments[1]!.key!.iv.toString('hex')).toBe('00000000000000000000000000000008');
    expect(p.segments[2]!.key).toEqual({ url: 'https://cdn.example.com/v/abc/k2', iv: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex') });
    expect(p.segments[3]!.key).toBeUndefined();
  });

  it('marks a playlist without ENDLIST as live and SAMPLE-AES as unsupported', () => {
    const live = parseHlsPlaylist('#EXTM3U\n#EXTINF:2,\na.ts\n', BASE) as HlsMedia;
    expect(live.endList).toBe(false);
    const drm = parseHlsPlaylist('#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://x"\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n', BASE) as HlsMedia;
    expect(drm.unsupportedEncryption).toBe('SAMPLE-AES');
  });

  it('refuses text that is not a playlist', () => {
    expect(() => parseHlsPlaylist('<html>', BASE)).toThrow(expect.objectContaining({ code: 'fetch.failed' }));
  });
});

const MPD_URL = 'https://cdn.example.com/dash/v1/manifest.mpd';

const templateMpd = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="static" mediaPresentationDuration="PT10.5S" minBufferTime="PT2S">
  <BaseURL>media/</BaseURL>
  <Period id="0">
    <AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <SegmentTemplate timescale="1000" duration="4000" startNumber="1" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/seg-$Number%05d$.m4s"/>
      <Representation id="v1080" codecs="avc1.640028" width="1920" height="1080" frameRate="30000/1001" bandwidth="4000000"/>
      <Representation id="v720" codecs="avc1.4d401f" width="1280" height="720" frameRate="30" bandwidth="2000000">
        <BaseURL>https://edge.example.com/720/</BaseURL>
      </Representation>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="en">
      <SegmentTemplate timescale="48000" initialization="a/init-$Bandwidth$.mp4" media="a/$Time$.m4s">
        <SegmentTimeline><S t="0" d="96000" r="2"/><S d="48000"/><S d="24000" r="-1"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="aac" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000"/>
    </AdaptationSet>
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc"/>
      <Representation id="drm" codecs="avc1.640028" width="1920" height="1080" bandwidth="4000000"/>
    </AdaptationSet>
    <AdaptationSet contentType="text" mimeType="text/vtt"><Representation id="subs" bandwidth="1"/></AdaptationSet>
  </Period>
</MPD>`;

describe('DASH parsing', () => {
  it('parses xs:duration', () => {
    expect(parseXsDuration('PT1H2M3.5S')).toBe(3723.5);
    expect(parseXsDuration('P1DT0S')).toBe(86400);
    expect(parseXsDuration('PT')).toBeUndefined();
  });

  it('fills templates, with zero padding and $$', () => {
    expect(fillTemplate('$RepresentationID$/$Number%05d$-$Time$-$Bandwidth$$$.m4s', { RepresentationID: 'v1', Number: 42, Time: 9000, Bandwidth: '800' })).toBe(
      'v1/00042-9000-800$.m4s',
    );
  });

  it('lists every clear audio/video representation as a format, skipping DRM and text tracks', () => {
    const formats = parseMpd(templateMpd, MPD_URL);
    expect(formats.map((f) => f.id)).toEqual(['dash-v1080', 'dash-v720', 'dash-aac']);
    expect(formats[0]).toEqual({
      id: 'dash-v1080', url: MPD_URL, protocol: 'dash', container: 'mp4', manifestStreamId: 'v1080',
      vcodec: 'avc1.640028', acodec: null, width: 1920, height: 1080, fps: 30, bitrateKbps: 4000, filesizeBytes: 5_250_000, filesizeApprox: true,
    });
    expect(formats[2]).toMatchObject({ vcodec: null, acodec: 'mp4a.40.2', container: 'm4a', language: 'en' });
  });

  it('counts number-template segments from the duration and inherits BaseURLs', () => {
    const { segments } = representationSegments(templateMpd, MPD_URL, 'v1080');
    expect(segments.map((s) => s.url)).toEqual([
      'https://cdn.example.com/dash/v1/media/v1080/init.mp4',
      'https://cdn.example.com/dash/v1/media/v1080/seg-00001.m4s',
      'https://cdn.example.com/dash/v1/media/v1080/seg-00002.m4s',
      'https://cdn.example.com/dash/v1/media/v1080/seg-00003.m4s',
    ]);
    expect(representationSegments(templateMpd, MPD_URL, 'v720').segments[1]!.url).toBe('https://edge.example.com/720/v720/seg-00001.m4s');
  });

  it('walks a SegmentTimeline with repeats, including r="-1" to the end of the period', () => {
    const { segments } = representationSegments(templateMpd, MPD_URL, 'aac');
    const names = segments.map((s) => s.url.split('/').pop());
    // 3 × 2 s, 1 s, then 0.5 s pieces up to 10.5 s: 7 s covered, 3.5 s left = 7 more
    expect(names).toEqual(['init-128000.mp4', '0.m4s', '96000.m4s', '192000.m4s', '288000.m4s', '336000.m4s', '360000.m4s', '384000.m4s', '408000.m4s', '432000.m4s', '456000.m4s', '480000.m4s']);
  });

  it('reads SegmentList with ranges, and a bare BaseURL as one file', () => {
    const mpd = `<MPD type="static" mediaPresentationDuration="PT4S"><Period>
      <AdaptationSet mimeType="video/mp4"><Representation id="1" codecs="avc1.4d401e" width="640" height="360" bandwidth="500000">
        <BaseURL>video.mp4</BaseURL>
        <SegmentList><Initialization sourceURL="video.mp4" range="0-799"/><SegmentURL mediaRange="800-1999"/><SegmentURL media="tail.m4s"/></SegmentList>
      </Representation></AdaptationSet>
      <AdaptationSet mimeType="audio/mp4"><Representation id="2" codecs="mp4a.40.5" bandwidth="64000"><BaseURL>https://a.example.com/audio.m4a</BaseURL><SegmentBase indexRange="0-100"/></Representation></AdaptationSet>
    </Period></MPD>`;
    expect(representationSegments(mpd, MPD_URL, '1').segments).toEqual([
      { url: 'https://cdn.example.com/dash/v1/video.mp4', range: { start: 0, end: 799 } },
      { url: 'https://cdn.example.com/dash/v1/video.mp4', range: { start: 800, end: 1999 } },
      { url: 'https://cdn.example.com/dash/v1/tail.m4s' },
    ]);
    expect(representationSegments(mpd, MPD_URL, '2')).toEqual({ segments: [], single: 'https://a.example.com/audio.m4a' });
  });

  it('refuses a live (dynamic) manifest, a DRM track and an unknown representation', () => {
    expect(() => representationSegments(templateMpd.replace('type="static"', 'type="dynamic"'), MPD_URL, 'v720')).toThrow(expect.objectContaining({ code: 'content.live' }));
    expect(() => representationSegments(templateMpd, MPD_URL, 'drm')).toThrow(expect.objectContaining({ code: 'link.unsupported' }));
    expect(() => representationSegments(templateMpd, MPD_URL, 'nope')).toThrow(expect.objectContaining({ code: 'content.not_found' }));
  });
});
