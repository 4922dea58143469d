/**
 * Instagram (and Threads) shortcodes are the numeric media id written in base 64 with the
 * URL-safe alphabet A–Z a–z 0–9 - _, most significant digit first: `aye83DjauH` is media
 * 482584233761418119. Ids pass 2^53, so they are kept as decimal strings and computed with
 * bigint. Posts of private accounts get a longer shortcode: the public code followed by 28
 * more characters.
 */
import { DownloadError } from '../../utils/errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]));

/** Characters a private post's shortcode carries after its public code. */
export const PRIVATE_SUFFIX_LENGTH = 28;

/** True for the long shortcodes Instagram gives posts of private accounts. */
export function isPrivateShortcode(shortcode: string): boolean {
  return shortcode.length > PRIVATE_SUFFIX_LENGTH;
}

/** The media id (decimal string) a shortcode names; the private-post suffix is ignored. */
export function shortcodeToMediaId(shortcode: string): string {
  const code = isPrivateShortcode(shortcode) ? shortcode.slice(0, -PRIVATE_SUFFIX_LENGTH) : shortcode;
  if (code === '') throw new DownloadError('link.invalid', 'An empty Instagram shortcode.');
  let id = 0n;
  for (const c of code) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new DownloadError('link.invalid', `"${shortcode}" is not an Instagram shortcode.`);
    id = id * 64n + digit;
  }
  return id.toString();
}

/**
 * The shortcode of a media id. Accepts the API's `{media id}_{owner id}` form too, and a
 * bigint; a JS number would already have lost digits, so it is refused.
 */
export function mediaIdToShortcode(mediaId: string | bigint): string {
  const text = typeof mediaId === 'bigint' ? mediaId.toString() : mediaId.split('_')[0]!;
  if (!/^\d+$/.test(text)) throw new DownloadError('link.invalid', `"${String(mediaId)}" is not an Instagram media id.`);
  let id = BigInt(text);
  let out = '';
  do {
    out = ALPHABET[Number(id % 64n)]! + out;
    id /= 64n;
  } while (id > 0n);
  return out;
}
