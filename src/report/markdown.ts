// Markdown reporters: reports ready to paste into a GitHub issue.
import type {
  ClassDiff,
  ClassSummary,
  DetachedDomGroup,
  DiffResult,
  Finding,
  InspectResult,
  ObjectSummary,
  RetainerPath,
  RunResult,
  ScenarioResult,
  SnapshotMeta,
  SourceLocation,
} from '../types.js';
import {
  type Align,
  formatBytes,
  formatCount,
  formatFrames,
  formatLocation,
  formatMB,
  mdEscape,
  mdTable,
  printable,
} from './format.js';
import {
  allocationLines,
  findingHeading,
  findingPath,
  holderLine,
  ignoredLines,
  markdownPathLines,
  retainedLines,
} from './path.js';
import {
  CLASS_DIFF_NUMBERS,
  classDiffNumberCells,
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
  classSummaryTable as summaryTable,
  type TextTable,
  yourClassText,
} from './tables.js';

const plain = (text: string): string => text;

function mdPath(path: RetainerPath): string {
  // A fenced block keeps the path readable; a step never starts a line with a fence.
  return ['```', ...markdownPathLines(path), '```'].join('\n');
}

function metaRow(label: string, m: SnapshotMeta): string[] {
  return [
    label,
    `\`${mdEscape(m.path)}\``,
    formatBytes(m.fileBytes),
    formatCount(m.nodeCount),
    formatBytes(m.reachableSize),
    m.runtime,
  ];
}

/** `src/bus.js:20` as Markdown inline code; '' without a location. */
function mdLocation(location: SourceLocation | null | undefined): string {
  const text = formatLocation(location);
  return text ? `\`${printable(text).replace(/`/g, 'ˋ').replace(/\|/g, '\\|')}\`` : '';
}

function classDiffTable(classes: ClassDiff[], trend = false): string {
  const located = classes.some((c) => c.location);
  return mdTable(
    [
      'Class',
      'Type',
      ...CLASS_DIFF_NUMBERS.map((column) => column.label),
      'Suspect',
      ...(trend ? ['New at each snapshot'] : []),
      ...(located ? ['Defined at'] : []),
    ],
    classes.map((c) => [
      mdEscape(c.name),
      c.type,
      ...classDiffNumberCells(c),
      c.suspect ? '**yes**' : c.ignored ? 'ignored' : '',
      ...(trend ? [seriesText(c)] : []),
      ...(located ? [mdLocation(c.location)] : []),
    ]),
    [
      'left',
      'left',
      ...CLASS_DIFF_NUMBERS.map((): Align => 'right'),
      'left',
      ...(trend ? (['left'] as const) : []),
      ...(located ? (['left'] as const) : []),
    ],
  );
}

function pathSections(classes: ClassDiff[], level: string): string[] {
  const out: string[] = [];
  for (const c of classes) {
    const stacks = allocationLines(c);
    if (stacks.length && (c.retainerPath || c.suspect))
      out.push(
        `${level} Where \`${mdEscape(c.name)}\` is allocated`,
        '',
        ...stacks.map((line) => `- ${mdEscape(line)}`),
        '',
      );
    if (!c.retainerPath) continue;
    if (!c.holders || c.holders.length === 0) {
      out.push(
        `${level} Retainer path of \`${mdEscape(c.name)}\` (sample @${c.sampleNodeId})`,
        '',
        mdPath(c.retainerPath),
        '',
      );
      continue;
    }
    out.push(`${level} Holders of \`${mdEscape(c.name)}\``, '');
    for (const group of c.holders) {
      out.push(`- ${mdEscape(holderLine(group))}`, '');
      if (group.retainerPath) out.push(mdPath(group.retainerPath), '');
    }
  }
  return out;
}

/** A page's detached DOM, by the object keeping each tree (DevTools' "Detached elements"). */
function detachedDomSection(groups: DetachedDomGroup[] | undefined, level: string): string[] {
  if (!groups) return [];
  const out = [`${level} Detached DOM`, '', `${mdEscape(detachedDomSummary(groups))}.`, ''];
  if (groups.length === 0) return out;
  const { header, rows, align } = detachedDomTable(groups, mdEscape, mdLocation);
  out.push(mdTable(header, rows, align), '');
  if (groups[0].retainerPath) out.push(mdPath(groups[0].retainerPath), '');
  return out;
}

