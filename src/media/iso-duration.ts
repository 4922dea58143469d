/**
 * ISO 8601 durations: the `PT1M30S` of JSON-LD and Open Graph, and the xs:duration of DASH
 * manifests. One parser, so every place that meets one agrees on what it means.
 */

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/**
 * Seconds of an ISO 8601 duration (`PT1H2M3.5S`, `P1DT2H`, `P2W`); undefined for anything
 * else, including the empty `P` and `PT` and a `T` with nothing after it.
 */
export function isoDurationSeconds(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  const m = ISO_DURATION.exec(text);
  if (!m || !m.slice(1).some(Boolean) || /T$/i.test(text)) return undefined;
  const [weeks, days, hours, minutes, seconds] = m.slice(1).map((x) => (x ? Number(x) : 0)) as [number, number, number, number, number];
  return weeks * 604_800 + days * 86_400 + hours * 3_600 + minutes * 60 + seconds;
}
