import { describe, expect, it } from 'vitest';
import { CookieJar, parseNetscapeCookies } from '../../src/utils/cookies.js';

const FILE = [
  '# Netscape HTTP Cookie File',
  '# This is a generated file! Do not edit.',
  '',
  '.instagram.com\tTRUE\t/\tTRUE\t2000000000\tsessionid\t123%3Aabc',
  '#HttpOnly_.youtube.com\tTRUE\t/\tTRUE\t2000000000\tSID\tyt-sid',
  'www.example.com\tFALSE\t/private\tFALSE\t0\tsess\tv1',
  '.example.com\tTRUE\t/\tFALSE\t1000\told\texpired',
  'broken line',
].join('\n');

describe('cookies.txt', () => {
  it('parses cookie lines, keeps #HttpOnly_ ones and skips comments and junk', () => {
    const cookies = parseNetscapeCookies(FILE);
    expect(cookies.map((c) => c.name)).toEqual(['sessionid', 'SID', 'sess', 'old']);
    expect(cookies[0]).toEqual({ domain: 'instagram.com', includeSubdomains: true, path: '/', secure: true, expires: 2000000000, name: 'sessionid', value: '123%3Aabc' });
  });

  it('builds the Cookie header by domain, subdomain, path, scheme and expiry', () => {
    const jar = new CookieJar(parseNetscapeCookies(FILE));
    expect(jar.headerFor('https://www.instagram.com/p/x/')).toBe('sessionid=123%3Aabc');
    expect(jar.headerFor('http://www.instagram.com/p/x/')).toBeUndefined();
    expect(jar.headerFor('https://music.youtube.com/watch?v=1')).toBe('SID=yt-sid');
    expect(jar.headerFor('http://www.example.com/private/a', 1)).toBe('sess=v1; old=expired');
    expect(jar.headerFor('http://www.example.com/private/a')).toBe('sess=v1');
    expect(jar.headerFor('http://sub.www.example.com/private/a')).toBeUndefined();
    expect(jar.headerFor('https://instagram.com.evil.net/')).toBeUndefined();
    expect(jar.get('www.instagram.com', 'sessionid')).toBe('123%3Aabc');
  });
});
