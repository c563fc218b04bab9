// Graph algorithms over HeapGraph: all iterative (heap graphs are deep), all
// skipping edges that do not retain: weak edges, and edges out of the string
// tables (HeapGraph.holdsWeakly).
import type { HeapGraph } from './graph.js';

export const NO_NODE = 0xffffffff;

/**
 * Who keeps each node alive: CSR layout, retainers of node o at
 * retainerNodes[firstRetainer[o]..firstRetainer[o+1]]. Only retaining edges
 * (not weak, not from a string table) are indexed, so the dominator pass
 * need not look at edges at all. Counting sort, as DevTools' buildRetainers.
 */
export interface Retainers {
  firstRetainer: Uint32Array;
  retainerNodes: Uint32Array;
}

function isRetainingEdge(graph: HeapGraph, from: number, edge: number): boolean {
  return !graph.isWeakEdge(edge) && !graph.holdsWeakly(from);
}

export function buildRetainers(graph: HeapGraph): Retainers {
  const { nodeCount } = graph;
  const firstRetainer = new Uint32Array(nodeCount + 1);
  for (let from = 0; from < nodeCount; from++) {
    const end = graph.firstEdge(from + 1);
    for (let e = graph.firstEdge(from); e < end; e++) {
      if (isRetainingEdge(graph, from, e)) firstRetainer[graph.edgeTarget(e) + 1]++;
    }
  }
  for (let o = 0; o < nodeCount; o++) firstRetainer[o + 1] += firstRetainer[o];
  const retainerNodes = new Uint32Array(firstRetainer[nodeCount]);
  const fill = firstRetainer.slice(0, nodeCount);
  for (let from = 0; from < nodeCount; from++) {
    const end = graph.firstEdge(from + 1);
    for (let e = graph.firstEdge(from); e < end; e++) {
      if (isRetainingEdge(graph, from, e)) retainerNodes[fill[graph.edgeTarget(e)]++] = from;
    }
  }
  return { firstRetainer, retainerNodes };
}

/** Hops from the root over non-weak edges, breadth first; NO_NODE when unreachable. */
export function calculateDistances(graph: HeapGraph): Uint32Array {
  const distances = new Uint32Array(graph.nodeCount).fill(NO_NODE);
  const queue = new Uint32Array(graph.nodeCount);
  let head = 0;
  let tail = 0;
  distances[graph.rootOrdinal] = 0;
  queue[tail++] = graph.rootOrdinal;
  while (head < tail) {
    const from = queue[head++];
    if (graph.holdsWeakly(from)) continue;
    const end = graph.firstEdge(from + 1);
    for (let e = graph.firstEdge(from); e < end; e++) {
      if (graph.isWeakEdge(e)) continue;
      const to = graph.edgeTarget(e);
      if (distances[to] !== NO_NODE) continue;
      distances[to] = distances[from] + 1;
      queue[tail++] = to;
    }
  }
  return distances;
}

interface PostOrder {
  order: Uint32Array;
  count: number;
  indexOf: Uint32Array;
}
const postOrders = new WeakMap<HeapGraph, PostOrder>();

/** Depth-first post-order of the nodes reachable from the root over retaining edges (computed once per graph). */
function postOrder(graph: HeapGraph): PostOrder {
  let cached = postOrders.get(graph);
  if (!cached) {
    cached = computePostOrder(graph);
    postOrders.set(graph, cached);
  }
  return cached;
}

