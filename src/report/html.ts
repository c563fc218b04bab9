// HTML reporter: one self-contained file a maintainer opens from disk. The
// result is turned into a small list of display blocks (the summary the page
// shows, never the heap graph), embedded as JSON in a data <script> with `<`
// escaped so no name can close it, and rendered by the page's own inline
// script with textContent only. A Content-Security-Policy allows that script
// and style by hash and nothing else: no network, no other code.
import { createHash } from 'node:crypto';
import type { Environment } from '../environment.js';
import type {
  AllocationStack,
  ClassDiff,
  ClassSummary,
  DetachedDomGroup,
  DiffResult,
  Finding,
  InspectResult,
  ObjectSummary,
  OmittedChildren,
  RetainedObject,
  RetainerPath,
  RunResult,
  ScenarioResult,
  SnapshotMeta,
  SourceLocation,
} from '../types.js';
import { renderRssChart } from './chart.js';
import { formatBytes, formatCount, formatFrames, formatLocation, formatSigned, printable } from './format.js';
import { PAGE_STYLE, pageScript } from './html-page.js';
import { edgeLabel, findingHeading, findingPath, holderLine, ignoredLines, retainedEdgeText } from './path.js';
import {
  CLASS_DIFF_NUMBERS,
  detachedDomFirst,
  detachedDomSummary,
  diffVerdict,
  keeperText,
  largestObjectFirst,
  MEMORY_COLUMNS,
  memorySeries,
  PAGE_COLUMNS,
  pageSeries,
  seriesText,
  yourClassText,
} from './tables.js';

export interface HtmlOptions {
  /** Where the report was made (versions, OS, the command line); shown at the end. */
  environment?: Environment | null;
  /** The data was redacted (a bundle made with --redact): the page says so. */
  redacted?: 'text' | 'names' | null;
}

// The display blocks, as the page's script reads them (page-script.ts).
export type Cell = string | number | boolean | null;
type ColumnKind = 'name' | 'text' | 'code' | 'count' | 'signed' | 'bytes' | 'signedBytes' | 'mb' | 'flag';
export interface Column {
  label: string;
  kind: ColumnKind;
  title?: string;
  /** For a flag column: the badge text. */
  flag?: string;
}
export interface PathStepView {
  edge: string | null;
  name: string;
  id: number;
  type: string;
  loc: string | null;
}
export interface PathView {
  text: string;
  steps: PathStepView[] | null;
  open?: boolean;
}
export type Block =
  | { t: 'h'; level: 2 | 3; text: string; id?: string }
  | { t: 'p'; text: string; cls?: string }
  | { t: 'pre'; text: string }
  | { t: 'list'; items: string[] }
  | { t: 'verdict'; lines: string[]; leak: boolean }
  | { t: 'img'; src: string; alt: string }
  | { t: 'kv'; rows: [string, string][] }
  | {
      t: 'table';
      /** The table element's id (the filter box and caption derive theirs from it). */
      id?: string;
      title?: string;
      columns: Column[];
      rows: Cell[][];
      /** Column index the filter box searches; absent: no filter. */
      filter?: number;
      /** Column index of a boolean that highlights its row. */
      mark?: number;
      empty?: string;
      note?: string;
    }
  | {
      t: 'item';
      title: string;
      badge?: string;
      facts: string[];
      pathsTitle?: string;
      paths: PathView[];
      stacks: string[];
      /** What the object retains (inspect --id), expandable level by level. */
      tree?: { title: string; nodes: TreeNodeView[] };
    };

/** One retained object: edge, name, id, type, sizes; its own children; the line for those --top left out. */
export interface TreeNodeView {
  edge: string;
  name: string;
  id: number;
  type: string;
  self: number;
  retained: number;
  kids: TreeNodeView[];
  more: string | null;
}

export interface Page {
  title: string;
  heading: string;
  subtitle?: string;
  redacted?: string;
  blocks: Block[];
  footer?: string;
  /** What the report says first, as plain lines in the file (without a script, or read as text); else its verdict. */
  lead?: string[];
}

const MAX_STACK_FRAMES = 8;

/** `src/app.js:12`, as the terminal shows it (relative to the working folder when under it). */
export function locationText(loc: SourceLocation | null | undefined): string | null {
  return printable(formatLocation(loc)) || null;
}

