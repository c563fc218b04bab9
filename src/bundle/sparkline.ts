const BARS = '▁▂▃▄▅▆▇█';

/** One-line chart of a series, scaled from its minimum to its maximum; a flat series is all ▁. */
export function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return values.map((v) => BARS[span === 0 ? 0 : Math.round(((v - min) / span) * (BARS.length - 1))]).join('');
}
