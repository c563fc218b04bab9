// What the reporters say alike: the numeric columns of a class diff, the
// memory series of a scenario, and the diff verdict. Each reporter keeps its
// own markup (terminal, Markdown, HTML) around them.
import type {
  ClassDiff,
  ClassSummary,
  DetachedDomGroup,
  DiffResult,
  DuplicatedString,
  InspectResult,
  ScenarioResult,
  SourceLocation,
  YourClass,
} from '../types.js';
import {
  type Align,
  formatBytes,
  formatCount,
  formatLocation,
  formatMB,
  formatSigned,
  formatSignedBytes,
  printable,
} from './format.js';
import { edgeLabel, viaText } from './path.js';
import { sparkline } from './sparkline.js';

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

/** A page scenario's numbers after each round (PageMetrics), in the order the reporters show them. */
export const PAGE_COLUMNS = [
  { series: 'jsHeapUsed', label: 'JS heap used', kind: 'mb' },
  { series: 'domNodes', label: 'DOM nodes', kind: 'count' },
  { series: 'eventListeners', label: 'Listeners', kind: 'count' },
  { series: 'documents', label: 'Documents', kind: 'count' },
  { series: 'browserRss', label: 'Browser RSS', kind: 'mb' },
] as const;

/** The values of PAGE_COLUMNS for a page scenario's result, or null for a Node scenario's. */
export function pageSeries(s: ScenarioResult): { columns: number[][]; rowCount: number } | null {
  if (!s.page) return null;
  const page = s.page;
  // browserRss is empty where the system does not say: its column is blank.
  const columns = PAGE_COLUMNS.map(({ series }) => page[series] ?? []);
  return { columns, rowCount: Math.max(0, ...columns.map((c) => c.length)) };
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

/** inspect's duplicated strings: count, wasted bytes, length; `value` puts the string in the reporter's markup. */
export function duplicatedStringsTable(strings: DuplicatedString[], value: (text: string) => string): TextTable {
  return {
    header: ['Count', 'Wasted', 'Length', 'Value'],
    rows: strings.map((d) => [formatCount(d.count), formatBytes(d.wastedSize), formatCount(d.length), value(d.value)]),
    align: ['right', 'right', 'right', 'left'],
  };
}

/** "275 detached DOM elements in 55 trees, 250 of them new" (for the whole view; the groups listed may be fewer). */
export function detachedDomSummary(groups: readonly DetachedDomGroup[]): string {
  if (groups.length === 0) return 'No detached DOM elements are reachable.';
  const elements = groups.reduce((sum, g) => sum + g.elements, 0);
  const trees = groups.reduce((sum, g) => sum + g.trees, 0);
  const added = groups.some((g) => g.added !== undefined)
    ? `, ${formatCount(groups.reduce((sum, g) => sum + (g.added ?? 0), 0))} of them new`
    : '';
  const count = groups.reduce((sum, g) => sum + Math.max(1, g.keepers), 0);
  const keepers = count === 1 ? 'one object' : `${formatCount(count)} objects`;
  return `${formatCount(elements)} detached DOM element${elements === 1 ? '' : 's'} in ${formatCount(trees)} tree${trees === 1 ? '' : 's'}${added}, kept by ${keepers}`;
}

/** Who keeps a group's trees: "closedDialogs (Array @34899)", "onScroll @512 and 59 more like it", or Chrome itself. Printable text. */
export function keeperText(group: DetachedDomGroup): string {
  const k = group.keeper;
  if (!k) return "(only Chrome's own objects)";
  const more = group.keepers > 1 ? ` and ${formatCount(group.keepers - 1)} more like it` : '';
  const object = `${k.name} @${k.nodeId}${more}`;
  return printable(k.edge ? `${edgeLabel(k.edge).replace(/^\./, '')} (${object})` : object);
}

/**
 * The detached-DOM view (DevTools' "Detached elements"): per keeper, its
 * elements, new ones (diff), trees, their retained size and a sample tree
 * root; `name` and `location` put a cell in the reporter's markup.
 */
export function detachedDomTable(
  groups: readonly DetachedDomGroup[],
  name: (text: string) => string,
  location: (location: SourceLocation | null | undefined) => string,
): TextTable {
  const diff = groups.some((g) => g.added !== undefined);
  const located = groups.some((g) => g.keeper?.location);
  return {
    header: [
      'Kept by',
      'Elements',
      ...(diff ? ['# New'] : []),
      'Trees',
      'Retained',
      'Sample',
      ...(located ? ['Defined at'] : []),
    ],
    rows: groups.map((g) => [
      name(keeperText(g)),
      formatCount(g.elements),
      ...(diff ? [formatCount(g.added ?? 0)] : []),
      formatCount(g.trees),
      formatBytes(g.retainedSize),
      name(printable(`${g.sample.name} @${g.sample.nodeId}`)),
      ...(located ? [location(g.keeper?.location)] : []),
    ]),
    align: [
      'left',
      'right',
      ...(diff ? (['right'] as const) : []),
      'right',
      'right',
      'left',
      ...(located ? (['left'] as const) : []),
    ],
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

/** inspect's line for a class of the user's: "420 ParsedRecord (dict.cjs:3), 85.5 KB retained, held in parsedById". Printable. */
export function yourClassText(c: YourClass): string {
  const where = formatLocation(c.location);
  const head = `${formatCount(c.count)} ${c.name}${where ? ` (${where})` : ''}, ${formatBytes(c.retainedSize)} retained`;
  if (!c.holder) return printable(head);
  const of = c.held < c.count ? `${formatCount(c.held)} of them ` : '';
  return printable(`${head}, ${of}held in ${c.holder}`);
}

/** Share of the reachable heap one object must hold to be listed before inspect's tables (largestObjectFirst). */
const LARGEST_FIRST_SHARE = 0.5;

/**
 * inspect's order, in every report: when no object of the user's is named and one object holds at least half of
 * what is reachable (a batch script's array of lines, kept by its running top level), that object comes before
 * the tables: it is where the memory is.
 */
export const largestObjectFirst = (result: Pick<InspectResult, 'yours' | 'largestObjects' | 'snapshot'>): boolean =>
  (result.yours?.length ?? 0) === 0 &&
  (result.largestObjects[0]?.retainedSize ?? 0) >= LARGEST_FIRST_SHARE * result.snapshot.reachableSize;

/** inspect's order, in every report: a page's detached DOM before the tables when there is any (DevTools' "Detached elements"). */
export const detachedDomFirst = (result: Pick<InspectResult, 'detachedDom'>): boolean =>
  (result.detachedDom?.length ?? 0) > 0;