/** The findings, before the class table: each as a heading with its summary, its fix and a short path. */
function findingSections(findings: Finding[] | undefined, level: string): string[] {
  const out: string[] = [];
  for (const [rank, finding] of (findings ?? []).entries()) {
    out.push(`${level} ${mdEscape(findingHeading(finding, rank))}`, '', `**Fix:** ${mdEscape(finding.fix)}`, '');
    const path = findingPath(finding);
    if (path.length > 0) out.push(mdPath(path), '');
  }
  return out;
}

export function markdownDiff(result: DiffResult): string {
  return [
    '# leakscan diff',
    '',
    // The leaks first, as the terminal and the HTML report open; then the verdict on the classes.
    ...findingSections(result.findings, '##'),
    `**${mdEscape(diffVerdict(result))}**`,
    '',
    mdTable(
      ['', 'File', 'Size', 'Nodes', 'Reachable', 'Runtime'],
      [
        metaRow('before', result.before),
        ...(result.middle ? [metaRow('middle', result.middle)] : []),
        metaRow('after', result.after),
      ],
      ['left', 'left', 'right', 'right', 'right', 'left'],
    ),
    '',
    `Shared objects: ${formatCount(result.sharedIds)}. New objects still reachable: ${formatCount(result.totals.added)} (${formatBytes(result.totals.retainedSize)} retained). Freed: ${formatCount(result.totals.removed)}.`,
    '',
    result.classes.length
      ? classDiffTable(result.classes, result.trend !== undefined)
      : '_No class matches the filters._',
    '',
    ...pathSections(result.classes, '##'),
    ...detachedDomSection(result.detachedDom, '##'),
    ...ignoredLines(result.ignored).flatMap((line) => [`_${mdEscape(line)}_`, '']),
    `<sub>engine: ${result.engine}; suspect = at least ${result.thresholds.minCount} new objects that stay reachable and ${formatBytes(result.thresholds.minBytes)} retained.</sub>`,
    '',
  ].join('\n');
}

function textTable({ header, rows, align }: TextTable): string {
  return mdTable(header, rows, align);
}

function classSummaryTable(classes: ClassSummary[]): string {
  return textTable(summaryTable(classes, mdEscape, mdLocation));
}

function objectSections(objects: ObjectSummary[]): string[] {
  return objects.flatMap((o) => [
    `- \`${mdEscape(o.name)}\` @${o.nodeId} (${o.type}): self ${formatBytes(o.selfSize)}, retained ${formatBytes(o.retainedSize)}${o.location ? `, defined at ${mdLocation(o.location)}` : ''}`,
    ...(o.allocationStack?.length ? [`  allocated in ${mdEscape(formatFrames(o.allocationStack, 4))}`] : []),
    '',
    ...(o.holder ? [`  held in \`${mdEscape(o.holder)}\``, ''] : []),
    o.retainerPath ? mdPath(o.retainerPath) : '_not reachable from the GC roots_',
    '',
    ...(o.retains?.length
      ? [
          'Retains (what freeing it would free, largest first):',
          '',
          '```',
          // Inside a fence only a backtick needs escaping.
          ...retainedLines(o, { escape: (t) => printable(t).replace(/`/g, 'ˋ'), edge: plain, id: plain }, ''),
          '```',
          '',
        ]
      : []),
  ]);
}

export function markdownInspect(result: InspectResult): string {
  const m = result.snapshot;
  const out = [
    '# leakscan inspect',
    '',
    `\`${mdEscape(m.path)}\`: ${formatBytes(m.fileBytes)}, ${formatCount(m.nodeCount)} nodes, ${formatCount(m.edgeCount)} edges, total ${formatBytes(m.totalSize)}, reachable ${formatBytes(m.reachableSize)} (${m.runtime}).`,
    '',
  ];
  if (result.object) out.push(`## Object @${result.object.nodeId}`, '', ...objectSections([result.object]));
  if (result.classInstances) out.push('## Largest instances', '', ...objectSections(result.classInstances));
  if (!result.object && !result.classInstances) {
    const detachedFirst = detachedDomFirst(result);
    if (detachedFirst) out.push(...detachedDomSection(result.detachedDom, '##'));
    if (result.yours?.length)
      out.push("## Your code's objects", '', ...result.yours.map((c) => `- ${mdEscape(yourClassText(c))}`), '');
    const largestFirst = largestObjectFirst(result);
    const largest = ['## Largest objects', '', ...objectSections(result.largestObjects)];
    if (largestFirst) out.push(...largest);
    out.push('## Classes by retained size', '', classSummaryTable(result.byRetainedSize), '');
    out.push('## Classes by count', '', classSummaryTable(result.byCount), '');
    if (!largestFirst) out.push(...largest);
    if (!detachedFirst) out.push(...detachedDomSection(result.detachedDom, '##'));
    if (result.duplicatedStrings.length) {
      out.push(
        '## Duplicated strings',
        '',
        textTable(
          duplicatedStringsTable(result.duplicatedStrings, (text) => `\`${printable(text.replace(/`/g, "'"))}\``),
        ),
        '',
      );
    }
  }
  return out.join('\n');
}

