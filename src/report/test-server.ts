// The report of `leakscan test-server`: the memory per snapshot, then the
// series diff as `leakscan diff S1 … SN` shows it.

import type { TestServerResult } from '../types.js';
import { formatMB, mdEscape, mdTable, printable, style, table } from './format.js';
import { markdownDiff } from './markdown.js';
import { sparkline } from './sparkline.js';
import { renderDiff, type TerminalOptions } from './terminal.js';

/** Heap in use is the snapshot's reachable size after its GC; external memory is not in a heap snapshot. */
const MEMORY_NOTE =
  'MB: RSS of the server before each snapshot; heap used = what the snapshot holds after its full GC. External memory (Buffers, ArrayBuffers) is not in a heap snapshot and not shown.';

function memoryRows(result: TestServerResult): string[][] {
  return result.rounds.map((r) => [
    `S${r.round + 1}`,
    r.round === 0 ? `warm-up (${result.warmup} round${result.warmup === 1 ? '' : 's'})` : `round ${r.round}`,
    r.rss === null ? '–' : formatMB(r.rss),
    formatMB(r.heapUsed),
  ]);
}

const HEADER = ['Snapshot', 'After', 'RSS', 'Heap used'];

export function renderTestServer(result: TestServerResult, options: TerminalOptions): string {
  const s = style(options.color);
  const rss = result.rounds.map((r) => r.rss).filter((v): v is number => v !== null);
  const rows = memoryRows(result);
  rows.push(['', '', sparkline(rss), sparkline(result.rounds.map((r) => r.heapUsed))]);
  const lines = [
    s.bold(`test-server: ${printable(result.server)}`) + s.dim(` (pid ${result.pid})`),
    `load: ${printable(result.load)} · ${result.rounds.length - 1} rounds after ${result.warmup} warm-up · calm ${result.calmMs} ms`,
    '',
    table(HEADER, rows, ['left', 'left', 'right', 'right']),
    s.dim(MEMORY_NOTE),
    '',
  ];
  return `${lines.join('\n')}\n${renderDiff(result.diff, options)}`;
}

export function markdownTestServer(result: TestServerResult): string {
  return [
    '# leakscan test-server',
    '',
    `Server \`${mdEscape(result.server)}\`, load \`${mdEscape(result.load)}\`, ${result.rounds.length - 1} rounds after ${result.warmup} warm-up.`,
    '',
    mdTable(HEADER, memoryRows(result), ['left', 'left', 'right', 'right']),
    '',
    `<sub>${MEMORY_NOTE}</sub>`,
    '',
    markdownDiff(result.diff).replace(/^# leakscan diff/, '## The series'),
  ].join('\n');
}
