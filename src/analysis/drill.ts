// Drill-down: what one object retains, read off the dominator tree. An
// object's children there are the objects that every path from the GC roots
// reaches through it: freeing it frees them, and their retained sizes add up
// to its own retained size less its self size.
import type { HeapGraph } from '../engine/index.js';
import type { OmittedChildren, RetainedObject } from '../types.js';
import type { DominatorChildren } from './dominance.js';
import { type RootTrace, UNREACHED } from './trace.js';

export interface DrillOptions {
  /** Levels below the object. Default 2. */
  depth?: number;
  /** Children listed per object, largest retained size first. Default 10. */
  top?: number;
}

export interface Drilled {
  retains: RetainedObject[];
  /** Present when --top left children out. */
  omitted?: OmittedChildren;
}

/** Edge types by how well they name a child, best first: what the program wrote, then V8's own slots. */
const EDGE_RANK: Record<string, number> = { property: 0, element: 0, context: 0, shortcut: 1, internal: 2, hidden: 3 };
const rankOf = (type: string): number => EDGE_RANK[type] ?? 4;

/**
 * The strong edge from `parent` straight to `child` that names it best (a
 * property before an internal slot, the first in edge order among equals), or
 * -1 when the parent reaches it only through other objects.
 */
function directEdge(graph: HeapGraph, parent: number, child: number): number {
  let best = -1;
  for (let e = graph.firstEdge(parent); e < graph.firstEdge(parent + 1); e++) {
    if (graph.edgeTarget(e) !== child || graph.isWeakEdge(e)) continue;
    if (best < 0 || rankOf(graph.edgeTypeName(e)) < rankOf(graph.edgeTypeName(best))) best = e;
  }
  return best;
}

/** The traced edges from `parent` down to `child` (a dominator is on every path, so on the traced one), or null when the trace does not pass through it. */
function tracedEdges(graph: HeapGraph, trace: RootTrace, parent: number, child: number): number[] | null {
  if (trace.distance[child] === UNREACHED) return null;
  const edges: number[] = [];
  for (let o = child; o !== parent; ) {
    if (o === graph.rootOrdinal || trace.distance[o] === UNREACHED) return null;
    const e = trace.parentEdge[o];
    edges.push(e);
    o = graph.edgeSource(e);
  }
  return edges.reverse();
}

const edgeOf = (graph: HeapGraph, e: number): { type: string; name: string } => ({
  type: graph.edgeTypeName(e),
  name: graph.edgeName(e),
});

/**
 * The dominator-tree children of `ordinal`, `top` per level by retained size
 * (ties: smaller node id first), `depth` levels down, each named by the edge
 * that reaches it: the parent's own edge when there is one, as DevTools'
 * Summary view names what an object holds; otherwise the shortest path from
 * the parent down (an object held through a closure's context or a Map's
 * table the parent keeps to itself). Iterative: the work list holds each
 * listed object whose children are still to list.
 */
export function drillDown(
  graph: HeapGraph,
  tree: DominatorChildren,
  trace: RootTrace,
  selfSizes: ArrayLike<number>,
  retainedSizes: Float64Array,
  ordinal: number,
  options: DrillOptions = {},
): Drilled {
  const depth = options.depth ?? 2;
  const top = options.top ?? 10;
  // A node of the answer: the top list, or a listed object whose own children come next.
  const result: RetainedObject = {
    nodeId: 0,
    name: '',
    type: '',
    selfSize: 0,
    retainedSize: 0,
    edge: null,
    direct: true,
  };
  const work: Array<{ o: number; level: number; into: RetainedObject }> = [{ o: ordinal, level: 0, into: result }];
  while (work.length > 0) {
    const { o, level, into } = work.pop()!;
    const children = Array.from(tree.children.subarray(tree.first[o], tree.first[o + 1]));
    children.sort((a, b) => retainedSizes[b] - retainedSizes[a] || graph.nodeId(a) - graph.nodeId(b));
    const shown = children.slice(0, top);
    into.retains = shown.map((child) => {
      const entry = retainedObject(graph, trace, selfSizes, retainedSizes, o, child);
      if (level + 1 < depth && tree.first[child + 1] > tree.first[child])
        work.push({ o: child, level: level + 1, into: entry });
      return entry;
    });
    if (children.length > shown.length) {
      let size = 0;
      for (let i = shown.length; i < children.length; i++) size += retainedSizes[children[i]];
      into.retainsOmitted = { count: children.length - shown.length, retainedSize: size };
    }
  }
  return {
    retains: result.retains ?? [],
    ...(result.retainsOmitted ? { omitted: result.retainsOmitted } : {}),
  };
}

function retainedObject(
  graph: HeapGraph,
  trace: RootTrace,
  selfSizes: ArrayLike<number>,
  retainedSizes: Float64Array,
  parent: number,
  child: number,
): RetainedObject {
  const entry: RetainedObject = {
    nodeId: graph.nodeId(child),
    name: graph.className(child) || `(${graph.nodeTypeName(child)})`,
    type: graph.nodeTypeName(child),
    selfSize: selfSizes[child],
    retainedSize: retainedSizes[child],
    edge: null,
    direct: false,
  };
  const direct = directEdge(graph, parent, child);
  if (direct >= 0) {
    entry.edge = edgeOf(graph, direct);
    entry.direct = true;
  } else {
    const path = tracedEdges(graph, trace, parent, child);
    if (path && path.length > 0) {
      entry.edge = edgeOf(graph, path[path.length - 1]);
      entry.via = path.map((e) => edgeOf(graph, e));
    }
  }
  return entry;
}
