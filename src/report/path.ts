// Retainer paths and holders as text, for every reporter (each escapes as its format needs).
import { classHolderLabel, holderLabel } from '../analysis/paths.js';
import type { ClassDiff, HolderGroup, RetainerPath } from '../types.js';
import { formatAllocationStack, formatBytes, formatCount, formatLocation, printable, type Style } from './format.js';

/** Edge as it reads in a path: `.name` for properties, `[3]` for elements, plain names for variables. */
export function edgeLabel(edge: { type: string; name: string }): string {
  switch (edge.type) {
    case 'element':
      return `[${edge.name}]`;
    case 'internal':
      // Numbered internal edges are slots of a backing store (a Map's table): read them as elements.
      return /^\d+$/.test(edge.name) ? `[${edge.name}]` : edge.name;
    case 'property':
      return `.${edge.name}`;
    case 'hidden':
      return `(${edge.name})`;
    default:
      return edge.name;
  }
}

/** One line: `(GC roots) → (Global handles) → Array [1] → Timeout ._onTimeout → (closure) …` */
export function formatPath(path: RetainerPath): string {
  return path
    .map((step) => {
      const where = formatLocation(step.location);
      const node =
        step.type === 'elided'
          ? step.name
          : `${printable(step.name)}${step.nodeId ? ` @${step.nodeId}` : ''}${where ? ` (${printable(where)})` : ''}`;
      return step.edge ? `${printable(edgeLabel(step.edge))} ${node}` : node;
    })
    .join(' → ');
}

/** One line per step, `→ edge Name @id`, names made printable. */
export function pathLines(path: RetainerPath, s: Style, indent = '    '): string[] {
  return path.map((step, i) => {
    if (step.type === 'elided') return `${indent}${s.dim(step.name)}`;
    const where = formatLocation(step.location);
    const node = `${printable(step.name)} ${s.dim(`@${step.nodeId}`)}${where ? ` ${s.dim(`(${printable(where)})`)}` : ''}`;
    const edge = step.edge ? `${s.cyan(printable(edgeLabel(step.edge)))} ` : '';
    return `${indent}${i === 0 ? '' : '→ '}${edge}${node}`;
  });
}

const HELD_BY: Record<HolderGroup['heldBy'], string> = {
  program: '',
  runtime: ' (held only by the runtime)',
  runner: " (held only by leakscan's runner)",
  stack: ' (held by a running function)',
};

/** "1,990 in trail[…] (Array @78269), 186.6 KB retained (held by a running function)" */
export function holderLine(group: HolderGroup): string {
  if (group.heldBy === 'stack')
    return `${formatCount(group.count)} held by a running function (on its stack), ${formatBytes(group.retainedSize)} retained`;
  const label = holderLabel(group.retainerPath, group.holder.nodeId);
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
