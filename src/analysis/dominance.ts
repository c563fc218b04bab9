// Retained sizes of sets of objects, each byte counted once.
import type { HeapGraph } from '../engine/index.js';

export interface DominatorChildren {
  first: Uint32Array;
  children: Uint32Array;
}

/** Children lists of the dominator tree (CSR layout), built by counting sort on the immediate dominators. */
export function dominatorChildren(graph: HeapGraph, dominators: Uint32Array, reachable: (ordinal: number) => boolean): DominatorChildren {
  const nodeCount = graph.nodeCount;
  const root = graph.rootOrdinal;
  const first = new Uint32Array(nodeCount + 1);
  for (let o = 0; o < nodeCount; o++) {
    if (o !== root && reachable(o)) first[dominators[o] + 1]++;
  }
  for (let o = 0; o < nodeCount; o++) first[o + 1] += first[o];
  const fill = first.slice(0, nodeCount);
  const children = new Uint32Array(first[nodeCount]);
  for (let o = 0; o < nodeCount; o++) {
    if (o !== root && reachable(o)) children[fill[dominators[o]]++] = o;
  }
  return { first, children };
}

export interface SetRetainedSizes {
  /** Per class: retained sizes of its members that no other member of the same class dominates. */
  perClass: Float64Array;
  /** Retained size of all members together: members dominated by no other member. */
  total: number;
  /** Per class: members dominated by another member (of any class) or by compiled code, i.e. held only through it. */
  nested: Uint32Array;
}

/**
 * Walks the dominator tree once, depth first and iteratively, keeping for each
 * class how many of its members are on the current path: a member adds its
 * retained size only when it is the first of its class on the path (as DevTools
 * computes class retained sizes, HeapSnapshot.ts calculateClassesRetainedSize).
 * memberClass[o] is the node's class index, or -1 when it is not in the set.
 * Members below a node of type 'code' (bytecode, constant pools, feedback)
 * count as nested too: they are literals and caches of compiled code, which
 * V8 creates and flushes as functions are compiled, not the program's data.
 */
export function setRetainedSizes(
  graph: HeapGraph,
  tree: DominatorChildren,
  retainedSizes: Float64Array,
  memberClass: Int32Array,
  classCount: number,
): SetRetainedSizes {
  const codeType = graph.nodeTypeNames.indexOf('code');
  const isOwner = (o: number): boolean => memberClass[o] >= 0 || graph.nodeTypeIndex(o) === codeType;
  const perClass = new Float64Array(classCount);
  const onPath = new Uint32Array(classCount);
  const nested = new Uint32Array(classCount);
  /** Members and code nodes on the current path. */
  let ownersOnPath = 0;
  let total = 0;
  const stack = new Uint32Array(graph.nodeCount);
  const cursor = new Uint32Array(graph.nodeCount);
  let depth = 0;
  const enter = (o: number): void => {
    const cls = memberClass[o];
    if (cls >= 0) {
      if (onPath[cls] === 0) perClass[cls] += retainedSizes[o];
      if (ownersOnPath === 0) total += retainedSizes[o];
      else nested[cls]++;
      onPath[cls]++;
    }
    if (isOwner(o)) ownersOnPath++;
    stack[depth] = o;
    cursor[depth] = tree.first[o];
    depth++;
  };
  enter(graph.rootOrdinal);
  while (depth > 0) {
    const o = stack[depth - 1];
    const next = cursor[depth - 1];
    if (next < tree.first[o + 1]) {
      cursor[depth - 1] = next + 1;
      enter(tree.children[next]);
      continue;
    }
    depth--;
    const cls = memberClass[o];
    if (cls >= 0) onPath[cls]--;
    if (isOwner(o)) ownersOnPath--;
  }
  return { perClass, total, nested };
}
