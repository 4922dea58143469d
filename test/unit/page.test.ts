import { describe, expect, it } from 'vitest';
import { hostName, isWebUrlOn, requestOptions } from '../../src/platforms/base.js';
import { decodeText, jsonAfter, scriptJson, tryParseJson, unixSeconds } from '../../src/platforms/page.js';
import { isoDurationSeconds } from '../../src/media/iso-duration.js';
import { uniqueFormatIds, uniqueFormats } from '../../src/platforms/unique-formats.js';
import { cookieHeader, parseCookieHeader, setCookies } from '../../src/platforms/cookie-headers.js';
import type { Format } from '../../src/media/types.js';

const format = (id: string, url = `https://cdn.example.com/${id}.mp4`, extra: Partial<Format> = {}): Format => ({ id, url, protocol: 'https', container: 'mp4', ...extra });

describe('isWebUrlOn', () => {
  it.each([
    ['https://www.example.com/video/1', true],
    ['http://example.com/', true],
    ['https://cdn.sub.example.com/x', true],
    ['https://example.com./trailing-dot', true],
    ['ftp://example.com/file', false],
    ['javascript://example.com/%0aalert(1)', false],
    ['https://example.com.evil.net/video/1', false],
    ['https://notexample.com/video/1', false],
  ])('%s → %s', (href, expected) => {
    expect(isWebUrlOn(new URL(href), ['example.com', 'exmpl.es'])).toBe(expected);
  });
});

describe('hostName', () => {
  it('lower-cases and drops the trailing dot of a fully-qualified name', () => {
    expect(hostName(new URL('https://WWW.Example.COM./a'))).toBe('www.example.com');
    expect(hostName(new URL('https://player.example.com/a'))).toBe('player.example.com');
  });
});

describe('requestOptions', () => {
  it('adds the platform and, when the extraction has one, its abort signal', () => {
    const signal = new AbortController().signal;
    expect(requestOptions({ signal }, 'vk', { headers: { referer: 'https://vk.com/' }, throwOnStatus: false })).toEqual({
      headers: { referer: 'https://vk.com/' },
      throwOnStatus: false,
      platform: 'vk',
      signal,
    });
  });

  it('leaves the signal out rather than sending an undefined one', () => {
    const options = requestOptions({}, 'loom');
    expect(options).toEqual({ platform: 'loom' });
    expect('signal' in options).toBe(false);
  });

  it('names the platform even when the options name another', () => {
    expect(requestOptions({}, 'instagram', { platform: 'other', method: 'POST' })).toEqual({ platform: 'instagram', method: 'POST' });
  });
});

describe('tryParseJson', () => {
  it('parses JSON of any kind, null included', () => {
    expect(tryParseJson<{ a: number[] }>('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(tryParseJson('"text"')).toBe('text');
    expect(tryParseJson('null')).toBeNull();
  });

  it('is undefined for an HTML block page, a cut-off body or nothing', () => {
    expect(tryParseJson('<!doctype html><title>Just a moment…</title>')).toBeUndefined();
    expect(tryParseJson('{"items":[{"id":')).toBeUndefined();
    expect(tryParseJson('')).toBeUndefined();
  });

  it('serves the script and variable readers built on it', () => {
    expect(scriptJson('<script id="__DATA__" type="application/json"> {"ok":true} </script>', '__DATA__')).toEqual({ ok: true });
    expect(scriptJson('<script id="__DATA__">{broken</script>', '__DATA__')).toBeUndefined();
    expect(jsonAfter('window.__STATE__ = {"a":"}"};', 'window.__STATE__ =')).toEqual({ a: '}' });
  });
});

describe('unixSeconds', () => {
  it.each([
    ['2024-05-15T07:08:34Z', 1715756914],
    ['2024-05-15T07:08:34.000000Z', 1715756914],
    ['2024-09-12T16:00:08.742Z', 1726156809],
    ['2024-09-12T16:00:08.250Z', 1726156808],
    ['2013-10-16T21:53:22+04:00', 1381946002],
    ['Wed May 15 07:08:34 +0000 2024', 1715756914],
    ['Mon, 02 Jan 2023 17:45:10 +0000', 1672681510],
  ])('%s → %d', (date, seconds) => {
    expect(unixSeconds(date)).toBe(seconds);
  });

  it('is undefined when the date is absent or unreadable', () => {
    expect(unixSeconds(undefined)).toBeUndefined();
    expect(unixSeconds(null)).toBeUndefined();
    expect(unixSeconds('')).toBeUndefined();
    expect(unixSeconds('yesterday')).toBeUndefined();
  });
});

describe('decodeText', () => {
  const privet1251 = Uint8Array.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]);

  it('decodes the charset the server names', () => {
    expect(decodeText(privet1251, 'windows-1251')).toBe('Привет');
    expect(decodeText(Uint8Array.from([0x63, 0x61, 0x66, 0xe9]), 'iso-8859-1')).toBe('café');
  });

  it('reads UTF-8 when no charset is named or the name is unknown', () => {
    const utf8 = new TextEncoder().encode('Привет');
    expect(decodeText(utf8, undefined)).toBe('Привет');
    expect(decodeText(utf8, 'x-no-such-charset')).toBe('Привет');
  });
});

