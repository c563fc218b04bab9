// Terminal reporters: functions of the result, returning text for stdout.

import type {
  ByteGrowth,
  ClassDiff,
  ClassSummary,
  DetachedDomGroup,
  DiffResult,
  Finding,
  InspectResult,
  ObjectSummary,
  RunResult,
  ScenarioResult,
  SnapshotMeta,
  YourClass,
} from '../types.js';
import {
  type Align,
  formatBytes,
  formatCount,
  formatFrames,
  formatLocation,
  formatMB,
  printable,
  type Style,
  style,
  table,
} from './format.js';
import {
  allocationLines,
  findingHeading,
  findingPath,
  holderLine,
  ignoredLines,
  pathLines,
  retainedLines,
} from './path.js';
import { sparkline } from './sparkline.js';
import {
  CLASS_DIFF_NUMBERS,
  classDiffNumberCells,
  classSummaryTable,
  detachedDomFirst,
  detachedDomSummary,
  detachedDomTable,
  diffVerdict,
  duplicatedStringsTable,
  largestObjectFirst,
  MEMORY_COLUMNS,
  memorySeries,
  PAGE_COLUMNS,
  pageSeries,
  seriesText,
  type TextTable,
  yourClassText,
} from './tables.js';

export interface TerminalOptions {
  color: boolean;
  /** Rows of class tables. */
  top?: number;
}

function metaLine(label: string, meta: SnapshotMeta): string {
  return `${label}  ${meta.path}  ${formatBytes(meta.fileBytes)} · ${formatCount(meta.nodeCount)} nodes · ${formatBytes(meta.reachableSize)} reachable · ${meta.runtime}`;
}

function diffTable(classes: ClassDiff[], s: Style, trend = false): string {
  const rows = classes.map((c) => [
    c.suspect ? s.bold(printable(c.name)) : printable(c.name),
    c.type,
    ...classDiffNumberCells(c),
    [c.suspect ? s.red('suspect') : '', c.ignored ? s.dim('ignored') : '', stackNote(c)].filter(Boolean).join(' '),
  ]);
  const header = ['Class', 'Type', ...CLASS_DIFF_NUMBERS.map((column) => column.label), ''];
  const align: Align[] = ['left', 'left', ...CLASS_DIFF_NUMBERS.map((): Align => 'right'), 'left'];
  if (trend) {
    rows.forEach((row, i) => {
      row.push(seriesText(classes[i]));
    });
    header.push('New at each snapshot');
    align.push('left');
  }
  // Where each class is defined, last, when the snapshot says (a snapshot without locations shows no column).
  if (classes.some((c) => c.location)) {
    rows.forEach((row, i) => {
      row.push(printable(formatLocation(classes[i].location)));
    });
    header.push('Defined at');
    align.push('left');
  }
  return table(header, rows, align);
}

/** Objects only a stack holds are counted, and said so. */
function stackNote(c: ClassDiff): string {
  if (c.heldByStack === 0) return '';
  return c.heldByStack === c.added
    ? 'held by a running function'
    : `${formatCount(c.heldByStack)} held by a running function`;
}

/** Per traced class: its holders with counts, and the retainer path of each one's sample. */
function tracedPaths(classes: ClassDiff[], s: Style): string[] {
  const lines: string[] = [];
  for (const c of classes) {
    const stacks = allocationLines(c);
    if (!c.retainerPath && !(c.suspect && stacks.length)) continue;
    const where = formatLocation(c.location);
    lines.push(
      `  ${s.bold(printable(c.name))}${where ? ` ${printable(where)}` : ''}${c.sampleNodeId === null ? '' : ` ${s.dim(`(sample @${c.sampleNodeId})`)}`}`,
    );
    if (c.suspect && c.growthPerStep !== undefined) lines.push(`    new at each snapshot: ${seriesText(c)}`);
    lines.push(...stacks.map((line) => `    ${line}`));
    if (!c.retainerPath) continue;
    if (!c.holders || c.holders.length === 0) {
      lines.push(...pathLines(c.retainerPath, s));
      continue;
    }
    for (const group of c.holders) {
      lines.push(`    ${holderLine(group)}`);
      if (group.retainerPath) lines.push(...pathLines(group.retainerPath, s, '      '));
    }
  }
  return lines.length ? ['', s.bold('Holders and retainer paths'), ...lines] : [];
}