/** "300 allocated in makeSession (src/app.js:12) ← handle (src/app.js:30)" */
export function stackText(stack: AllocationStack): string {
  const frames = printable(formatFrames(stack.frames.slice(0, MAX_STACK_FRAMES), MAX_STACK_FRAMES));
  const more = stack.frames.length > MAX_STACK_FRAMES ? ` ← … ${stack.frames.length - MAX_STACK_FRAMES} more` : '';
  return `${formatCount(stack.count)} allocated in ${frames || '(unknown)'}${more}`;
}

function pathView(path: RetainerPath | null): PathStepView[] | null {
  if (!path) return null;
  return path.map((step) => ({
    edge: step.edge ? printable(edgeLabel(step.edge)) : null,
    name: printable(step.detail ?? step.name),
    id: step.nodeId,
    type: step.type,
    loc: locationText(step.location),
  }));
}

/** The row's name as DevTools shows it: a shape `{user, path}` is a plain Object's, which goes without saying. */
function className(c: { name: string; constructorName?: string }): string {
  const name = printable(c.name);
  const shown = c.constructorName && c.constructorName !== c.name && c.constructorName !== 'Object';
  return shown ? `${name} (${printable(c.constructorName ?? '')})` : name;
}

function heldText(c: ClassDiff): string[] {
  const out: string[] = [];
  if (c.heldByStack > 0) out.push(`${formatCount(c.heldByStack)} held only by a running function (on its stack)`);
  if (c.heldWeakly > 0) out.push(`${formatCount(c.heldWeakly)} held only weakly (not part of a leak)`);
  if (c.heldByNew > 0) out.push(`${formatCount(c.heldByNew)} held through other new objects`);
  return out;
}

/** One class of a diff with its holders and paths, as an item block. */
function classItem(c: ClassDiff, open: boolean): Block {
  const where = locationText(c.location);
  const facts = [
    `${formatCount(c.added)} new, ${formatCount(c.removed)} deleted (${formatSigned(c.added - c.removed)}); ${formatBytes(c.addedSize)} allocated, ${formatBytes(c.retainedSize)} retained by the new objects`,
    ...(where ? [`${c.type === 'closure' ? 'function' : 'class'} defined at ${where}`] : []),
    ...(c.series ? [`new at each snapshot: ${seriesText(c)}`] : []),
    ...heldText(c),
  ];
  const paths: PathView[] =
    c.holders && c.holders.length > 0
      ? c.holders.map((g, i) => ({ text: holderLine(g), steps: pathView(g.retainerPath), open: open && i === 0 }))
      : c.retainerPath
        ? [{ text: `sample @${c.sampleNodeId}`, steps: pathView(c.retainerPath), open }]
        : [];
  return {
    t: 'item',
    title: className(c),
    badge: c.suspect ? 'suspect' : undefined,
    facts,
    pathsTitle: c.holders?.length ? 'Holders' : 'Retainer path',
    paths,
    stacks: (c.allocationStacks ?? []).map(stackText),
  };
}

/** "Session: 300 new objects (35.2 KB retained), 300 in sessions[…] (Map @123); defined at app.js:9." */
function suspectSentence(c: ClassDiff): string {
  const first = c.holders?.[0];
  const held = first ? `; ${holderLine(first)}` : '';
  const where = locationText(c.location);
  return `${className(c)}: ${formatSigned(c.added - c.removed)} objects (${formatBytes(c.retainedSize)} retained)${held}${where ? `; defined at ${where}` : ''}.`;
}

/** Columns from `[label, kind]` pairs. */
function columns(...specs: [string, ColumnKind][]): Column[] {
  return specs.map(([label, kind]) => ({ label, kind }));
}

const DIFF_COLUMNS: Column[] = [
  { label: 'Class', kind: 'name' },
  { label: 'Type', kind: 'text' },
  ...CLASS_DIFF_NUMBERS.map(({ label, kind, title }): Column => (title ? { label, kind, title } : { label, kind })),
  { label: 'Suspect', kind: 'flag', flag: 'suspect' },
  { label: 'Defined at', kind: 'code' },
];

