/**
 * Format lists gathered from several sources (a page's tags and its JSON, two CDNs, one height
 * at two frame rates) repeat files and ids. An id names one format of a result (a download
 * reports the ids it used), so within a result no two formats may share one.
 */
import type { Format } from '../media/types.js';

/**
 * Ids made unique in list order: the first "hd" stays "hd", later ones become "hd-2", "hd-3", …,
 * never an id an earlier format already has. Formats whose id is kept are returned as they are.
 */
export function uniqueFormatIds(formats: readonly Format[]): Format[] {
  const taken = new Set<string>();
  return formats.map((f) => {
    let id = f.id;
    for (let n = 2; taken.has(id); n++) id = `${f.id}-${n}`;
    taken.add(id);
    return id === f.id ? f : { ...f, id };
  });
}

/**
 * Each file once — a later format whose `keyOf` repeats an earlier one's is dropped (by default
 * the same URL) — with ids then made unique as `uniqueFormatIds` does.
 */
export function uniqueFormats(formats: readonly Format[], keyOf: (format: Format) => string = (f) => f.url): Format[] {
  const seen = new Set<string>();
  return uniqueFormatIds(
    formats.filter((f) => {
      const key = keyOf(f);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}
