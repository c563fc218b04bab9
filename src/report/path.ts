// Retainer paths and holders as text, for every reporter (each escapes as its format needs).
import { isJsIdentifier, propertyAccess } from '../analysis/ownership.js';
import { classHolderLabel, holderLabel } from '../analysis/paths.js';
import { isBrowserInternal } from '../classes.js';
import type {
  ClassDiff,
  Finding,
  HolderGroup,
  IgnoredObjects,
  ObjectSummary,
  OmittedChildren,
  RetainedObject,
  RetainerPath,
} from '../types.js';
import { formatAllocationStack, formatBytes, formatCount, formatLocation, printable, type Style } from './format.js';

const plain = (text: string): string => text;

/** Edge as it reads in a path: `.name` for properties, `[3]` for elements, plain names for variables. */
export function edgeLabel(edge: { type: string; name: string }): string {
  switch (edge.type) {
    case 'element':
      return `[${edge.name}]`;
    case 'internal':
      // Numbered internal edges are slots of a backing store (a Map's table): read them as elements.
      return /^\d+$/.test(edge.name) ? `[${edge.name}]` : edge.name;
    case 'property':
      // V8's own names (`<symbol kEvents>`, `<symbol owner_symbol>`) read as DevTools shows them.
      return edge.name.startsWith('<symbol ') ? `.${edge.name}` : propertyAccess(edge.name);
    case 'hidden':
      return `(${edge.name})`;
    default:
      return edge.name;
  }
}

/**
 * How one output shows the parts of a path. Names and edge labels come from
 * the snapshot (untrusted): `escape` makes them safe for that output; `edge`,
 * `id` and `elided` only style text that is already safe.
 */
interface PathFormat {
  escape(text: string): string;
  edge(text: string): string;
  id(text: string): string;
  elided(text: string): string;
}