/** A page's detached DOM, by the object keeping each tree: a line, a table, the first keeper's path. */
function detachedDomLines(groups: DetachedDomGroup[] | undefined, s: Style): string[] {
  if (!groups) return [];
  const lines = ['', s.bold('Detached DOM'), `  ${detachedDomSummary(groups)}`];
  if (groups.length === 0) return lines;
  const { header, rows, align } = detachedDomTable(
    groups,
    (text) => text,
    (l) => printable(formatLocation(l)),
  );
  lines.push(table(header, rows, align));
  const first = groups[0];
  if (first.retainerPath) lines.push(...pathLines(first.retainerPath, s));
  return lines;
}

/** The findings, first thing in a report: each as its summary, its fix and a short path. */
function findingLines(findings: Finding[], s: Style): string[] {
  const lines: string[] = [];
  for (const [rank, finding] of findings.entries()) {
    lines.push(s.bold(findingHeading(finding, rank)), `  Fix: ${printable(finding.fix)}`);
    lines.push(...pathLines(findingPath(finding), s, '    '), '');
  }
  return lines;
}

export function renderDiff(result: DiffResult, options: TerminalOptions): string {
  const s = style(options.color);
  const t = result.totals;
  const snapshots = result.trend?.snapshots ?? [];
  const lines = [
    ...(result.trend
      ? snapshots.map((meta, i) => metaLine(`S${i + 1}`.padEnd(String(snapshots.length).length + 1), meta))
      : [
          metaLine('before', result.before),
          ...(result.middle ? [metaLine('middle', result.middle)] : []),
          metaLine('after ', result.after),
        ]),
    ...(result.trend
      ? [
          `decided by trend over ${snapshots.length} snapshots: new objects since S1 must rise at every step, at one rate (--final: the three-snapshot diff)`,
        ]
      : []),
    `shared objects ${formatCount(result.sharedIds)} · new ${formatCount(t.added)} (${formatBytes(t.retainedSize)} retained) · freed ${formatCount(t.removed)} (${formatBytes(t.removedSize)})`,
    '',
    ...findingLines(result.findings ?? [], s),
  ];
  if (result.classes.length === 0) {
    lines.push(
      `No class has ${result.thresholds.minCount} or more new objects that stay reachable (--min-count lists smaller ones).`,
    );
  } else lines.push(diffTable(result.classes, s, result.trend !== undefined));
  lines.push(...tracedPaths(result.classes, s), ...detachedDomLines(result.detachedDom, s), '');
  if (result.trend?.growth.length) lines.push(...growthLines(result.trend.growth, s, 'step'), '');
  lines.push(...ignoredLines(result.ignored).map((line) => s.dim(line)));
  const verdict = diffVerdict(result);
  lines.push(result.classes.some((c) => c.suspect) ? s.red(verdict) : s.green(verdict));
  return `${lines.join('\n')}\n`;
}

function textTable({ header, rows, align }: TextTable): string {
  return table(header, rows, align);
}

function classTable(classes: ClassSummary[]): string {
  return textTable(classSummaryTable(classes, printable, (location) => printable(formatLocation(location))));
}

