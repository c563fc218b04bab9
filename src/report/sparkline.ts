const BARS = '▁▂▃▄▅▆▇█';

/** Changes below this fraction of the largest value draw flat: a few bytes on 1.7 MB are not a jump to █. */
const FLAT = 0.01;

/** One-line chart of a series, scaled from its minimum to its maximum; a flat (or nearly flat) series is all ▁. */
export function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min;
  const flat = span === 0 || span < FLAT * Math.abs(max);
  return values.map((v) => BARS[flat ? 0 : Math.round(((v - min) / span) * (BARS.length - 1))]).join('');
}