function computePostOrder(graph: HeapGraph): PostOrder {
  const nodeCount = graph.nodeCount;
  const indexOf = new Uint32Array(nodeCount).fill(NO_NODE);
  const order = new Uint32Array(nodeCount);
  const visited = new Uint8Array(nodeCount);
  const stackNode = new Uint32Array(nodeCount);
  const stackEdge = new Uint32Array(nodeCount);
  let depth = 0;
  let count = 0;
  const root = graph.rootOrdinal;
  visited[root] = 1;
  stackNode[0] = root;
  stackEdge[0] = graph.firstEdge(root);
  depth = 1;
  while (depth > 0) {
    const node = stackNode[depth - 1];
    const end = graph.holdsWeakly(node) ? 0 : graph.firstEdge(node + 1);
    let e = stackEdge[depth - 1];
    let pushed = false;
    while (e < end) {
      const to = graph.edgeTarget(e);
      const weak = graph.isWeakEdge(e);
      e++;
      if (weak || visited[to]) continue;
      visited[to] = 1;
      stackEdge[depth - 1] = e;
      stackNode[depth] = to;
      stackEdge[depth] = graph.firstEdge(to);
      depth++;
      pushed = true;
      break;
    }
    if (pushed) continue;
    indexOf[node] = count;
    order[count++] = node;
    depth--;
  }
  return { order, count, indexOf };
}

/**
 * Immediate dominator of every node reachable over non-weak edges (the root
 * dominates itself); NO_NODE for unreachable nodes. Cooper, Harvey, Kennedy,
 * "A Simple, Fast Dominance Algorithm" (2001), iterated only over nodes whose
 * predecessors changed, as DevTools' buildDominatorTree does.
 */
export function buildDominatorTree(graph: HeapGraph, retainers: Retainers): Uint32Array {
  const { order, count, indexOf } = postOrder(graph);
  const rootIndex = count - 1;
  // Work in post-order numbers: the intersect walk compares them directly.
  const doms = new Uint32Array(count).fill(NO_NODE);
  doms[rootIndex] = rootIndex;
  const affected = new Uint8Array(count);
  const root = graph.rootOrdinal;
  for (let e = graph.firstEdge(root); e < graph.firstEdge(root + 1); e++) {
    if (!graph.isWeakEdge(e)) affected[indexOf[graph.edgeTarget(e)]] = 1;
  }
  const { firstRetainer, retainerNodes } = retainers;
  let changed = true;
  while (changed) {
    changed = false;
    for (let b = rootIndex - 1; b >= 0; b--) {
      if (affected[b] === 0) continue;
      affected[b] = 0;
      const node = order[b];
      let newIdom = NO_NODE;
      for (let r = firstRetainer[node]; r < firstRetainer[node + 1]; r++) {
        let p = indexOf[retainerNodes[r]];
        if (p === NO_NODE || doms[p] === NO_NODE) continue;
        if (newIdom === NO_NODE) {
          newIdom = p;
          continue;
        }
        let q = newIdom;
        while (p !== q) {
          while (p < q) p = doms[p];
          while (q < p) q = doms[q];
        }
        newIdom = p;
        if (newIdom === rootIndex) break;
      }
      if (newIdom !== NO_NODE && doms[b] !== newIdom) {
        doms[b] = newIdom;
        changed = true;
        const end = graph.holdsWeakly(node) ? 0 : graph.firstEdge(node + 1);
        for (let e = graph.firstEdge(node); e < end; e++) {
          if (graph.isWeakEdge(e)) continue;
          const s = indexOf[graph.edgeTarget(e)];
          if (s !== NO_NODE) affected[s] = 1;
        }
      }
    }
  }
  const dominators = new Uint32Array(graph.nodeCount).fill(NO_NODE);
  for (let i = 0; i < count; i++) dominators[order[i]] = order[doms[i]];
  return dominators;
}

/**
 * Retained size of every node: its self size plus that of every node it
 * dominates. A dominator comes after all it dominates in any depth-first
 * post-order, so one pass in that order adds each node into its dominator.
 */
export function calculateRetainedSizes(graph: HeapGraph, dominators: Uint32Array): Float64Array {
  const retained = new Float64Array(graph.nodeCount);
  for (let o = 0; o < graph.nodeCount; o++) retained[o] = graph.nodeSelfSize(o);
  const { order, count } = postOrder(graph);
  for (let i = 0; i < count; i++) {
    const node = order[i];
    const dom = dominators[node];
    if (dom !== NO_NODE && dom !== node) retained[dom] += retained[node];
  }
  // The last user of the post-order: let its arrays go with this call.
  postOrders.delete(graph);
  return retained;
}
