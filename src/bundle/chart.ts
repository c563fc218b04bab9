// rss.svg: RSS per iteration, without and with GC, one panel per scenario.
// A standalone SVG 1.1 document that GitHub renders inline in report.md.

export interface RssSeries {
  name: string;
  withoutGc: number[];
  withGc: number[];
}

const PANEL_WIDTH = 360;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 56, right: 16, top: 36, bottom: 40 };
const COLORS = { withoutGc: '#d1495b', withGc: '#00798c' };
const MB = 1024 * 1024;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
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

function panel(series: RssSeries, x0: number): string {
  const all = [...series.withoutGc, ...series.withGc].map((v) => v / MB);
  const n = Math.max(series.withoutGc.length, series.withGc.length);
  const yTicks = all.length ? ticks(Math.min(...all), Math.max(...all)) : [0, 1];
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1] === yMin ? yMin + 1 : yTicks[yTicks.length - 1];
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number): number => x0 + MARGIN.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (mb: number): number => MARGIN.top + plotH - ((mb - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeXml(series.name)}</text>`,
    `<rect x="${x0 + MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`,
  ];
  for (const t of yTicks) {
    const ty = y(t).toFixed(1);
    parts.push(`<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + plotW}" y1="${ty}" y2="${ty}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 + MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${t}</text>`);
  }
  for (let i = 0; i < n; i++) {
    parts.push(`<text x="${x(i).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${i + 1}</text>`);
  }
  parts.push(`<text x="${x0 + MARGIN.left + plotW / 2}" y="${PANEL_HEIGHT - 6}" text-anchor="middle">iteration</text>`);
  parts.push(`<text x="${x0 + 14}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${MARGIN.top + plotH / 2})">RSS (MB)</text>`);
  for (const key of ['withoutGc', 'withGc'] as const) {
    const points = series[key].map((v, i) => `${x(i).toFixed(1)},${y(v / MB).toFixed(1)}`).join(' ');
    if (points) parts.push(`<polyline fill="none" stroke="${COLORS[key]}" stroke-width="2" points="${points}"/>`);
  }
  return parts.join('\n');
}

export function renderRssChart(series: RssSeries[]): string {
  const width = Math.max(1, series.length) * PANEL_WIDTH;
  const height = PANEL_HEIGHT + 28;
  const legendY = PANEL_HEIGHT + 16;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...series.map((s, i) => panel(s, i * PANEL_WIDTH)),
    `<line x1="16" x2="36" y1="${legendY}" y2="${legendY}" stroke="${COLORS.withoutGc}" stroke-width="2"/>`,
    `<text x="40" y="${legendY}" dominant-baseline="middle">Without GC</text>`,
    `<line x1="126" x2="146" y1="${legendY}" y2="${legendY}" stroke="${COLORS.withGc}" stroke-width="2"/>`,
    `<text x="150" y="${legendY}" dominant-baseline="middle">With GC</text>`,
    '</svg>',
    '',
  ].join('\n');
}