/** Drops a column no row has a value in (a "Defined at" before the engine knows locations). */
function withoutEmpty(columns: Column[], rows: Cell[][], optional: number): { columns: Column[]; rows: Cell[][] } {
  if (rows.some((r) => r[optional] !== null)) return { columns, rows };
  return {
    columns: columns.filter((_, i) => i !== optional),
    rows: rows.map((r) => r.filter((_, i) => i !== optional)),
  };
}

function classDiffTable(classes: ClassDiff[], title: string, id: string): Block {
  return {
    t: 'table',
    id,
    title,
    ...withoutEmpty(
      DIFF_COLUMNS,
      classes.map((c) => [
        c.ignored ? `${className(c)} (ignored)` : className(c),
        c.type,
        ...CLASS_DIFF_NUMBERS.map((column) => column.value(c)),
        c.suspect,
        locationText(c.location),
      ]),
      10,
    ),
    filter: 0,
    mark: 9,
    empty: 'No class matches the filters.',
  };
}

/** Every snapshot the result describes: before and after, and any other (a three-snapshot diff's). */
function snapshotMetas(result: object): [string, SnapshotMeta][] {
  return Object.entries(result).filter(
    (entry): entry is [string, SnapshotMeta] =>
      entry[1] !== null && typeof entry[1] === 'object' && 'nodeCount' in entry[1] && 'path' in entry[1],
  );
}

function snapshotTable(metas: [string, SnapshotMeta][]): Block {
  return {
    t: 'table',
    columns: columns(
      ['', 'text'],
      ['File', 'code'],
      ['Size', 'bytes'],
      ['Nodes', 'count'],
      ['Edges', 'count'],
      ['Total', 'bytes'],
      ['Reachable', 'bytes'],
      ['Runtime', 'text'],
    ),
    rows: metas.map(([label, m]) => [
      label,
      printable(m.path),
      m.fileBytes,
      m.nodeCount,
      m.edgeCount,
      m.totalSize,
      m.reachableSize,
      m.runtime,
    ]),
  };
}

function environmentBlocks(env: Environment | null | undefined): Block[] {
  if (!env) return [];
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return [
    { t: 'h', level: 2, text: 'Environment', id: 'environment' },
    {
      t: 'kv',
      rows: [
        ['leakscan', env.leakscan],
        ['Node.js', env.node],
        ['V8', env.v8],
        ['OS', `${env.os.platform} ${env.os.release} ${env.os.arch}`],
        ['CPU', `${env.cpu.model} × ${env.cpu.count}`],
        ['Memory', formatBytes(env.totalMemoryBytes)],
        ['Command line', printable(env.commandLine.map(quote).join(' '))],
        ['Made', env.createdAt],
      ],
    },
  ];
}