/** RSS, heap used and external in MB before each call; Markdown has no spanning headers, so each column names its pass. */
function memoryTable(s: ScenarioResult): string {
  const { columns, rowCount } = memorySeries(s);
  const rows: string[][] = [];
  for (let i = 0; i < rowCount; i++) {
    rows.push([String(i + 1), ...columns.map((c) => (c[i] === undefined ? '' : formatMB(c[i])))]);
  }
  return mdTable(['Iteration', ...MEMORY_COLUMNS.map((column) => `${column.label}, ${column.passLabel}`)], rows, [
    'right',
    ...MEMORY_COLUMNS.map((): Align => 'right'),
  ]);
}

/** A page scenario's numbers after each round; JS heap used in MB. */
function pageTable(s: ScenarioResult): string | null {
  const series = pageSeries(s);
  if (!series || series.rowCount === 0) return null;
  const rows: string[][] = [];
  for (let i = 0; i < series.rowCount; i++) {
    rows.push([
      String(i + 1),
      ...series.columns.map((c, j) =>
        c[i] === undefined ? '' : PAGE_COLUMNS[j].kind === 'mb' ? formatMB(c[i]) : formatCount(c[i]),
      ),
    ]);
  }
  return mdTable(['Round', ...PAGE_COLUMNS.map((column) => column.label)], rows, [
    'right',
    ...PAGE_COLUMNS.map((): Align => 'right'),
  ]);
}

function scenarioSection(s: ScenarioResult): string[] {
  const out = [
    `## ${mdEscape(s.name)}`,
    '',
    ...(s.description ? [mdEscape(s.description), ''] : []),
    `**${mdEscape(s.verdict)}**`,
    '',
  ];
  if (s.rss.withoutGc.length || s.rss.withGc.length) {
    out.push(
      `Memory before each call in MB (RSS, V8 heap used, external), ${s.iterations} iterations × batch ${s.batch}:`,
      '',
      memoryTable(s),
      '',
    );
  }
  const pageRows = pageTable(s);
  if (pageRows && s.page) {
    out.push(
      `The page after each action and back (JS heap used and browser RSS in MB), ${s.iterations} rounds: ${mdEscape(s.page.url)}`,
      '',
      pageRows,
      '',
    );
  }
  if (s.error) out.push('```', s.error, '```', '');
  if (s.warnings.length) out.push('Process warnings:', '', ...s.warnings.map((w) => `- ${mdEscape(w)}`), '');
  if (s.log) out.push(`What the scenario printed: ${mdEscape(s.log)}`, '');
  out.push(...findingSections(s.diff?.findings, '###'));
  if (s.diff?.classes.length)
    out.push(
      classDiffTable(s.diff.classes.slice(0, 10)),
      '',
      ...pathSections(s.leaks, '###'),
      ...ignoredLines(s.diff.ignored).flatMap((line) => [`_${mdEscape(line)}_`, '']),
    );
  for (const g of s.growth) {
    const sizes = g.retainedSizes.map(formatBytes).join(' → ');
    out.push(
      `### \`${mdEscape(g.holder ?? g.name)}\` grows by ${formatBytes(g.bytesPerCall)} per call`,
      '',
      `${mdEscape(g.name)} @${g.nodeId}: ${sizes}`,
      '',
    );
    if (g.retainerPath) out.push(mdPath(g.retainerPath), '');
  }
  return out;
}

export function markdownRun(result: RunResult): string {
  return ['# leakscan run', '', ...result.scenarios.flatMap(scenarioSection)].join('\n');
}
