/**
 * Threads URLs, offline. Knows posts `/@{user}/post/{code}` (also with `/media` or a query after
 * it) and the short form `/t/{code}`, on threads.net and threads.com (www. included). The code is
 * the Instagram-style shortcode of the post.
 */
import { hostIn, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'threads';
const HOSTS = ['threads.net', 'threads.com'] as const;

const CODE = /^[A-Za-z0-9_-]{5,60}$/;
const USER = /^@[A-Za-z0-9._]{1,30}$/;

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.threads.net/@zuck/post/CuWfxTLuOgs', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://threads.net/@zuck/post/CuWfxTLuOgs/', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://www.threads.com/@mosseri/post/C8H5FiCtESk?xmt=AQGz', id: 'C8H5FiCtESk', kind: 'post' },
  { url: 'https://threads.com/@natgeo/post/DA1b2c3D4e5', id: 'DA1b2c3D4e5', kind: 'post' },
  { url: 'https://www.threads.net/@zuck/post/CuWfxTLuOgs/media', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://WWW.THREADS.NET/@zuck/post/CuWfxTLuOgs', id: 'CuWfxTLuOgs', kind: 'post' },
  { url: 'https://www.threads.net/@some.user_1/post/C-_x9Yz1AbC?hl=en', id: 'C-_x9Yz1AbC', kind: 'post' },
  { url: 'https://www.threads.net/t/CuiXbGvPyJz/?igshid=NTc4MTIwNjQ2YQ==', id: 'CuiXbGvPyJz', kind: 'post' },
  { url: 'https://www.threads.com/t/CuiXbGvPyJz', id: 'CuiXbGvPyJz', kind: 'post' },
  { url: 'http://threads.net/t/CuiXbGvPyJz', id: 'CuiXbGvPyJz', kind: 'post' },
  { url: 'https://www.threads.net.evil.io/@zuck/post/CuWfxTLuOgs', id: false },
  { url: 'https://notthreads.net/@zuck/post/CuWfxTLuOgs', id: false },
  { url: 'https://www.threads.net/@zuck', id: false },
  { url: 'https://www.threads.com/search?q=video', id: false },
  { url: 'https://www.threads.net/', id: false },
];

/** Threads posts. */
export const threads: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostIn(url.hostname, HOSTS)) return null;
    const [first = '', second, third] = pathSegments(url);
    if (first === 't') return second && CODE.test(second) ? matched(NAME, url, second, 'post') : null;
    if (!USER.test(first) || second !== 'post' || !third || !CODE.test(third)) return null;
    return matched(NAME, url, third, 'post', { user: first.slice(1) });
  },
};
