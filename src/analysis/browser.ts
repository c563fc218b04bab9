// A page's heap read as a front-end developer reads it: Chrome's own objects
// (classes.ts isBrowserInternal) are walked through, never blamed, and detached
// DOM trees are grouped by the JavaScript object that keeps each one alive, as
// DevTools' "Detached elements" panel lists them.
import { INTERNAL_TYPES, isBrowserInternal } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';
import type { DetachedDomGroup } from '../types.js';
import { instanceDetail, retainerPath } from './paths.js';
import { parentOf, type RootTrace, UNREACHED } from './trace.js';

export { isBrowserInternal } from '../classes.js';

/** Per node, 1 for Chrome's own objects (isBrowserInternal); null when the graph has none (a Node heap). */
export function browserInternalNodes(graph: HeapGraph): Uint8Array | null {
  let flags: Uint8Array | null = null;
  /** (name index, type index) → 0/1, Blink's names repeat. */
  const seen = new Map<number, number>();
  for (let o = 0; o < graph.nodeCount; o++) {
    const raw = graph.nodeNameIndex(o) * 64 + graph.nodeTypeIndex(o);
    let internal = seen.get(raw);
    if (internal === undefined) {
      internal = isBrowserInternal(graph.nodeName(o), graph.nodeTypeName(o)) ? 1 : 0;
      seen.set(raw, internal);
    }
    if (internal === 0) continue;
    flags ??= new Uint8Array(graph.nodeCount);
    flags[o] = 1;
  }
  return flags;
}

/** A detached DOM element as DevTools names it: `Detached <div …>`. */
export function isDetachedElement(graph: HeapGraph, ordinal: number): boolean {
  return graph.isDetached(ordinal) && graph.nodeName(ordinal).startsWith('<');
}

/** What the keeper walk goes through: DOM out of the document, V8's and Chrome's own objects, scopes. */
function passesThrough(graph: HeapGraph, o: number, internal: Uint8Array | null): boolean {
  if (graph.isDetached(o) || internal?.[o] === 1) return true;
  if (INTERNAL_TYPES.has(graph.nodeTypeName(o))) return true;
  return graph.nodeName(o).startsWith('system / ');
}

export interface DetachedDomOptions {
  /** Per node, its retained size (the dominator tree's). */
  retainedSizes: Float64Array;
  /** Per node, 1 when it is new (a diff's after snapshot): groups then count their new elements. */
  isNew?: (ordinal: number) => boolean;
  /** Groups listed, most elements first. Default 10. */
  top?: number;
}

/**
 * Every reachable detached DOM element, grouped by its keeper: going back
 * along its retainer path (the shortest from the roots), the first object that
 * is neither detached DOM nor Chrome's or V8's own (the array, closure,
 * listener function or attached element a detached tree hangs from). The tree
 * root is the last detached element before it; a group's retained size counts
 * each of its trees once.
 */
export function detachedDomGroups(graph: HeapGraph, trace: RootTrace, options: DetachedDomOptions): DetachedDomGroup[] {
  const internal = browserInternalNodes(graph);
  interface Group {
    keeper: number;
    edge: number;
    elements: number;
    added: number;
    roots: Set<number>;
  }
  const groups = new Map<number, Group>();
  for (let o = 0; o < graph.nodeCount; o++) {
    if (trace.distance[o] === UNREACHED || !isDetachedElement(graph, o)) continue;
    let root = o;
    let at = o;
    let edge = -1;
    while (at !== graph.rootOrdinal && passesThrough(graph, at, internal)) {
      if (isDetachedElement(graph, at)) root = at;
      edge = trace.parentEdge[at];
      at = parentOf(graph, trace, at);
    }
    const keeper = at === graph.rootOrdinal ? -1 : at;
    let group = groups.get(keeper);
    if (!group) {
      group = { keeper, edge, elements: 0, added: 0, roots: new Set() };
      groups.set(keeper, group);
    }
    group.elements++;
    if (options.isNew?.(o)) group.added++;
    group.roots.add(root);
  }
  const sorted = [...groups.values()].sort((a, b) => b.elements - a.elements || a.keeper - b.keeper);
  return sorted.slice(0, options.top ?? 10).map((g) => {
    const roots = [...g.roots].sort((a, b) => trace.distance[a] - trace.distance[b] || a - b);
    let retainedSize = 0;
    for (const r of roots) retainedSize += options.retainedSizes[r];
    const sample = roots[0];
    const group: DetachedDomGroup = {
      keeper:
        g.keeper < 0
          ? null
          : {
              nodeId: graph.nodeId(g.keeper),
              name: graph.className(g.keeper) || `(${graph.nodeTypeName(g.keeper)})`,
              type: graph.nodeTypeName(g.keeper),
              edge: g.edge < 0 ? null : { type: graph.edgeTypeName(g.edge), name: graph.edgeName(g.edge) },
            },
      elements: g.elements,
      trees: roots.length,
      retainedSize,
      sample: { nodeId: graph.nodeId(sample), name: instanceDetail(graph, sample) ?? graph.displayName(sample) },
      retainerPath: retainerPath(graph, trace, sample),
    };
    if (options.isNew) group.added = g.added;
    return group;
  });
}
