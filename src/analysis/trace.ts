// Which nodes are reachable from the GC roots, and by which edge each was
// first reached: the shortest-path tree that retainer paths are read from.
import { isRuntimeBookkeeping } from '../classes.js';
import type { HeapGraph } from '../engine/index.js';

export const UNREACHED = 0xffffffff;

/**
 * GC-root categories that hold only what the snapshotting code had on its
 * stack or in open handle scopes at that instant. A path through them says
 * nothing about why an object lives on, so they are explored last: any
 * other route to an object wins, however long.
 */
const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)']);

export interface RootTrace {
  /** Edge ordinal by which each node was first reached; UNREACHED for the root and unreachable nodes. */
  parentEdge: Uint32Array;
  /** Hops from the root along the traced path; UNREACHED if unreachable. */
  distance: Uint32Array;
  /** 1 for nodes reachable only through the transient roots (TRANSIENT_ROOTS). */
  transientOnly: Uint8Array;
  reachableCount: number;
}

/**
 * Breadth-first search from the synthetic root, edges that do not retain
 * skipped (weak edges, string tables: HeapGraph.holdsWeakly), in three
 * phases: the program's own objects first, then through Node's embedder
 * objects, last from the transient roots. Same idea as DevTools' distance pass, which
 * visits user roots before the rest (HeapSnapshot.ts calculateDistances).
 */
export function traceFromRoots(graph: HeapGraph): RootTrace {
  const nodeCount = graph.nodeCount;
  const parentEdge = new Uint32Array(nodeCount).fill(UNREACHED);
  const distance = new Uint32Array(nodeCount).fill(UNREACHED);
  const queue = new Uint32Array(nodeCount);
  const level = traceLevels(graph);
  const deferred: number[][] = [[], [], []];
  let head = 0;
  let tail = 0;

  const root = graph.rootOrdinal;
  distance[root] = 0;
  queue[tail++] = root;

  const visit = (to: number, edge: number, from: number): void => {
    distance[to] = distance[from] + 1;
    parentEdge[to] = edge;
    queue[tail++] = to;
  };
  const drain = (allowed: number): void => {
    while (head < tail) {
      const from = queue[head++];
      if (graph.holdsWeakly(from)) continue;
      const edgeEnd = graph.firstEdge(from + 1);
      for (let edge = graph.firstEdge(from); edge < edgeEnd; edge++) {
        if (graph.isWeakEdge(edge)) continue;
        const to = graph.edgeTarget(edge);
        if (distance[to] !== UNREACHED) continue;
        if (level[to] > allowed) deferred[level[to]].push(edge, from);
        else visit(to, edge, from);
      }
    }
  };

  drain(LEVEL_PROGRAM);
  let firstTransient = tail;
  for (const current of [LEVEL_EMBEDDER, LEVEL_TRANSIENT]) {
    if (current === LEVEL_TRANSIENT) firstTransient = tail;
    const list = deferred[current];
    // Entries deferred while this level's own nodes are visited land in the same list: read it to the end.
    for (let i = 0; i < list.length; i += 2) {
      const to = graph.edgeTarget(list[i]);
      if (distance[to] === UNREACHED) visit(to, list[i], list[i + 1]);
      drain(current);
    }
  }
  const transientOnly = new Uint8Array(nodeCount);
  for (let i = firstTransient; i < tail; i++) transientOnly[queue[i]] = 1;

  return { parentEdge, distance, transientOnly, reachableCount: tail };
}

const LEVEL_PROGRAM = 0;
/** Node's C++ embedder objects ("Node / Environment", "Node / ModuleWrap"): paths through them are Node's bookkeeping. */
const LEVEL_EMBEDDER = 1;
const LEVEL_TRANSIENT = 2;

/** Which nodes a path should pass through only when nothing else reaches: see TRANSIENT_ROOTS and LEVEL_EMBEDDER. */
function traceLevels(graph: HeapGraph): Uint8Array {
  const levels = new Uint8Array(graph.nodeCount);
  const native = graph.nodeTypeNames.indexOf('native');
  for (let o = 0; o < graph.nodeCount; o++) {
    if (graph.nodeTypeIndex(o) === native && isRuntimeBookkeeping('native', graph.nodeName(o))) levels[o] = LEVEL_EMBEDDER;
  }
  const transient = findTransientRoots(graph);
  for (let o = 0; o < graph.nodeCount; o++) if (transient[o] === 1) levels[o] = LEVEL_TRANSIENT;
  return levels;
}

/** Flags the synthetic root categories named in TRANSIENT_ROOTS (children of the root's children). */
function findTransientRoots(graph: HeapGraph): Uint8Array {
  const flags = new Uint8Array(graph.nodeCount);
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) {
    const category = graph.edgeTarget(e);
    if (graph.nodeTypeName(category) !== 'synthetic') continue;
    for (let c = graph.firstEdge(category); c < graph.firstEdge(category + 1); c++) {
      const to = graph.edgeTarget(c);
      if (graph.nodeTypeName(to) === 'synthetic' && TRANSIENT_ROOTS.has(graph.nodeName(to))) flags[to] = 1;
    }
  }
  return flags;
}

/** The node the traced edge into `ordinal` leaves from (paths are walked rarely: no array per node for this). */
export function parentOf(graph: HeapGraph, trace: RootTrace, ordinal: number): number {
  return graph.edgeSource(trace.parentEdge[ordinal]);
}