function objectLines(objects: ObjectSummary[], s: Style): string[] {
  const lines: string[] = [];
  for (const o of objects) {
    const where = formatLocation(o.location);
    lines.push(
      `  ${s.bold(printable(o.name))} ${s.dim(`@${o.nodeId}`)} ${o.type}  self ${formatBytes(o.selfSize)} · retained ${formatBytes(o.retainedSize)}${where ? `  defined at ${printable(where)}` : ''}`,
    );
    if (o.allocationStack?.length) lines.push(`    allocated in ${printable(formatFrames(o.allocationStack, 4))}`);
    if (o.holder) lines.push(`    held in ${printable(o.holder)}`);
    if (o.retainerPath) lines.push(...pathLines(o.retainerPath, s));
    else lines.push(`    ${s.dim('(not reachable from the GC roots)')}`);
    if (o.retains) {
      lines.push(
        o.retains.length > 0
          ? `  ${s.bold('Retains')} ${s.dim('(what freeing it would free, largest first)')}`
          : `  ${s.dim('Retains nothing but itself')}`,
        ...retainedLines(o, { escape: printable, edge: s.cyan, id: s.dim }),
      );
    }
  }
  return lines;
}

/** inspect's classes of the user's: "420 ParsedRecord (dict.cjs:3), 85.5 KB retained, held in parsedById", a path under the first. */
function yourLines(yours: YourClass[] | undefined, s: Style): string[] {
  if (!yours || yours.length === 0) return [];
  const lines = [
    '',
    s.bold("Your code's objects"),
    `  ${s.dim('(your classes and records, largest retained first, each before the objects of yours holding it)')}`,
  ];
  for (const [i, c] of yours.entries())
    lines.push(`  ${yourClassText(c)}`, ...(i === 0 && c.retainerPath ? pathLines(c.retainerPath, s) : []));
  return lines;
}

