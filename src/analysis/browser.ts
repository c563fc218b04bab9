// A page's heap read as a front-end developer reads it: Chrome's own objects
// (classes.ts isBrowserInternal) are walked through, never blamed, and detached
// DOM trees are grouped by the JavaScript object that keeps each one alive, as
// DevTools' "Detached elements" panel lists them.
import { BROWSER_INTERNAL_TYPES, INTERNAL_TYPES, isBrowserInternal } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';
import { sourceIndex } from '../engine/locations.js';
import type { DetachedDomGroup, SourceLocation } from '../types.js';
import { instanceDetail, retainerPath } from './paths.js';
import { parentOf, type RootTrace, UNREACHED } from './trace.js';

export { isBrowserInternal } from '../classes.js';

/** Per node, 1 for Chrome's own objects (isBrowserInternal); null when the graph has none (a Node heap). */
export function browserInternalNodes(graph: HeapGraph): Uint8Array | null {
  let flags: Uint8Array | null = null;
  // Only nodes of BROWSER_INTERNAL_TYPES can be Chrome's own (isBrowserInternal): per such type, the
  // answer by name index (0 not yet asked, 1 internal, 2 not), Blink's names repeat. A typed
  // array, not a Map: this runs over every node of every diff.
  const answers = graph.nodeTypeNames.map((type) =>
    BROWSER_INTERNAL_TYPES.has(type) ? new Uint8Array(graph.strings.length) : null,
  );
  for (let o = 0; o < graph.nodeCount; o++) {
    const byName = answers[graph.nodeTypeIndex(o)];
    if (byName === null) continue;
    const name = graph.nodeNameIndex(o);
    let answer = byName[name];
    if (answer === 0) {
      answer = isBrowserInternal(graph.nodeName(o), graph.nodeTypeName(o)) ? 1 : 2;
      byName[name] = answer;
    }
    if (answer !== 1) continue;
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

/** The keeper's place in the page's code (a closure's definition, a constructor's), when the snapshot says. */
function keeperWhere(graph: HeapGraph, keeper: number): { location?: SourceLocation } {
  const location = sourceIndex(graph).stepLocation(keeper);
  return location ? { location } : {};
}

export interface DetachedDomOptions {
  /** Per node, its retained size (the dominator tree's). */
  retainedSizes: Float64Array;
  /** Per node, 1 when it is new (a diff's after snapshot): groups then count their new elements. */
  isNew?: (ordinal: number) => boolean;
  /** Groups listed, most elements first. Default 100 (keepers of one kind are one group: a page has few). */
  top?: number;
}

/**
 * Every reachable detached DOM element, grouped by its keeper: going back
 * along its retainer path (the shortest from the roots), the first object that
 * is neither detached DOM nor Chrome's or V8's own (the array, closure,
 * listener function or attached element a detached tree hangs from). Keepers
 * of one kind (class, the edge holding them, definition site: one listener
 * function made per dialog) share a group. The tree root is the last detached
 * element before the keeper; a group's retained size counts each tree once.
 */
export function detachedDomGroups(graph: HeapGraph, trace: RootTrace, options: DetachedDomOptions): DetachedDomGroup[] {
  const internal = browserInternalNodes(graph);
  interface Group {
    keeper: number;
    edge: number;
    keepers: Set<number>;
    elements: number;
    added: number;
    roots: Set<number>;
  }
  // Keepers of one kind (the same listener function made once per dialog) are one row.
  const groups = new Map<string, Group>();
  const index = sourceIndex(graph);
  for (let o = 0; o < graph.nodeCount; o++) {
    if (trace.distance[o] === UNREACHED || !isDetachedElement(graph, o)) continue;
    let root = o;
    let at = o;
    while (at !== graph.rootOrdinal && passesThrough(graph, at, internal)) {
      if (isDetachedElement(graph, at)) root = at;
      at = parentOf(graph, trace, at);
    }
    const keeper = at === graph.rootOrdinal ? -1 : at;
    // The keeper's own name in the page's code (`closedDialogs`), when a JS object holds it; not an index in Chrome's lists.
    const holder = keeper < 0 ? graph.rootOrdinal : parentOf(graph, trace, keeper);
    // A variable of a scope (a page script's top-level const, a closure's) is named too: `tooltipCache`.
    const variable = keeper >= 0 && graph.edgeTypeName(trace.parentEdge[keeper]) === 'context';
    const edge =
      holder === graph.rootOrdinal || (passesThrough(graph, holder, internal) && !variable)
        ? -1
        : trace.parentEdge[keeper];
    const key =
      keeper < 0
        ? ''
        : [
            graph.nodeTypeName(keeper),
            graph.className(keeper),
            edge < 0 ? '' : graph.edgeName(edge),
            JSON.stringify(index.stepLocation(keeper)),
          ].join('\u0000');
    let group = groups.get(key);
    if (!group) {
      group = { keeper, edge, keepers: new Set(), elements: 0, added: 0, roots: new Set() };
      groups.set(key, group);
    }
    if (keeper >= 0) group.keepers.add(keeper);
    group.elements++;
    if (options.isNew?.(o)) group.added++;
    group.roots.add(root);
  }
  const sorted = [...groups.values()].sort((a, b) => b.elements - a.elements || a.keeper - b.keeper);
  return sorted.slice(0, options.top ?? 100).map((g) => {
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
              ...keeperWhere(graph, g.keeper),
            },
      keepers: g.keepers.size,
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