const PLAIN: PathFormat = { escape: printable, edge: plain, id: plain, elided: plain };
/** Inside a fenced code block nothing needs escaping but a backtick, which could close the fence. */
const MARKDOWN: PathFormat = { ...PLAIN, escape: (text) => printable(text).replace(/`/g, 'ˋ') };

/** Longer C++ type names than this (Blink's hash tables) have their template arguments shown as `<…>`. */
const MAX_NATIVE_NAME = 60;

/**
 * A native step's name as a path shows it: `blink::HeapHashTableBacking<…>` for a C++ type whose template
 * arguments run to hundreds of characters (the JSON keeps the whole name). A DOM element's name is left alone.
 */
export function shortNativeName(name: string): string {
  if (name.length <= MAX_NATIVE_NAME || !/^[\w:]+::\w+</.test(name)) return name;
  const open = name.indexOf('<');
  let depth = 0;
  for (let i = open; i < name.length; i++) {
    if (name[i] === '<') depth++;
    else if (name[i] === '>' && --depth === 0) return `${name.slice(0, open)}<…>${name.slice(i + 1)}`;
  }
  return name;
}

/** The walker: each step as `edge Name @id (file:line)` (no edge on the first; the place when known), escaped and styled by `format`. */
function stepTexts(path: RetainerPath, format: PathFormat): Array<{ text: string; elided: boolean }> {
  return path.map((step) => {
    if (step.type === 'elided') return { text: format.elided(step.name), elided: true };
    const where = formatLocation(step.location);
    const name = step.type === 'native' ? shortNativeName(step.detail ?? step.name) : (step.detail ?? step.name);
    const node = `${format.escape(name)} ${format.id(`@${step.nodeId}`)}${where ? ` ${format.id(`(${format.escape(where)})`)}` : ''}`;
    const edge = step.edge ? `${format.edge(format.escape(edgeLabel(step.edge)))} ` : '';
    return { text: `${edge}${node}`, elided: false };
  });
}

/** One line per step, `→ edge Name @id`; an elided stretch on a line of its own. */
function layoutLines(steps: Array<{ text: string; elided: boolean }>, indent: string): string[] {
  return steps.map((step, i) => `${indent}${i === 0 || step.elided ? '' : '→ '}${step.text}`);
}

/** One line: `(GC roots) @3 → [13] (Global handles) @29 → .cache Array @60957 …` */
export function formatPath(path: RetainerPath): string {
  return stepTexts(path, PLAIN)
    .map((step) => step.text)
    .join(' → ');
}

/** For the terminal: one line per step, names made printable, edges and ids coloured by `s`. */
export function pathLines(path: RetainerPath, s: Style, indent = '    '): string[] {
  return layoutLines(stepTexts(path, { escape: printable, edge: s.cyan, id: s.dim, elided: s.dim }), indent);
}

/** For Markdown: the lines of pathLines for a fenced code block. */
export function markdownPathLines(path: RetainerPath): string[] {
  return layoutLines(stepTexts(path, MARKDOWN), '');
}

const HELD_BY: Record<HolderGroup['heldBy'], string> = {
  program: '',
  runtime: ' (held only by the runtime)',
  runner: " (held only by leakscan's runner)",
  stack: ' (held by a running function)',
};

/**
 * A group's holder as a label: holderLabel around the holder, except that objects the holder keeps under keys
 * of their own (a dictionary's `"rec-128"`) are all inside it, `parsedById[…]`, not at the sample's key.
 */
function groupLabel(group: HolderGroup): string | null {
  const path = group.retainerPath;
  const label = holderLabel(path, group.holder.nodeId);
  const at = path?.findIndex((step) => step.nodeId === group.holder.nodeId) ?? -1;
  if (!path || at < 0 || at + 1 >= path.length || group.count < 2 || path[at].name === 'system / Context') return label;
  const into = path[at + 1].edge;
  if (into?.type !== 'property' || isJsIdentifier(into.name) || into.name.startsWith('<symbol ')) return label;
  const base = holderLabel(path.slice(0, at + 1));
  return base ? `${base}[…]` : label;
}

/** "1,990 in trail[…] (Array @78269), 186.6 KB retained (held by a running function)" */
export function holderLine(group: HolderGroup): string {
  if (group.heldBy === 'stack')
    return `${formatCount(group.count)} held by a running function (on its stack), ${formatBytes(group.retainedSize)} retained`;
  const label = groupLabel(group);
  const where =
    group.holder.type === 'synthetic'
      ? 'held by several objects'
      : `${printable(group.holder.name)} @${group.holder.nodeId}`;
  return `${formatCount(group.count)} in ${label ? printable(label) : '?'} (${where}), ${formatBytes(group.retainedSize)} retained${HELD_BY[group.heldBy]}`;
}

/** What the summary says holds a class's leak: "via trail[…]", "held by a running function". */
export function viaText(c: ClassDiff): string {
  const first = c.holders?.[0];
  if (first?.heldBy === 'stack') return ' held by a running function';
  const label = classHolderLabel(c);
  return label ? ` via ${printable(label)}` : '';
}

/** Allocation stacks shown per class, and frames per stack, in text reports. */
export const STACKS_SHOWN = 3;
export const FRAMES_SHOWN = 3;

/** "412 allocated in subscribe (src/bus.js:18) ← connect (src/client.js:40)", one line per stack, made printable. */
export function allocationLines(c: Pick<ClassDiff, 'allocationStacks'>): string[] {
  return (c.allocationStacks ?? [])
    .slice(0, STACKS_SHOWN)
    .map((stack) => printable(formatAllocationStack(stack, FRAMES_SHOWN)));
}

/** How a drilled child is reached: `.name`, `[3]`; through other objects: `.handler → context → cache`. */
export function retainedEdgeText(r: Pick<RetainedObject, 'edge' | 'via'>): string {
  if (r.via && r.via.length > 1) return r.via.map(edgeLabel).join(' → ');
  return r.edge ? edgeLabel(r.edge) : '?';
}

/**
 * What an object retains, one line per child indented by level:
 * `.cache  Map @123  self 32 B · retained 1.2 MB`, and `… 8 more, 3.4 KB` for
 * the children --top left out. `escape` makes names safe for the output.
 */
export function retainedLines(
  o: Pick<ObjectSummary, 'retains' | 'retainsOmitted'>,
  format: { escape(text: string): string; edge(text: string): string; id(text: string): string },
  indent = '    ',
): string[] {
  const lines: string[] = [];
  const work: Array<{ r: RetainedObject | { more: OmittedChildren }; level: number }> = [];
  const pushLevel = (parent: Pick<ObjectSummary, 'retains' | 'retainsOmitted'>, level: number): void => {
    // Reversed onto the stack, so they come off in order.
    if (parent.retainsOmitted) work.push({ r: { more: parent.retainsOmitted }, level });
    for (const r of [...(parent.retains ?? [])].reverse()) work.push({ r, level });
  };
  pushLevel(o, 0);
  while (work.length > 0) {
    const { r, level } = work.pop()!;
    const pad = indent + '  '.repeat(level);
    if ('more' in r) {
      lines.push(`${pad}${format.id(`… ${formatCount(r.more.count)} more, ${formatBytes(r.more.retainedSize)}`)}`);
      continue;
    }
    lines.push(
      `${pad}${format.edge(format.escape(retainedEdgeText(r)))}  ${format.escape(r.name)} ${format.id(`@${r.nodeId}`)}  self ${formatBytes(r.selfSize)} · retained ${formatBytes(r.retainedSize)}`,
    );
    pushLevel(r, level + 1);
  }
  return lines;
}

/** "ignored: 120 objects, 14.2 KB retained (rule performance.resourceTimingBuffer)", one line per rule, made printable. */
export function ignoredLines(ignored: IgnoredObjects[] | undefined): string[] {
  return (ignored ?? []).map((i) => {
    const growing = i.growing ? `, ${formatCount(i.growing)} growing in bytes` : '';
    return printable(
      `ignored: ${formatCount(i.count)} object${i.count === 1 ? '' : 's'}, ${formatBytes(i.retainedSize)} retained${growing} (rule ${i.rule})`,
    );
  });
}

/** Steps of a finding's path shown in reports: from just above its holder to the leaked object. */
const FINDING_PATH_STEPS = 8;

/** Chrome's own records in a row (a listener table, a timer's) from this many on read as one elided step. */
const MIN_ELIDED_RECORDS = 3;

/**
 * The short path of a finding: two steps above its holder down to the leaked object, Chrome's own records in a
 * row as one elided step (they have no name the page's author would know), at most FINDING_PATH_STEPS: the holder
 * and the last steps when longer (the JSON keeps it all).
 */
export function findingPath(
  finding: Pick<Finding, 'retainerPath'> & { holder: Pick<Finding['holder'], 'nodeId'> & Partial<Finding['holder']> },
): RetainerPath {
  const path = finding.retainerPath;
  const at = path.findIndex((step) => step.nodeId === finding.holder.nodeId);
  const shown: RetainerPath = [];
  for (let i = Math.max(0, (at < 0 ? path.length : at) - 2); i < path.length; ) {
    let end = i;
    while (end < path.length - 1 && end !== at && isBrowserInternal(path[end].name, path[end].type)) end++;
    if (end - i >= MIN_ELIDED_RECORDS) {
      shown.push({ nodeId: 0, name: `… ${end - i} of Chrome's own records …`, type: 'elided', edge: null });
      i = end;
    } else shown.push(path[i++]);
  }
  if (shown.length <= FINDING_PATH_STEPS) return shown;
  // Too long still: the steps down to the holder, then the last ones down to the leaked object.
  const holder = shown.findIndex((step) => step.nodeId === finding.holder.nodeId);
  const tail = FINDING_PATH_STEPS - holder - 2;
  if (holder < 0 || tail < 2) return shown.slice(shown.length - FINDING_PATH_STEPS);
  const skipped = shown.length - tail - holder - 1;
  return [
    ...shown.slice(0, holder + 1),
    { nodeId: 0, name: `… ${skipped} steps …`, type: 'elided', edge: null },
    ...shown.slice(shown.length - tail),
  ];
}

/** "Leak 1 (timer): …" — a finding's heading in the text reports; its summary is the finding's own. */
export function findingHeading(finding: Finding, rank: number): string {
  return `Leak ${rank + 1} (${finding.pattern}): ${printable(finding.summary)}`;
}
