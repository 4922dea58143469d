/**
 * Media captions: title, uploader and the source link as Telegram HTML. Telegram counts a
 * caption's length after parsing (what the reader sees, in UTF-16 code units) and refuses more
 * than 1024, so the visible parts are cut first — whole characters, never half an emoji — and
 * escaped afterwards, which is why an entity can never be broken by the cut.
 */

/** Telegram's caption limit, in UTF-16 code units of visible text. */
export const CAPTION_MAX_CHARS = 1024;

const ELLIPSIS = '…';

/** Escapes text for Telegram's HTML parse mode (also safe inside a double-quoted attribute). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** What a caption is made of. */
export interface CaptionParts {
  title?: string;
  uploader?: string;
  /** The source page; shown as a link named `sourceLabel`. */
  url?: string;
  sourceLabel: string;
}

/** Cuts `text` to at most `max` UTF-16 units on a character boundary, marking the cut with "…". */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - ELLIPSIS.length) break;
    out += char;
  }
  return out.trimEnd() + ELLIPSIS;
}

/** One line, without control characters or runs of spaces. */
function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The caption as Telegram HTML whose visible text fits `maxChars`: the title (bold) is cut
 * first, then the uploader; the link label always stays.
 */
export function captionHtml(parts: CaptionParts, maxChars = CAPTION_MAX_CHARS): string {
  let title = oneLine(parts.title);
  let uploader = oneLine(parts.uploader);
  const link = parts.url && /^https?:\/\//i.test(parts.url) ? parts.url : undefined;
  const label = link ? oneLine(parts.sourceLabel) : '';
  const lines = () => [title, uploader, label].filter(Boolean);
  const visible = () => lines().join('\n').length;
  if (visible() > maxChars) {
    const others = [uploader, label].filter(Boolean);
    const room = maxChars - others.join('\n').length - (others.length > 0 ? 1 : 0);
    title = cutText(title, Math.max(0, room));
  }
  if (visible() > maxChars) {
    uploader = cutText(uploader, Math.max(0, maxChars - [title, label].filter(Boolean).join('\n').length - 1));
  }
  const html: string[] = [];
  if (title) html.push(`<b>${escapeHtml(title)}</b>`);
  if (uploader) html.push(escapeHtml(uploader));
  if (link && label) html.push(`<a href="${escapeHtml(link)}">${escapeHtml(label)}</a>`);
  return html.join('\n');
}
