// What the reporters say alike: the numeric columns of a class diff, the
// memory series of a scenario, and the diff verdict. Each reporter keeps its
// own markup (terminal, Markdown, HTML) around them.
import { sparkline } from '../bundle/sparkline.js';
import type { ClassDiff, ClassSummary, DiffResult, ScenarioResult, SourceLocation } from '../types.js';
import {
  type Align,
  formatBytes,
  formatCount,
  formatMB,
  formatSigned,
  formatSignedBytes,
  printable,
} from './format.js';
import { viaText } from './path.js';

export type NumberKind = 'count' | 'signed' | 'bytes' | 'signedBytes' | 'mb';

export interface NumberColumn<Row> {
  label: string;
  kind: NumberKind;
  /** A tooltip (HTML only). */
  title?: string;
  value: (row: Row) => number;
}

/** A number as the text reporters print a column of `kind`. */
export function formatNumber(kind: NumberKind, value: number): string {
  switch (kind) {
    case 'count':
      return formatCount(value);
    case 'signed':
      return formatSigned(value);
    case 'bytes':
      return formatBytes(value);
    case 'signedBytes':
      return formatSignedBytes(value);
    case 'mb':
      return formatMB(value);
  }
}

/** The columns of a class diff between its name and type and its suspect flag. */
export const CLASS_DIFF_NUMBERS: NumberColumn<ClassDiff>[] = [
  {
    label: '# New',
    kind: 'count',
    title: 'Objects in after whose id is not in before',
    value: (c) => c.added,
  },
  {
    label: '# Deleted',
    kind: 'count',
    title: 'Objects in before whose id is not in after',
    value: (c) => c.removed,
  },
  { label: '# Delta', kind: 'signed', value: (c) => c.added - c.removed },
  { label: 'Alloc. size', kind: 'bytes', title: 'Shallow size of the new objects', value: (c) => c.addedSize },
  { label: 'Freed size', kind: 'bytes', title: 'Shallow size of the deleted objects', value: (c) => c.removedSize },
  { label: 'Size delta', kind: 'signedBytes', value: (c) => c.addedSize - c.removedSize },
  {
    label: 'Retained (new)',
    kind: 'bytes',
    title: 'Retained size of the new objects, each byte counted once',
    value: (c) => c.retainedSize,
  },
];

/** The CLASS_DIFF_NUMBERS cells of one class, as text. */
export function classDiffNumberCells(c: ClassDiff): string[] {
  return CLASS_DIFF_NUMBERS.map((column) => formatNumber(column.kind, column.value(c)));
}

/** A scenario's memory series (bytes before each call), as table columns: without GC, then with GC. */
export const MEMORY_COLUMNS = (['withoutGc', 'withGc'] as const).flatMap((pass) =>
  (
    [
      ['rss', 'RSS'],
      ['heapUsed', 'Heap'],
      ['external', 'External'],
    ] as const
  ).map(([series, label]) => ({ pass, series, label, passLabel: pass === 'withGc' ? 'GC' : 'no GC' })),
);

/** The values of MEMORY_COLUMNS for `s`, and how many rows (iterations) the longest has. */
export function memorySeries(s: ScenarioResult): { columns: number[][]; rowCount: number } {
  const columns = MEMORY_COLUMNS.map(({ series, pass }) => s[series][pass]);
  return { columns, rowCount: Math.max(...columns.map((c) => c.length)) };
}

/** One line: how many classes look like leaks, the first three of them. */
export function diffVerdict(result: DiffResult): string {
  const suspects = result.classes.filter((c) => c.suspect);
  const growth = result.trend?.growth ?? [];
  if (suspects.length === 0 && growth.length > 0) {
    const g = growth[0];
    return `Suspected leak: ${printable(g.holder ?? g.name)} grows ${formatBytes(g.bytesPerCall)} per step${growth.length > 1 ? `, and ${growth.length - 1} more` : ''}`;
  }
  if (suspects.length === 0 && result.trend) {
    return `No suspected leak: no class rose at every step of the ${result.trend.snapshots.length} snapshots (at least ${result.thresholds.minCount} new objects).`;
  }
  if (suspects.length === 0) {
    return `No suspected leak: no class gained ${result.thresholds.minCount} or more objects that stay reachable.`;
  }
  const parts = suspects
    .slice(0, 3)
    .map(
      (c) =>
        `${printable(c.name)} ${formatSigned(c.added - c.removed)} (${formatBytes(c.retainedSize)} retained)${viaText(c)}`,
    );
  const more = suspects.length > 3 ? `, and ${suspects.length - 3} more` : '';
  return `${suspects.length} suspected leak${suspects.length === 1 ? '' : 's'}: ${parts.join('; ')}${more}`;
}

/** A table for the text reporters, before markup: header, rows of cells, alignment. */
export interface TextTable {
  header: string[];
  rows: string[][];
  align: Align[];
}

/**
 * Classes with count, self and retained size (inspect), and where each is
 * defined when any is; `name` and `location` put a cell in the reporter's markup.
 */
export function classSummaryTable(
  classes: ClassSummary[],
  name: (text: string) => string,
  location: (location: SourceLocation | null | undefined) => string,
): TextTable {
  const located = classes.some((c) => c.location);
  return {
    header: ['Class', 'Type', 'Count', 'Self size', 'Retained', ...(located ? ['Defined at'] : [])],
    rows: classes.map((c) => [
      name(c.name),
      c.type,
      formatCount(c.count),
      formatBytes(c.selfSize),
      formatBytes(c.retainedSize),
      ...(located ? [location(c.location)] : []),
    ]),
    align: ['left', 'left', 'right', 'right', 'right', ...(located ? (['left'] as const) : [])],
  };
}

/**
 * A class's new objects at each snapshot of a trend, as a sparkline, then the
 * counts and, for a class that grew at every step, its rise per step:
 * `▁▃▆█ 0 → 100 → 200 → 300, +100/step`. Empty without a series.
 */
export function seriesText(c: Pick<ClassDiff, 'series' | 'growthPerStep'>): string {
  if (!c.series) return '';
  const rise = c.growthPerStep === undefined ? '' : `, ${formatSigned(c.growthPerStep)}/step`;
  return `${sparkline(c.series)} ${c.series.map(formatCount).join(' → ')}${rise}`;
}