export function renderInspect(result: InspectResult, options: TerminalOptions): string {
  const s = style(options.color);
  const m = result.snapshot;
  const lines = [
    `${printable(m.path)}  ${formatBytes(m.fileBytes)} · ${m.runtime}`,
    `${formatCount(m.nodeCount)} nodes · ${formatCount(m.edgeCount)} edges · total ${formatBytes(m.totalSize)} · reachable ${formatBytes(m.reachableSize)}`,
  ];
  if (result.object) lines.push('', s.bold(`Object @${result.object.nodeId}`), ...objectLines([result.object], s));
  if (result.classInstances) {
    lines.push(
      '',
      s.bold(`Largest instances of ${printable(result.classInstances[0]?.name ?? '')}`),
      ...objectLines(result.classInstances, s),
    );
  }
  if (!result.object && !result.classInstances) {
    const detachedFirst = detachedDomFirst(result);
    if (detachedFirst) lines.push(...detachedDomLines(result.detachedDom, s));
    lines.push(...yourLines(result.yours, s));
    const largestFirst = largestObjectFirst(result);
    const largest = ['', s.bold('Largest objects'), ...objectLines(result.largestObjects, s)];
    if (largestFirst) lines.push(...largest);
    lines.push('', s.bold('Classes by retained size'), classTable(result.byRetainedSize));
    lines.push('', s.bold('Classes by count'), classTable(result.byCount));
    if (!largestFirst) lines.push(...largest);
    if (!detachedFirst) lines.push(...detachedDomLines(result.detachedDom, s));
    if (result.duplicatedStrings.length) {
      lines.push(
        '',
        s.bold('Duplicated strings'),
        textTable(
          // JSON.stringify leaves C1 controls (U+009B is a CSI) and bidi overrides as they are.
          duplicatedStringsTable(result.duplicatedStrings, (text) => printable(JSON.stringify(text))),
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** RSS, heap used and external, in MB, before each call of each pass; a sparkline under each column. */
function memoryTable(scenario: ScenarioResult): string {
  const { columns, rowCount } = memorySeries(scenario);
  const rows: string[][] = [];
  for (let i = 0; i < rowCount; i++)
    rows.push([String(i + 1), ...columns.map((c) => (c[i] === undefined ? '' : formatMB(c[i])))]);
  rows.push(['', ...columns.map((c) => sparkline(c))]);
  return table(
    ['Iteration', ...MEMORY_COLUMNS.map((column) => column.label)],
    rows,
    ['right', ...MEMORY_COLUMNS.map((): Align => 'right')],
    [
      { label: '', span: 1 },
      { label: 'Without GC', span: 3 },
      { label: 'With GC', span: 3 },
    ],
  );
}

/** A page scenario's JS heap (MB), DOM nodes, listeners and documents after each round; a sparkline under each column. */
function pageTable(scenario: ScenarioResult): string | null {
  const series = pageSeries(scenario);
  if (!series || series.rowCount === 0) return null;
  const { columns, rowCount } = series;
  const cell = (kind: string, v: number | undefined): string =>
    v === undefined ? '' : kind === 'mb' ? formatMB(v) : formatCount(v);
  const rows: string[][] = [];
  for (let i = 0; i < rowCount; i++)
    rows.push([String(i + 1), ...columns.map((c, j) => cell(PAGE_COLUMNS[j].kind, c[i]))]);
  rows.push(['', ...columns.map((c) => sparkline(c))]);
  return table(['Round', ...PAGE_COLUMNS.map((column) => column.label)], rows, [
    'right',
    ...PAGE_COLUMNS.map((): Align => 'right'),
  ]);
}

/** Objects that grow in bytes rather than in number: one line each, and its path. */
function growthLines(growth: ByteGrowth[], s: Style, unit = 'call'): string[] {
  const lines = ['', s.bold('Growing in bytes')];
  for (const g of growth) {
    const sizes = g.retainedSizes.map(formatBytes).join(' → ');
    lines.push(
      `  ${s.bold(printable(g.holder ?? g.name))} ${printable(g.name)} ${s.dim(`@${g.nodeId}`)}: +${formatBytes(g.bytesPerCall)} per ${unit} (${sizes})`,
    );
    if (g.retainerPath) lines.push(...pathLines(g.retainerPath, s));
  }
  return lines;
}

export function renderScenario(scenario: ScenarioResult, options: TerminalOptions): string {
  const s = style(options.color);
  // Names and descriptions come from the scenario file: untrusted text, escaped like every name.
  const lines = [
    s.bold(printable(scenario.name)) + (scenario.description ? s.dim(` — ${printable(scenario.description)}`) : ''),
    '',
  ];
  if (scenario.rss.withoutGc.length || scenario.rss.withGc.length) {
    lines.push(
      `Memory before each call (MB: RSS, V8 heap used, external), ${scenario.iterations} iterations × batch ${scenario.batch}`,
      memoryTable(scenario),
      '',
    );
  }
  const pageRows = pageTable(scenario);
  if (pageRows && scenario.page) {
    lines.push(
      `The page after each action and back (JS heap used and browser RSS in MB), ${scenario.iterations} rounds: ${printable(scenario.page.url)}`,
      pageRows,
      '',
    );
  }
  if (scenario.diff) {
    lines.push(...findingLines(scenario.diff.findings ?? [], s));
    const shown = scenario.diff.classes.slice(0, options.top ?? 5);
    if (shown.length) lines.push(diffTable(shown, s));
    lines.push(...tracedPaths(scenario.leaks, s));
    lines.push(...ignoredLines(scenario.diff.ignored).map((line) => s.dim(line)));
    lines.push('');
  }
  if (scenario.growth.length) lines.push(...growthLines(scenario.growth, s), '');
  if (scenario.warnings.length)
    lines.push(s.bold('Warnings'), ...scenario.warnings.map((w) => `  ${s.yellow(printable(w))}`), '');
  if (scenario.log) lines.push(`Output: ${printable(scenario.log)}`, '');
  const color =
    scenario.status === 'failed' || !scenario.asExpected ? s.red : scenario.status === 'leak' ? s.yellow : s.green;
  lines.push(color(printable(scenario.verdict)));
  return `${lines.join('\n')}\n`;
}

export function renderRun(result: RunResult, options: TerminalOptions): string {
  return result.scenarios.map((scenario) => renderScenario(scenario, options)).join('\n');
}
