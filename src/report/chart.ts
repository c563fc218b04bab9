// rss.svg: memory per iteration, without and with GC: a column of panels
// per scenario, a row per measure (RSS, then V8 heap used and external when
// given), each on its own scale: the heap and external are often a few MB
// beside an RSS of a hundred. A standalone SVG 1.1 document that GitHub
// renders inline in report.md.
import type { PassSeries } from '../types.js';

/** RSS in bytes per call of each pass; heapUsed and external likewise, when measured. */
export interface RssSeries extends PassSeries {
  name: string;
  heapUsed?: PassSeries;
  external?: PassSeries;
}

const MEASURES = [
  { key: 'rss', title: 'RSS', axis: 'RSS (MB)' },
  { key: 'heapUsed', title: 'V8 heap used', axis: 'heap used (MB)' },
  { key: 'external', title: 'external', axis: 'external (MB)' },
] as const;
type Measure = (typeof MEASURES)[number];

function seriesOf(series: RssSeries, measure: Measure): PassSeries | undefined {
  return measure.key === 'rss' ? series : series[measure.key];
}

const PANEL_WIDTH = 360;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 56, right: 16, top: 36, bottom: 40 };
const COLORS = { withoutGc: '#d1495b', withGc: '#00798c' };
const MB = 1024 * 1024;

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^k. */
function ticks(min: number, max: number, count = 4): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step / 2; v += step) out.push(Number(v.toFixed(6)));
  return out;
}

function panel(title: string, axis: string, series: PassSeries, x0: number, y0: number): string {
  const all = [...series.withoutGc, ...series.withGc].map((v) => v / MB);
  const n = Math.max(series.withoutGc.length, series.withGc.length);
  const yTicks = all.length ? ticks(Math.min(...all), Math.max(...all)) : [0, 1];
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1] === yMin ? yMin + 1 : yTicks[yTicks.length - 1];
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = y0 + MARGIN.top;
  const x = (i: number): number => x0 + MARGIN.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (mb: number): number => top + plotH - ((mb - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="${y0 + 20}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${x0 + MARGIN.left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`,
  ];
  for (const t of yTicks) {
    const ty = y(t).toFixed(1);
    parts.push(`<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + plotW}" y1="${ty}" y2="${ty}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 + MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${t}</text>`);
  }
  for (let i = 0; i < n; i++) {
    parts.push(`<text x="${x(i).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${i + 1}</text>`);
  }
  parts.push(
    `<text x="${x0 + MARGIN.left + plotW / 2}" y="${y0 + PANEL_HEIGHT - 6}" text-anchor="middle">iteration</text>`,
  );
  parts.push(
    `<text x="${x0 + 14}" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${top + plotH / 2})">${axis}</text>`,
  );
  for (const key of ['withoutGc', 'withGc'] as const) {
    const points = series[key].map((v, i) => `${x(i).toFixed(1)},${y(v / MB).toFixed(1)}`).join(' ');
    if (points) parts.push(`<polyline fill="none" stroke="${COLORS[key]}" stroke-width="2" points="${points}"/>`);
  }
  return parts.join('\n');
}

export function renderRssChart(series: RssSeries[]): string {
  const measures = MEASURES.filter((m) => series.some((s) => seriesOf(s, m)));
  const width = Math.max(1, series.length) * PANEL_WIDTH;
  const height = measures.length * PANEL_HEIGHT + 28;
  const legendY = measures.length * PANEL_HEIGHT + 16;
  const panels = measures.flatMap((m, row) =>
    series.map((s, column) => {
      const data = seriesOf(s, m) ?? { withoutGc: [], withGc: [] };
      return panel(`${s.name} — ${m.title}`, m.axis, data, column * PANEL_WIDTH, row * PANEL_HEIGHT);
    }),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...panels,
    `<line x1="16" x2="36" y1="${legendY}" y2="${legendY}" stroke="${COLORS.withoutGc}" stroke-width="2"/>`,
    `<text x="40" y="${legendY}" dominant-baseline="middle">Without GC</text>`,
    `<line x1="126" x2="146" y1="${legendY}" y2="${legendY}" stroke="${COLORS.withGc}" stroke-width="2"/>`,
    `<text x="150" y="${legendY}" dominant-baseline="middle">With GC</text>`,
    '</svg>',
    '',
  ].join('\n');
}