function redactedNotice(options: HtmlOptions): string | undefined {
  if (options.redacted === 'names')
    return 'Redacted: the text of the snapshots and of this report is replaced (shown like <redacted ≤16 chars #1>); names from source are pseudonyms (name_1a2b).';
  if (options.redacted === 'text')
    return 'Redacted: the text of the snapshots and of this report is replaced (shown like <redacted ≤16 chars #1>); property, variable, function and class names that are identifiers are kept.';
  return undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

const escapeHtml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The policy the page runs under: its own script and style (by hash), data: images, nothing else. */
export const contentSecurityPolicy = (): string =>
  [
    "default-src 'none'",
    `script-src 'sha256-${sha256(pageScript())}'`,
    `style-src 'sha256-${sha256(PAGE_STYLE)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

/** The data as a JSON text that cannot end its <script> element (nor open a comment in it). */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function page(p: Page, options: HtmlOptions): string {
  const { lead, ...shown } = p;
  const data: Page = {
    ...shown,
    redacted: redactedNotice(options),
    blocks: [...p.blocks, ...environmentBlocks(options.environment)],
  };
  const verdict = p.blocks.find((b) => b.t === 'verdict');
  const first = [
    ...(data.redacted ? [data.redacted] : []),
    ...(lead ?? (verdict?.t === 'verdict' ? verdict.lines : [])),
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(printable(p.title))}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    `<main id="report"><noscript>${first.map((line) => `<p>${escapeHtml(printable(line))}</p>\n`).join('')}<p>This report is drawn by the script inside this file (nothing is fetched); allow JavaScript for this file to see it, or read report.md / report.json beside it.</p></noscript></main>`,
    `<script type="application/json" id="leakscan-data">${scriptJson(data)}</script>`,
    `<script>${pageScript()}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A finding as an item: its summary, fix, holder and site, and the short path open on the first. */
function findingItem(finding: Finding, rank: number): Block {
  const site = locationText(finding.site);
  return {
    t: 'item',
    title: findingHeading(finding, rank),
    badge: finding.pattern,
    facts: [
      `Fix: ${printable(finding.fix)}`,
      `Held in ${printable(finding.holder.name)} @${finding.holder.nodeId}`,
      ...(site ? [`In your code at ${site}`] : []),
    ],
    paths: [{ text: 'Why it is alive', steps: pathView(findingPath(finding)), open: rank === 0 }],
    stacks: [],
  };
}

/** The findings as the terminal prints them first: each one's heading and fix. */
function findingLines(findings: Finding[]): string[] {
  return findings.flatMap((f, rank) => [findingHeading(f, rank), `Fix: ${printable(f.fix)}`]);
}

/** The findings section, above the class table; nothing when there are none. */
function findingBlocks(findings: Finding[] | undefined, level: 2 | 3): Block[] {
  if (!findings?.length) return [];
  const heading: Block = level === 2 ? { t: 'h', level, text: 'Leaks', id: 'leaks' } : { t: 'h', level, text: 'Leaks' };
  return [heading, ...findings.map(findingItem)];
}

export function htmlDiff(result: DiffResult, options: HtmlOptions = {}): string {
  const suspects = result.classes.filter((c) => c.suspect);
  const traced = result.classes.filter((c) => !c.suspect && c.retainerPath);
  const t = result.totals;
  const verdict = printable(diffVerdict(result));
  const blocks: Block[] = [
    { t: 'verdict', leak: suspects.length > 0, lines: [verdict, ...suspects.map(suspectSentence)] },
    {
      t: 'p',
      text: `Shared objects ${formatCount(result.sharedIds)} · new ${formatCount(t.added)} (${formatBytes(t.retainedSize)} retained) · freed ${formatCount(t.removed)} (${formatBytes(t.removedSize)}).`,
    },
    ...findingBlocks(result.findings, 2),
  ];
  if (suspects.length) {
    blocks.push({ t: 'h', level: 2, text: 'Suspects and what holds them', id: 'suspects' });
    blocks.push(...suspects.map((c, i) => classItem(c, i === 0)));
  }
  blocks.push({ t: 'h', level: 2, text: 'Classes', id: 'classes' });
  blocks.push(classDiffTable(result.classes, 'New objects by class, as in DevTools’ Comparison view', 'classes'));
  if (result.ignored?.length) blocks.push({ t: 'list', items: ignoredLines(result.ignored) });
  if (traced.length) {
    blocks.push({ t: 'h', level: 2, text: 'Other traced classes', id: 'traced' });
    blocks.push(...traced.map((c) => classItem(c, false)));
  }
  blocks.push(...detachedDomBlocks(result.detachedDom));
  blocks.push({ t: 'h', level: 2, text: 'Snapshots', id: 'snapshots' }, snapshotTable(snapshotMetas(result)));
  const findings = result.findings ?? [];
  return page(
    {
      title: `leakscan diff: ${findings.length ? findingHeading(findings[0], 0) : verdict}`,
      lead: findings.length ? findingLines(findings) : undefined,
      heading: 'leakscan diff',
      subtitle: `${printable(result.before.path)} → ${printable(result.after.path)}`,
      blocks,
      footer: `Engine: ${result.engine}. Suspect = at least ${formatCount(result.thresholds.minCount)} new objects that stay reachable and ${formatBytes(result.thresholds.minBytes)} retained. Search an @id in Chrome DevTools (Memory → Load profile) to find the same object.`,
    },
    options,
  );
}

/** A page's detached DOM by keeper (DevTools' "Detached elements"): a sentence, a table, each keeper's path. */
function detachedDomBlocks(groups: DetachedDomGroup[] | undefined): Block[] {
  if (!groups) return [];
  const blocks: Block[] = [
    { t: 'h', level: 2, text: 'Detached DOM', id: 'detached' },
    { t: 'p', text: `${detachedDomSummary(groups)}.` },
  ];
  if (groups.length === 0) return blocks;
  const diff = groups.some((g) => g.added !== undefined);
  const specs: [string, ColumnKind][] = [
    ['Kept by', 'name'],
    ['Elements', 'count'],
    ...(diff ? ([['# New', 'count']] as [string, ColumnKind][]) : []),
    ['Trees', 'count'],
    ['Retained', 'bytes'],
    ['Sample', 'code'],
    ['Defined at', 'code'],
  ];
  const rows = groups.map((g): Cell[] => [
    keeperText(g),
    g.elements,
    ...(diff ? [g.added ?? 0] : []),
    g.trees,
    g.retainedSize,
    printable(`${g.sample.name} @${g.sample.nodeId}`),
    locationText(g.keeper?.location),
  ]);
  blocks.push({
    t: 'table',
    id: 'detached-dom',
    ...withoutEmpty(columns(...specs), rows, specs.length - 1),
    filter: 0,
  });
  blocks.push(
    ...groups.map(
      (g, i): Block => ({
        t: 'item',
        title: keeperText(g),
        facts: [
          `${formatCount(g.elements)} detached elements in ${formatCount(g.trees)} trees, ${formatBytes(g.retainedSize)} retained`,
        ],
        paths: g.retainerPath
          ? [
              {
                text: `sample ${printable(g.sample.name)} @${g.sample.nodeId}`,
                steps: pathView(g.retainerPath),
                open: i === 0,
              },
            ]
          : [],
        stacks: [],
      }),
    ),
  );
  return blocks;
}

const SUMMARY_COLUMNS: Column[] = columns(
  ['Class', 'name'],
  ['Type', 'text'],
  ['Count', 'count'],
  ['Shallow size', 'bytes'],
  ['Retained size', 'bytes'],
  ['Defined at', 'code'],
);

function classSummaryTable(title: string, classes: ClassSummary[]): Block {
  return {
    t: 'table',
    title,
    ...withoutEmpty(
      SUMMARY_COLUMNS,
      classes.map((c) => [className(c), c.type, c.count, c.selfSize, c.retainedSize, locationText(c.location)]),
      5,
    ),
    filter: 0,
  };
}

const omittedText = (more: OmittedChildren | undefined): string | null =>
  more ? `… ${formatCount(more.count)} more, ${formatBytes(more.retainedSize)}` : null;

/** The drill-down as the page shows it; as deep as --depth made it (a few levels: recursion is fine here). */
function treeView(r: RetainedObject): TreeNodeView {
  return {
    edge: retainedEdgeText(r),
    name: r.name,
    id: r.nodeId,
    type: r.type,
    self: r.selfSize,
    retained: r.retainedSize,
    kids: (r.retains ?? []).map(treeView),
    more: omittedText(r.retainsOmitted),
  };
}

function objectItem(o: ObjectSummary, open: boolean): Block {
  const where = locationText(o.location);
  const more = omittedText(o.retainsOmitted);
  return {
    ...(o.retains
      ? {
          tree: {
            title:
              o.retains.length > 0
                ? 'Retains (what freeing it would free, largest first)'
                : 'Retains nothing but itself',
            nodes: [
              ...o.retains.map(treeView),
              ...(more
                ? [{ edge: '', name: more, id: 0, type: 'more', self: 0, retained: 0, kids: [], more: null }]
                : []),
            ],
          },
        }
      : {}),
    t: 'item',
    title: `${printable(o.name)} @${o.nodeId}`,
    facts: [
      `${o.type}: self ${formatBytes(o.selfSize)}, retained ${formatBytes(o.retainedSize)}`,
      ...(where ? [`defined at ${where}`] : []),
      ...(o.holder ? [`held in ${o.holder}`] : []),
    ],
    paths: [
      o.retainerPath
        ? { text: 'Why it is alive', steps: pathView(o.retainerPath), open }
        : { text: 'Not reachable from the GC roots', steps: null },
    ],
    stacks: o.allocationStack?.length ? [stackText({ count: 1, size: o.selfSize, frames: o.allocationStack })] : [],
  };
}

export function htmlInspect(result: InspectResult, options: HtmlOptions = {}): string {
  const m = result.snapshot;
  const top = result.byRetainedSize[0];
  const blocks: Block[] = [
    {
      t: 'verdict',
      leak: false,
      lines: [
        `${formatCount(m.nodeCount)} nodes, ${formatCount(m.edgeCount)} edges, total ${formatBytes(m.totalSize)}, reachable ${formatBytes(m.reachableSize)} (${m.runtime}).`,
        // What inspect says first in the terminal: the user's own largest class, else the largest of all.
        ...(result.yours?.[0]
          ? [`Your code's largest: ${yourClassText(result.yours[0])}.`]
          : largestObjectFirst(result)
            ? [
                `Largest object: ${printable(result.largestObjects[0].name)} @${result.largestObjects[0].nodeId}, ${formatBytes(result.largestObjects[0].retainedSize)} retained of ${formatBytes(m.reachableSize)} reachable.`,
              ]
            : top
              ? [
                  `Largest class by retained size: ${className(top)}, ${formatCount(top.count)} objects, ${formatBytes(top.retainedSize)} retained.`,
                ]
              : []),
      ],
    },
  ];
  if (result.object) {
    blocks.push({ t: 'h', level: 2, text: `Object @${result.object.nodeId}` }, objectItem(result.object, true));
  }
  if (result.classInstances) {
    blocks.push(
      { t: 'h', level: 2, text: 'Largest instances' },
      ...result.classInstances.map((o, i) => objectItem(o, i === 0)),
    );
  }
  if (!result.object && !result.classInstances) {
    const detachedFirst = detachedDomFirst(result);
    const largestFirst = largestObjectFirst(result);
    const largest: Block[] = [
      { t: 'h', level: 2, text: 'Largest objects', id: 'objects' },
      ...result.largestObjects.map((o, i) => objectItem(o, i === 0)),
    ];
    blocks.push(
      ...(detachedFirst ? detachedDomBlocks(result.detachedDom) : []),
      ...(largestFirst ? largest : []),
      { t: 'h', level: 2, text: 'Classes', id: 'classes' },
      classSummaryTable('By retained size', result.byRetainedSize),
      classSummaryTable('By count', result.byCount),
      ...(largestFirst ? [] : largest),
      ...(detachedFirst ? [] : detachedDomBlocks(result.detachedDom)),
    );
    if (result.duplicatedStrings.length) {
      blocks.push(
        { t: 'h', level: 2, text: 'Duplicated strings', id: 'strings' },
        {
          t: 'table',
          columns: columns(['Count', 'count'], ['Wasted', 'bytes'], ['Length', 'count'], ['Value', 'code']),
          rows: result.duplicatedStrings.map((d) => [d.count, d.wastedSize, d.length, JSON.stringify(d.value)]),
          filter: 3,
        },
      );
    }
  }
  blocks.push({ t: 'h', level: 2, text: 'Snapshot', id: 'snapshots' }, snapshotTable([['snapshot', m]]));
  return page(
    {
      title: `leakscan inspect: ${printable(m.path)}`,
      heading: 'leakscan inspect',
      subtitle: printable(m.path),
      blocks,
      footer: `Engine: ${result.engine}. Search an @id in Chrome DevTools (Memory → Load profile) to find the same object.`,
    },
    options,
  );
}

function chartBlock(s: ScenarioResult): Block | null {
  if (!s.rss.withoutGc.length && !s.rss.withGc.length) return null;
  const svg = renderRssChart([
    { name: s.name, withoutGc: s.rss.withoutGc, withGc: s.rss.withGc, heapUsed: s.heapUsed, external: s.external },
  ]);
  return {
    t: 'img',
    src: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    alt: `${printable(s.name)}: RSS, V8 heap used and external memory before each call, without GC (red) and with GC (blue)`,
  };
}

function memoryTable(s: ScenarioResult): Block {
  const { columns, rowCount } = memorySeries(s);
  const rows: Cell[][] = [];
  for (let i = 0; i < rowCount; i++) rows.push([i + 1, ...columns.map((c) => c[i] ?? null)]);
  return {
    t: 'table',
    title: 'Memory before each call (MB)',
    columns: [
      { label: 'Iteration', kind: 'count' },
      ...MEMORY_COLUMNS.map((column): Column => ({ label: `${column.label}, ${column.passLabel}`, kind: 'mb' })),
    ],
    rows,
  };
}

/** A page scenario's numbers after each round (JS heap in MB, counts), or null for a Node scenario. */
function pageTable(s: ScenarioResult): Block | null {
  const series = pageSeries(s);
  if (!series || series.rowCount === 0) return null;
  const rows: Cell[][] = [];
  for (let i = 0; i < series.rowCount; i++) rows.push([i + 1, ...series.columns.map((c) => c[i] ?? null)]);
  return {
    t: 'table',
    title: `The page after each action and back: ${printable(s.page?.url ?? '')}`,
    columns: [
      { label: 'Round', kind: 'count' },
      ...PAGE_COLUMNS.map((column): Column => ({ label: column.label, kind: column.kind })),
    ],
    rows,
  };
}

function scenarioBlocks(s: ScenarioResult, index: number): Block[] {
  const blocks: Block[] = [{ t: 'h', level: 2, text: printable(s.name), id: `scenario-${index}` }];
  if (s.description) blocks.push({ t: 'p', text: printable(s.description), cls: 'dim' });
  blocks.push({
    t: 'verdict',
    leak: s.status !== 'no-leak',
    lines: [
      printable(s.verdict),
      `${s.page ? `${s.iterations} rounds of action and back` : `${s.iterations} iterations × batch ${s.batch}`}; expected ${s.expect}: ${s.asExpected ? 'as expected' : 'NOT as expected'}.`,
    ],
  });
  if (s.error) blocks.push({ t: 'pre', text: printable(s.error) });
  const chart = chartBlock(s);
  if (chart) blocks.push({ t: 'h', level: 3, text: 'Memory per iteration' }, chart, memoryTable(s));
  const pageRows = pageTable(s);
  if (pageRows) blocks.push({ t: 'h', level: 3, text: 'The page per round' }, pageRows);
  if (s.warnings.length)
    blocks.push({ t: 'h', level: 3, text: 'Process warnings' }, { t: 'list', items: s.warnings.map(printable) });
  if (s.log) blocks.push({ t: 'p', text: `What the scenario printed: ${printable(s.log)}` });
  blocks.push(...findingBlocks(s.diff?.findings, 3));
  blocks.push(...s.leaks.map((c, i) => classItem({ ...c, suspect: true }, i === 0)));
  for (const g of s.growth) {
    blocks.push({
      t: 'item',
      title: `${printable(g.holder ?? g.name)} grows by ${formatBytes(g.bytesPerCall)} per call`,
      badge: 'grows',
      facts: [`${printable(g.name)} @${g.nodeId} (${g.type}): ${g.retainedSizes.map(formatBytes).join(' → ')}`],
      paths: g.retainerPath ? [{ text: 'Retainer path', steps: pathView(g.retainerPath) }] : [],
      stacks: [],
    });
  }
  if (s.diff?.classes.length)
    blocks.push(classDiffTable(s.diff.classes, 'Classes, before → after', `scenario-${index}-classes`));
  if (s.diff?.ignored?.length) blocks.push({ t: 'list', items: ignoredLines(s.diff.ignored) });
  return blocks;
}

export function htmlRun(result: RunResult, options: HtmlOptions = {}): string {
  const leaks = result.scenarios.filter((s) => s.status !== 'no-leak');
  const blocks: Block[] = [
    { t: 'verdict', leak: leaks.length > 0, lines: result.scenarios.map((s) => printable(s.verdict)) },
    ...result.scenarios.flatMap(scenarioBlocks),
  ];
  return page(
    {
      title: `leakscan run: ${result.scenarios.map((s) => `${printable(s.name)} ${s.status}`).join(', ')}`,
      heading: 'leakscan run',
      subtitle: `${result.scenarios.length} scenario${result.scenarios.length === 1 ? '' : 's'}`,
      blocks,
      footer:
        'Open the snapshots in Chrome DevTools (Memory → Load profile) and search an @id to find the same object.',
    },
    options,
  );
}
