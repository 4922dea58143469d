import { describe, expect, it } from 'vitest';
import { resourceSize } from '../../src/utils/http.js';

const res = (status: number, headers: Record<string, string>) => ({ status, headers });

describe('resourceSize', () => {
  it.each([
    ['a 200 with Content-Length', res(200, { 'content-length': '1234' }), undefined, 1234],
    ['a 200 without a length (chunked)', res(200, {}), undefined, undefined],
    ['a 200 with a junk length', res(200, { 'content-length': '12ab' }), undefined, undefined],
    ['a 206 with the total in Content-Range', res(206, { 'content-range': 'bytes 100-199/5000', 'content-length': '100' }), 100, 5000],
    ['a 206 with an unknown total, offset known', res(206, { 'content-range': 'bytes 100-199/*', 'content-length': '100' }), 100, 200],
    ['a 206 with an unknown total, offset unknown', res(206, { 'content-range': 'bytes 100-199/*', 'content-length': '100' }), undefined, undefined],
  ])('sizes %s', (_name, response, offset, expected) => {
    expect(resourceSize(response, offset)).toBe(expected);
  });
});