describe('isoDurationSeconds', () => {
  it.each([
    ['PT1M30S', 90],
    ['PT2H', 7200],
    ['PT1H2M3.5S', 3723.5],
    ['PT182.207S', 182.207],
    ['P1DT0S', 86400],
    ['P1DT1S', 86401],
    ['P2W', 1_209_600],
    [' pt45s ', 45],
  ])('%j → %d s', (value, seconds) => {
    expect(isoDurationSeconds(value)).toBe(seconds);
  });

  it.each([undefined, '', 'P', 'PT', 'P1DT', '90', '1:30', 'PT1.2.3S', 'T1S'])('%j is not a duration', (value) => {
    expect(isoDurationSeconds(value)).toBeUndefined();
  });
});

describe('uniqueFormatIds', () => {
  it('keeps the first of an id and numbers the later ones', () => {
    expect(uniqueFormatIds([format('hd'), format('sd'), format('hd', 'https://b/hd.mp4'), format('hd', 'https://c/hd.mp4')]).map((f) => f.id)).toEqual(['hd', 'sd', 'hd-2', 'hd-3']);
  });

  it('never hands out an id an earlier format already has', () => {
    expect(uniqueFormatIds([format('hd'), format('hd-2'), format('hd', 'https://b/hd.mp4')]).map((f) => f.id)).toEqual(['hd', 'hd-2', 'hd-3']);
  });

  it('returns formats whose id stays as they are, and renamed ones as copies', () => {
    const first = format('hd');
    const second = format('hd', 'https://b/hd.mp4');
    const [a, b] = uniqueFormatIds([first, second]);
    expect(a).toBe(first);
    expect(b).toEqual({ ...second, id: 'hd-2' });
    expect(second.id).toBe('hd');
  });
});

describe('uniqueFormats', () => {
  it('keeps each URL once, then makes the ids unique', () => {
    const formats = [format('mp4', 'https://a/1.mp4'), format('mp4', 'https://a/1.mp4'), format('mp4', 'https://a/2.mp4')];
    expect(uniqueFormats(formats).map((f) => [f.id, f.url])).toEqual([
      ['mp4', 'https://a/1.mp4'],
      ['mp4-2', 'https://a/2.mp4'],
    ]);
  });

  it('drops by the key it is given', () => {
    const formats = [
      format('dash-v', 'https://a/m.mpd', { protocol: 'dash', manifestStreamId: 'v' }),
      format('dash-a', 'https://a/m.mpd', { protocol: 'dash', manifestStreamId: 'a' }),
      format('dash-v', 'https://a/m.mpd', { protocol: 'dash', manifestStreamId: 'v' }),
    ];
    expect(uniqueFormats(formats, (f) => `${f.url} ${f.manifestStreamId}`).map((f) => f.id)).toEqual(['dash-v', 'dash-a']);
  });
});

describe('cookie headers', () => {
  it('reads the cookies a response sets, without attributes and without the ones it clears', () => {
    const cookies = setCookies({
      'set-cookie': [
        'v1st=1fa328e4; Domain=.dailymotion.com; Path=/; Max-Age=33696000; Secure; SameSite=None',
        'ts=127121; Path=/',
        'sessionid=deleted; expires=Thu, 01 Jan 1970 00:00:00 GMT',
        'csrftoken=""; Max-Age=0',
        'empty=; Path=/',
        'no-value; Path=/',
        'ts=127122',
      ],
    });
    expect([...cookies]).toEqual([
      ['v1st', '1fa328e4'],
      ['ts', '127122'],
    ]);
  });

  it('reads a single Set-Cookie header and none at all', () => {
    expect([...setCookies({ 'set-cookie': 'csrftoken=abc; Path=/; Secure' })]).toEqual([['csrftoken', 'abc']]);
    expect(setCookies({}).size).toBe(0);
  });

  it('parses a Cookie header, keeping values that contain "="', () => {
    expect([...parseCookieHeader('a=1; tt_chain_token=x==; b=2')]).toEqual([
      ['a', '1'],
      ['tt_chain_token', 'x=='],
      ['b', '2'],
    ]);
    expect(parseCookieHeader(undefined).size).toBe(0);
  });

  it('builds a Cookie header, or none for no cookies', () => {
    expect(cookieHeader(new Map([['a', '1'], ['b', '2']]))).toBe('a=1; b=2');
    expect(cookieHeader([])).toBeUndefined();
  });
});
